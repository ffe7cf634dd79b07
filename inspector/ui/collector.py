"""Python's cyclic garbage collector, run only in the GUI thread.

Left alone, the collector runs in whichever thread happens to allocate when a threshold is reached,
which may be a worker of the task runner. If the garbage it finds holds the last reference to a Qt
object, that object is then destroyed in the worker thread, and Qt crashes (widgets and most
QObjects must die in the thread they live in). So automatic collection is switched off and a timer
in the GUI thread collects instead, honouring the usual generation thresholds.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer


class GuiThreadCollector(QObject):
    """Disables automatic GC and collects from the GUI thread's event loop."""

    def __init__(self, parent: QObject | None = None, interval_ms: int = 500) -> None:
        super().__init__(parent)
        self.threshold = gc.get_threshold()
        gc.disable()
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.check)
        self.timer.start(interval_ms)

    def check(self) -> None:
        """Collect the oldest generation whose allocation count passed its threshold."""
        counts = gc.get_count()
        for generation in (2, 1, 0):
            if counts[generation] > self.threshold[generation]:
                gc.collect(generation)
                break

    def stop(self) -> None:
        self.timer.stop()
        gc.enable()


_installed: GuiThreadCollector | None = None


def install(app: QObject) -> GuiThreadCollector:
    """Install one collector for the application (idempotent)."""
    global _installed
    if _installed is None:
        _installed = GuiThreadCollector(app)
    return _installed
