"""The main window, driven with keys and clicks."""

from __future__ import annotations

import json
import logging

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QDialogButtonBox, QMessageBox

from inspector.ui.server_dialog import ServerDialog


def open_add_dialog(qtbot, window) -> ServerDialog:
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: isinstance(window.dialog, ServerDialog) and window.dialog.isVisible())
    return window.dialog


def add_server(qtbot, window, target: str, name: str = "") -> None:
    dialog = open_add_dialog(qtbot, window)
    qtbot.keyClicks(dialog.target_edit, target)
    if name:
        qtbot.keyClicks(dialog.name_edit, name)
    qtbot.mouseClick(
        dialog.buttons.button(QDialogButtonBox.StandardButton.Ok), Qt.MouseButton.LeftButton
    )
    qtbot.waitUntil(lambda: not dialog.isVisible())


def listed_names(window) -> list[str]:
    return [s.name for s in window.model.servers()]


def test_empty_window_invites_to_add_a_server(window):
    assert window.server_view.empty_hint.isVisible()
    assert not window.remove_action.isEnabled()
    assert [window.tabs.tabText(i) for i in range(window.tabs.count())] == [
        "Discovery",
        "Token exchange",
        "Tokens",
        "Vault",
        "Log",
    ]


def test_add_server_by_ocm_address(qtbot, window, config_dir):
    add_server(qtbot, window, "alice@cloud.example.org", "Alice")

    assert listed_names(window) == ["Alice"]
    assert window.server_view.current_server().name == "Alice"
    saved = json.loads((config_dir / "servers.json").read_text())["servers"]
    assert saved[0]["target"] == "alice@cloud.example.org"


def test_target_is_checked_as_it_is_typed(qtbot, window):
    dialog = open_add_dialog(qtbot, window)
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)

    qtbot.keyClicks(dialog.target_edit, "cloud.example.org:99999")
    assert not ok.isEnabled()
    assert "outside 1-65535" in dialog.feedback.text()

    dialog.target_edit.clear()
    qtbot.keyClicks(dialog.target_edit, "bob@[::1]:9200")
    assert ok.isEnabled()
    assert "OCM address of 'bob'" in dialog.feedback.text()
    assert "https://[::1]:9200" in dialog.feedback.text()
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert window.model.rowCount() == 0


def test_turning_tls_off_shows_a_warning_everywhere(qtbot, window):
    dialog = open_add_dialog(qtbot, window)
    qtbot.keyClicks(dialog.target_edit, "test.example.org")
    assert not dialog.tls_warning.isVisible()
    dialog.verify_box.click()
    assert dialog.tls_warning.isVisible()
    qtbot.mouseClick(
        dialog.buttons.button(QDialogButtonBox.StandardButton.Ok), Qt.MouseButton.LeftButton
    )

    index = window.model.index(0)
    assert "TLS not verified" in index.data(Qt.ItemDataRole.DisplayRole)
    assert "NOT verified" in index.data(Qt.ItemDataRole.ToolTipRole)


def test_rename_with_f2(qtbot, window):
    add_server(qtbot, window, "cloud.example.org")
    qtbot.keyClick(window.server_view.list, Qt.Key.Key_F2)
    qtbot.waitUntil(lambda: isinstance(window.dialog, ServerDialog) and window.dialog.isVisible())
    dialog = window.dialog
    dialog.name_edit.clear()
    qtbot.keyClicks(dialog.name_edit, "Production")
    qtbot.keyClick(dialog.name_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: listed_names(window) == ["Production"])


def test_duplicate_server_is_refused_with_a_message(qtbot, window):
    add_server(qtbot, window, "cloud.example.org")
    add_server(qtbot, window, "https://cloud.example.org")
    qtbot.waitUntil(lambda: isinstance(window.dialog, QMessageBox) and window.dialog.isVisible())
    assert "already saved" in window.dialog.text()
    assert window.model.rowCount() == 1


def confirm_removal(qtbot, window, button: QMessageBox.StandardButton) -> None:
    qtbot.keyClick(window.server_view.list, Qt.Key.Key_Delete)
    qtbot.waitUntil(lambda: isinstance(window.dialog, QMessageBox) and window.dialog.isVisible())
    qtbot.mouseClick(window.dialog.button(button), Qt.MouseButton.LeftButton)


def test_remove_asks_first(qtbot, window):
    add_server(qtbot, window, "a.example.org")
    add_server(qtbot, window, "b.example.org")

    confirm_removal(qtbot, window, QMessageBox.StandardButton.Cancel)
    assert listed_names(window) == ["a.example.org", "b.example.org"]

    confirm_removal(qtbot, window, QMessageBox.StandardButton.Yes)
    qtbot.waitUntil(lambda: listed_names(window) == ["a.example.org"])


def test_list_selection_and_layout_survive_a_restart(qtbot, make_window):
    first = make_window()
    add_server(qtbot, first, "a.example.org")
    add_server(qtbot, first, "carol@b.example.org", "Carol")
    first.server_view.select(first.model.servers()[0].id)
    first.resize(760, 520)
    first.splitter.setSizes([333, 400])
    left_width = first.splitter.sizes()[0]
    first.tabs.setCurrentIndex(4)
    first.close()

    second = make_window()
    assert listed_names(second) == ["a.example.org", "Carol"]
    assert second.server_view.current_server().name == "a.example.org"
    assert second.tabs.currentIndex() == 4
    assert second.size() == first.size()
    assert second.splitter.sizes()[0] == left_width


def test_damaged_server_list_is_reported_and_kept(qtbot, make_window, config_dir):
    config_dir.mkdir(parents=True)
    (config_dir / "servers.json").write_text('{"servers": ')
    window = make_window()
    window.show_recovery_notice()
    qtbot.waitUntil(lambda: isinstance(window.dialog, QMessageBox) and window.dialog.isVisible())
    assert "servers.json.corrupt-" in window.dialog.text()
    assert window.model.rowCount() == 0


def test_log_page_shows_what_happened(qtbot, window):
    add_server(qtbot, window, "cloud.example.org")
    logging.getLogger("inspector.test").warning("something worth knowing")
    qtbot.waitUntil(lambda: "something worth knowing" in window.log_page.text())
    assert "added server cloud.example.org" in window.log_page.text()

    window.tabs.setCurrentWidget(window.log_page)
    shown = window.log_page.view.toPlainText()
    assert "added server cloud.example.org" in shown
    logging.getLogger("inspector.test").warning("after the page was opened")
    qtbot.waitUntil(lambda: "after the page was opened" in window.log_page.view.toPlainText())


def test_actions_have_shortcuts_and_tooltips(window):
    for action in (
        window.add_action,
        window.edit_action,
        window.remove_action,
        window.refresh_action,
        window.quit_action,
    ):
        assert not action.shortcut().isEmpty(), action.text()
        assert action.shortcut().toString() in action.toolTip()


@pytest.mark.qt_no_exception_capture
def test_unexpected_error_shows_a_report_and_the_window_stays_usable(qtbot, window):
    from inspector.ui.error_dialog import ErrorDialog
    from inspector.ui.excepthook import ExceptionHook

    hook = ExceptionHook(window)
    hook.install()
    try:

        def broken_slot() -> None:
            raise RuntimeError("the widget fell over")

        QTimer.singleShot(0, broken_slot)
        qtbot.waitUntil(lambda: hook.dialog is not None and hook.dialog.isVisible())
    finally:
        hook.uninstall()

    assert isinstance(hook.dialog, ErrorDialog)
    assert "RuntimeError: the widget fell over" in hook.dialog.report
    assert "Traceback" in hook.dialog.report
    hook.dialog.close()
    add_server(qtbot, window, "still-works.example.org")
    assert listed_names(window) == ["still-works.example.org"]


def test_demo_peer_is_listed_but_never_saved(qtbot, window, config_dir):
    window.demo.start("spec")
    qtbot.waitUntil(lambda: window.model.rowCount() == 1, timeout=15000)

    server = window.server_view.current_server()
    assert server.extra["demo"] is True
    assert server.target.startswith("https://127.0.0.1:")
    assert server.ca_bundle and server.verify_tls
    assert not window.remove_action.isEnabled()
    assert not (config_dir / "servers.json").exists()

    window.close()
    assert window.demo.peers == {}
