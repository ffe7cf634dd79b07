"""Cooperative cancellation shared by core calls and the GUI's task runner."""

from __future__ import annotations

import threading

from inspector.core.errors import Cancelled


class CancelToken:
    """Set from any thread to ask a running operation to stop at its next checkpoint."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def check(self) -> None:
        """Raise ``Cancelled`` if cancellation was asked for."""
        if self._event.is_set():
            raise Cancelled("Cancelled")
