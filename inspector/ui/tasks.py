"""Run core calls off the GUI thread and hand their outcome back to it.

``TaskRunner.run_in_background`` runs a plain function on a worker pool. The function's result or
exception comes back to the GUI thread through Qt signals (queued connections), so callbacks may touch
widgets. Cancelling a task is immediate for the GUI: its callbacks are never called afterwards, and the
worker is asked to stop at its next checkpoint through the ``CancelToken`` it was given.

Don't call widget methods from the function itself: it runs on a worker thread.
"""

from __future__ import annotations

import inspect
import logging
import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from inspector.core.cancel import CancelToken

log = logging.getLogger(__name__)


class _Relay(QObject):
    """Lives in the GUI thread; the worker emits through it."""

    succeeded = Signal(object)
    failed = Signal(object, str)


class Task(QObject):
    """A background call. ``finished`` fires once, in the GUI thread, whatever the outcome."""

    succeeded = Signal(object)
    failed = Signal(object)
    finished = Signal()

    def __init__(self, name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = name
        self.cancel_token = CancelToken()
        self.done = False
        self.traceback_text = ""

    @property
    def cancelled(self) -> bool:
        return self.cancel_token.cancelled

    def cancel(self) -> None:
        """Stop waiting for this task; its result, if any, is dropped."""
        if self.done:
            return
        self.cancel_token.cancel()
        self._finish()
        log.info("cancelled: %s", self.name)

    def _deliver(self, result: object) -> None:
        if self.done:
            return
        self.succeeded.emit(result)
        self._finish()

    def _deliver_error(self, error: object, text: str) -> None:
        if self.done:
            return
        self.traceback_text = text
        self.failed.emit(error)
        self._finish()

    def _finish(self) -> None:
        self.done = True
        self.finished.emit()


class _Runnable(QRunnable):
    def __init__(self, func: Callable[[], Any], relay: _Relay) -> None:
        super().__init__()
        self._func = func
        self._relay = relay
        self.setAutoDelete(True)

    def run(self) -> None:
        try:
            result = self._func()
        except BaseException as exc:  # noqa: BLE001 - everything goes back to the GUI thread
            self._relay.failed.emit(exc, traceback.format_exc())
        else:
            self._relay.succeeded.emit(result)


class TaskRunner(QObject):
    """A pool of worker threads for core calls, with a count of running tasks for progress UI."""

    busy_changed = Signal(int)

    def __init__(self, parent: QObject | None = None, max_threads: int = 16) -> None:
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(max_threads)
        self.running: list[Task] = []

    def run_in_background(
        self,
        name: str,
        func: Callable[..., Any],
        *args: Any,
        on_success: Callable[[Any], None] | None = None,
        on_failure: Callable[[BaseException], None] | None = None,
        **kwargs: Any,
    ) -> Task:
        """Run ``func(*args, **kwargs)`` on a worker.

        If ``func`` accepts a ``cancel`` keyword, it receives the task's ``CancelToken``.
        """
        task = Task(name, self)
        if _accepts_cancel(func):
            kwargs.setdefault("cancel", task.cancel_token)
        relay = _Relay(task)
        relay.succeeded.connect(task._deliver)
        relay.failed.connect(task._deliver_error)
        if on_success is not None:
            task.succeeded.connect(on_success)
        if on_failure is not None:
            task.failed.connect(on_failure)
        task.finished.connect(lambda: self._forget(task))

        self.running.append(task)
        self.busy_changed.emit(len(self.running))
        log.debug("started: %s", name)
        self.pool.start(_Runnable(lambda: func(*args, **kwargs), relay))
        return task

    def cancel_all(self) -> None:
        for task in list(self.running):
            task.cancel()

    def wait_for_done(self, msecs: int = 5000) -> bool:
        """Block until the workers are idle; only for shutdown and tests."""
        return self.pool.waitForDone(msecs)

    def _forget(self, task: Task) -> None:
        if task in self.running:
            self.running.remove(task)
            self.busy_changed.emit(len(self.running))


def _accepts_cancel(func: Callable[..., Any]) -> bool:
    try:
        params = inspect.signature(func).parameters
    except (TypeError, ValueError):
        return False
    return "cancel" in params
