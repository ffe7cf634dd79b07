"""Unexpected errors: logged, and shown in a dialog with a report the user can copy."""

from __future__ import annotations

from types import TracebackType

from PySide6.QtCore import qVersion
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from inspector import __version__


def error_report(
    exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None
) -> str:
    """A plain-text report: versions and the traceback. Secrets are wrapped and print redacted."""
    import platform
    import traceback

    lines = [
        f"ocm-inspector {__version__}",
        f"Python {platform.python_version()}, Qt {qVersion()}, {platform.platform()}",
        "",
        *traceback.format_exception(exc_type, exc, tb),
    ]
    return "\n".join(line.rstrip("\n") for line in lines)


class ErrorDialog(QDialog):
    """Says that something went wrong, in one line, with the full report one click away."""

    def __init__(self, summary: str, report: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Unexpected error")
        self.setMinimumSize(560, 320)
        self.report = report

        headline = QLabel(
            f"<b>Something went wrong:</b> {summary}<br>"
            "The window stays usable. If this keeps happening, copy the report below into a bug report."
        )
        headline.setWordWrap(True)
        text = QPlainTextEdit(report)
        text.setReadOnly(True)
        copy = QPushButton("Copy report")
        copy.setToolTip("Copy the report to the clipboard")
        copy.clicked.connect(lambda: QGuiApplication.clipboard().setText(self.report))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.addButton(copy, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(headline)
        layout.addWidget(text, 1)
        layout.addWidget(buttons)
