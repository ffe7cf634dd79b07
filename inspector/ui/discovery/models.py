"""Table models over a DiscoveryResult: findings, resource types, published keys, HTTP exchanges."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Generic

from PySide6.QtCore import QSortFilterProxyModel, Qt
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from inspector.ui.table_model import Index, Row, RowTableModel

if TYPE_CHECKING:
    from inspector.core.discovery_model import ResourceType
    from inspector.core.findings import Finding
    from inspector.core.http import Exchange

RowRole = Qt.ItemDataRole.UserRole + 1
SeverityRole = Qt.ItemDataRole.UserRole + 2

SEVERITY_LABELS = {"error": "Error", "warning": "Warning", "info": "Info"}


def severity_icon(severity: str) -> QIcon:
    """The style's own message icons, so they match the rest of the desktop."""
    # Imported here: QStyle's many enums are slow to load and the first paint does not need them.
    from PySide6.QtWidgets import QStyle

    pixmap = {
        "error": QStyle.StandardPixmap.SP_MessageBoxCritical,
        "warning": QStyle.StandardPixmap.SP_MessageBoxWarning,
    }.get(severity, QStyle.StandardPixmap.SP_MessageBoxInformation)
    return QApplication.style().standardIcon(pixmap)


class Column(Generic[Row]):
    """A column: its header, the text of a row in it, and optionally a tooltip."""

    def __init__(
        self,
        header: str,
        text: Callable[[Row], str],
        tooltip: Callable[[Row], str | None] | None = None,
    ) -> None:
        self.header = header
        self.text = text
        self.tooltip = tooltip


class RowsModel(RowTableModel[Row]):
    """A read-only table of rows, one object per row, described by ``columns``."""

    columns: Sequence[Column[Row]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        # The headers come from the columns, so a subclass declares each header only once.
        super().__init_subclass__(**kwargs)
        cls.HEADERS = tuple(column.header for column in cls.columns)

    def cell(self, row: Row, column: int, role: int) -> Any:
        described = self.columns[column]
        if role == Qt.ItemDataRole.DisplayRole:
            return described.text(row)
        if role == Qt.ItemDataRole.ToolTipRole:
            return described.tooltip(row) if described.tooltip else described.text(row)
        if role == RowRole:
            return row
        return self.extra_data(row, column, role)

    def extra_data(self, row: Row, column: int, role: int) -> Any:
        return None


# -- findings ----------------------------------------------------------------------------------


class FindingsModel(RowsModel["Finding"]):
    columns = (
        Column("Severity", lambda f: SEVERITY_LABELS.get(f.severity, f.severity)),
        Column("Code", lambda f: f.code),
        Column("Field", lambda f: f.field or ""),
        Column("Message", lambda f: f.message),
        Column(
            "Spec",
            lambda f: f.spec_version,
            lambda f: f"The rule comes from OCM {f.spec_version}",
        ),
    )

    def extra_data(self, row: Finding, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.DecorationRole and column == 0:
            return severity_icon(row.severity)
        if role == SeverityRole:
            return row.severity
        return None


class RowFilterModel(QSortFilterProxyModel):
    """A proxy whose row filter depends on state that ``change_filter`` changes."""

    def change_filter(self, change: Callable[[], None]) -> None:
        # Qt 6.10 replaced invalidateRowsFilter() by the begin/end pair; older Qt lacks the pair.
        modern = hasattr(self, "beginFilterChange")
        if modern:
            self.beginFilterChange()
        change()
        if modern:
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        else:
            self.invalidateRowsFilter()


class SeverityFilterModel(RowFilterModel):
    """Shows only the findings whose severity is switched on."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.shown = {"error", "warning", "info"}

    def set_shown(self, severity: str, shown: bool) -> None:
        if shown:
            self.change_filter(lambda: self.shown.add(severity))
        else:
            self.change_filter(lambda: self.shown.discard(severity))

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:  # noqa: N802
        index = self.sourceModel().index(source_row, 0, source_parent)
        return index.data(SeverityRole) in self.shown


# -- resource types ----------------------------------------------------------------------------


def protocol_rows(resource_types: Sequence[ResourceType]) -> list[tuple[ResourceType, Any]]:
    """One row per protocol key; a resource type without protocols still gets a row."""
    rows: list[tuple[ResourceType, Any]] = []
    for resource_type in resource_types:
        if not resource_type.protocols:
            rows.append((resource_type, None))
        rows.extend((resource_type, entry) for entry in resource_type.protocols)
    return rows


def _value_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


_ROLE_TEXT = {
    "send": "send: can share over it",
    "receive": "receive: accepts shares over it",
}


class ResourceTypesModel(RowsModel["tuple[ResourceType, ProtocolEntry | None]"]):
    columns = (
        Column("Resource type", lambda r: r[0].name or "(no name)"),
        Column("Share types", lambda r: ", ".join(r[0].share_types)),
        Column("Protocol", lambda r: r[1].protocol if r[1] else "(none)"),
        Column(
            "Role",
            lambda r: r[1].role if r[1] else "",
            lambda r: _ROLE_TEXT.get(r[1].role) if r[1] else None,
        ),
        Column("Key", lambda r: r[1].key if r[1] else ""),
        Column("Value", lambda r: _value_text(r[1].value) if r[1] else ""),
        Column(
            "Resolved URL",
            lambda r: (r[1].url or "") if r[1] else "",
            lambda r: (
                "A path resolved against the endPoint's origin" if r[1] and r[1].url else None
            ),
        ),
    )


# -- published keys ----------------------------------------------------------------------------


@functools.cache
def key_description(pem: str | None) -> str:
    """ "RSA 2048-bit key", "Ed25519 key", ... or why the PEM cannot be read."""
    if not pem:
        return "no publicKeyPem"
    # cryptography is loaded only when a document with keys is shown, not at startup.
    from inspector.core.errors import KeyLookupError
    from inspector.core.keys import describe_key, public_key_from_pem

    try:
        return describe_key(public_key_from_pem(pem))
    except KeyLookupError as exc:
        return f"unreadable: {exc.message}"


class KeysModel(RowsModel["PublishedKey"]):
    columns = (
        Column("Source", lambda k: k.source),
        Column("Key id", lambda k: k.key_id or "(none)"),
        Column(
            "Id field",
            lambda k: k.id_field or "",
            lambda k: (
                "2024 'develop' spelling; 1.2 and later use keyId" if k.id_field == "id" else None
            ),
        ),
        Column("Algorithm", lambda k: k.algorithm or ""),
        Column("Key", lambda k: key_description(k.pem)),
    )


# -- HTTP exchanges ----------------------------------------------------------------------------


def status_text(exchange: Exchange) -> str:
    if exchange.status is not None:
        text = f"{exchange.status} {exchange.reason}".strip()
        return f"{text} (cut off)" if exchange.truncated else text
    return "cancelled" if exchange.error == "cancelled" else "no answer"


class ExchangesModel(RowsModel["Exchange"]):
    columns = (
        Column("Method", lambda e: e.method),
        Column("URL", lambda e: e.url),
        Column("Status", status_text, lambda e: e.error or status_text(e)),
        Column("Time", lambda e: f"{e.elapsed_ms:.0f} ms"),
    )

    def extra_data(self, row: Exchange, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.DecorationRole and column == 2:
            if row.error or row.status is None:
                return severity_icon("error")
            if row.status >= 400:
                return severity_icon("warning")
        if role == Qt.ItemDataRole.TextAlignmentRole and column == 3:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None
