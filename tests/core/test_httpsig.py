"""RFC 9421 signing and verification for OCM, and Content-Digest (RFC 9530)."""

from __future__ import annotations

import base64
import email.utils
import hashlib
import json
from datetime import UTC, datetime
from urllib.parse import urlencode

import http_sf
import pytest
from http_message_signatures import HTTPMessageSigner, MappingKeyResolver
from http_message_signatures import algorithms as hms_algorithms
from hypothesis import given, settings
from hypothesis import strategies as st

from inspector.core.cavage import sign_cavage
from inspector.core.errors import KeyLookupError, SignatureInvalid, SigningError, Unreachable
from inspector.core.http import HttpClient
from inspector.core.httpsig import (
    OCM_COMPONENTS,
    SignedRequest,
    Verification,
    check_content_digest,
    content_digest,
    sign_request,
    signature_scheme,
    verify_request,
    verify_request_or_raise,
)
from inspector.core.keys import KEY_KINDS, SigningKey, generate_key, jwks

NOW = 1_780_000_000
TOKEN_URL = "https://sender.example.org/ocm/token"
SHARES_URL = "https://receiver.example.org/ocm/shares"
FORM = b"grant_type=authorization_code&client_id=receiver.example.org&code=s3cr3t"
FORM_HEADERS = {"Content-Type": "application/x-www-form-urlencoded"}
SHARE = json.dumps(
    {"shareWith": "bob@receiver.example.org", "name": "report.pdf", "owner": "alice"}
).encode()
JSON_HEADERS = {"Content-Type": "application/json"}

# RFC 9421 Appendix B.1.4 (test-key-ed25519) and the B.2.6 request and signature.
RFC_ED25519_JWK = {
    "kty": "OKP",
    "crv": "Ed25519",
    "kid": "test-key-ed25519",
    "x": "JrQLj5P_89iXES9-vFgrIy29clF9CC_oPPsw3c5D0bs",
}
RFC_B26_HEADERS = {
    "Host": "example.com",
    "Date": "Tue, 20 Apr 2021 02:07:55 GMT",
    "Content-Type": "application/json",
    "Content-Digest": (
        "sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEm"
        "THWXvJwew==:"
    ),
    "Content-Length": "18",
    "Signature-Input": (
        'sig-b26=("date" "@method" "@path" "@authority" "content-type" "content-length")'
        ';created=1618884473;keyid="test-key-ed25519"'
    ),
    "Signature": (
        "sig-b26=:wqcAqbmYJ2ji2glfAMaRy4gruYYnx2nEFN2HN6jrnDnQCK1u02Gb04v9EDgwUPiu4A0w6vuQv5lIp5WP"
        "pBKRCw==:"
    ),
}
RFC_B26_URL = "https://example.com/foo?param=Value&Pet=dog"
RFC_B26_BODY = b'{"hello": "world"}'


@pytest.fixture(scope="module")
def keys() -> dict[str, SigningKey]:
    return {kind: generate_key(kind, f"receiver.example.org#{kind}") for kind in KEY_KINDS}


@pytest.fixture(scope="module")
def ed(keys) -> SigningKey:
    return keys["ed25519"]


def jwk_resolver(*signing_keys: SigningKey):
    """A resolver over published JWKs, the way OCM peers find each other's keys."""
    published = {key.kid: key.public_jwk() for key in signing_keys}
    return published.get


def sign(key: SigningKey, body: bytes = FORM, url: str = TOKEN_URL, **options) -> SignedRequest:
    options.setdefault("created", NOW)
    return sign_request("POST", url, FORM_HEADERS, body, key, **options)


def verify(signed_headers, key: SigningKey, body: bytes = FORM, url=TOKEN_URL, method="POST", **kw):
    kw.setdefault("resolve_key", jwk_resolver(key))
    kw.setdefault("now", NOW)
    return verify_request(method, url, signed_headers, body, **kw)


def merge(*signed: SignedRequest) -> dict[str, str]:
    """Headers of the first request carrying the signatures of all of them."""
    headers = dict(signed[0].headers)
    headers["Signature-Input"] = ", ".join(s.headers["Signature-Input"] for s in signed)
    headers["Signature"] = ", ".join(s.headers["Signature"] for s in signed)
    return headers


# --- Content-Digest ----------------------------------------------------------------------------


def test_content_digest_of_an_empty_body_is_the_known_sha256():
    assert content_digest(b"") == "sha-256=:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=:"


def test_content_digest_can_use_sha512():
    expected = base64.b64encode(hashlib.sha512(FORM).digest()).decode()
    assert content_digest(FORM, "sha-512") == f"sha-512=:{expected}:"


def test_content_digest_refuses_unknown_algorithms():
    with pytest.raises(SigningError, match="sha-256 or sha-512"):
        content_digest(FORM, "md5")


def test_matching_content_digest_passes():
    check_content_digest(content_digest(FORM), FORM)


def test_content_digest_of_another_body_is_rejected():
    with pytest.raises(SignatureInvalid, match="sha-256 does not match the body"):
        check_content_digest(content_digest(b"other"), FORM)


def test_every_recognised_digest_must_match():
    header = f"{content_digest(FORM)}, {content_digest(b'other', 'sha-512')}"
    with pytest.raises(SignatureInvalid, match="sha-512 does not match"):
        check_content_digest(header, FORM)


def test_unknown_digest_algorithms_are_ignored_next_to_a_known_one():
    check_content_digest(f"md5=:AAAA:, {content_digest(FORM, 'sha-512')}", FORM)


def test_content_digest_needs_at_least_one_known_algorithm():
    with pytest.raises(SignatureInvalid, match=r"no sha-256 or sha-512 digest \(found md5\)"):
        check_content_digest("md5=:AAAA:", FORM)


def test_legacy_digest_syntax_in_content_digest_gets_a_hint():
    legacy = "SHA-256=" + base64.b64encode(hashlib.sha256(FORM).digest()).decode()
    with pytest.raises(SignatureInvalid, match="looks like a legacy Digest value"):
        check_content_digest(legacy, FORM)


def test_content_digest_value_must_be_a_byte_sequence():
    with pytest.raises(SignatureInvalid, match="not a byte sequence"):
        check_content_digest('sha-256="abc"', FORM)


# --- signing -----------------------------------------------------------------------------------


def test_signed_request_carries_every_header_to_send(ed):
    signed = sign(ed)

    assert signed.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert signed.headers["Content-Digest"] == content_digest(FORM)
    assert signed.headers["Content-Length"] == str(len(FORM))
    assert signed.headers["Signature-Input"] == signed.signature_input
    assert signed.headers["Signature"].startswith("ocm=:")
    assert (signed.label, signed.keyid, signed.alg) == ("ocm", ed.kid, "ed25519")


def test_signing_replaces_stale_digest_and_length_given_by_the_caller(ed):
    stale = {"content-length": "3", "content-digest": content_digest(b"old"), **FORM_HEADERS}
    signed = sign_request("POST", TOKEN_URL, stale, FORM, ed, created=NOW)

    assert "content-length" not in signed.headers
    assert signed.headers["Content-Length"] == str(len(FORM))
    assert verify(signed.headers, ed).ok


def test_signature_base_matches_the_hand_written_base_line_by_line(ed):
    signed = sign(ed)

    expected = [
        '"@method": POST',
        '"@target-uri": https://sender.example.org/ocm/token',
        '"content-digest": sha-256=:ty/m+dxzbBE6TQ5d9acWL02EsZZ0P0LisI+FXQ+jr6k=:',
        '"content-length": 72',
        '"@signature-params": ("@method" "@target-uri" "content-digest" "content-length")'
        ';created=1780000000;keyid="receiver.example.org#ed25519";alg="ed25519";tag="ocm"',
    ]
    assert signed.signature_base.split("\n") == expected
    assert not signed.signature_base.endswith("\n")
    assert signed.signature_input == "ocm=" + expected[-1].split(": ", 1)[1]


def test_signature_is_over_exactly_the_signature_base(ed):
    signed = sign(ed)
    raw = base64.b64decode(signed.headers["Signature"].removeprefix("ocm=:").removesuffix(":"))
    ed.public_key.verify(raw, signed.signature_base.encode())


def test_verifier_rebuilds_the_signers_signature_base(ed):
    signed = sign(ed, body=SHARE, url=SHARES_URL)
    assert verify(signed.headers, ed, SHARE, SHARES_URL).signature_base == signed.signature_base


def test_signing_without_tag_or_alg_leaves_them_out(ed):
    signed = sign(ed, tag=None, include_alg=False, label="sig1")
    assert signed.signature_input.endswith(f';created={NOW};keyid="{ed.kid}"')


def test_signing_takes_an_explicit_keyid_and_expiry(ed):
    signed = sign(ed, keyid="https://receiver.example.org/ocm#key", expires=NOW + 30)
    assert 'keyid="https://receiver.example.org/ocm#key"' in signed.signature_input
    assert f"expires={NOW + 30}" in signed.signature_input


def test_signing_a_relative_url_is_refused(ed):
    with pytest.raises(SigningError, match="cannot sign POST /ocm/token"):
        sign_request("POST", "/ocm/token", {}, FORM, ed)


def test_signing_with_a_key_without_rfc9421_algorithm_is_refused(keys):
    rs512 = SigningKey("k", "RS512", keys["rsa2048"].private_key)
    with pytest.raises(KeyLookupError, match="no RFC 9421 counterpart"):
        sign_request("POST", TOKEN_URL, {}, FORM, rs512)


def test_signed_request_to_dict_is_json(ed):
    data = sign(ed).to_dict()
    assert json.loads(json.dumps(data))["signature_base"].startswith('"@method": POST')


# --- verification: round trips -----------------------------------------------------------------


@pytest.mark.parametrize("kind", KEY_KINDS)
def test_form_token_request_round_trips_for_every_key_kind(keys, kind):
    key = keys[kind]
    result = verify(sign(key).headers, key)

    assert result.ok, result.reason
    assert result.reason is None and result.code is None
    assert (result.label, result.matched_by, result.tag) == ("ocm", "tag", "ocm")
    assert (result.keyid, result.alg, result.created) == (key.kid, key.http_sig_alg, NOW)
    assert result.components == OCM_COMPONENTS


def test_json_share_round_trips(keys):
    key = keys["p256"]
    signed = sign_request("POST", SHARES_URL, JSON_HEADERS, SHARE, key, created=NOW)
    assert verify(signed.headers, key, SHARE, SHARES_URL).ok


def test_empty_body_round_trips(ed):
    signed = sign_request("GET", "https://sender.example.org/ocm/jwks", {}, b"", ed, created=NOW)
    result = verify(signed.headers, ed, b"", "https://sender.example.org/ocm/jwks", "GET")
    assert result.ok, result.reason


@pytest.mark.parametrize(
    "as_resolved",
    [
        pytest.param(lambda key: key, id="signing-key"),
        pytest.param(lambda key: key.public_key, id="public-key"),
        pytest.param(lambda key: key.public_pem(), id="pem"),
        pytest.param(lambda key: {"keys": [key.public_jwk()]}, id="jwks"),
    ],
)
def test_resolver_may_return_any_key_form(ed, as_resolved):
    result = verify(sign(ed).headers, ed, resolve_key=lambda kid: as_resolved(ed))
    assert result.ok, result.reason


def test_header_names_are_case_insensitive(ed):
    lowered = {name.lower(): value for name, value in sign(ed).headers.items()}
    assert verify(lowered, ed).ok


def test_headers_may_be_given_as_field_lines(ed):
    # http.server and httpx expose headers as (name, value) lines.
    assert verify(list(sign(ed).headers.items()), ed).ok


def test_date_may_be_covered_as_nextcloud_did_before_pr_62543(keys):
    key = keys["p256"]
    headers = {**FORM_HEADERS, "Date": email.utils.formatdate(NOW, usegmt=True)}
    signed = sign_request(
        "POST", TOKEN_URL, headers, FORM, key, created=NOW, components=(*OCM_COMPONENTS, "date")
    )
    result = verify(signed.headers, key)
    assert result.ok and "date" in result.components


def test_rfc9421_appendix_b26_ed25519_signature_verifies():
    result = verify_request(
        "POST",
        RFC_B26_URL,
        RFC_B26_HEADERS,
        RFC_B26_BODY,
        resolve_key={"test-key-ed25519": RFC_ED25519_JWK}.get,
        required_components=(),
        now=1618884473,
        label="sig-b26",
    )
    assert result.ok, result.reason
    assert result.alg == "ed25519"
    assert result.signature_base.split("\n") == [
        '"date": Tue, 20 Apr 2021 02:07:55 GMT',
        '"@method": POST',
        '"@path": /foo',
        '"@authority": example.com',
        '"content-type": application/json',
        '"content-length": 18',
        '"@signature-params": ("date" "@method" "@path" "@authority" "content-type" '
        '"content-length");created=1618884473;keyid="test-key-ed25519"',
    ]


# --- verification: tampering -------------------------------------------------------------------


def test_tampered_body_is_rejected_by_its_digest(ed):
    result = verify(sign(ed).headers, ed, body=FORM.replace(b"s3cr3t", b"guess!"))
    assert not result.ok
    assert result.code == "digest-mismatch"
    assert "Content-Digest sha-256 does not match the body" in result.reason


def test_tampered_digest_is_rejected(ed):
    headers = {**sign(ed).headers, "Content-Digest": content_digest(b"something else")}
    result = verify(headers, ed)
    assert result.code == "digest-mismatch"


def test_body_and_digest_tampered_together_break_the_signature(ed):
    other = FORM.replace(b"s3cr3t", b"guess!")
    headers = {**sign(ed).headers, "Content-Digest": content_digest(other)}
    result = verify(headers, ed, body=other)
    assert result.code == "bad-signature"
    assert "does not verify with key 'receiver.example.org#ed25519'" in result.reason
    assert content_digest(other) in result.signature_base


def test_tampered_content_length_is_rejected(ed):
    headers = {**sign(ed).headers, "Content-Length": "71"}
    result = verify(headers, ed)
    assert result.code == "length-mismatch"
    assert result.reason == "Content-Length says 71 but the body has 72 bytes"


def test_tampered_method_breaks_the_signature(ed):
    result = verify(sign(ed).headers, ed, method="PUT")
    assert result.code == "bad-signature"
    assert '"@method": PUT' in result.signature_base


def test_tampered_url_breaks_the_signature(ed):
    result = verify(sign(ed).headers, ed, url="https://sender.example.org/ocm/token?x=1")
    assert result.code == "bad-signature"


def test_url_rebuilt_with_another_scheme_breaks_the_signature(ed):
    # A TLS-terminating proxy without the right forwarding config makes a verifier see http://.
    result = verify(sign(ed).headers, ed, url=TOKEN_URL.replace("https", "http"))
    assert result.code == "bad-signature"


def test_tampered_created_breaks_the_signature(ed):
    headers = sign(ed).headers
    headers["Signature-Input"] = headers["Signature-Input"].replace(
        f"created={NOW}", f"created={NOW + 5}"
    )
    result = verify(headers, ed)
    assert result.code == "bad-signature"
    assert result.created == NOW + 5


def test_signature_by_another_key_is_rejected(keys, ed):
    other = generate_key("ed25519", ed.kid)
    result = verify(sign(other).headers, ed)
    assert result.code == "bad-signature"


# --- verification: which signature is OCM's ----------------------------------------------------


def test_signature_tagged_ocm_is_found_whatever_its_label(ed):
    result = verify(sign(ed, label="sig1").headers, ed)
    assert result.ok and (result.label, result.matched_by) == ("sig1", "tag")


def test_untagged_signature_labelled_ocm_is_accepted_as_early_draft_05(ed):
    result = verify(sign(ed, tag=None).headers, ed)
    assert result.ok
    assert (result.label, result.matched_by, result.tag) == ("ocm", "label", None)
    assert any("early draft -05" in warning for warning in result.warnings)


def test_two_signatures_tagged_ocm_are_rejected(ed, keys):
    headers = merge(sign(ed, label="a"), sign(keys["p256"], label="b"))
    result = verify(headers, ed)
    assert result.code == "ambiguous"
    assert result.reason == '2 signatures carry tag="ocm" (a, b); exactly one is allowed'


def test_an_extra_untagged_signature_is_ignored(ed, keys):
    headers = merge(sign(keys["p256"], label="proxy", tag=None), sign(ed, label="sig1"))
    result = verify(headers, ed)
    assert result.ok, result.reason
    assert result.label == "sig1"
    assert "ignored other signature(s): proxy" in result.warnings


def test_tag_wins_over_the_label_ocm(ed, keys):
    headers = merge(sign(keys["p256"], label="ocm", tag=None), sign(ed, label="sig1"))
    result = verify(headers, ed)
    assert result.ok and result.matched_by == "tag" and result.label == "sig1"


def test_signature_with_neither_tag_nor_label_ocm_is_rejected(ed):
    result = verify(sign(ed, label="sig1", tag=None).headers, ed)
    assert result.code == "no-ocm-signature"
    assert result.reason == 'no signature has tag="ocm" or the label "ocm" (found: sig1)'


def test_label_ocm_carrying_another_tag_is_not_taken_for_ocm(ed):
    result = verify(sign(ed, tag="web-bot-auth").headers, ed)
    assert result.code == "no-ocm-signature"
    assert 'tag="web-bot-auth"' in result.reason


# --- verification: required parameters and components ------------------------------------------


def _without_param(headers: dict[str, str], fragment: str) -> dict[str, str]:
    assert fragment in headers["Signature-Input"]
    return {**headers, "Signature-Input": headers["Signature-Input"].replace(fragment, "")}


def test_missing_created_is_rejected(ed):
    result = verify(_without_param(sign(ed).headers, f";created={NOW}"), ed)
    assert result.code == "missing-param"
    assert result.reason == "signature has no created parameter; OCM requires it"


def test_missing_keyid_is_rejected(ed):
    result = verify(_without_param(sign(ed).headers, f';keyid="{ed.kid}"'), ed)
    assert result.code == "missing-param"
    assert "no keyid parameter" in result.reason


@pytest.mark.parametrize("age", [0, 300])
def test_created_within_the_window_is_accepted(ed, age):
    assert verify(sign(ed, created=NOW - age).headers, ed).ok


def test_stale_created_is_rejected(ed):
    result = verify(sign(ed, created=NOW - 301).headers, ed)
    assert result.code == "stale"
    assert result.reason == "signature created 301 s ago, more than the 300 s allowed"


def test_max_age_is_the_callers_choice(ed):
    assert verify(sign(ed, created=NOW - 600).headers, ed, max_age=900).ok


def test_freshness_windows_can_be_switched_off_for_replaying_a_recorded_request(ed):
    old = sign(ed, created=NOW - 86_400).headers
    assert verify(old, ed, max_age=None).ok
    assert verify(sign(ed, created=NOW + 3600).headers, ed, max_future=None).ok


@pytest.mark.parametrize("ahead", [1, 60])
def test_created_slightly_in_the_future_is_tolerated(ed, ahead):
    assert verify(sign(ed, created=NOW + ahead).headers, ed).ok


def test_created_too_far_in_the_future_is_rejected(ed):
    result = verify(sign(ed, created=NOW + 61).headers, ed)
    assert result.code == "future"
    assert "61 s in the future" in result.reason and "clock" in result.reason


def test_expired_signature_is_rejected(ed):
    result = verify(sign(ed, expires=NOW - 1).headers, ed)
    assert result.code == "expired"


def test_uncovered_required_component_is_rejected(ed):
    signed = sign(ed, components=("@method", "@target-uri", "content-digest"))
    result = verify(signed.headers, ed)
    assert result.code == "missing-component"
    assert result.reason.startswith("signature does not cover content-length")


def test_required_components_are_the_callers_choice(ed):
    signed = sign(ed, components=("@method", "@target-uri", "content-digest"))
    required = ("@method", "@target-uri", "content-digest")
    assert verify(signed.headers, ed, required_components=required).ok


def test_body_left_uncovered_is_accepted_with_a_warning_when_allowed(ed):
    # The -04 token request example covers "date" but no digest; a caller may choose to allow it.
    signed = sign(ed, components=("@method", "@target-uri"))
    result = verify(signed.headers, ed, required_components=("@method", "@target-uri"))
    assert result.ok
    assert "the body is not covered: the signature has no content-digest" in result.warnings


def test_covered_header_missing_from_the_request_is_reported(ed):
    headers = {**FORM_HEADERS, "Date": "Mon, 11 May 2026 14:11:47 GMT"}
    signed = sign_request(
        "POST", TOKEN_URL, headers, FORM, ed, created=NOW, components=(*OCM_COMPONENTS, "date")
    )
    del signed.headers["Date"]
    result = verify(signed.headers, ed)
    assert result.code == "component-error"
    assert '"date"' in result.reason


# --- verification: algorithms and keys ---------------------------------------------------------


def test_hmac_signature_is_refused_even_with_the_right_secret():
    secret = b"shared-secret-between-peers"
    signer = HTTPMessageSigner(
        signature_algorithm=hms_algorithms.HMAC_SHA256,
        key_resolver=MappingKeyResolver(public_keys={}, private_keys={"peer": secret}),
    )

    class Request:
        method, url, headers = "POST", TOKEN_URL, {"Content-Length": str(len(FORM))}

    request = Request()
    signer.sign(
        request,
        key_id="peer",
        created=datetime.fromtimestamp(NOW, UTC),
        tag="ocm",
        covered_component_ids=OCM_COMPONENTS,
        body=FORM,
    )
    result = verify_request(
        "POST", TOKEN_URL, request.headers, FORM, resolve_key=lambda kid: secret, now=NOW
    )
    assert result.code == "alg-refused"
    assert result.reason == (
        "alg hmac-sha256 is symmetric; OCM signatures must use an asymmetric algorithm"
    )


def test_symmetric_secret_from_the_resolver_is_not_a_key(ed):
    signed = sign(ed, include_alg=False)
    result = verify(signed.headers, ed, resolve_key=lambda kid: b"shared-secret")
    assert result.code == "no-key"


def test_unknown_alg_is_refused(ed):
    headers = sign(ed).headers
    headers["Signature-Input"] = headers["Signature-Input"].replace('"ed25519"', '"rsa-sha256"')
    result = verify(headers, ed)
    assert result.code == "alg-unsupported"
    assert "rsa-sha256" in result.reason


def test_alg_that_does_not_fit_the_key_type_is_refused(keys, ed):
    headers = sign(ed).headers
    result = verify(headers, ed, resolve_key=lambda kid: keys["p256"].public_jwk())
    assert result.code == "alg-mismatch"
    assert result.reason == (f"alg ed25519 does not fit the EC P-256 key for '{ed.kid}'")


def test_alg_that_contradicts_the_jwk_alg_is_refused(keys):
    pss = keys["rsa-pss"]
    jwk_claims_v1_5 = {**pss.public_jwk(), "alg": "RS256"}
    result = verify(sign(pss).headers, pss, resolve_key=lambda kid: jwk_claims_v1_5)
    assert result.code == "alg-mismatch"
    assert "contradicts the key's own alg RS256" in result.reason


@pytest.mark.parametrize("kind", KEY_KINDS)
def test_absent_alg_is_taken_from_the_jwk(keys, kind):
    key = keys[kind]
    result = verify(sign(key, include_alg=False).headers, key)
    assert result.ok, result.reason
    assert result.alg == key.http_sig_alg
    assert any("took" in warning for warning in result.warnings)


def test_absent_alg_with_an_rsa_jwk_without_alg_assumes_v1_5_and_says_so(keys):
    key = keys["rsa2048"]
    bare_jwk = {k: v for k, v in key.public_jwk().items() if k != "alg"}
    result = verify(sign(key, include_alg=False).headers, key, resolve_key=lambda kid: bare_jwk)
    assert result.ok and result.alg == "rsa-v1_5-sha256"
    assert any("could also be rsa-pss-sha512" in warning for warning in result.warnings)


def test_unknown_keyid_is_reported(ed):
    result = verify(sign(ed).headers, ed, resolve_key=lambda kid: None)
    assert result.code == "no-key"
    assert result.reason == f"no key found for keyid '{ed.kid}'"


def test_jwks_without_the_keyid_is_reported(ed, keys):
    published = {"keys": [keys["p256"].public_jwk()]}
    result = verify(sign(ed).headers, ed, resolve_key=lambda kid: published)
    assert result.code == "no-key"
    assert f"JWKS has no key with kid '{ed.kid}'" in result.reason


def test_key_declaring_an_alg_without_rfc9421_name_is_refused(keys):
    key = keys["rsa2048"]
    rs512_jwk = {**key.public_jwk(), "alg": "RS512"}
    with_alg = verify(sign(key).headers, key, resolve_key=lambda kid: rs512_jwk)
    without_alg = verify(
        sign(key, include_alg=False).headers, key, resolve_key=lambda kid: rs512_jwk
    )

    assert with_alg.code == "alg-mismatch"
    assert "contradicts the key's own alg RS512" in with_alg.reason
    assert without_alg.code == "alg-unsupported"
    assert "RS512 has no RFC 9421 counterpart" in without_alg.reason


def test_bare_public_key_without_alg_parameter_uses_its_type_and_says_so(keys):
    key = keys["p384"]
    result = verify(
        sign(key, include_alg=False).headers, key, resolve_key=lambda kid: key.public_key
    )
    assert result.ok and result.alg == "ecdsa-p384-sha384"
    assert "no alg parameter; using ecdsa-p384-sha384 for the EC P-384 key" in result.warnings


def test_resolver_failure_reason_is_passed_on(ed):
    def resolve(kid):
        raise KeyLookupError("JWKS at https://receiver.example.org/ocm/jwks answered 404")

    result = verify(sign(ed).headers, ed, resolve_key=resolve)
    assert result.code == "no-key"
    assert "answered 404" in result.reason


def test_resolver_network_failure_becomes_the_verdict(ed):
    def resolve(kid):
        raise Unreachable("Cannot connect to https://receiver.example.org/ocm/jwks")

    result = verify(sign(ed).headers, ed, resolve_key=resolve)
    assert result.code == "no-key"
    assert "Cannot connect" in result.reason


def test_malformed_jwk_from_the_resolver_is_reported(ed):
    result = verify(sign(ed).headers, ed, resolve_key=lambda kid: {"kty": "OKP", "crv": "Ed25519"})
    assert result.code == "no-key"
    assert "no 'x' member" in result.reason


# --- verification: unsigned and malformed requests ---------------------------------------------


def test_unsigned_request_says_so():
    result = verify_request("POST", TOKEN_URL, FORM_HEADERS, FORM, resolve_key=lambda kid: None)
    assert not result.ok
    assert (result.code, result.reason) == ("unsigned", "request is not signed")


def test_cavage_signature_is_recognised_but_not_taken_for_rfc9421(keys):
    rsa_key = keys["rsa2048"]
    signed = sign_cavage("POST", SHARES_URL, JSON_HEADERS, SHARE, rsa_key, "k")
    result = verify(signed.headers, rsa_key, SHARE, SHARES_URL)
    assert result.code == "cavage-only"


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"Signature-Input": "ocm=(("}, "Signature-Input is not a structured-field dictionary"),
        ({"Signature": "ocm=:AAAA:, ocm=:BBBB:"}, 'Signature repeats the label "ocm"'),
        ({"Signature": "other=:AAAA:"}, 'Signature has no member "ocm"'),
        ({"Signature": 'ocm="text"'}, "not a byte sequence"),
        ({"Signature-Input": 'ocm="@method";tag="ocm"'}, "not an inner list"),
        ({"Signature-Input": ""}, "Signature-Input is empty"),
    ],
)
def test_malformed_signature_fields_are_rejected_with_a_reason(ed, change, reason):
    result = verify({**sign(ed).headers, **change}, ed)
    assert result.code == "malformed"
    assert reason in result.reason


def test_signature_without_signature_input_is_malformed(ed):
    headers = sign(ed).headers
    del headers["Signature-Input"]
    assert verify(headers, ed).reason == "Signature header present but Signature-Input is missing"


def test_verify_or_raise_returns_the_verification_when_ok(ed):
    result = verify_request_or_raise(
        "POST", TOKEN_URL, sign(ed).headers, FORM, resolve_key=jwk_resolver(ed), now=NOW
    )
    assert isinstance(result, Verification) and result.ok


def test_verify_or_raise_raises_with_the_reason_and_the_verification(ed):
    with pytest.raises(SignatureInvalid, match="request is not signed") as caught:
        verify_request_or_raise("POST", TOKEN_URL, {}, FORM, resolve_key=jwk_resolver(ed))
    assert caught.value.verification.code == "unsigned"
    assert caught.value.as_dict() == {"kind": "signature", "message": "request is not signed"}


def test_verification_to_dict_is_json_with_every_field(ed):
    data = json.loads(json.dumps(verify(sign(ed).headers, ed).to_dict()))
    assert data["ok"] is True
    assert data["components"] == list(OCM_COMPONENTS)
    assert {"label", "keyid", "alg", "created", "matched_by", "signature_base", "reason"} <= set(
        data
    )


def test_signature_scheme_tells_rfc9421_from_cavage_from_unsigned(ed, keys):
    cavage = sign_cavage("POST", SHARES_URL, {}, SHARE, keys["rsa2048"], "k")
    assert signature_scheme(sign(ed).headers) == "rfc9421"
    assert signature_scheme(cavage.headers) == "draft-cavage"
    assert signature_scheme(FORM_HEADERS) is None


# --- properties --------------------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(body=st.binary(max_size=2048))
def test_arbitrary_bodies_round_trip(ed, body):
    signed = sign_request("POST", SHARES_URL, {}, body, ed, created=NOW)
    assert verify(signed.headers, ed, body, SHARES_URL).ok


@settings(max_examples=60, deadline=None)
@given(
    path=st.lists(st.text("abcXYZ019-._~%20!$&'()*+,;=:@", min_size=1, max_size=8), max_size=4).map(
        lambda parts: "/" + "/".join(parts)
    ),
    query=st.one_of(st.none(), st.text("abc=&%20+", max_size=12)),
)
def test_arbitrary_paths_and_queries_round_trip(ed, path, query):
    url = "https://receiver.example.org" + path + (f"?{query}" if query is not None else "")
    try:
        signed = sign_request("POST", url, {}, FORM, ed, created=NOW)
    except SigningError:
        return  # e.g. a stray % that is not a percent-escape: not a valid URL to sign
    assert verify(signed.headers, ed, FORM, url).ok


_field_text = st.text(
    st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=120
) | st.sampled_from(
    [
        'ocm=("@method");created=1;keyid="k";tag="ocm"',
        'ocm=("@method" "content-digest");created=1780000000;keyid="k";alg="ed25519"',
        "ocm=:AAAA:",
        'ocm=("x";key=1)',
        'ocm=("@query-param";name="a");created=1780000000;keyid="k"',
    ]
)


@settings(max_examples=300, deadline=None)
@given(signature_input=_field_text, signature=_field_text, digest=_field_text)
def test_arbitrary_signature_fields_give_a_verdict_never_an_exception(
    ed, signature_input, signature, digest
):
    headers = {"Signature-Input": signature_input, "Signature": signature}
    headers["Content-Digest"] = digest
    result = verify_request("POST", TOKEN_URL, headers, FORM, resolve_key=jwk_resolver(ed), now=NOW)
    assert not result.ok
    assert result.code and result.reason and "\n" not in result.reason


# --- over loopback HTTP, against the reference peer --------------------------------------------


@pytest.fixture
def token_endpoint(peer_factory, ed):
    """A spec-profile peer that trusts ``ed``; its token URL and a form body with its share code."""
    peer = peer_factory("spec")
    peer.trust(jwks(ed))
    with HttpClient() as client:
        url = client.get(peer.base_url + "/.well-known/ocm").json()["tokenEndPoint"]
    body = urlencode(
        {
            "grant_type": "authorization_code",
            "client_id": "receiver.example.org",
            "code": peer.share.secret,
        }
    ).encode()
    return url, body


def _post(url: str, headers: dict[str, str], body: bytes):
    with HttpClient() as client:
        return client.post(url, headers=headers, content=body)


def test_signed_token_request_is_accepted_by_the_reference_peer(token_endpoint, ed):
    url, body = token_endpoint
    signed = sign_request("POST", url, FORM_HEADERS, body, ed)

    response = _post(url, signed.headers, body)
    assert response.status == 200, response.text
    assert response.json()["token_type"] == "Bearer"


def test_reference_peer_reports_a_body_changed_in_transit(token_endpoint, ed):
    url, body = token_endpoint
    signed = sign_request("POST", url, FORM_HEADERS, body, ed)

    response = _post(url, signed.headers, body[:-3] + b"xyz")
    assert response.status == 401
    assert "Content-Digest sha-256 does not match the body" in response.json()["error_description"]


def test_reference_peer_refuses_a_signature_by_an_untrusted_key(token_endpoint, ed):
    url, body = token_endpoint
    impostor = generate_key("ed25519", ed.kid)
    signed = sign_request("POST", url, FORM_HEADERS, body, impostor)

    response = _post(url, signed.headers, body)
    assert response.status == 401
    assert "does not verify with key" in response.json()["error_description"]


_HEADER_ALPHABET = st.characters(min_codepoint=0x20, max_codepoint=0x7E)


@settings(max_examples=300, deadline=None)
@given(
    name=st.sampled_from(["Signature-Input", "Signature", "Content-Digest", "Content-Length"]),
    position=st.integers(min_value=0, max_value=400),
    replacement=st.text(_HEADER_ALPHABET, max_size=3),
)
def test_edited_rfc9421_headers_give_a_verdict_never_an_exception(ed, name, position, replacement):
    headers = sign(ed).headers
    value = headers[name]
    position %= len(value)
    headers[name] = value[:position] + replacement + value[position + 1 :]

    result = verify(headers, ed)
    if result.ok:
        # Edits that keep the meaning may pass: the unsigned label, surrounding whitespace (field
        # values are trimmed, RFC 9421 §2.1), and Signature parameters or a lost base64 "=" padding
        # (RFC 8941 §4.2.7) that leave the signature bytes the same.
        if name in ("Content-Digest", "Content-Length"):
            assert headers[name].strip(" \t") == value
        elif name == "Signature":

            def signature_bytes(text: str) -> bytes:
                return http_sf.parse(text.encode(), tltype="dictionary")[result.label][0]

            assert signature_bytes(headers[name]) == signature_bytes(value)
    else:
        assert result.code and result.reason and "\n" not in result.reason
