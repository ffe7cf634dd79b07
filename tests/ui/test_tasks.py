"""Background work: results come back to the GUI thread, cancelling drops them."""

from __future__ import annotations

import threading

from PySide6.QtCore import QThread
from PySide6.QtWidgets import QApplication

from inspector.core.errors import Unreachable
from inspector.ui.tasks import TaskRunner


def test_result_arrives_in_the_gui_thread(qtbot):
    runner = TaskRunner()
    seen = {}

    def work(x: int) -> int:
        seen["worker"] = QThread.currentThread()
        return x * 2

    with qtbot.waitSignal(runner.busy_changed, check_params_cb=lambda n: n == 0):
        task = runner.run_in_background(
            "double",
            work,
            21,
            on_success=lambda r: seen.update(result=r, thread=QThread.currentThread()),
        )
    assert seen["result"] == 42
    assert seen["thread"] is QApplication.instance().thread()
    assert seen["worker"] is not seen["thread"]
    assert task.done


def test_errors_arrive_as_exceptions(qtbot):
    runner = TaskRunner()
    errors = []

    def fail() -> None:
        raise Unreachable("Cannot connect to https://nowhere.example")

    task = runner.run_in_background("fail", fail, on_failure=errors.append)
    qtbot.waitUntil(lambda: task.done)
    assert isinstance(errors[0], Unreachable)
    assert "Unreachable" in task.traceback_text


def test_cancel_drops_the_result_and_tells_the_worker(qtbot):
    runner = TaskRunner()
    started = threading.Event()
    results = []

    def slow(cancel) -> str:
        started.set()
        for _ in range(500):
            if cancel.cancelled:
                return "stopped early"
            threading.Event().wait(0.01)
        return "finished"

    task = runner.run_in_background("slow", slow, on_success=results.append)
    assert started.wait(5)
    task.cancel()
    assert task.done and task.cancelled
    assert runner.wait_for_done(5000)
    qtbot.wait(50)
    assert results == []
    assert runner.running == []
