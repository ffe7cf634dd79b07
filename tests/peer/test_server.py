"""The peer as an HTTP server: bad requests, TLS, IPv6, logging and its life cycle."""

from __future__ import annotations

import json
import logging
import os
import socket
import ssl

import httpx
import pytest

from inspector.peer import PROFILES, ReferencePeer
from tests.peer.client import http, post


def alive(peer) -> bool:
    return http.get(peer.base_url + "/.well-known/ocm").status_code == 200


# -- bad requests -----------------------------------------------------------------------------


def test_malformed_json_is_400_and_the_peer_keeps_serving(spec_peer):
    response = post(spec_peer.base_url + "/ocm/shares", b'{"shareWith": ', "application/json")

    assert response.status_code == 400
    assert "not valid JSON" in response.json()["message"]
    assert alive(spec_peer)


def test_wrong_content_type_is_415(spec_peer):
    response = post(spec_peer.base_url + "/ocm/shares", b"shareWith=bob", "text/plain")

    assert response.status_code == 415
    assert alive(spec_peer)


def test_body_over_one_mebibyte_is_413(spec_peer):
    body = b"{" + b" " * (1024 * 1024) + b"}"

    response = post(spec_peer.base_url + "/ocm/shares", body, "application/json")

    assert response.status_code == 413
    assert alive(spec_peer)


def test_chunked_body_over_one_mebibyte_is_413(spec_peer):
    def chunks():
        for _ in range(20):
            yield b" " * (64 * 1024)

    response = http.post(
        spec_peer.base_url + "/ocm/shares",
        content=chunks(),
        headers={"Content-Type": "application/json"},
    )

    assert response.status_code == 413
    assert alive(spec_peer)


def test_chunked_body_within_the_limit_is_read(peer_factory):
    peer = peer_factory("legacy")
    body = json.dumps(
        {"grant_type": "ocm_authorization_code", "client_id": "r", "code": peer.share.secret}
    ).encode()

    response = http.post(
        peer.base_url + "/ocm/token",
        content=iter([body[:10], body[10:]]),
        headers={"Content-Type": "application/json"},
    )

    assert response.status_code == 200, response.text


def test_unknown_path_is_404_with_a_json_body(spec_peer):
    response = http.get(spec_peer.base_url + "/no/such/thing")

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/json"
    assert "/no/such/thing" in response.json()["message"]


def test_wrong_method_is_405_with_an_allow_header(spec_peer):
    response = http.delete(spec_peer.base_url + "/ocm/token")

    assert response.status_code == 405
    assert response.headers["allow"] == "POST, OPTIONS"


def test_unknown_method_on_a_known_path_is_405(spec_peer):
    response = http.request("BREW", spec_peer.base_url + "/.well-known/ocm")

    assert response.status_code == 405


def test_handler_failure_is_a_500_with_json_and_the_peer_keeps_serving(spec_peer, monkeypatch):
    def explode(request):
        raise RuntimeError("boom")

    # Correct code does not fail on demand, so one step of the discovery handler is broken here.
    monkeypatch.setattr(spec_peer._profile, "discovery_document", explode)

    response = http.get(spec_peer.base_url + "/.well-known/ocm")

    assert response.status_code == 500
    assert response.json()["error"] == "server_error"
    assert http.get(spec_peer.base_url + "/ocm/jwks").status_code == 200


def test_garbage_request_line_gets_a_json_400_and_the_peer_keeps_serving(spec_peer):
    host, port = spec_peer.client_id.rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=5) as raw:
        raw.sendall(b"THIS IS NOT HTTP\r\n\r\n")
        answer = b""
        while chunk := raw.recv(4096):  # the peer closes the connection after a 400
            answer += chunk

    assert answer.startswith(b"HTTP/1.1 400")
    assert b'"message"' in answer
    assert alive(spec_peer)


# -- HTTP behaviour ---------------------------------------------------------------------------


def test_responses_are_http_1_1_with_content_length_date_and_keep_alive(spec_peer):
    with httpx.Client() as client:
        first = client.get(spec_peer.base_url + "/.well-known/ocm")
        second = client.get(spec_peer.base_url + "/ocm/jwks")

    for response in (first, second):
        assert response.http_version == "HTTP/1.1"
        assert int(response.headers["content-length"]) == len(response.content)
        assert response.headers["date"].endswith("GMT")
        assert response.headers.get("connection") != "close"


def test_head_answers_with_headers_only(spec_peer):
    get = http.get(spec_peer.base_url + "/.well-known/ocm")
    head = http.head(spec_peer.base_url + "/.well-known/ocm")

    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["content-length"] == get.headers["content-length"]


def test_each_request_is_logged_once_and_recorded(spec_peer, caplog):
    with caplog.at_level(logging.INFO, logger="inspector.peer"):
        http.get(spec_peer.base_url + "/ocm/jwks")
        http.get(spec_peer.base_url + "/missing")

    lines = [r.getMessage() for r in caplog.records if r.name == "inspector.peer"]
    assert lines == ["GET /ocm/jwks 200", "GET /missing 404"]
    assert spec_peer.requests[-2:] == [("GET", "/ocm/jwks", 200), ("GET", "/missing", 404)]
    assert spec_peer.requests[-1].status == 404


def test_on_request_sees_every_served_request(peer_factory):
    seen = []
    peer = peer_factory("spec", on_request=seen.append)

    http.get(peer.base_url + "/.well-known/ocm")

    assert [s.line() for s in seen] == ["GET /.well-known/ocm 200"]


# -- TLS and addresses ------------------------------------------------------------------------


def test_tls_peer_is_trusted_through_its_ca_file(peer_factory):
    peer = peer_factory("spec", tls=True)

    context = ssl.create_default_context(cafile=peer.ca_file)
    response = httpx.get(peer.base_url + "/.well-known/ocm", verify=context)

    assert peer.base_url.startswith("https://127.0.0.1:")
    assert response.status_code == 200
    assert response.json()["endPoint"].startswith("https://")


def test_tls_peer_is_refused_without_its_ca_file(peer_factory):
    peer = peer_factory("spec", tls=True)

    with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
        httpx.get(peer.base_url + "/.well-known/ocm")
    assert alive_tls(peer)


def alive_tls(peer) -> bool:
    context = ssl.create_default_context(cafile=peer.ca_file)
    return httpx.get(peer.base_url + "/ocm/jwks", verify=context).status_code == 200


def test_tls_certificate_names_localhost_too(peer_factory):
    peer = peer_factory("spec", tls=True)
    context = ssl.create_default_context(cafile=peer.ca_file)

    url = peer.base_url.replace("127.0.0.1", "localhost") + "/.well-known/ocm"

    assert httpx.get(url, verify=context).status_code == 200


def test_ca_file_is_removed_when_the_peer_stops():
    peer = ReferencePeer("spec", tls=True).start()
    ca_file = peer.ca_file
    assert os.path.exists(ca_file)

    peer.stop()

    assert not os.path.exists(ca_file)
    assert peer.ca_file is None


def test_ipv6_loopback_peer_brackets_its_base_url(peer_factory):
    peer = peer_factory("spec", host="::1")

    assert peer.base_url.startswith("http://[::1]:")
    assert peer.client_id.startswith("[::1]:")
    assert http.get(peer.base_url + "/.well-known/ocm").status_code == 200


def test_default_peer_binds_loopback_and_says_so(caplog):
    with (
        caplog.at_level(logging.INFO, logger="inspector.peer"),
        ReferencePeer("reva") as peer,
    ):
        assert peer.base_url.startswith("http://127.0.0.1:")

    assert any("loopback only" in r.getMessage() for r in caplog.records)


# -- life cycle -------------------------------------------------------------------------------


def test_context_manager_frees_the_port_on_exit():
    with ReferencePeer("spec") as peer:
        host, port = peer.client_id.rsplit(":", 1)
        assert alive(peer)

    with pytest.raises(OSError), socket.create_connection((host, int(port)), timeout=2):
        pass


def test_stop_closes_idle_keep_alive_connections(spec_peer):
    client = httpx.Client()
    client.get(spec_peer.base_url + "/.well-known/ocm")

    spec_peer.stop()

    with pytest.raises(httpx.TransportError):
        client.get(spec_peer.base_url + "/.well-known/ocm")
    client.close()


@pytest.mark.parametrize("profile", PROFILES)
def test_every_profile_starts_and_serves_discovery_somewhere(peer_factory, profile):
    peer = peer_factory(profile)

    statuses = {
        http.get(peer.base_url + p).status_code for p in ("/.well-known/ocm", "/ocm-provider")
    }

    assert 200 in statuses


def test_unknown_profile_is_refused():
    with pytest.raises(ValueError, match="unknown profile 'owncloud'"):
        ReferencePeer("owncloud")


def test_reading_the_peer_before_start_says_to_start_it():
    with pytest.raises(RuntimeError, match="start"):
        _ = ReferencePeer().base_url
