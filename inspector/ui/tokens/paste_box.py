"""The box a token is pasted into, with its dot-separated segments coloured as it is typed.

Colouring does not wait for a decode: the segments are found by splitting on dots, so even a token
that does not decode shows where its header, payload and signature are.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from PySide6.QtCore import QSize
from PySide6.QtGui import (
    QColor,
    QPalette,
    QSyntaxHighlighter,
    QTextCharFormat,
    QTextDocument,
)
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPlainTextEdit, QWidget

from inspector.ui.tokens.tables import fixed_font

# Accent colours per segment role, as (on a light base, on a dark base): readable on both.
SEGMENT_COLOURS = {
    "header": ("#c0263f", "#ff7b8e"),
    "payload": ("#7b3fb8", "#c79bff"),
    "signature": ("#00809a", "#5fd3ea"),
    "encrypted_key": ("#b35c00", "#ffb066"),
    "iv": ("#2e7d32", "#81d485"),
}
ROLES_BY_COUNT = {
    3: ("header", "payload", "signature"),
    # A JWE: header, encrypted key, initialisation vector, ciphertext, authentication tag.
    5: ("header", "encrypted_key", "iv", "payload", "signature"),
}
SEGMENT_TITLES = {
    "header": "header",
    "payload": "payload",
    "signature": "signature",
    "encrypted_key": "encrypted key",
    "iv": "IV",
}

_PREFIX = re.compile(r"\s*(?:authorization\s*:\s*)?(?:bearer\s+)?", re.IGNORECASE)


@dataclass(frozen=True)
class SegmentSpan:
    """Where one segment sits in the pasted text, and which role colours it."""

    role: str
    start: int
    end: int


def split_segments(text: str) -> list[SegmentSpan]:
    """The coloured spans of ``text``: its dot-separated parts after whitespace and "Bearer ".

    A text without dots (an opaque token) or with a count of parts that is neither a JWS (3) nor a
    JWE (5) is coloured by position as far as it goes, so a half-typed token already shows colour.
    """
    start = _PREFIX.match(text).end()  # type: ignore[union-attr]
    token = text[start:].rstrip()
    if "." not in token:
        return []
    parts = token.split(".")
    roles = ROLES_BY_COUNT.get(len(parts), ("header", "payload", "signature"))
    spans = []
    for index, part in enumerate(parts):
        if index < len(roles) and part:
            spans.append(SegmentSpan(roles[index], start, start + len(part)))
        start += len(part) + 1
    return spans


def segment_colour(role: str, palette: QPalette) -> QColor:
    light, dark = SEGMENT_COLOURS.get(role, SEGMENT_COLOURS["header"])
    base = palette.color(QPalette.ColorRole.Base)
    return QColor(dark if base.lightness() < 128 else light)


class SegmentHighlighter(QSyntaxHighlighter):
    """Colours the header, payload and signature of the token in a document."""

    def __init__(self, document: QTextDocument, palette: QPalette) -> None:
        super().__init__(document)
        self.palette = palette
        self.spans: list[SegmentSpan] = []
        self._text = ""

    def set_palette(self, palette: QPalette) -> None:
        self.palette = palette
        self.rehighlight()

    def current_spans(self) -> list[SegmentSpan]:
        """The spans of the whole text; found once per change, however many blocks it has."""
        text = self.document().toPlainText()
        if text != self._text:
            self._text = text
            self.spans = split_segments(text)
        return self.spans

    def highlightBlock(self, text: str) -> None:  # noqa: N802 - Qt override
        spans = self.current_spans()
        block_start = self.currentBlock().position()
        block_end = block_start + len(text)
        for span in spans:
            start, end = max(span.start, block_start), min(span.end, block_end)
            if start >= end:
                continue
            fmt = QTextCharFormat()
            fmt.setForeground(segment_colour(span.role, self.palette))
            self.setFormat(start - block_start, end - start, fmt)
        # A different state makes Qt go on to the next block, whose colours may have moved too.
        self.setCurrentBlockState(hash(tuple(spans)) & 0x3FFFFFFF)


class TokenEdit(QPlainTextEdit):
    """A monospace, wrapping text box for one token."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFont(fixed_font())
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.setWordWrapMode(self.wordWrapMode().WrapAnywhere)
        self.setTabChangesFocus(True)
        self.setUndoRedoEnabled(True)
        self.setPlaceholderText(
            "Paste a token here: a JWT (header.payload.signature), a JWE or an opaque access "
            'token. "Bearer " and surrounding whitespace are ignored. Decoding happens on this '
            "computer; the token is not saved."
        )
        self.setAccessibleName("Token")
        self.highlighter = SegmentHighlighter(self.document(), self.palette())
        self.setMinimumHeight(self.fontMetrics().lineSpacing() * 3 + 12)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        # Room for a typical access token (300-900 characters) without crowding out the claims.
        hint = super().sizeHint()
        return QSize(hint.width(), self.fontMetrics().lineSpacing() * 5 + 14)

    def changeEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().changeEvent(event)
        if event.type() == event.Type.PaletteChange:
            self.highlighter.set_palette(self.palette())


class SegmentLegend(QWidget):
    """A line naming the coloured segments, in their colours."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.labels: dict[str, QLabel] = {}
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(12)
        for role in ("header", "payload", "signature"):
            label = QLabel()
            label.setToolTip(f"The token's {role}, coloured like this in the box above")
            self.labels[role] = label
            layout.addWidget(label)
        self.refresh_colours()

    def refresh_colours(self) -> None:
        for role, label in self.labels.items():
            colour = segment_colour(role, self.palette()).name()
            label.setText(f"<span style='color:{colour}'>■ {SEGMENT_TITLES[role]}</span>")

    def changeEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().changeEvent(event)
        if event.type() == event.Type.PaletteChange:
            self.refresh_colours()
