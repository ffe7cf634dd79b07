"""The Tokens page: paste a token, read what it says, and check its signature against real keys.

Decoding is local and cheap, so it runs on the GUI thread a moment after typing stops. Only
fetching keys (a JWKS URL, a server's discovery) goes to a worker; once fetched, the keys are kept
and the verdict follows every change to the token, the expectations and the clock without another
fetch. The token itself is never logged and never saved: it lives in the text box only.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from html import escape
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QVBoxLayout, QWidget

from inspector.core.errors import InspectorError
from inspector.core.store import Server
from inspector.ui.badges import STATUS_COLOURS
from inspector.ui.pages import AppContext, Page

if TYPE_CHECKING:
    from PySide6.QtGui import QAction

    from inspector.core.jose import TokenReport
    from inspector.core.jwks import KeySource
    from inspector.ui.tasks import Task
    from inspector.ui.tokens.signature import KeyChoice

log = logging.getLogger(__name__)

DECODE_DELAY_MS = 150
TICK_MS = 1000

# Warnings that mean the token must not be accepted as it stands; the rest are worth knowing.
ERROR_WARNINGS = frozenset(
    {
        "alg-none",
        "expired",
        "not-yet-valid",
        "kid-not-found",
        "time-not-numeric",
        "jwks-private-material",
    }
)
# Failed checks that a warning already explains.
_CHECKS_SHOWN_AS_WARNINGS = {"exp": "expired", "nbf": "not-yet-valid", "iat": "issued-in-future"}
KIND_TITLES = {
    "jwt": "JWT",
    "jws": "JWS (the payload is not a JSON claims set)",
    "jwe": "JWE (encrypted)",
    "opaque": "Opaque token",
}


class TokensPage(Page):
    """Decode, explain and verify a pasted token; show the selected server's keys."""

    title = "Tokens"
    tooltip = "Decode a JWT, explain its claims and verify its signature against real keys"

    token_decoded = Signal(object)  # TokenReport, after every (re)decode
    decode_failed = Signal(str)  # the one-line reason
    verification_finished = Signal(object)  # TokenReport with the fetched keys, or None
    token_cleared = Signal()

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        # The time source for every relative time and the countdown; tests put a fake clock here.
        self.clock: Callable[[], float] = time.time
        self.report: TokenReport | None = None
        self.error: str | None = None
        self.key_source: KeySource | None = None
        self._source_server_id: str | None = None  # the server whose keys ``key_source`` holds
        self.verify_task: Task | None = None
        self._time_state: tuple[bool, ...] = ()

        self.decode_timer = QTimer(self)
        self.decode_timer.setSingleShot(True)
        self.decode_timer.setInterval(DECODE_DELAY_MS)
        self.decode_timer.timeout.connect(self.decode_now)
        self.countdown_timer = QTimer(self)
        self.countdown_timer.setInterval(TICK_MS)
        self.countdown_timer.timeout.connect(self.tick)
        self.expectations_timer = QTimer(self)
        self.expectations_timer.setSingleShot(True)
        self.expectations_timer.setInterval(DECODE_DELAY_MS)
        self.expectations_timer.timeout.connect(self._reinspect)

        self.built = False
        context.signals.open_token.connect(self.show_token)
        QVBoxLayout(self)  # filled by ensure_built()

    # -- construction ----------------------------------------------------------------------

    def ensure_built(self) -> None:
        """Build the widgets the first time the page is needed, not at startup."""
        if self.built:
            return
        self.built = True
        self._build_widgets()
        self._build_actions()
        self._build_layout()
        self.token_edit.textChanged.connect(self.decode_timer.start)
        self.signature_panel.choice_changed.connect(self._key_choice_changed)
        self.signature_panel.expectations_changed.connect(self.expectations_timer.start)
        self.signature_panel.cancel_button.clicked.connect(self.cancel_verification)
        self.signature_panel.set_server(self.server)
        self.jwks_panel.set_server(self.server)
        self._show_empty()

    def showEvent(self, event) -> None:  # noqa: N802 - Qt override
        self.ensure_built()
        super().showEvent(event)

    def _build_widgets(self) -> None:
        from PySide6.QtWidgets import QLabel

        from inspector.ui.tokens.banner import Banner
        from inspector.ui.tokens.claims import ClaimsModel
        from inspector.ui.tokens.json_view import JsonView
        from inspector.ui.tokens.jwks_panel import JwksPanel
        from inspector.ui.tokens.paste_box import SegmentLegend, TokenEdit
        from inspector.ui.tokens.signature import SignaturePanel
        from inspector.ui.tokens.tables import read_only_table

        self.token_edit = TokenEdit()
        self.legend = SegmentLegend()
        self.status_label = QLabel()
        self.status_label.setWordWrap(True)
        self.status_label.setTextFormat(Qt.TextFormat.RichText)
        self.status_label.setAccessibleName("Token summary")
        self.banner = Banner()

        self.countdown_label = QLabel()
        self.countdown_label.setTextFormat(Qt.TextFormat.RichText)
        self.countdown_label.setAccessibleName("Expiry countdown")
        self.claims_model = ClaimsModel(self)
        self.claims_view = read_only_table(self.claims_model, stretch=2)
        self.claims_view.setAccessibleName("Claims")
        self.claims_empty = QLabel()
        self.claims_empty.setWordWrap(True)
        self.claims_empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.claims_empty.setEnabled(False)

        self.header_json = JsonView("Header")
        self.claims_json = JsonView("Claims")
        self.signature_panel = SignaturePanel()
        self.jwks_panel = JwksPanel(self.context)

    def _action(self, text: str, shortcut: str, tip: str, slot) -> QAction:
        from PySide6.QtGui import QAction, QKeySequence

        action = QAction(text, self)
        action.setShortcut(QKeySequence(shortcut))
        # Page shortcuts work only while the page has focus: other pages may use the same keys.
        action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        keys = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
        action.setToolTip(f"{tip} ({keys})")
        action.triggered.connect(slot)
        self.addAction(action)
        return action

    def _build_actions(self) -> None:
        self.verify_action = self._action(
            "Verify", "Ctrl+Return", "Verify the signature with the chosen keys", self.verify
        )
        self.paste_action = self._action(
            "&Paste", "Ctrl+Shift+V", "Replace the token with the clipboard's text", self.paste
        )
        self.clear_action = self._action(
            "C&lear", "Ctrl+Shift+X", "Clear the token and everything decoded from it", self.clear
        )
        self.copy_header_action = self._action(
            "Copy header", "Ctrl+Shift+H", "Copy the decoded header as JSON", self.copy_header
        )
        self.copy_claims_action = self._action(
            "Copy claims", "Ctrl+Shift+J", "Copy the decoded claims as JSON", self.copy_claims
        )
        self.signature_panel.verify_button.clicked.connect(self.verify_action.trigger)
        self.signature_panel.verify_button.setToolTip(self.verify_action.toolTip())
        self.header_json.copy_button.setDefaultAction(self.copy_header_action)
        self.claims_json.copy_button.setDefaultAction(self.copy_claims_action)

    def _build_layout(self) -> None:
        from PySide6.QtWidgets import QHBoxLayout, QLabel, QSplitter, QTabWidget

        from inspector.ui.tokens.json_view import action_button

        paste = action_button(self.paste_action)
        clear = action_button(self.clear_action)
        top_row = QHBoxLayout()
        top_row.addWidget(QLabel("<b>Token</b>"))
        top_row.addSpacing(8)
        top_row.addWidget(self.legend)
        top_row.addStretch(1)
        top_row.addWidget(paste)
        top_row.addWidget(clear)

        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.addLayout(top_row)
        top_layout.addWidget(self.token_edit, 1)
        top_layout.addWidget(self.status_label)
        top_layout.addWidget(self.banner)

        claims_tab = QWidget()
        claims_layout = QVBoxLayout(claims_tab)
        claims_layout.addWidget(self.countdown_label)
        claims_layout.addWidget(self.claims_view, 1)
        claims_layout.addWidget(self.claims_empty, 1)

        json_tab = QSplitter(Qt.Orientation.Horizontal)
        json_tab.addWidget(self.header_json)
        json_tab.addWidget(self.claims_json)
        json_tab.setSizes([300, 500])

        self.inner_tabs = QTabWidget()
        self.inner_tabs.addTab(claims_tab, "&Claims")
        self.inner_tabs.addTab(json_tab, "&JSON")
        self.inner_tabs.addTab(self.signature_panel, "Si&gnature")
        self.inner_tabs.addTab(self.jwks_panel, "Server &keys")
        self.inner_tabs.setTabToolTip(0, "Each claim, its registered name and readable times")
        self.inner_tabs.setTabToolTip(1, "The decoded header and claims as formatted JSON")
        self.inner_tabs.setTabToolTip(2, "Verify the signature against a server, a JWKS or a PEM")
        self.inner_tabs.setTabToolTip(3, "The selected server's published keys and their history")

        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(top)
        splitter.addWidget(self.inner_tabs)
        splitter.setStretchFactor(0, 0)
        splitter.setStretchFactor(1, 1)
        splitter.setChildrenCollapsible(False)
        self.layout().addWidget(splitter)

    # -- the Page interface ----------------------------------------------------------------

    def set_server(self, server: Server | None) -> None:
        super().set_server(server)
        if self.built:
            self.signature_panel.set_server(server)
            self.jwks_panel.set_server(server)

    def can_refresh(self) -> bool:
        return self.server is not None

    def refresh(self) -> None:
        """F5: fetch the selected server's keys again."""
        self.ensure_built()
        self.inner_tabs.setCurrentWidget(self.jwks_panel)
        self.jwks_panel.refresh()

    # -- token in --------------------------------------------------------------------------

    def show_token(self, token: str) -> None:
        """Open ``token`` here, decoded at once (a token sent from another page)."""
        self.ensure_built()
        self.token_edit.setPlainText(token)
        self.decode_timer.stop()
        self.decode_now()
        self.inner_tabs.setCurrentIndex(0)
        self.token_edit.setFocus()

    def paste(self) -> None:
        from PySide6.QtGui import QGuiApplication

        text = QGuiApplication.clipboard().text()
        if text:
            self.token_edit.setPlainText(text)
            self.token_edit.setFocus()

    def clear(self) -> None:
        self.token_edit.clear()
        self.decode_timer.stop()
        self.decode_now()

    def decode_now(self) -> None:
        """Decode the box's text (no network) and show everything that can be read from it."""
        self.decode_timer.stop()
        text = self.token_edit.toPlainText()
        if not text.strip():
            self._show_empty()
            self.token_cleared.emit()
            return
        self._inspect(text)

    def _inspect(self, text: str) -> None:
        from inspector.core.jose import inspect_token

        issuer, audience, leeway = self.signature_panel.expectations()
        source = self.key_source
        try:
            report = inspect_token(
                text,
                key_source=source,
                expect_issuer=issuer,
                expect_audience=audience,
                leeway=leeway,
                now=self.clock(),
                server_url=source.server_origin if source is not None else None,
            )
        except InspectorError as exc:
            self._show_error(exc.message)
            return
        if source is not None:
            report.jwks_change = self.jwks_panel.changes.get(self._source_server_id or "")
        self._show_report(report)

    def _reinspect(self) -> None:
        """The expectations, the keys or the clock changed: judge the same text again."""
        if self.report is not None or self.error is not None:
            self.decode_now()

    # -- showing ---------------------------------------------------------------------------

    def _show_empty(self) -> None:
        self.report = None
        self.error = None
        self.countdown_timer.stop()
        self.status_label.setText(
            "Decoding happens on this computer. Nothing you paste is logged or saved."
        )
        self.banner.show_messages([])
        self._show_claims(None)
        self.header_json.set_json(None)
        self.claims_json.set_json(None)
        self.signature_panel.show_report(None)

    def _show_error(self, message: str) -> None:
        self.report = None
        self.error = message
        self.countdown_timer.stop()
        colour = STATUS_COLOURS["errors"]
        self.status_label.setText(
            f"<span style='color:{colour}'>✘ Not a token this inspector can read:</span> "
            f"{escape(message)}"
        )
        self.banner.show_messages([])
        self._show_claims(None, "Nothing decoded.")
        self.header_json.set_json(None)
        self.claims_json.set_json(None)
        self.signature_panel.show_message("Nothing to verify: the token does not decode.")
        self.signature_panel.checks_model.set_rows([])
        log.debug("the pasted text is not a readable token: %s", message)
        self.decode_failed.emit(message)

    def _show_report(self, report: TokenReport) -> None:
        first = self.report is None or self.report.token.text != report.token.text
        self.report = report
        self.error = None
        token = report.token
        if first:
            log.info(
                "decoded a %s (%d bytes%s)",
                KIND_TITLES.get(token.kind, token.kind),
                token.size,
                f", alg {token.alg}" if token.alg else "",
            )

        self.status_label.setText(_summary_html(report))
        self.banner.show_messages(_banner_messages(report))
        self._show_claims(report)
        self.header_json.set_json(token.header)
        if token.kind == "jws":
            self.claims_json.set_text(token.payload.decode("utf-8", errors="replace"))
        else:
            self.claims_json.set_json(token.claims)
        self.signature_panel.show_report(report)

        self._time_state = self._read_time_state()
        if report.times:
            self.countdown_timer.start()
        else:
            self.countdown_timer.stop()
        self.token_decoded.emit(report)

    def _show_claims(self, report: TokenReport | None, empty_text: str = "") -> None:
        claims = report.token.claims if report is not None else None
        if report is None or claims is None:
            self.claims_model.set_claims(None, self.clock())
            self.claims_view.hide()
            self.countdown_label.hide()
            if report is not None and report.token.kind == "opaque":
                empty_text = "An opaque token has no claims to read. " + report.token.note
            elif report is not None and report.token.kind == "jwe":
                empty_text = "The claims are encrypted; only the token's recipient can read them."
            elif report is not None:
                empty_text = "The payload is not a JSON object; see the JSON tab."
            self.claims_empty.setText(empty_text or "Paste a token above to see its claims.")
            self.claims_empty.show()
            return
        self.claims_empty.hide()
        self.claims_view.show()
        self.countdown_label.show()
        self.claims_model.set_claims(claims, self.clock())
        self._show_countdown()

    def _show_countdown(self) -> None:
        report = self.report
        if report is None:
            return
        from inspector.ui.tokens.claims import countdown

        leeway = self.signature_panel.expectations()[2]
        text, severity = countdown(self.claims_model.time_claim("exp"), leeway)
        if severity is None:
            self.countdown_label.setText(escape(text))
        else:
            colour = STATUS_COLOURS[severity]
            self.countdown_label.setText(f"<span style='color:{colour}'>●</span> {escape(text)}")

    def countdown_text(self) -> str:
        from PySide6.QtGui import QTextDocumentFragment

        return QTextDocumentFragment.fromHtml(self.countdown_label.text()).toPlainText()

    def tick(self) -> None:
        """Once a second: move relative times on, and re-judge when a time check flips."""
        if self.report is None:
            self.countdown_timer.stop()
            return
        self.claims_model.set_now(self.clock())
        self._show_countdown()
        if self._read_time_state() != self._time_state:
            self._reinspect()

    def _read_time_state(self) -> tuple[bool, ...]:
        """Which time claims hold right now, to notice the moment one stops (or starts) holding."""
        report = self.report
        if report is None:
            return ()
        now = self.clock()
        leeway = report.leeway
        state = []
        for name, claim in sorted(report.times.items()):
            seconds = claim.seconds
            if seconds is None:
                continue
            if name == "exp":
                state.append(now <= seconds + leeway)
            elif name == "nbf":
                state.append(now + leeway >= seconds)
            elif name == "iat":
                state.append(seconds <= now + leeway)
        return tuple(state)

    # -- verification ----------------------------------------------------------------------

    def verify(self) -> None:
        """Fetch (or read) the chosen keys in the background, then judge the token with them."""
        from inspector.ui.tokens.signature import load_key_source

        if self.verify_task is not None:
            return
        self.inner_tabs.setCurrentWidget(self.signature_panel)
        if self.report is None:
            self.signature_panel.show_message(
                "Paste a token first." if self.error is None else "The token does not decode."
            )
            return
        choice = self.signature_panel.key_choice()
        problem = choice.problem()
        if problem is not None:
            self.signature_panel.show_message(problem, "warnings")
            return
        self.signature_panel.set_busy(True)
        self.signature_panel.show_message("Fetching the keys…")
        self.verify_task = self.context.tasks.run_in_background(
            "fetch keys to verify a token",
            load_key_source,
            choice,
            on_success=lambda source: self._keys_loaded(choice, source),
            on_failure=self._keys_failed,
        )
        self.verify_task.finished.connect(self._verify_task_finished)

    def cancel_verification(self) -> None:
        if self.verify_task is not None:
            self.verify_task.cancel()

    def _verify_task_finished(self) -> None:
        task, self.verify_task = self.verify_task, None
        self.signature_panel.set_busy(False)
        if task is not None and task.cancelled:
            # Cancelled here, with Esc, or because the key source changed meanwhile.
            self.signature_panel.show_message("Cancelled: the keys were not fetched.")

    def _keys_loaded(self, choice: KeyChoice, source: KeySource) -> None:
        self.key_source = source
        self._source_server_id = None
        if choice.kind == "server" and choice.server is not None:
            self._source_server_id = choice.server.id
            self.jwks_panel.show_source(choice.server, source)
        self.decode_now()
        report = self.report
        if report is not None:
            log.info(
                "signature %s (%s) with keys from %s",
                report.signature.status,
                report.signature.alg,
                source.label,
            )
        self.verification_finished.emit(report)

    def _keys_failed(self, exc: BaseException) -> None:
        if not isinstance(exc, InspectorError):
            self.verification_finished.emit(None)
            raise exc
        log.warning("the keys could not be loaded: %s", exc.message)
        self.signature_panel.show_message(exc.message, "errors")
        self.verification_finished.emit(None)

    def _key_choice_changed(self) -> None:
        # An earlier verdict was about other keys: drop them rather than show a stale verdict.
        self.cancel_verification()
        if self.key_source is None:
            return
        self.key_source = None
        self._source_server_id = None
        self._reinspect()

    # -- copying ---------------------------------------------------------------------------

    def copy_header(self) -> None:
        self.header_json.copy()

    def copy_claims(self) -> None:
        self.claims_json.copy()


def _summary_html(report: TokenReport) -> str:
    token = report.token
    parts = [f"<b>{escape(KIND_TITLES.get(token.kind, token.kind))}</b>"]
    if token.alg:
        parts.append(f"alg {escape(token.alg)}")
    if token.kid:
        parts.append(f"kid <code>{escape(token.kid)}</code>")
    typ = (token.header or {}).get("typ")
    if isinstance(typ, str):
        parts.append(f"typ {escape(typ)}")
    parts.append(f"{token.size:,} characters")
    summary = " · ".join(parts)
    if token.kind == "opaque":
        return f"{summary}: nothing to decode.<br><small>{escape(token.note)}</small>"
    return f"{summary}<br><small>{escape(token.note)}</small>"


def _banner_messages(report: TokenReport) -> list[tuple[str, str, str]]:
    messages = []
    codes = set(report.warning_codes())
    for warning in report.warnings:
        severity = "errors" if warning.code in ERROR_WARNINGS else "warnings"
        if warning.code == "encrypted":
            severity = "info"
        messages.append((severity, warning.code, warning.message))
    for check in report.checks:
        if check.ok or _CHECKS_SHOWN_AS_WARNINGS.get(check.name) in codes:
            continue
        if check.name == "signature" and "alg-none" in codes:
            continue
        unverifiable = check.name == "signature" and report.signature.status == "unverifiable"
        messages.append(("warnings" if unverifiable else "errors", check.name, check.message))
    if report.token.kind == "opaque":
        messages.append(("info", "", "An opaque token: " + report.token.note))
    return messages
