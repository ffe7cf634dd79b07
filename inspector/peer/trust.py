"""Where the peer finds the public key that should verify a signed request.

First the keys it was told to trust (``--trust-jwks``, ``ReferencePeer.trust()``). Otherwise it
does what a real sender does: discover the signer's host (``client_id`` for token requests, the
share's ``sender``, or the host inside the key id) and take the key from its ``jwksUri``, then
``/.well-known/jwks.json``, then the legacy ``publicKey``.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from inspector.core.errors import InspectorError, InvalidTarget, KeyLookupError
from inspector.core.http import HttpClient, HttpOptions
from inspector.core.keys import PublicKey, public_key_from_jwk, public_key_from_pem
from inspector.core.targets import parse_target

log = logging.getLogger(__name__)

# Key lookups happen while a client waits for the peer's answer, so they are kept short.
_LOOKUP_OPTIONS = HttpOptions(connect_timeout=2.0, read_timeout=5.0, total_timeout=10.0)


class TrustStore:
    """Public JWKs trusted by kid. Thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._keys: dict[str, dict[str, Any]] = {}

    def add(self, jwks_or_jwk: Mapping[str, Any]) -> int:
        """Trust every key of a JWKS (or a single JWK); returns how many were added.

        Raises ``KeyLookupError`` naming the first key that is unusable or has no ``kid``.
        """
        if not isinstance(jwks_or_jwk, Mapping):
            raise KeyLookupError("trusted keys must be a JWKS object or a single JWK")
        members = jwks_or_jwk.get("keys") if "keys" in jwks_or_jwk else [jwks_or_jwk]
        if not isinstance(members, list):
            raise KeyLookupError("the JWKS member 'keys' must be a list")
        checked = []
        for jwk in members:
            public_key_from_jwk(jwk)
            kid = jwk.get("kid")
            if not isinstance(kid, str) or not kid:
                raise KeyLookupError("a trusted JWK needs a 'kid' so signatures can name it")
            checked.append(dict(jwk))
        with self._lock:
            for jwk in checked:
                self._keys[jwk["kid"]] = jwk
        return len(checked)

    def find(self, kid: str) -> dict[str, Any] | None:
        with self._lock:
            return self._keys.get(kid)

    def __len__(self) -> int:
        with self._lock:
            return len(self._keys)


def load_jwks(source: str | Path | Mapping[str, Any], *, ca_bundle: str | None = None) -> dict:
    """A JWKS from a dict, a file path or an http(s) URL. ``KeyLookupError`` when unreadable."""
    if isinstance(source, Mapping):
        return dict(source)
    text = str(source)
    if text.startswith(("http://", "https://")):
        try:
            with HttpClient(_options(ca_bundle)) as client:
                response = client.get(text, headers={"Accept": "application/json"})
                response.raise_for_status()
                data = response.json()
        except InspectorError as exc:
            raise KeyLookupError(f"cannot load trusted keys from {text}: {exc}") from None
    else:
        try:
            data = json.loads(Path(text).read_text(encoding="utf-8"))
        except OSError as exc:
            raise KeyLookupError(f"cannot read trusted keys file {text}: {exc.strerror}") from None
        except ValueError as exc:
            raise KeyLookupError(f"trusted keys file {text} is not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise KeyLookupError(f"trusted keys from {text} are not a JWKS object")
    return data


def authority_of(text: str | None) -> str | None:
    """``host[:port]`` named by a key id, client_id, OCM address or URL; None if there is none.

    Key ids come as ``https://host/ocm#signature``, ``host#key1`` or a bare host.
    """
    if not text or not isinstance(text, str):
        return None
    try:
        target = parse_target(text.split("#", 1)[0])
    except InvalidTarget:
        return None
    return target.netloc


def is_loopback(authority: str) -> bool:
    host = authority
    if host.startswith("["):
        host = host[1:].partition("]")[0]
    elif host.count(":") == 1:
        host = host.partition(":")[0]
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class KeyResolver:
    """Resolves a signature's key id to a public key (a JWK dict, or a key for PEM keys)."""

    def __init__(self, trust: TrustStore, *, ca_bundle: Callable[[], str | None]) -> None:
        self.trust = trust
        self._ca_bundle = ca_bundle

    def resolve(self, keyid: str, *, host: str | None = None) -> dict[str, Any] | PublicKey:
        """The key for ``keyid``: trusted first, else discovered on ``host`` (or the kid's host).

        Raises ``KeyLookupError`` with a one-line reason naming the key id and where it looked.
        """
        trusted = self.trust.find(keyid)
        if trusted is not None:
            return trusted
        authority = authority_of(host) or authority_of(keyid)
        if authority is None:
            raise KeyLookupError(
                f"key {keyid!r} is not trusted and names no host to discover it from"
            )
        # LIMITATION: discovered keys are not cached; each signed request looks them up again,
        # which costs little at demo scale and keeps key rotation on the other side visible.
        schemes = ("https", "http") if is_loopback(authority) else ("https",)
        failures = []
        with HttpClient(_options(self._ca_bundle())) as client:
            for scheme in schemes:
                try:
                    return _from_discovery(client, keyid, f"{scheme}://{authority}")
                except KeyLookupError as exc:
                    failures.append(str(exc))
        raise KeyLookupError("; ".join(failures))


def _from_discovery(client: HttpClient, keyid: str, base: str) -> dict[str, Any] | PublicKey:
    document = _discovery_document(client, base)
    tried = []
    for label, url in _jwks_locations(document, base):
        jwk = _jwk_by_kid(client, url, keyid)
        if jwk is not None:
            log.debug("key %s found via %s (%s)", keyid, label, url)
            return jwk
        tried.append(label)
    public_key = document.get("publicKey")
    if isinstance(public_key, dict):
        published_id = public_key.get("keyId") or public_key.get("id")
        pem = public_key.get("publicKeyPem")
        if published_id == keyid and isinstance(pem, str):
            log.debug("key %s found as publicKey of %s", keyid, base)
            return public_key_from_pem(pem)
        tried.append("publicKey")
    where = ", ".join(tried) or "nothing to look in"
    raise KeyLookupError(f"no key {keyid!r} published by {base} (looked in {where})")


def _options(ca_bundle: str | None) -> HttpOptions:
    if ca_bundle is None:
        return _LOOKUP_OPTIONS
    return HttpOptions(
        connect_timeout=_LOOKUP_OPTIONS.connect_timeout,
        read_timeout=_LOOKUP_OPTIONS.read_timeout,
        total_timeout=_LOOKUP_OPTIONS.total_timeout,
        ca_bundle=ca_bundle,
    )


def _discovery_document(client: HttpClient, base: str) -> dict[str, Any]:
    reasons = []
    for path in ("/.well-known/ocm", "/ocm-provider"):
        url = base + path
        try:
            response = client.get(
                url, headers={"Accept": "application/json"}, follow_redirects=True
            )
            if response.status != 200:
                reasons.append(f"{url} answered HTTP {response.status}")
                continue
            document = response.json()
        except InspectorError as exc:
            reasons.append(str(exc))
            continue
        if isinstance(document, dict):
            return document
        reasons.append(f"{url} is not a JSON object")
    raise KeyLookupError(f"cannot discover {base}: {'; '.join(reasons)}")


def _jwks_locations(document: dict[str, Any], base: str) -> list[tuple[str, str]]:
    locations = []
    jwks_uri = document.get("jwksUri")
    if isinstance(jwks_uri, str) and jwks_uri.startswith(("http://", "https://")):
        locations.append(("jwksUri", jwks_uri))
    locations.append(("/.well-known/jwks.json", base + "/.well-known/jwks.json"))
    return locations


def _jwk_by_kid(client: HttpClient, url: str, keyid: str) -> dict[str, Any] | None:
    try:
        response = client.get(url, headers={"Accept": "application/json"})
        if response.status != 200:
            return None
        data = response.json()
    except InspectorError as exc:
        log.debug("JWKS at %s unusable: %s", url, exc)
        return None
    keys = data.get("keys") if isinstance(data, dict) else None
    if not isinstance(keys, list):
        return None
    return next((k for k in keys if isinstance(k, dict) and k.get("kid") == keyid), None)
