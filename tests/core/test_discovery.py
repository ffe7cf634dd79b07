"""Discovery against the reference peer over loopback: paths, profiles, faults, TLS, targets."""

from __future__ import annotations

import socket

import pytest

from inspector.core.cancel import CancelToken
from inspector.core.discovery import discover
from inspector.core.http import HttpOptions
from inspector.core.targets import parse_target

FAST = HttpOptions().with_timeout(0.5)


def codes(result) -> set[str]:
    return {f.code for f in result.findings}


def finding(result, code):
    matching = [f for f in result.findings if f.code == code]
    assert len(matching) == 1, f"expected one {code}: {result.findings}"
    return matching[0]


def netloc(peer) -> str:
    return peer.base_url.split("://", 1)[1]


def free_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- Paths -----------------------------------------------------------------------------------


def test_the_spec_peer_is_found_at_the_well_known_path(spec_peer):
    result = discover(spec_peer.base_url)

    assert result.error is None
    assert result.url == f"{spec_peer.base_url}/.well-known/ocm"
    assert result.legacy_path is False
    assert result.summary["api_version"] == "1.4.0"
    assert result.summary["end_point"] == f"{spec_peer.base_url}/ocm"
    assert result.exit_code == 0


def test_discovery_asks_for_json(spec_peer):
    result = discover(spec_peer.base_url)
    headers = {k.lower(): v for k, v in result.exchanges[0].request_headers}
    assert headers["accept"] == "application/json"


def test_every_exchange_is_recorded_with_status_headers_and_timing(spec_peer):
    result = discover(spec_peer.base_url)

    assert [
        (e.method, e.url.removeprefix(spec_peer.base_url), e.status) for e in result.exchanges
    ] == [
        ("GET", "/.well-known/ocm", 200),
        ("GET", "/ocm-provider", 404),
        ("GET", "/ocm-provider/", 404),
    ]
    first = result.exchanges[0]
    assert first.response_header("content-type") == "application/json"
    assert first.elapsed_ms > 0


def test_the_legacy_path_is_checked_too_and_its_absence_noted(spec_peer):
    result = discover(spec_peer.base_url)
    assert [a.purpose for a in result.attempts] == ["discovery", "comparison", "comparison"]
    assert finding(result, "no-legacy-path").severity == "info"


def test_without_path_comparison_one_request_is_made(spec_peer):
    result = discover(spec_peer.base_url, compare_paths=False)
    assert len(result.exchanges) == 1
    assert "no-legacy-path" not in codes(result)


def test_the_legacy_peer_is_found_at_ocm_provider_with_a_legacy_path_warning(peer_factory):
    peer = peer_factory("legacy")
    result = discover(peer.base_url)

    assert result.url == f"{peer.base_url}/ocm-provider"
    assert result.legacy_path is True
    assert finding(result, "legacy-path").severity == "warning"
    assert [e.status for e in result.exchanges] == [404, 200]


def test_the_legacy_peer_has_its_names_mapped(peer_factory):
    result = discover(peer_factory("legacy").base_url)

    assert result.summary["capabilities"] == ["invites", "notifications"]
    mapped = {(m.given, m.current) for m in result.document.mappings}
    assert mapped == {("/invite-accepted", "invites"), ("/notifications", "notifications")}
    assert {"legacy-capability-name", "deprecated-public-key"} <= codes(result)
    assert result.summary["public_keys"][0]["source"] == "publicKey"


def test_nextcloud_serves_both_paths_alike(peer_factory):
    result = discover(peer_factory("nextcloud").base_url)

    assert result.legacy_path is False
    assert result.attempts[-1].ok and result.attempts[-1].path == "/ocm-provider"
    assert "path-mismatch" not in codes(result)
    assert "no-legacy-path" not in codes(result)


def test_nextcloud_quirks_are_reported(peer_factory):
    result = discover(peer_factory("nextcloud").base_url)

    assert result.summary["version"] == "1.1.2"
    assert {
        "api-version-not-semver",
        "nextcloud-version-field",
        "legacy-capability-name",
        "unknown-capability",
        "deprecated-public-key",
        "invite-dialog-absolute",
    } <= codes(result)
    assert "invites" in result.summary["capabilities"]


def test_reva_legacy_path_redirects_to_the_well_known_one(peer_factory):
    peer = peer_factory("reva")
    result = discover(peer.base_url)

    comparison = [a for a in result.attempts if a.purpose == "comparison"]
    assert comparison[0].trail == [
        f"{peer.base_url}/ocm-provider",
        f"{peer.base_url}/.well-known/ocm",
    ]
    assert comparison[0].final_url == f"{peer.base_url}/.well-known/ocm"
    assert "no-legacy-path" not in codes(result) and "path-mismatch" not in codes(result)
    assert result.summary["criteria"] == ["must-invite"]


# --- Faults and error kinds -------------------------------------------------------------------


def test_a_404_on_every_path_is_an_http_status_error_naming_each_path(peer_factory):
    result = discover(peer_factory("spec", faults=["discovery-404"]).base_url)

    assert result.error["kind"] == "http-status"
    assert "/ocm-provider (HTTP 404), /ocm-provider/ (HTTP 404)" in result.error["message"]
    assert result.document is None and result.exit_code == 2 and result.status == "unreachable"
    assert len(result.exchanges) == 3


def test_an_html_error_page_is_an_http_status_error(peer_factory):
    result = discover(peer_factory("spec", faults=["html-error"]).base_url)
    assert result.error["kind"] == "http-status"
    assert "HTTP 500" in result.error["message"]


def test_broken_json_is_a_not_json_error(peer_factory):
    result = discover(peer_factory("spec", faults=["broken-json"]).base_url)
    assert result.error["kind"] == "not-json"
    assert "broken JSON" in result.error["message"]


def test_a_huge_body_is_cut_at_the_limit(peer_factory):
    limit = 64 * 1024
    peer = peer_factory("spec", faults=["huge-body"])
    result = discover(peer.base_url, HttpOptions(max_body=limit), compare_paths=False)

    assert result.error["kind"] == "too-large"
    exchange = result.exchanges[0]
    assert exchange.truncated is True
    assert exchange.response_header("content-length") is None
    # Reading stopped at the limit: what was kept is exactly the limit of a 5 MiB body.
    assert len(exchange.response_body) == limit
    assert exchange.response_body.startswith(b'{"enabled": true')


def test_a_redirect_loop_is_a_redirect_error_with_its_trail(peer_factory):
    peer = peer_factory("spec", faults=["redirect-loop"])
    result = discover(peer.base_url)

    assert result.error["kind"] == "redirect"
    first = result.attempts[0]
    assert first.trail == [f"{peer.base_url}/.well-known/ocm", f"{peer.base_url}/ocm-provider"]
    assert all(e.status == 302 for e in first.exchanges)


def test_a_slow_server_is_a_timeout_error(peer_factory):
    peer = peer_factory("spec", faults=["slow"])
    result = discover(peer.base_url, HttpOptions().with_timeout(0.2), compare_paths=False)
    assert result.error["kind"] == "timeout"


def test_nothing_listening_is_a_connect_error():
    result = discover(f"http://127.0.0.1:{free_port()}")
    assert result.error["kind"] == "connect"
    assert len(result.attempts) == 1


def test_missing_fields_are_errors_and_capability_needs_are_checked(peer_factory):
    result = discover(peer_factory("spec", faults=["missing-fields"]).base_url)

    missing = {f.field for f in result.findings if f.code == "missing-field"}
    assert missing == {"endPoint", "resourceTypes"}
    assert finding(result, "exchange-token-without-endpoint").severity == "error"
    assert finding(result, "http-sig-without-jwks").severity == "warning"
    assert result.exit_code == 1 and result.status == "errors"


def test_clock_skew_is_measured_from_the_date_header(peer_factory):
    result = discover(peer_factory("spec", faults=["clock-skew"]).base_url)

    assert result.clock_skew_s == pytest.approx(600, abs=5)
    assert "s ahead of this computer" in finding(result, "clock-skew").message


def test_a_correct_clock_is_not_reported(spec_peer):
    result = discover(spec_peer.base_url)
    assert abs(result.clock_skew_s) < 5
    assert "clock-skew" not in codes(result)


# --- Targets and TLS --------------------------------------------------------------------------


def test_an_ocm_address_discovers_its_host(spec_peer):
    result = discover(f"alice@{netloc(spec_peer)}", FAST)
    assert result.error is None
    assert result.url.endswith(f"{netloc(spec_peer)}/.well-known/ocm")


def test_a_parsed_target_is_accepted(spec_peer):
    result = discover(parse_target(spec_peer.base_url))
    assert result.target == spec_peer.base_url and result.error is None


def test_a_schemeless_target_falls_back_to_http_when_https_cannot_connect(spec_peer):
    result = discover(netloc(spec_peer), FAST)

    assert result.base_url == spec_peer.base_url
    assert result.attempts[0].url.startswith("https://")
    assert result.attempts[0].error["kind"] == "tls"
    assert result.url == f"{spec_peer.base_url}/.well-known/ocm"
    transport = [f for f in result.findings if f.code == "insecure-url" and f.field is None]
    assert len(transport) == 1 and "https could not connect" in transport[0].message


def test_an_https_peer_verifies_with_its_ca_bundle(peer_factory):
    peer = peer_factory("spec", tls=True)
    result = discover(peer.base_url, HttpOptions(ca_bundle=peer.ca_file))

    assert result.error is None and result.url.startswith("https://")
    assert "insecure-url" not in codes(result)


def test_an_untrusted_certificate_is_a_tls_error_without_http_fallback(peer_factory):
    peer = peer_factory("spec", tls=True)
    result = discover(netloc(peer), FAST)

    assert result.error["kind"] == "tls"
    assert "not trusted" in result.error["message"]
    # A certificate failure ends the attempt: no other path, and never a downgrade to http.
    assert [a.url for a in result.attempts] == [f"{peer.base_url}/.well-known/ocm"]


def test_verification_can_be_switched_off_per_server(peer_factory):
    peer = peer_factory("spec", tls=True)
    result = discover(peer.base_url, HttpOptions(verify_tls=False))
    assert result.error is None


# --- Never raises ---------------------------------------------------------------------------


def test_an_invalid_target_is_reported_not_raised():
    result = discover("alice@")
    assert result.error["kind"] == "invalid-target"
    assert result.exchanges == [] and result.exit_code == 2


def test_a_missing_ca_bundle_is_reported_not_raised(spec_peer, tmp_path):
    result = discover(spec_peer.base_url, HttpOptions(ca_bundle=str(tmp_path / "none.pem")))
    assert result.error["kind"] == "tls"


def test_a_cancelled_discovery_stops_before_asking(spec_peer):
    token = CancelToken()
    token.cancel()
    result = discover(spec_peer.base_url, cancel=token)

    assert result.error["kind"] == "cancelled"
    assert result.exchanges == [] and result.status == "cancelled"


# --- Serialised form -----------------------------------------------------------------------


def test_to_dict_has_the_fields_the_issue_names(spec_peer):
    data = discover(spec_peer.base_url).to_dict()

    assert {
        "target",
        "url",
        "legacy_path",
        "error",
        "document",
        "summary",
        "findings",
        "exchanges",
    } <= set(data)
    assert {
        "api_version",
        "provider",
        "end_point",
        "token_end_point",
        "jwks_uri",
        "capabilities",
        "criteria",
        "resource_types",
    } <= set(data["summary"])
    assert {"severity", "code", "message", "field"} <= set(data["findings"][0])
    assert {"method", "url", "status", "elapsed_ms"} <= set(data["exchanges"][0])
    assert data["document"]["apiVersion"] == "1.4.0"


def test_a_failed_discovery_serialises_with_a_null_document(peer_factory):
    data = discover(peer_factory("spec", faults=["discovery-404"]).base_url).to_dict()
    assert data["document"] is None and data["url"] is None
    assert set(data["error"]) == {"kind", "message"}
    assert data["summary"]["capabilities"] == []
