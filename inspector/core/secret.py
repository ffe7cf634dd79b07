"""A wrapper that keeps secrets out of logs, reprs, exports and tracebacks."""

from __future__ import annotations


class Secret:
    """A secret string. ``str`` and ``repr`` are redacted; ``reveal()`` is the one way in."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        if isinstance(value, Secret):
            value = value.reveal()
        self._value = value

    def reveal(self) -> str:
        """The plain value. Call only where the secret must go on the wire or into the keyring."""
        return self._value

    def hint(self) -> str:
        """A hint that identifies the secret without disclosing it: length and last two chars."""
        if len(self._value) < 8:
            return f"‹{len(self._value)} chars›"
        return f"‹{len(self._value)} chars, …{self._value[-2:]}›"

    def __repr__(self) -> str:
        return "Secret(‹redacted›)"

    def __str__(self) -> str:
        return "‹redacted›"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(("Secret", self._value))

    def __bool__(self) -> bool:
        return bool(self._value)

    def __reduce__(self):
        raise TypeError("Secret values cannot be pickled")
