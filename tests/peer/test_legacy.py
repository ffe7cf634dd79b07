"""The ``legacy`` profile on the wire: a 1.1-era server with the 2024 code flow."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from inspector.core.cavage import sign_cavage
from inspector.core.keys import generate_key, public_key_from_pem
from tests.peer.client import basic, http, post_form, post_json, propfind


@pytest.fixture
def legacy(peer_factory):
    return peer_factory("legacy")


def token_request(peer, **changes):
    body = {
        "grant_type": "ocm_authorization_code",
        "client_id": "receiver.example",
        "code": peer.share.secret,
    }
    body.update(changes)
    return post_json(peer.base_url + "/ocm/token", body)


def share_body(peer):
    return {
        "shareWith": f"bob@{peer.client_id}",
        "name": "Project plan",
        "providerId": "7c08",
        "owner": "carol@sender.example",
        "sender": "carol@sender.example",
        "shareType": "user",
        "resourceType": "file",
        "protocol": {"name": "webdav", "options": {"sharedSecret": "s3cr3t"}},
    }


def test_only_the_legacy_discovery_path_is_served(legacy):
    assert http.get(legacy.base_url + "/.well-known/ocm").status_code == 404

    for path in ("/ocm-provider", "/ocm-provider/"):
        document = http.get(legacy.base_url + path).json()
        assert document["apiVersion"] == "1.1.0"
        assert document["capabilities"] == ["/invite-accepted", "/notifications"]
        webdav = document["resourceTypes"][0]["protocols"]["webdav"]
        assert webdav == legacy.base_url + "/remote.php/dav/ocm"
        assert document["publicKey"]["keyId"] == legacy.base_url + "/ocm#signature"
        key = public_key_from_pem(document["publicKey"]["publicKeyPem"])
        assert isinstance(key, rsa.RSAPublicKey)


def test_json_token_request_gets_an_opaque_token_and_a_refresh_token(legacy):
    response = token_request(legacy)

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 3600
    assert body["refresh_token"]
    assert body["access_token"].count(".") == 0


def test_bad_code_is_denied_with_403_and_a_message(legacy):
    response = token_request(legacy, code="wrong")

    assert response.status_code == 403
    assert set(response.json()) == {"message"}


def test_unknown_grant_type_is_denied(legacy):
    assert token_request(legacy, grant_type="client_credentials").status_code == 403


def test_form_token_request_is_the_wrong_content_type(legacy):
    fields = {"grant_type": "ocm_authorization_code", "client_id": "r", "code": "x"}

    assert post_form(legacy.base_url + "/ocm/token", fields).status_code == 415


def test_share_signed_with_cavage_by_another_legacy_peer_is_accepted(peer_factory, legacy):
    sender = peer_factory("legacy")

    response = post_json(
        legacy.base_url + "/ocm/shares", share_body(legacy), key=sender.cavage_key, cavage=True
    )

    assert response.status_code == 201, response.text


def test_unsigned_share_is_accepted_as_1_1_peers_do(legacy):
    assert post_json(legacy.base_url + "/ocm/shares", share_body(legacy)).status_code == 201


def test_share_whose_body_changed_after_cavage_signing_is_refused(peer_factory, legacy):
    sender = peer_factory("legacy")
    url = legacy.base_url + "/ocm/shares"
    signed = sign_cavage(
        "POST",
        url,
        {"Content-Type": "application/json"},
        b'{"shareWith": "x"}',
        sender.cavage_key,
        sender.cavage_key.kid,
    )
    sent = b'{"shareWith": "y"}'

    response = http.post(url, content=sent, headers=signed.headers)

    assert response.status_code == 401
    assert "signature rejected" in response.json()["message"]


def test_share_signed_by_a_key_the_named_host_does_not_publish_is_refused(legacy):
    impostor = generate_key("rsa2048", legacy.base_url + "/ocm#signature")

    response = post_json(
        legacy.base_url + "/ocm/shares", share_body(legacy), key=impostor, cavage=True
    )

    assert response.status_code == 401


def test_share_missing_fields_is_a_validation_error(legacy):
    body = share_body(legacy)
    del body["protocol"]

    response = post_json(legacy.base_url + "/ocm/shares", body)

    assert response.status_code == 400
    assert response.json()["validationErrors"] == [{"name": "protocol", "message": "REQUIRED"}]


def test_notification_requires_resource_type_as_in_1_1(legacy):
    url = legacy.base_url + "/ocm/notifications"
    body = {"notificationType": "SHARE_ACCEPTED", "providerId": "7c08"}

    assert post_json(url, body).status_code == 400
    assert post_json(url, {**body, "resourceType": "file"}).status_code == 201


def test_webdav_takes_the_secret_as_basic_on_the_root(legacy):
    assert legacy.share.uri == legacy.base_url + "/remote.php/dav/ocm/"

    response = propfind(legacy.share.uri, basic(legacy.share.secret))

    assert response.status_code == 207


def test_webdav_takes_the_access_token_as_bearer(legacy):
    token = token_request(legacy).json()["access_token"]

    assert propfind(legacy.share.uri, f"Bearer {token}").status_code == 207


def test_webdav_refuses_wrong_or_missing_credentials(legacy):
    assert propfind(legacy.share.uri, basic("wrong")).status_code == 401
    assert propfind(legacy.share.uri, None).status_code == 401
