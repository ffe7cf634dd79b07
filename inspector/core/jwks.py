"""Where a token's verification keys come from, which of them fit a token, and how a server's keys change.

A ``KeySource`` is the outcome of asking one place for keys: a JWKS URL, a JWKS file, pasted JWKS
JSON, a PEM, or a server (its discovery ``jwksUri``, then ``/.well-known/jwks.json``, then the
discovery ``publicKey.publicKeyPem``). It never raises for network trouble: what failed is kept in
``attempts`` and ``error`` so a report can still show the decoded token and say why nothing was
verified. Every key, usable or not, is a ``JwkInfo`` holding only public members.

``select_keys`` explains, key by key, why a key cannot verify a given token (kid, kty/crv, alg,
use, malformed). The per-server history of keys lives in ``inspector.core.jwks_history``.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from inspector.core.errors import InspectorError, KeyLookupError
from inspector.core.http import CancelToken, HttpClient, HttpOptions
from inspector.core.keys import (
    public_key_from_jwk,
    public_key_from_pem,
    public_key_to_jwk,
    thumbprint,
)

log = logging.getLogger(__name__)

WELL_KNOWN_JWKS = "/.well-known/jwks.json"

# Members a JWK may carry that are private key material; never kept, shown or stored.
_PRIVATE_MEMBERS = frozenset({"d", "p", "q", "dp", "dq", "qi", "oth", "k"})

# Which key type and curve each asymmetric JOSE algorithm needs (crv None: any RSA key).
ALG_KEY_TYPES: dict[str, tuple[str, str | None]] = {
    "EdDSA": ("OKP", "Ed25519"),
    "Ed25519": ("OKP", "Ed25519"),
    "ES256": ("EC", "P-256"),
    "ES384": ("EC", "P-384"),
    "ES512": ("EC", "P-521"),
    "RS256": ("RSA", None),
    "RS384": ("RSA", None),
    "RS512": ("RSA", None),
    "PS256": ("RSA", None),
    "PS384": ("RSA", None),
    "PS512": ("RSA", None),
}


@dataclass
class JwkInfo:
    """One key of a source, described for people, with the parsed key kept for verifying.

    ``problem`` is set when the key cannot be used at all (malformed, private material, symmetric);
    ``jwk`` never contains private members.
    """

    index: int
    jwk: dict[str, Any]
    kid: str | None = None
    kty: str | None = None
    crv: str | None = None
    size: int | None = None
    alg: str | None = None
    use: str | None = None
    key_ops: list[str] | None = None
    thumbprint: str | None = None
    problem: str | None = None
    private_members: list[str] = field(default_factory=list)
    public_key: Any = field(default=None, repr=False, compare=False)

    @classmethod
    def from_jwk(cls, index: int, raw: Any) -> JwkInfo:
        """Describe entry ``index`` of a JWKS; a malformed entry gets a ``problem``, never raises."""
        if not isinstance(raw, Mapping):
            return cls(index, {}, problem=f"entry {index} is a {type(raw).__name__}, not an object")

        private = sorted(name for name in raw if name in _PRIVATE_MEMBERS)
        public = {key: value for key, value in raw.items() if key not in _PRIVATE_MEMBERS}
        info = cls(
            index,
            public,
            kid=_text(raw.get("kid")),
            kty=_text(raw.get("kty")),
            crv=_text(raw.get("crv")),
            alg=_text(raw.get("alg")),
            use=_text(raw.get("use")),
            key_ops=[op for op in raw["key_ops"] if isinstance(op, str)]
            if isinstance(raw.get("key_ops"), list)
            else None,
            private_members=private,
        )
        if info.kty == "oct":
            info.problem = "symmetric key (kty oct): publishing it discloses the secret"
        elif private:
            info.problem = f"contains private key material ({', '.join(private)})"
        else:
            try:
                info.public_key = public_key_from_jwk(raw, require_sig_use=False)
            except KeyLookupError as exc:
                info.problem = exc.message
        if info.public_key is not None:
            info.size = _key_size(info.public_key)
            try:
                info.thumbprint = thumbprint(public)
            except (KeyLookupError, TypeError, ValueError):
                info.thumbprint = None
        return info

    @classmethod
    def from_public_key(cls, key: Any, *, kid: str | None = None) -> JwkInfo:
        """Describe a key read from a PEM (it has no kid unless the source names one)."""
        jwk: dict[str, Any] = public_key_to_jwk(key)
        if kid is not None:
            jwk["kid"] = kid
        info = cls(0, jwk, kid=kid, kty=jwk["kty"], crv=jwk.get("crv"), public_key=key)
        info.size = _key_size(key)
        info.thumbprint = thumbprint(jwk)
        return info

    @property
    def identity(self) -> str:
        """How the history names this key: its kid, else its thumbprint, else its position."""
        if self.kid is not None:
            return self.kid
        if self.thumbprint is not None:
            return f"thumbprint:{self.thumbprint}"
        return f"entry:{self.index}"

    @property
    def description(self) -> str:
        """A short type label: "EC P-256", "RSA 2048-bit", "OKP Ed25519"."""
        if self.kty == "RSA" and self.size:
            return f"RSA {self.size}-bit"
        return " ".join(part for part in (self.kty or "unknown type", self.crv) if part)

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "kid": self.kid,
            "kty": self.kty,
            "crv": self.crv,
            "size": self.size,
            "alg": self.alg,
            "use": self.use,
            "key_ops": self.key_ops,
            "thumbprint": self.thumbprint,
            "description": self.description,
            "usable": self.problem is None,
            "problem": self.problem,
            "private_members": self.private_members,
            "jwk": self.jwk,
        }


@dataclass(frozen=True)
class SkippedKey:
    """A key that was not tried for a token, and why."""

    key: JwkInfo
    reason: str
    code: str  # "malformed" | "use" | "kid" | "kty" | "alg"

    def to_dict(self) -> dict[str, Any]:
        return {
            "kid": self.key.kid,
            "index": self.key.index,
            "code": self.code,
            "reason": self.reason,
            "thumbprint": self.key.thumbprint,
        }


@dataclass(frozen=True)
class Attempt:
    """One place a key source looked: what it is, the URL, and how it went."""

    source: str
    url: str | None
    ok: bool
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "url": self.url, "ok": self.ok, "message": self.message}


@dataclass
class KeySource:
    """Keys from one place, with the trail of where they were looked for.

    ``kind`` is what the user gave: "jwks-url", "jwks-file", "jwks-json", "pem" or "server".
    ``used`` names the source that supplied the keys ("jwksUri", "/.well-known/jwks.json",
    "publicKey.publicKeyPem", or the kind itself for direct sources); None when nothing did.
    """

    kind: str
    location: str
    keys: list[JwkInfo] = field(default_factory=list)
    used: str | None = None
    url: str | None = None
    attempts: list[Attempt] = field(default_factory=list)
    error: dict[str, str] | None = None
    notes: list[dict[str, str]] = field(default_factory=list)
    server_origin: str | None = None
    exchanges: list[Any] = field(default_factory=list, repr=False)
    _selection_cache: dict[tuple[str, str | None], Selection] = field(
        default_factory=dict, repr=False, compare=False
    )

    @property
    def label(self) -> str:
        """One line naming where the keys came from, for a verdict."""
        if self.used is None:
            return f"{self.kind} {self.location}"
        where = self.url or self.location
        return f"{self.used} {where}" if self.used != self.kind else f"{self.kind} {where}"

    @property
    def document(self) -> dict[str, Any]:
        """The keys as a public JWKS (private members removed)."""
        return {"keys": [key.jwk for key in self.keys if key.jwk]}

    # -- constructors -----------------------------------------------------------------------

    @classmethod
    def from_jwks(
        cls, document: Any, *, kind: str = "jwks-json", location: str = "pasted JWKS"
    ) -> KeySource:
        """Keys from a parsed JWKS (or a single JWK). A document without ``keys`` gets ``error``."""
        source = cls(kind, location)
        source._take_document(document, source_name=kind, url=None)
        return source

    @classmethod
    def from_json_text(cls, text: str, *, location: str = "pasted JWKS") -> KeySource:
        """Keys from JWKS JSON text as a user pasted it."""
        try:
            document = json.loads(text)
        except ValueError as exc:
            source = cls("jwks-json", location)
            source._fail("not-json", f"{location} is not JSON: {exc}")
            return source
        return cls.from_jwks(document, location=location)

    @classmethod
    def from_file(cls, path: str | Path) -> KeySource:
        """Keys from a JWKS file, or a PEM file when the file holds a PEM block."""
        path = Path(path).expanduser()
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            source = cls("jwks-file", str(path))
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            source._fail("key", f"Cannot read key file {path}: {reason}")
            return source
        if "-----BEGIN" in text:
            return cls.from_pem(text, location=str(path))
        source = cls.from_json_text(text, location=str(path))
        source.kind = "jwks-file"
        if source.used is not None:
            source.used = "jwks-file"
        return source

    @classmethod
    def from_pem(
        cls, text: str | bytes, *, location: str = "PEM", kid: str | None = None
    ) -> KeySource:
        """A single key from PEM text (SPKI, PKCS#1 RSA or a certificate)."""
        source = cls("pem", location)
        try:
            key = public_key_from_pem(text)
        except KeyLookupError as exc:
            source._fail("key", f"{location}: {exc.message}")
            return source
        source.keys = [JwkInfo.from_public_key(key, kid=kid)]
        source.used = "pem"
        return source

    @classmethod
    def from_url(
        cls,
        url: str,
        options: HttpOptions | None = None,
        *,
        cancel: CancelToken | None = None,
    ) -> KeySource:
        """Keys fetched from a JWKS URL."""
        source = cls("jwks-url", url)
        with HttpClient(options, cancel=cancel) as client:
            source._fetch_jwks(client, url, source_name="jwks-url")
            source.exchanges.extend(client.exchanges)
        if not source.keys and source.error is None:
            source._fail("key", f"The JWKS at {url} holds no keys")
        return source

    @classmethod
    def from_server(
        cls,
        target: str,
        options: HttpOptions | None = None,
        *,
        cancel: CancelToken | None = None,
    ) -> KeySource:
        """Keys of an OCM server: discovery ``jwksUri``, then ``/.well-known/jwks.json``, then the
        discovery ``publicKey.publicKeyPem``; the first that yields a key is ``used``."""
        # Imported here: discovery is a sibling module that in turn knows nothing of tokens.
        from inspector.core.discovery import discover

        source = cls("server", target)
        result = discover(target, options, cancel=cancel, compare_paths=False)
        document = getattr(result.document, "raw", result.document)
        if not isinstance(document, dict):
            document = None
        discovery_url = result.url
        if document is None:
            error = result.error or {}
            source.attempts.append(
                Attempt("discovery", discovery_url, False, error.get("message", "no document"))
            )
        else:
            source.attempts.append(Attempt("discovery", discovery_url, True, "document found"))
        source.exchanges.extend(getattr(result, "exchanges", None) or [])

        origin = _origin(discovery_url) if discovery_url else _target_origin(target)
        source.server_origin = origin
        with HttpClient(options, cancel=cancel) as client:
            jwks_uri = document.get("jwksUri") if document else None
            if isinstance(jwks_uri, str) and jwks_uri.strip():
                url = _resolve(discovery_url or origin or "", jwks_uri.strip())
                source._note_jwks_uri(url, origin)
                if source._fetch_jwks(client, url, source_name="jwksUri"):
                    source.exchanges.extend(client.exchanges)
                    return source
            elif document is not None:
                source.attempts.append(Attempt("jwksUri", None, False, "discovery has no jwksUri"))

            if origin:
                url = origin + WELL_KNOWN_JWKS
                if source._fetch_jwks(client, url, source_name=WELL_KNOWN_JWKS):
                    source.exchanges.extend(client.exchanges)
                    return source
            source.exchanges.extend(client.exchanges)

        if document is not None and source._take_discovery_pem(document, discovery_url):
            return source

        tried = "; ".join(f"{a.source}: {a.message}" for a in source.attempts)
        # When the server could not be reached at all, that is the error a user acts on.
        kind = result.error["kind"] if document is None and result.error else "key"
        source._fail(kind, f"No keys found for {target} ({tried})")
        return source

    # -- selection ----------------------------------------------------------------------------

    def select(self, alg: str, kid: str | None) -> Selection:
        """The keys that may verify a token with ``alg`` and ``kid``, and why the others may not.

        Cached per (alg, kid): verifying many tokens against one source parses nothing twice.
        """
        cache_key = (alg, kid)
        selection = self._selection_cache.get(cache_key)
        if selection is None:
            selection = select_keys(self.keys, alg, kid)
            self._selection_cache[cache_key] = selection
        return selection

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "location": self.location,
            "used": self.used,
            "url": self.url,
            "label": self.label,
            "keys": [key.to_dict() for key in self.keys],
            "attempts": [attempt.to_dict() for attempt in self.attempts],
            "error": self.error,
            "notes": self.notes,
            "server_origin": self.server_origin,
            "exchanges": [
                exchange.as_dict() if hasattr(exchange, "as_dict") else exchange
                for exchange in self.exchanges
            ],
        }

    # -- internals ----------------------------------------------------------------------------

    def _fail(self, kind: str, message: str) -> None:
        log.info("%s", message)
        self.error = {"kind": kind, "message": message}

    def _take_document(self, document: Any, *, source_name: str, url: str | None) -> bool:
        """Adopt the keys of a JWKS document; False (with an attempt recorded) if it has none."""
        if isinstance(document, Mapping) and isinstance(document.get("keys"), list):
            entries = document["keys"]
        elif isinstance(document, Mapping) and "kty" in document:
            # A bare JWK where a set was expected: common when pasting one key.
            entries = [document]
            self.notes.append({"code": "single-jwk", "message": "a single JWK, not a JWK Set"})
        else:
            message = "not a JWK Set: expected an object with a 'keys' array"
            self.attempts.append(Attempt(source_name, url, False, message))
            self._fail("key", f"{url or self.location} is {message}")
            return False

        keys = [JwkInfo.from_jwk(index, entry) for index, entry in enumerate(entries)]
        if not keys:
            self.attempts.append(Attempt(source_name, url, False, "the JWKS holds no keys"))
            if self.error is None:
                self._fail("key", f"The JWKS at {url or self.location} holds no keys")
            return False

        leaked = [key.identity for key in keys if key.private_members or key.kty == "oct"]
        if leaked:
            self.notes.append(
                {
                    "code": "jwks-private-material",
                    "message": f"the JWKS publishes secret key material ({', '.join(leaked)}); "
                    "rotate those keys",
                }
            )
        self.keys, self.used, self.url, self.error = keys, source_name, url, None
        usable = sum(1 for key in keys if key.problem is None)
        message = f"{_count(len(keys), 'key')}, {usable} usable"
        self.attempts.append(Attempt(source_name, url, True, message))
        return True

    def _fetch_jwks(self, client: HttpClient, url: str, *, source_name: str) -> bool:
        try:
            response = client.get(url, follow_redirects=True)
            response.raise_for_status()
            document = response.json()
        except InspectorError as exc:
            self.attempts.append(Attempt(source_name, url, False, exc.message))
            self._fail(exc.kind, exc.message)
            return False
        except httpx.InvalidURL as exc:
            # HttpClient builds the request before its error translation starts, so a URL that
            # httpx cannot parse (a server's jwksUri is untrusted input) arrives here unwrapped.
            message = f"{url} is not a valid URL: {exc}"
            self.attempts.append(Attempt(source_name, url, False, message))
            self._fail("invalid-target", message)
            return False
        return self._take_document(document, source_name=source_name, url=url)

    def _take_discovery_pem(self, document: Mapping[str, Any], url: str | None) -> bool:
        candidates: list[tuple[str, Any]] = []
        public_key = document.get("publicKey")
        if isinstance(public_key, Mapping):
            kid = public_key.get("keyId", public_key.get("id"))
            candidates.append((kid, public_key.get("publicKeyPem")))
        for entry in document.get("publicKeys") or []:
            if isinstance(entry, Mapping):
                candidates.append((entry.get("keyId"), entry.get("publicKeyPem")))
        if not candidates:
            self.attempts.append(Attempt("publicKey", url, False, "discovery has no publicKey"))
            return False

        keys: list[JwkInfo] = []
        for index, (kid, pem) in enumerate(candidates):
            kid = kid if isinstance(kid, str) else None
            try:
                if not isinstance(pem, str):
                    raise KeyLookupError("publicKeyPem is missing or not a string")
                info = JwkInfo.from_public_key(public_key_from_pem(pem), kid=kid)
                info.index = index
            except KeyLookupError as exc:
                info = JwkInfo(index, {}, kid=kid, problem=exc.message)
            keys.append(info)
        self.keys, self.used, self.url, self.error = keys, "publicKey.publicKeyPem", url, None
        self.attempts.append(Attempt("publicKey", url, True, _count(len(keys), "PEM key")))
        return True

    def _note_jwks_uri(self, url: str, origin: str | None) -> None:
        if url.startswith("http://") and not (origin or "").startswith("http://"):
            self.notes.append(
                {"code": "jwks-insecure-url", "message": f"jwksUri {url} is plain http"}
            )
        if origin and _origin(url) != origin:
            self.notes.append(
                {"code": "jwks-other-host", "message": f"jwksUri {url} is on another host"}
            )


@dataclass(frozen=True)
class Selection:
    """The outcome of matching keys against a token's alg and kid."""

    candidates: tuple[JwkInfo, ...]
    skipped: tuple[SkippedKey, ...]
    kid_found: bool
    # A key carries the token's kid but cannot verify this alg: a definite mismatch.
    kid_conflict: SkippedKey | None = None


def select_keys(keys: list[JwkInfo], alg: str, kid: str | None) -> Selection:
    """Split ``keys`` into those to try for a token (``alg``, ``kid``) and those skipped, with why.

    Keys with the token's kid come first; keys without a kid stay candidates (a PEM, a one-key
    set) because they make no claim about their identity. A JWK without ``alg`` is usable: the
    token's alg is then checked against the key's kty and crv.
    """
    wanted = ALG_KEY_TYPES.get(alg)
    exact: list[JwkInfo] = []
    anonymous: list[JwkInfo] = []
    skipped: list[SkippedKey] = []
    conflict: SkippedKey | None = None
    kid_found = False

    for key in keys:
        named = kid is not None and key.kid == kid
        kid_found = kid_found or named
        reason = _skip_reason(key, alg, wanted, kid)
        if reason is not None:
            skip = SkippedKey(key, reason[1], reason[0])
            skipped.append(skip)
            if named and skip.code in ("kty", "alg", "use"):
                conflict = skip
            continue
        (exact if named else anonymous).append(key)

    return Selection(tuple(exact + anonymous), tuple(skipped), kid_found, conflict)


def _skip_reason(
    key: JwkInfo, alg: str, wanted: tuple[str, str | None] | None, kid: str | None
) -> tuple[str, str] | None:
    if key.problem is not None:
        return "malformed", f"malformed: {key.problem}"
    if key.use is not None and key.use != "sig":
        return "use", f"use is {key.use!r}, not 'sig'"
    if key.key_ops is not None and "verify" not in key.key_ops:
        return "use", f"key_ops {key.key_ops} do not include 'verify'"
    if kid is not None and key.kid is not None and key.kid != kid:
        return "kid", f"kid {key.kid!r} is not the token's kid {kid!r}"
    if wanted is None:
        return "alg", f"token alg {alg!r} cannot be verified with a public key"
    kty, crv = wanted
    if key.kty != kty or (crv is not None and key.crv != crv):
        need = f"{kty} {crv}" if crv else kty
        return "kty", f"{key.description} key cannot verify {alg} (needs {need})"
    if key.alg is not None and key.alg != alg:
        return "alg", f"key alg {key.alg} differs from the token's alg {alg}"
    return None


def _key_size(key: Any) -> int | None:
    if isinstance(key, rsa.RSAPublicKey):
        return key.key_size
    if isinstance(key, ec.EllipticCurvePublicKey):
        return key.curve.key_size
    if isinstance(key, ed25519.Ed25519PublicKey):
        return 256
    return None


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _origin(url: str) -> str | None:
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if not parts.scheme or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}"


def _resolve(base: str, reference: str) -> str:
    """``reference`` resolved against ``base``; left as is when either cannot be parsed."""
    try:
        return urljoin(base, reference)
    except ValueError:
        return reference


def _target_origin(target: str) -> str | None:
    from inspector.core.targets import parse_target

    try:
        return _origin(parse_target(target).base_url())
    except InspectorError:
        return None
