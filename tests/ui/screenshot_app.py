"""Open the main window on a real X display, grab the screen, save a PNG.

Run by the screenshot tests in a separate process (``QT_QPA_PLATFORM=xcb``); also handy by hand:
``xvfb-run python tests/ui/screenshot_app.py out.png [PAGE [DEMO_PROFILE]]``; with a demo profile
the Discovery page shows that demo peer's document.
"""

from __future__ import annotations

import logging
import sys

from PySide6.QtCore import QTimer

from inspector.core.store import ServerStore
from inspector.ui.app import create_application, install_log_handler
from inspector.ui.main_window import MainWindow


def main(out: str, page: str = "Discovery", demo: str = "") -> int:
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
    if page == "Tokens":
        show_example_token(window)
    for index in range(window.tabs.count()):
        if window.tabs.tabText(index) == page:
            window.tabs.setCurrentIndex(index)
    window.show()
    logging.getLogger("inspector.screenshot").info("window shown for a screenshot")

    def grab() -> None:
        shot = app.primaryScreen().grabWindow(0, 0, 0, window.width(), window.height())
        ok = shot.save(out)
        app.exit(0 if ok else 3)

    if demo:
        discover_demo_peer(window, demo, grab)
    else:
        QTimer.singleShot(1000, grab)
    return app.exec()


def discover_demo_peer(window: MainWindow, profile: str, grab) -> None:
    """Start a demo peer (loopback), fetch its discovery document, grab once it is shown."""
    page = window.pages["discovery"]
    page.discovery_finished.connect(lambda _result: QTimer.singleShot(500, grab))
    page.discovery_finished.connect(lambda _result: window.demo.stop_all())
    window.demo.start(profile)


def show_example_token(window: MainWindow) -> None:
    """Open a token like the ones Nextcloud issues, signed here, so the Tokens page has content."""
    import time

    import jwt

    from inspector.core.keys import generate_key

    key = generate_key("p256", "https://cloud.example.org/ocm#ecdsa-p256-sha256-1")
    now = int(time.time())
    claims = {
        "iss": "https://cloud.example.org",
        "sub": "alice",
        "aud": "bob@remote.example",
        "client_id": "4f1c2d9e",
        "iat": now - 120,
        "exp": now + 3480,
        "jti": "Xq3b9Tz0PLm1WcRa",
    }
    token = jwt.encode(claims, key.private_key, "ES256", headers={"kid": key.kid, "typ": "at+jwt"})
    window.signals.open_token.emit(token)


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
