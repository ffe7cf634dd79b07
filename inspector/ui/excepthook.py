"""Route unexpected errors in the GUI to the log and to a dialog instead of losing them."""

from __future__ import annotations

import logging
import sys
from types import TracebackType

from PySide6.QtWidgets import QWidget

log = logging.getLogger(__name__)


class ExceptionHook:
    """Replaces ``sys.excepthook`` while the GUI runs, so an error in a slot never goes unseen."""

    def __init__(self, parent: QWidget | None = None) -> None:
        self.parent = parent
        self.dialog: QWidget | None = None
        self._previous = sys.excepthook

    def install(self) -> None:
        sys.excepthook = self

    def uninstall(self) -> None:
        sys.excepthook = self._previous

    def __call__(
        self, exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None
    ) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            self._previous(exc_type, exc, tb)
            return
        # The dialog module is loaded on the first error, not at start-up.
        from inspector.ui.error_dialog import ErrorDialog, error_report

        report = error_report(exc_type, exc, tb)
        log.error("unexpected error: %s: %s", exc_type.__name__, exc)
        log.debug("%s", report)
        summary = f"{exc_type.__name__}: {str(exc).splitlines()[0] if str(exc) else ''}".strip(": ")
        if self.dialog is not None and self.dialog.isVisible():
            # One dialog at a time; later errors still reach the log.
            return
        self.dialog = ErrorDialog(summary, report, self.parent)
        self.dialog.open()
