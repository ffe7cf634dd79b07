"""The claims of a token as a table: registered names spelled out, times readable and kept current."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from inspector.ui.badges import STATUS_COLOURS
from inspector.ui.table_model import RowTableModel
from inspector.ui.tokens.tables import fixed_font

if TYPE_CHECKING:
    from inspector.core.jose import TimeClaim

CLAIM, NAME, VALUE, UTC_TIME, LOCAL_TIME, RELATIVE = range(6)
TIME_CLAIMS = ("exp", "nbf", "iat", "auth_time")

EXPIRED_COLOUR = STATUS_COLOURS["errors"]
LEEWAY_COLOUR = STATUS_COLOURS["warnings"]


class ClaimsModel(RowTableModel["tuple[str, Any]"]):
    """One row per claim of the payload, in the token's order.

    ``set_now`` moves the clock the relative times are read against; only the time rows change.
    """

    HEADERS = ("Claim", "Name", "Value", "UTC", "Local time", "Relative")

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._times: dict[str, TimeClaim] = {}
        self._names: dict[str, str] = {}
        self.now = 0.0

    def set_claims(self, claims: dict[str, Any] | None, now: float) -> None:
        self.beginResetModel()
        self.rows = list((claims or {}).items())
        if self.rows:
            # Only now: the token code is not imported until there is a token (startup time).
            from inspector.core.jose import CLAIM_NAMES

            self._names = CLAIM_NAMES
        self.now = now
        self._times = self._read_times(now)
        self.endResetModel()

    def set_now(self, now: float) -> None:
        self.now = now
        self._times = self._read_times(now)
        for row, (member, _value) in enumerate(self.rows):
            if member in self._times:
                changed = self.index(row, RELATIVE)
                self.dataChanged.emit(changed, changed)

    def time_claim(self, member: str) -> TimeClaim | None:
        return self._times.get(member)

    def members(self) -> list[str]:
        return [member for member, _ in self.rows]

    def _read_times(self, now: float) -> dict[str, TimeClaim]:
        if not self.rows:
            return {}
        from inspector.core.jose import TimeClaim

        return {
            member: TimeClaim(member, value, now)
            for member, value in self.rows
            if member in TIME_CLAIMS
        }

    def cell(self, row: tuple[str, Any], column: int, role: int) -> Any:
        member, value = row
        claim = self._times.get(member)
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(member, value, claim, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(member, value, claim, column)
        if role == Qt.ItemDataRole.ForegroundRole and column == RELATIVE and claim is not None:
            return self._time_colour(member, claim)
        if role == Qt.ItemDataRole.FontRole and column in (CLAIM, VALUE):
            return fixed_font()
        if role == Qt.ItemDataRole.UserRole:
            return value
        return None

    def _display(self, member: str, value: Any, claim: TimeClaim | None, column: int) -> str:
        if column == CLAIM:
            return member
        if column == NAME:
            return self._names.get(member, "")
        if column == VALUE:
            return value_text(value)
        if claim is None:
            return ""
        if column == UTC_TIME:
            return readable_moment(claim.utc, "UTC")
        if column == LOCAL_TIME:
            return local_moment(claim.local, claim.utc)
        if claim.milliseconds:
            return f"⚠ looks like milliseconds ({claim.relative})"
        return claim.relative

    def _tooltip(self, member: str, value: Any, claim: TimeClaim | None, column: int) -> str:
        if column == NAME and member not in self._names:
            return "Not a claim name this inspector knows; the issuer defines what it means"
        if claim is not None and claim.milliseconds:
            return (
                f"{member} is {value}: NumericDate is in seconds, but this looks like "
                f"milliseconds (read as such: {claim.as_milliseconds_utc})"
            )
        if claim is not None and column in (VALUE, UTC_TIME, LOCAL_TIME, RELATIVE):
            return f"{value} seconds since 1970-01-01 UTC"
        if column == VALUE and not isinstance(value, str):
            return json.dumps(value, indent=2, ensure_ascii=False)
        return ""

    def _time_colour(self, member: str, claim: TimeClaim) -> QColor | None:
        delta = claim.delta
        if delta is None or claim.milliseconds:
            return QColor(LEEWAY_COLOUR)
        if member == "exp" and delta <= 0:
            return QColor(EXPIRED_COLOUR)
        if member == "nbf" and delta > 0:
            return QColor(EXPIRED_COLOUR)
        return None


def value_text(value: Any) -> str:
    """A claim value on one line: strings as they are, everything else as compact JSON."""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))


def readable_moment(iso: str | None, suffix: str = "") -> str:
    """ "2026-12-03T17:04:05Z" as "2026-12-03 17:04:05 UTC"; out-of-range values say so."""
    if iso is None:
        return "out of range"
    text = iso.replace("T", " ").removesuffix("Z")
    return f"{text} {suffix}".strip()


def local_moment(local: str | None, utc: str | None) -> str:
    """The local time, without its date when that is the UTC date shown beside it."""
    if local is None or utc is None:
        return "out of range"
    moment = local.replace("T", " ")
    # "2026-12-03 18:08:37+01:00" -> time and offset apart: "18:08:37 +01:00".
    moment = f"{moment[:-6]} {moment[-6:]}" if moment[-6] in "+-" else moment
    return moment[11:] if local[:10] == utc[:10] else moment


def precise_span(seconds: float) -> str:
    """A duration to the second for a countdown: "42 s", "4 min 12 s", "3 h 4 min 12 s"."""
    total = int(abs(seconds))
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days >= 365:
        return f"{days // 365} years {days % 365} d"
    if days:
        return f"{days} d {hours} h {minutes} min"
    if hours:
        return f"{hours} h {minutes} min {secs} s"
    if minutes:
        return f"{minutes} min {secs} s"
    return f"{secs} s"


def countdown(exp: TimeClaim | None, leeway: float) -> tuple[str, str | None]:
    """The countdown line for ``exp`` and its severity (None, "warnings" or "errors")."""
    if exp is None:
        return "No exp claim: this token never expires.", "warnings"
    delta = exp.delta
    if delta is None:
        return f"exp is {exp.value!r}, not a time: the expiry cannot be read.", "errors"
    when = readable_moment(exp.utc, "UTC")
    if exp.milliseconds:
        return (
            f"exp looks like milliseconds; read as seconds it is {when}. "
            f"As milliseconds it would be {readable_moment(exp.as_milliseconds_utc, 'UTC')}.",
            "warnings",
        )
    if delta > 0:
        return f"Expires in {precise_span(delta)}, at {when}.", None
    if -delta <= leeway:
        left = precise_span(leeway + delta)
        return (
            f"Expired {precise_span(delta)} ago, at {when}; still accepted for {left} "
            f"of the {leeway:g} s leeway.",
            "warnings",
        )
    return f"Expired {precise_span(delta)} ago, at {when}.", "errors"
