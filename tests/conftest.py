"""Fixtures shared by every test folder."""

from __future__ import annotations

import os

import pytest

# Widgets render offscreen unless a test run sets a real display on purpose (screenshots).
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(autouse=True)
def config_dir(tmp_path, monkeypatch):
    """Every test gets its own, empty configuration folder."""
    path = tmp_path / "config"
    monkeypatch.setenv("OCM_INSPECTOR_CONFIG_DIR", str(path))
    return path


@pytest.fixture
def peer_factory():
    """``make(profile="spec", **kwargs)`` starts a reference OCM peer; all are stopped afterwards."""
    from inspector.peer import ReferencePeer

    started = []

    def make(profile="spec", **kwargs):
        peer = ReferencePeer(profile, **kwargs).start()
        started.append(peer)
        return peer

    yield make
    for peer in reversed(started):
        peer.stop()


@pytest.fixture
def spec_peer(peer_factory):
    """A started plain-HTTP reference peer with the ``spec`` profile."""
    return peer_factory("spec")
