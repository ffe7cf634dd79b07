"""Check all: discover every server at once, a few at a time, and list how each one fared."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QModelIndex, QSortFilterProxyModel, Qt, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from inspector.core.store import Server
from inspector.ui.badges import status_icon
from inspector.ui.discovery.models import Column, RowRole, RowsModel
from inspector.ui.discovery.page import run_discovery
from inspector.ui.pages import AppContext
from inspector.ui.tasks import Task

if TYPE_CHECKING:
    from inspector.core.discovery import DiscoveryResult

log = logging.getLogger(__name__)

# Enough to hide the slowest servers behind the others, few enough to leave workers for the rest
# of the application (the task pool has 16).
MAX_PARALLEL = 8

SortRole = Qt.ItemDataRole.UserRole + 10


@dataclass
class CheckRow:
    """One server in the Check all table and where its check stands."""

    server: Server
    state: str = "waiting"  # waiting, running, done, cancelled
    result: DiscoveryResult | None = None

    @property
    def status(self) -> str:
        if self.result is not None:
            return self.result.status
        return self.state

    def count(self, severity: str) -> str:
        return str(self.result.counts[severity]) if self.result and self.result.document else ""

    @property
    def api_version(self) -> str:
        doc = self.result.document if self.result else None
        return (doc.api_version or "(none)") if doc else ""

    @property
    def time_text(self) -> str:
        return f"{self.result.elapsed_ms:.0f} ms" if self.result else ""

    @property
    def detail(self) -> str:
        if self.result is None:
            return ""
        if self.result.error:
            return self.result.error.get("message", "")
        legacy = " (legacy path)" if self.result.legacy_path else ""
        return f"{self.result.url}{legacy}"


_STATUS_TEXT = {
    "ok": "ok",
    "warnings": "warnings",
    "errors": "errors",
    "unreachable": "unreachable",
    "cancelled": "cancelled",
    "waiting": "waiting…",
    "running": "checking…",
}


class CheckAllModel(RowsModel[CheckRow]):
    columns = (
        Column("Server", lambda r: r.server.name, lambda r: r.server.target),
        Column("Status", lambda r: _STATUS_TEXT.get(r.status, r.status)),
        Column("API version", lambda r: r.api_version),
        Column("Errors", lambda r: r.count("error")),
        Column("Warnings", lambda r: r.count("warning")),
        Column("Time", lambda r: r.time_text),
        Column("Details", lambda r: r.detail),
    )

    def extra_data(self, row: CheckRow, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.DecorationRole and column == 1:
            if row.status in ("ok", "warnings", "errors", "unreachable"):
                return status_icon(row.status)
            return None
        if role == Qt.ItemDataRole.TextAlignmentRole and 3 <= column <= 5:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == SortRole:
            if 3 <= column <= 4:
                return int(row.count("error" if column == 3 else "warning") or -1)
            if column == 5:
                return row.result.elapsed_ms if row.result else -1.0
            return self.columns[column].text(row).casefold()
        return None

    def row_changed(self, row: CheckRow) -> None:
        index = self.rows.index(row)
        self.dataChanged.emit(self.index(index, 0), self.index(index, len(self.columns) - 1))


class CheckAllDialog(QDialog):
    """Runs a discovery per server, at most ``MAX_PARALLEL`` at once, with progress and Cancel.

    ``record`` receives each result as it arrives (the Discovery page keeps it and updates the
    server's badge). Double-clicking a row asks for that server's Discovery page. Closing the
    window does not stop the checks: badges keep updating, and Esc in the main window cancels.
    """

    server_activated = Signal(str)  # server id
    all_done = Signal()

    def __init__(
        self,
        context: AppContext,
        record: Callable[[Server, DiscoveryResult], None],
        parent: QWidget | None = None,
        max_parallel: int = MAX_PARALLEL,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Check all servers")
        self.resize(860, 420)
        self.context = context
        self.record = record
        self.max_parallel = max_parallel
        self.pending: list[CheckRow] = []
        self.tasks: dict[str, Task] = {}

        self.model = CheckAllModel(self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(SortRole)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(-1, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.setAlternatingRowColors(True)
        self.table.setAccessibleName("Check results")
        self.table.setToolTip("Double-click or press Enter to open a server's Discovery page")
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.table.doubleClicked.connect(self._activate)
        self.table.activated.connect(self._activate)

        self.progress = QProgressBar()
        self.progress_label = QLabel()
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop checking; finished results stay (Esc)")
        self.cancel_button.clicked.connect(self.cancel)
        self.again_button = QPushButton("Check again")
        self.again_button.setShortcut(QKeySequence("Ctrl+Shift+R"))
        self.again_button.setToolTip("Check every server again (Ctrl+Shift+R)")
        self.again_button.clicked.connect(lambda: self.start([r.server for r in self.model.rows]))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)

        bar = QHBoxLayout()
        bar.addWidget(self.progress, 1)
        bar.addWidget(self.progress_label)
        bar.addWidget(self.cancel_button)
        bar.addWidget(self.again_button)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)

    # -- running -------------------------------------------------------------------------------

    def start(self, servers: list[Server]) -> None:
        """Check ``servers`` from the start; anything still running from before is cancelled."""
        self.cancel()
        rows = [CheckRow(server) for server in servers]
        self.model.set_rows(rows)
        self.pending = list(rows)
        self.progress.setRange(0, max(1, len(rows)))
        self.progress.setValue(0)
        log.info("checking %d servers", len(rows))
        self._start_more()
        self._update_progress()

    def cancel(self) -> None:
        """Stop: waiting servers are not asked, running ones are dropped."""
        for row in self.pending:
            row.state = "cancelled"
            self.model.row_changed(row)
        self.pending.clear()
        for task in list(self.tasks.values()):
            task.cancel()

    @property
    def running(self) -> bool:
        return bool(self.tasks or self.pending)

    def _start_more(self) -> None:
        while self.pending and len(self.tasks) < self.max_parallel:
            row = self.pending.pop(0)
            row.state = "running"
            self.model.row_changed(row)
            task = self.context.tasks.run_in_background(
                f"check {row.server.name}",
                run_discovery,
                row.server,
                on_success=lambda result, r=row: self._checked(r, result),
                on_failure=lambda exc, r=row: log.error(
                    "checking %s failed: %s", r.server.name, exc
                ),
            )
            task.finished.connect(lambda r=row, t=task: self._task_finished(r, t))
            self.tasks[row.server.id] = task

    def _checked(self, row: CheckRow, result: DiscoveryResult) -> None:
        row.result = result
        row.state = "done"
        self.model.row_changed(row)
        self.record(row.server, result)

    def _task_finished(self, row: CheckRow, task: Task) -> None:
        if self.tasks.get(row.server.id) is task:
            del self.tasks[row.server.id]
        if row.state == "running":
            # Cancelled, or failed unexpectedly (logged by on_failure).
            row.state = "cancelled" if task.cancelled else "unreachable"
            self.model.row_changed(row)
        self._start_more()
        self._update_progress()
        if not self.running:
            self.all_done.emit()

    def _update_progress(self) -> None:
        rows = self.model.rows
        done = sum(1 for r in rows if r.state not in ("waiting", "running"))
        self.progress.setValue(done)
        counts = {s: sum(1 for r in rows if r.status == s) for s in ("ok", "warnings", "errors")}
        unreachable = sum(1 for r in rows if r.status == "unreachable")
        text = f"{done} of {len(rows)} checked"
        if done:
            text += (
                f": {counts['ok']} ok, {counts['warnings']} with warnings, "
                f"{counts['errors']} with errors, {unreachable} unreachable"
            )
        self.progress_label.setText(text)
        self.cancel_button.setEnabled(self.running)
        self.again_button.setEnabled(not self.running and bool(rows))

    def _activate(self, index: QModelIndex) -> None:
        row: CheckRow | None = index.data(RowRole)
        if row is not None:
            self.server_activated.emit(row.server.id)

    def row_for(self, server_id: str) -> CheckRow | None:
        return next((r for r in self.model.rows if r.server.id == server_id), None)
