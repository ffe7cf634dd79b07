"""What a user may type as a server, and what it means."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from inspector.core.errors import InvalidTarget
from inspector.core.targets import parse_target


def test_url_keeps_its_scheme_port_and_path():
    target = parse_target("https://cloud.example.org:8443/nextcloud/")
    assert target.kind == "url"
    assert target.candidate_base_urls() == ["https://cloud.example.org:8443/nextcloud"]


def test_schemeless_host_is_tried_over_https_then_http():
    target = parse_target("cloud.example.org:8080")
    assert target.scheme is None
    assert target.candidate_base_urls() == [
        "https://cloud.example.org:8080",
        "http://cloud.example.org:8080",
    ]


def test_ocm_address_host_follows_the_last_at_sign():
    target = parse_target("alice@example.com@cloud.example.org")
    assert target.kind == "address"
    assert target.identifier == "alice@example.com"
    assert target.host == "cloud.example.org"


def test_ocm_address_with_port_is_used_for_discovery():
    assert parse_target("bob@127.0.0.1:9200").base_url() == "https://127.0.0.1:9200"


def test_ocm_address_with_a_scheme_keeps_that_scheme():
    target = parse_target("einstein@http://localhost:9200")
    assert target.identifier == "einstein"
    assert target.candidate_base_urls() == ["http://localhost:9200"]


@pytest.mark.parametrize(
    ("text", "base"),
    [
        ("[::1]:8443", "https://[::1]:8443"),
        ("[2001:db8::1]", "https://[2001:db8::1]"),
        ("::1", "https://[::1]"),
        ("http://[::1]:9000/ocm", "http://[::1]:9000/ocm"),
        ("carol@[::1]:9000", "https://[::1]:9000"),
    ],
)
def test_ipv6_literals(text, base):
    assert parse_target(text).base_url() == base


def test_host_names_are_case_folded_and_internationalised():
    assert parse_target("Cloud.Example.ORG").host == "cloud.example.org"
    assert parse_target("bücher.example").host == "xn--bcher-kva.example"


def test_username_in_url_becomes_the_identifier_but_a_password_is_refused():
    assert parse_target("https://alice@cloud.example.org").identifier == "alice"
    with pytest.raises(InvalidTarget, match="password"):
        parse_target("https://alice:hunter2@cloud.example.org")


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "Enter a URL"),
        ("   ", "Enter a URL"),
        ("cloud example", "spaces"),
        ("ftp://cloud.example.org", "only http"),
        ("@cloud.example.org", "nothing before"),
        ("alice@", "no host"),
        ("cloud.example.org:0", "outside 1-65535"),
        ("cloud.example.org:70000", "outside 1-65535"),
        ("cloud.example.org:https", "not a number"),
        ("-bad-.example", "not a valid host"),
        ("[::1", "closing"),
        ("[not-ipv6]:80", "not an IPv6"),
        ("1:2:3", "brackets"),
        ("alice@cloud.example.org/remote.php", "cannot contain a path"),
        ("https://cloud.example.org/?q=1", "query"),
        ("https://", "no host"),
        ("x" * 3000, "too long"),
    ],
)
def test_garbage_is_rejected_with_a_reason(text, reason):
    with pytest.raises(InvalidTarget, match=reason):
        parse_target(text)


@given(st.text(max_size=80))
def test_any_text_parses_or_fails_with_invalid_target(text):
    try:
        target = parse_target(text)
    except InvalidTarget as exc:
        assert exc.message and "\n" not in exc.message
    else:
        assert target.base_url().startswith(("https://", "http://"))
