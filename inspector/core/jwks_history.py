"""Which keys a server published, fetch after fetch: kids that appeared, vanished or were replaced.

Key rotation is a frequent cause of "signature invalid" between OCM peers: a verifier caching an
old JWKS, or a server that replaced a key under the same kid. The history is kept with the saved
server in ``Server.extra["jwks_history"]`` and holds public data only.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from inspector.core.errors import KeyLookupError
from inspector.core.jwks import JwkInfo, KeySource
from inspector.core.store import Server, ServerStore

log = logging.getLogger(__name__)

HISTORY_KEY = "jwks_history"
HISTORY_EVENTS_KEPT = 50


@dataclass(frozen=True)
class JwksChange:
    """How a server's keys changed since the previous recorded fetch.

    Keys are named by kid (or thumbprint when they have none). ``replaced`` lists kids whose key
    material changed while the kid stayed the same, which verifiers caching by kid will miss.
    """

    appeared: tuple[str, ...]
    vanished: tuple[str, ...]
    unchanged: tuple[str, ...]
    replaced: tuple[str, ...] = ()
    first_fetch: bool = False
    previous_fetch: str | None = None
    fetched_at: str = ""

    @property
    def changed(self) -> bool:
        return bool(self.appeared or self.vanished or self.replaced)

    def by_kind(self) -> list[tuple[str, tuple[str, ...]]]:
        """``("appeared" | "vanished" | "replaced", kids)`` for each kind that happened, in order.

        The CLI, the GUI and the log word a change differently; this is the part they share.
        """
        kinds = (
            ("appeared", self.appeared),
            ("vanished", self.vanished),
            ("replaced", self.replaced),
        )
        return [(kind, kids) for kind, kids in kinds if kids]

    def to_dict(self) -> dict[str, Any]:
        return {
            "appeared": list(self.appeared),
            "vanished": list(self.vanished),
            "unchanged": list(self.unchanged),
            "replaced": list(self.replaced),
            "changed": self.changed,
            "first_fetch": self.first_fetch,
            "previous_fetch": self.previous_fetch,
            "fetched_at": self.fetched_at,
        }


def record_jwks(
    server_id: str,
    jwks: Mapping[str, Any] | KeySource,
    *,
    store: ServerStore | None = None,
    now: datetime | None = None,
) -> JwksChange:
    """Compare ``jwks`` with the keys last recorded for a saved server, store it, return the change.

    The history lives in ``Server.extra["jwks_history"]`` (see ``update_history``). Raises
    ``ConfigError`` when the server is unknown or the list cannot be saved.
    """
    store = store or ServerStore()
    store.reload()
    server = store.find(server_id)
    change, history = update_history(jwks_history(server), jwks, now=now)
    store.update(server.id, extra={**server.extra, HISTORY_KEY: history})
    log.info(
        "recorded %d keys for server %s (%s)", len(history["keys"]), server.name, _summary(change)
    )
    return change


def record_jwks_in_memory(
    server: Server, jwks: Mapping[str, Any] | KeySource, *, now: datetime | None = None
) -> JwksChange:
    """As ``record_jwks`` for a server that is never saved (a demo peer): updates it in place."""
    change, history = update_history(jwks_history(server), jwks, now=now)
    server.extra = {**server.extra, HISTORY_KEY: history}
    return change


def update_history(
    history: Mapping[str, Any],
    jwks: Mapping[str, Any] | KeySource,
    *,
    now: datetime | None = None,
) -> tuple[JwksChange, dict[str, Any]]:
    """The change since ``history`` and the history that includes this fetch. No I/O.

    A history holds public data only: kid, kty, crv, alg, use and thumbprint per key, plus the
    last ``HISTORY_EVENTS_KEPT`` changes.
    """
    keys = jwks.keys if isinstance(jwks, KeySource) else _keys_of(jwks)
    stamp = (now or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="seconds")
    current = {key.identity: _history_entry(key) for key in keys}
    previous = {
        entry["id"]: entry
        for entry in history.get("keys") or []
        if isinstance(entry, dict) and isinstance(entry.get("id"), str)
    }
    first = "fetched_at" not in history

    appeared = tuple(sorted(set(current) - set(previous)))
    vanished = tuple(sorted(set(previous) - set(current)))
    kept = sorted(set(current) & set(previous))
    replaced = tuple(k for k in kept if current[k]["thumbprint"] != previous[k].get("thumbprint"))
    unchanged = tuple(k for k in kept if k not in replaced)
    change = JwksChange(
        appeared, vanished, unchanged, replaced, first, history.get("fetched_at"), stamp
    )

    events = [event for event in history.get("events") or [] if isinstance(event, dict)]
    if change.changed:
        events.append(
            {
                "at": stamp,
                "appeared": list(appeared),
                "vanished": list(vanished),
                "replaced": list(replaced),
            }
        )
    updated = {
        "keys": list(current.values()),
        "fetched_at": stamp,
        "events": events[-HISTORY_EVENTS_KEPT:],
    }
    return change, updated


def jwks_history(server: Server) -> dict[str, Any]:
    """The recorded key history of a ``Server`` (empty dict when none was recorded)."""
    history = server.extra.get(HISTORY_KEY) if isinstance(server.extra, dict) else None
    return history if isinstance(history, dict) else {}


def _keys_of(document: Mapping[str, Any]) -> list[JwkInfo]:
    entries = document.get("keys") if isinstance(document, Mapping) else None
    if not isinstance(entries, list):
        raise KeyLookupError("not a JWK Set: expected an object with a 'keys' array")
    return [JwkInfo.from_jwk(index, entry) for index, entry in enumerate(entries)]


def _history_entry(key: JwkInfo) -> dict[str, Any]:
    return {
        "id": key.identity,
        "kid": key.kid,
        "kty": key.kty,
        "crv": key.crv,
        "alg": key.alg,
        "use": key.use,
        "thumbprint": key.thumbprint,
    }


def _summary(change: JwksChange) -> str:
    if change.first_fetch:
        return "first fetch"
    if not change.changed:
        return "no change"
    return "; ".join(f"{kind} {', '.join(kids)}" for kind, kids in change.by_kind())
