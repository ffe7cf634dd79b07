"""Compare: two servers side by side, and whether A can share with B."""

from __future__ import annotations

from PySide6.QtCore import Qt

from inspector.ui.discovery.compare import CompareDialog
from tests.ui.test_main_window import add_server


def open_compare(qtbot, window) -> CompareDialog:
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    qtbot.keyClick(
        window,
        Qt.Key.Key_M,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    page = window.pages["discovery"]
    qtbot.waitUntil(lambda: page.compare_dialog is not None and page.compare_dialog.isVisible())
    qtbot.waitUntil(page.compare_dialog.isActiveWindow)
    return page.compare_dialog


def run_comparison(qtbot, dialog: CompareDialog) -> None:
    with qtbot.waitSignal(dialog.compared, timeout=15000):
        qtbot.mouseClick(dialog.compare_button, Qt.MouseButton.LeftButton)


def preflight(dialog: CompareDialog) -> dict[str, str]:
    model = dialog.preflight_model
    return {model.index(r, 1).data(): model.index(r, 0).data() for r in range(model.rowCount())}


def shown_fields(dialog: CompareDialog) -> list[str]:
    proxy = dialog.fields_proxy
    return [proxy.index(r, 0).data() for r in range(proxy.rowCount())]


def test_legacy_server_cannot_share_with_a_strict_spec_server(qtbot, window, peer_factory):
    add_server(qtbot, window, peer_factory("legacy").base_url, "Legacy")
    add_server(qtbot, window, peer_factory("spec").base_url, "Spec")
    window.server_view.select(window.model.servers()[0].id)
    dialog = open_compare(qtbot, window)
    assert dialog.a_box.currentText().startswith("Legacy")
    assert dialog.b_box.currentText().startswith("Spec")

    run_comparison(qtbot, dialog)

    checks = preflight(dialog)
    assert checks["must-exchange-token"] == "FAIL"
    assert checks["must-use-http-sig"] == "FAIL"
    assert "A cannot share with B" in dialog.verdict.text()
    assert dialog.fields_model.rowCount() > 0


def test_swapping_a_and_b_changes_the_verdict(qtbot, window, peer_factory):
    add_server(qtbot, window, peer_factory("legacy").base_url, "Legacy")
    add_server(qtbot, window, peer_factory("spec").base_url, "Spec")
    window.server_view.select(window.model.servers()[0].id)
    dialog = open_compare(qtbot, window)

    qtbot.keyClick(dialog, Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier)
    # A button's shortcut clicks it with a short animation, so the swap lands a moment later.
    qtbot.waitUntil(lambda: dialog.a_box.currentText().startswith("Spec"))
    run_comparison(qtbot, dialog)

    assert "must-exchange-token" not in preflight(dialog)
    assert preflight(dialog)["protocols"].startswith("ok")


def test_only_differences_hides_the_fields_in_common(qtbot, window, peer_factory):
    add_server(qtbot, window, peer_factory("spec").base_url, "Spec A")
    add_server(qtbot, window, peer_factory("spec").base_url, "Spec B")
    dialog = open_compare(qtbot, window)
    run_comparison(qtbot, dialog)
    assert "enabled" in shown_fields(dialog)

    qtbot.mouseClick(dialog.only_differences, Qt.MouseButton.LeftButton)

    assert "enabled" not in shown_fields(dialog)
    assert "endPoint" in shown_fields(dialog)
    assert dialog.only_differences.text() == f"Only differences ({len(shown_fields(dialog))})"


def test_comparing_records_both_results_for_the_badges(qtbot, window, peer_factory):
    add_server(qtbot, window, peer_factory("spec").base_url, "Spec")
    add_server(qtbot, window, peer_factory("spec", faults=["discovery-404"]).base_url, "Gone")
    dialog = open_compare(qtbot, window)
    run_comparison(qtbot, dialog)

    assert preflight(dialog) == {"discovery": "FAIL"}
    qtbot.waitUntil(lambda: list_statuses(window) == {"Spec": "warnings", "Gone": "unreachable"})


def list_statuses(window) -> dict[str, str | None]:
    return {server.name: server.last_status for server in window.model.servers()}
