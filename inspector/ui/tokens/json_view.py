"""A titled, read-only JSON text with a copy button, and tool buttons that show an action."""

from __future__ import annotations

import json

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QGuiApplication
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPlainTextEdit, QToolButton, QVBoxLayout, QWidget

from inspector.ui.tokens.tables import fixed_font


class JsonView(QWidget):
    """JSON shown indented; the copy button's action is enabled only while there is text."""

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = QLabel(f"<b>{title}</b>")
        self.copy_button = QToolButton()
        self.copy_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.text = QPlainTextEdit()
        self.text.setReadOnly(True)
        self.text.setAccessibleName(f"{title} JSON")
        self.text.setFont(fixed_font())
        row = QHBoxLayout()
        row.addWidget(self.title)
        row.addStretch(1)
        row.addWidget(self.copy_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.text, 1)

    def set_json(self, value: object) -> None:
        self.set_text("" if value is None else json.dumps(value, indent=2, ensure_ascii=False))

    def set_text(self, text: str) -> None:
        self.text.setPlainText(text)
        action = self.copy_button.defaultAction()
        if action is not None:
            action.setEnabled(bool(text))

    def copy(self) -> None:
        text = self.text.toPlainText()
        if text:
            QGuiApplication.clipboard().setText(text)


def action_button(action: QAction) -> QToolButton:
    """A text button that triggers ``action`` and shows its tooltip (with the shortcut)."""
    button = QToolButton()
    button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
    button.setDefaultAction(action)
    return button
