"""Signing keys: generate, import, export as JWK/JWKS/PEM, and read other servers' public keys.

Two naming worlds meet here. JOSE (JWK ``alg``: ``EdDSA``, ``ES256``, ``RS256``, ``PS512``) names
algorithms for JWTs and JWKS; RFC 9421 (``ed25519``, ``ecdsa-p256-sha256``, ``rsa-v1_5-sha256``,
``rsa-pss-sha512``) names them for HTTP message signatures. OCM publishes keys as a JWKS and signs
requests with RFC 9421, and the spec gives no mapping table, so the mapping lives here.

Every parsing failure raises ``KeyLookupError`` with a one-line reason naming the member at fault.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from inspector.core.errors import KeyLookupError

log = logging.getLogger(__name__)

PublicKey = ed25519.Ed25519PublicKey | ec.EllipticCurvePublicKey | rsa.RSAPublicKey
PrivateKey = ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey

KEY_KINDS = ("ed25519", "p256", "p384", "rsa2048", "rsa4096", "rsa-pss")

# JOSE alg -> RFC 9421 algorithm name (IANA "HTTP Signature Algorithms"). JOSE algs missing here
# (RS512, PS256, ES512, HS256, ...) have no RFC 9421 counterpart.
JOSE_TO_HTTP_SIG = {
    "EdDSA": "ed25519",
    "Ed25519": "ed25519",
    "ES256": "ecdsa-p256-sha256",
    "ES384": "ecdsa-p384-sha384",
    "RS256": "rsa-v1_5-sha256",
    "PS512": "rsa-pss-sha512",
}
HTTP_SIG_ALGS = frozenset(JOSE_TO_HTTP_SIG.values())

# The members RFC 7638 hashes, per key type, in the lexicographic order it requires.
_THUMBPRINT_MEMBERS = {
    "EC": ("crv", "kty", "x", "y"),
    "RSA": ("e", "kty", "n"),
    "OKP": ("crv", "kty", "x"),
    "oct": ("k", "kty"),
}
_EC_CURVES: dict[str, tuple[type[ec.EllipticCurve], int]] = {
    "P-256": (ec.SECP256R1, 32),
    "P-384": (ec.SECP384R1, 48),
    "P-521": (ec.SECP521R1, 66),
}
_PRIVATE_MEMBERS = ("d", "p", "q", "dp", "dq", "qi", "oth", "k")
_BASE64URL = re.compile(r"^[A-Za-z0-9_-]*={0,2}$")
_MIN_RSA_BITS = 1024


def b64url_encode(data: bytes) -> str:
    """Base64url without padding, as JOSE writes binary members."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str, member: str = "value") -> bytes:
    """Decode base64url, tolerating missing or present padding; raise KeyLookupError otherwise."""
    if not isinstance(text, str):
        raise KeyLookupError(f"JWK member {member!r} must be a string, not {type(text).__name__}")
    if not _BASE64URL.match(text):
        raise KeyLookupError(
            f"JWK member {member!r} is not base64url (only A-Z a-z 0-9 - _ allowed)"
        )
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise KeyLookupError(f"JWK member {member!r} is not valid base64url: {exc}") from None


def _uint_bytes(value: int, length: int | None = None) -> bytes:
    size = length if length is not None else max(1, (value.bit_length() + 7) // 8)
    return value.to_bytes(size, "big")


@dataclass
class SigningKey:
    """A private key we sign with, its key id and its JOSE algorithm name."""

    kid: str
    alg: str
    private_key: PrivateKey = field(repr=False)

    @property
    def public_key(self) -> PublicKey:
        return self.private_key.public_key()

    @property
    def http_sig_alg(self) -> str:
        """The RFC 9421 algorithm name for this key; KeyLookupError if there is none."""
        return jose_to_http_sig_alg(self.alg)

    def public_jwk(self) -> dict[str, str]:
        """The public JWK (never private members), with kid, alg and use "sig"."""
        jwk = public_key_to_jwk(self.public_key)
        jwk.update({"kid": self.kid, "alg": self.alg, "use": "sig"})
        return jwk

    def public_pem(self) -> str:
        """The public key as PEM SubjectPublicKeyInfo (``BEGIN PUBLIC KEY``)."""
        return self.public_key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode("ascii")

    def private_pem(self) -> bytes:
        """The private key as unencrypted PKCS#8 PEM. Only the vault should ever call this."""
        return self.private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )


def generate_key(kind: str = "ed25519", kid: str = "key1") -> SigningKey:
    """A new key of ``kind`` (one of ``KEY_KINDS``) with its JOSE alg chosen to match."""
    if kind == "ed25519":
        return SigningKey(kid, "EdDSA", ed25519.Ed25519PrivateKey.generate())
    if kind == "p256":
        return SigningKey(kid, "ES256", ec.generate_private_key(ec.SECP256R1()))
    if kind == "p384":
        return SigningKey(kid, "ES384", ec.generate_private_key(ec.SECP384R1()))
    if kind in ("rsa2048", "rsa4096"):
        bits = 2048 if kind == "rsa2048" else 4096
        return SigningKey(kid, "RS256", rsa.generate_private_key(65537, bits))
    if kind == "rsa-pss":
        return SigningKey(kid, "PS512", rsa.generate_private_key(65537, 2048))
    raise KeyLookupError(f"unknown key kind {kind!r}; choose one of {', '.join(KEY_KINDS)}")


def load_private_key(pem: bytes | str, kid: str, alg: str | None = None) -> SigningKey:
    """A ``SigningKey`` from an unencrypted PEM private key (PKCS#8, PKCS#1 or SEC1).

    Without ``alg`` the JOSE algorithm is inferred from the key type (RSA keys get RS256). A given
    ``alg`` must fit the key type.
    """
    data = pem.encode("ascii", "replace") if isinstance(pem, str) else pem
    try:
        private_key = serialization.load_pem_private_key(data, password=None)
    except TypeError:
        raise KeyLookupError(
            f"private key for {kid!r} is encrypted; export it without a passphrase"
        ) from None
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise KeyLookupError(f"private key for {kid!r} is not a readable PEM key: {exc}") from None
    supported = ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey
    if not isinstance(private_key, supported):
        kind = type(private_key).__name__
        raise KeyLookupError(f"private key for {kid!r} is a {kind}; use Ed25519, EC or RSA")

    inferred = _jose_alg_for_key(private_key.public_key())
    if alg is None:
        alg = inferred
    elif not _alg_fits_key(alg, private_key.public_key()):
        raise KeyLookupError(f"alg {alg} does not fit the {describe_key(private_key)} for {kid!r}")
    return SigningKey(kid, alg, private_key)


def jwks(*keys: SigningKey | Mapping[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """A JWK Set of the public halves of ``keys`` (SigningKeys or already-public JWK dicts)."""
    members = []
    for key in keys:
        if isinstance(key, SigningKey):
            members.append(key.public_jwk())
        else:
            members.append({k: v for k, v in key.items() if k not in _PRIVATE_MEMBERS})
    return {"keys": members}


def public_key_to_jwk(key: PublicKey) -> dict[str, str]:
    """The kty/crv/x/y or kty/n/e members of a public key."""
    if isinstance(key, ed25519.Ed25519PublicKey):
        raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return {"kty": "OKP", "crv": "Ed25519", "x": b64url_encode(raw)}
    if isinstance(key, ec.EllipticCurvePublicKey):
        crv, size = _curve_name(key.curve)
        numbers = key.public_numbers()
        return {
            "kty": "EC",
            "crv": crv,
            "x": b64url_encode(_uint_bytes(numbers.x, size)),
            "y": b64url_encode(_uint_bytes(numbers.y, size)),
        }
    if isinstance(key, rsa.RSAPublicKey):
        numbers = key.public_numbers()
        return {
            "kty": "RSA",
            "n": b64url_encode(_uint_bytes(numbers.n)),
            "e": b64url_encode(_uint_bytes(numbers.e)),
        }
    raise KeyLookupError(f"cannot express a {type(key).__name__} as a JWK")


def public_key_from_jwk(jwk: Mapping[str, Any], *, require_sig_use: bool = True) -> PublicKey:
    """The public key a JWK describes.

    Raises ``KeyLookupError`` naming the problem: not an object, missing or non-base64url members,
    wrong lengths or curves, a point off the curve, symmetric keys, private members present, an
    ``alg`` that contradicts ``kty``/``crv``, or (with ``require_sig_use``) ``use`` other than sig.
    """
    if not isinstance(jwk, Mapping):
        raise KeyLookupError(f"JWK must be a JSON object, not {type(jwk).__name__}")
    label = f"JWK {jwk.get('kid')!r}" if jwk.get("kid") is not None else "JWK"
    kty = jwk.get("kty")
    if kty is None:
        raise KeyLookupError(f"{label} has no 'kty' member")
    if kty == "oct":
        raise KeyLookupError(f"{label} is a symmetric key (kty oct); it cannot verify signatures")
    private = [m for m in _PRIVATE_MEMBERS if m in jwk]
    if private:
        raise KeyLookupError(
            f"{label} contains private key material ({', '.join(private)}); a published key must "
            "be public only"
        )
    use = jwk.get("use")
    if require_sig_use and use is not None and use != "sig":
        raise KeyLookupError(f"{label} has use {use!r}, not 'sig'")

    try:
        key = _key_from_members(jwk, kty, label)
    except KeyLookupError:
        raise
    except ValueError as exc:
        raise KeyLookupError(f"{label} is not a valid {kty} key: {exc}") from None

    alg = jwk.get("alg")
    if alg is not None and not _alg_fits_key(alg, key):
        raise KeyLookupError(f"{label} has alg {alg!r}, which contradicts its {describe_key(key)}")
    return key


def _key_from_members(jwk: Mapping[str, Any], kty: Any, label: str) -> PublicKey:
    def member(name: str) -> bytes:
        if name not in jwk:
            raise KeyLookupError(f"{label} ({kty}) has no {name!r} member")
        return b64url_decode(jwk[name], name)

    if kty == "OKP":
        crv = jwk.get("crv")
        if crv != "Ed25519":
            hint = " (a key-agreement curve)" if crv in ("X25519", "X448") else ""
            raise KeyLookupError(f"{label} has OKP curve {crv!r}{hint}; only Ed25519 is supported")
        x = member("x")
        if len(x) != 32:
            raise KeyLookupError(f"{label} Ed25519 'x' is {len(x)} bytes, expected 32")
        return ed25519.Ed25519PublicKey.from_public_bytes(x)
    if kty == "EC":
        crv = jwk.get("crv")
        if not isinstance(crv, str) or crv not in _EC_CURVES:
            raise KeyLookupError(f"{label} has EC curve {crv!r}; expected P-256, P-384 or P-521")
        curve, size = _EC_CURVES[crv]
        x, y = member("x"), member("y")
        for name, value in (("x", x), ("y", y)):
            if len(value) != size:
                raise KeyLookupError(
                    f"{label} {crv} {name!r} is {len(value)} bytes, expected {size}"
                )
        numbers = ec.EllipticCurvePublicNumbers(
            int.from_bytes(x, "big"), int.from_bytes(y, "big"), curve()
        )
        try:
            return numbers.public_key()
        except ValueError:
            raise KeyLookupError(f"{label} point (x, y) is not on curve {crv}") from None
    if kty == "RSA":
        n, e = int.from_bytes(member("n"), "big"), int.from_bytes(member("e"), "big")
        if n.bit_length() < _MIN_RSA_BITS:
            raise KeyLookupError(f"{label} RSA modulus is only {n.bit_length()} bits")
        if e < 3 or e % 2 == 0:
            raise KeyLookupError(f"{label} RSA exponent {e} is not valid")
        return rsa.RSAPublicNumbers(e, n).public_key()
    raise KeyLookupError(f"{label} has unsupported kty {kty!r}; expected OKP, EC or RSA")


_PEM_BLOCK = re.compile(r"-----BEGIN ([A-Z0-9 ]+)-----(.*?)-----END \1-----", re.DOTALL)


def public_key_from_pem(text: str | bytes) -> PublicKey:
    """The public key in a PEM text: SPKI ``PUBLIC KEY``, PKCS#1 ``RSA PUBLIC KEY`` or a certificate.

    Tolerates what copying from JSON and web pages does to PEM: literal ``\\n`` sequences, lost line
    breaks, surrounding whitespace. A private key is refused rather than silently used.
    """
    if isinstance(text, bytes):
        text = text.decode("ascii", "replace")
    text = text.replace("\\r", "").replace("\\n", "\n")
    match = _PEM_BLOCK.search(text)
    if match is None:
        raise KeyLookupError("no PEM block found; expected -----BEGIN PUBLIC KEY----- ... -----END")
    kind, body = match.group(1), re.sub(r"\s+", "", match.group(2))
    if "PRIVATE" in kind:
        raise KeyLookupError(f"PEM holds a {kind.lower()}; give the public key instead")
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    pem = f"-----BEGIN {kind}-----\n" + "\n".join(lines) + f"\n-----END {kind}-----\n"

    try:
        if kind == "CERTIFICATE":
            key = x509.load_pem_x509_certificate(pem.encode("ascii")).public_key()
        elif kind in ("PUBLIC KEY", "RSA PUBLIC KEY"):
            key = serialization.load_pem_public_key(pem.encode("ascii"))
        else:
            raise KeyLookupError(f"PEM block is a {kind!r}; expected PUBLIC KEY or RSA PUBLIC KEY")
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise KeyLookupError(f"PEM {kind.lower()} cannot be read: {exc}") from None
    if not isinstance(key, ed25519.Ed25519PublicKey | ec.EllipticCurvePublicKey | rsa.RSAPublicKey):
        raise KeyLookupError(f"PEM key is a {type(key).__name__}; use Ed25519, EC or RSA")
    return key


@dataclass(frozen=True)
class AlgChoice:
    """An RFC 9421 algorithm picked for a key, where it came from, and any caveat."""

    alg: str
    source: str  # "alg" (explicit) or "kty/crv" (inferred from the key type)
    note: str | None = None

    def to_dict(self) -> dict[str, str | None]:
        return {"alg": self.alg, "source": self.source, "note": self.note}


def http_sig_alg_choice(jwk_or_alg: Mapping[str, Any] | str) -> AlgChoice:
    """Map a JOSE alg, an RFC 9421 name, or a JWK (``alg``, else kty/crv) to an RFC 9421 name.

    An RSA JWK without ``alg`` is ambiguous (RSASSA-PKCS1-v1_5 or PSS); it maps to rsa-v1_5-sha256
    and the returned ``note`` says so.
    """
    if isinstance(jwk_or_alg, str):
        return AlgChoice(_map_alg_name(jwk_or_alg), "alg")
    if not isinstance(jwk_or_alg, Mapping):
        raise KeyLookupError(f"expected a JWK or alg name, not {type(jwk_or_alg).__name__}")
    jwk = jwk_or_alg
    if jwk.get("alg") is not None:
        return AlgChoice(_map_alg_name(jwk["alg"]), "alg")

    kty, crv = jwk.get("kty"), jwk.get("crv")
    if kty == "OKP" and crv == "Ed25519":
        return AlgChoice("ed25519", "kty/crv")
    if kty == "EC" and crv == "P-256":
        return AlgChoice("ecdsa-p256-sha256", "kty/crv")
    if kty == "EC" and crv == "P-384":
        return AlgChoice("ecdsa-p384-sha384", "kty/crv")
    if kty == "RSA":
        note = "RSA JWK has no 'alg'; assuming rsa-v1_5-sha256 (it could also be rsa-pss-sha512)"
        return AlgChoice("rsa-v1_5-sha256", "kty/crv", note)
    raise KeyLookupError(
        f"JWK kty {kty!r} crv {crv!r} has no RFC 9421 algorithm; expected Ed25519, P-256, P-384 "
        "or RSA"
    )


def jose_to_http_sig_alg(jwk_or_alg: Mapping[str, Any] | str) -> str:
    """The RFC 9421 algorithm name for a JOSE alg or JWK (see ``http_sig_alg_choice``)."""
    choice = http_sig_alg_choice(jwk_or_alg)
    if choice.note:
        log.debug("%s", choice.note)
    return choice.alg


def _map_alg_name(alg: Any) -> str:
    if not isinstance(alg, str):
        raise KeyLookupError(f"alg must be a string, not {type(alg).__name__}")
    if alg in HTTP_SIG_ALGS:
        return alg
    if alg in JOSE_TO_HTTP_SIG:
        return JOSE_TO_HTTP_SIG[alg]
    if alg.upper().startswith("HS"):
        raise KeyLookupError(f"alg {alg} is symmetric (HMAC); OCM signatures must be asymmetric")
    raise KeyLookupError(
        f"alg {alg!r} has no RFC 9421 counterpart; use EdDSA, ES256, ES384, RS256 or PS512"
    )


def http_sig_algs_for_key(key: PublicKey) -> tuple[str, ...]:
    """Every RFC 9421 algorithm a public key of this type can verify."""
    if isinstance(key, ed25519.Ed25519PublicKey):
        return ("ed25519",)
    if isinstance(key, ec.EllipticCurvePublicKey):
        return {
            "secp256r1": ("ecdsa-p256-sha256",),
            "secp384r1": ("ecdsa-p384-sha384",),
        }.get(key.curve.name, ())
    if isinstance(key, rsa.RSAPublicKey):
        return ("rsa-v1_5-sha256", "rsa-pss-sha512")
    return ()


def thumbprint(jwk: Mapping[str, Any] | SigningKey) -> str:
    """The RFC 7638 JWK thumbprint: base64url SHA-256 of the required members, sorted, compact."""
    if isinstance(jwk, SigningKey):
        jwk = jwk.public_jwk()
    kty = jwk.get("kty")
    if not isinstance(kty, str) or kty not in _THUMBPRINT_MEMBERS:
        raise KeyLookupError(f"cannot take the thumbprint of a JWK with kty {kty!r}")
    missing = [m for m in _THUMBPRINT_MEMBERS[kty] if m not in jwk]
    if missing:
        raise KeyLookupError(f"JWK ({kty}) lacks {', '.join(missing)} needed for its thumbprint")
    required = {m: jwk[m] for m in _THUMBPRINT_MEMBERS[kty]}
    canonical = json.dumps(required, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return b64url_encode(hashlib.sha256(canonical.encode("utf-8")).digest())


def _curve_name(curve: ec.EllipticCurve) -> tuple[str, int]:
    for name, (curve_type, size) in _EC_CURVES.items():
        if isinstance(curve, curve_type):
            return name, size
    raise KeyLookupError(f"EC curve {curve.name} is not supported; use P-256, P-384 or P-521")


def _jose_alg_for_key(key: PublicKey) -> str:
    if isinstance(key, ed25519.Ed25519PublicKey):
        return "EdDSA"
    if isinstance(key, ec.EllipticCurvePublicKey):
        return {"P-256": "ES256", "P-384": "ES384", "P-521": "ES512"}[_curve_name(key.curve)[0]]
    return "RS256"


def _alg_fits_key(alg: str, key: PublicKey) -> bool:
    """Whether a JOSE or RFC 9421 alg name can be used with this key type."""
    if isinstance(key, ed25519.Ed25519PublicKey):
        return alg in ("EdDSA", "Ed25519", "ed25519")
    if isinstance(key, ec.EllipticCurvePublicKey):
        crv = _curve_name(key.curve)[0]
        fits = {
            "P-256": ("ES256", "ecdsa-p256-sha256"),
            "P-384": ("ES384", "ecdsa-p384-sha384"),
            "P-521": ("ES512",),
        }
        return alg in fits[crv]
    if isinstance(key, rsa.RSAPublicKey):
        return alg in ("rsa-v1_5-sha256", "rsa-pss-sha512") or (
            isinstance(alg, str) and alg[:2] in ("RS", "PS") and alg[2:] in ("256", "384", "512")
        )
    return False


def describe_key(key: PublicKey | PrivateKey) -> str:
    """A short human description: "Ed25519 key", "EC P-256 key", "RSA 2048-bit key"."""
    if isinstance(key, ed25519.Ed25519PublicKey | ed25519.Ed25519PrivateKey):
        return "Ed25519 key"
    if isinstance(key, ec.EllipticCurvePublicKey | ec.EllipticCurvePrivateKey):
        return f"EC {_curve_name(key.curve)[0]} key"
    if isinstance(key, rsa.RSAPublicKey | rsa.RSAPrivateKey):
        return f"RSA {key.key_size}-bit key"
    return type(key).__name__
