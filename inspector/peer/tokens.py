"""Access tokens the peer has issued, so its WebDAV can honour them until they expire."""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass
from enum import Enum

from inspector.peer.share import random_alphanumeric


class TokenState(Enum):
    VALID = "valid"
    EXPIRED = "expired"
    UNKNOWN = "unknown"
    REVOKED = "revoked"


@dataclass(frozen=True)
class IssuedToken:
    share_id: str
    expires_at: float
    refresh_token: str | None = None


class TokenStore:
    """Issued access tokens by value. Thread-safe; expiry is judged by the caller's clock."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tokens: dict[str, IssuedToken] = {}
        self._revoked: set[str] = set()
        self._exchanged_shares: set[str] = set()

    def add(self, token: str, issued: IssuedToken) -> None:
        with self._lock:
            self._tokens[token] = issued
            self._exchanged_shares.add(issued.share_id)

    def revoke_share_tokens(self, share_id: str) -> None:
        """Forget every token of a share (Nextcloud revokes the previous one on each exchange)."""
        with self._lock:
            for token, issued in list(self._tokens.items()):
                if issued.share_id == share_id:
                    del self._tokens[token]
                    self._revoked.add(token)

    def state(self, token: str, share_id: str, now: float) -> TokenState:
        """Whether ``token`` grants access to ``share_id`` at time ``now``."""
        with self._lock:
            issued = self._tokens.get(token)
            revoked = token in self._revoked
        if issued is None:
            return TokenState.REVOKED if revoked else TokenState.UNKNOWN
        if not secrets.compare_digest(issued.share_id, share_id):
            return TokenState.UNKNOWN
        if issued.expires_at <= now:
            return TokenState.EXPIRED
        return TokenState.VALID

    def share_of(self, token: str) -> str | None:
        with self._lock:
            issued = self._tokens.get(token)
        return issued.share_id if issued else None

    def was_exchanged(self, share_id: str) -> bool:
        """Whether the share's secret has been exchanged for a token at least once."""
        with self._lock:
            return share_id in self._exchanged_shares


def opaque_token() -> str:
    """An opaque bearer token of the kind 1.x-era servers hand out."""
    return random_alphanumeric(40)


def token_id() -> str:
    """A ``jti`` value: 16 random alphanumerics (as Nextcloud uses)."""
    return random_alphanumeric(16)
