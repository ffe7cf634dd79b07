"""The Log page: Python logging records shown in the window, newest last."""

from __future__ import annotations

import logging
import time

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

MAX_LINES = 5000


class _Emitter(QObject):
    record_logged = Signal(int, str)


class QtLogHandler(logging.Handler):
    """A logging handler that forwards formatted records to the GUI thread through a signal."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.emitter = _Emitter()
        self.setFormatter(
            logging.Formatter("%(asctime)s  %(levelname)-7s %(name)s: %(message)s", "%H:%M:%S")
        )

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = self.format(record)
        except Exception:  # noqa: BLE001 - a broken record must not break the app
            text = f"{time.strftime('%H:%M:%S')}  unformattable log record from {record.name}"
        self.emitter.record_logged.emit(record.levelno, text)


class LogPage(QWidget):
    """Shows log lines at or above the chosen level."""

    LEVELS = [("Debug", logging.DEBUG), ("Info", logging.INFO), ("Warning", logging.WARNING)]

    def __init__(self, handler: QtLogHandler, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._lines: list[tuple[int, str]] = []

        self.level_box = QComboBox()
        for label, level in self.LEVELS:
            self.level_box.addItem(label, level)
        self.level_box.setCurrentIndex(1)
        self.level_box.setToolTip("Show messages of this level and above")
        self.level_box.currentIndexChanged.connect(self._refill)
        clear = QPushButton("Clear")
        clear.setToolTip("Clear the log view (the log itself is not kept on disk)")
        clear.clicked.connect(self.clear)

        self.view = QPlainTextEdit()
        self.view.setReadOnly(True)
        self.view.setMaximumBlockCount(MAX_LINES)
        self.view.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.view.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.view.setPlaceholderText(
            "Nothing logged yet. What you do and what servers answer shows here."
        )

        bar = QHBoxLayout()
        bar.addWidget(QLabel("Level:"))
        bar.addWidget(self.level_box)
        bar.addStretch(1)
        bar.addWidget(clear)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.view)

        handler.emitter.record_logged.connect(self.append, Qt.ConnectionType.QueuedConnection)

    @property
    def level(self) -> int:
        return int(self.level_box.currentData())

    def append(self, level: int, text: str) -> None:
        self._lines.append((level, text))
        if len(self._lines) > MAX_LINES:
            del self._lines[: len(self._lines) - MAX_LINES]
        if level >= self.level:
            self.view.appendPlainText(text)

    def clear(self) -> None:
        self._lines.clear()
        self.view.clear()

    def text(self) -> str:
        return self.view.toPlainText()

    def _refill(self) -> None:
        self.view.setPlainText("\n".join(t for lvl, t in self._lines if lvl >= self.level))
