"""The findings list, with a filter by severity."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from inspector.ui.discovery.models import (
    SEVERITY_LABELS,
    FindingsModel,
    SeverityFilterModel,
    severity_icon,
)
from inspector.ui.discovery.tables import read_only_table

if TYPE_CHECKING:
    from inspector.core.findings import Finding


class FindingsView(QWidget):
    """Toggle buttons per severity (with counts) above the findings table."""

    SHORTCUTS = {"error": "Alt+1", "warning": "Alt+2", "info": "Alt+3"}

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = FindingsModel(self)
        self.proxy = SeverityFilterModel(self)
        self.proxy.setSourceModel(self.model)
        self.table = read_only_table(self.proxy, "Findings")
        self.table.setWordWrap(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        header.setStretchLastSection(False)

        bar = QHBoxLayout()
        bar.addWidget(QLabel("Show:"))
        self.buttons: dict[str, QToolButton] = {}
        for severity, label in SEVERITY_LABELS.items():
            button = QToolButton()
            button.setCheckable(True)
            button.setChecked(True)
            button.setIcon(severity_icon(severity))
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
            button.setShortcut(self.SHORTCUTS[severity])
            button.setToolTip(f"Show or hide {label.lower()} findings ({self.SHORTCUTS[severity]})")
            button.toggled.connect(lambda on, s=severity: self.proxy.set_shown(s, on))
            self.buttons[severity] = button
            bar.addWidget(button)
            self._label_button(severity, 0)
        bar.addStretch(1)
        self.spec_note = QLabel()
        self.spec_note.setEnabled(False)
        bar.addWidget(self.spec_note)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.table)

    def _label_button(self, severity: str, count: int) -> None:
        label = SEVERITY_LABELS[severity]
        self.buttons[severity].setText(f"{label}s ({count})" if count != 1 else f"{label} (1)")

    def set_findings(self, findings: list[Finding]) -> None:
        self.model.set_rows(findings)
        for severity in SEVERITY_LABELS:
            self._label_button(severity, sum(1 for f in findings if f.severity == severity))
        versions = sorted({f.spec_version for f in findings}, key=_version_key)
        self.spec_note.setText(f"Rules from OCM {', '.join(versions)}" if versions else "")
        self.table.resizeRowsToContents()

    def visible_codes(self) -> list[str]:
        return [self.proxy.index(row, 1).data() for row in range(self.proxy.rowCount())]


def _version_key(version: str) -> tuple:
    return tuple(int(p) if p.isdigit() else 0 for p in version.split("."))
