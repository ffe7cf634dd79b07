"""Signing keys: generation, JWK/PEM export and import, algorithm mapping, RFC 7638 thumbprints."""

from __future__ import annotations

import contextlib
import datetime
import json

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa
from cryptography.x509.oid import NameOID
from hypothesis import given, settings
from hypothesis import strategies as st

from inspector.core.errors import KeyLookupError
from inspector.core.keys import (
    KEY_KINDS,
    SigningKey,
    b64url_encode,
    generate_key,
    http_sig_alg_choice,
    jose_to_http_sig_alg,
    jwks,
    load_private_key,
    public_key_from_jwk,
    public_key_from_pem,
    public_key_to_jwk,
    thumbprint,
)

# RFC 7638 §3.1: the RSA key of RFC 7517 Appendix A.1 and its published thumbprint.
RFC7638_JWK = {
    "kty": "RSA",
    "n": (
        "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECP"
        "ebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2Qvz"
        "qY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6We"
        "Zu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"
    ),
    "e": "AQAB",
    "alg": "RS256",
    "kid": "2011-04-29",
}
RFC7638_THUMBPRINT = "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"

# RFC 8037 Appendix A.2/A.3: the Ed25519 public key and its thumbprint (also the OCM spec's example x).
RFC8037_JWK = {"kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}
RFC8037_THUMBPRINT = "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"

EXPECTED = {
    # kind: (JOSE alg, RFC 9421 alg, kty, crv)
    "ed25519": ("EdDSA", "ed25519", "OKP", "Ed25519"),
    "p256": ("ES256", "ecdsa-p256-sha256", "EC", "P-256"),
    "p384": ("ES384", "ecdsa-p384-sha384", "EC", "P-384"),
    "rsa2048": ("RS256", "rsa-v1_5-sha256", "RSA", None),
    "rsa4096": ("RS256", "rsa-v1_5-sha256", "RSA", None),
    "rsa-pss": ("PS512", "rsa-pss-sha512", "RSA", None),
}


@pytest.fixture(scope="module")
def keys() -> dict[str, SigningKey]:
    """One key per kind; RSA generation is slow, so the module shares them."""
    return {kind: generate_key(kind, f"peer.example.org#{kind}") for kind in KEY_KINDS}


def _public_bytes(key) -> bytes:
    return key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


# --- generation and export ---------------------------------------------------------------------


@pytest.mark.parametrize("kind", KEY_KINDS)
def test_generated_key_has_the_algorithms_of_its_kind(keys, kind):
    jose_alg, http_alg, _, _ = EXPECTED[kind]
    assert keys[kind].alg == jose_alg
    assert keys[kind].http_sig_alg == http_alg
    assert keys[kind].kid == f"peer.example.org#{kind}"


@pytest.mark.parametrize("kind", KEY_KINDS)
def test_public_jwk_has_public_members_kid_alg_and_use_only(keys, kind):
    jose_alg, _, kty, crv = EXPECTED[kind]
    jwk = keys[kind].public_jwk()

    assert jwk["kty"] == kty
    assert jwk.get("crv") == crv
    assert (jwk["kid"], jwk["alg"], jwk["use"]) == (keys[kind].kid, jose_alg, "sig")
    assert not {"d", "p", "q", "dp", "dq", "qi", "k"} & jwk.keys()
    json.dumps(jwk)  # plain JSON, ready for a JWKS document


@pytest.mark.parametrize("kind", KEY_KINDS)
def test_public_jwk_reads_back_as_the_same_public_key(keys, kind):
    parsed = public_key_from_jwk(keys[kind].public_jwk())
    assert _public_bytes(parsed) == _public_bytes(keys[kind].public_key)


def test_ec_coordinates_keep_leading_zero_bytes():
    # About 1 key in 128 has an x or y below 2**248; its JWK must still carry all 32 bytes. Walk
    # private scalars 1, 2, 3, ... so that the test always finds such a key, and finds it quickly.
    for scalar in range(1, 5000):
        private_key = ec.derive_private_key(scalar, ec.SECP256R1())
        numbers = private_key.public_key().public_numbers()
        if min(numbers.x, numbers.y).bit_length() <= 248:
            break
    key = SigningKey("short", "ES256", private_key)

    jwk = key.public_jwk()
    assert len(jwk["x"]) == len(jwk["y"]) == 43
    assert _public_bytes(public_key_from_jwk(jwk)) == _public_bytes(key.public_key)


@pytest.mark.parametrize("kind", KEY_KINDS)
def test_public_pem_is_spki_and_reads_back(keys, kind):
    pem = keys[kind].public_pem()
    assert pem.startswith("-----BEGIN PUBLIC KEY-----\n")
    assert _public_bytes(public_key_from_pem(pem)) == _public_bytes(keys[kind].public_key)


@pytest.mark.parametrize("kind", KEY_KINDS)
def test_private_pem_is_pkcs8_and_loads_back_with_the_inferred_alg(keys, kind):
    pem = keys[kind].private_pem()
    assert pem.startswith(b"-----BEGIN PRIVATE KEY-----\n")

    loaded = load_private_key(pem, "again")
    assert loaded.kid == "again"
    assert _public_bytes(loaded.public_key) == _public_bytes(keys[kind].public_key)
    # RSA keys cannot tell PKCS#1 v1.5 from PSS use, so they load as RS256 unless told otherwise.
    assert loaded.alg == ("RS256" if EXPECTED[kind][2] == "RSA" else EXPECTED[kind][0])


def test_signing_key_repr_does_not_show_the_private_key(keys):
    assert "private" not in repr(keys["ed25519"])


def test_unknown_key_kind_is_refused_with_the_choices():
    with pytest.raises(KeyLookupError, match="ed25519, p256"):
        generate_key("dsa", "k")


def test_jwks_lists_the_public_jwk_of_every_key(keys):
    document = jwks(keys["ed25519"], keys["p256"])
    assert document == {"keys": [keys["ed25519"].public_jwk(), keys["p256"].public_jwk()]}


def test_jwks_strips_private_members_from_jwk_dicts():
    document = jwks({**RFC8037_JWK, "d": "secret"})
    assert document == {"keys": [RFC8037_JWK]}


def test_public_key_to_jwk_gives_only_key_members(keys):
    assert set(public_key_to_jwk(keys["p384"].public_key)) == {"kty", "crv", "x", "y"}
    assert set(public_key_to_jwk(keys["rsa2048"].public_key)) == {"kty", "n", "e"}


# --- loading private keys ----------------------------------------------------------------------


def test_load_private_key_accepts_an_alg_that_fits(keys):
    loaded = load_private_key(keys["rsa2048"].private_pem(), "k", alg="PS512")
    assert loaded.http_sig_alg == "rsa-pss-sha512"


def test_load_private_key_refuses_an_alg_that_does_not_fit(keys):
    with pytest.raises(KeyLookupError, match="alg ES256 does not fit the Ed25519 key"):
        load_private_key(keys["ed25519"].private_pem(), "k", alg="ES256")


def test_load_private_key_refuses_an_encrypted_pem(keys):
    encrypted = keys["ed25519"].private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"pass"),
    )
    with pytest.raises(KeyLookupError, match="encrypted"):
        load_private_key(encrypted, "k")


def test_load_private_key_refuses_garbage():
    with pytest.raises(KeyLookupError, match="not a readable PEM key"):
        load_private_key(b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", "k")


def test_load_private_key_refuses_unsupported_key_types():
    pem = ed448.Ed448PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    with pytest.raises(KeyLookupError, match="use Ed25519, EC or RSA"):
        load_private_key(pem, "k")


def test_http_sig_alg_of_a_key_without_rfc9421_counterpart_is_an_error(keys):
    key = load_private_key(keys["rsa2048"].private_pem(), "k", alg="RS512")
    with pytest.raises(KeyLookupError, match="no RFC 9421 counterpart"):
        _ = key.http_sig_alg


# --- reading public PEM ------------------------------------------------------------------------


def test_pkcs1_rsa_public_key_pem_is_accepted(keys):
    # The ocm-stub publishes its key in this form.
    pkcs1 = keys["rsa2048"].public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.PKCS1
    )
    assert pkcs1.startswith(b"-----BEGIN RSA PUBLIC KEY-----")
    parsed = public_key_from_pem(pkcs1)
    assert _public_bytes(parsed) == _public_bytes(keys["rsa2048"].public_key)


def test_pem_copied_out_of_json_with_literal_backslash_n_is_accepted(keys):
    escaped = keys["p256"].public_pem().replace("\n", "\\n")
    assert _public_bytes(public_key_from_pem(escaped)) == _public_bytes(keys["p256"].public_key)


def test_pem_that_lost_its_line_breaks_is_accepted(keys):
    flattened = keys["rsa2048"].public_pem().replace("\n", " ")
    parsed = public_key_from_pem(flattened)
    assert _public_bytes(parsed) == _public_bytes(keys["rsa2048"].public_key)


def test_certificate_pem_gives_its_public_key(keys):
    private_key = keys["p256"].private_key
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "peer.example.org")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(private_key.public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(private_key, hashes.SHA256())
    )
    pem = certificate.public_bytes(serialization.Encoding.PEM)
    assert _public_bytes(public_key_from_pem(pem)) == _public_bytes(keys["p256"].public_key)


def test_private_key_pem_is_refused_where_a_public_key_is_expected(keys):
    with pytest.raises(KeyLookupError, match="private key; give the public key"):
        public_key_from_pem(keys["ed25519"].private_pem())


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("hello", "no PEM block found"),
        ("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----", "cannot be read"),
        ("-----BEGIN DH PARAMETERS-----\nAAAA\n-----END DH PARAMETERS-----", "expected PUBLIC KEY"),
    ],
)
def test_unreadable_pem_is_refused_with_a_reason(text, reason):
    with pytest.raises(KeyLookupError, match=reason):
        public_key_from_pem(text)


# --- JOSE to RFC 9421 algorithm names ----------------------------------------------------------


@pytest.mark.parametrize(
    ("jose", "http"),
    [
        ("EdDSA", "ed25519"),
        ("ES256", "ecdsa-p256-sha256"),
        ("ES384", "ecdsa-p384-sha384"),
        ("RS256", "rsa-v1_5-sha256"),
        ("PS512", "rsa-pss-sha512"),
        ("ed25519", "ed25519"),  # already an RFC 9421 name
    ],
)
def test_jose_alg_maps_to_its_rfc9421_name(jose, http):
    assert jose_to_http_sig_alg(jose) == http


@pytest.mark.parametrize(
    ("jwk", "http"),
    [
        ({"kty": "OKP", "crv": "Ed25519"}, "ed25519"),
        ({"kty": "EC", "crv": "P-256"}, "ecdsa-p256-sha256"),
        ({"kty": "EC", "crv": "P-384"}, "ecdsa-p384-sha384"),
        ({"kty": "RSA", "alg": "PS512"}, "rsa-pss-sha512"),
    ],
)
def test_jwk_maps_to_an_rfc9421_name_by_alg_or_key_type(jwk, http):
    assert jose_to_http_sig_alg(jwk) == http


def test_rsa_jwk_without_alg_maps_to_v1_5_and_says_it_is_a_guess():
    choice = http_sig_alg_choice({"kty": "RSA", "n": "x", "e": "AQAB"})
    assert choice.alg == "rsa-v1_5-sha256"
    assert choice.source == "kty/crv"
    assert "rsa-pss-sha512" in choice.note


def test_jwk_alg_wins_over_key_type():
    assert http_sig_alg_choice({"kty": "RSA", "alg": "RS256"}).source == "alg"


@pytest.mark.parametrize(
    ("alg", "reason"),
    [
        ("HS256", "symmetric"),
        ("RS512", "no RFC 9421 counterpart"),
        ({"kty": "EC", "crv": "P-521"}, "no RFC 9421 algorithm"),
        ({"kty": "oct"}, "no RFC 9421 algorithm"),
    ],
)
def test_algorithms_without_rfc9421_counterpart_are_refused(alg, reason):
    with pytest.raises(KeyLookupError, match=reason):
        jose_to_http_sig_alg(alg)


# --- thumbprints -------------------------------------------------------------------------------


def test_thumbprint_matches_the_rfc7638_example():
    assert thumbprint(RFC7638_JWK) == RFC7638_THUMBPRINT


def test_thumbprint_matches_the_rfc8037_ed25519_example():
    assert thumbprint(RFC8037_JWK) == RFC8037_THUMBPRINT


def test_thumbprint_ignores_optional_members_and_member_order():
    reordered = dict(reversed(list(RFC7638_JWK.items())))
    assert thumbprint({**reordered, "use": "sig", "x5t": "abc"}) == RFC7638_THUMBPRINT


def test_thumbprint_of_a_signing_key_is_that_of_its_public_jwk(keys):
    assert thumbprint(keys["p256"]) == thumbprint(keys["p256"].public_jwk())


def test_thumbprint_needs_the_required_members():
    with pytest.raises(KeyLookupError, match="lacks y"):
        thumbprint({"kty": "EC", "crv": "P-256", "x": "AAAA"})


# --- malformed JWKs ----------------------------------------------------------------------------

_P256 = generate_key("p256", "p256")
_P256_JWK = _P256.public_jwk()
_OFF_CURVE = {**_P256_JWK, "y": b64url_encode(b"\x01" * 32)}
_SHORT_RSA = {"kty": "RSA", "n": b64url_encode(b"\xff" * 64), "e": "AQAB"}


@pytest.mark.parametrize(
    ("jwk", "reason"),
    [
        (["not", "an", "object"], "must be a JSON object"),
        ({"crv": "Ed25519", "x": RFC8037_JWK["x"]}, "no 'kty' member"),
        ({"kty": "oct", "k": "c2VjcmV0"}, "symmetric key"),
        (
            {**RFC8037_JWK, "d": "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"},
            "private key material",
        ),
        ({**RFC8037_JWK, "use": "enc"}, "use 'enc', not 'sig'"),
        ({"kty": "OKP", "crv": "X25519", "x": RFC8037_JWK["x"]}, "key-agreement curve"),
        ({"kty": "OKP", "crv": "Ed25519"}, "no 'x' member"),
        ({"kty": "OKP", "crv": "Ed25519", "x": "not base64!"}, "'x' is not base64url"),
        ({"kty": "OKP", "crv": "Ed25519", "x": 42}, "'x' must be a string"),
        ({"kty": "OKP", "crv": "Ed25519", "x": "AAAA"}, "3 bytes, expected 32"),
        ({**_P256_JWK, "crv": "secp256k1"}, "EC curve 'secp256k1'"),
        ({k: v for k, v in _P256_JWK.items() if k != "y"}, "no 'y' member"),
        (_OFF_CURVE, "not on curve P-256"),
        ({"kty": "RSA", "e": "AQAB"}, "no 'n' member"),
        (_SHORT_RSA, "only 512 bits"),
        ({**RFC7638_JWK, "e": "AAI"}, "exponent 2 is not valid"),
        ({**RFC8037_JWK, "alg": "ES256"}, "alg 'ES256', which contradicts its Ed25519 key"),
        ({**_P256_JWK, "alg": "ES384"}, "contradicts its EC P-256 key"),
        ({"kty": "DSA"}, "unsupported kty 'DSA'"),
    ],
)
def test_malformed_jwk_is_refused_with_a_reason(jwk, reason):
    with pytest.raises(KeyLookupError, match=reason):
        public_key_from_jwk(jwk)


def test_reason_names_the_kid_of_the_malformed_jwk():
    with pytest.raises(KeyLookupError, match="JWK 'peer#1'"):
        public_key_from_jwk({"kty": "OKP", "crv": "Ed25519", "kid": "peer#1"})


def test_use_enc_can_be_tolerated_on_request():
    key = public_key_from_jwk({**RFC8037_JWK, "use": "enc"}, require_sig_use=False)
    assert isinstance(key, ed25519.Ed25519PublicKey)


def test_rsa_jwk_from_the_rfc_reads_as_a_2048_bit_key():
    key = public_key_from_jwk(RFC7638_JWK)
    assert isinstance(key, rsa.RSAPublicKey) and key.key_size == 2048


_jwk_values = st.one_of(
    st.text(max_size=60),
    st.integers(),
    st.none(),
    st.sampled_from(["OKP", "EC", "RSA", "oct", "Ed25519", "P-256", "P-384", "AQAB", "sig"]),
    st.sampled_from([RFC8037_JWK["x"], _P256_JWK["x"], _P256_JWK["y"], RFC7638_JWK["n"]]),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)


_members = st.dictionaries(
    st.sampled_from(["kty", "crv", "x", "y", "n", "e", "alg", "use", "kid", "d"]), _jwk_values
)
# Half the examples get a real kty so that the per-type branches are reached.
_jwks = st.one_of(
    _members,
    st.tuples(st.sampled_from(["OKP", "EC", "RSA"]), _members).map(lambda t: {**t[1], "kty": t[0]}),
)


@settings(max_examples=400, deadline=None)
@given(_jwks)
def test_arbitrary_jwk_objects_give_a_key_or_a_key_lookup_error(jwk):
    try:
        key = public_key_from_jwk(jwk)
    except KeyLookupError as exc:
        assert "\n" not in str(exc)
    else:
        assert isinstance(
            key, ed25519.Ed25519PublicKey | ec.EllipticCurvePublicKey | rsa.RSAPublicKey
        )


@settings(max_examples=200, deadline=None)
@given(_jwks)
def test_arbitrary_jwk_objects_map_to_an_algorithm_or_a_key_lookup_error(jwk):
    with contextlib.suppress(KeyLookupError):
        assert jose_to_http_sig_alg(jwk) in {e[1] for e in EXPECTED.values()}


@settings(max_examples=200, deadline=None)
@given(_jwks)
def test_arbitrary_jwk_objects_have_a_thumbprint_or_a_key_lookup_error(jwk):
    with contextlib.suppress(KeyLookupError):
        assert len(thumbprint(jwk)) == 43
