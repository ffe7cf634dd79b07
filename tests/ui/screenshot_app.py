"""Open the main window on a real X display, grab the screen, save a PNG.

Run by the screenshot tests in a separate process (``QT_QPA_PLATFORM=xcb``); also handy by hand:
``xvfb-run python tests/ui/screenshot_app.py out.png``.
"""

from __future__ import annotations

import logging
import sys

from PySide6.QtCore import QTimer

from inspector.core.store import ServerStore
from inspector.ui.app import create_application, install_log_handler
from inspector.ui.main_window import MainWindow


def main(out: str, page: str = "Discovery") -> int:
    app = create_application()
    handler = install_log_handler()
    store = ServerStore()
    if not store.servers:
        prod = store.add("alice@cloud.example.org", name="Example cloud")
        store.update(prod.id, last_status="ok")
        lab = store.add("lab.example.net:8443", name="Lab (self-signed)", verify_tls=False)
        store.update(lab.id, last_status="warnings")
        store.add("https://cernbox.example.ch", name="CERNBox test")
    window = MainWindow(handler, store)
    window.resize(1100, 680)
    for index in range(window.tabs.count()):
        if window.tabs.tabText(index) == page:
            window.tabs.setCurrentIndex(index)
    window.show()
    logging.getLogger("inspector.screenshot").info("window shown for a screenshot")

    def grab() -> None:
        shot = app.primaryScreen().grabWindow(0, 0, 0, window.width(), window.height())
        ok = shot.save(out)
        app.exit(0 if ok else 3)

    QTimer.singleShot(1000, grab)
    return app.exec()


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
