"""Widget fixtures: a main window over a fresh config folder, driven as a person would."""

from __future__ import annotations

import logging

import pytest

from inspector.ui import collector
from inspector.ui.app import install_log_handler
from inspector.ui.main_window import MainWindow


@pytest.fixture(autouse=True, scope="session")
def gui_thread_collector(qapp):
    """As in the application: garbage is collected in the GUI thread only, never by a worker."""
    collector.install(qapp)


@pytest.fixture
def make_window(qtbot):
    """Build main windows on demand; each is closed (saving its state) at teardown."""
    windows: list[MainWindow] = []
    handler = install_log_handler()

    def make() -> MainWindow:
        window = MainWindow(handler)
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        windows.append(window)
        return window

    yield make
    for window in windows:
        window.tasks.cancel_all()
        window.tasks.wait_for_done(5000)
        window.demo.stop_all()
    logging.getLogger().removeHandler(handler)


@pytest.fixture
def window(make_window):
    return make_window()
