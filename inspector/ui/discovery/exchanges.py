"""The HTTP exchanges of a discovery: a table, and the selected one's headers and bodies."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from PySide6.QtCore import QItemSelection, Qt
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from inspector.ui.discovery.json_view import JsonHighlighter
from inspector.ui.discovery.models import ExchangesModel, status_text

if TYPE_CHECKING:
    from inspector.core.http import Exchange

# A discovery body over this is shown cut; the full (capped) body stays in the result.
SHOWN_BODY_LIMIT = 64 * 1024


def format_exchange(exchange: Exchange) -> str:
    """The exchange as text a person reads: request, response, headers and bodies, redacted."""
    data = exchange.as_dict(bodies=True)
    lines = [f"{exchange.method} {exchange.url}"]
    outcome = status_text(exchange)
    version = f"{exchange.http_version} " if exchange.http_version else ""
    lines.append(f"{version}{outcome} in {exchange.elapsed_ms:.1f} ms")
    if exchange.error:
        lines.append(f"Error: {exchange.error}")

    lines += ["", "Request headers:"]
    lines += [f"  {name}: {value}" for name, value in data["request_headers"]]
    if data["request_body"]:
        lines += ["", "Request body:", _body(data["request_body"])]

    if exchange.status is not None:
        lines += ["", "Response headers:"]
        lines += [f"  {name}: {value}" for name, value in data["response_headers"]]
        size = len(exchange.response_body)
        note = " — cut off at the size limit" if exchange.truncated else ""
        lines += ["", f"Response body ({size:,} bytes{note}):", _body(data["response_body"])]
    return "\n".join(lines)


def _body(text: str) -> str:
    if not text:
        return "  (empty)"
    if len(text) > SHOWN_BODY_LIMIT:
        return text[:SHOWN_BODY_LIMIT] + f"\n… ({len(text) - SHOWN_BODY_LIMIT:,} more characters)"
    try:
        return json.dumps(json.loads(text), indent=2, ensure_ascii=False)
    except ValueError:
        return text


class BodyHighlighter(JsonHighlighter):
    """Colours JSON only in the body sections, so header values stay plain text."""

    IN_BODY = 1

    def highlightBlock(self, text: str) -> None:  # noqa: N802 - Qt override
        if text.startswith(("Request body", "Response body")):
            self.setCurrentBlockState(self.IN_BODY)
            return
        if text.endswith(":") and not text.startswith(" ") and text[:1].isupper():
            self.setCurrentBlockState(0)
            return
        self.setCurrentBlockState(self.previousBlockState())
        if self.previousBlockState() == self.IN_BODY:
            super().highlightBlock(text)


class ExchangesView(QSplitter):
    """Method, URL, status and time per exchange; the detail pane below shows the selected one."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(Qt.Orientation.Vertical, parent)
        self.model = ExchangesModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.setWordWrap(False)
        self.table.setAccessibleName("HTTP exchanges")
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)

        self.detail = QPlainTextEdit()
        self.detail.setReadOnly(True)
        self.detail.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.detail.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.detail.setPlaceholderText(
            "Select an exchange to see its headers and bodies (secrets are redacted)."
        )
        self.detail.setAccessibleName("Exchange detail")
        self.highlighter = BodyHighlighter(self.detail.document())

        self.trail = QLabel()
        self.trail.setWordWrap(True)
        self.trail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.trail.setToolTip("The discovery paths asked, in order, and what each gave")

        top = QWidget()
        layout = QVBoxLayout(top)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addWidget(self.trail)
        layout.addWidget(self.table)
        self.addWidget(top)
        self.addWidget(self.detail)
        self.setStretchFactor(0, 1)
        self.setStretchFactor(1, 2)

    def set_exchanges(self, exchanges: list[Exchange], trail: str = "") -> None:
        self.trail.setText(trail)
        self.trail.setVisible(bool(trail))
        self.model.set_rows(exchanges)
        self.detail.clear()
        if exchanges:
            self.table.selectRow(_preferred_row(exchanges))

    def _selection_changed(self, selected: QItemSelection, _deselected: QItemSelection) -> None:
        indexes = selected.indexes()
        exchange = self.model.row_at(indexes[0].row()) if indexes else None
        self.detail.setPlainText(format_exchange(exchange) if exchange else "")


def _preferred_row(exchanges: list[Exchange]) -> int:
    """The first successful answer (usually the document), else the last exchange."""
    for row, exchange in enumerate(exchanges):
        if exchange.status is not None and 200 <= exchange.status < 300:
            return row
    return len(exchanges) - 1
