"""Compare two servers' discovery results, and check whether A can share with B.

The preflight binds B's demands (its ``criteria``, what it can receive) to A's offers (its
capabilities and published fields), the way a 1.4 sender must before it creates a share
(docs/ocm-protocol.md §2.5 and §3.5). Names are compared after legacy mapping, so a B that still
says ``http-request-signatures`` is held to ``must-use-http-sig``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from inspector.core.discovery import DiscoveryResult
from inspector.core.discovery_model import DiscoveryDocument

Outcome = Literal["pass", "warn", "fail"]

# Summary fields compared side by side, in display order.
COMPARED_FIELDS = (
    "enabled",
    "api_version",
    "version",
    "provider",
    "end_point",
    "token_end_point",
    "jwks_uri",
    "invite_accept_dialog",
    "capabilities",
    "criteria",
    "resource_types",
    "public_keys",
)


@dataclass(frozen=True)
class FieldDifference:
    """One summary field of A next to B's."""

    field: str
    a: Any
    b: Any

    @property
    def same(self) -> bool:
        return self.a == self.b

    def to_dict(self) -> dict[str, Any]:
        return {"field": self.field, "a": self.a, "b": self.b, "same": self.same}


@dataclass(frozen=True)
class PreflightCheck:
    """One condition for A sharing with B. ``warn`` passes but needs a person to confirm it."""

    code: str
    outcome: Outcome
    message: str

    @property
    def ok(self) -> bool:
        return self.outcome != "fail"

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "ok": self.ok, "outcome": self.outcome, "message": self.message}


@dataclass
class Comparison:
    """A field-by-field comparison of A and B, and the preflight for A sharing with B."""

    a: DiscoveryResult
    b: DiscoveryResult
    fields: list[FieldDifference] = field(default_factory=list)
    preflight: list[PreflightCheck] = field(default_factory=list)

    @property
    def differences(self) -> list[FieldDifference]:
        return [f for f in self.fields if not f.same]

    @property
    def can_share(self) -> bool:
        return bool(self.preflight) and all(check.ok for check in self.preflight)

    @property
    def exit_code(self) -> int:
        """0: A can share with B; 1: a preflight check fails; 2: a document is missing."""
        if self.a.document is None or self.b.document is None:
            return 2
        return 0 if self.can_share else 1

    def to_dict(self) -> dict[str, Any]:
        return {
            "a": self.a.to_dict(),
            "b": self.b.to_dict(),
            "can_share": self.can_share,
            "differences": [f.to_dict() for f in self.differences],
            "fields": [f.to_dict() for f in self.fields],
            "preflight": [c.to_dict() for c in self.preflight],
        }


def compare(a: DiscoveryResult, b: DiscoveryResult) -> Comparison:
    """Compare A and B; the preflight asks whether A (sender) can share with B (receiver)."""
    comparison = Comparison(a=a, b=b)
    sa, sb = a.summary, b.summary
    comparison.fields = [
        FieldDifference(name, sa.get(name), sb.get(name)) for name in COMPARED_FIELDS
    ]
    comparison.preflight = preflight(a, b)
    return comparison


def preflight(a: DiscoveryResult, b: DiscoveryResult) -> list[PreflightCheck]:
    missing = [(label, r) for label, r in (("A", a), ("B", b)) if r.document is None]
    if missing:
        return [
            PreflightCheck(
                "discovery",
                "fail",
                f"{label} ({r.target}) has no discovery document: "
                f"{(r.error or {}).get('message', 'unknown error')}",
            )
            for label, r in missing
        ]
    assert a.document is not None and b.document is not None
    da, db = a.document, b.document
    checks = [_enabled("A", da), _enabled("B", db)]
    checks.append(_exchange_token(da, db))
    checks.append(_http_sig(da, db))
    checks.append(_invite(da, db))
    checks.extend(_lists(db))
    checks.append(_protocols(da, db))
    checks.append(_signed_callbacks(da, db))
    return [check for check in checks if check is not None]


def _enabled(label: str, doc: DiscoveryDocument) -> PreflightCheck:
    if doc.enabled is False:
        return PreflightCheck("enabled", "fail", f"{label} has OCM switched off (enabled: false)")
    if doc.enabled is None:
        return PreflightCheck("enabled", "warn", f"{label} does not say whether OCM is enabled")
    return PreflightCheck("enabled", "pass", f"{label} has OCM enabled")


def _via(doc: DiscoveryDocument, current: str) -> str:
    """' (published as "code")' when the criterion came from a legacy name."""
    given = [m.given for m in doc.mappings if m.kind == "criterion" and m.current == current]
    return f" (published as {given[0]!r})" if given else ""


def _exchange_token(a: DiscoveryDocument, b: DiscoveryDocument) -> PreflightCheck | None:
    if not b.has_criterion("must-exchange-token"):
        return None
    needs = f"B requires must-exchange-token{_via(b, 'must-exchange-token')}"
    lacking = [
        what
        for what, present in (
            ("the exchange-token capability", a.has_capability("exchange-token")),
            ("a tokenEndPoint", bool(a.token_end_point)),
        )
        if not present
    ]
    if lacking:
        return PreflightCheck(
            "must-exchange-token",
            "fail",
            f"{needs}, but A lacks {' and '.join(lacking)}; A must not create the share",
        )
    return PreflightCheck(
        "must-exchange-token",
        "pass",
        f"{needs}; A offers exchange-token at {a.token_end_point} and must put"
        " must-exchange-token in every protocol's requirements",
    )


def _http_sig(a: DiscoveryDocument, b: DiscoveryDocument) -> PreflightCheck | None:
    if not b.has_criterion("must-use-http-sig"):
        return None
    needs = f"B rejects unsigned requests (must-use-http-sig{_via(b, 'must-use-http-sig')})"
    if not a.has_capability("http-sig"):
        cavage = " (A has only a draft-cavage publicKey)" if a.public_keys else ""
        return PreflightCheck(
            "must-use-http-sig", "fail", f"{needs}, but A does not advertise http-sig{cavage}"
        )
    if not a.jwks_uri:
        return PreflightCheck(
            "must-use-http-sig",
            "warn",
            f"{needs}; A advertises http-sig without jwksUri, so B must fall back to"
            " /.well-known/jwks.json (draft -07 verifiers may not)",
        )
    return PreflightCheck(
        "must-use-http-sig", "pass", f"{needs}; A signs and publishes keys at {a.jwks_uri}"
    )


def _invite(a: DiscoveryDocument, b: DiscoveryDocument) -> PreflightCheck | None:
    if not b.has_criterion("must-invite"):
        return None
    needs = f"B accepts shares only after an invite (must-invite{_via(b, 'must-invite')})"
    if not a.has_capability("invites"):
        return PreflightCheck(
            "must-invite", "fail", f"{needs}, but A does not advertise the invites capability"
        )
    return PreflightCheck(
        "must-invite",
        "warn",
        f"{needs}; A supports invites, so an invite from B must be accepted on A first",
    )


# LIMITATION: allow and deny lists, and whether an invite was accepted, live inside B; from the
# outside the preflight can only say that they apply, never whether A passes them.
def _lists(b: DiscoveryDocument) -> list[PreflightCheck]:
    return [
        PreflightCheck(
            name,
            "warn",
            f"B applies a {name}; whether A's host is admitted cannot be seen from outside",
        )
        for name in ("allowlist", "denylist")
        if b.has_criterion(name)
    ]


def _protocols(a: DiscoveryDocument, b: DiscoveryDocument) -> PreflightCheck:
    """A must send a protocol B receives; file/user/webdav may be assumed (1.4)."""
    a_file = a.resource_type("file")
    if a_file is None or not a_file.sends:
        return PreflightCheck(
            "protocols", "fail", "A publishes no 'file' resource type with a protocol to send"
        )
    b_file = b.resource_type("file")
    if b_file is None:
        return PreflightCheck("protocols", "fail", "B publishes no 'file' resource type")
    if "user" not in b_file.share_types:
        return PreflightCheck(
            "protocols", "fail", "B's 'file' resource type does not accept the 'user' share type"
        )
    if b_file.receives:
        common = sorted(a_file.sends & b_file.receives)
        if common:
            return PreflightCheck(
                "protocols", "pass", f"A sends and B receives {', '.join(common)} for files"
            )
        if "webdav" in a_file.sends:
            return PreflightCheck(
                "protocols",
                "warn",
                "B lists no receiving protocol A sends; file/user/webdav may still be assumed",
            )
        return PreflightCheck(
            "protocols",
            "fail",
            f"A sends {', '.join(sorted(a_file.sends))} but B receives only"
            f" {', '.join(sorted(b_file.receives))}",
        )
    if "webdav" in a_file.sends:
        return PreflightCheck(
            "protocols", "pass", "A sends files over webdav, which every receiver accepts"
        )
    return PreflightCheck(
        "protocols",
        "warn",
        f"A sends files over {', '.join(sorted(a_file.sends))} only, and B does not say what it"
        " receives",
    )


def _signed_callbacks(a: DiscoveryDocument, b: DiscoveryDocument) -> PreflightCheck | None:
    """B calls A back (notifications, token requests); A's criteria then apply to B."""
    if not a.has_criterion("must-use-http-sig"):
        return None
    if b.has_capability("http-sig"):
        return PreflightCheck(
            "callbacks-signed", "pass", "A requires signed requests and B advertises http-sig"
        )
    return PreflightCheck(
        "callbacks-signed",
        "fail",
        "A rejects unsigned requests, but B does not advertise http-sig: B's notifications and"
        " token requests to A will be refused",
    )
