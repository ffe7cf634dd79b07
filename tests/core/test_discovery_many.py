"""Checking many servers at once: order, concurrency, per-server TLS options."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from inspector.core.discovery import discover_many, options_for
from inspector.core.http import HttpOptions
from inspector.core.store import Server

DOCUMENT = {
    "enabled": True,
    "apiVersion": "1.4.0",
    "endPoint": "https://cloud.example.org/ocm",
    "resourceTypes": [{"name": "file", "shareTypes": ["user"], "protocols": {"webdav": "/dav/"}}],
}


@pytest.fixture
def rendezvous_site():
    """A site that answers only once ``parties`` requests are waiting at the same time.

    If the requests came one after another, the barrier would time out and every answer would be
    a 503, so a passing test proves the requests overlapped without measuring time.
    """
    servers = []

    def make(parties: int) -> str:
        barrier = threading.Barrier(parties, timeout=10)

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                try:
                    barrier.wait()
                    status, body = 200, json.dumps(DOCUMENT).encode()
                except threading.BrokenBarrierError:
                    status, body = 503, b'{"message": "requests did not overlap"}'
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}"

    yield make
    for server in servers:
        server.shutdown()
        server.server_close()


def test_results_come_back_in_input_order(peer_factory):
    spec = peer_factory("spec").base_url
    legacy = peer_factory("legacy").base_url
    missing = peer_factory("spec", faults=["discovery-404"]).base_url

    results = discover_many([missing, spec, legacy])

    assert [r.target for r in results] == [missing, spec, legacy]
    assert [r.status for r in results] == ["unreachable", "warnings", "warnings"]
    assert [r.legacy_path for r in results] == [False, False, True]


def test_many_servers_are_asked_at_the_same_time(rendezvous_site):
    parties = 8
    base = rendezvous_site(parties)
    results = discover_many([base] * parties, compare_paths=False)
    assert [r.error for r in results] == [None] * parties


def test_saved_servers_bring_their_own_tls_options(peer_factory):
    peer = peer_factory("spec", tls=True)
    trusted = Server(id="s1", name="trusted", target=peer.base_url, ca_bundle=peer.ca_file)
    untrusted = Server(id="s2", name="untrusted", target=peer.base_url)
    unverified = Server(id="s3", name="unverified", target=peer.base_url, verify_tls=False)

    results = discover_many([trusted, untrusted, unverified])

    assert [r.server_id for r in results] == ["s1", "s2", "s3"]
    assert [r.error["kind"] if r.error else None for r in results] == [None, "tls", None]


def test_options_can_be_given_per_target(peer_factory):
    peer = peer_factory("spec", tls=True)
    options = {peer.base_url: HttpOptions(ca_bundle=peer.ca_file)}
    plain = peer_factory("spec").base_url

    results = discover_many([peer.base_url, plain], options)
    assert [r.error for r in results] == [None, None]


def test_each_result_is_reported_once_as_it_arrives(peer_factory):
    targets = [peer_factory("spec").base_url, peer_factory("reva").base_url]
    seen: list[tuple[int, str]] = []
    lock = threading.Lock()

    def on_result(index, result):
        with lock:
            seen.append((index, result.target))

    discover_many(targets, on_result=on_result)
    assert sorted(seen) == [(0, targets[0]), (1, targets[1])]


def test_an_empty_list_gives_no_results():
    assert discover_many([]) == []


def test_options_for_a_server_keep_the_base_timeouts():
    base = HttpOptions().with_timeout(3)
    server = Server(id="x", name="x", target="cloud.example.org", verify_tls=False, ca_bundle="/ca")
    options = options_for(server, base)
    assert (options.read_timeout, options.verify_tls, options.ca_bundle) == (3, False, "/ca")
