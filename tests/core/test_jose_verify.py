"""Signature verdicts: every algorithm against JWKS files, and every way a verification goes wrong."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from inspector.core.jose import inspect_token
from inspector.core.jwks import KeySource
from inspector.core.keys import public_key_to_jwk

DATA = Path(__file__).parent.parent / "data" / "jose"
NOW = int(time.time())
REVA_SECRET = "a secret that only the reva instance knows"
ALGORITHMS = (
    "EdDSA",
    "ES256",
    "ES384",
    "ES512",
    "RS256",
    "RS384",
    "RS512",
    "PS256",
    "PS384",
    "PS512",
)


@pytest.fixture(scope="module")
def private_keys():
    """One private key per key type, made once: RSA generation is slow."""
    return {
        "OKP": ed25519.Ed25519PrivateKey.generate(),
        "P-256": ec.generate_private_key(ec.SECP256R1()),
        "P-384": ec.generate_private_key(ec.SECP384R1()),
        "P-521": ec.generate_private_key(ec.SECP521R1()),
        "RSA": rsa.generate_private_key(65537, 2048),
    }


def key_for(private_keys, alg: str):
    if alg == "EdDSA":
        return private_keys["OKP"]
    if alg.startswith("ES"):
        return private_keys[{"ES256": "P-256", "ES384": "P-384", "ES512": "P-521"}[alg]]
    return private_keys["RSA"]


def public_jwk(private_key, kid: str | None = None, **members) -> dict:
    jwk = public_key_to_jwk(private_key.public_key())
    if kid is not None:
        jwk["kid"] = kid
    jwk.update(members)
    return jwk


def sign(private_key, alg: str, kid: str | None = "k1", **claims) -> str:
    claims = {"iss": "https://cloud.example.org", "exp": NOW + 300, **claims}
    headers = {"kid": kid} if kid is not None else {}
    return jwt.encode(claims, private_key, algorithm=alg, headers=headers)


def jwks_file(tmp_path: Path, *keys: dict) -> Path:
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps({"keys": list(keys)}))
    return path


def tamper(token: str) -> str:
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["sub"] = "mallory"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{header}.{forged}.{signature}"


@pytest.mark.parametrize("alg", ALGORITHMS)
def test_a_token_signed_with_each_algorithm_verifies_against_a_jwks_file(
    private_keys, tmp_path, alg
):
    key = key_for(private_keys, alg)
    decoy = ec.generate_private_key(ec.SECP256R1())
    path = jwks_file(tmp_path, public_jwk(decoy, "decoy"), public_jwk(key, "k1", alg=alg))

    report = inspect_token(sign(key, alg), key_source=KeySource.from_file(path))

    assert report.signature.status == "valid", report.signature.reason
    assert report.signature.matched_key.kid == "k1"
    assert report.signature.key_source == f"jwks-file {path}"
    assert report.exit_code == 0


@pytest.mark.parametrize("alg", ALGORITHMS)
def test_a_tampered_token_is_invalid_for_each_algorithm(private_keys, tmp_path, alg):
    key = key_for(private_keys, alg)
    source = KeySource.from_jwks({"keys": [public_jwk(key, "k1")]})

    report = inspect_token(tamper(sign(key, alg)), key_source=source)

    assert report.signature.status == "invalid"
    assert "does not verify with key 'k1'" in report.signature.reason
    assert report.exit_code == 1


def test_a_jwk_without_alg_takes_the_algorithm_from_the_token_header(private_keys):
    key = private_keys["RSA"]
    source = KeySource.from_jwks({"keys": [public_jwk(key, "k1")]})

    assert inspect_token(sign(key, "PS384"), key_source=source).signature.status == "valid"


def test_a_key_whose_alg_differs_from_the_tokens_is_a_definite_mismatch(private_keys):
    key = private_keys["RSA"]
    source = KeySource.from_jwks({"keys": [public_jwk(key, "k1", alg="RS256")]})

    verdict = inspect_token(sign(key, "PS256"), key_source=source).signature

    assert verdict.status == "invalid"
    assert verdict.skipped[0].code == "alg"
    assert "key alg RS256 differs from the token's alg PS256" in verdict.reason


def test_a_key_of_the_wrong_type_for_the_kid_is_a_definite_mismatch(private_keys):
    source = KeySource.from_jwks({"keys": [public_jwk(private_keys["OKP"], "k1")]})

    verdict = inspect_token(sign(private_keys["P-256"], "ES256"), key_source=source).signature

    assert verdict.status == "invalid"
    assert verdict.skipped[0].code == "kty"
    assert "cannot verify ES256 (needs EC P-256)" in verdict.reason


def test_a_p384_key_is_not_tried_for_an_es256_token(private_keys):
    source = KeySource.from_jwks({"keys": [public_jwk(private_keys["P-384"])]})

    verdict = inspect_token(sign(private_keys["P-256"], "ES256", kid=None), key_source=source)

    assert verdict.signature.status == "unverified"
    assert verdict.signature.skipped[0].code == "kty"


def test_an_unknown_kid_leaves_the_token_unverified_and_names_the_kids_present(private_keys):
    source = KeySource.from_jwks({"keys": [public_jwk(private_keys["P-256"], "current")]})

    report = inspect_token(sign(private_keys["P-256"], "ES256", kid="retired"), key_source=source)

    assert report.signature.status == "unverified"
    assert "no key with kid 'retired'" in report.signature.reason
    assert "'current'" in report.signature.reason
    assert "kid-not-found" in report.warning_codes()
    assert report.signature.skipped[0].code == "kid"
    assert report.exit_code == 1


def test_a_token_without_kid_is_tried_against_every_compatible_key(private_keys):
    other = ec.generate_private_key(ec.SECP256R1())
    source = KeySource.from_jwks(
        {"keys": [public_jwk(other, "a"), public_jwk(private_keys["P-256"], "b")]}
    )

    report = inspect_token(sign(private_keys["P-256"], "ES256", kid=None), key_source=source)

    assert report.signature.status == "valid"
    assert report.signature.matched_key.kid == "b"
    assert report.signature.tried == 2
    assert "no-kid" in report.warning_codes()


def test_alg_none_is_never_valid_even_with_a_key_source(private_keys):
    vector = json.loads((DATA / "rfc7519-6-1-unsecured.json").read_text())
    source = KeySource.from_jwks({"keys": [public_jwk(private_keys["P-256"])]})

    report = inspect_token(vector["token"], key_source=source)

    assert report.signature.status == "invalid"
    assert report.signature.tried == 0
    assert "alg-none" in report.warning_codes()


@pytest.mark.parametrize("alg", ["none", "None", "NONE", "nOnE"])
def test_alg_none_is_invalid_even_without_a_key_source(alg):
    header = base64.urlsafe_b64encode(json.dumps({"alg": alg}).encode()).rstrip(b"=").decode()
    claims = base64.urlsafe_b64encode(b'{"sub":"x"}').rstrip(b"=").decode()

    report = inspect_token(f"{header}.{claims}.")

    assert report.signature.status == "invalid"
    assert not report.ok


def test_an_hs256_token_is_unverifiable_and_never_tried_with_a_public_key(private_keys):
    token = jwt.encode({"sub": "x", "exp": NOW + 60}, REVA_SECRET, algorithm="HS256")
    source = KeySource.from_jwks({"keys": [public_jwk(private_keys["P-256"], "k1")]})

    report = inspect_token(token, key_source=source)

    assert report.signature.status == "unverifiable"
    assert "cannot be verified from outside" in report.signature.reason
    assert report.signature.tried == 0
    assert "symmetric-alg" in report.warning_codes()
    assert report.exit_code == 1  # a key source was given and the signature does not hold


def test_an_hs256_token_without_a_key_source_passes_when_its_times_hold():
    token = jwt.encode({"sub": "x", "exp": NOW + 60}, REVA_SECRET, algorithm="HS256")

    report = inspect_token(token)

    assert report.signature.status == "unverifiable"
    assert report.exit_code == 0


def test_algorithm_confusion_with_the_public_key_as_hmac_secret_is_not_valid(private_keys):
    pem = (
        private_keys["RSA"]
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    header = {"alg": "HS256", "kid": "k1"}
    signing_input = ".".join(
        base64.urlsafe_b64encode(json.dumps(part).encode()).rstrip(b"=").decode()
        for part in (header, {"sub": "admin"})
    )
    mac = hmac.new(pem, signing_input.encode(), hashlib.sha256).digest()
    forged = f"{signing_input}.{base64.urlsafe_b64encode(mac).rstrip(b'=').decode()}"

    report = inspect_token(forged, key_source=KeySource.from_pem(pem))

    assert report.signature.status == "unverifiable"


def test_malformed_keys_in_a_jwks_are_skipped_each_with_a_reason():
    vector = json.loads((DATA / "rfc7515-a3-es256.json").read_text())
    source = KeySource.from_file(DATA / "malformed-jwks.json")

    report = inspect_token(vector["token"], key_source=source, now=1300819000)

    assert report.signature.status == "valid"
    assert report.signature.matched_key.kid == "good"
    reasons = {skip.key.index: (skip.code, skip.reason) for skip in report.signature.skipped}
    assert reasons[0] == ("malformed", "malformed: entry 0 is a str, not an object")
    assert reasons[1][0] == "malformed" and "'n'" in reasons[1][1]
    assert reasons[2][0] == "malformed" and "'y'" in reasons[2][1]
    assert reasons[3][0] == "malformed" and "private key material (d)" in reasons[3][1]
    assert reasons[4][0] == "malformed" and "symmetric" in reasons[4][1]
    assert reasons[5][0] == "malformed" and "X25519" in reasons[5][1]
    assert reasons[6][0] == "malformed" and "contradicts" in reasons[6][1]
    assert reasons[7] == ("use", "use is 'enc', not 'sig'")
    assert reasons[8][0] == "kty"
    assert "jwks-private-material" in report.warning_codes()


def test_private_members_never_reach_the_serialised_report():
    vector = json.loads((DATA / "rfc7515-a3-es256.json").read_text())
    source = KeySource.from_file(DATA / "malformed-jwks.json")

    data = json.dumps(inspect_token(vector["token"], key_source=source).to_dict())

    assert "jpsQnnGQmL" not in data  # the d of the leaked key
    assert "AyM1SysPpbyDfgZld3um" not in data  # the k of the oct key


def test_a_pem_key_verifies_a_token_whatever_its_kid(private_keys):
    pem = (
        private_keys["P-256"]
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )

    report = inspect_token(sign(private_keys["P-256"], "ES256"), key_source=KeySource.from_pem(pem))

    assert report.signature.status == "valid"
    assert report.signature.matched_key.thumbprint
    assert "kid-not-found" not in report.warning_codes()


def test_a_key_source_that_failed_leaves_the_token_unverified_with_its_reason(private_keys):
    source = KeySource.from_json_text("{not json")

    report = inspect_token(sign(private_keys["P-256"], "ES256"), key_source=source)

    assert report.signature.status == "unverified"
    assert "is not JSON" in report.signature.reason


def test_an_unsupported_algorithm_is_unverified_with_the_supported_ones_listed(private_keys):
    header = base64.urlsafe_b64encode(b'{"alg":"ES256K","kid":"k1"}').rstrip(b"=").decode()
    token = f"{header}.e30.c2ln"
    source = KeySource.from_jwks({"keys": [public_jwk(private_keys["P-256"], "k1")]})

    verdict = inspect_token(token, key_source=source).signature

    assert verdict.status == "unverified"
    assert "'ES256K' is not supported" in verdict.reason


def test_a_signature_of_the_wrong_length_is_invalid_not_an_error(private_keys):
    token = sign(private_keys["P-256"], "ES256").rsplit(".", 1)[0] + ".AAAA"
    source = KeySource.from_jwks({"keys": [public_jwk(private_keys["P-256"], "k1")]})

    assert inspect_token(token, key_source=source).signature.status == "invalid"


def test_keys_a_token_brings_along_are_never_fetched_but_flagged(private_keys):
    token = jwt.encode(
        {"sub": "x"},
        private_keys["P-256"],
        algorithm="ES256",
        headers={"kid": "k1", "jku": "https://attacker.example/jwks"},
    )

    report = inspect_token(token)

    assert report.signature.status == "unverified"
    assert "header-key-reference" in report.warning_codes()


def test_an_encrypted_token_is_unverifiable():
    header = base64.urlsafe_b64encode(b'{"alg":"dir","enc":"A128GCM"}').rstrip(b"=").decode()

    report = inspect_token(f"{header}..aXY.Y3Q.dGFn")

    assert report.signature.status == "unverifiable"
    assert "encrypted" in report.warning_codes()


def test_an_opaque_token_is_unverifiable_and_fails_only_when_keys_were_given(private_keys):
    source = KeySource.from_jwks({"keys": [public_jwk(private_keys["P-256"], "k1")]})

    assert inspect_token("Q29yZSBPQ00gdG9rZW4").exit_code == 0
    assert inspect_token("Q29yZSBPQ00gdG9rZW4", key_source=source).exit_code == 1


def test_selection_is_cached_per_alg_and_kid(private_keys):
    source = KeySource.from_jwks({"keys": [public_jwk(private_keys["P-256"], "k1")]})

    assert source.select("ES256", "k1") is source.select("ES256", "k1")
