"""The ``nextcloud`` profile on the wire: Nextcloud with the 2026 token exchange."""

from __future__ import annotations

import re

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from inspector.core.keys import generate_key, public_key_from_pem
from tests.peer.client import (
    basic,
    http,
    jwt_header,
    post_form,
    post_json,
    propfind,
    verify_with_jwks,
)

TOKEN_PATH = "/index.php/apps/cloud_federation_api/api/v1/access-token"


@pytest.fixture
def nextcloud(peer_factory):
    return peer_factory("nextcloud")


def exchange(peer, code: str | None = None, **options):
    fields = {"grant_type": "authorization_code", "client_id": "ignored", "code": code}
    if code is None:
        fields["code"] = peer.share.secret
    return post_form(peer.base_url + TOKEN_PATH, fields, **options)


def test_both_discovery_paths_serve_nextclouds_document(nextcloud):
    documents = [
        http.get(nextcloud.base_url + path).json()
        for path in ("/.well-known/ocm", "/ocm-provider", "/ocm-provider/")
    ]

    assert documents[0] == documents[1] == documents[2]
    document = documents[0]
    host = nextcloud.client_id
    assert document["apiVersion"] == "1.0-proposal1"
    assert document["version"] == "1.1.2"
    assert document["endPoint"] == nextcloud.base_url + "/ocm"
    assert document["capabilities"] == [
        "invite-accepted",
        "notifications",
        "shares",
        "exchange-token",
        "http-sig",
    ]
    assert document["tokenEndPoint"] == nextcloud.base_url + TOKEN_PATH
    assert document["resourceTypes"][0]["protocols"] == {"webdav": "/public.php/webdav/"}
    assert document["publicKey"]["keyId"] == f"https://{host}/ocm#signature"
    assert isinstance(public_key_from_pem(document["publicKey"]["publicKeyPem"]), rsa.RSAPublicKey)


def test_only_the_legacy_path_carries_the_providers_header(nextcloud):
    assert (
        "x-nextcloud-ocm-providers" not in http.get(nextcloud.base_url + "/.well-known/ocm").headers
    )
    for path in ("/ocm-provider", "/ocm-provider/"):
        response = http.get(nextcloud.base_url + path)
        assert response.headers["x-nextcloud-ocm-providers"] == "true"


def test_jwks_is_served_at_the_fixed_path_and_at_jwks_uri(nextcloud):
    jwks_uri = http.get(nextcloud.base_url + "/.well-known/ocm").json()["jwksUri"]

    fixed = http.get(nextcloud.base_url + "/.well-known/jwks.json").json()
    advertised = http.get(jwks_uri).json()

    assert fixed == advertised
    (key,) = fixed["keys"]
    assert key["kty"] == "EC" and key["crv"] == "P-256" and key["alg"] == "ES256"
    assert key["kid"] == f"https://{nextcloud.client_id}/ocm#ecdsa-p256-sha256-1"


@pytest.mark.parametrize("encoding", ["form", "json"])
def test_unsigned_exchange_with_form_or_json_body_gets_an_es256_jwt(nextcloud, encoding):
    fields = {"grant_type": "authorization_code", "code": nextcloud.share.secret}
    url = nextcloud.base_url + TOKEN_PATH
    response = post_form(url, fields) if encoding == "form" else post_json(url, fields)

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600
    header = jwt_header(body["access_token"])
    assert header["alg"] == "ES256"
    assert header["typ"] == "at+jwt"


def test_access_token_claims_follow_nextcloud(nextcloud):
    token = exchange(nextcloud).json()["access_token"]

    claims = verify_with_jwks(token, nextcloud.jwks(), audience=nextcloud.share.share_with)
    assert claims["iss"] == f"https://{nextcloud.client_id}"
    assert claims["sub"] == "alice"
    assert claims["client_id"] == nextcloud.share.share_id
    assert claims["exp"] - claims["iat"] == 3600
    assert re.fullmatch(r"[A-Za-z0-9]{16}", claims["jti"])


def test_bad_code_is_401_invalid_grant_unlike_the_spec(nextcloud):
    response = exchange(nextcloud, "wrong")

    assert response.status_code == 401
    assert response.json() == {"error": "invalid_grant"}


def test_empty_code_gets_nextclouds_refresh_token_message(nextcloud):
    response = exchange(nextcloud, "")

    assert response.status_code == 400
    assert response.json() == {"error": "refresh_token is required"}


def test_other_grant_types_are_unsupported(nextcloud):
    fields = {"grant_type": "ocm_authorization_code", "code": nextcloud.share.secret}
    response = post_form(nextcloud.base_url + TOKEN_PATH, fields)

    assert response.status_code == 400
    assert response.json() == {"error": "unsupported_grant_type"}


def test_exchange_signed_with_cavage_by_another_nextcloud_is_accepted(peer_factory, nextcloud):
    other = peer_factory("nextcloud")

    response = exchange(nextcloud, key=other.cavage_key, cavage=True)

    assert response.status_code == 200, response.text


def test_exchange_with_a_signature_that_does_not_verify_is_401_invalid_request(nextcloud):
    stranger = generate_key("ed25519", f"{nextcloud.client_id}#stranger")

    response = exchange(nextcloud, key=stranger)

    assert response.status_code == 401
    assert response.json() == {"error": "invalid_request"}


def test_basic_secret_works_for_webdav_until_the_secret_is_exchanged(nextcloud):
    uri = nextcloud.share.uri
    assert uri == nextcloud.base_url + "/public.php/webdav/"
    assert propfind(uri, basic(nextcloud.share.secret)).status_code == 207

    token = exchange(nextcloud).json()["access_token"]

    assert propfind(uri, basic(nextcloud.share.secret)).status_code == 401
    assert propfind(uri, f"Bearer {token}").status_code == 207


def test_bearer_token_is_honoured_only_under_public_webdav(nextcloud):
    token = exchange(nextcloud).json()["access_token"]

    response = propfind(nextcloud.base_url + "/remote.php/dav/files/alice/", f"Bearer {token}")

    assert response.status_code == 401
    assert "/public.php/webdav/" in response.text


def test_a_new_exchange_revokes_the_previous_access_token(nextcloud):
    first = exchange(nextcloud).json()["access_token"]
    second = exchange(nextcloud).json()["access_token"]

    assert propfind(nextcloud.share.uri, f"Bearer {first}").status_code == 401
    assert propfind(nextcloud.share.uri, f"Bearer {second}").status_code == 207


def test_webdav_hrefs_are_under_public_webdav(nextcloud):
    response = propfind(nextcloud.share.uri, basic(nextcloud.share.secret), depth="1")

    assert response.status_code == 207
    assert "<d:href>/public.php/webdav/welcome.txt</d:href>" in response.text


def test_share_with_a_bad_signature_gets_nextclouds_invalid_signature_answer(nextcloud):
    stranger = generate_key("ed25519", f"{nextcloud.client_id}#stranger")
    body = {
        "shareWith": f"bob@{nextcloud.client_id}",
        "name": "a",
        "providerId": "1",
        "owner": "carol@elsewhere",
        "shareType": "user",
        "resourceType": "file",
        "protocol": {"name": "webdav", "options": {"sharedSecret": "s"}},
    }
    url = nextcloud.base_url + "/ocm/shares"

    assert post_json(url, body).status_code == 201
    refused = post_json(url, body, key=stranger)
    assert refused.status_code == 400
    assert refused.json() == {"message": "Invalid signature", "validationErrors": []}


def test_share_with_a_protocol_other_than_webdav_is_not_implemented(nextcloud):
    body = {
        "shareWith": f"bob@{nextcloud.client_id}",
        "name": "a",
        "providerId": "1",
        "owner": "carol@elsewhere",
        "shareType": "user",
        "resourceType": "file",
        "protocol": {"name": "ssh"},
    }

    response = post_json(nextcloud.base_url + "/index.php/ocm/shares", body)

    assert response.status_code == 501
    assert response.json()["message"] == "Unsupported protocol for data exchange."
