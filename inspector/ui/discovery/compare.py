"""Compare two servers: their discovery fields side by side, and whether A can share with B."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QKeySequence
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from inspector.core.store import Server
from inspector.ui.badges import status_icon
from inspector.ui.discovery.banner import Banner
from inspector.ui.discovery.models import Column, RowFilterModel, RowsModel, severity_icon
from inspector.ui.discovery.tables import read_only_table
from inspector.ui.pages import AppContext
from inspector.ui.tasks import Task

if TYPE_CHECKING:
    from inspector.core.cancel import CancelToken
    from inspector.core.comparison import Comparison, FieldDifference, PreflightCheck
    from inspector.core.discovery import DiscoveryResult

log = logging.getLogger(__name__)

SameRole = Qt.ItemDataRole.UserRole + 3

_OUTCOME_TEXT = {"pass": "ok", "warn": "ok, check by hand", "fail": "FAIL"}


def compare_servers(a: Server, b: Server, cancel: CancelToken) -> Comparison:
    """Discover A and B at the same time, then compare them. Runs on a worker thread."""
    from inspector.core.comparison import compare
    from inspector.core.discovery import discover_many

    result_a, result_b = discover_many([a, b], cancel=cancel)
    return compare(result_a, result_b)


def outcome_icon(outcome: str):
    return (
        status_icon("ok")
        if outcome == "pass"
        else severity_icon("warning" if outcome == "warn" else "error")
    )


class PreflightModel(RowsModel["PreflightCheck"]):
    columns = (
        Column("Result", lambda c: _OUTCOME_TEXT.get(c.outcome, c.outcome)),
        Column("Check", lambda c: c.code),
        Column("Why", lambda c: c.message),
    )

    def extra_data(self, row: PreflightCheck, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.DecorationRole and column == 0:
            return outcome_icon(row.outcome)
        return None


def value_text(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return ", ".join(value) if value else "(empty)"
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


# The wire names an admin knows, for the summary keys the comparison uses.
FIELD_LABELS = {
    "api_version": "apiVersion",
    "version": "version (Nextcloud)",
    "end_point": "endPoint",
    "token_end_point": "tokenEndPoint",
    "jwks_uri": "jwksUri",
    "invite_accept_dialog": "inviteAcceptDialog",
    "resource_types": "resourceTypes",
    "public_keys": "publicKey(s)",
}


def field_label(name: str) -> str:
    return FIELD_LABELS.get(name, name)


class FieldsModel(RowsModel["FieldDifference"]):
    columns = (
        Column("Field", lambda f: field_label(f.field)),
        Column("", lambda f: "=" if f.same else "≠", lambda f: "same" if f.same else "different"),
        Column("A", lambda f: value_text(f.a)),
        Column("B", lambda f: value_text(f.b)),
    )

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.names = ("A", "B")

    def set_names(self, a: str, b: str) -> None:
        self.names = (f"A: {a}", f"B: {b}")
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 2, 3)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:  # noqa: N802
        horizontal = orientation == Qt.Orientation.Horizontal
        if horizontal and role == Qt.ItemDataRole.DisplayRole and section in (2, 3):
            return self.names[section - 2]
        return super().headerData(section, orientation, role)

    def extra_data(self, row: FieldDifference, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.FontRole and not row.same:
            font = QFont()
            font.setBold(True)
            return font
        if role == SameRole:
            return row.same
        return None


class DifferencesOnly(RowFilterModel):
    """Hides the fields on which A and B agree, when asked to."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.only = False

    def set_only(self, only: bool) -> None:
        self.change_filter(lambda: setattr(self, "only", only))

    def filterAcceptsRow(self, source_row: int, source_parent) -> bool:  # noqa: N802
        if not self.only:
            return True
        index = self.sourceModel().index(source_row, 0, source_parent)
        return not index.data(SameRole)


class CompareDialog(QDialog):
    """Pick A and B, run both discoveries, show the preflight for A sharing with B and the fields."""

    compared = Signal(object)  # Comparison

    def __init__(
        self,
        context: AppContext,
        record: Callable[[Server, DiscoveryResult], None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Compare servers")
        self.resize(900, 560)
        self.context = context
        self.record = record
        self.servers: list[Server] = []
        self.task: Task | None = None
        self.comparison: Comparison | None = None

        self.a_box = QComboBox()
        self.a_box.setToolTip("A: the server that would send the share (Alt+A)")
        self.b_box = QComboBox()
        self.b_box.setToolTip("B: the server that would receive it (Alt+B)")
        swap = QPushButton("⇅ Swap")
        swap.setShortcut(QKeySequence("Ctrl+W"))
        swap.setToolTip("Swap A and B (Ctrl+W)")
        swap.clicked.connect(self.swap)
        self.compare_button = QPushButton("Compare")
        self.compare_button.setDefault(True)
        self.compare_button.setShortcut(QKeySequence("Ctrl+Return"))
        self.compare_button.setToolTip("Fetch both discovery documents and compare (Ctrl+Return)")
        self.compare_button.clicked.connect(self.run)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop waiting for the servers")
        self.cancel_button.clicked.connect(self.cancel)
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)
        self.progress.setTextVisible(False)
        self.progress.setMaximumWidth(120)

        a_label = QLabel("&A (sends):")
        a_label.setBuddy(self.a_box)
        b_label = QLabel("&B (receives):")
        b_label.setBuddy(self.b_box)
        pick = QGridLayout()
        pick.addWidget(a_label, 0, 0)
        pick.addWidget(self.a_box, 0, 1)
        pick.addWidget(b_label, 1, 0)
        pick.addWidget(self.b_box, 1, 1)
        pick.addWidget(swap, 0, 2, 2, 1)
        pick.setColumnStretch(1, 1)
        run_row = QHBoxLayout()
        run_row.addStretch(1)
        run_row.addWidget(self.progress)
        run_row.addWidget(self.cancel_button)
        run_row.addWidget(self.compare_button)

        self.banner = Banner()
        self.verdict = QLabel()
        self.verdict.setTextFormat(Qt.TextFormat.RichText)
        self.verdict.setWordWrap(True)
        self.preflight_model = PreflightModel(self)
        self.preflight_table = read_only_table(self.preflight_model, "Preflight checks")
        self.preflight_table.setWordWrap(True)
        self.fields_model = FieldsModel(self)
        self.fields_proxy = DifferencesOnly(self)
        self.fields_proxy.setSourceModel(self.fields_model)
        self.fields_table = read_only_table(self.fields_proxy, "Field differences")
        self.fields_table.setWordWrap(True)
        header = self.fields_table.horizontalHeader()
        header.setStretchLastSection(False)
        for column in (2, 3):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)
        self.preflight_table.horizontalHeader().setSectionResizeMode(
            2, QHeaderView.ResizeMode.Stretch
        )
        self.only_differences = QCheckBox("Only differences")
        self.only_differences.setShortcut(QKeySequence("Alt+D"))
        self.only_differences.setToolTip("Hide the fields that A and B have in common (Alt+D)")
        self.only_differences.toggled.connect(self.fields_proxy.set_only)

        upper = QWidget()
        upper_layout = QVBoxLayout(upper)
        upper_layout.setContentsMargins(0, 0, 0, 0)
        upper_layout.addWidget(self.verdict)
        upper_layout.addWidget(self.preflight_table)
        lower = QWidget()
        lower_layout = QVBoxLayout(lower)
        lower_layout.setContentsMargins(0, 0, 0, 0)
        fields_bar = QHBoxLayout()
        fields_bar.addWidget(QLabel("<b>Fields</b>"))
        fields_bar.addStretch(1)
        fields_bar.addWidget(self.only_differences)
        lower_layout.addLayout(fields_bar)
        lower_layout.addWidget(self.fields_table)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(upper)
        splitter.addWidget(lower)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addLayout(pick)
        layout.addLayout(run_row)
        layout.addWidget(self.banner)
        layout.addWidget(splitter, 1)
        layout.addWidget(buttons)
        self._update_running()

    def set_servers(self, servers: list[Server], a_id: str | None = None) -> None:
        """Offer ``servers`` as A and B; ``a_id`` is preselected as A and another one as B."""
        self.servers = list(servers)
        for box in (self.a_box, self.b_box):
            box.clear()
            for server in self.servers:
                box.addItem(f"{server.name} — {server.target}", server.id)
        ids = [s.id for s in self.servers]
        a_index = ids.index(a_id) if a_id in ids else 0
        self.a_box.setCurrentIndex(a_index)
        self.b_box.setCurrentIndex(next((i for i in range(len(ids)) if i != a_index), a_index))
        self._update_running()

    def select(self, a_id: str, b_id: str) -> None:
        self.a_box.setCurrentIndex(self.a_box.findData(a_id))
        self.b_box.setCurrentIndex(self.b_box.findData(b_id))

    def swap(self) -> None:
        a, b = self.a_box.currentIndex(), self.b_box.currentIndex()
        self.a_box.setCurrentIndex(b)
        self.b_box.setCurrentIndex(a)

    def _server(self, box: QComboBox) -> Server | None:
        return next((s for s in self.servers if s.id == box.currentData()), None)

    def run(self) -> None:
        a, b = self._server(self.a_box), self._server(self.b_box)
        if a is None or b is None or self.task is not None:
            return
        if a.id == b.id:
            self.banner.show_message("info", "A and B are the same server.", "Pick another B.")
            return
        self.banner.clear()
        log.info("comparing %s with %s", a.name, b.name)
        self.task = self.context.tasks.run_in_background(
            f"compare {a.name} with {b.name}",
            compare_servers,
            a,
            b,
            on_success=lambda comparison: self.show_comparison(a, b, comparison),
            on_failure=self._failed,
        )
        self.task.finished.connect(self._task_finished)
        self._update_running()

    def cancel(self) -> None:
        if self.task is not None:
            self.task.cancel()

    def _task_finished(self) -> None:
        if self.task is not None and self.task.cancelled:
            self.banner.show_message(
                "info", "Comparison cancelled.", "Press Compare to run it again."
            )
        self.task = None
        self._update_running()

    def _failed(self, exc: BaseException) -> None:
        log.error("comparison failed unexpectedly: %s", exc)
        self.banner.show_message(
            "error", f"The comparison failed unexpectedly: {exc}", "The Log page has the details."
        )

    def _update_running(self) -> None:
        busy = self.task is not None
        self.progress.setVisible(busy)
        self.cancel_button.setEnabled(busy)
        self.compare_button.setEnabled(not busy and len(self.servers) >= 2)

    def show_comparison(self, a: Server, b: Server, comparison: Comparison) -> None:
        self.comparison = comparison
        self.record(a, comparison.a)
        self.record(b, comparison.b)
        self.preflight_model.set_rows(comparison.preflight)
        self.fields_model.set_rows(comparison.fields)
        self.fields_model.set_names(a.name, b.name)
        self.preflight_table.resizeRowsToContents()
        self.fields_table.resizeRowsToContents()

        failed = [c for c in comparison.preflight if c.outcome == "fail"]
        to_check = [c for c in comparison.preflight if c.outcome == "warn"]
        names = f"<b>{_esc(a.name)}</b> → <b>{_esc(b.name)}</b>"
        if comparison.can_share:
            extra = f"; {len(to_check)} to check by hand" if to_check else ""
            self.verdict.setText(f"✔ {names}: A can share with B{extra}.")
        else:
            self.verdict.setText(
                f"✘ {names}: A cannot share with B — {len(failed)} check"
                f"{'s' if len(failed) != 1 else ''} failed."
            )
        different = len(comparison.differences)
        self.only_differences.setText(f"Only differences ({different})")
        self.compared.emit(comparison)


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
