"""Demo peers: reference OCM servers started on loopback for this session only."""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import QObject, Signal

from inspector.core.store import Server
from inspector.ui.tasks import TaskRunner

log = logging.getLogger(__name__)


def _start_peer(profile: str) -> Any:
    from inspector.peer import ReferencePeer

    # TLS with a CA of its own, which the listed server trusts: the demo shows verified HTTPS.
    peer = ReferencePeer(profile, tls=True)
    peer.start()
    return peer


class DemoPeers(QObject):
    """Starts and stops reference peers. Their servers are shown in the list but never saved."""

    peer_started = Signal(object)  # Server
    peer_failed = Signal(str, str)  # profile, message

    def __init__(self, tasks: TaskRunner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.tasks = tasks
        self.peers: dict[str, Any] = {}
        self.servers: dict[str, Server] = {}

    def start(self, profile: str) -> None:
        if profile in self.peers:
            self.peer_started.emit(self.servers[profile])
            return
        log.info("starting the %s demo peer", profile)
        self.tasks.run_in_background(
            f"start {profile} demo peer",
            _start_peer,
            profile,
            on_success=lambda peer: self._started(profile, peer),
            on_failure=lambda exc: self._failed(profile, exc),
        )

    def _started(self, profile: str, peer: Any) -> None:
        self.peers[profile] = peer
        server = Server(
            id=f"demo-{profile}",
            name=f"Demo peer ({profile})",
            target=peer.base_url,
            ca_bundle=peer.ca_file,
            extra={"demo": True, "profile": profile},
        )
        self.servers[profile] = server
        log.info("demo peer %s listens on %s (loopback only)", profile, peer.base_url)
        self.peer_started.emit(server)

    def _failed(self, profile: str, exc: BaseException) -> None:
        log.warning("the %s demo peer did not start: %s", profile, exc)
        self.peer_failed.emit(profile, str(exc))

    def stop_all(self) -> None:
        for profile, peer in list(self.peers.items()):
            try:
                peer.stop()
            except Exception as exc:  # noqa: BLE001 - shutting down; report and go on
                log.warning("stopping the %s demo peer failed: %s", profile, exc)
        self.peers.clear()
        self.servers.clear()
