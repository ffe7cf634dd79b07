"""Comparing two servers and the "can A share with B?" preflight."""

from __future__ import annotations

import copy

from inspector.core.comparison import compare
from inspector.core.discovery import DiscoveryResult, discover_many
from inspector.core.discovery_model import DiscoveryDocument

SENDER = {
    "enabled": True,
    "apiVersion": "1.4.0",
    "endPoint": "https://a.example.org/ocm",
    "resourceTypes": [
        {
            "name": "file",
            "shareTypes": ["user"],
            "protocols": {"webdav": "/dav/", "webdav-receive": {"uri": "absolute"}},
        }
    ],
    "capabilities": ["exchange-token", "http-sig", "invites", "notifications"],
    "tokenEndPoint": "https://a.example.org/ocm/token",
    "jwksUri": "https://a.example.org/ocm/jwks",
}


def result(raw: dict | None, target: str = "x") -> DiscoveryResult:
    if raw is None:
        return DiscoveryResult(target=target, error={"kind": "connect", "message": "refused"})
    doc = DiscoveryDocument.from_json(raw, origin="https://x.example.org")
    return DiscoveryResult(target=target, url="https://x.example.org/.well-known/ocm", document=doc)


def receiver(**changes) -> dict:
    raw = copy.deepcopy(SENDER)
    raw["endPoint"] = "https://b.example.org/ocm"
    raw.update(changes)
    return raw


def check(comparison, code):
    matching = [c for c in comparison.preflight if c.code == code]
    assert len(matching) == 1, comparison.preflight
    return matching[0]


def test_two_conforming_servers_can_share():
    comparison = compare(result(SENDER), result(receiver(criteria=["must-exchange-token"])))
    assert comparison.can_share and comparison.exit_code == 0
    assert check(comparison, "must-exchange-token").outcome == "pass"


def test_must_exchange_token_needs_the_capability_and_a_token_endpoint_on_a():
    sender = dict(SENDER, capabilities=["invites"])
    del sender["tokenEndPoint"]
    comparison = compare(result(sender), result(receiver(criteria=["must-exchange-token"])))

    failed = check(comparison, "must-exchange-token")
    assert not failed.ok and failed.outcome == "fail"
    assert "exchange-token capability and a tokenEndPoint" in failed.message
    assert not comparison.can_share and comparison.exit_code == 1


def test_a_legacy_criterion_name_on_b_is_held_to_its_current_meaning():
    sender = dict(SENDER, capabilities=["invites"])
    comparison = compare(result(sender), result(receiver(criteria=["code"])))

    failed = check(comparison, "must-exchange-token")
    assert failed.outcome == "fail" and "published as 'code'" in failed.message


def test_must_use_http_sig_needs_http_sig_on_a():
    sender = dict(SENDER, capabilities=["exchange-token"])
    comparison = compare(result(sender), result(receiver(criteria=["http-request-signatures"])))
    assert check(comparison, "must-use-http-sig").outcome == "fail"


def test_http_sig_without_jwks_uri_on_a_passes_with_a_warning():
    sender = {k: v for k, v in SENDER.items() if k != "jwksUri"}
    comparison = compare(result(sender), result(receiver(criteria=["must-use-http-sig"])))
    warned = check(comparison, "must-use-http-sig")
    assert warned.outcome == "warn" and warned.ok


def test_must_invite_needs_invites_on_a():
    sender = dict(SENDER, capabilities=["exchange-token", "http-sig"])
    comparison = compare(result(sender), result(receiver(criteria=["must-invite"])))
    assert check(comparison, "must-invite").outcome == "fail"


def test_allow_and_deny_lists_cannot_be_judged_from_outside():
    comparison = compare(result(SENDER), result(receiver(criteria=["allowlist", "denylist"])))
    assert {c.code: c.outcome for c in comparison.preflight}.items() >= {
        ("allowlist", "warn"),
        ("denylist", "warn"),
    }
    assert comparison.can_share


def test_b_must_receive_a_protocol_a_sends():
    b_types = [{"name": "file", "shareTypes": ["user"], "protocols": {"ssh-receive": {}}}]
    sender = copy.deepcopy(SENDER)
    sender["resourceTypes"][0]["protocols"] = {"ssh": "a.example.org:22"}
    comparison = compare(result(sender), result(receiver(resourceTypes=b_types)))
    assert check(comparison, "protocols").outcome == "pass"

    sender["resourceTypes"][0]["protocols"] = {"webapp": {}}
    comparison = compare(result(sender), result(receiver(resourceTypes=b_types)))
    assert check(comparison, "protocols").outcome == "fail"


def test_a_pre_1_4_receiver_is_assumed_to_take_webdav():
    b_types = [{"name": "file", "shareTypes": ["user"], "protocols": {"webdav": "/dav/"}}]
    comparison = compare(result(SENDER), result(receiver(resourceTypes=b_types)))
    assert check(comparison, "protocols").outcome == "pass"


def test_a_that_requires_signatures_needs_a_signing_b_for_callbacks():
    sender = dict(SENDER, criteria=["must-use-http-sig"])
    comparison = compare(result(sender), result(receiver(capabilities=["invites"])))
    assert check(comparison, "callbacks-signed").outcome == "fail"


def test_ocm_switched_off_on_b_fails():
    comparison = compare(result(SENDER), result(receiver(enabled=False)))
    assert [c.outcome for c in comparison.preflight if c.code == "enabled"] == ["pass", "fail"]


def test_a_missing_document_fails_the_preflight_with_exit_2():
    comparison = compare(result(SENDER), result(None, target="b.example.org"))
    assert [c.code for c in comparison.preflight] == ["discovery"]
    assert "b.example.org" in comparison.preflight[0].message
    assert comparison.exit_code == 2


def test_fields_are_compared_side_by_side():
    comparison = compare(result(SENDER), result(receiver(apiVersion="1.3.0")))
    differing = {d.field: (d.a, d.b) for d in comparison.differences}
    assert differing["api_version"] == ("1.4.0", "1.3.0")
    assert differing["end_point"] == ("https://a.example.org/ocm", "https://b.example.org/ocm")
    assert "capabilities" not in differing
    assert len(comparison.fields) > len(comparison.differences)


def test_reva_cannot_share_with_a_spec_server_that_demands_signatures(peer_factory):
    reva, spec = discover_many([peer_factory("reva").base_url, peer_factory("spec").base_url])

    comparison = compare(reva, spec)

    assert check(comparison, "must-use-http-sig").outcome == "fail"
    assert check(comparison, "must-exchange-token").outcome == "pass"
    assert comparison.exit_code == 1


def test_a_spec_server_sharing_with_reva_needs_an_invite_and_fails_on_unsigned_callbacks(
    peer_factory,
):
    spec, reva = discover_many([peer_factory("spec").base_url, peer_factory("reva").base_url])

    comparison = compare(spec, reva)

    assert check(comparison, "must-invite").outcome == "warn"
    assert check(comparison, "callbacks-signed").outcome == "fail"
    data = comparison.to_dict()
    assert data["can_share"] is False
    assert {"code", "ok", "outcome", "message"} <= set(data["preflight"][0])
