"""HTTP request signatures as OCM uses them: RFC 9421 and RFC 9530 Content-Digest.

Signing builds its signature base with ``http_message_signatures`` and signs with that library's
algorithm classes. Verification parses the headers with ``http_sf``, resolves component values with
the library's component resolver and verifies with its algorithm classes, but selects the signature
and checks its parameters here, because OCM needs things the library's verifier does not offer:
the signature base shown even when verification fails, ``tag="ocm"`` with a fallback to the early
label ``ocm`` and a report of which rule matched, freshness against a caller's clock, ``alg`` taken
from a JWK, and one precise reason per failure.

The legacy draft-cavage scheme lives in ``inspector.core.cavage``, which builds on the results and
private helpers here. ``signature_scheme`` tells the two schemes apart, so this module recognises a
cavage header itself rather than importing that module (which imports this one).

Nothing here does network I/O: the caller resolves a ``keyid`` to a key.

LIMITATION: only request signatures are handled; OCM signs no responses, so response components
(``@status``, ``;req``) are left to the library and never exercised here.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import re
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import http_sf
from cryptography.exceptions import InvalidSignature as CryptoInvalidSignature
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from http_message_signatures import HTTPMessageSigner, HTTPSignatureComponentResolver
from http_message_signatures import algorithms as hms_algorithms
from http_message_signatures.exceptions import HTTPMessageSignaturesException
from http_sf.compat import Item
from http_sf.innerlist import ser_innerlist
from http_sf.item import ser_item

from inspector.core.errors import InspectorError, KeyLookupError, SignatureInvalid, SigningError
from inspector.core.keys import (
    AlgChoice,
    PublicKey,
    SigningKey,
    describe_key,
    http_sig_alg_choice,
    http_sig_algs_for_key,
    public_key_from_jwk,
    public_key_from_pem,
)

log = logging.getLogger(__name__)

OCM_TAG = "ocm"
OCM_LABEL = "ocm"
OCM_COMPONENTS = ("@method", "@target-uri", "content-digest", "content-length")

ALGORITHMS: dict[str, type[hms_algorithms.HTTPSignatureAlgorithm]] = {
    "ed25519": hms_algorithms.ED25519,
    "ecdsa-p256-sha256": hms_algorithms.ECDSA_P256_SHA256,
    "ecdsa-p384-sha384": hms_algorithms.ECDSA_P384_SHA384,
    "rsa-v1_5-sha256": hms_algorithms.RSA_V1_5_SHA256,
    "rsa-pss-sha512": hms_algorithms.RSA_PSS_SHA512,
}
# LIMITATION: RFC 9530 also registers insecure and less common digests; only these two are checked,
# and a Content-Digest with neither is refused.
_DIGESTS = {"sha-256": hashlib.sha256, "sha-512": hashlib.sha512}

# What a key-resolving callback may hand back for a keyid.
ResolvedKey = PublicKey | SigningKey | Mapping[str, Any] | str | bytes | None
KeyResolver = Callable[[str], ResolvedKey]


@dataclass
class SignedRequest:
    """A request ready to send: every header to put on the wire, and how the signature was made."""

    headers: dict[str, str]
    signature_base: str
    signature_input: str
    signature: str = ""
    label: str | None = None
    keyid: str = ""
    alg: str = ""
    scheme: str = "rfc9421"

    def to_dict(self) -> dict[str, Any]:
        return {
            "scheme": self.scheme,
            "label": self.label,
            "keyid": self.keyid,
            "alg": self.alg,
            "headers": dict(self.headers),
            "signature_input": self.signature_input,
            "signature": self.signature,
            "signature_base": self.signature_base,
        }


@dataclass
class Verification:
    """The verdict on a request's signature, with everything needed to explain it.

    ``reason`` is None exactly when ``ok``; ``code`` is a stable short name for the failure
    (``unsigned``, ``stale``, ``digest-mismatch``, ``bad-signature``, ...). ``signature_base`` is
    the base that was (or would have been) verified, so a user can compare it with the sender's.
    """

    ok: bool
    label: str | None = None
    keyid: str | None = None
    alg: str | None = None
    components: tuple[str, ...] = ()
    created: int | None = None
    matched_by: str | None = None
    signature_base: str | None = None
    reason: str | None = None
    code: str | None = None
    scheme: str = "rfc9421"
    tag: str | None = None
    expires: int | None = None
    key: str | None = None
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "scheme": self.scheme,
            "label": self.label,
            "tag": self.tag,
            "matched_by": self.matched_by,
            "keyid": self.keyid,
            "alg": self.alg,
            "key": self.key,
            "components": list(self.components),
            "created": self.created,
            "expires": self.expires,
            "signature_base": self.signature_base,
            "reason": self.reason,
            "code": self.code,
            "warnings": list(self.warnings),
        }


class _Rejected(Exception):
    """Internal: stops verification with a code and a one-line reason."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


class _Fields:
    """Read-only, case-insensitive view of request header fields, keeping repeated lines."""

    def __init__(self, headers: Mapping[str, str] | Iterable[tuple[str, str]]) -> None:
        pairs = headers.items() if hasattr(headers, "items") else headers
        self._lines = [(str(name), str(value)) for name, value in pairs]

    def items(self) -> list[tuple[str, str]]:
        return list(self._lines)

    def __iter__(self):
        return iter(dict.fromkeys(name for name, _ in self._lines))

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and any(n.lower() == name.lower() for n, _ in self._lines)

    def get(self, name: str) -> str | None:
        """All lines of a field joined with ", " (RFC 9110 §5.3), or None when absent."""
        values = [v.strip(" \t") for n, v in self._lines if n.lower() == name.lower()]
        return ", ".join(values) if values else None


@dataclass
class _Message:
    """The minimal request shape ``http_message_signatures`` resolves components from."""

    method: str
    url: str
    headers: Any


# --------------------------------------------------------------------------------------------
# Content-Digest (RFC 9530)


def content_digest(body: bytes, alg: str = "sha-256") -> str:
    """The Content-Digest field value for ``body``: ``sha-256=:<base64>:``."""
    if alg not in _DIGESTS:
        raise SigningError(f"unsupported digest algorithm {alg!r}; use sha-256 or sha-512")
    digest = _DIGESTS[alg](_as_bytes(body)).digest()
    return f"{alg}=:{base64.b64encode(digest).decode('ascii')}:"


def check_content_digest(header: str, body: bytes) -> None:
    """Check a Content-Digest field against ``body``; raise ``SignatureInvalid`` on any mismatch.

    Every recognised digest (sha-256, sha-512) must match; unknown algorithms are ignored, but at
    least one recognised digest is required.
    """
    body = _as_bytes(body)
    try:
        members = http_sf.parse(header.encode("latin-1"), tltype="dictionary")
    except (http_sf.StructuredFieldError, UnicodeEncodeError, ValueError):
        hint = ""
        if re.match(r"^\s*SHA-\d+=", header):
            hint = " (it looks like a legacy Digest value; Content-Digest is sha-256=:<base64>:)"
        raise SignatureInvalid(
            f"Content-Digest is not a structured-field dictionary{hint}: {header[:80]!r}"
        ) from None

    checked = []
    for alg, (value, _params) in members.items():
        if alg not in _DIGESTS:
            continue
        if not isinstance(value, bytes):
            raise SignatureInvalid(f"Content-Digest {alg} is not a byte sequence (:<base64>:)")
        expected = _DIGESTS[alg](body).digest()
        if not hmac.compare_digest(value, expected):
            raise SignatureInvalid(
                f"Content-Digest {alg} does not match the body ({len(body)} bytes): got "
                f"{base64.b64encode(value).decode()}, body hashes to "
                f"{base64.b64encode(expected).decode()}"
            )
        checked.append(alg)
    if not checked:
        found = ", ".join(members) or "nothing"
        raise SignatureInvalid(f"Content-Digest has no sha-256 or sha-512 digest (found {found})")


# --------------------------------------------------------------------------------------------
# RFC 9421 signing


def sign_request(
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes,
    key: SigningKey,
    *,
    label: str = OCM_LABEL,
    tag: str | None = OCM_TAG,
    components: Iterable[str] = OCM_COMPONENTS,
    created: int | None = None,
    include_alg: bool = True,
    keyid: str | None = None,
    expires: int | None = None,
    digest_alg: str = "sha-256",
) -> SignedRequest:
    """Sign a request with RFC 9421 the way OCM expects.

    Returns the input headers plus Content-Digest and Content-Length (always recomputed from
    ``body``, replacing any given), Signature-Input and Signature, together with the exact
    signature base. ``keyid`` defaults to ``key.kid``. Raises ``SigningError`` for an unusable
    URL, component or label and ``KeyLookupError`` for a key without an RFC 9421 algorithm.
    """
    body = _as_bytes(body)
    method = method.upper()
    alg = key.http_sig_alg
    algorithm = ALGORITHMS[alg]
    keyid = key.kid if keyid is None else keyid
    created = int(time.time()) if created is None else int(created)

    replaced = {"content-digest", "content-length", "signature", "signature-input"}
    out = {name: value for name, value in headers.items() if name.lower() not in replaced}
    out["Content-Digest"] = content_digest(body, digest_alg)
    out["Content-Length"] = str(len(body))

    signer = HTTPMessageSigner(signature_algorithm=algorithm)
    message = _Message(method, url, out)
    try:
        prepared = signer.prepare(
            message,
            key_id=keyid,
            created=datetime.fromtimestamp(created, UTC),
            expires=datetime.fromtimestamp(expires, UTC) if expires is not None else None,
            label=label,
            tag=tag,
            include_alg=include_alg,
            covered_component_ids=tuple(components),
            use_existing_digest=True,
        )
    except HTTPMessageSignaturesException as exc:
        raise SigningError(f"cannot sign {method} {url}: {exc}") from None
    signature = algorithm(private_key=key.private_key).sign(prepared.signature_base)

    signature_input = f"{label}={prepared.signature_params}"
    signature_header = f"{label}=:{base64.b64encode(signature).decode('ascii')}:"
    out["Signature-Input"] = signature_input
    out["Signature"] = signature_header
    log.debug("signed %s %s with keyid %s (%s)", method, url, keyid, alg)
    return SignedRequest(
        headers=out,
        signature_base=prepared.signature_base.decode("ascii"),
        signature_input=signature_input,
        signature=signature_header,
        label=label,
        keyid=keyid,
        alg=alg,
    )


# --------------------------------------------------------------------------------------------
# RFC 9421 verification


def verify_request(
    method: str,
    url: str,
    headers: Mapping[str, str] | Iterable[tuple[str, str]],
    body: bytes,
    *,
    resolve_key: KeyResolver,
    required_components: Iterable[str] = OCM_COMPONENTS,
    max_age: int | None = 300,
    max_future: int | None = 60,
    now: float | None = None,
    tag: str = OCM_TAG,
    label: str = OCM_LABEL,
) -> Verification:
    """Verify the OCM signature of a request. Never raises for a bad request; see ``.reason``.

    Selection: the one signature whose parameters carry ``tag="ocm"`` (more than one is refused);
    failing that, an untagged signature with label ``ocm`` (early draft -05), reported as
    ``matched_by="label"``. Other signatures are ignored. The selected signature must have
    ``created`` within ``max_age`` seconds in the past and ``max_future`` in the future, a
    ``keyid``, an asymmetric ``alg`` agreeing with the key (taken from the key when absent), and
    cover ``required_components``; Content-Digest and Content-Length must match ``body``.

    ``url`` must be the URL the sender addressed. Behind a TLS-terminating proxy, rebuild it from
    the forwarded scheme and host, or every signature covering ``@target-uri`` fails.
    """
    result = Verification(ok=False)
    return _conclude(
        result,
        lambda: _verify_rfc9421(
            result,
            method=method.upper(),
            url=url,
            fields=_Fields(headers),
            body=_as_bytes(body),
            resolve_key=resolve_key,
            required=tuple(required_components),
            max_age=max_age,
            max_future=max_future,
            now=time.time() if now is None else now,
            tag=tag,
            label=label,
        ),
    )


def _conclude(result: Verification, verify: Callable[[], None]) -> Verification:
    """Run ``verify``, which fills ``result`` and raises ``_Rejected`` at the first failure.

    Both schemes end here, so ``reason`` and ``code`` are set exactly when ``ok`` is not.
    """
    try:
        verify()
    except _Rejected as rejected:
        result.reason, result.code = rejected.reason, rejected.code
        log.debug("%s signature rejected (%s): %s", result.scheme, rejected.code, rejected.reason)
        return result
    result.ok = True
    return result


def verify_request_or_raise(
    method: str,
    url: str,
    headers: Mapping[str, str] | Iterable[tuple[str, str]],
    body: bytes,
    **options: Any,
) -> Verification:
    """Like ``verify_request`` but raise ``SignatureInvalid(reason)`` when it fails.

    The exception carries the full ``Verification`` as its ``verification`` attribute.
    """
    verification = verify_request(method, url, headers, body, **options)
    if not verification.ok:
        error = SignatureInvalid(verification.reason or "signature invalid")
        error.verification = verification  # type: ignore[attr-defined]
        raise error
    return verification


def signature_scheme(headers: Mapping[str, str] | Iterable[tuple[str, str]]) -> str | None:
    """Which signature scheme a request carries: "rfc9421", "draft-cavage" or None (unsigned)."""
    fields = _Fields(headers)
    if fields.get("signature-input") is not None:
        return "rfc9421"
    if _cavage_header(fields) is not None:
        return "draft-cavage"
    if fields.get("signature") is not None:
        return "rfc9421"
    return None


def _cavage_header(fields: _Fields) -> str | None:
    """The draft-cavage parameters from ``Signature`` or ``Authorization: Signature ...``.

    Kept here, not in ``cavage``, because ``signature_scheme`` and the RFC 9421 verifier need it to
    name a cavage request, and ``cavage`` imports this module.
    """
    signature = fields.get("signature")
    if signature is not None and re.search(r'(^|,)\s*keyId\s*=\s*"', signature):
        return signature
    authorization = fields.get("authorization")
    if authorization is not None and authorization.lower().startswith("signature "):
        return authorization[len("signature ") :]
    return None


def _verify_rfc9421(
    result: Verification,
    *,
    method: str,
    url: str,
    fields: _Fields,
    body: bytes,
    resolve_key: KeyResolver,
    required: tuple[str, ...],
    max_age: int | None,
    max_future: int | None,
    now: float,
    tag: str,
    label: str,
) -> None:
    inputs, signatures = _parse_signature_fields(fields)
    chosen, matched_by = _select_signature(inputs, tag=tag, label=label)
    result.label, result.matched_by = chosen, matched_by
    ignored = [name for name in inputs if name != chosen]
    if ignored:
        result.warnings.append(f"ignored other signature(s): {', '.join(ignored)}")
    if matched_by == "label":
        result.warnings.append(
            f'signature found by its label "{label}" without tag="{tag}" (early draft -05 '
            f'style); current OCM identifies it by tag="{tag}"'
        )

    member = inputs[chosen]
    if not isinstance(member[0], list):
        raise _Rejected("malformed", f'Signature-Input "{chosen}" is not an inner list')
    covered, params = member
    signature = signatures.get(chosen)
    if signature is None:
        raise _Rejected("malformed", f'Signature has no member "{chosen}" for its Signature-Input')
    if not isinstance(signature[0], bytes):
        raise _Rejected("malformed", f'Signature "{chosen}" is not a byte sequence (:<base64>:)')

    _read_parameters(result, params)
    result.components = tuple(_component_name(item) for item in covered)
    result.signature_base = _signature_base(method, url, fields, covered, params)

    _check_times(result, max_age=max_age, max_future=max_future, now=now)
    alg_param = params.get("alg")
    if alg_param is not None:
        _check_alg_name(alg_param)
    _check_required_components(covered, required)
    _check_body(result, fields, body, covered)

    public_key, key_alg = _resolve_key(result, resolve_key, alg_param)
    result.alg = key_alg
    try:
        ALGORITHMS[key_alg](public_key=public_key).verify(
            signature[0], result.signature_base.encode()
        )
    except (CryptoInvalidSignature, HTTPMessageSignaturesException, ValueError):
        raise _Rejected(
            "bad-signature",
            f'signature "{chosen}" does not verify with key {result.keyid!r} ({key_alg}); the '
            "request differs from what was signed (compare the signature base) or another key "
            "signed it",
        ) from None


def _parse_signature_fields(fields: _Fields) -> tuple[dict[str, Any], dict[str, Any]]:
    signature_input = fields.get("signature-input")
    signature = fields.get("signature")
    if signature_input is None and signature is None:
        raise _Rejected("unsigned", "request is not signed")
    if signature_input is None:
        if _cavage_header(fields) is not None:
            raise _Rejected(
                "cavage-only",
                "request carries a draft-cavage Signature (keyId=...), not an RFC 9421 signature",
            )
        raise _Rejected("malformed", "Signature header present but Signature-Input is missing")
    if signature is None:
        raise _Rejected("malformed", "Signature-Input header present but Signature is missing")
    return (
        _parse_dictionary("Signature-Input", signature_input),
        _parse_dictionary("Signature", signature),
    )


def _parse_dictionary(name: str, value: str) -> dict[str, Any]:
    def refuse_duplicates(key: str, context: str) -> None:
        if context == "dictionary":
            raise _Rejected("malformed", f'{name} repeats the label "{key}"')

    try:
        parsed = http_sf.parse(
            value.encode("latin-1"), tltype="dictionary", on_duplicate_key=refuse_duplicates
        )
    except _Rejected:
        raise
    except (http_sf.StructuredFieldError, UnicodeEncodeError, ValueError) as exc:
        raise _Rejected(
            "malformed", f"{name} is not a structured-field dictionary: {exc}"
        ) from None
    if not parsed:
        raise _Rejected("malformed", f"{name} is empty")
    return parsed


def _select_signature(inputs: dict[str, Any], *, tag: str, label: str) -> tuple[str, str]:
    def tag_of(name: str) -> Any:
        member = inputs[name]
        return member[1].get("tag") if isinstance(member, tuple) else None

    tagged = [name for name in inputs if tag_of(name) == tag]
    if len(tagged) > 1:
        raise _Rejected(
            "ambiguous",
            f'{len(tagged)} signatures carry tag="{tag}" ({", ".join(tagged)}); exactly one is '
            "allowed",
        )
    if tagged:
        return tagged[0], "tag"
    if label in inputs:
        if tag_of(label) is not None:
            raise _Rejected(
                "no-ocm-signature",
                f'signature "{label}" carries tag="{tag_of(label)}", not tag="{tag}"',
            )
        return label, "label"
    raise _Rejected(
        "no-ocm-signature",
        f'no signature has tag="{tag}" or the label "{label}" (found: {", ".join(inputs)})',
    )


def _component_name(item: tuple[Any, Mapping[str, Any]]) -> str:
    """A covered component as people write it: ``@method``, or ``"x";key="y"`` with parameters."""
    value, params = item
    if isinstance(value, str) and not params:
        return value
    return ser_item(item)


def _read_parameters(result: Verification, params: Mapping[str, Any]) -> None:
    for name in ("created", "expires"):
        if name in params and (type(params[name]) is not int):
            raise _Rejected("malformed", f"signature parameter {name} must be an integer")
    for name in ("keyid", "alg", "tag", "nonce"):
        if name in params and not isinstance(params[name], str):
            raise _Rejected("malformed", f"signature parameter {name} must be a string")
    result.created = params.get("created")
    result.expires = params.get("expires")
    result.keyid = params.get("keyid")
    result.tag = params.get("tag")
    result.alg = params.get("alg")


def _signature_base(
    method: str, url: str, fields: _Fields, covered: list[Any], params: Mapping[str, Any]
) -> str:
    """The RFC 9421 §2.5 signature base for the covered components and parameters received."""
    try:
        resolver = HTTPSignatureComponentResolver(_Message(method, url, fields))
    except HTTPMessageSignaturesException as exc:
        raise _Rejected(
            "component-error", f"cannot rebuild the request {method} {url}: {exc}"
        ) from None

    lines = []
    seen = set()
    for value, item_params in covered:
        if not isinstance(value, str):
            raise _Rejected("malformed", f"covered component {value!r} is not a string")
        # LIMITATION: a component repeated with its parameters in another order is not caught as a
        # duplicate; the library's resolver still gives each its own value.
        identifier = ser_item((value, item_params))
        if value != value.lower():
            raise _Rejected("malformed", f"covered component {identifier} is not lowercase")
        if identifier in seen:
            raise _Rejected("malformed", f"covered component {identifier} appears twice")
        seen.add(identifier)
        node = Item(value)
        node.params.update(item_params)
        try:
            component_value = resolver.resolve(node)
        except HTTPMessageSignaturesException as exc:
            raise _Rejected("component-error", f"covered component {identifier}: {exc}") from None
        if "\n" in component_value or "\r" in component_value:
            raise _Rejected("component-error", f"covered component {identifier} contains a newline")
        lines.append(f"{identifier}: {component_value}")
    lines.append(f'"@signature-params": {ser_innerlist((covered, dict(params)))}')

    base = "\n".join(lines)
    if not base.isascii():
        raise _Rejected("component-error", "signature base contains non-ASCII characters")
    return base


def _check_times(
    result: Verification, *, max_age: int | None, max_future: int | None, now: float
) -> None:
    if result.created is None:
        raise _Rejected("missing-param", "signature has no created parameter; OCM requires it")
    if result.keyid is None:
        raise _Rejected("missing-param", "signature has no keyid parameter; OCM requires it")
    age = now - result.created
    if max_age is not None and age > max_age:
        raise _Rejected(
            "stale", f"signature created {int(age)} s ago, more than the {max_age} s allowed"
        )
    if max_future is not None and -age > max_future:
        raise _Rejected(
            "future",
            f"signature created {int(-age)} s in the future, more than the {max_future} s "
            "allowed (check the sender's clock)",
        )
    if result.expires is not None and result.expires < now:
        raise _Rejected("expired", f"signature expired {int(now - result.expires)} s ago")


def _check_alg_name(alg: str) -> None:
    if re.match(r"^(hmac|hs\d+$)", alg.lower()):
        raise _Rejected(
            "alg-refused",
            f"alg {alg} is symmetric; OCM signatures must use an asymmetric algorithm",
        )
    if alg not in ALGORITHMS:
        raise _Rejected(
            "alg-unsupported",
            f"alg {alg!r} is not an RFC 9421 asymmetric algorithm ({', '.join(ALGORITHMS)})",
        )


def _check_required_components(covered: list[Any], required: tuple[str, ...]) -> None:
    present = {ser_item(item) for item in covered}
    missing = [name for name in required if ser_item((name, {})) not in present]
    if missing:
        listed = " ".join(sorted(present)) or "nothing"
        raise _Rejected(
            "missing-component",
            f"signature does not cover {', '.join(missing)} (it covers {listed})",
        )


def _check_body(result: Verification, fields: _Fields, body: bytes, covered: list[Any]) -> None:
    digest = fields.get("content-digest")
    if digest is not None:
        try:
            check_content_digest(digest, body)
        except SignatureInvalid as exc:
            raise _Rejected("digest-mismatch", str(exc)) from None
    length = fields.get("content-length")
    if length is not None and length.strip() != str(len(body)):
        raise _Rejected(
            "length-mismatch",
            f"Content-Length says {length.strip()} but the body has {len(body)} bytes",
        )
    if body and not any(value == "content-digest" for value, _ in covered):
        result.warnings.append("the body is not covered: the signature has no content-digest")


@dataclass
class _FoundKey:
    """A resolved public key and the algorithm its publisher declared for it, if any."""

    public_key: PublicKey
    declared_alg: str | None = None  # a JWK's "alg" or a SigningKey's alg, as published
    choice: AlgChoice | None = None  # what the JWK or SigningKey maps to, when it maps at all


def _resolve_key(
    result: Verification, resolve_key: KeyResolver, alg_param: str | None
) -> tuple[PublicKey, str]:
    """The public key for the keyid and the RFC 9421 algorithm to verify with."""
    keyid = result.keyid or ""
    try:
        resolved = resolve_key(keyid)
        if resolved is None:
            raise _Rejected("no-key", f"no key found for keyid {keyid!r}")
        found = _normalise_key(resolved, keyid)
    except InspectorError as exc:
        # The resolver may fetch JWKS over the network; its failures are this request's verdict.
        raise _Rejected("no-key", f"no usable key for keyid {keyid!r}: {exc}") from None
    key = found.public_key
    result.key = describe_key(key)
    usable = http_sig_algs_for_key(key)

    if alg_param is not None:
        if alg_param not in usable:
            raise _Rejected(
                "alg-mismatch", f"alg {alg_param} does not fit the {result.key} for {keyid!r}"
            )
        if found.declared_alg is not None and (
            found.choice is None or found.choice.alg != alg_param
        ):
            raise _Rejected(
                "alg-mismatch",
                f"alg {alg_param} contradicts the key's own alg {found.declared_alg} for {keyid!r}",
            )
        return key, alg_param

    if found.declared_alg is not None and found.choice is None:
        raise _Rejected(
            "alg-unsupported",
            f"no alg parameter, and the key's own alg {found.declared_alg} has no RFC 9421 "
            "counterpart",
        )
    if found.choice is not None:
        result.warnings.append(
            f"no alg parameter; took {found.choice.alg} from the key ({found.choice.source})"
        )
        if found.choice.note:
            result.warnings.append(found.choice.note)
        return key, found.choice.alg
    if not usable:
        raise _Rejected("alg-unsupported", f"the {result.key} has no RFC 9421 algorithm")
    note = f"no alg parameter; using {usable[0]} for the {result.key}"
    if len(usable) > 1:
        note += f" (it could also be {', '.join(usable[1:])})"
    result.warnings.append(note)
    return key, usable[0]


def _normalise_key(found: Any, keyid: str) -> _FoundKey:
    """Whatever the resolver returned, as a public key plus the algorithm it declares."""
    if isinstance(found, SigningKey):
        return _FoundKey(found.public_key, found.alg, _alg_choice(found.alg))
    if isinstance(found, Mapping):
        if isinstance(found.get("keys"), list):
            matches = [k for k in found["keys"] if isinstance(k, Mapping) and k.get("kid") == keyid]
            if not matches:
                raise KeyLookupError(f"JWKS has no key with kid {keyid!r}")
            found = matches[0]
        key = public_key_from_jwk(found)
        declared = found.get("alg")
        return _FoundKey(key, declared, _alg_choice(found))
    if isinstance(found, str | bytes):
        return _FoundKey(public_key_from_pem(found))
    private_types = ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey
    if isinstance(found, private_types):
        return _FoundKey(found.public_key())
    if isinstance(found, ed25519.Ed25519PublicKey | ec.EllipticCurvePublicKey | rsa.RSAPublicKey):
        return _FoundKey(found)
    raise KeyLookupError(f"resolver returned a {type(found).__name__}, not a public key")


def _alg_choice(jwk_or_alg: Mapping[str, Any] | str) -> AlgChoice | None:
    try:
        return http_sig_alg_choice(jwk_or_alg)
    except KeyLookupError:
        return None


def _as_bytes(body: bytes | str | None) -> bytes:
    if body is None:
        return b""
    if isinstance(body, str):
        return body.encode("utf-8")
    return bytes(body)
