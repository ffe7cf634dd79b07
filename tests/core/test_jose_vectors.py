"""The JOSE RFCs' own examples, verified exactly as published (tests/data/jose/rfc*.json)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from inspector.core.jose import inspect_token
from inspector.core.jwks import KeySource
from inspector.core.keys import public_key_to_jwk

DATA = Path(__file__).parent.parent / "data" / "jose"
# The RFC 7515 examples carry exp 1300819380 (2011-03-22T18:43:00Z); read them just before it.
BEFORE_EXP = 1300819000


def vector(name: str) -> dict:
    return json.loads((DATA / name).read_text())


@pytest.mark.parametrize("name", ["rfc7515-a2-rs256.json", "rfc7515-a3-es256.json"])
def test_rfc7515_signed_examples_verify_with_their_published_keys(name):
    example = vector(name)
    # The RFC keys have neither kid nor alg: the token's alg is checked against kty/crv.
    source = KeySource.from_jwks({"keys": [example["jwk"]]})

    report = inspect_token(example["token"], key_source=source, now=BEFORE_EXP)

    assert report.token.header == example["header"]
    assert report.token.claims == example["claims"]
    assert report.signature.status == "valid", report.signature.reason
    assert report.exit_code == 0


def test_rfc7515_example_claims_read_with_their_time():
    report = inspect_token(vector("rfc7515-a3-es256.json")["token"], now=BEFORE_EXP)

    assert report.times["exp"].utc == "2011-03-22T18:43:00Z"
    assert report.times["exp"].relative == "expires in 6 min"


def test_rfc7515_example_is_expired_today():
    example = vector("rfc7515-a2-rs256.json")
    source = KeySource.from_jwks({"keys": [example["jwk"]]})

    report = inspect_token(example["token"], key_source=source)

    assert report.signature.status == "valid"
    assert "expired" in report.warning_codes()
    assert not report.ok


def test_rfc8037_ed25519_example_verifies_and_its_key_has_the_published_thumbprint():
    example = vector("rfc8037-a4-ed25519.json")
    source = KeySource.from_jwks({"keys": [example["jwk"]]})

    report = inspect_token(example["token"], key_source=source)

    assert report.token.kind == "jws"  # its payload is text, not a claims set
    assert report.token.to_dict()["payload_text"] == example["payload_text"]
    assert report.signature.status == "valid"
    assert report.signature.matched_key.thumbprint == example["thumbprint"]


def test_rfc7515_hmac_example_is_genuine_yet_unverifiable_from_outside():
    example = vector("rfc7515-a1-hs256.json")
    signing_input, _, signature = example["token"].rpartition(".")
    secret = base64.urlsafe_b64decode(example["k"] + "==")
    mac = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    assert base64.urlsafe_b64encode(mac).rstrip(b"=").decode() == signature  # the vector is right

    report = inspect_token(example["token"], now=BEFORE_EXP)

    assert report.token.header == example["header"]
    assert report.signature.status == "unverifiable"
    assert "symmetric-alg" in report.warning_codes()


def test_rfc7519_unsecured_example_is_invalid():
    report = inspect_token(vector("rfc7519-6-1-unsecured.json")["token"], now=BEFORE_EXP)

    assert report.signature.status == "invalid"
    assert report.warning_codes()[0] == "alg-none"
    assert not report.ok


def test_an_rfc_example_is_invalid_under_another_p256_key():
    es256 = vector("rfc7515-a3-es256.json")
    other = public_key_to_jwk(ec.generate_private_key(ec.SECP256R1()).public_key())

    verdict = inspect_token(es256["token"], key_source=KeySource.from_jwks(other)).signature

    assert verdict.status == "invalid"


def test_an_rfc_example_is_not_tried_with_a_key_of_another_type():
    es256, ed25519 = vector("rfc7515-a3-es256.json"), vector("rfc8037-a4-ed25519.json")
    source = KeySource.from_jwks({"keys": [ed25519["jwk"]]})

    verdict = inspect_token(es256["token"], key_source=source).signature

    assert verdict.status == "unverified"
    assert verdict.skipped[0].code == "kty"
    assert verdict.skipped[0].reason == "OKP Ed25519 key cannot verify ES256 (needs EC P-256)"
