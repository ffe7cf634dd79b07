"""The task pages of the main window and what they share."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from inspector.core.store import Server, ServerStore
from inspector.ui.tasks import TaskRunner


class AppSignals(QObject):
    """Application-wide events that pages may listen to or send."""

    server_changed = Signal(object)  # a Server whose saved fields changed (status, JWKS history)
    status_message = Signal(str)
    open_token = Signal(str)  # a token string to show on the Tokens page


@dataclass
class AppContext:
    """What every page may use: the server store, the task runner and the app signals."""

    store: ServerStore
    tasks: TaskRunner
    signals: AppSignals


class Page(QWidget):
    """A page in the central tab area. Subclasses react to the selected server and to Refresh."""

    title = ""
    tooltip = ""

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.server: Server | None = None

    def set_server(self, server: Server | None) -> None:
        self.server = server

    def can_refresh(self) -> bool:
        return False

    def refresh(self) -> None:
        """Re-run this page's work for the selected server (F5)."""


class PlaceholderPage(Page):
    """An honest placeholder for a task the application cannot do yet."""

    def __init__(self, context: AppContext, title: str, text: str) -> None:
        super().__init__(context)
        self.title = title
        self.tooltip = text
        label = QLabel(f"<h3>{title}</h3><p>{text}</p>")
        label.setWordWrap(True)
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        label.setTextFormat(Qt.TextFormat.RichText)
        label.setFixedWidth(460)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(label)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        layout.addLayout(row)
        layout.addStretch(2)


PLACEHOLDERS = {
    "exchange": (
        "Token exchange",
        "Exchanging a share secret for a bearer token step by step, with signed requests, is not "
        "available yet.",
    ),
    "vault": (
        "Vault",
        "Keeping share secrets, refresh tokens and signing keys in the OS keyring is not available "
        "yet. Nothing secret is stored by this version.",
    ),
}
