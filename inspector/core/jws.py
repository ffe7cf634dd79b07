"""JWS and JWE compact serialisation: take a token apart untrusted, then judge its signature.

``decode_token`` splits a pasted token into its segments and decodes header and claims without
checking anything; it tells a JWT from a JWE and from an opaque token, and refuses what cannot be
a token with a one-line reason naming the segment at fault.

``verify_signature`` gives one of four verdicts: ``valid``; ``invalid`` (a key that should verify
it does not, or the token is unsigned); ``unverified`` (no key to try: none given, kid not found,
source unreachable); ``unverifiable`` (nobody outside the issuer can check it: HMAC, encrypted,
opaque). Verification uses PyJWT's algorithm objects over keys parsed once per ``KeySource``.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass, field
from typing import Any

from jwt.algorithms import get_default_algorithms

from inspector.core.errors import TokenError
from inspector.core.jwks import ALG_KEY_TYPES, JwkInfo, KeySource, SkippedKey
from inspector.core.secret import Secret

MAX_TOKEN_BYTES = 64 * 1024
OPAQUE_NOTE = (
    "Core OCM treats access tokens as opaque strings: a receiver must not depend on their "
    "contents, even when an implementation happens to issue JWTs."
)

HMAC_ALGS = frozenset({"HS256", "HS384", "HS512"})

_TOKEN_CHARS = re.compile(r"[A-Za-z0-9._~+/=-]*")
_BASE64URL = re.compile(r"[A-Za-z0-9_-]*")
_BEARER = re.compile(r"(?:authorization\s*:\s*)?bearer\s+", re.IGNORECASE)
# PyJWT's algorithm objects, built once; only the asymmetric ones are ever used to verify.
_ALGORITHMS = {name: alg for name, alg in get_default_algorithms().items() if name in ALG_KEY_TYPES}
# RFC 9864's fully-specified name for EdDSA over Ed25519; PyJWT knows it only as EdDSA.
_ALGORITHMS.setdefault("Ed25519", _ALGORITHMS["EdDSA"])


# -- decoding ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Segment:
    """One dot-separated part of a token, as offsets into ``DecodedToken.text``."""

    name: str
    start: int
    end: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "start": self.start,
            "end": self.end,
            "length": self.end - self.start,
        }


@dataclass
class DecodedToken:
    """A token taken apart, nothing trusted yet.

    ``kind`` is "jwt" (a JWS whose payload is a JSON object), "jws" (a JWS with another payload),
    "jwe" (encrypted; only the header is readable) or "opaque". ``text`` is the token without
    whitespace or "Bearer ", kept as a ``Secret`` because it is a credential; ``input_offset``
    is where it starts in what was pasted, so a view can colour the segments in place.
    """

    kind: str
    text: Secret
    segments: list[Segment]
    header: dict[str, Any] | None = None
    claims: dict[str, Any] | None = None
    payload: bytes = field(default=b"", repr=False)
    # Kept out of reprs: with header and payload, the signature rebuilds the bearer credential.
    signature: bytes = field(default=b"", repr=False)
    signing_input: bytes = field(default=b"", repr=False)
    duplicates: list[str] = field(default_factory=list)
    input_offset: int = 0

    @property
    def alg(self) -> str | None:
        value = (self.header or {}).get("alg")
        return value if isinstance(value, str) else None

    @property
    def kid(self) -> str | None:
        value = (self.header or {}).get("kid")
        return value if isinstance(value, str) else None

    @property
    def size(self) -> int:
        return len(self.text.reveal())

    @property
    def note(self) -> str:
        if self.kind == "opaque":
            return "An opaque token: nothing to decode. " + OPAQUE_NOTE
        if self.kind == "jwe":
            return "An encrypted JWT (JWE): only its recipient can read the claims. " + OPAQUE_NOTE
        return OPAQUE_NOTE

    def to_dict(self) -> dict[str, Any]:
        # The raw text and signature are left out: together with header and claims they would
        # rebuild a working bearer credential.
        data: dict[str, Any] = {
            "kind": self.kind,
            "note": self.note,
            "size": self.size,
            "input_offset": self.input_offset,
            "segments": [segment.to_dict() for segment in self.segments],
            "signature_length": len(self.signature),
            "duplicate_members": self.duplicates,
        }
        if self.kind == "jws":
            data["payload_text"] = self.payload.decode("utf-8", errors="replace")
        return data


def decode_token(text: str | bytes) -> DecodedToken:
    """Take a token apart without verifying anything.

    Leading/trailing whitespace and a "Bearer " (or "Authorization: Bearer ") prefix are
    removed. Raises ``TokenError`` with a one-line reason naming the segment at fault, and for
    tokens over 64 KiB.
    """
    token, offset = _normalise(text)
    if "." not in token:
        return DecodedToken(
            "opaque", Secret(token), [Segment("token", 0, len(token))], input_offset=offset
        )

    parts = token.split(".")
    segments = _segments(parts)
    duplicates: list[str] = []
    header = _decode_header(parts[0], len(parts), duplicates)
    if header is None:
        # Dots, but the first part is no JOSE header: an opaque token that happens to hold dots.
        return DecodedToken(
            "opaque", Secret(token), [Segment("token", 0, len(token))], input_offset=offset
        )
    if len(parts) == 5:
        if not isinstance(header.get("enc"), str):
            raise TokenError("The JWE header (segment 1 of 5) has no 'enc' member")
        for segment, part in zip(segments[1:], parts[1:], strict=True):
            _check_base64url(part, segment.name, 5)
        return DecodedToken(
            "jwe", Secret(token), segments, header, duplicates=duplicates, input_offset=offset
        )
    if len(parts) != 3:
        raise TokenError(
            f"The token has {len(parts)} dot-separated segments; a signed JWT has 3, an "
            "encrypted one 5"
        )

    if not isinstance(header.get("alg"), str):
        raise TokenError("The header (segment 1 of 3) has no 'alg' string naming the algorithm")
    if header.get("b64") is False:
        # RFC 7797: the payload travels as is, not base64url-encoded.
        payload = parts[1].encode("ascii")
    else:
        payload = _b64decode(parts[1], "payload (segment 2 of 3)")
    signature = _b64decode(parts[2], "signature (segment 3 of 3)")
    claims = _decode_claims(payload, duplicates)
    return DecodedToken(
        "jwt" if claims is not None else "jws",
        Secret(token),
        segments,
        header,
        claims,
        payload,
        signature,
        token[: segments[1].end].encode("ascii"),
        duplicates,
        offset,
    )


def _normalise(text: str | bytes) -> tuple[str, int]:
    if isinstance(text, bytes | bytearray):
        try:
            text = bytes(text).decode("utf-8")
        except UnicodeDecodeError:
            raise TokenError("The token is not UTF-8 text") from None
    if not isinstance(text, str):
        raise TokenError(f"A token must be text, not {type(text).__name__}")
    stripped = text.lstrip()
    offset = len(text) - len(stripped)
    match = _BEARER.match(stripped)
    if match:
        offset += match.end()
        stripped = stripped[match.end() :]
    token = stripped.rstrip()

    size = len(token) if token.isascii() else len(token.encode("utf-8", "surrogatepass"))
    if size > MAX_TOKEN_BYTES:
        raise TokenError(
            f"The token is {size:,} bytes; tokens over {MAX_TOKEN_BYTES // 1024} KiB are refused"
        )
    if not token:
        raise TokenError("The token is empty; paste the whole token, or '-' to read it from stdin")
    if _TOKEN_CHARS.fullmatch(token) is None:
        position = _TOKEN_CHARS.match(token).end()  # type: ignore[union-attr]
        char = token[position]
        what = "whitespace" if char.isspace() else repr(char)
        raise TokenError(
            f"The token contains {what} at position {position + 1}; a token is one line of "
            "base64url text"
        )
    return token, offset


def _segments(parts: list[str]) -> list[Segment]:
    if len(parts) == 3:
        names = ["header", "payload", "signature"]
    elif len(parts) == 5:
        names = ["header", "encrypted_key", "iv", "ciphertext", "tag"]
    else:
        names = [f"segment{index + 1}" for index in range(len(parts))]
    segments, start = [], 0
    for name, part in zip(names, parts, strict=True):
        segments.append(Segment(name, start, start + len(part)))
        start += len(part) + 1
    return segments


def _decode_header(part: str, count: int, duplicates: list[str]) -> dict[str, Any] | None:
    """The JOSE header; None when the first segment is no JSON object, so the token is opaque.

    A JOSE header is always a JSON object, so its segment decodes to text starting with '{'
    ("eyJ" in base64url). Dotted tokens whose first part is anything else are some other format.
    """
    where = f"header (segment 1 of {count})"
    try:
        raw = _b64decode(part.rstrip("="), where)
    except TokenError:
        return None
    if not raw.lstrip().startswith(b"{"):
        return None
    if part.endswith("="):
        _b64decode(part, where)  # raises, naming the padding
    return _loads(raw, "header", duplicates, where=f"The {where}")


def _decode_claims(payload: bytes, duplicates: list[str]) -> dict[str, Any] | None:
    if not payload.lstrip().startswith(b"{"):
        return None
    claims = _loads(payload, "payload", duplicates, where="The payload (segment 2 of 3)")
    return claims if isinstance(claims, dict) else None


def _b64decode(part: str, where: str) -> bytes:
    if _BASE64URL.fullmatch(part) is None:
        char = part[_BASE64URL.match(part).end()]  # type: ignore[union-attr]
        hint = " (padding is not allowed in a JWT)" if char == "=" else ""
        raise TokenError(f"The {where} is not base64url: it contains {char!r}{hint}")
    try:
        return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
    except (binascii.Error, ValueError):
        raise TokenError(f"The {where} is not valid base64url (its length is wrong)") from None


def _check_base64url(part: str, name: str, count: int) -> None:
    if _BASE64URL.fullmatch(part) is None or len(part) % 4 == 1:
        raise TokenError(f"The JWE {name} segment (of {count}) is not valid base64url")


def _loads(data: bytes, segment: str, duplicates: list[str], *, where: str | None = None) -> Any:
    try:
        value = _DECODER.decode(data.decode("utf-8"))
    except (ValueError, RecursionError) as exc:
        label = where or f"The {segment}"
        reason = "nested too deeply" if isinstance(exc, RecursionError) else _json_reason(exc)
        raise TokenError(f"{label} is not valid JSON: {reason}") from None
    if isinstance(value, _DuplicateMembers):
        duplicates.extend(f"{segment}.{name}" for name in value.duplicates)
        value = dict(value)
    return value


class _DuplicateMembers(dict):
    """A JSON object that named a member more than once; the last value won."""

    duplicates: list[str]


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) == len(pairs):
        return obj
    # RFC 7515 lets a parser keep the last duplicate, but parsers that keep the first exist, so
    # an attacker can show one alg or exp to one verifier and another to the next.
    # LIMITATION: only duplicates at the top level of the header and the claims are reported.
    marked = _DuplicateMembers(obj)
    seen: set[str] = set()
    marked.duplicates = []
    for name, _ in pairs:
        if name in seen:
            marked.duplicates.append(name)
        seen.add(name)
    return marked


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _finite_float(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise ValueError(f"{text} is out of range")
    return value


# One decoder for every token: building one per call costs more than the parse of a small header.
_DECODER = json.JSONDecoder(
    object_pairs_hook=_object, parse_constant=_reject_constant, parse_float=_finite_float
)


def _json_reason(exc: ValueError) -> str:
    if isinstance(exc, UnicodeDecodeError):
        return "it is not UTF-8"
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


@dataclass
class SignatureVerdict:
    """The signature's status, the key that matched and every key that was skipped, with why."""

    status: str  # "valid" | "invalid" | "unverified" | "unverifiable"
    alg: str | None
    kid: str | None
    reason: str | None = None
    key_source: str | None = None
    matched_key: JwkInfo | None = None
    skipped: list[SkippedKey] = field(default_factory=list)
    tried: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "alg": self.alg,
            "kid": self.kid,
            "key_source": self.key_source,
            "reason": self.reason,
            "matched_key": self.matched_key.to_dict() if self.matched_key else None,
            "skipped_keys": [skip.to_dict() for skip in self.skipped],
            "keys_tried": self.tried,
        }


# -- verification ------------------------------------------------------------------------------


def verify_signature(token: DecodedToken, key_source: KeySource | None) -> SignatureVerdict:
    """Judge the signature of ``token`` with the keys of ``key_source`` (None: no keys given).

    Never reports ``alg: none`` as valid and never verifies an HMAC token with a public key.
    """
    alg, kid = token.alg, token.kid
    label = key_source.label if key_source else None

    def verdict(status: str, reason: str | None, **found: Any) -> SignatureVerdict:
        return SignatureVerdict(status, alg, kid, reason, label, **found)

    if token.kind == "opaque":
        return verdict("unverifiable", "an opaque token can only be checked by its issuer")
    if token.kind == "jwe":
        return verdict("unverifiable", "an encrypted token (JWE) is opened by its recipient only")
    if alg is None or alg.lower() == "none":
        return verdict("invalid", "the token is unsigned (alg none), which is never acceptable")
    if alg in HMAC_ALGS:
        return verdict(
            "unverifiable",
            f"{alg} is keyed with a secret only the issuer holds (as reva does); it cannot be "
            "verified from outside",
        )
    if alg not in _ALGORITHMS:
        supported = ", ".join(sorted(_ALGORITHMS))
        return verdict("unverified", f"algorithm {alg!r} is not supported ({supported} are)")
    if key_source is None:
        return verdict("unverified", "no key source given (a JWKS URL or file, a PEM, a server)")
    if not key_source.keys:
        return verdict("unverified", (key_source.error or {}).get("message") or "no keys")

    selection = key_source.select(alg, kid)
    skipped = list(selection.skipped)
    if not selection.candidates:
        if selection.kid_conflict is not None:
            reason = f"the key with kid {kid!r} cannot verify it: {selection.kid_conflict.reason}"
            return verdict("invalid", reason, skipped=skipped)
        if kid is not None and not selection.kid_found:
            present = ", ".join(repr(k.kid) for k in key_source.keys if k.kid) or "none"
            reason = f"no key with kid {kid!r} in {label} (kids present: {present})"
        else:
            reason = f"no key in {label} can verify {alg} ({len(skipped)} skipped)"
        return verdict("unverified", reason, skipped=skipped)

    algorithm = _ALGORITHMS[alg]
    for tried, key in enumerate(selection.candidates, start=1):
        if _verifies(algorithm, key, token):
            return verdict("valid", None, matched_key=key, skipped=skipped, tried=tried)

    count = len(selection.candidates)
    which = f"key {selection.candidates[0].identity!r}" if count == 1 else f"any of {count} keys"
    reason = f"the signature does not verify with {which} from {label}"
    return verdict("invalid", reason, skipped=skipped, tried=count)


def _verifies(algorithm: Any, key: JwkInfo, token: DecodedToken) -> bool:
    if not token.signature:
        return False
    try:
        return bool(algorithm.verify(token.signing_input, key.public_key, token.signature))
    except (ValueError, TypeError):
        # A signature of the wrong shape for the key (e.g. bad DER conversion) is simply wrong.
        return False
