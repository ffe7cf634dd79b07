"""The keys a peer publishes in its JWKS, with the rotation and unknown-kid faults."""

from __future__ import annotations

import threading

from inspector.core.keys import SigningKey, generate_key, jwks


class KeySet:
    """Published signing keys, oldest first; the newest signs.

    ``kid_pattern`` is formatted with ``n``, the key's serial number (1, 2, ...). With ``rotating``
    the set starts with two keys and every ``publish_and_rotate()`` retires the oldest and adds a
    new one *after* answering, so a client that cached the set meets a kid it has not seen yet.
    """

    def __init__(self, kind: str, kid_pattern: str, *, rotating: bool = False) -> None:
        self.kind = kind
        self.kid_pattern = kid_pattern
        self.rotating = rotating
        self._lock = threading.Lock()
        self._serial = 0
        self._keys: list[SigningKey] = [self._new_key() for _ in range(2 if rotating else 1)]
        self._unpublished: SigningKey | None = None

    def _new_key(self) -> SigningKey:
        self._serial += 1
        return generate_key(self.kind, self.kid_pattern.format(n=self._serial))

    @property
    def newest(self) -> SigningKey:
        with self._lock:
            return self._keys[-1]

    @property
    def unpublished(self) -> SigningKey:
        """A key of the same kind whose kid never appears in the JWKS (the unknown-kid fault)."""
        with self._lock:
            if self._unpublished is None:
                kid = self.kid_pattern.format(n="unpublished")
                self._unpublished = generate_key(self.kind, kid)
            return self._unpublished

    def jwks(self) -> dict:
        """The JWKS as published right now, without rotating."""
        with self._lock:
            return jwks(*self._keys)

    def publish_and_rotate(self) -> dict:
        """The JWKS to answer a GET with; rotates afterwards when ``rotating``."""
        with self._lock:
            published = jwks(*self._keys)
            if self.rotating:
                self._keys = [*self._keys[1:], self._new_key()]
            return published
