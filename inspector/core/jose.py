"""Tokens as a support engineer meets them: decoded, explained, verified, with reasons.

``inspect_token`` decodes a token (``inspector.core.jws``), reads its time claims (UTC, local,
relative, with a leeway), judges its signature against a ``KeySource`` (``inspector.core.jwks``),
checks the expectations (issuer, audience, the OCM server the token came from) and collects
warnings. ``TokenReport.to_dict()`` is what ``ocm-inspector jwt --json`` prints and what a view
renders; ``TokenReport.exit_code`` is the command's exit status.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from inspector.core.jwks import KeySource
from inspector.core.jwks_history import JwksChange
from inspector.core.jws import (
    HMAC_ALGS,
    MAX_TOKEN_BYTES,
    OPAQUE_NOTE,
    DecodedToken,
    Segment,
    SignatureVerdict,
    decode_token,
    verify_signature,
)

__all__ = [
    "CLAIM_NAMES",
    "DEFAULT_LEEWAY",
    "HEADER_NAMES",
    "MAX_TOKEN_BYTES",
    "OPAQUE_NOTE",
    "Check",
    "DecodedToken",
    "Segment",
    "SignatureVerdict",
    "TimeClaim",
    "TokenReport",
    "TokenWarning",
    "decode_token",
    "inspect_token",
    "verify_signature",
]

DEFAULT_LEEWAY = 60
# NumericDate values above this (year 5138 in seconds) are almost surely milliseconds.
MILLISECONDS_THRESHOLD = 100_000_000_000

HEADER_NAMES = {
    "alg": "Algorithm",
    "typ": "Type",
    "cty": "Content type",
    "kid": "Key ID",
    "jku": "JWK Set URL",
    "jwk": "JSON Web Key",
    "x5u": "X.509 URL",
    "x5c": "X.509 certificate chain",
    "x5t": "X.509 SHA-1 thumbprint",
    "x5t#S256": "X.509 SHA-256 thumbprint",
    "crit": "Critical",
    "enc": "Encryption algorithm",
    "zip": "Compression algorithm",
    "b64": "Base64url-encode payload",
}
CLAIM_NAMES = {
    "iss": "Issuer",
    "sub": "Subject",
    "aud": "Audience",
    "exp": "Expiration time",
    "nbf": "Not before",
    "iat": "Issued at",
    "jti": "JWT ID",
    "client_id": "Client identifier",
    "scope": "Scope",
    "auth_time": "Authentication time",
    "azp": "Authorized party",
    "nonce": "Nonce",
    "acr": "Authentication context class",
    "amr": "Authentication methods",
    "sid": "Session ID",
    "cnf": "Confirmation",
    "act": "Actor",
    "may_act": "Authorized actor",
    "roles": "Roles",
    "groups": "Groups",
    "entitlements": "Entitlements",
    "name": "Full name",
    "email": "Email address",
    "preferred_username": "Preferred user name",
}
TIME_CLAIMS = ("exp", "nbf", "iat", "auth_time")
_KEY_REFERENCES = ("jku", "jwk", "x5u", "x5c")

# -- times -------------------------------------------------------------------------------------


@dataclass
class TimeClaim:
    """A NumericDate claim read against a moment ``now`` (seconds since the epoch)."""

    name: str
    value: Any
    now: float
    # The value in seconds; None when it is not a JSON number.
    seconds: float | None = field(init=False)

    def __post_init__(self) -> None:
        value = self.value
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.seconds = None
        else:
            try:
                self.seconds = float(value)
            except OverflowError:
                self.seconds = None

    @property
    def milliseconds(self) -> bool:
        """Whether the value looks like milliseconds (a common mistake; the RFC says seconds)."""
        return self.seconds is not None and abs(self.seconds) >= MILLISECONDS_THRESHOLD

    @property
    def utc(self) -> str | None:
        return _iso(self.seconds, local=False)

    @property
    def local(self) -> str | None:
        return _iso(self.seconds, local=True)

    @property
    def as_milliseconds_utc(self) -> str | None:
        """What the value would mean as milliseconds, shown when ``milliseconds`` is set."""
        return _iso(self.seconds / 1000, local=False) if self.milliseconds else None

    @property
    def delta(self) -> float | None:
        """Seconds from now to the claim (negative: in the past)."""
        return None if self.seconds is None else self.seconds - self.now

    @property
    def relative(self) -> str:
        if self.seconds is None:
            return f"not a NumericDate: {self.value!r}"
        delta = self.seconds - self.now
        span = describe_span(abs(delta))
        future = delta > 0
        if self.name == "exp":
            return f"expires in {span}" if future else f"expired {span} ago"
        if self.name == "nbf":
            return f"becomes valid in {span}" if future else f"became valid {span} ago"
        verb = "issued" if self.name == "iat" else "authenticated"
        return f"{verb} {span} in the future" if future else f"{verb} {span} ago"

    def to_dict(self) -> dict[str, Any]:
        return {
            "value": self.value,
            "name": CLAIM_NAMES.get(self.name, self.name),
            "utc": self.utc,
            "local": self.local,
            "relative": self.relative,
            "milliseconds": self.milliseconds,
            "as_milliseconds_utc": self.as_milliseconds_utc,
        }


def describe_span(seconds: float) -> str:
    """A duration as a person says it: "45 s", "4 min", "2 h", "3 d", "12 years"."""
    if seconds < 90:
        return f"{int(seconds)} s"
    if seconds < 90 * 60:
        return f"{round(seconds / 60)} min"
    if seconds < 48 * 3600:
        return f"{round(seconds / 3600)} h"
    if seconds < 730 * 86400:
        return f"{round(seconds / 86400)} d"
    return f"{round(seconds / 31_557_600)} years"


def _iso(seconds: float | None, *, local: bool) -> str | None:
    if seconds is None:
        return None
    try:
        moment = datetime.fromtimestamp(seconds, UTC)
        if local:
            return moment.astimezone().isoformat(timespec="seconds")
    except (OverflowError, OSError, ValueError):
        return None
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


# -- report ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Check:
    """One thing that must hold for the token to be accepted; all ``ok`` means exit code 0."""

    name: str
    ok: bool
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "ok": self.ok, "message": self.message}


@dataclass(frozen=True)
class TokenWarning:
    """Something a reader should know; ``code`` is stable for scripts."""

    code: str
    message: str

    def to_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}


@dataclass
class TokenReport:
    """Everything the inspector found about one token."""

    token: DecodedToken
    times: dict[str, TimeClaim]
    signature: SignatureVerdict
    checks: list[Check]
    warnings: list[TokenWarning]
    key_source: KeySource | None = None
    leeway: float = DEFAULT_LEEWAY
    now: float = 0.0
    # Set by whoever records the fetched keys in a saved server's history.
    jwks_change: JwksChange | None = None

    @property
    def ok(self) -> bool:
        return all(check.ok for check in self.checks)

    @property
    def exit_code(self) -> int:
        """The command's status: 0 once the token decodes, unless a key source was given and a
        check fails (signature, time claims, expectations), then 1.

        Without a key source the token is only explained: its checks and warnings are shown but
        do not decide the status. Undecodable tokens raise ``TokenError`` before a report exists.
        """
        if self.key_source is None:
            return 0
        return 0 if self.ok else 1

    def warning_codes(self) -> list[str]:
        return [warning.code for warning in self.warnings]

    def to_dict(self) -> dict[str, Any]:
        token = self.token
        return {
            "kind": token.kind,
            "note": token.note,
            "header": token.header,
            "claims": token.claims,
            "times": {name: claim.to_dict() for name, claim in self.times.items()},
            "signature": self.signature.to_dict(),
            "checks": [check.to_dict() for check in self.checks],
            "warnings": [warning.to_dict() for warning in self.warnings],
            "ok": self.ok,
            "exit_code": self.exit_code,
            "token": token.to_dict(),
            "header_rows": _rows(token.header, HEADER_NAMES, {}),
            "claim_rows": _rows(token.claims, CLAIM_NAMES, self.times),
            "key_source": self.key_source.to_dict() if self.key_source else None,
            "leeway": self.leeway,
            "checked_at": _iso(self.now, local=False),
            "jwks_change": self.jwks_change.to_dict() if self.jwks_change else None,
        }


def _rows(
    members: dict[str, Any] | None, names: dict[str, str], times: dict[str, TimeClaim]
) -> list[dict[str, Any]]:
    """Table rows for a view: member, its registered name spelled out, value, readable value."""
    rows = []
    for member, value in (members or {}).items():
        if member in times and times[member].utc:
            display = f"{times[member].utc} ({times[member].relative})"
        else:
            display = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        rows.append(
            {"member": member, "name": names.get(member), "value": value, "display": display}
        )
    return rows


# -- inspection --------------------------------------------------------------------------------


def inspect_token(
    text: str | bytes,
    *,
    key_source: KeySource | None = None,
    expect_issuer: str | None = None,
    expect_audience: str | None = None,
    leeway: float = DEFAULT_LEEWAY,
    now: float | datetime | None = None,
    server_url: str | None = None,
) -> TokenReport:
    """Decode, explain and (with ``key_source``) verify a token.

    ``server_url`` is the OCM server the token came from; with it, ``iss`` must be https and
    name that server. ``now`` (epoch seconds or an aware datetime) defaults to the current time.
    Raises ``TokenError`` only when the token cannot be decoded at all.
    """
    token = decode_token(text)
    moment = _epoch(now)
    warnings: list[TokenWarning] = []
    checks: list[Check] = []

    signature = verify_signature(token, key_source)
    if key_source is not None or signature.status == "invalid":
        message = (
            "valid" if signature.status == "valid" else f"{signature.status}: {signature.reason}"
        )
        checks.append(Check("signature", signature.status == "valid", message))
    _signature_warnings(token, signature, key_source, warnings)

    claims = token.claims or {}
    times = {name: TimeClaim(name, claims[name], moment) for name in TIME_CLAIMS if name in claims}
    _time_checks(times, leeway, checks, warnings)
    if token.kind == "jwt" and "exp" not in times:
        warnings.append(TokenWarning("no-exp", "The token has no exp claim: it never expires"))

    if expect_issuer is not None:
        checks.append(_issuer_check(token, expect_issuer))
    if expect_audience is not None:
        checks.append(_audience_check(token, expect_audience))
    if server_url is not None and token.kind == "jwt":
        checks.extend(_server_checks(claims.get("iss"), server_url))
    for duplicate in token.duplicates:
        message = f"{duplicate} appears more than once; parsers disagree on which value wins"
        warnings.append(TokenWarning("duplicate-member", message))

    return TokenReport(token, times, signature, checks, warnings, key_source, leeway, moment)


def _epoch(now: float | datetime | None) -> float:
    if now is None:
        return datetime.now(UTC).timestamp()
    if isinstance(now, datetime):
        return now.timestamp()
    return float(now)


def _signature_warnings(
    token: DecodedToken,
    verdict: SignatureVerdict,
    key_source: KeySource | None,
    warnings: list[TokenWarning],
) -> None:
    def warn(code: str, message: str) -> None:
        warnings.append(TokenWarning(code, message))

    if token.kind == "jwe":
        warn("encrypted", "The token is encrypted (JWE); its claims cannot be read")
    if token.kind not in ("jwt", "jws"):
        return
    header = token.header or {}
    alg = token.alg
    unsigned = alg is None or alg.lower() == "none"
    if unsigned:
        warn("alg-none", "alg is none: the token is not signed at all")
    elif alg in HMAC_ALGS:
        warn("symmetric-alg", f"{alg} is an HMAC algorithm: only the issuer can verify it")

    if "kid" in header and token.kid is None:
        warn("no-kid", "The header's kid is not a string")
    elif "kid" not in header and not unsigned and alg not in HMAC_ALGS:
        warn("no-kid", "The header has no kid: every key of the issuer has to be tried")
    if key_source is not None and token.kid is not None and verdict.status != "unverifiable":
        # Kid-less keys (a PEM) make no claim about identity, so only named keys count here.
        known_kids = {key.kid for key in key_source.keys if key.kid is not None}
        if known_kids and token.kid not in known_kids:
            warn("kid-not-found", f"No key with kid {token.kid!r} in {key_source.label}")

    for member in _KEY_REFERENCES:
        if member in header:
            warn(
                "header-key-reference",
                f"The header carries {member}; keys that a token brings along are never trusted",
            )
    crit = header.get("crit")
    if crit is not None and crit != ["b64"]:
        warn(
            "crit",
            f"The header marks {crit!r} as critical; a verifier that does not "
            "understand them must reject the token",
        )
    for note in key_source.notes if key_source else ():
        warn(note["code"], note["message"])


def _time_checks(
    times: dict[str, TimeClaim],
    leeway: float,
    checks: list[Check],
    warnings: list[TokenWarning],
) -> None:
    def warn(code: str, message: str) -> None:
        warnings.append(TokenWarning(code, message))

    for name, claim in times.items():
        seconds = claim.seconds
        if seconds is None:
            warn("time-not-numeric", f"{name} is {claim.value!r}, not a number of seconds")
            checks.append(Check(name, False, f"{name} is not a NumericDate"))
            continue
        if claim.milliseconds:
            meaning = claim.as_milliseconds_utc or "out of range even then"
            warn(
                "milliseconds-timestamp",
                f"{name} {claim.value} looks like milliseconds (read as such: {meaning})",
            )

        message = f"{claim.relative} (leeway {leeway:g} s)"
        if name == "exp":
            ok = claim.now <= seconds + leeway
            if not ok:
                warn("expired", f"The token {claim.relative}")
        elif name == "nbf":
            ok = claim.now + leeway >= seconds
            if not ok:
                warn("not-yet-valid", f"The token {claim.relative}")
        elif name == "iat":
            ok = seconds <= claim.now + leeway
            if not ok:
                warn("issued-in-future", f"The token was {claim.relative}; are clocks in sync?")
        else:
            continue
        checks.append(Check(name, ok, message))


def _issuer_check(token: DecodedToken, expected: str) -> Check:
    iss = (token.claims or {}).get("iss")
    if token.claims is None:
        return Check("issuer", False, f"expected issuer {expected!r}, but the token has no claims")
    if iss == expected:
        return Check("issuer", True, f"iss is {expected!r}")
    hint = ""
    if isinstance(iss, str) and iss.rstrip("/") == expected.rstrip("/"):
        hint = " (they differ only in a trailing '/')"
    return Check("issuer", False, f"iss is {iss!r}, expected {expected!r}{hint}")


def _audience_check(token: DecodedToken, expected: str) -> Check:
    if token.claims is None:
        return Check(
            "audience", False, f"expected audience {expected!r}, but the token has no claims"
        )
    aud = token.claims.get("aud")
    audiences = aud if isinstance(aud, list) else [aud]
    if expected in audiences:
        return Check("audience", True, f"aud contains {expected!r}")
    hint = ""
    if any(isinstance(a, str) and a.casefold() == expected.casefold() for a in audiences):
        hint = " (only letter case differs)"
    return Check(
        "audience",
        False,
        f"aud is {aud!r}, expected {expected!r}{hint}; in OCM aud is the recipient's OCM address",
    )


def _server_checks(iss: Any, server_url: str) -> list[Check]:
    """For OCM tokens: iss is https and names the server the token came from."""
    server = urlsplit(server_url)
    if not isinstance(iss, str) or not iss:
        missing = Check("iss-https", False, "the token has no iss naming the server that issued it")
        return [
            missing,
            Check("iss-server", False, f"cannot tell whether it came from {server_url}"),
        ]
    issuer = urlsplit(iss)

    if issuer.scheme == "https":
        scheme = Check("iss-https", True, f"iss {iss} uses https")
    elif issuer.scheme == "http" and server.scheme == "http":
        scheme = Check(
            "iss-https",
            True,
            f"iss {iss} uses http, as does the server itself (acceptable only for testing)",
        )
    else:
        scheme = Check("iss-https", False, f"iss {iss!r} is not an https URL")

    if _host_port(issuer) == _host_port(server) and issuer.hostname:
        same = Check("iss-server", True, f"iss names the server {server.netloc}")
    else:
        same = Check("iss-server", False, f"iss {iss!r} does not name the server {server_url}")
    return [scheme, same]


def _host_port(parts: Any) -> tuple[str | None, int | None]:
    try:
        port = parts.port
    except ValueError:
        return (None, None)
    default = {"https": 443, "http": 80}.get(parts.scheme)
    return ((parts.hostname or "").lower() or None, port or default)
