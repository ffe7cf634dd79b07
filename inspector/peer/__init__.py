"""The embedded reference OCM peer: a real OCM server on loopback for demos and tests.

``ReferencePeer(profile)`` serves discovery, a token endpoint, a JWKS, ``/shares``,
``/notifications`` and WebDAV PROPFIND on a demo share, behaving like one of ``PROFILES``, with
any of ``FAULTS`` switched on.
"""

from __future__ import annotations

from inspector.peer.faults import FAULTS
from inspector.peer.profiles import PROFILES
from inspector.peer.server import ReferencePeer, ServedRequest
from inspector.peer.share import DemoShare

__all__ = ["FAULTS", "PROFILES", "DemoShare", "ReferencePeer", "ServedRequest"]
