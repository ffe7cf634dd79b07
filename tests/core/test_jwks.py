"""Key sources: JWKS files, URLs, pasted JSON, PEMs and OCM servers, over loopback HTTP."""

from __future__ import annotations

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from inspector.core.http import HttpOptions
from inspector.core.jose import inspect_token
from inspector.core.jwks import WELL_KNOWN_JWKS, JwkInfo, KeySource, select_keys
from inspector.core.keys import generate_key, jwks, public_key_to_jwk

NOW = int(time.time())
ALGORITHMS = (
    "EdDSA",
    "ES256",
    "ES384",
    "ES512",
    "RS256",
    "RS384",
    "RS512",
    "PS256",
    "PS384",
    "PS512",
)


class JwksServer:
    """A loopback HTTP server answering GETs with JSON documents registered by path, 404 else."""

    def __init__(self) -> None:
        documents: dict[str, bytes] = {}
        self.documents = documents

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - stdlib name
                body = documents.get(self.path)
                self.send_response(200 if body is not None else 404)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body or b"")))
                self.end_headers()
                self.wfile.write(body or b"")

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def jwks_server():
    server = JwksServer()
    yield server
    server.close()


@pytest.fixture
def serve_jwks(jwks_server, request):
    """``serve(document, path)`` publishes a document under a path unique to this test."""
    prefix = f"/{abs(hash(request.node.nodeid))}"

    def serve(document: object, path: str = "/jwks") -> str:
        jwks_server.documents[prefix + path] = json.dumps(document).encode()
        return f"{jwks_server.origin}{prefix}{path}"

    return serve


@pytest.fixture(scope="module")
def keys_by_alg():
    rsa_key = rsa.generate_private_key(65537, 2048)
    curves = {"ES256": ec.SECP256R1(), "ES384": ec.SECP384R1(), "ES512": ec.SECP521R1()}
    keys = {alg: ec.generate_private_key(curve) for alg, curve in curves.items()}
    keys["EdDSA"] = ed25519.Ed25519PrivateKey.generate()
    for alg in ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512"):
        keys[alg] = rsa_key
    return keys


def sign(private_key, alg: str, kid: str, **claims) -> str:
    claims = {"iss": "https://cloud.example.org", "exp": NOW + 300, **claims}
    return jwt.encode(claims, private_key, algorithm=alg, headers={"kid": kid, "typ": "at+jwt"})


# -- direct sources ----------------------------------------------------------------------------


@pytest.mark.parametrize("alg", ALGORITHMS)
def test_each_algorithm_verifies_against_a_jwks_fetched_over_http(keys_by_alg, serve_jwks, alg):
    jwk = {**public_key_to_jwk(keys_by_alg[alg].public_key()), "kid": alg, "use": "sig"}
    url = serve_jwks({"keys": [jwk]})

    report = inspect_token(sign(keys_by_alg[alg], alg, alg), key_source=KeySource.from_url(url))

    assert report.signature.status == "valid", report.signature.reason
    assert report.signature.key_source == f"jwks-url {url}"


def test_a_jwks_url_that_answers_404_leaves_the_token_unverified_with_the_reason(serve_jwks):
    url = serve_jwks({"keys": []}, path="/elsewhere").replace("/elsewhere", "/absent")

    source = KeySource.from_url(url)

    assert source.keys == []
    assert source.error["kind"] == "http-status"
    assert "HTTP 404" in source.error["message"]
    assert [a.ok for a in source.attempts] == [False]


def test_an_unreachable_jwks_url_is_reported_not_raised():
    source = KeySource.from_url(f"http://127.0.0.1:{free_port()}/jwks")

    assert source.error["kind"] == "connect"


@pytest.mark.parametrize("url", ["http://[::1", "http://127.0.0.1:99999/jwks", "https://"])
def test_an_unusable_url_is_reported_not_raised(url):
    source = KeySource.from_url(url)

    assert source.keys == []
    assert url in source.error["message"]


def test_a_document_without_keys_is_not_a_jwks(serve_jwks):
    source = KeySource.from_url(serve_jwks({"issuer": "x"}))

    assert "not a JWK Set" in source.error["message"]


def test_an_empty_jwks_is_an_error():
    source = KeySource.from_jwks({"keys": []})

    assert "holds no keys" in source.error["message"]


def test_a_single_pasted_jwk_is_accepted_as_a_one_key_set():
    key = generate_key("p256", "k1")

    source = KeySource.from_json_text(json.dumps(key.public_jwk()))

    assert [k.kid for k in source.keys] == ["k1"]
    assert source.notes[0]["code"] == "single-jwk"


def test_a_jwks_file_holding_a_pem_is_read_as_a_pem(tmp_path):
    key = generate_key("ed25519", "k1")
    path = tmp_path / "key.pem"
    path.write_text(key.public_pem())

    source = KeySource.from_file(path)

    assert source.kind == "pem"
    assert source.keys[0].kty == "OKP"


def test_a_missing_file_is_reported_with_its_path(tmp_path):
    source = KeySource.from_file(tmp_path / "absent.json")

    assert "absent.json" in source.error["message"]


def test_a_private_pem_is_refused():
    key = generate_key("p256", "k1")

    source = KeySource.from_pem(key.private_pem())

    assert source.keys == []
    assert "public key instead" in source.error["message"]


def test_key_descriptions_give_kid_type_size_alg_use_and_thumbprint():
    rsa_key = generate_key("rsa2048", "r1")

    info = KeySource.from_jwks(jwks(rsa_key)).keys[0].to_dict()

    assert info["kid"] == "r1"
    assert info["kty"] == "RSA" and info["size"] == 2048
    assert info["description"] == "RSA 2048-bit"
    assert info["alg"] == "RS256" and info["use"] == "sig"
    assert len(info["thumbprint"]) == 43
    assert info["usable"] is True


def test_key_ops_without_verify_make_a_key_skipped():
    key = generate_key("p256", "k1")
    info = JwkInfo.from_jwk(0, {**key.public_jwk(), "key_ops": ["sign"]})

    selection = select_keys([info], "ES256", "k1")

    assert selection.skipped[0].code == "use"


# -- servers: discovery jwksUri, /.well-known/jwks.json, publicKey ----------------------------


def test_a_spec_server_serves_its_keys_through_the_discovery_jwks_uri(spec_peer):
    source = KeySource.from_server(spec_peer.base_url)

    assert source.used == "jwksUri"
    assert source.url == f"{spec_peer.base_url}/ocm/jwks"
    assert [a.source for a in source.attempts] == ["discovery", "jwksUri"]
    assert source.keys[0].kid == spec_peer.signing_key.kid


def test_a_spec_token_signed_with_the_peers_key_verifies_against_its_published_jwks(spec_peer):
    key = spec_peer.signing_key
    token = sign(key.private_key, key.alg, key.kid, iss=spec_peer.base_url)

    report = inspect_token(
        token,
        key_source=KeySource.from_server(spec_peer.base_url),
        server_url=spec_peer.base_url,
    )

    assert report.signature.status == "valid"
    assert report.signature.alg == "EdDSA"
    assert report.signature.key_source == f"jwksUri {spec_peer.base_url}/ocm/jwks"
    assert report.exit_code == 0


def test_a_nextcloud_access_token_verifies_against_the_peers_jwks(peer_factory):
    peer = peer_factory("nextcloud")
    token = nextcloud_token(peer)

    report = inspect_token(
        token,
        key_source=KeySource.from_server(peer.base_url),
        expect_audience=peer.share.share_with,
        server_url=peer.base_url,
    )

    assert report.token.header["typ"] == "at+jwt"
    assert report.signature.status == "valid", report.signature.reason
    assert report.signature.alg == "ES256"
    assert report.ok, report.checks


def test_the_well_known_jwks_is_used_when_discovery_has_no_jwks_uri(jwks_server):
    # A server without a discovery document that serves /.well-known/jwks.json (1.3 to -06).
    jwks_server.documents[WELL_KNOWN_JWKS] = json.dumps(jwks(generate_key("p256", "k1"))).encode()

    source = KeySource.from_server(jwks_server.origin)

    assert source.used == WELL_KNOWN_JWKS
    assert [(a.source, a.ok) for a in source.attempts] == [
        ("discovery", False),
        (WELL_KNOWN_JWKS, True),
    ]


def test_a_failing_jwks_uri_is_reported_and_the_well_known_path_tried_next(jwks_server):
    documents = jwks_server.documents
    documents["/.well-known/ocm"] = json.dumps(
        {
            "enabled": True,
            "apiVersion": "1.4.0",
            "endPoint": f"{jwks_server.origin}/ocm",
            "resourceTypes": [],
            "jwksUri": "http://127.0.0.1:99999/jwks",
        }
    ).encode()
    documents[WELL_KNOWN_JWKS] = json.dumps(jwks(generate_key("p256", "k1"))).encode()
    try:
        source = KeySource.from_server(jwks_server.origin)
    finally:
        del documents["/.well-known/ocm"]

    assert [(a.source, a.ok) for a in source.attempts][1:] == [
        ("jwksUri", False),
        (WELL_KNOWN_JWKS, True),
    ]
    assert "127.0.0.1:99999" in source.attempts[1].message
    assert source.used == WELL_KNOWN_JWKS


def test_a_legacy_server_falls_back_to_the_discovery_public_key_pem(peer_factory):
    peer = peer_factory("legacy")

    source = KeySource.from_server(peer.base_url)

    assert source.used == "publicKey.publicKeyPem"
    assert source.keys[0].kty == "RSA"
    assert source.keys[0].kid.endswith("#signature")
    assert [a.ok for a in source.attempts] == [True, False, False, True]


def test_a_reva_server_publishes_no_keys_and_the_trail_says_where_we_looked(peer_factory):
    peer = peer_factory("reva")

    source = KeySource.from_server(peer.base_url)

    assert source.keys == []
    assert [a.source for a in source.attempts] == [
        "discovery",
        "jwksUri",
        WELL_KNOWN_JWKS,
        "publicKey",
    ]
    assert "No keys found" in source.error["message"]


def test_an_unreachable_server_gives_an_error_not_an_exception():
    source = KeySource.from_server(f"http://127.0.0.1:{free_port()}")

    assert source.keys == []
    assert source.error["kind"] == "connect"


def test_keys_are_fetched_over_tls_with_the_peers_ca_bundle(peer_factory):
    peer = peer_factory("nextcloud", tls=True)

    trusted = KeySource.from_server(peer.base_url, HttpOptions(ca_bundle=peer.ca_file))
    untrusted = KeySource.from_server(peer.base_url)

    assert trusted.used == "jwksUri" and trusted.keys
    assert untrusted.keys == []
    assert untrusted.error["kind"] == "tls"
    assert "add a CA bundle" in untrusted.error["message"]


# -- the peer's key faults ---------------------------------------------------------------------


def test_a_token_signed_with_an_unpublished_key_is_unverified_with_kid_not_found(peer_factory):
    peer = peer_factory("nextcloud", faults=("unknown-kid",))

    report = inspect_token(nextcloud_token(peer), key_source=KeySource.from_server(peer.base_url))

    assert report.signature.status == "unverified"
    assert "kid-not-found" in report.warning_codes()


def test_an_expired_peer_token_has_a_valid_signature_but_fails_exp(peer_factory):
    peer = peer_factory("nextcloud", faults=("expired-token",))

    report = inspect_token(nextcloud_token(peer), key_source=KeySource.from_server(peer.base_url))

    assert report.signature.status == "valid"
    assert "expired" in report.warning_codes()
    assert report.exit_code == 1


# -- helpers -----------------------------------------------------------------------------------


def nextcloud_token(peer) -> str:
    """An access token from the nextcloud profile's token endpoint (unsigned requests allowed)."""
    discovery = httpx.get(f"{peer.base_url}/.well-known/ocm").json()
    response = httpx.post(
        discovery["tokenEndPoint"],
        data={"grant_type": "authorization_code", "code": peer.share.secret, "client_id": "x"},
    )
    response.raise_for_status()
    return response.json()["access_token"]


def free_port() -> int:
    """A loopback port with nothing listening on it."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
