"""Start the desktop application."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from inspector import APP_NAME, __version__
from inspector.ui import collector
from inspector.ui.excepthook import ExceptionHook
from inspector.ui.log_view import QtLogHandler

log = logging.getLogger(__name__)


def create_application(argv: list[str] | None = None) -> QApplication:
    args = list(argv if argv is not None else sys.argv[:1])
    if "-style" not in args:
        # Fusion draws the same everywhere and follows the system's light or dark palette. Asked
        # for on the command line, it costs nothing at start-up; setStyle() would load QStyle.
        args += ["-style", "fusion"]
    app = QApplication.instance() or QApplication(args)
    app.setApplicationName(APP_NAME)
    app.setApplicationDisplayName("OCM Inspector")
    app.setApplicationVersion(__version__)
    app.setOrganizationName(APP_NAME)
    app.setDesktopFileName(APP_NAME)
    # Loading the SVG engine is slow and the first paint does not need the icon yet.
    QTimer.singleShot(0, lambda: _set_icon(app))
    collector.install(app)
    return app


def _set_icon(app: QApplication) -> None:
    from PySide6.QtGui import QIcon

    import inspector.resources

    icon = Path(inspector.resources.__file__).with_name("ocm-inspector.svg")
    app.setWindowIcon(QIcon(str(icon)))


def install_log_handler() -> QtLogHandler:
    handler = QtLogHandler()
    root = logging.getLogger()
    root.addHandler(handler)
    if root.level == logging.NOTSET or root.level > logging.INFO:
        root.setLevel(logging.INFO)
    return handler


def run_app(demo: bool = False) -> int:
    app = create_application()
    handler = install_log_handler()

    from inspector.ui.main_window import MainWindow

    window = MainWindow(handler)
    hook = ExceptionHook(window)
    hook.install()
    window.show()
    log.info("OCM Inspector %s started", __version__)
    QTimer.singleShot(0, window.show_recovery_notice)
    if demo:
        QTimer.singleShot(0, lambda: window.demo.start("spec"))
    try:
        return app.exec()
    finally:
        hook.uninstall()
        window.tasks.wait_for_done(3000)


def main() -> int:
    return run_app(demo="--demo" in sys.argv[1:])
