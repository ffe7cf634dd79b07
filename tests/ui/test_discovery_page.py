"""The Discovery page against the reference peer, driven with keys and clicks."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import QObject, Qt, QTimer, QUrl, Slot
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox

from tests.ui.test_main_window import add_server


@pytest.fixture
def page(window):
    page = window.pages["discovery"]
    window.tabs.setCurrentWidget(page)
    return page


def fetch(qtbot, window, timeout: int = 10000):
    """Press F5 as a person would and wait for the discovery to finish."""
    page = window.pages["discovery"]
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    with qtbot.waitSignal(page.discovery_finished, timeout=timeout) as blocker:
        qtbot.keyClick(window, Qt.Key.Key_F5)
    return blocker.args[0]


def add_peer(qtbot, window, peer, name: str) -> None:
    add_server(qtbot, window, peer.base_url, name)


def finding_codes(page) -> list[str]:
    return page.findings.visible_codes()


def list_tooltip(window, name: str) -> str:
    row = next(i for i, s in enumerate(window.model.servers()) if s.name == name)
    return window.model.index(row).data(Qt.ItemDataRole.ToolTipRole)


def test_page_invites_to_fetch_a_server_not_checked_yet(qtbot, window, page, spec_peer):
    add_peer(qtbot, window, spec_peer, "Spec")

    assert page.stack.currentWidget() is page.empty
    assert "has not been checked" in page.empty_text.text()
    assert page.fetch_button.isVisible()
    assert spec_peer.requests == []


def test_spec_peer_shows_summary_chips_findings_raw_json_and_exchanges(
    qtbot, window, page, spec_peer
):
    add_peer(qtbot, window, spec_peer, "Spec")
    result = fetch(qtbot, window)

    assert result.document is not None
    summary = page.summary
    assert "reference peer" in summary.provider.text()
    assert "apiVersion 1.4.0" in summary.versions.text()
    assert f"{spec_peer.base_url}/.well-known/ocm" in summary.source.text()
    assert "legacy path" not in summary.source.text()
    assert summary.endpoints["tokenEndPoint"].url == f"{spec_peer.base_url}/ocm/token"
    assert summary.endpoints["jwksUri"].url == f"{spec_peer.base_url}/ocm/jwks"
    assert summary.capabilities.texts() == [
        "exchange-token",
        "http-sig",
        "invites",
        "notifications",
        "protocol-object",
    ]
    assert summary.criteria.texts() == ["must-use-http-sig", "must-exchange-token"]
    assert "insecure-url" in finding_codes(page)
    assert "no-legacy-path" in finding_codes(page)
    assert json.loads(page.raw.toPlainText()) == result.document.raw
    assert page.resource_types.rowCount() >= 1

    exchanges = page.exchanges.model
    first = exchanges.row_at(0)
    assert (first.method, first.url, first.status) == (
        "GET",
        f"{spec_peer.base_url}/.well-known/ocm",
        200,
    )
    assert exchanges.index(0, 3).data().endswith(" ms")
    detail = page.exchanges.detail.toPlainText()
    assert "accept: application/json" in detail.lower()
    assert "Response headers:" in detail and '"apiVersion": "1.4.0"' in detail


def test_legacy_capability_chip_explains_the_current_name(qtbot, window, page, peer_factory):
    add_peer(qtbot, window, peer_factory("nextcloud"), "Nextcloud")
    fetch(qtbot, window)

    chips = {chip.spec.text: chip for chip in page.summary.capabilities.chips}
    assert chips["invites"].spec.state == "legacy"
    assert "Published as “invite-accepted”" in chips["invites"].toolTip()
    assert chips["shares"].spec.state == "unknown"
    assert chips["exchange-token"].spec.state == "current"
    assert "version 1.1.2" in page.summary.versions.text()
    assert "api-version-not-semver" in finding_codes(page)
    assert page.keys.model.rowCount() == 1
    assert "RSA" in page.keys.model.index(0, 4).data()


def test_document_from_the_legacy_path_carries_a_badge(qtbot, window, page, peer_factory):
    peer = peer_factory("legacy")
    add_peer(qtbot, window, peer, "Legacy")
    fetch(qtbot, window)

    assert "legacy path" in page.summary.source.text()
    assert f"{peer.base_url}/ocm-provider" in page.summary.source.text()
    assert "legacy-path" in finding_codes(page)
    assert "/.well-known/ocm → HTTP 404" in page.exchanges.trail.text()


def test_reva_redirect_and_criteria_are_shown(qtbot, window, page, peer_factory):
    add_peer(qtbot, window, peer_factory("reva"), "Reva")
    fetch(qtbot, window)

    assert page.summary.criteria.texts() == ["must-invite"]
    statuses = [e.status for e in page.exchanges.model.rows]
    assert 301 in statuses
    assert "redirect" in page.exchanges.trail.text()


def test_severity_filter_hides_and_shows_findings(qtbot, window, page, spec_peer):
    add_peer(qtbot, window, spec_peer, "Spec")
    fetch(qtbot, window)
    warnings = page.findings.buttons["warning"]
    assert warnings.text() == "Warnings (4)"

    qtbot.mouseClick(warnings, Qt.MouseButton.LeftButton)
    assert "insecure-url" not in finding_codes(page)
    assert finding_codes(page) == ["no-legacy-path"]

    qtbot.mouseClick(warnings, Qt.MouseButton.LeftButton)
    assert "insecure-url" in finding_codes(page)


def test_endpoint_can_be_copied_and_opened(qtbot, window, page, spec_peer):
    add_peer(qtbot, window, spec_peer, "Spec")
    fetch(qtbot, window)
    row = page.summary.endpoints["endPoint"]

    qtbot.mouseClick(row.copy_button, Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == f"{spec_peer.base_url}/ocm"

    class Browser(QObject):
        opened: list[str] = []

        @Slot(QUrl)
        def open(self, url: QUrl) -> None:
            self.opened.append(url.toString())

    browser = Browser()
    QDesktopServices.setUrlHandler("http", browser, "open")
    try:
        qtbot.mouseClick(row.open_button, Qt.MouseButton.LeftButton)
    finally:
        QDesktopServices.unsetUrlHandler("http")
    assert browser.opened == [f"{spec_peer.base_url}/ocm"]


def no_dialog_is_open() -> bool:
    return not any(
        isinstance(w, QDialog | QMessageBox) and w.isVisible()
        for w in QApplication.topLevelWidgets()
    )


def test_server_error_is_a_banner_with_the_next_step_not_a_dialog(
    qtbot, window, page, peer_factory
):
    add_peer(qtbot, window, peer_factory("spec", faults=["html-error"]), "Broken")
    result = fetch(qtbot, window)

    assert result.error["kind"] == "http-status"
    assert page.banner.isVisible()
    assert "HTTP 500" in page.banner.message
    assert "error log" in page.banner.step
    assert no_dialog_is_open()
    assert page.details.currentWidget() is page.exchanges
    assert "text/html" in page.exchanges.detail.toPlainText()
    assert page.raw.toPlainText() == ""


def test_missing_discovery_marks_the_server_unreachable(
    qtbot, window, page, peer_factory, config_dir
):
    add_peer(qtbot, window, peer_factory("spec", faults=["discovery-404"]), "Gone")
    assert "Not checked yet" in list_tooltip(window, "Gone")

    fetch(qtbot, window)

    assert "No OCM discovery at these paths" in page.banner.step
    qtbot.waitUntil(lambda: "Last check: unreachable" in list_tooltip(window, "Gone"))
    saved = json.loads((config_dir / "servers.json").read_text())["servers"][0]
    assert saved["last_status"] == "unreachable"
    assert saved["last_checked"]


def test_too_large_body_is_cut_off_and_reported(qtbot, window, page, peer_factory):
    add_peer(qtbot, window, peer_factory("spec", faults=["huge-body"]), "Huge")
    result = fetch(qtbot, window)

    assert result.error["kind"] == "too-large"
    assert "not a discovery document" in page.banner.step
    assert "(cut off)" in page.exchanges.model.index(0, 2).data()


def test_badge_follows_the_last_result(qtbot, window, page, spec_peer, config_dir):
    add_peer(qtbot, window, spec_peer, "Spec")
    fetch(qtbot, window)

    qtbot.waitUntil(lambda: "Last check: warnings" in list_tooltip(window, "Spec"))
    saved = json.loads((config_dir / "servers.json").read_text())["servers"][0]
    assert saved["last_status"] == "warnings"


def test_demo_peer_status_is_kept_in_memory_only(qtbot, window, page, config_dir):
    with qtbot.waitSignal(window.demo.peer_started, timeout=10000):
        window.demo.start("spec")
    fetch(qtbot, window)

    qtbot.waitUntil(lambda: "Last check: no problems" in list_tooltip(window, "Demo peer (spec)"))
    saved_file = config_dir / "servers.json"
    assert not saved_file.exists() or "demo" not in saved_file.read_text()


def test_result_is_remembered_per_server_for_the_session(qtbot, window, page, peer_factory):
    spec, legacy = peer_factory("spec"), peer_factory("legacy")
    add_peer(qtbot, window, spec, "Spec")
    fetch(qtbot, window)
    add_peer(qtbot, window, legacy, "Legacy")
    fetch(qtbot, window)
    asked = len(spec.requests)

    window.server_view.select(window.model.servers()[0].id)

    assert "apiVersion 1.4.0" in page.summary.versions.text()
    assert "legacy path" not in page.summary.source.text()
    assert len(spec.requests) == asked


def click_tab(qtbot, window, widget) -> None:
    bar = window.tabs.tabBar()
    rect = bar.tabRect(window.tabs.indexOf(widget))
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=rect.center())


def test_editing_the_target_forgets_the_old_result(qtbot, window, page, peer_factory):
    from inspector.ui.server_dialog import ServerDialog

    add_peer(qtbot, window, peer_factory("spec"), "Moving")
    fetch(qtbot, window)
    other = peer_factory("legacy")

    qtbot.keyClick(window.server_view.list, Qt.Key.Key_F2)
    qtbot.waitUntil(lambda: isinstance(window.dialog, ServerDialog) and window.dialog.isVisible())
    window.dialog.target_edit.clear()
    qtbot.keyClicks(window.dialog.target_edit, other.base_url)
    qtbot.keyClick(window.dialog.target_edit, Qt.Key.Key_Return)

    qtbot.waitUntil(lambda: page.stack.currentWidget() is page.empty)
    assert "has not been checked" in page.empty_text.text()


def test_slow_server_does_not_freeze_the_window(qtbot, window, page, peer_factory):
    add_peer(qtbot, window, peer_factory("spec", delay=0.5), "Slow")
    ticks = []
    timer = QTimer()
    timer.setInterval(20)
    timer.timeout.connect(lambda: ticks.append(page.is_running()))
    timer.start()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)

    with qtbot.waitSignal(page.discovery_finished, timeout=10000):
        qtbot.keyClick(window, Qt.Key.Key_F5)
        assert page.progress.isVisible() and page.cancel_button.isVisible()
        # The event loop keeps turning: timers fire and clicks land while the fetch waits.
        qtbot.waitUntil(lambda: ticks.count(True) >= 10, timeout=5000)
        click_tab(qtbot, window, window.log_page)
        assert window.tabs.currentWidget() is window.log_page
        click_tab(qtbot, window, page)
        assert window.tabs.currentWidget() is page
        assert page.is_running()
    timer.stop()

    assert not page.progress.isVisible()
    assert "apiVersion 1.4.0" in page.summary.versions.text()


def test_cancel_stops_waiting_and_leaves_the_status_alone(qtbot, window, page, peer_factory):
    add_peer(qtbot, window, peer_factory("spec", delay=1.0), "Slow")
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    finished = []
    page.discovery_finished.connect(finished.append)

    qtbot.keyClick(window, Qt.Key.Key_F5)
    qtbot.waitUntil(page.cancel_button.isVisible)
    qtbot.mouseClick(page.cancel_button, Qt.MouseButton.LeftButton)

    assert not page.is_running()
    assert not page.progress.isVisible()
    assert "Cancelled" in page.empty_text.text()
    assert window.tasks.wait_for_done(5000)
    qtbot.wait(50)
    assert finished == []
    assert "Not checked yet" in list_tooltip(window, "Slow")
