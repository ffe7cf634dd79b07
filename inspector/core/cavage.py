"""Legacy draft-cavage-http-signatures-12 request signatures, as OCM 1.2 peers and Nextcloud use.

A ``Signature: keyId=...,algorithm=...,headers=...,signature=...`` header (or the same parameters in
``Authorization: Signature ...``) over ``name: value`` lines of the covered headers, with a
``Digest: SHA-256=<base64>`` of the body and a ``Date`` for freshness. Verification also accepts the
values-only signing string of the OCM 1.2 pseudo-code and the ocm-stub, with a warning.

Results are the same ``SignedRequest`` and ``Verification`` that ``inspector.core.httpsig`` gives
for RFC 9421, with ``scheme="draft-cavage"``. This module imports httpsig and never the reverse;
``httpsig.signature_scheme`` tells a cavage request from an RFC 9421 one.

Nothing here does network I/O: the caller resolves a ``keyId`` to a key.
"""

from __future__ import annotations

import base64
import binascii
import email.utils
import hashlib
import hmac
import re
import time
from collections.abc import Callable, Iterable, Mapping
from urllib.parse import urlsplit

from cryptography.exceptions import InvalidSignature as CryptoInvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa

from inspector.core.errors import InspectorError, KeyLookupError, SigningError

# The legacy scheme reuses httpsig's private header view, rejection and verdict, key normalisation
# and body coercion so that both schemes read requests and report failures the same way.
from inspector.core.httpsig import (
    KeyResolver,
    SignedRequest,
    Verification,
    _as_bytes,
    _cavage_header,
    _conclude,
    _Fields,
    _normalise_key,
    _Rejected,
)
from inspector.core.keys import PublicKey, SigningKey, describe_key

CAVAGE_REQUIRED_HEADERS = ("content-length", "date", "digest", "host")

_CAVAGE_ALGORITHMS = ("rsa-sha256", "rsa-sha512", "hs2019")


def sign_cavage(
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes,
    key: SigningKey,
    key_id: str,
    headers_list: Iterable[str] = ("(request-target)", "content-length", "date", "digest", "host"),
    algorithm: str = "rsa-sha256",
    *,
    now: float | None = None,
    digest_alg: str = "SHA-256",
) -> SignedRequest:
    """Sign a request the draft-cavage way (OCM 1.2, Nextcloud's classic signatures).

    Adds Date, ``Digest: SHA-256=<base64>`` (or SHA-512), Content-Length, Host when missing, and
    ``Signature: keyId=...,algorithm=...,headers=...,signature=...``. rsa-sha256/rsa-sha512 need an
    RSA key; hs2019 signs RSA keys with RSASSA-PSS SHA-512 and Ed25519 keys with Ed25519.
    """
    body = _as_bytes(body)
    method = method.upper()
    if algorithm not in _CAVAGE_ALGORITHMS:
        raise SigningError(f"cavage algorithm {algorithm!r} is not one of {_CAVAGE_ALGORITHMS}")
    hasher = {"SHA-256": hashlib.sha256, "SHA-512": hashlib.sha512}.get(digest_alg.upper())
    if hasher is None:
        raise SigningError(f"Digest algorithm {digest_alg!r} is not SHA-256 or SHA-512")

    replaced = {"date", "digest", "content-length", "signature"}
    out = {name: value for name, value in headers.items() if name.lower() not in replaced}
    out["Date"] = email.utils.formatdate(time.time() if now is None else now, usegmt=True)
    out["Digest"] = f"{digest_alg.upper()}={base64.b64encode(hasher(body).digest()).decode()}"
    out["Content-Length"] = str(len(body))
    if not any(name.lower() == "host" for name in out):
        out["Host"] = urlsplit(url).netloc

    names = [name.lower() for name in headers_list]
    if {"(created)", "(expires)"} & set(names):
        # LIMITATION: no OCM peer signs (created)/(expires); they cover Date instead.
        raise SigningError("draft-cavage (created) and (expires) are not supported when signing")
    lines = _cavage_lines(method, url, _Fields(out), names, {})
    if lines is None:
        missing = [n for n in names if not n.startswith("(") and n not in _Fields(out)]
        raise SigningError(f"cannot sign: header(s) {', '.join(missing)} are not in the request")
    signing_string = "\n".join(lines)
    signature = _cavage_sign(key, algorithm, signing_string.encode("utf-8"))

    header_list = " ".join(names)
    out["Signature"] = (
        f'keyId="{key_id}",algorithm="{algorithm}",headers="{header_list}",'
        f'signature="{base64.b64encode(signature).decode("ascii")}"'
    )
    return SignedRequest(
        headers=out,
        signature_base=signing_string,
        signature_input=header_list,
        signature=out["Signature"],
        label=None,
        keyid=key_id,
        alg=algorithm,
        scheme="draft-cavage",
    )


def verify_cavage(
    method: str,
    url: str,
    headers: Mapping[str, str] | Iterable[tuple[str, str]],
    body: bytes,
    resolve_key: KeyResolver,
    max_age: int | None = 300,
    *,
    max_future: int | None = 60,
    now: float | None = None,
    required_headers: Iterable[str] = CAVAGE_REQUIRED_HEADERS,
) -> Verification:
    """Verify a draft-cavage ``Signature`` header. Never raises for a bad request; see ``.reason``.

    Requires the covered headers to include content-length, date, digest and host; recomputes
    the Digest (every SHA-256/SHA-512 value must match) and Content-Length; refuses a Date older
    than ``max_age`` or more than ``max_future`` seconds ahead. Accepts rsa-sha256, rsa-sha512 and
    hs2019 (RSA: PSS SHA-512, or PKCS#1 v1.5 as some peers sign it; Ed25519). If the standard
    ``name: value`` signing string fails, the values-only string of the OCM 1.2 pseudo-code and
    the ocm-stub is tried, and a warning says so.
    """
    result = Verification(ok=False, scheme="draft-cavage")
    return _conclude(
        result,
        lambda: _verify_cavage(
            result,
            method=method.upper(),
            url=url,
            fields=_Fields(headers),
            body=_as_bytes(body),
            resolve_key=resolve_key,
            max_age=max_age,
            max_future=max_future,
            now=time.time() if now is None else now,
            required=tuple(h.lower() for h in required_headers),
        ),
    )


def _verify_cavage(
    result: Verification,
    *,
    method: str,
    url: str,
    fields: _Fields,
    body: bytes,
    resolve_key: KeyResolver,
    max_age: int | None,
    max_future: int | None,
    now: float,
    required: tuple[str, ...],
) -> None:
    raw = _cavage_header(fields)
    if raw is None:
        if fields.get("signature-input") is not None:
            raise _Rejected(
                "rfc9421-only", "request carries an RFC 9421 signature, not a draft-cavage one"
            )
        raise _Rejected("unsigned", "request is not signed")
    params = _parse_cavage_params(raw)
    for name in ("keyId", "signature"):
        if not params.get(name):
            raise _Rejected("missing-param", f"draft-cavage Signature has no {name}")
    algorithm = params.get("algorithm", "hs2019").lower()
    covered = params.get("headers", "date").lower().split()
    result.keyid, result.alg, result.components = params["keyId"], algorithm, tuple(covered)
    if params.get("created", "").isdigit():
        result.created = int(params["created"])

    missing = [name for name in required if name not in covered]
    if missing:
        raise _Rejected(
            "missing-component",
            f"draft-cavage signature does not cover {', '.join(missing)} (it covers "
            f"{' '.join(covered)})",
        )
    lines = _cavage_lines(method, url, fields, covered, params)
    if lines is None:
        absent = [n for n in covered if not n.startswith("(") and n not in fields]
        raise _Rejected("component-error", f"covered header(s) {', '.join(absent)} are missing")
    result.signature_base = "\n".join(lines)

    _check_cavage_date(fields, max_age=max_age, max_future=max_future, now=now)
    if result.created is not None:
        _check_age("created", now - result.created, max_age=max_age, max_future=max_future)
    _check_legacy_digest(fields.get("digest"), body)
    length = fields.get("content-length")
    if length is not None and length.strip() != str(len(body)):
        raise _Rejected(
            "length-mismatch",
            f"Content-Length says {length.strip()} but the body has {len(body)} bytes",
        )
    if algorithm.startswith("hmac") or re.match(r"^hs\d{3}$", algorithm):
        raise _Rejected("alg-refused", f"algorithm {algorithm} is symmetric; it is not accepted")
    if algorithm not in _CAVAGE_ALGORITHMS:
        raise _Rejected(
            "alg-unsupported",
            f"draft-cavage algorithm {algorithm!r} is not rsa-sha256, rsa-sha512 or hs2019",
        )

    try:
        signature = base64.b64decode(params["signature"], validate=True)
    except (binascii.Error, ValueError):
        raise _Rejected("malformed", "draft-cavage signature is not valid base64") from None
    keyid = result.keyid
    try:
        found = resolve_key(keyid)
        if found is None:
            raise KeyLookupError("the resolver found nothing")
        public_key = _normalise_key(found, keyid).public_key
    except InspectorError as exc:
        raise _Rejected("no-key", f"no usable key for keyId {keyid!r}: {exc}") from None
    result.key = describe_key(public_key)

    candidates = [("name: value lines", result.signature_base)]
    values_only = "\n".join(line.split(": ", 1)[1] for line in lines)
    candidates.append(("values only", values_only))
    for variant, signing_string in candidates:
        scheme = _cavage_verify(public_key, algorithm, signature, signing_string.encode("utf-8"))
        if scheme is not None:
            if variant == "values only":
                result.signature_base = values_only
                result.warnings.append(
                    "signature is over header values only (OCM 1.2 pseudo-code / ocm-stub style), "
                    "not draft-cavage 'name: value' lines"
                )
            if scheme not in (_CAVAGE_DEFAULT_SCHEME.get(algorithm), "Ed25519"):
                result.warnings.append(f"{algorithm} verified as {scheme}")
            return
    raise _Rejected(
        "bad-signature",
        f"draft-cavage signature does not verify with the {result.key} for keyId {keyid!r} "
        f"({algorithm}); compare the signing string",
    )


_CAVAGE_DEFAULT_SCHEME = {
    "rsa-sha256": "RSASSA-PKCS1-v1_5 SHA-256",
    "rsa-sha512": "RSASSA-PKCS1-v1_5 SHA-512",
    "hs2019": "RSASSA-PSS SHA-512",
}


def _parse_cavage_params(raw: str) -> dict[str, str]:
    params: dict[str, str] = {}
    for match in re.finditer(r'\s*([A-Za-z]+)\s*=\s*(?:"([^"]*)"|([^,\s]*))\s*(?:,|$)', raw):
        name = match.group(1)
        value = match.group(2) if match.group(2) is not None else match.group(3)
        if name in params:
            raise _Rejected("malformed", f"draft-cavage Signature repeats {name}")
        params[name] = value
    return params


def _cavage_lines(
    method: str, url: str, fields: _Fields, names: list[str], params: Mapping[str, str]
) -> list[str] | None:
    """The ``name: value`` lines of a cavage signing string, or None when a header is missing."""
    parts = urlsplit(url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    lines = []
    for name in names:
        if name == "(request-target)":
            value = f"{method.lower()} {target}"
        elif name in ("(created)", "(expires)"):
            value = params.get(name.strip("()"))
            if value is None:
                return None
        else:
            value = fields.get(name)
            if value is None:
                return None
        lines.append(f"{name}: {value}")
    return lines


def _check_cavage_date(
    fields: _Fields, *, max_age: int | None, max_future: int | None, now: float
) -> None:
    date = fields.get("date")
    if date is None:
        raise _Rejected("component-error", "Date header is missing")
    try:
        sent = email.utils.parsedate_to_datetime(date).timestamp()
    except (TypeError, ValueError, IndexError, OverflowError):
        raise _Rejected("malformed", f"Date header {date!r} is not an HTTP date") from None
    _check_age("Date", now - sent, max_age=max_age, max_future=max_future)


def _check_age(what: str, age: float, *, max_age: int | None, max_future: int | None) -> None:
    if max_age is not None and age > max_age:
        raise _Rejected("stale", f"{what} is {int(age)} s old, more than the {max_age} s allowed")
    if max_future is not None and -age > max_future:
        raise _Rejected(
            "future",
            f"{what} is {int(-age)} s in the future, more than the {max_future} s allowed (check "
            "the sender's clock)",
        )


def _check_legacy_digest(header: str | None, body: bytes) -> None:
    if header is None:
        raise _Rejected("component-error", "Digest header is missing")
    checked = []
    for part in header.split(","):
        name, sep, value = part.strip().partition("=")
        hasher = {"SHA-256": hashlib.sha256, "SHA-512": hashlib.sha512}.get(name.upper())
        if not sep or hasher is None:
            continue
        expected = base64.b64encode(hasher(body).digest()).decode("ascii")
        if not hmac.compare_digest(value.strip(), expected):
            raise _Rejected(
                "digest-mismatch",
                f"Digest {name.upper()} does not match the body ({len(body)} bytes): got "
                f"{value.strip()}, body hashes to {expected}",
            )
        checked.append(name)
    if not checked:
        raise _Rejected(
            "digest-mismatch", f"Digest has no SHA-256 or SHA-512 value: {header[:80]!r}"
        )


def _cavage_sign(key: SigningKey, algorithm: str, data: bytes) -> bytes:
    private_key = key.private_key
    if isinstance(private_key, rsa.RSAPrivateKey):
        if algorithm == "hs2019":
            return private_key.sign(data, _pss_sha512(), hashes.SHA512())
        digest = hashes.SHA256() if algorithm == "rsa-sha256" else hashes.SHA512()
        return private_key.sign(data, padding.PKCS1v15(), digest)
    if isinstance(private_key, ed25519.Ed25519PrivateKey) and algorithm == "hs2019":
        return private_key.sign(data)
    raise KeyLookupError(f"cavage {algorithm} cannot sign with the {describe_key(private_key)}")


def _cavage_verify(key: PublicKey, algorithm: str, signature: bytes, data: bytes) -> str | None:
    """The scheme that verified the signature, or None."""
    attempts: list[tuple[str, Callable[[], None]]] = []
    if isinstance(key, rsa.RSAPublicKey):

        def pkcs1(digest: hashes.HashAlgorithm) -> Callable[[], None]:
            return lambda: key.verify(signature, data, padding.PKCS1v15(), digest)

        pss = (
            "RSASSA-PSS SHA-512",
            lambda: key.verify(signature, data, _pss_sha512(any_salt=True), hashes.SHA512()),
        )
        if algorithm == "rsa-sha256":
            attempts.append(("RSASSA-PKCS1-v1_5 SHA-256", pkcs1(hashes.SHA256())))
        elif algorithm == "rsa-sha512":
            attempts.append(("RSASSA-PKCS1-v1_5 SHA-512", pkcs1(hashes.SHA512())))
        else:
            # hs2019 leaves the RSA scheme to key metadata; peers differ, so try the common ones.
            attempts.append(pss)
            attempts.append(("RSASSA-PKCS1-v1_5 SHA-256", pkcs1(hashes.SHA256())))
            attempts.append(("RSASSA-PKCS1-v1_5 SHA-512", pkcs1(hashes.SHA512())))
    elif isinstance(key, ed25519.Ed25519PublicKey) and algorithm == "hs2019":
        attempts.append(("Ed25519", lambda: key.verify(signature, data)))
    else:
        raise _Rejected("alg-mismatch", f"cavage {algorithm} does not fit the {describe_key(key)}")
    for name, attempt in attempts:
        try:
            attempt()
        except CryptoInvalidSignature:
            continue
        return name
    return None


def _pss_sha512(*, any_salt: bool = False) -> padding.PSS:
    # Signing uses the digest length, as RFC 9421 does for rsa-pss-sha512; verifying accepts any
    # salt length because draft-cavage never fixed one and peers differ.
    salt_length = padding.PSS.AUTO if any_salt else 64
    return padding.PSS(mgf=padding.MGF1(hashes.SHA512()), salt_length=salt_length)
