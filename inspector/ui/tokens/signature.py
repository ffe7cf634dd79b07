"""Where the keys come from, what the token must say, and the verdict on its signature."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from inspector.core.store import Server
from inspector.ui.badges import STATUS_COLOURS
from inspector.ui.table_model import RowTableModel
from inspector.ui.tokens.tables import fixed_font, read_only_table

if TYPE_CHECKING:
    from inspector.core.cancel import CancelToken
    from inspector.core.jose import Check, TokenReport
    from inspector.core.jwks import KeySource, SkippedKey

DEFAULT_LEEWAY = 60  # seconds; the core's default, repeated so the page need not import it early

VERDICTS = {
    "valid": ("✔", "ok", "Valid"),
    "invalid": ("✘", "errors", "Invalid"),
    "unverified": ("?", "unreachable", "Not verified"),
    "unverifiable": ("⚠", "warnings", "Unverifiable from outside"),
}
SOURCE_KINDS = (
    ("server", "Selected server's keys"),
    ("url", "JWKS URL"),
    ("pasted", "Pasted JWKS or PEM"),
)


@dataclass(frozen=True)
class KeyChoice:
    """What the user chose to verify with. ``server`` is set for the "server" kind."""

    kind: str
    url: str = ""
    pasted: str = ""
    server: Server | None = None

    def problem(self) -> str | None:
        """Why this choice cannot be used as it stands, in one line; None when it can."""
        if self.kind == "server" and self.server is None:
            return "No server is selected: pick one in the list, or choose another key source"
        if self.kind == "url" and not self.url.startswith(("https://", "http://")):
            return "Enter the JWKS URL (https://…) to fetch the keys from"
        if self.kind == "pasted" and not self.pasted.strip():
            return 'Paste a JWKS ({"keys": [...]}) or a PEM public key first'
        return None


def load_key_source(choice: KeyChoice, cancel: CancelToken | None = None) -> KeySource:
    """The keys ``choice`` names; fetching happens here, so this runs on a worker."""
    from inspector.core.discovery import options_for
    from inspector.core.http import HttpOptions
    from inspector.core.jwks import KeySource

    if choice.kind == "server" and choice.server is not None:
        return KeySource.from_server(
            choice.server.target, options_for(choice.server), cancel=cancel
        )
    if choice.kind == "url":
        options = HttpOptions()
        server = choice.server
        # A JWKS on the selected server is fetched with that server's TLS choices (own CA, ...).
        # LIMITATION: a JWKS URL on any other host is fetched with the system's CAs only; a host
        # with a private CA has to be saved as a server (with its CA bundle) and selected first.
        if server is not None and _same_origin(choice.url, server):
            options = options_for(server)
        return KeySource.from_url(choice.url.strip(), options, cancel=cancel)
    text = choice.pasted.strip()
    if "-----BEGIN" in text:
        return KeySource.from_pem(text, location="pasted PEM")
    return KeySource.from_json_text(text, location="pasted JWKS")


def _same_origin(url: str, server: Server) -> bool:
    from urllib.parse import urlsplit

    from inspector.core.errors import InspectorError

    try:
        base = urlsplit(server.base_url)
    except InspectorError:
        return False
    other = urlsplit(url.strip())
    return (other.scheme, other.netloc.lower()) == (base.scheme, base.netloc.lower())


class SkippedKeysModel(RowTableModel["SkippedKey"]):
    """The keys that were not tried for this token, and why."""

    HEADERS = ("Key", "Type", "Why it was skipped")

    def cell(self, skip: SkippedKey, column: int, role: int) -> Any:
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return (skip.key.identity, skip.key.description, skip.reason)[column]
        if role == Qt.ItemDataRole.FontRole and column == 0:
            return fixed_font()
        return None


class ChecksModel(RowTableModel["Check"]):
    """What must hold for the token to be accepted, each with ok or FAIL."""

    HEADERS = ("", "Check", "Result")

    def cell(self, check: Check, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            return ("ok" if check.ok else "FAIL", check.name, check.message)[column]
        if role == Qt.ItemDataRole.ToolTipRole:
            return check.message
        if role == Qt.ItemDataRole.ForegroundRole and column == 0:
            return QColor(STATUS_COLOURS["ok" if check.ok else "errors"])
        return None


class SignaturePanel(QWidget):
    """Key source and expectation fields, the Verify button, and the verdict with its reasons.

    The page does the work; this panel says what the user chose (``key_choice``,
    ``expectations``) and shows what came of it (``show_report``).
    """

    choice_changed = Signal()  # the key source inputs changed: an earlier verdict no longer fits
    expectations_changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.server: Server | None = None

        self.source_box = QComboBox()
        for kind, label in SOURCE_KINDS:
            self.source_box.addItem(label, kind)
        self.source_box.setToolTip("Where the keys to verify the signature come from")
        self.source_box.setAccessibleName("Key source")
        self.server_label = QLabel()
        self.server_label.setWordWrap(True)
        self.server_label.setTextFormat(Qt.TextFormat.RichText)
        self.url_edit = QLineEdit()
        self.url_edit.setPlaceholderText("https://cloud.example.org/.well-known/jwks.json")
        self.url_edit.setToolTip(
            "A JWKS URL, fetched when you press Verify. TLS is checked against the system's CAs, "
            "or against the selected server's CA bundle when the URL is on that server."
        )
        self.url_edit.setClearButtonEnabled(True)
        self.pasted_edit = QPlainTextEdit()
        self.pasted_edit.setPlaceholderText(
            '{"keys": [{"kty": "EC", "crv": "P-256", "kid": "…", "x": "…", "y": "…"}]}\n'
            "or a PEM public key: -----BEGIN PUBLIC KEY----- …"
        )
        self.pasted_edit.setFont(fixed_font())
        self.pasted_edit.setTabChangesFocus(True)
        self.pasted_edit.setMaximumHeight(self.fontMetrics().lineSpacing() * 6)
        self.pasted_edit.setAccessibleName("Pasted JWKS or PEM")
        self.inputs = QStackedWidget()
        for widget in (self.server_label, self.url_edit, self.pasted_edit):
            self.inputs.addWidget(widget)
        self.inputs.setSizePolicy(
            self.inputs.sizePolicy().horizontalPolicy(), self.inputs.sizePolicy().Policy.Maximum
        )

        self.issuer_edit = QLineEdit()
        self.issuer_edit.setPlaceholderText("optional, e.g. https://cloud.example.org")
        self.issuer_edit.setToolTip("The iss the token must carry; empty: not checked")
        self.issuer_edit.setClearButtonEnabled(True)
        self.audience_edit = QLineEdit()
        self.audience_edit.setPlaceholderText(
            "optional; in OCM the recipient's address: bob@remote.example"
        )
        self.audience_edit.setToolTip("A value the token's aud must contain; empty: not checked")
        self.audience_edit.setClearButtonEnabled(True)
        self.leeway_box = QSpinBox()
        self.leeway_box.setRange(0, 86400)
        self.leeway_box.setValue(DEFAULT_LEEWAY)
        self.leeway_box.setSuffix(" s")
        self.leeway_box.setToolTip("How far clocks may disagree when exp, nbf and iat are checked")

        self.verify_button = QPushButton("Verify")
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)
        self.progress.setMaximumWidth(120)
        self.progress.setTextVisible(False)
        self.progress.hide()
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop fetching the keys (Esc)")
        self.cancel_button.hide()

        self.verdict_label = QLabel()
        self.verdict_label.setTextFormat(Qt.TextFormat.RichText)
        self.verdict_label.setWordWrap(True)
        self.verdict_label.setAccessibleName("Signature verdict")
        self.detail_label = QLabel()
        self.detail_label.setTextFormat(Qt.TextFormat.RichText)
        self.detail_label.setWordWrap(True)
        self.detail_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.skipped_model = SkippedKeysModel(self)
        self.skipped_view = read_only_table(self.skipped_model, stretch=2, fitted=True)
        # Key ids can be whole URLs; the reason matters more, so the id gives way, elided.
        self.skipped_view.horizontalHeader().setSectionResizeMode(
            0, QHeaderView.ResizeMode.Interactive
        )
        self.skipped_view.setColumnWidth(0, 200)
        self.skipped_view.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.skipped_view.setAccessibleName("Skipped keys")
        self.skipped_title = QLabel("<b>Keys skipped</b>")
        self.checks_model = ChecksModel(self)
        self.checks_view = read_only_table(self.checks_model, stretch=2, fitted=True)
        self.checks_view.setAccessibleName("Checks")

        self._build_layout()
        self.source_box.currentIndexChanged.connect(self._source_kind_changed)
        self.url_edit.textChanged.connect(lambda _text: self.choice_changed.emit())
        self.pasted_edit.textChanged.connect(self.choice_changed.emit)
        self.issuer_edit.textChanged.connect(lambda _text: self.expectations_changed.emit())
        self.audience_edit.textChanged.connect(lambda _text: self.expectations_changed.emit())
        self.leeway_box.valueChanged.connect(lambda _value: self.expectations_changed.emit())
        self.set_server(None)
        self.show_report(None)

    def _build_layout(self) -> None:
        source_row = QHBoxLayout()
        source_row.addWidget(QLabel("Verify with:"))
        source_row.addWidget(self.source_box)
        source_row.addStretch(1)
        source_row.addWidget(self.progress)
        source_row.addWidget(self.cancel_button)
        source_row.addWidget(self.verify_button)

        expectations = QGroupBox("Expectations")
        form = QFormLayout(expectations)
        form.addRow("&Issuer (iss):", self.issuer_edit)
        form.addRow("&Audience (aud):", self.audience_edit)
        form.addRow("Lee&way:", self.leeway_box)

        # The verdict scrolls: its reasons, key trail and tables never get cut off.
        result = QWidget()
        result_layout = QVBoxLayout(result)
        result_layout.addWidget(self.verdict_label)
        result_layout.addWidget(self.detail_label)
        result_layout.addWidget(self.skipped_title)
        result_layout.addWidget(self.skipped_view)
        result_layout.addWidget(QLabel("<b>Checks</b>"))
        result_layout.addWidget(self.checks_view)
        result_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(result)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addLayout(source_row)
        left_layout.addWidget(self.inputs)
        left_layout.addWidget(expectations)
        left_layout.addStretch(1)
        left.setMaximumWidth(420)
        layout = QHBoxLayout(self)
        layout.addWidget(left, 2)
        layout.addWidget(scroll, 3)

    # -- what the user chose ---------------------------------------------------------------

    def set_server(self, server: Server | None) -> None:
        changed = (server.id if server else None) != (self.server.id if self.server else None)
        self.server = server
        if server is None:
            self.server_label.setText(
                "No server selected. Pick one in the server list, or verify with a JWKS URL "
                "or pasted keys."
            )
        else:
            self.server_label.setText(
                f"Keys of <b>{escape(server.name)}</b> ({escape(server.target)}): its discovery "
                "jwksUri, then /.well-known/jwks.json, then the discovery publicKey. The token's "
                "iss must then be https and name this server."
            )
        if changed and self.kind == "server":
            self.choice_changed.emit()

    @property
    def kind(self) -> str:
        return str(self.source_box.currentData())

    def set_kind(self, kind: str) -> None:
        self.source_box.setCurrentIndex(self.source_box.findData(kind))

    def key_choice(self) -> KeyChoice:
        return KeyChoice(
            self.kind, self.url_edit.text().strip(), self.pasted_edit.toPlainText(), self.server
        )

    def expectations(self) -> tuple[str | None, str | None, float]:
        issuer = self.issuer_edit.text().strip() or None
        audience = self.audience_edit.text().strip() or None
        return issuer, audience, float(self.leeway_box.value())

    def _source_kind_changed(self, index: int) -> None:
        self.inputs.setCurrentIndex(index)
        self.choice_changed.emit()

    def set_busy(self, busy: bool) -> None:
        self.progress.setVisible(busy)
        self.cancel_button.setVisible(busy)
        self.verify_button.setEnabled(not busy)

    # -- what came of it -------------------------------------------------------------------

    def show_message(self, text: str, severity: str = "unreachable") -> None:
        """A one-line state instead of a verdict: nothing to verify, or why it could not be."""
        colour = STATUS_COLOURS.get(severity, STATUS_COLOURS[None])
        self.verdict_label.setText(f"<span style='color:{colour}'>●</span> {escape(text)}")
        self.detail_label.clear()
        self.skipped_model.set_rows([])
        self.skipped_title.hide()
        self.skipped_view.hide()

    def show_report(self, report: TokenReport | None) -> None:
        if report is None:
            self.show_message("Paste a token to verify it.")
            self.checks_model.set_rows([])
            return
        self.checks_model.set_rows(report.checks)
        verdict = report.signature
        if verdict.status == "unverified" and report.key_source is None:
            self.show_message(
                "Not verified yet: choose where the keys come from and press Verify (Ctrl+Return)."
            )
            return

        icon, severity, title = VERDICTS.get(verdict.status, ("?", None, verdict.status))
        colour = STATUS_COLOURS.get(severity, STATUS_COLOURS[None])
        alg = f" · {escape(verdict.alg)}" if verdict.alg else ""
        self.verdict_label.setText(
            f"<span style='font-size:large; color:{colour}'>{icon} <b>{title}</b></span>{alg}"
        )
        self.detail_label.setText(_details_html(report))
        self.skipped_model.set_rows(verdict.skipped)
        self.skipped_title.setVisible(bool(verdict.skipped))
        self.skipped_view.setVisible(bool(verdict.skipped))

    def verdict_text(self) -> str:
        """The verdict and its details as plain text (for tests and screen readers)."""
        from PySide6.QtGui import QTextDocumentFragment

        parts = (self.verdict_label.text(), self.detail_label.text())
        return "\n".join(QTextDocumentFragment.fromHtml(part).toPlainText() for part in parts)


def _details_html(report: TokenReport) -> str:
    from inspector.ui.tokens.jwks_panel import attempts_html, describe_change

    verdict = report.signature
    lines = []
    if verdict.reason:
        lines.append(escape(verdict.reason[0].upper() + verdict.reason[1:]) + ".")
    key = verdict.matched_key
    if key is not None:
        lines.append(
            f"Key: <code>{escape(key.identity)}</code>, {escape(key.description)}, "
            f"thumbprint <code>{escape(key.thumbprint or '?')}</code>"
        )
    if verdict.key_source:
        lines.append(f"Keys from: {escape(verdict.key_source)}")
    source = report.key_source
    if source is not None and (source.kind == "server" or source.error):
        lines += attempts_html(source)
    if report.jwks_change is not None:
        lines.append(f"Key history: {escape(describe_change(report.jwks_change))}")
    return "<br>".join(lines)
