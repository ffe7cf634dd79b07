"""The ``reva`` profile on the wire: CERNBox's reva."""

from __future__ import annotations

import pytest

from tests.peer.client import (
    basic,
    http,
    jwt_claims,
    jwt_header,
    multistatus_hrefs,
    post,
    post_form,
    post_json,
    propfind,
)


@pytest.fixture
def reva(peer_factory):
    return peer_factory("reva")


def exchange(peer, code=None, grant_type="authorization_code"):
    fields = {
        "grant_type": grant_type,
        "client_id": "receiver.example",
        "code": peer.share.secret if code is None else code,
    }
    return post_form(peer.base_url + "/ocm/token", fields)


def test_discovery_advertises_reva_capabilities_and_no_keys(reva):
    document = http.get(reva.base_url + "/.well-known/ocm").json()

    assert document["apiVersion"] == "1.3.0"
    assert document["capabilities"] == [
        "invites",
        "protocol-object",
        "invite-wayf",
        "exchange-token",
    ]
    assert document["criteria"] == ["must-invite"]
    assert document["tokenEndPoint"] == reva.base_url + "/ocm/token"
    assert [r["name"] for r in document["resourceTypes"]] == ["file", "folder", "ro-crate"]
    protocols = document["resourceTypes"][0]["protocols"]
    assert protocols["webdav"] == "/remote.php/dav/ocm"
    assert protocols["webapp"] == {}
    assert not {"publicKey", "jwksUri"} & set(document)
    assert http.get(reva.base_url + "/.well-known/jwks.json").status_code == 404


def test_nextcloud_crawler_user_agent_is_told_api_version_1_1(reva):
    crawler = {"User-Agent": "Nextcloud Server Crawler"}
    newer = {"User-Agent": "Nextcloud-Server-Crawler/34.0.0 beta 4"}

    assert (
        http.get(reva.base_url + "/.well-known/ocm", headers=crawler).json()["apiVersion"] == "1.1"
    )
    assert (
        http.get(reva.base_url + "/.well-known/ocm", headers=newer).json()["apiVersion"] == "1.3.0"
    )


@pytest.mark.parametrize("path", ["/ocm-provider", "/ocm-provider/"])
def test_legacy_discovery_path_redirects_permanently_to_well_known(reva, path):
    response = http.get(reva.base_url + path)

    assert response.status_code == 301
    assert response.headers["location"] == "/.well-known/ocm"


@pytest.mark.parametrize("grant_type", ["authorization_code", "ocm_share"])
def test_both_grant_types_get_an_hs256_token(reva, grant_type):
    response = exchange(reva, grant_type=grant_type)

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == pytest.approx(86400, abs=5)
    assert jwt_header(body["access_token"]) == {"alg": "HS256", "typ": "JWT"}
    claims = jwt_claims(body["access_token"])
    assert claims["aud"] == ["reva"]
    assert claims["user"]["username"] == "alice"
    assert list(claims["scope"]) == [f"ocmshare:{reva.share.share_id}"]


def test_json_token_body_ends_as_unsupported_grant_type(reva):
    fields = {"grant_type": "authorization_code", "code": reva.share.secret}

    response = post_json(reva.base_url + "/ocm/token", fields)

    assert response.status_code == 400
    assert response.json() == {"error": "unsupported_grant_type"}


@pytest.mark.parametrize("code", ["wrong", ""])
def test_bad_or_empty_code_is_400_invalid_grant(reva, code):
    response = exchange(reva, code=code)

    assert response.status_code == 400
    assert response.json() == {"error": "invalid_grant"}


def test_unknown_grant_type_is_400_unsupported_grant_type(reva):
    response = exchange(reva, grant_type="client_credentials")

    assert response.status_code == 400
    assert response.json() == {"error": "unsupported_grant_type"}


def test_unparseable_form_is_400_invalid_request(reva):
    body = b"grant_type=authorization_code&code=%zz"

    response = post(reva.base_url + "/ocm/token", body, "application/x-www-form-urlencoded")

    assert response.status_code == 400
    assert response.json() == {"error": "invalid_request"}


def test_webdav_accepts_the_exchanged_token_as_bearer(reva):
    token = exchange(reva).json()["access_token"]

    response = propfind(reva.share.uri, f"Bearer {token}")

    assert response.status_code == 207
    share_path = f"/remote.php/dav/ocm/{reva.share.share_id}/"
    assert multistatus_hrefs(response)[0] == share_path


def test_webdav_accepts_the_secret_as_bearer_on_the_share_path(reva):
    response = propfind(reva.share.uri + "/welcome.txt", f"Bearer {reva.share.secret}", "0")

    assert response.status_code == 207


def test_bearer_secret_on_another_share_id_is_401(reva):
    uri = reva.base_url + "/remote.php/dav/ocm/0000000000000000"

    assert propfind(uri, f"Bearer {reva.share.secret}").status_code == 401


def test_basic_secret_works_on_the_root_without_a_share_id(reva):
    response = propfind(reva.base_url + "/remote.php/dav/ocm/", basic(reva.share.secret))

    assert response.status_code == 207
    assert multistatus_hrefs(response)[1] == "/remote.php/dav/ocm/welcome.txt"


def test_webdav_without_credentials_is_401(reva):
    assert propfind(reva.share.uri, None).status_code == 401


def test_webdav_reports_a_missing_file_as_401(reva):
    uri = reva.share.uri + "/no-such-file.txt"

    assert propfind(uri, f"Bearer {reva.share.secret}", "0").status_code == 401


def test_notifications_are_always_accepted(reva):
    url = reva.base_url + "/ocm/notifications"

    assert post_json(url, {"notificationType": "SHARE_ACCEPTED"}).status_code == 201
    assert post(url, b"not json at all", "text/plain").status_code == 201


def test_share_from_a_sender_without_an_invite_is_refused(reva):
    body = {
        "shareWith": f"bob@{reva.client_id}",
        "name": "a",
        "providerId": "1",
        "owner": "carol@elsewhere.example",
        "sender": "carol@elsewhere.example",
        "shareType": "user",
        "resourceType": "file",
        "protocol": {"name": "multi", "webdav": {"uri": "x", "sharedSecret": "s"}},
    }

    response = post_json(reva.base_url + "/ocm/shares", body)

    assert response.status_code == 403
    assert "invite" in response.json()["message"]
