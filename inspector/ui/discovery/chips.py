"""Capabilities and criteria as small labelled chips that wrap like words in a paragraph."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from PySide6.QtCore import QMargins, QPoint, QRect, QSize, Qt
from PySide6.QtWidgets import QLabel, QLayout, QLayoutItem, QSizePolicy, QWidget

from inspector.core.discovery_model import (
    CURRENT_CAPABILITIES,
    CURRENT_CRITERIA,
    NON_SPEC_CAPABILITIES,
    normalise_name,
)

if TYPE_CHECKING:
    from inspector.core.discovery_model import DiscoveryDocument, NameKind

ChipState = Literal["current", "legacy", "unknown", "obsolete"]

# What each current name promises, in a sentence, for the chip tooltips (docs/ocm-protocol.md §2.4).
MEANINGS = {
    "enforce-mfa": "Shares from this server may require multi-factor authentication.",
    "exchange-token": "Supports the code flow: as sender it hosts tokenEndPoint, as receiver it "
    "honours shares that must be exchanged for a token.",
    "http-sig": "Signs and verifies requests with RFC 9421 and publishes its keys.",
    "invites": "Accepts invitations (POST /invite-accepted).",
    "invite-wayf": "Offers a where-are-you-from page for invitations.",
    "notifications": "Accepts POST /notifications.",
    "protocol-object": "Accepts a protocol object keyed by protocol name.",
    "webdav-uri": "Understands a per-share WebDAV URI (1.2.1 to 1.3; 1.4 uses webdav-receive.uri).",
    "must-use-http-sig": "Rejects API requests that are not signed.",
    "must-exchange-token": "Shares from here must be exchanged for a token before access.",
    "must-invite": "Accepts shares only from servers it has an invitation with.",
    "denylist": "Refuses servers on a deny list.",
    "allowlist": "Accepts only servers on an allow list.",
}


@dataclass(frozen=True)
class ChipSpec:
    """One chip: the name to show, what the tooltip explains and how it looks."""

    text: str
    tooltip: str
    state: ChipState


def chip_specs(doc: DiscoveryDocument, kind: NameKind) -> list[ChipSpec]:
    """Chips for the capabilities or criteria of ``doc``, in the order they were published.

    Names published under an older spelling show their current name; the tooltip says what was
    published and where that spelling comes from. Several spellings of one name make one chip.
    """
    given = doc.capabilities_given if kind == "capability" else doc.criteria_given
    known = CURRENT_CAPABILITIES if kind == "capability" else CURRENT_CRITERIA
    mappings = {m.index: m for m in doc.mappings if m.kind == kind}

    order: list[str] = []
    notes: dict[str, list[str]] = {}
    states: dict[str, ChipState] = {}
    for index, name in enumerate(given):
        mapping = mappings.get(index)
        if mapping is not None and mapping.current is None:
            shown, state = name, "obsolete"
            note = f"Published as “{name}” ({mapping.origin}); no current name means the same."
        elif mapping is not None:
            shown, state = mapping.current or name, "legacy"
            note = f"Published as “{name}” ({mapping.origin}); the current name is “{shown}”."
        elif name in known:
            shown, state = name, "current"
            note = ""
        else:
            shown, state = name, "unknown"
            extra = (
                NON_SPEC_CAPABILITIES.get(normalise_name(name)) if kind == "capability" else None
            )
            note = f"“{name}” is not defined by any OCM version" + (f": {extra}." if extra else ".")
        if shown not in states:
            order.append(shown)
            notes[shown] = []
            states[shown] = state
        elif state == "legacy" and states[shown] == "current":
            states[shown] = "legacy"
        if note:
            notes[shown].append(note)

    specs = []
    for shown in order:
        lines = [f"<b>{_esc(shown)}</b>"]
        if shown in MEANINGS:
            lines.append(_esc(MEANINGS[shown]))
        lines.extend(_esc(note) for note in notes[shown])
        specs.append(ChipSpec(shown, "<br>".join(lines), states[shown]))
    return specs


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# Accents only: the chip's fill and text follow the palette, the border marks the state.
_BORDERS = {
    "current": "palette(mid)",
    "legacy": "#d8a106",
    "unknown": "palette(mid)",
    "obsolete": "#d0342c",
}
_MARKERS = {"current": "", "legacy": " ↺", "unknown": " ?", "obsolete": " ✕"}


class Chip(QLabel):
    """A rounded label. ``spec.state`` decides the border and a small marker after the name."""

    def __init__(self, spec: ChipSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec.text + _MARKERS[spec.state], parent)
        self.spec = spec
        self.setToolTip(spec.tooltip)
        self.setAccessibleName(f"{spec.text} ({spec.state})")
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        style = "dashed" if spec.state == "unknown" else "solid"
        self.setStyleSheet(
            "QLabel { background: palette(alternate-base); color: palette(text);"
            f" border: 1px {style} {_BORDERS[spec.state]}; border-radius: 9px;"
            " padding: 1px 8px; }"
        )
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)


class ChipBar(QWidget):
    """A wrapping row of chips, with a muted text when there are none."""

    def __init__(self, empty_text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.empty_text = empty_text
        self.flow = FlowLayout(self, spacing=4)
        self.flow.setContentsMargins(0, 0, 0, 0)
        self.chips: list[Chip] = []
        self.set_specs([])

    def set_specs(self, specs: list[ChipSpec]) -> None:
        while (item := self.flow.takeAt(0)) is not None:
            if widget := item.widget():
                widget.deleteLater()
        self.chips = [Chip(spec, self) for spec in specs]
        for chip in self.chips:
            self.flow.addWidget(chip)
        if not specs:
            empty = QLabel(self.empty_text, self)
            empty.setEnabled(False)
            self.flow.addWidget(empty)
        self.updateGeometry()

    def texts(self) -> list[str]:
        return [chip.spec.text for chip in self.chips]


class FlowLayout(QLayout):
    """Lays widgets out left to right and wraps to the next line when the width runs out."""

    def __init__(self, parent: QWidget | None = None, spacing: int = 4) -> None:
        super().__init__(parent)
        self._items: list[QLayoutItem] = []
        self._spacing = spacing

    def addItem(self, item: QLayoutItem) -> None:  # noqa: N802 - Qt override
        self._items.append(item)

    def count(self) -> int:
        return len(self._items)

    def itemAt(self, index: int) -> QLayoutItem | None:  # noqa: N802 - Qt override
        return self._items[index] if 0 <= index < len(self._items) else None

    def takeAt(self, index: int) -> QLayoutItem | None:  # noqa: N802 - Qt override
        return self._items.pop(index) if 0 <= index < len(self._items) else None

    def expandingDirections(self) -> Qt.Orientation:  # noqa: N802 - Qt override
        return Qt.Orientation(0)

    def hasHeightForWidth(self) -> bool:  # noqa: N802 - Qt override
        return True

    def heightForWidth(self, width: int) -> int:  # noqa: N802 - Qt override
        return self._arrange(QRect(0, 0, width, 0), move=False)

    def setGeometry(self, rect: QRect) -> None:  # noqa: N802 - Qt override
        super().setGeometry(rect)
        self._arrange(rect, move=True)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        return self.minimumSize()

    def minimumSize(self) -> QSize:  # noqa: N802 - Qt override
        size = QSize()
        for item in self._items:
            size = size.expandedTo(item.minimumSize())
        margins: QMargins = self.contentsMargins()
        return size + QSize(margins.left() + margins.right(), margins.top() + margins.bottom())

    def _arrange(self, rect: QRect, *, move: bool) -> int:
        margins = self.contentsMargins()
        area = rect.marginsRemoved(margins)
        x, y, line_height = area.x(), area.y(), 0
        for item in self._items:
            hint = item.sizeHint()
            if x > area.x() and x + hint.width() > area.right() + 1:
                x = area.x()
                y += line_height + self._spacing
                line_height = 0
            if move:
                item.setGeometry(QRect(QPoint(x, y), hint))
            x += hint.width() + self._spacing
            line_height = max(line_height, hint.height())
        return y + line_height - rect.y() + margins.bottom()
