"""Time claims read for people (UTC, local, relative), with a leeway, and the expectations."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime

import pytest

from inspector.core.jose import describe_span, inspect_token

NOW = 1_750_000_000  # 2025-06-15T15:06:40Z


def b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).rstrip(b"=").decode()


def token(**claims) -> str:
    header = {"alg": "ES256", "kid": "k1"}
    return f"{b64(json.dumps(header))}.{b64(json.dumps(claims))}.{b64('sig')}"


def check(report, name):
    return next(c for c in report.checks if c.name == name)


def test_exp_is_shown_in_utc_local_and_relative():
    report = inspect_token(token(exp=NOW + 240), now=NOW)
    times = report.to_dict()["times"]["exp"]

    assert times["value"] == NOW + 240
    assert times["utc"] == "2025-06-15T15:10:40Z"
    assert datetime.fromisoformat(times["local"]) == datetime(2025, 6, 15, 15, 10, 40, tzinfo=UTC)
    assert times["relative"] == "expires in 4 min"
    assert times["name"] == "Expiration time"


def test_an_expired_token_fails_the_exp_check_and_warns():
    report = inspect_token(token(exp=NOW - 2 * 3600), now=NOW)

    assert report.times["exp"].relative == "expired 2 h ago"
    assert not check(report, "exp").ok
    assert "expired" in report.warning_codes()
    assert not report.ok


def test_leeway_tolerates_a_token_that_expired_moments_ago():
    report = inspect_token(token(exp=NOW - 30), now=NOW, leeway=60)

    assert check(report, "exp").ok
    assert "expired" not in report.warning_codes()


def test_without_leeway_a_token_expired_moments_ago_fails():
    assert not check(inspect_token(token(exp=NOW - 30), now=NOW, leeway=0), "exp").ok


def test_a_token_not_yet_valid_fails_the_nbf_check_and_warns():
    report = inspect_token(token(nbf=NOW + 600, exp=NOW + 3600), now=NOW)

    assert report.times["nbf"].relative == "becomes valid in 10 min"
    assert not check(report, "nbf").ok
    assert "not-yet-valid" in report.warning_codes()


def test_nbf_within_the_leeway_passes():
    assert check(inspect_token(token(nbf=NOW + 30), now=NOW), "nbf").ok


def test_iat_in_the_future_fails_and_suggests_clock_skew():
    report = inspect_token(token(iat=NOW + 3600, exp=NOW + 7200), now=NOW)

    assert not check(report, "iat").ok
    assert "issued-in-future" in report.warning_codes()


def test_auth_time_is_explained_but_not_checked():
    report = inspect_token(token(auth_time=NOW - 300, exp=NOW + 60), now=NOW)

    assert report.times["auth_time"].relative == "authenticated 5 min ago"
    assert "auth_time" not in [c.name for c in report.checks]


def test_a_millisecond_value_gets_a_hint_with_its_meaning_as_milliseconds():
    report = inspect_token(token(exp=(NOW + 600) * 1000), now=NOW)
    exp = report.to_dict()["times"]["exp"]

    assert exp["milliseconds"] is True
    assert exp["as_milliseconds_utc"] == "2025-06-15T15:16:40Z"
    assert exp["utc"] is None  # beyond year 9999 when read as seconds, as the RFC says to
    assert "milliseconds-timestamp" in report.warning_codes()


def test_a_time_claim_that_is_no_number_fails_its_check():
    report = inspect_token(token(exp="tomorrow"), now=NOW)

    assert not check(report, "exp").ok
    assert "time-not-numeric" in report.warning_codes()
    assert report.to_dict()["times"]["exp"]["utc"] is None


@pytest.mark.parametrize("value", [True, None, [1], 1e300, -1e300, 2**80])
def test_odd_time_values_never_break_the_report(value):
    report = inspect_token(token(exp=value), now=NOW)

    json.dumps(report.to_dict())


def test_a_jwt_without_exp_warns_that_it_never_expires():
    assert "no-exp" in inspect_token(token(sub="x"), now=NOW).warning_codes()


def test_now_may_be_given_as_a_datetime():
    moment = datetime.fromtimestamp(NOW, UTC)

    assert inspect_token(token(exp=NOW + 240), now=moment).times["exp"].relative == (
        "expires in 4 min"
    )


def test_claim_rows_spell_out_registered_names_and_show_times_readably():
    rows = inspect_token(token(iss="https://a.example", exp=NOW + 240), now=NOW).to_dict()

    by_member = {row["member"]: row for row in rows["claim_rows"]}
    assert by_member["iss"]["name"] == "Issuer"
    assert by_member["exp"]["display"] == "2025-06-15T15:10:40Z (expires in 4 min)"
    assert {row["member"]: row["name"] for row in rows["header_rows"]}["kid"] == "Key ID"


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (5, "5 s"),
        (89, "89 s"),
        (240, "4 min"),
        (7200, "2 h"),
        (3 * 86400, "3 d"),
        (5 * 365 * 86400, "5 years"),
    ],
)
def test_durations_read_as_a_person_says_them(seconds, text):
    assert describe_span(seconds) == text


# -- expectations ------------------------------------------------------------------------------


def test_expected_issuer_matches():
    report = inspect_token(
        token(iss="https://a.example", exp=NOW + 60), now=NOW, expect_issuer="https://a.example"
    )

    assert check(report, "issuer").ok
    assert report.exit_code == 0


def test_an_issuer_differing_by_a_trailing_slash_fails_with_a_hint():
    report = inspect_token(
        token(iss="https://a.example/"), now=NOW, expect_issuer="https://a.example"
    )

    assert not check(report, "issuer").ok
    assert "trailing '/'" in check(report, "issuer").message


def test_expected_audience_is_found_in_a_list():
    report = inspect_token(
        token(aud=["x", "bob@b.example"]), now=NOW, expect_audience="bob@b.example"
    )

    assert check(report, "audience").ok


def test_a_wrong_audience_fails_and_explains_aud_in_ocm():
    report = inspect_token(token(aud="carol@b.example"), now=NOW, expect_audience="bob@b.example")

    assert not check(report, "audience").ok
    assert "OCM address" in check(report, "audience").message


def test_an_opaque_token_fails_expectations_because_it_has_no_claims():
    report = inspect_token("opaque-secret-value", expect_issuer="https://a.example")

    assert not check(report, "issuer").ok
    assert not report.ok


def test_ocm_tokens_must_name_the_server_they_came_from_over_https():
    report = inspect_token(
        token(iss="https://cloud.example.org", exp=NOW + 60),
        now=NOW,
        server_url="https://cloud.example.org",
    )

    assert check(report, "iss-https").ok
    assert check(report, "iss-server").ok


def test_an_iss_naming_another_server_fails():
    report = inspect_token(
        token(iss="https://evil.example", exp=NOW + 60),
        now=NOW,
        server_url="https://cloud.example.org",
    )

    assert not check(report, "iss-server").ok


def test_an_http_iss_fails_unless_the_server_itself_is_plain_http():
    over_https = inspect_token(
        token(iss="http://cloud.example.org"), now=NOW, server_url="https://cloud.example.org"
    )
    over_http = inspect_token(
        token(iss="http://127.0.0.1:8080"), now=NOW, server_url="http://127.0.0.1:8080"
    )

    assert not check(over_https, "iss-https").ok
    assert check(over_http, "iss-https").ok
    assert "testing" in check(over_http, "iss-https").message


def test_a_missing_iss_fails_the_server_checks():
    report = inspect_token(token(sub="x"), now=NOW, server_url="https://cloud.example.org")

    assert not check(report, "iss-https").ok
    assert not check(report, "iss-server").ok
