"""Each fault a user can switch on, as a client sees it."""

from __future__ import annotations

import json
from email.utils import parsedate_to_datetime

import httpx
import pytest

from inspector.peer import FAULTS, ReferencePeer
from tests.peer.client import basic, http, jwt_claims, jwt_header, post_form, propfind

DISCOVERY_PATHS = ("/.well-known/ocm", "/ocm-provider")


def spec_token(peer, receiver) -> str:
    fields = {
        "grant_type": "authorization_code",
        "client_id": receiver.client_id,
        "code": peer.share.secret,
    }
    response = post_form(peer.base_url + "/ocm/token", fields, key=receiver.signing_key)
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


def nextcloud_token(peer) -> str:
    url = peer.base_url + "/index.php/apps/cloud_federation_api/api/v1/access-token"
    response = post_form(url, {"grant_type": "authorization_code", "code": peer.share.secret})
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


def test_every_fault_name_is_accepted_and_unknown_ones_are_not():
    for fault in FAULTS:
        ReferencePeer(faults=[fault])
    with pytest.raises(ValueError, match="unknown fault 'wobbly'"):
        ReferencePeer(faults=["wobbly"])


def test_slow_means_a_five_second_delay_unless_a_delay_is_given():
    assert ReferencePeer(faults=["slow"]).delay == 5
    assert ReferencePeer(faults=["slow"], delay=0.5).delay == 0.5
    assert ReferencePeer().delay is None


def test_slow_peer_makes_an_impatient_client_time_out(peer_factory):
    peer = peer_factory("spec", faults=["slow"])

    with pytest.raises(httpx.ReadTimeout):
        httpx.get(peer.base_url + "/.well-known/ocm", timeout=httpx.Timeout(5, read=0.2))


@pytest.mark.parametrize("path", DISCOVERY_PATHS)
def test_html_error_replaces_discovery_with_an_html_page(peer_factory, path):
    peer = peer_factory("nextcloud", faults=["html-error"])

    response = http.get(peer.base_url + path)

    assert response.status_code == 500
    assert response.headers["content-type"].startswith("text/html")
    assert response.text.startswith("<!DOCTYPE html>")


@pytest.mark.parametrize("path", DISCOVERY_PATHS)
def test_broken_json_cuts_the_discovery_document_short(peer_factory, path):
    peer = peer_factory("spec", faults=["broken-json"])

    response = http.get(peer.base_url + path)

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.text.startswith('{"enabled": true')
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.text)


def test_huge_body_streams_five_mebibytes_without_a_content_length(peer_factory):
    peer = peer_factory("spec", faults=["huge-body"])

    with http.stream("GET", peer.base_url + "/.well-known/ocm") as response:
        assert "content-length" not in response.headers
        size = sum(len(chunk) for chunk in response.iter_raw())

    assert size == 5 * 1024 * 1024


def test_a_client_that_stops_reading_a_huge_body_does_not_hurt_the_peer(peer_factory):
    peer = peer_factory("spec", faults=["huge-body"])

    with httpx.Client() as client, client.stream("GET", peer.base_url + "/ocm-provider") as huge:
        received = 0
        for chunk in huge.iter_raw():
            received += len(chunk)
            if received > 1024 * 1024:
                break

    assert http.get(peer.base_url + "/ocm/jwks").status_code == 200


@pytest.mark.parametrize("profile", ["spec", "legacy"])
def test_discovery_404_answers_404_on_both_paths(peer_factory, profile):
    peer = peer_factory(profile, faults=["discovery-404"])

    for path in DISCOVERY_PATHS:
        assert http.get(peer.base_url + path).status_code == 404


def test_redirect_loop_sends_each_discovery_path_to_the_other(peer_factory):
    peer = peer_factory("reva", faults=["redirect-loop"])

    first = http.get(peer.base_url + "/.well-known/ocm")
    second = http.get(peer.base_url + "/ocm-provider")

    assert first.status_code == 302 and first.headers["location"] == "/ocm-provider"
    assert second.status_code == 302 and second.headers["location"] == "/.well-known/ocm"
    with pytest.raises(httpx.TooManyRedirects):
        http.get(peer.base_url + "/.well-known/ocm", follow_redirects=True)


def test_missing_fields_drops_required_discovery_fields(peer_factory):
    peer = peer_factory("spec", faults=["missing-fields"])

    document = http.get(peer.base_url + "/.well-known/ocm").json()

    assert document["apiVersion"] == "1.4.0"
    for name in ("endPoint", "resourceTypes", "tokenEndPoint", "jwksUri"):
        assert name not in document


def test_expired_token_is_issued_with_exp_in_the_past_and_refused_by_webdav(peer_factory):
    peer = peer_factory("spec", faults=["expired-token"])
    receiver = peer_factory("spec")

    token = spec_token(peer, receiver)

    claims = jwt_claims(token)
    assert claims["exp"] < peer.now()
    assert propfind(peer.share.uri, f"Bearer {token}").status_code == 401


def test_expired_token_applies_to_opaque_tokens_too(peer_factory):
    peer = peer_factory("legacy", faults=["expired-token"])
    body = {"grant_type": "ocm_authorization_code", "client_id": "r", "code": peer.share.secret}
    token = http.post(peer.base_url + "/ocm/token", json=body).json()["access_token"]

    assert propfind(peer.share.uri, f"Bearer {token}").status_code == 401
    assert propfind(peer.share.uri, basic(peer.share.secret)).status_code == 207


@pytest.mark.parametrize("profile", ["spec", "nextcloud"])
def test_unknown_kid_signs_tokens_with_a_key_missing_from_the_jwks(peer_factory, profile):
    peer = peer_factory(profile, faults=["unknown-kid"])
    token = spec_token(peer, peer_factory("spec")) if profile == "spec" else nextcloud_token(peer)

    published = {key["kid"] for key in peer.jwks()["keys"]}

    assert jwt_header(token)["kid"] not in published
    # The peer itself still honours its token: the fault is in what it publishes.
    assert propfind(peer.share.uri, f"Bearer {token}").status_code == 207


def test_rotated_keys_retire_the_oldest_key_on_every_jwks_fetch(peer_factory):
    peer = peer_factory("spec", faults=["rotated-keys"])
    url = peer.base_url + "/ocm/jwks"

    first = [key["kid"] for key in http.get(url).json()["keys"]]
    second = [key["kid"] for key in http.get(url).json()["keys"]]

    assert len(first) == len(second) == 2
    assert second[0] == first[1]
    assert second[1] not in first


def test_rotated_keys_sign_tokens_with_the_newest_key(peer_factory):
    peer = peer_factory("nextcloud", faults=["rotated-keys"])
    http.get(peer.base_url + "/.well-known/jwks.json")

    token = nextcloud_token(peer)

    assert jwt_header(token)["kid"] == peer.jwks()["keys"][-1]["kid"]
    assert peer.jwks() == peer.jwks()  # reading from Python does not rotate


def test_clock_skew_puts_the_date_header_ten_minutes_ahead(peer_factory):
    skewed = peer_factory("spec", faults=["clock-skew"])
    honest = peer_factory("spec")

    ahead = http.get(skewed.base_url + "/.well-known/ocm").headers["date"]
    now = http.get(honest.base_url + "/.well-known/ocm").headers["date"]

    difference = parsedate_to_datetime(ahead) - parsedate_to_datetime(now)
    assert 540 < difference.total_seconds() < 660


def test_clock_skew_moves_the_whole_clock_so_fresh_signatures_look_stale(peer_factory):
    peer = peer_factory("spec", faults=["clock-skew"])
    receiver = peer_factory("spec")
    fields = {
        "grant_type": "authorization_code",
        "client_id": receiver.client_id,
        "code": peer.share.secret,
    }

    response = post_form(peer.base_url + "/ocm/token", fields, key=receiver.signing_key)

    assert response.status_code == 401
    assert "600 s ago" in response.json()["error_description"]
