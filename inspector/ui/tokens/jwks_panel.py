"""The keys a server publishes for its tokens, and how they changed from fetch to fetch."""

from __future__ import annotations

import logging
from html import escape
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QColor, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from inspector.core.errors import InspectorError
from inspector.core.store import Server
from inspector.ui.badges import STATUS_COLOURS
from inspector.ui.table_model import RowTableModel
from inspector.ui.tokens.tables import fixed_font, read_only_table

if TYPE_CHECKING:
    from inspector.core.cancel import CancelToken
    from inspector.core.jwks import JwkInfo, KeySource
    from inspector.core.jwks_history import JwksChange
    from inspector.ui.pages import AppContext
    from inspector.ui.tasks import Task

log = logging.getLogger(__name__)


def fetch_server_keys(server: Server, cancel: CancelToken | None = None) -> KeySource:
    """The keys of ``server`` (jwksUri, then /.well-known/jwks.json, then publicKey). Worker side."""
    from inspector.core.discovery import options_for
    from inspector.core.jwks import KeySource

    return KeySource.from_server(server.target, options_for(server), cancel=cancel)


class JwksKeysModel(RowTableModel["JwkInfo"]):
    """One row per key of a JWKS, usable or not."""

    HEADERS = (
        "Key ID (kid)",
        "Type",
        "Curve / size",
        "Alg",
        "Use",
        "Thumbprint (RFC 7638)",
        "Status",
    )

    def headerData(  # noqa: N802
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        horizontal = orientation == Qt.Orientation.Horizontal
        if horizontal and role == Qt.ItemDataRole.ToolTipRole and section == 5:
            return "SHA-256 thumbprint of the key's required members, base64url (RFC 7638)"
        return super().headerData(section, orientation, role)

    def cell(self, key: JwkInfo, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            size = key.crv or (f"{key.size} bit" if key.size else "")
            values = (
                key.kid if key.kid is not None else "(none)",
                key.kty or "?",
                size,
                key.alg or "(any)",
                key.use or "(any)",
                key.thumbprint or "",
                "usable" if key.problem is None else f"⚠ {key.problem}",
            )
            return values[column]
        if role == Qt.ItemDataRole.ToolTipRole:
            if column in (0, 5):
                return key.kid if column == 0 else key.thumbprint
            if column == 3 and key.alg is None:
                return "No alg: the token header's alg is used, checked against the key type"
            if column == 6 and key.problem:
                return key.problem
            return None
        if role == Qt.ItemDataRole.ForegroundRole and column == 6:
            colour = STATUS_COLOURS["ok"] if key.problem is None else STATUS_COLOURS["errors"]
            return QColor(colour)
        if role == Qt.ItemDataRole.FontRole and column in (0, 5):
            return fixed_font()
        return None


class HistoryModel(RowTableModel["dict[str, Any]"]):
    """The recorded changes of a server's keys, newest first."""

    HEADERS = ("When (UTC)", "Appeared", "Vanished", "Replaced (same kid, new key)")
    FIELDS = ("at", "appeared", "vanished", "replaced")

    def set_events(self, events: list[dict[str, Any]]) -> None:
        """Show ``events`` as recorded (oldest first) with the newest at the top."""
        self.set_rows(reversed(events))

    def cell(self, event: dict[str, Any], column: int, role: int) -> Any:
        field = self.FIELDS[column]
        value = event.get(field)
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            if field == "at":
                return str(value or "").replace("T", " ").replace("+00:00", "")
            return ", ".join(str(item) for item in value or []) or "–"
        if role == Qt.ItemDataRole.ForegroundRole and field == "vanished" and value:
            return QColor(STATUS_COLOURS["warnings"])
        if role == Qt.ItemDataRole.ForegroundRole and field == "replaced" and value:
            return QColor(STATUS_COLOURS["errors"])
        return None


# A user reading the panel may not know that a replaced key keeps its kid; the CLI is terser.
_CHANGE_WORDS = {"replaced": "replaced under the same kid"}


def describe_change(change: JwksChange) -> str:
    """One line for the latest fetch: what appeared, vanished or was replaced."""
    if change.first_fetch:
        count = len(change.appeared)
        return f"First fetch recorded: {count} key{'' if count == 1 else 's'}."
    if not change.changed:
        return f"No change since the fetch at {_moment(change.previous_fetch)}."
    parts = [
        f"{_CHANGE_WORDS.get(kind, kind)}: {', '.join(kids)}" for kind, kids in change.by_kind()
    ]
    return f"Since {_moment(change.previous_fetch)}: " + "; ".join(parts) + "."


def _moment(iso: str | None) -> str:
    return (iso or "the previous fetch").replace("T", " ").replace("+00:00", " UTC")


class JwksPanel(QWidget):
    """The selected server's published keys with a Refresh button, and their rotation history."""

    keys_fetched = Signal(object)  # KeySource
    fetch_failed = Signal(str)

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.server: Server | None = None
        self.sources: dict[str, KeySource] = {}  # the last fetch per server id, this session
        self.changes: dict[str, JwksChange] = {}
        self.task: Task | None = None
        self._history_dirty = True

        self.heading = QLabel()
        self.heading.setTextFormat(Qt.TextFormat.RichText)
        self.refresh_button = QPushButton("&Refresh keys")
        self.refresh_button.setToolTip(
            "Fetch the selected server's keys again: discovery jwksUri, then "
            "/.well-known/jwks.json, then the discovery publicKey (F5, Alt+R)"
        )
        self.refresh_button.clicked.connect(self.refresh)
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)
        self.progress.setMaximumWidth(120)
        self.progress.setTextVisible(False)
        self.progress.hide()
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop fetching the keys (Esc)")
        self.cancel_button.clicked.connect(self.cancel)
        self.cancel_button.hide()

        self.source_label = QLabel()
        self.source_label.setWordWrap(True)
        self.source_label.setTextFormat(Qt.TextFormat.RichText)
        self.source_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.keys_model = JwksKeysModel(self)
        self.keys_view = read_only_table(self.keys_model, stretch=5)
        self.keys_view.setAccessibleName("Published keys")
        copy = QAction("Copy row", self.keys_view)
        copy.setShortcut(QKeySequence.StandardKey.Copy)
        copy.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        copy.setToolTip("Copy the selected key's row, tab-separated (Ctrl+C)")
        copy.triggered.connect(self.copy_selected_key)
        self.keys_view.addAction(copy)
        self.keys_view.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)

        self.change_label = QLabel()
        self.change_label.setWordWrap(True)
        self.history_model = HistoryModel(self)
        self.history_view = read_only_table(self.history_model, stretch=None)
        # Kids can be whole URLs: the three lists share the width and wrap instead of running off.
        self.history_view.setWordWrap(True)
        self.history_view.verticalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents
        )
        for column in (1, 2, 3):
            self.history_view.horizontalHeader().setSectionResizeMode(
                column, QHeaderView.ResizeMode.Stretch
            )
        self.history_view.setAccessibleName("Key history")

        top = QHBoxLayout()
        top.addWidget(self.heading, 1)
        top.addWidget(self.progress)
        top.addWidget(self.cancel_button)
        top.addWidget(self.refresh_button)

        keys_box = QWidget()
        keys_layout = QVBoxLayout(keys_box)
        keys_layout.setContentsMargins(0, 0, 0, 0)
        keys_layout.addWidget(self.source_label)
        keys_layout.addWidget(self.keys_view, 1)
        history_box = QWidget()
        history_layout = QVBoxLayout(history_box)
        history_layout.setContentsMargins(0, 0, 0, 0)
        history_layout.addWidget(QLabel("<b>Rotation history</b> (kept with the server)"))
        history_layout.addWidget(self.change_label)
        history_layout.addWidget(self.history_view, 1)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(keys_box)
        splitter.addWidget(history_box)
        splitter.setChildrenCollapsible(False)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(splitter, 1)
        self._show_server()

    # -- selection -------------------------------------------------------------------------

    def set_server(self, server: Server | None) -> None:
        same = server is not None and self.server is not None and server.id == self.server.id
        if not same and self.task is not None:
            self.cancel()
        self.server = server
        self._history_dirty = True
        self._show_server()

    def _show_server(self) -> None:
        server = self.server
        self.refresh_button.setEnabled(server is not None)
        if server is None:
            self.heading.setText("<b>No server selected.</b> Pick one in the list to see its keys.")
            self.source_label.clear()
            self.keys_model.set_rows([])
            self.history_model.set_events([])
            self.change_label.clear()
            return
        self.heading.setText(
            f"<b>Keys published by {escape(server.name)}</b> ({escape(server.target)})"
        )
        source = self.sources.get(server.id)
        self.keys_model.set_rows(source.keys if source else [])
        self.source_label.setText(
            _source_html(source)
            if source
            else "Not fetched in this session. Press <b>Refresh keys</b> (F5) to fetch them."
        )
        if self.isVisible():
            self._show_history()

    def showEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        if self._history_dirty:
            self._show_history()

    def _show_history(self) -> None:
        # Rendered when seen: reading the history imports the key code, which startup avoids.
        from inspector.core.jwks_history import jwks_history

        self._history_dirty = False
        server = self.server
        if server is None:
            return
        history = jwks_history(server)
        events = [event for event in history.get("events") or [] if isinstance(event, dict)]
        self.history_model.set_events(events)
        change = self.changes.get(server.id)
        if change is not None:
            self.change_label.setText(describe_change(change))
        elif history.get("fetched_at"):
            count = len(history.get("keys") or [])
            self.change_label.setText(
                f"Last recorded fetch: {_moment(history['fetched_at'])}, {count} keys."
            )
        else:
            self.change_label.setText("No fetch recorded yet for this server.")

    # -- fetching --------------------------------------------------------------------------

    def refresh(self) -> None:
        """Fetch the selected server's keys in the background."""
        server = self.server
        if server is None or self.task is not None:
            return
        log.info("fetching the keys of %s", server.name)
        self._set_busy(True)
        self.source_label.setText(f"Fetching the keys of {escape(server.name)}…")
        self.task = self.context.tasks.run_in_background(
            f"fetch keys of {server.name}",
            fetch_server_keys,
            server,
            on_success=lambda source: self._fetched(server, source),
            on_failure=lambda exc: self._failed(server, exc),
        )
        self.task.finished.connect(self._task_finished)

    def cancel(self) -> None:
        if self.task is not None:
            self.task.cancel()

    def _task_finished(self) -> None:
        task, self.task = self.task, None
        self._set_busy(False)
        if task is not None and task.cancelled:
            self._show_server()

    def _set_busy(self, busy: bool) -> None:
        self.progress.setVisible(busy)
        self.cancel_button.setVisible(busy)
        self.refresh_button.setEnabled(not busy and self.server is not None)

    def _fetched(self, server: Server, source: KeySource) -> None:
        self.show_source(server, source)
        self.keys_fetched.emit(source)

    def _failed(self, server: Server, exc: BaseException) -> None:
        message = exc.message if isinstance(exc, InspectorError) else f"{type(exc).__name__}: {exc}"
        log.warning("fetching the keys of %s failed: %s", server.name, message)
        self.source_label.setText(
            f"<span style='color:{STATUS_COLOURS['errors']}'>✘</span> {escape(message)}"
        )
        self.fetch_failed.emit(message)
        if not isinstance(exc, InspectorError):
            raise exc

    def show_source(self, server: Server, source: KeySource) -> JwksChange | None:
        """Show keys fetched for ``server`` and record them in its history; returns the change."""
        self.sources[server.id] = source
        change = self.record(server, source) if source.keys else None
        if self.server is not None and self.server.id == server.id:
            self._show_server()
            self._show_history()
        return change

    def record(self, server: Server, source: KeySource) -> JwksChange | None:
        """Add the fetched keys to the server's history: saved servers on disk, demo ones in memory."""
        from inspector.core.jwks_history import record_jwks, record_jwks_in_memory

        demo = bool(server.extra.get("demo"))
        try:
            if demo:
                change = record_jwks_in_memory(server, source)
            else:
                change = record_jwks(server.id, source, store=self.context.store)
        except InspectorError as exc:
            log.warning("could not record the keys of %s: %s", server.name, exc.message)
            return None
        self.changes[server.id] = change
        if not demo:
            updated = self.context.store.find(server.id)
            if self.server is not None and self.server.id == server.id:
                self.server = updated
            self.context.signals.server_changed.emit(updated)
        return change

    def copy_selected_key(self) -> None:
        rows = {index.row() for index in self.keys_view.selectionModel().selectedIndexes()}
        lines = []
        for row in sorted(rows):
            cells = [
                str(self.keys_model.index(row, column).data() or "")
                for column in range(self.keys_model.columnCount())
            ]
            lines.append("\t".join(cells))
        if lines:
            QGuiApplication.clipboard().setText("\n".join(lines))


def _source_html(source: KeySource) -> str:
    usable = sum(1 for key in source.keys if key.problem is None)
    if source.used is None:
        error = (source.error or {}).get("message") or "no keys found"
        lines = [f"<span style='color:{STATUS_COLOURS['errors']}'>✘</span> {escape(error)}"]
    else:
        where = escape(source.url or source.location)
        lines = [
            f"From <b>{escape(source.used)}</b> <code>{where}</code>: "
            f"{len(source.keys)} keys, {usable} usable."
        ]
    lines += attempts_html(source)
    for note in source.notes:
        lines.append(f"⚠ {escape(note['message'])}")
    return "<br>".join(lines)


def attempts_html(source: KeySource) -> list[str]:
    """One indented line per place the keys were looked for, in order, marked ✔ or ✘."""
    lines = []
    for attempt in source.attempts:
        mark = "✔" if attempt.ok else "✘"
        url = f" <code>{escape(attempt.url)}</code>" if attempt.url else ""
        lines.append(f"&nbsp;&nbsp;{mark} {escape(attempt.source)}{url}: {escape(attempt.message)}")
    return lines
