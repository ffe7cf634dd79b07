"""Small status icons drawn at run time, so they follow the palette and need no image files."""

from __future__ import annotations

from functools import cache

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap

STATUS_COLOURS = {
    "ok": "#2e9d4b",
    "warnings": "#d8a106",
    "errors": "#d0342c",
    "unreachable": "#7a7a7a",
    None: "#b0b0b0",
}

STATUS_TEXT = {
    "ok": "Last check: no problems",
    "warnings": "Last check: warnings",
    "errors": "Last check: errors",
    "unreachable": "Last check: unreachable",
    None: "Not checked yet",
}


@cache
def status_icon(status: str | None, tls_off: bool = False, size: int = 16) -> QIcon:
    """A filled dot in the status colour; with ``tls_off`` an orange ring marks unverified TLS."""
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(STATUS_COLOURS.get(status, STATUS_COLOURS[None])))
    inset = 4 if tls_off else 2
    painter.drawEllipse(QRectF(inset, inset, size - 2 * inset, size - 2 * inset))
    if tls_off:
        pen = painter.pen()
        pen.setStyle(Qt.PenStyle.SolidLine)
        pen.setColor(QColor("#e8710a"))
        pen.setWidthF(2.0)
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawEllipse(QRectF(1, 1, size - 2, size - 2))
    painter.end()
    return QIcon(pixmap)
