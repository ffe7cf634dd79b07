"""Legacy draft-cavage-http-signatures-12 signing and verification, as OCM 1.2 peers use it."""

from __future__ import annotations

import base64
import email.utils
import hashlib
import json

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from hypothesis import given, settings
from hypothesis import strategies as st

from inspector.core.cavage import sign_cavage, verify_cavage
from inspector.core.errors import KeyLookupError, SigningError
from inspector.core.httpsig import SignedRequest, sign_request
from inspector.core.keys import SigningKey, generate_key

NOW = 1_780_000_000
SHARES_URL = "https://receiver.example.org/ocm/shares"
SHARE = json.dumps(
    {"shareWith": "bob@receiver.example.org", "name": "report.pdf", "owner": "alice"}
).encode()
JSON_HEADERS = {"Content-Type": "application/json"}
NC_KEYID = "https://receiver.example.org/ocm#signature"

_HEADER_ALPHABET = st.characters(min_codepoint=0x20, max_codepoint=0x7E)
# Printable text, plus RFC 9421 values that a cavage verifier must not take for its own.
_field_text = st.text(_HEADER_ALPHABET, max_size=120) | st.sampled_from(
    [
        'ocm=("@method");created=1;keyid="k";tag="ocm"',
        'ocm=("@method" "content-digest");created=1780000000;keyid="k";alg="ed25519"',
        "ocm=:AAAA:",
        'ocm=("x";key=1)',
        'ocm=("@query-param";name="a");created=1780000000;keyid="k"',
    ]
)


@pytest.fixture(scope="module")
def keys() -> dict[str, SigningKey]:
    # Only the kinds cavage signs with, and a second RSA size for the wrong-key check.
    kinds = ("ed25519", "rsa2048", "rsa4096")
    return {kind: generate_key(kind, f"receiver.example.org#{kind}") for kind in kinds}


def cavage(key: SigningKey, algorithm="rsa-sha256", body=SHARE, **options) -> SignedRequest:
    options.setdefault("now", NOW)
    return sign_cavage(
        "POST", SHARES_URL, JSON_HEADERS, body, key, NC_KEYID, algorithm=algorithm, **options
    )


def verify_c(headers, key, body=SHARE, url=SHARES_URL, method="POST", **kw):
    kw.setdefault("now", NOW)
    resolver = kw.pop("resolve_key", lambda kid: key.public_pem() if kid == NC_KEYID else None)
    return verify_cavage(method, url, headers, body, resolver, **kw)


@pytest.mark.parametrize(
    ("kind", "algorithm"),
    [
        ("rsa2048", "rsa-sha256"),
        ("rsa2048", "rsa-sha512"),
        ("rsa2048", "hs2019"),
        ("ed25519", "hs2019"),
    ],
)
def test_cavage_round_trips(keys, kind, algorithm):
    key = keys[kind]
    result = verify_c(cavage(key, algorithm).headers, key)
    assert result.ok, result.reason
    assert (result.scheme, result.keyid, result.alg) == ("draft-cavage", NC_KEYID, algorithm)
    assert result.warnings == []


def test_cavage_adds_date_digest_length_host_and_signature(keys):
    signed = cavage(keys["rsa2048"])
    digest = base64.b64encode(hashlib.sha256(SHARE).digest()).decode()

    assert signed.headers["Date"] == email.utils.formatdate(NOW, usegmt=True)
    assert signed.headers["Digest"] == f"SHA-256={digest}"
    assert signed.headers["Content-Length"] == str(len(SHARE))
    assert signed.headers["Host"] == "receiver.example.org"
    assert signed.headers["Signature"].startswith(
        f'keyId="{NC_KEYID}",algorithm="rsa-sha256",'
        'headers="(request-target) content-length date digest host",signature="'
    )


def test_cavage_signing_string_has_name_value_lines(keys):
    signed = cavage(keys["rsa2048"], digest_alg="SHA-512")
    digest = base64.b64encode(hashlib.sha512(SHARE).digest()).decode()
    assert signed.signature_base.split("\n") == [
        "(request-target): post /ocm/shares",
        f"content-length: {len(SHARE)}",
        f"date: {email.utils.formatdate(NOW, usegmt=True)}",
        f"digest: SHA-512={digest}",
        "host: receiver.example.org",
    ]


def test_cavage_rsa_public_key_in_pkcs1_form_verifies(keys):
    # The ocm-stub publishes "BEGIN RSA PUBLIC KEY".
    key = keys["rsa2048"]
    pkcs1 = key.public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.PKCS1
    ).decode()
    assert verify_c(cavage(key).headers, key, resolve_key=lambda kid: pkcs1).ok


def test_cavage_in_an_authorization_header_verifies(keys):
    key = keys["rsa2048"]
    headers = cavage(key).headers
    headers["Authorization"] = "Signature " + headers.pop("Signature")
    assert verify_c(headers, key).ok


def test_cavage_tampered_body_is_rejected_by_its_digest(keys):
    key = keys["rsa2048"]
    result = verify_c(cavage(key).headers, key, body=SHARE.replace(b"alice", b"mallory"))
    assert result.code == "digest-mismatch"
    assert "Digest SHA-256 does not match the body" in result.reason


def test_cavage_tampered_method_or_path_breaks_the_signature(keys):
    key = keys["rsa2048"]
    headers = cavage(key).headers
    assert verify_c(headers, key, method="PUT").code == "bad-signature"
    assert verify_c(headers, key, url=SHARES_URL + "/x").code == "bad-signature"


def test_cavage_tampered_host_breaks_the_signature(keys):
    key = keys["rsa2048"]
    headers = {**cavage(key).headers, "Host": "evil.example.org"}
    assert verify_c(headers, key).code == "bad-signature"


def test_cavage_stale_date_is_rejected(keys):
    key = keys["rsa2048"]
    result = verify_c(cavage(key, now=NOW - 301).headers, key)
    assert result.code == "stale"
    assert result.reason == "Date is 301 s old, more than the 300 s allowed"


def test_cavage_future_date_is_rejected(keys):
    key = keys["rsa2048"]
    # The peer's "clock-skew" fault runs its Date ten minutes ahead.
    result = verify_c(cavage(key, now=NOW + 600).headers, key)
    assert result.code == "future"


def test_cavage_must_cover_length_date_digest_and_host(keys):
    key = keys["rsa2048"]
    signed = cavage(key, headers_list=("(request-target)", "date", "host"))
    result = verify_c(signed.headers, key)
    assert result.code == "missing-component"
    assert result.reason.startswith("draft-cavage signature does not cover content-length, digest")


def test_cavage_digest_without_a_known_algorithm_is_rejected(keys):
    key = keys["rsa2048"]
    headers = {**cavage(key).headers, "Digest": "MD5=AAAA"}
    assert verify_c(headers, key).code == "digest-mismatch"


def test_cavage_with_the_wrong_key_is_rejected(keys):
    result = verify_c(cavage(keys["rsa2048"]).headers, keys["rsa4096"])
    assert result.code == "bad-signature"
    assert "RSA 4096-bit key" in result.reason


def test_cavage_rsa_algorithm_with_an_ed25519_key_is_rejected(keys):
    rsa_signed = cavage(keys["rsa2048"])
    result = verify_c(rsa_signed.headers, keys["ed25519"])
    assert result.code == "alg-mismatch"


def test_cavage_hmac_is_refused(keys):
    key = keys["rsa2048"]
    headers = cavage(key).headers
    headers["Signature"] = headers["Signature"].replace("rsa-sha256", "hmac-sha256")
    assert verify_c(headers, key).code == "alg-refused"


def test_cavage_hs2019_signed_with_pkcs1_verifies_and_says_how(keys):
    # Several implementations sign hs2019 with RSASSA-PKCS1-v1_5 SHA-256.
    key = keys["rsa2048"]
    signed = cavage(key, "hs2019")
    raw = key.private_key.sign(signed.signature_base.encode(), padding.PKCS1v15(), hashes.SHA256())
    headers = dict(signed.headers)
    old = headers["Signature"].rsplit('signature="', 1)[1].rstrip('"')
    headers["Signature"] = headers["Signature"].replace(old, base64.b64encode(raw).decode())

    result = verify_c(headers, key)
    assert result.ok
    assert result.warnings == ["hs2019 verified as RSASSA-PKCS1-v1_5 SHA-256"]


def test_cavage_hs2019_pss_with_a_maximal_salt_verifies(keys):
    key = keys["rsa2048"]
    signed = cavage(key, "hs2019")
    pss = padding.PSS(mgf=padding.MGF1(hashes.SHA512()), salt_length=padding.PSS.MAX_LENGTH)
    raw = key.private_key.sign(signed.signature_base.encode(), pss, hashes.SHA512())
    headers = dict(signed.headers)
    old = headers["Signature"].rsplit('signature="', 1)[1].rstrip('"')
    headers["Signature"] = headers["Signature"].replace(old, base64.b64encode(raw).decode())

    result = verify_c(headers, key)
    assert result.ok and result.warnings == []


def test_cavage_created_parameter_is_checked_for_freshness(keys):
    key = keys["rsa2048"]
    headers = cavage(key).headers
    headers["Signature"] = headers["Signature"].replace(
        ",signature=", f",created={NOW - 900},signature="
    )
    result = verify_c(headers, key)
    assert result.code == "stale"
    assert result.reason.startswith("created is 900 s old")


def test_cavage_created_pseudo_header_is_not_signed(keys):
    with pytest.raises(SigningError, match=r"\(created\) and \(expires\) are not supported"):
        cavage(keys["rsa2048"], headers_list=("(created)", "date", "digest"))


def test_cavage_values_only_signing_string_of_ocm_12_verifies_with_a_warning(keys):
    # The OCM 1.2 pseudo-code and the ocm-stub sign the header values without their names.
    key = keys["rsa2048"]
    signed = cavage(key)
    values = "\n".join(line.split(": ", 1)[1] for line in signed.signature_base.split("\n"))
    raw = key.private_key.sign(values.encode(), padding.PKCS1v15(), hashes.SHA256())
    headers = dict(signed.headers)
    old = headers["Signature"].rsplit('signature="', 1)[1].rstrip('"')
    headers["Signature"] = headers["Signature"].replace(old, base64.b64encode(raw).decode())

    result = verify_c(headers, key)
    assert result.ok
    assert result.signature_base == values
    assert "values only" in result.warnings[0]


def test_cavage_unsigned_and_rfc9421_requests_are_told_apart(keys):
    key = keys["rsa2048"]
    rfc9421 = sign_request("POST", SHARES_URL, JSON_HEADERS, SHARE, keys["ed25519"], created=NOW)
    assert verify_c(JSON_HEADERS, key).reason == "request is not signed"
    assert verify_c(rfc9421.headers, key).code == "rfc9421-only"


def test_cavage_unknown_key_id_is_reported(keys):
    key = keys["rsa2048"]
    result = verify_c(cavage(key).headers, key, resolve_key=lambda kid: None)
    assert result.code == "no-key"
    assert NC_KEYID in result.reason


def test_cavage_refuses_unknown_algorithms_when_signing(keys):
    with pytest.raises(SigningError, match="is not one of"):
        cavage(keys["rsa2048"], "ecdsa-sha256")


def test_cavage_refuses_an_rsa_algorithm_with_an_ed25519_key(keys):
    with pytest.raises(KeyLookupError, match="cannot sign with the Ed25519 key"):
        cavage(keys["ed25519"], "rsa-sha256")


@settings(max_examples=30, deadline=None)
@given(body=st.binary(max_size=1024))
def test_cavage_arbitrary_bodies_round_trip(keys, body):
    key = keys["rsa2048"]
    assert verify_c(cavage(key, body=body).headers, key, body=body).ok


@settings(max_examples=200, deadline=None)
@given(signature=_field_text, digest=_field_text, date=_field_text)
def test_cavage_arbitrary_fields_give_a_verdict_never_an_exception(keys, signature, date, digest):
    headers = {"Signature": signature, "Digest": digest, "Date": date, "Host": "x"}
    result = verify_c(headers, keys["rsa2048"])
    assert not result.ok and result.reason


@settings(max_examples=200, deadline=None)
@given(
    name=st.sampled_from(["Signature", "Digest", "Date", "Content-Length", "Host"]),
    position=st.integers(min_value=0, max_value=400),
    replacement=st.text(_HEADER_ALPHABET, max_size=3),
)
def test_edited_cavage_headers_give_a_verdict_never_an_exception(keys, name, position, replacement):
    key = keys["rsa2048"]
    headers = cavage(key).headers
    value = headers[name]
    position %= len(value)
    headers[name] = value[:position] + replacement + value[position + 1 :]

    result = verify_c(headers, key)
    if not result.ok:
        assert result.code and result.reason and "\n" not in result.reason
