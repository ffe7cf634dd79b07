"""The server personalities a reference peer can take, by name."""

from __future__ import annotations

import importlib

from inspector.peer.profile import Profile

PROFILES = ("spec", "nextcloud", "reva", "legacy")

_CLASSES = {
    "spec": "inspector.peer.spec:SpecProfile",
    "nextcloud": "inspector.peer.nextcloud:NextcloudProfile",
    "reva": "inspector.peer.reva:RevaProfile",
    "legacy": "inspector.peer.legacy:LegacyProfile",
}


def profile_class(name: str) -> type[Profile]:
    """The class for a profile name; ``ValueError`` for a name not in ``PROFILES``."""
    if name not in _CLASSES:
        raise ValueError(f"unknown profile {name!r}; choose from {', '.join(PROFILES)}")
    module_name, _, class_name = _CLASSES[name].partition(":")
    return getattr(importlib.import_module(module_name), class_name)
