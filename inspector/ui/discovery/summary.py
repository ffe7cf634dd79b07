"""The top of the Discovery page: who the server is, where the document came from, what it offers."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QToolButton,
    QWidget,
)

from inspector.core.discovery_model import is_absolute_http_url
from inspector.ui.discovery.chips import ChipBar, chip_specs

if TYPE_CHECKING:
    from inspector.core.discovery import DiscoveryResult

# The endpoint fields in the order an admin follows them: API, tokens, keys, invitations.
ENDPOINTS = (
    ("endPoint", "end_point", "Base URL of the OCM API (/shares, /notifications are appended)"),
    ("tokenEndPoint", "token_end_point", "Where a receiver exchanges a share secret for a token"),
    ("jwksUri", "jwks_uri", "The JWK Set with this server's request-signing keys"),
    ("inviteAcceptDialog", "invite_accept_dialog", "The page that accepts an invitation"),
)


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def local_time(iso: str) -> str:
    """An ISO timestamp as this computer's wall-clock time, HH:MM:SS."""
    try:
        return datetime.fromisoformat(iso).astimezone().strftime("%H:%M:%S")
    except ValueError:
        return iso


class EndpointRow(QWidget):
    """A URL as a link, with buttons to copy it and to open it in the browser."""

    copied = Signal(str)

    def __init__(self, tip: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.url = ""
        self.link = QLabel()
        self.link.setTextFormat(Qt.TextFormat.RichText)
        self.link.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        self.link.setToolTip(tip)
        self.link.linkActivated.connect(lambda _url: self.open())
        self.copy_button = QToolButton()
        self.copy_button.setText("Copy")
        self.copy_button.setAutoRaise(True)
        self.copy_button.setToolTip("Copy this URL to the clipboard")
        self.copy_button.clicked.connect(self.copy)
        self.open_button = QToolButton()
        self.open_button.setText("Open")
        self.open_button.setAutoRaise(True)
        self.open_button.setToolTip("Open this URL in the web browser")
        self.open_button.clicked.connect(self.open)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.link, 1)
        layout.addWidget(self.copy_button)
        layout.addWidget(self.open_button)

    def set_url(self, value: str, resolved: str | None = None) -> None:
        """Show ``value`` as published; ``resolved`` is the absolute URL it stands for, if any."""
        self.url = resolved or value
        openable = is_absolute_http_url(self.url)
        if openable:
            shown = _esc(value) if value == self.url else f"{_esc(value)} → {_esc(self.url)}"
            self.link.setText(f'<a href="{_esc(self.url)}">{shown}</a>')
        else:
            self.link.setText(_esc(value))
        self.open_button.setEnabled(openable)

    def copy(self) -> None:
        QGuiApplication.clipboard().setText(self.url)
        self.copied.emit(self.url)

    def open(self) -> None:
        if is_absolute_http_url(self.url):
            QDesktopServices.openUrl(QUrl(self.url))


class SummaryView(QWidget):
    """Provider, versions, document origin, endpoints, capability and criteria chips."""

    url_copied = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.form = QFormLayout(self)
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)

        self.provider = self._label()
        self.versions = self._label()
        self.source = self._label()
        self.source.setTextFormat(Qt.TextFormat.RichText)
        self.source.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        self.source.setOpenExternalLinks(True)
        self.source.setToolTip("Where the document came from; click to open it in the browser")
        self.form.addRow("Provider:", self.provider)
        self.form.addRow("Versions:", self.versions)
        self.form.addRow("Document:", self.source)

        self.endpoints: dict[str, EndpointRow] = {}
        for wire, _attr, tip in ENDPOINTS:
            row = EndpointRow(tip)
            row.copied.connect(self.url_copied)
            self.endpoints[wire] = row
            self.form.addRow(f"{wire}:", row)

        self.capabilities = ChipBar("none published")
        self.criteria = ChipBar("none published")
        self.form.addRow("Capabilities:", self.capabilities)
        self.form.addRow("Criteria:", self.criteria)

    def _label(self) -> QLabel:
        label = QLabel()
        label.setWordWrap(True)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        return label

    def show_result(self, result: DiscoveryResult) -> None:
        doc = result.document
        has_doc = doc is not None
        for widget in (self.provider, self.versions, self.capabilities, self.criteria):
            self.form.setRowVisible(widget, has_doc)

        if doc is None:
            self.source.setText("<i>no discovery document was obtained</i>")
            for row in self.endpoints.values():
                self.form.setRowVisible(row, False)
        else:
            self.provider.setText(doc.provider or "(not given)")
            self.versions.setText(_versions_text(doc.api_version, doc.version, doc.enabled))
            self.source.setText(_source_html(result.url or "", result.legacy_path))
            summary = doc.summary()
            for wire, attr, _tip in ENDPOINTS:
                value = getattr(doc, attr)
                row = self.endpoints[wire]
                self.form.setRowVisible(row, bool(value))
                if value:
                    resolved = (
                        summary["invite_accept_dialog"] if attr == "invite_accept_dialog" else None
                    )
                    row.set_url(value, resolved)
            self.capabilities.set_specs(chip_specs(doc, "capability"))
            self.criteria.set_specs(chip_specs(doc, "criterion"))


def _versions_text(api_version: str | None, version: str | None, enabled: bool | None) -> str:
    parts = [f"apiVersion {api_version}" if api_version else "no apiVersion"]
    if version:
        parts.append(f"version {version} (Nextcloud's own key)")
    if enabled is False:
        parts.append("OCM is switched OFF (enabled: false)")
    return " · ".join(parts)


def _source_html(url: str, legacy: bool) -> str:
    html = f'<a href="{_esc(url)}">{_esc(url)}</a>'
    if legacy:
        html += (
            "&nbsp;&nbsp;<span style='background:#d8a106; color:black;'>&nbsp;legacy path&nbsp;"
            "</span>"
        )
    return html


def trail_text(result: DiscoveryResult) -> str:
    """The paths asked, in order, with what each gave: 'Asked /.well-known/ocm (HTTP 404), …'."""
    if not result.attempts:
        return ""
    parts = []
    for attempt in result.attempts:
        label = attempt.path + (" (to compare)" if attempt.purpose == "comparison" else "")
        outcome = attempt.short_outcome
        if len(attempt.trail) > 1:
            outcome += f" after {len(attempt.trail) - 1} redirect(s)"
        parts.append(f"{label} → {outcome}")
    return "Asked " + " · ".join(parts)


def checked_text(result: DiscoveryResult) -> str:
    parts = [f"Checked at {local_time(result.started_at)}", f"took {result.elapsed_ms:.0f} ms"]
    if result.clock_skew_s is not None and abs(result.clock_skew_s) >= 1:
        direction = "ahead" if result.clock_skew_s > 0 else "behind"
        parts.append(f"server clock {abs(result.clock_skew_s):.0f} s {direction}")
    return ", ".join(parts)
