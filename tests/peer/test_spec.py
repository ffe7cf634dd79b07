"""The ``spec`` profile on the wire: a strict OCM 1.4.0 server."""

from __future__ import annotations

import json
import re
from xml.etree import ElementTree

import httpx
import pytest

from inspector.core.httpsig import sign_request
from inspector.core.keys import generate_key, jwks
from tests.peer.client import (
    DAV,
    FORM,
    basic,
    http,
    jwt_header,
    multistatus_hrefs,
    post,
    post_form,
    post_json,
    propfind,
    verify_with_jwks,
)


@pytest.fixture
def receiver(peer_factory):
    """A second peer that plays the receiving server: it signs, and publishes its keys."""
    return peer_factory("spec")


def token_url(peer) -> str:
    return peer.base_url + "/ocm/token"


def code_flow(peer, client_id: str, code: str, **options) -> httpx.Response:
    fields = {"grant_type": "authorization_code", "client_id": client_id, "code": code}
    return post_form(token_url(peer), fields, **options)


def access_token(peer, receiver) -> str:
    response = code_flow(peer, receiver.client_id, peer.share.secret, key=receiver.signing_key)
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


def share_body(peer, receiver, **changes):
    body = {
        "shareWith": f"bob@{peer.client_id}",
        "name": "Project plan",
        "providerId": "7c084226-d9a1-11e6-bf26-cec0c932ce01",
        "owner": f"carol@{receiver.client_id}",
        "sender": f"carol@{receiver.client_id}",
        "shareType": "user",
        "resourceType": "file",
        "protocol": {
            "name": "multi",
            "webdav": {
                "uri": "https://receiver.example/webdav/abc",
                "sharedSecret": "hfiuhworzwnur98d3wjiwhr",
                "permissions": ["read"],
                "requirements": ["must-exchange-token"],
            },
        },
    }
    body.update(changes)
    return body


# -- discovery and keys -----------------------------------------------------------------------


def test_well_known_ocm_serves_a_1_4_discovery_document(spec_peer):
    response = http.get(spec_peer.base_url + "/.well-known/ocm")

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    document = response.json()
    base = spec_peer.base_url
    assert document["enabled"] is True
    assert document["apiVersion"] == "1.4.0"
    assert document["endPoint"] == f"{base}/ocm"
    assert set(document["capabilities"]) >= {"exchange-token", "http-sig", "invites"}
    assert document["criteria"] == ["must-use-http-sig", "must-exchange-token"]
    assert document["tokenEndPoint"] == f"{base}/ocm/token"
    assert document["jwksUri"] == f"{base}/ocm/jwks"
    first = document["resourceTypes"][0]
    assert first["name"] == "file"
    assert first["protocols"]["webdav"] == "/webdav/ocm"
    assert first["protocols"]["webdav-receive"] == {"uri": "absolute"}
    assert "publicKey" not in document


def test_legacy_discovery_path_is_gone_in_1_4(spec_peer):
    assert http.get(spec_peer.base_url + "/ocm-provider").status_code == 404


def test_jwks_uri_publishes_the_ed25519_signing_key_without_private_parts(spec_peer):
    response = http.get(spec_peer.base_url + "/ocm/jwks")

    assert response.status_code == 200
    (key,) = response.json()["keys"]
    assert key["kty"] == "OKP" and key["crv"] == "Ed25519"
    assert key["alg"] == "EdDSA" and key["use"] == "sig"
    assert key["kid"] == spec_peer.signing_key.kid
    assert "d" not in key
    assert response.json() == spec_peer.jwks()


def test_python_api_describes_the_running_peer(spec_peer):
    info = spec_peer.info()

    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", spec_peer.base_url)
    assert info["base_url"] == spec_peer.base_url
    assert info["client_id"] == spec_peer.client_id == spec_peer.base_url.split("//")[1]
    assert info["ca_file"] is None
    assert info["profile"] == "spec"
    assert info["share"]["secret"] == spec_peer.share.secret
    assert info["share"]["uri"] == spec_peer.share.uri
    assert spec_peer.share.uri.startswith(spec_peer.base_url + "/webdav/ocm/")
    assert spec_peer.share.secret not in repr(spec_peer.share)


# -- code flow --------------------------------------------------------------------------------


def test_token_request_signed_by_a_receiver_found_through_its_discovery_gets_a_token(
    spec_peer, receiver
):
    response = code_flow(
        spec_peer, receiver.client_id, spec_peer.share.secret, key=receiver.signing_key
    )

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 300
    assert "refresh_token" not in body
    assert response.headers["cache-control"] == "no-store"
    # The peer looked the key up the way a real sender does.
    assert ("GET", "/.well-known/ocm", 200) in receiver.requests
    assert ("GET", "/ocm/jwks", 200) in receiver.requests


def test_token_request_signed_with_a_trusted_key_gets_a_token(spec_peer):
    key = generate_key("ed25519", "inspector.example#key1")
    spec_peer.trust(jwks(key))

    response = code_flow(spec_peer, "localhost", spec_peer.share.secret, key=key)

    assert response.status_code == 200, response.text


def test_trusted_keys_can_come_from_a_jwks_file(peer_factory, tmp_path):
    key = generate_key("p256", "inspector.example#p256")
    path = tmp_path / "trusted.json"
    path.write_text(json.dumps(jwks(key)))
    peer = peer_factory("spec", trust_jwks=str(path))

    response = code_flow(peer, "localhost", peer.share.secret, key=key)

    assert response.status_code == 200, response.text


def test_unsigned_token_request_is_refused_with_401_and_a_signature_challenge(spec_peer):
    response = code_flow(spec_peer, spec_peer.client_id, spec_peer.share.secret)

    assert response.status_code == 401
    assert response.json()["error"] == "invalid_request"
    assert "not signed" in response.json()["error_description"]
    assert response.headers["www-authenticate"].startswith("Signature")
    assert 'tag="ocm"' in response.headers["accept-signature"]


def test_token_request_whose_body_changed_after_signing_is_refused(spec_peer, receiver):
    url = token_url(spec_peer)
    signed_body = f"grant_type=authorization_code&client_id={receiver.client_id}&code=guess"
    headers = sign_request(
        "POST", url, {"Content-Type": FORM}, signed_body.encode(), receiver.signing_key
    ).headers
    sent_body = signed_body.replace("guess", spec_peer.share.secret).encode()
    headers["Content-Length"] = str(len(sent_body))

    response = http.post(url, content=sent_body, headers=headers)

    assert response.status_code == 401
    assert "digest" in response.json()["error_description"].lower()


def test_token_request_signed_with_a_key_the_client_does_not_publish_is_refused(
    spec_peer, receiver
):
    rogue = generate_key("ed25519", f"{receiver.client_id}#rogue")

    response = code_flow(spec_peer, receiver.client_id, spec_peer.share.secret, key=rogue)

    assert response.status_code == 401
    assert "rogue" in response.json()["error_description"]


def test_bad_code_is_invalid_grant(spec_peer, receiver):
    response = code_flow(spec_peer, receiver.client_id, "not-the-secret", key=receiver.signing_key)

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


@pytest.mark.parametrize("grant_type", ["ocm_authorization_code", "ocm_share", "refresh_token"])
def test_other_grant_types_are_unsupported(spec_peer, receiver, grant_type):
    fields = {"grant_type": grant_type, "client_id": receiver.client_id, "code": "x"}
    response = post_form(token_url(spec_peer), fields, key=receiver.signing_key)

    assert response.status_code == 400
    assert response.json()["error"] == "unsupported_grant_type"


@pytest.mark.parametrize("missing", ["grant_type", "client_id", "code"])
def test_each_parameter_is_required(spec_peer, receiver, missing):
    fields = {
        "grant_type": "authorization_code",
        "client_id": receiver.client_id,
        "code": spec_peer.share.secret,
    }
    del fields[missing]

    response = post_form(token_url(spec_peer), fields, key=receiver.signing_key)

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


def test_client_id_that_is_not_a_host_name_is_invalid_client(spec_peer):
    response = code_flow(spec_peer, "https://receiver.example/path", spec_peer.share.secret)

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_client"


def test_repeated_parameter_is_invalid_request(spec_peer):
    body = b"grant_type=authorization_code&grant_type=authorization_code&client_id=a&code=b"
    response = post(token_url(spec_peer), body, FORM)

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


def test_json_token_request_is_refused_as_the_wrong_content_type(spec_peer, receiver):
    fields = {
        "grant_type": "authorization_code",
        "client_id": receiver.client_id,
        "code": spec_peer.share.secret,
    }
    response = post_json(token_url(spec_peer), fields, key=receiver.signing_key)

    assert response.status_code == 415
    assert response.json()["error"] == "invalid_request"


def test_access_token_is_an_eddsa_at_jwt_signed_by_a_published_key(spec_peer, receiver):
    token = access_token(spec_peer, receiver)

    header = jwt_header(token)
    assert header["alg"] == "EdDSA"
    assert header["typ"] == "at+jwt"
    published = http.get(spec_peer.base_url + "/ocm/jwks").json()
    claims = verify_with_jwks(token, published, audience=spec_peer.share.share_with)
    assert claims["iss"] == spec_peer.base_url
    assert claims["sub"] == "alice"
    assert claims["aud"] == spec_peer.share.share_with
    assert claims["client_id"] == receiver.client_id
    assert claims["exp"] - claims["iat"] == 300
    assert claims["jti"]


# -- shares and notifications -----------------------------------------------------------------


def test_signed_share_is_accepted(spec_peer, receiver):
    url = spec_peer.base_url + "/ocm/shares"
    response = post_json(url, share_body(spec_peer, receiver), key=receiver.signing_key)

    assert response.status_code == 201, response.text
    assert response.json() == {"recipientDisplayName": "bob"}


def test_unsigned_share_is_refused_because_of_must_use_http_sig(spec_peer, receiver):
    response = post_json(spec_peer.base_url + "/ocm/shares", share_body(spec_peer, receiver))

    assert response.status_code == 401
    assert "must-use-http-sig" in response.json()["message"]


def test_share_without_required_fields_lists_them_as_validation_errors(spec_peer, receiver):
    body = share_body(spec_peer, receiver)
    del body["providerId"], body["name"]

    response = post_json(spec_peer.base_url + "/ocm/shares", body, key=receiver.signing_key)

    assert response.status_code == 400
    errors = response.json()["validationErrors"]
    assert {"name": "providerId", "message": "REQUIRED"} in errors
    assert {"name": "name", "message": "REQUIRED"} in errors


def test_share_for_someone_elsewhere_is_not_found(spec_peer, receiver):
    body = share_body(spec_peer, receiver, shareWith="bob@elsewhere.example")

    response = post_json(spec_peer.base_url + "/ocm/shares", body, key=receiver.signing_key)

    assert response.status_code == 400
    assert {"name": "shareWith", "message": "NOT_FOUND"} in response.json()["validationErrors"]


def test_share_without_must_exchange_token_breaks_the_receivers_criterion(spec_peer, receiver):
    body = share_body(spec_peer, receiver)
    body["protocol"]["webdav"]["requirements"] = []

    response = post_json(spec_peer.base_url + "/ocm/shares", body, key=receiver.signing_key)

    assert response.status_code == 400
    assert {
        "name": "protocol.webdav.requirements",
        "message": "REQUIRED",
    } in response.json()["validationErrors"]


def test_signed_notification_is_accepted_and_an_unsigned_one_refused(spec_peer, receiver):
    url = spec_peer.base_url + "/ocm/notifications"
    body = {
        "notificationType": "SHARE_ACCEPTED",
        "resourceType": "file",
        "providerId": "7c08",
        "notification": {"message": "Recipient accepted the share"},
    }

    assert post_json(url, body, key=receiver.signing_key).status_code == 201
    assert post_json(url, body).status_code == 401


def test_notification_of_an_unknown_type_is_a_validation_error(spec_peer, receiver):
    url = spec_peer.base_url + "/ocm/notifications"
    body = {"notificationType": "SHARE_EXPLODED", "providerId": "7c08"}

    response = post_json(url, body, key=receiver.signing_key)

    assert response.status_code == 400
    assert response.json()["validationErrors"] == [
        {"name": "notificationType", "message": "INVALID"}
    ]


# -- WebDAV -----------------------------------------------------------------------------------


def test_propfind_depth_1_with_the_access_token_lists_the_folder_and_two_files(spec_peer, receiver):
    token = access_token(spec_peer, receiver)

    response = propfind(spec_peer.share.uri, f"Bearer {token}", depth="1")

    assert response.status_code == 207
    root_path = spec_peer.share.uri.removeprefix(spec_peer.base_url)
    assert multistatus_hrefs(response) == [
        root_path,
        root_path + "welcome.txt",
        root_path + "report.pdf",
    ]
    responses = ElementTree.fromstring(response.content).findall(f"{DAV}response")
    folder_type = responses[0].find(f".//{DAV}resourcetype")
    assert folder_type.find(f"{DAV}collection") is not None
    for item in responses[1:]:
        assert int(item.find(f".//{DAV}getcontentlength").text) > 0
        assert item.find(f".//{DAV}getetag").text.startswith('"')
        assert item.find(f".//{DAV}getlastmodified").text.endswith("GMT")
        assert item.find(".//{http://owncloud.org/ns}permissions").text


def test_propfind_depth_0_describes_only_the_share_folder(spec_peer, receiver):
    token = access_token(spec_peer, receiver)

    response = propfind(spec_peer.share.uri, f"Bearer {token}", depth="0")

    assert response.status_code == 207
    assert len(multistatus_hrefs(response)) == 1


def test_propfind_reaches_a_file_inside_the_share(spec_peer, receiver):
    token = access_token(spec_peer, receiver)

    response = propfind(spec_peer.share.uri + "welcome.txt", f"Bearer {token}", depth="0")

    assert response.status_code == 207
    assert multistatus_hrefs(response)[0].endswith("/welcome.txt")


@pytest.mark.parametrize("depth", ["infinity", "2", None])
def test_propfind_depth_other_than_0_or_1_is_a_bad_request(spec_peer, receiver, depth):
    token = access_token(spec_peer, receiver)

    assert propfind(spec_peer.share.uri, f"Bearer {token}", depth=depth).status_code == 400


def test_shared_secret_is_refused_as_a_webdav_credential_because_of_must_exchange_token(
    spec_peer,
):
    secret = spec_peer.share.secret

    as_bearer = propfind(spec_peer.share.uri, f"Bearer {secret}")
    as_basic = propfind(spec_peer.share.uri, basic(secret))

    assert as_bearer.status_code == 401
    assert "must-exchange-token" in as_bearer.text
    assert as_basic.status_code == 401


def test_propfind_without_credentials_is_401_with_a_bearer_challenge(spec_peer):
    response = propfind(spec_peer.share.uri, None)

    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_propfind_with_a_malformed_xml_body_is_a_bad_request(spec_peer, receiver):
    token = access_token(spec_peer, receiver)
    headers = {"Authorization": f"Bearer {token}", "Depth": "0", "Content-Type": "application/xml"}

    response = http.request("PROPFIND", spec_peer.share.uri, headers=headers, content=b"<d:prop")

    assert response.status_code == 400


def test_options_on_the_webdav_root_announces_dav(spec_peer):
    response = http.options(spec_peer.share.uri)

    assert response.status_code == 200
    assert response.headers["dav"] == "1"
    assert "PROPFIND" in response.headers["allow"]


def test_signature_covers_the_uri_the_client_used_even_via_localhost(spec_peer, receiver):
    url = spec_peer.base_url.replace("127.0.0.1", "localhost") + "/ocm/token"
    fields = {
        "grant_type": "authorization_code",
        "client_id": receiver.client_id,
        "code": spec_peer.share.secret,
    }

    response = post_form(url, fields, key=receiver.signing_key)

    assert response.status_code == 200, response.text
