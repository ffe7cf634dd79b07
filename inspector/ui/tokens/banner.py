"""A banner of messages with a severity accent, on the palette's own background."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QLabel, QVBoxLayout, QWidget

from inspector.ui.badges import STATUS_COLOURS

ACCENTS = {
    "errors": STATUS_COLOURS["errors"],
    "warnings": STATUS_COLOURS["warnings"],
    "ok": STATUS_COLOURS["ok"],
    "info": "#5b6ee1",
}
ICONS = {"errors": "✘", "warnings": "⚠", "ok": "✔", "info": "ℹ"}


class Banner(QFrame):
    """Hidden while empty; otherwise one line per message, the worst severity as the accent."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("banner")
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setTextFormat(Qt.TextFormat.RichText)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 6, 8, 6)
        layout.addWidget(self.label)
        self.severity: str | None = None
        self.messages: list[tuple[str, str, str]] = []
        self.hide()

    def show_messages(self, messages: list[tuple[str, str, str]]) -> None:
        """Show ``(severity, code, text)`` messages; ``code`` may be empty."""
        self.messages = list(messages)
        if not messages:
            self.severity = None
            self.label.clear()
            self.hide()
            return
        order = ("errors", "warnings", "info", "ok")
        self.severity = min((m[0] for m in messages), key=order.index)
        lines = []
        for severity, code, text in messages:
            tag = f" <small>[{escape(code)}]</small>" if code else ""
            lines.append(f"{ICONS[severity]} {escape(text)}{tag}")
        self.label.setText("<br>".join(lines))
        self.label.setAccessibleName("; ".join(m[2] for m in messages))
        # The accent marks severity; the background stays the palette's, light or dark.
        self.setStyleSheet(
            "QFrame#banner { background: palette(alternate-base); "
            f"border-left: 4px solid {ACCENTS[self.severity]}; border-radius: 2px; }}"
        )
        self.show()

    def text(self) -> str:
        return "\n".join(message[2] for message in self.messages)

    def codes(self) -> list[str]:
        return [message[1] for message in self.messages if message[1]]
