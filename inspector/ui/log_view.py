"""The Log page: Python logging records shown in the window, newest last."""

from __future__ import annotations

import logging
import time
from collections import deque

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QVBoxLayout, QWidget

MAX_LINES = 5000


class _Emitter(QObject):
    record_logged = Signal(int, str)


class QtLogHandler(logging.Handler):
    """Keeps the last ``MAX_LINES`` formatted records and announces each through a signal.

    ``emit`` may run in any thread; the signal reaches the GUI thread queued.
    """

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.emitter = _Emitter()
        self.lines: deque[tuple[int, str]] = deque(maxlen=MAX_LINES)
        self.setFormatter(
            logging.Formatter("%(asctime)s  %(levelname)-7s %(name)s: %(message)s", "%H:%M:%S")
        )

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = self.format(record)
        except Exception:  # noqa: BLE001 - a broken record must not break the app
            text = f"{time.strftime('%H:%M:%S')}  unformattable log record from {record.name}"
        self.lines.append((record.levelno, text))
        self.emitter.record_logged.emit(record.levelno, text)


class LogPage(QWidget):
    """Shows log lines at or above the chosen level.

    The widgets are made when the page is first shown: the first paint of the window does not
    need them, and the handler keeps every line until then.
    """

    LEVELS = [("Debug", logging.DEBUG), ("Info", logging.INFO), ("Warning", logging.WARNING)]

    def __init__(self, handler: QtLogHandler, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.handler = handler
        self.view = None
        self.level_box = None
        self._level = logging.INFO
        QVBoxLayout(self)
        handler.emitter.record_logged.connect(self.append, Qt.ConnectionType.QueuedConnection)

    @property
    def level(self) -> int:
        return self._level

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt override
        self.ensure_built()
        super().showEvent(event)

    def ensure_built(self) -> None:
        if self.view is not None:
            return
        from PySide6.QtGui import QFontDatabase
        from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPlainTextEdit, QPushButton

        self.level_box = QComboBox()
        for label, level in self.LEVELS:
            self.level_box.addItem(label, level)
        self.level_box.setCurrentIndex(1)
        self.level_box.setToolTip("Show messages of this level and above")
        self.level_box.currentIndexChanged.connect(self._level_changed)
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
        layout = self.layout()
        layout.addLayout(bar)
        layout.addWidget(self.view)
        self._refill()

    def append(self, level: int, text: str) -> None:
        if self.view is not None and level >= self._level:
            self.view.appendPlainText(text)

    def clear(self) -> None:
        self.handler.lines.clear()
        if self.view is not None:
            self.view.clear()

    def text(self) -> str:
        """The lines at or above the chosen level, as shown."""
        return "\n".join(t for lvl, t in self.handler.lines if lvl >= self._level)

    def _level_changed(self) -> None:
        self._level = int(self.level_box.currentData())
        self._refill()

    def _refill(self) -> None:
        self.view.setPlainText(self.text())
