"""A one-line banner above the page: what went wrong and what to do next, never a dialog."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QWidget

# The next step for each error kind of inspector.core.errors, said the way an admin would act.
NEXT_STEPS = {
    "connect": "Check the host and port and that the server runs; a plain-HTTP test server "
    "needs http:// in the target.",
    "timeout": "The server or a firewall is slow to answer; press F5 to try again.",
    "tls": "Add the server's CA bundle or turn off verification for this server (Edit server, F2).",
    "http-status": "No OCM discovery at these paths: check the base URL (a subfolder install needs "
    "its path) and that OCM is enabled.",
    "not-json": "Something other than OCM answers (a proxy, an error page, a login page): check "
    "the base URL and the server's logs.",
    "too-large": "That is not a discovery document; check the base URL.",
    "redirect": "Fix the redirects on the server, or enter the final URL as the target (F2).",
    "invalid-target": "Edit the server (F2) and enter a URL, host[:port] or OCM address.",
    "cancelled": "Press F5 to fetch again.",
}


def next_step(kind: str, status: int | None = None) -> str:
    """What to do about an error of ``kind``; ``status`` refines an HTTP status error."""
    if kind == "http-status" and status is not None:
        if status >= 500:
            return (
                f"The server fails while answering (HTTP {status}); its error log says why "
                "(often a misconfigured OCM or federation app)."
            )
        if status in (401, 403):
            return (
                f"The server refuses anonymous requests (HTTP {status}); discovery must be "
                "public, so check the web server's or proxy's access rules."
            )
    return NEXT_STEPS.get(kind, "See the HTTP tab for what the server sent; press F5 to try again.")


class Banner(QFrame):
    """An icon and one line of text on a tinted strip; hidden until ``show_message``."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("discovery-banner")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.icon = QLabel()
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        layout.addWidget(self.icon, 0, Qt.AlignmentFlag.AlignTop)
        layout.addWidget(self.text, 1)
        self.severity = self.message = self.step = ""
        self.hide()

    def show_message(self, severity: str, message: str, step: str = "") -> None:
        from inspector.ui.discovery.models import severity_icon

        self.severity, self.message, self.step = severity, message, step
        self.icon.setPixmap(severity_icon(severity).pixmap(18, 18))
        self.text.setText(_esc(message) + (f" — <b>Next:</b> {_esc(step)}" if step else ""))
        self.setToolTip(message)
        accent = {"error": "#d0342c", "warning": "#d8a106"}.get(severity, "palette(mid)")
        # A coloured left edge marks the severity; the fill stays the palette's own.
        self.setStyleSheet(
            "QFrame#discovery-banner { background: palette(alternate-base);"
            f" border: 1px solid palette(mid); border-left: 4px solid {accent}; }}"
        )
        self.show()

    def clear(self) -> None:
        self.severity = self.message = self.step = ""
        self.text.clear()
        self.hide()


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
