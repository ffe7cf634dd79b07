"""Read-only JSON text with syntax colours that suit a light or a dark palette."""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import QRegularExpression
from PySide6.QtGui import (
    QColor,
    QFontDatabase,
    QGuiApplication,
    QPalette,
    QSyntaxHighlighter,
    QTextCharFormat,
    QTextDocument,
)
from PySide6.QtWidgets import QPlainTextEdit, QWidget

# (light palette, dark palette) colours per token kind.
_COLOURS = {
    "key": ("#7a3e9d", "#c792ea"),
    "string": ("#1a7f37", "#9ece6a"),
    "number": ("#0b61a4", "#7dcfff"),
    "literal": ("#b35900", "#ffb86c"),
}

# Later rules win: a number inside a string is coloured as a string, a key as a key.
_RULES = (
    ("number", r"-?\b\d+(?:\.\d+)?(?:[eE][+-]?\d+)?\b"),
    ("literal", r"\b(?:true|false|null)\b"),
    ("string", r'"(?:[^"\\]|\\.)*"'),
    ("key", r'"(?:[^"\\]|\\.)*"(?=\s*:)'),
)


class JsonHighlighter(QSyntaxHighlighter):
    """Colours keys, strings, numbers and true/false/null, line by line."""

    def __init__(self, document: QTextDocument, dark: bool | None = None) -> None:
        super().__init__(document)
        if dark is None:
            base = QGuiApplication.palette().color(QPalette.ColorRole.Base)
            dark = base.lightness() < 128
        self.formats: dict[str, QTextCharFormat] = {}
        for kind, (light_colour, dark_colour) in _COLOURS.items():
            fmt = QTextCharFormat()
            fmt.setForeground(QColor(dark_colour if dark else light_colour))
            self.formats[kind] = fmt
        self.rules = [(kind, QRegularExpression(pattern)) for kind, pattern in _RULES]

    def highlightBlock(self, text: str) -> None:  # noqa: N802 - Qt override
        for kind, expression in self.rules:
            matches = expression.globalMatch(text)
            while matches.hasNext():
                match = matches.next()
                self.setFormat(match.capturedStart(), match.capturedLength(), self.formats[kind])


def pretty_json(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False)


class JsonView(QPlainTextEdit):
    """A monospaced, highlighted, read-only view of a JSON value."""

    def __init__(self, placeholder: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setReadOnly(True)
        self.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.setPlaceholderText(placeholder)
        self.highlighter = JsonHighlighter(self.document())

    def set_value(self, value: Any) -> None:
        self.setPlainText("" if value is None else pretty_json(value))
