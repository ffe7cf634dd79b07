"""The Discovery page: fetch the selected server's OCM discovery document and show what it says."""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from inspector.core.errors import InspectorError
from inspector.core.store import Server
from inspector.ui.discovery.banner import Banner, next_step
from inspector.ui.pages import AppContext, Page
from inspector.ui.tasks import Task

if TYPE_CHECKING:
    from inspector.core.cancel import CancelToken
    from inspector.core.discovery import DiscoveryResult

log = logging.getLogger(__name__)

# Statuses the server list shows; a cancelled check leaves the last known status alone.
LIST_STATUSES = ("ok", "warnings", "errors", "unreachable")


def run_discovery(server: Server, cancel: CancelToken) -> DiscoveryResult:
    """Discover one server with its own TLS options. Runs on a worker thread."""
    from inspector.core.discovery import discover, options_for

    result = discover(server.target, options_for(server), cancel=cancel)
    result.server_id = server.id
    return result


class DiscoveryPage(Page):
    """Summary, chips, findings, resource types, keys, raw JSON and HTTP exchanges of one server.

    The last result per server is kept for the session, so switching servers shows what was
    found before without asking again.
    """

    title = "Discovery"
    tooltip = "Fetch and judge the selected server's OCM discovery document"

    discovery_started = Signal(object)  # Server
    discovery_finished = Signal(object)  # DiscoveryResult, also for Check all and Compare
    server_requested = Signal(str)  # a server id whose Discovery page the user asked to see

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.results: dict[str, DiscoveryResult] = {}
        self.running: dict[str, Task] = {}
        self.started: dict[str, float] = {}  # server id -> time.monotonic() at refresh
        self.shown: DiscoveryResult | None = None
        self.check_all_dialog = None
        self.compare_dialog = None

        self.heading = QLabel()
        self.heading.setTextFormat(Qt.TextFormat.RichText)
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.setToolTip("Fetch the discovery document again (F5)")
        self.refresh_button.clicked.connect(self.refresh)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop waiting for this server (Esc cancels all running work)")
        self.cancel_button.clicked.connect(self.cancel)
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)
        self.progress.setMaximumWidth(120)
        self.progress.setTextVisible(False)
        self.progress_label = QLabel()
        self.progress_timer = QTimer(self)
        self.progress_timer.setInterval(250)
        self.progress_timer.timeout.connect(self._update_progress)

        self.checked = QLabel()
        self.checked.setEnabled(False)

        top = QHBoxLayout()
        top.addWidget(self.heading, 1)
        top.addWidget(self.checked)
        top.addWidget(self.progress_label)
        top.addWidget(self.progress)
        top.addWidget(self.cancel_button)
        top.addWidget(self.refresh_button)

        self.banner = Banner()

        self.stack = QStackedWidget()
        self.empty = self._build_empty_state()
        self.stack.addWidget(self.empty)
        self.splitter: QSplitter | None = None  # the result view, built when first needed

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.banner)
        layout.addWidget(self.stack, 1)
        self.set_server(None)

    # -- construction ------------------------------------------------------------------------

    def _build_empty_state(self) -> QWidget:
        widget = QWidget()
        self.empty_text = QLabel()
        self.empty_text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_text.setWordWrap(True)
        self.fetch_button = QPushButton("Fetch discovery document")
        self.fetch_button.setToolTip("Ask the server for /.well-known/ocm, then /ocm-provider (F5)")
        self.fetch_button.clicked.connect(self.refresh)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.fetch_button)
        row.addStretch(1)
        layout = QVBoxLayout(widget)
        layout.addStretch(1)
        layout.addWidget(self.empty_text)
        layout.addLayout(row)
        layout.addStretch(2)
        return widget

    def _build_result_view(self) -> QSplitter:
        """The summary above tabbed details. Built on the first result: startup stays short."""
        from inspector.ui.discovery.exchanges import ExchangesView
        from inspector.ui.discovery.findings import FindingsView
        from inspector.ui.discovery.json_view import JsonView
        from inspector.ui.discovery.keys import KeysView
        from inspector.ui.discovery.models import ResourceTypesModel
        from inspector.ui.discovery.summary import SummaryView
        from inspector.ui.discovery.tables import read_only_table

        self.summary = SummaryView()
        self.summary.url_copied.connect(
            lambda url: self.context.signals.status_message.emit(f"Copied {url}")
        )
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(self.summary)

        self.findings = FindingsView()
        self.resource_types = ResourceTypesModel(self)
        self.resource_table = read_only_table(self.resource_types, "Resource types and protocols")
        self.keys = KeysView()
        self.raw = JsonView(
            "No JSON document was received; the HTTP tab shows what the server sent."
        )
        self.raw.setAccessibleName("Raw discovery document")
        self.exchanges = ExchangesView()

        self.details = QTabWidget()
        self.details.setDocumentMode(True)
        self.details.addTab(self.findings, "Findings")
        self.details.addTab(self.resource_table, "Resource types")
        self.details.addTab(self.keys, "Keys")
        self.details.addTab(self.raw, "Raw JSON")
        self.details.addTab(self.exchanges, "HTTP")
        tips = (
            "What the conformance rules found, with the spec version each comes from",
            "What can be shared, and over which protocols this server sends or receives",
            "Keys published in the document (publicKey, publicKeys) and where the JWKS is",
            "The document exactly as received",
            "Every request made, with headers, bodies (secrets redacted) and timing",
        )
        for index, tip in enumerate(tips):
            self.details.setTabToolTip(index, tip)

        # Small minimums let the split follow the summary's height on a short window.
        self.details.setMinimumHeight(160)
        scroll.setMinimumHeight(60)
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(scroll)
        self.splitter.addWidget(self.details)
        self.splitter.setStretchFactor(0, 2)
        self.splitter.setStretchFactor(1, 3)
        self.splitter.setChildrenCollapsible(False)
        self.summary_scroll = scroll
        self.splitter_moved = False
        self.splitter.splitterMoved.connect(lambda *_: setattr(self, "splitter_moved", True))
        self.stack.addWidget(self.splitter)
        return self.splitter

    # -- Page --------------------------------------------------------------------------------

    def set_server(self, server: Server | None) -> None:
        previous = self.server
        super().set_server(server)
        if server is not None:
            kept = self.results.get(server.id)
            if kept is not None and kept.target != server.target:
                # The server was edited to point elsewhere; that result describes another host.
                del self.results[server.id]
        self._update_heading()
        if server is None:
            self.shown = None
            self.checked.clear()
            self.banner.clear()
            self.empty_text.setText("Select a server on the left, or add one with Ctrl+N.")
            self.fetch_button.hide()
            self.stack.setCurrentWidget(self.empty)
        elif (
            previous is None
            or previous.id != server.id
            or self.shown is not self.results.get(server.id)
        ):
            self._show_for(server)
        self._update_progress()

    def can_refresh(self) -> bool:
        return self.server is not None

    def refresh(self) -> None:
        """Fetch the selected server's document in the background; a second F5 waits for it."""
        server = self.server
        if server is None or server.id in self.running:
            return
        log.info("discovering %s (%s)", server.name, server.target)
        task = self.context.tasks.run_in_background(
            f"discover {server.name}",
            run_discovery,
            server,
            on_success=lambda result: self.record_result(server, result),
            on_failure=lambda exc: self._discovery_failed(server, exc, task),
        )
        self.running[server.id] = task
        self.started[server.id] = time.monotonic()
        task.finished.connect(lambda: self._task_finished(server.id, task))
        self.discovery_started.emit(server)
        self._update_progress()

    def cancel(self) -> None:
        """Stop waiting for the selected server; its previous result, if any, stays."""
        # LIMITATION: a request already waiting for the server's answer is not interrupted; its
        # worker thread ends when the answer or the read timeout comes. The window stops waiting
        # at once and drops that result.
        task = self.running.get(self.server.id) if self.server else None
        if task is not None:
            task.cancel()

    def is_running(self, server_id: str | None = None) -> bool:
        key = server_id or (self.server.id if self.server else None)
        return key in self.running

    # -- results -----------------------------------------------------------------------------

    def record_result(self, server: Server, result: DiscoveryResult) -> None:
        """Keep ``result`` for the session, show it if ``server`` is selected, update the badge."""
        self.results[server.id] = result
        if self.server is not None and self.server.id == server.id:
            self._show(result)
        self._update_status(server, result)
        self.discovery_finished.emit(result)

    def _update_status(self, server: Server, result: DiscoveryResult) -> None:
        status = result.status
        if status not in LIST_STATUSES:
            return
        checked = datetime.now(UTC).isoformat(timespec="seconds")
        if server.extra.get("demo"):
            # Demo peers live for this session only and are never written to the server file.
            server.last_status, server.last_checked = status, checked
            self.context.signals.server_changed.emit(server)
            return
        try:
            saved = self.context.store.update(server.id, last_status=status, last_checked=checked)
        except InspectorError as exc:
            log.warning("could not record the status of %s: %s", server.name, exc.message)
            return
        self.context.signals.server_changed.emit(saved)

    def _discovery_failed(self, server: Server, exc: BaseException, task: Task) -> None:
        # discover() reports network trouble in the result; an exception here is a bug.
        log.error("discovery of %s failed unexpectedly: %s", server.name, exc)
        log.debug("%s", task.traceback_text)
        if self.server is not None and self.server.id == server.id:
            self.banner.show_message(
                "error",
                f"Discovery of {server.name} failed unexpectedly: {type(exc).__name__}: {exc}",
                "The Log page has the details; press F5 to try again.",
            )

    def _task_finished(self, server_id: str, task: Task) -> None:
        if self.running.get(server_id) is task:
            del self.running[server_id]
        if task.cancelled and self.server is not None and self.server.id == server_id:
            earlier = self.results.get(server_id)
            if earlier is None:
                self.empty_text.setText("Cancelled before the server answered.")
            else:
                from inspector.ui.discovery.summary import local_time

                when = local_time(earlier.started_at)
                self.banner.show_message(
                    "info", f"Cancelled; showing the result from {when}.", next_step("cancelled")
                )
        self._update_progress()

    # -- showing -----------------------------------------------------------------------------

    def _show_for(self, server: Server) -> None:
        result = self.results.get(server.id)
        if result is not None:
            self._show(result)
            return
        self.shown = None
        self.checked.clear()
        self.banner.clear()
        self.empty_text.setText(
            f"<b>{_esc(server.name)}</b> has not been checked in this session.<br>"
            "Fetching asks /.well-known/ocm, then the legacy /ocm-provider."
        )
        self.fetch_button.show()
        self.stack.setCurrentWidget(self.empty)

    def _show(self, result: DiscoveryResult) -> None:
        from inspector.ui.discovery.models import protocol_rows
        from inspector.ui.discovery.summary import checked_text, trail_text

        self.shown = result
        splitter = self.splitter or self._build_result_view()
        self.stack.setCurrentWidget(splitter)
        if result.error:
            kind = result.error.get("kind", "")
            severity = "info" if kind == "cancelled" else "error"
            step = next_step(kind, _telling_status(result))
            self.banner.show_message(severity, result.error.get("message", ""), step)
        else:
            self.banner.clear()

        doc = result.document
        self.checked.setText(checked_text(result))
        self.summary.show_result(result)
        # After the new rows are laid out, the summary knows its height.
        QTimer.singleShot(0, self._fit_summary)
        self.findings.set_findings(result.findings)
        self.resource_types.set_rows(protocol_rows(doc.resource_types) if doc else [])
        self.resource_table.resizeColumnsToContents()
        self.keys.set_document(doc)
        self.raw.set_value(doc.raw if doc else None)
        self.exchanges.set_exchanges(result.exchanges, trail_text(result))

        counts = result.counts
        problems = [f"{counts[s]} {s}{'s' if counts[s] != 1 else ''}" for s in ("error", "warning")]
        self.details.setTabText(0, f"Findings ({', '.join(problems)})" if doc else "Findings")
        self.details.setTabText(1, f"Resource types ({len(doc.resource_types) if doc else 0})")
        self.details.setTabText(2, f"Keys ({len(doc.public_keys) if doc else 0})")
        self.details.setTabText(4, f"HTTP ({len(result.exchanges)})")
        if doc is None:
            self.details.setCurrentWidget(self.exchanges)

    def _fit_summary(self) -> None:
        """Give the summary the height it needs (at most 60 %), unless the user set the split."""
        if self.splitter is None or self.splitter_moved:
            return
        total = sum(self.splitter.sizes()) or self.splitter.height()
        wanted = self.summary.heightForWidth(self.summary_scroll.viewport().width())
        if wanted <= 0:
            wanted = self.summary.sizeHint().height()
        top = min(wanted + 4, int(total * 0.6))
        self.splitter.setSizes([top, max(0, total - top)])

    def _update_heading(self) -> None:
        server = self.server
        if server is None:
            self.heading.setText("<b>Discovery</b>")
        else:
            self.heading.setText(f"<b>{_esc(server.name)}</b> &nbsp;{_esc(server.target)}")
        self.refresh_button.setEnabled(server is not None)

    def _update_progress(self) -> None:
        task = self.running.get(self.server.id) if self.server else None
        busy = task is not None
        self.progress.setVisible(busy)
        self.progress_label.setVisible(busy)
        self.cancel_button.setVisible(busy)
        self.refresh_button.setEnabled(self.server is not None and not busy)
        self.fetch_button.setEnabled(not busy)
        if busy and self.server is not None:
            waited = time.monotonic() - self.started.get(self.server.id, time.monotonic())
            self.progress_label.setText(f"Asking the server… {waited:.0f} s")
            if not self.progress_timer.isActive():
                self.progress_timer.start()
        else:
            self.progress_timer.stop()

    # -- Check all and Compare ---------------------------------------------------------------

    def check_all(self, servers: list[Server]) -> None:
        """Open the Check all window and start checking ``servers`` concurrently."""
        from inspector.ui.discovery.check_all import CheckAllDialog

        if self.check_all_dialog is None:
            self.check_all_dialog = CheckAllDialog(self.context, self.record_result, self.window())
            self.check_all_dialog.server_activated.connect(self.server_requested)
        dialog = self.check_all_dialog
        dialog.start(servers)
        dialog.show()
        dialog.raise_()
        dialog.activateWindow()

    def compare(self, servers: list[Server]) -> None:
        """Open the Compare window with the selected server as A."""
        from inspector.ui.discovery.compare import CompareDialog

        if self.compare_dialog is None:
            self.compare_dialog = CompareDialog(self.context, self.record_result, self.window())
        dialog = self.compare_dialog
        dialog.set_servers(servers, self.server.id if self.server else None)
        dialog.show()
        dialog.raise_()
        dialog.activateWindow()


def _telling_status(result: DiscoveryResult) -> int | None:
    """The HTTP status that explains the failure best: the first that is not a 404."""
    statuses = [a.status for a in result.attempts if a.status is not None and a.error]
    return next((s for s in statuses if s != 404), statuses[0] if statuses else None)


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
