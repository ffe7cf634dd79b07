"""Check all: every server discovered at once, with progress, Cancel and a results table."""

from __future__ import annotations

import json

from PySide6.QtCore import Qt

from inspector.ui.discovery.check_all import CheckAllDialog
from tests.ui.test_main_window import add_server


def add_peers(qtbot, window, peers: dict) -> None:
    for name, peer in peers.items():
        add_server(qtbot, window, peer.base_url, name)


def open_check_all(qtbot, window) -> CheckAllDialog:
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    qtbot.keyClick(
        window,
        Qt.Key.Key_R,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    page = window.pages["discovery"]
    qtbot.waitUntil(lambda: page.check_all_dialog is not None and page.check_all_dialog.isVisible())
    return page.check_all_dialog


def cell(dialog: CheckAllDialog, name: str, column: int) -> str:
    row = next(i for i, r in enumerate(dialog.model.rows) if r.server.name == name)
    return dialog.model.index(row, column).data()


def test_check_all_lists_every_server_with_status_and_counts(
    qtbot, window, peer_factory, config_dir
):
    add_peers(
        qtbot,
        window,
        {
            "Spec": peer_factory("spec"),
            "Legacy": peer_factory("legacy"),
            "Gone": peer_factory("spec", faults=["discovery-404"]),
        },
    )
    dialog = open_check_all(qtbot, window)
    qtbot.waitUntil(lambda: not dialog.running, timeout=15000)

    assert [cell(dialog, name, 1) for name in ("Spec", "Legacy", "Gone")] == [
        "warnings",
        "warnings",
        "unreachable",
    ]
    assert cell(dialog, "Spec", 2) == "1.4.0"
    assert cell(dialog, "Legacy", 2) == "1.1.0"
    assert cell(dialog, "Spec", 3) == "0" and cell(dialog, "Spec", 4) == "4"
    assert cell(dialog, "Gone", 5).endswith(" ms")
    assert "HTTP 404" in cell(dialog, "Gone", 6)
    assert dialog.progress.value() == dialog.progress.maximum() == 3
    assert dialog.progress_label.text().startswith("3 of 3 checked")

    saved = json.loads((config_dir / "servers.json").read_text())["servers"]
    assert {s["name"]: s["last_status"] for s in saved} == {
        "Spec": "warnings",
        "Legacy": "warnings",
        "Gone": "unreachable",
    }


def test_double_click_opens_that_servers_discovery_page(qtbot, window, peer_factory):
    spec, legacy = peer_factory("spec"), peer_factory("legacy")
    add_peers(qtbot, window, {"Spec": spec, "Legacy": legacy})
    window.server_view.select(window.model.servers()[0].id)
    window.tabs.setCurrentIndex(window.tabs.count() - 1)  # the Log page
    dialog = open_check_all(qtbot, window)
    qtbot.waitUntil(lambda: not dialog.running, timeout=15000)
    asked = len(legacy.requests)

    row = next(i for i, r in enumerate(dialog.model.rows) if r.server.name == "Legacy")
    index = dialog.table.model().index(row, 0)
    rect = dialog.table.visualRect(index)
    # QTest's double click is only the second press: a person's first click comes before it.
    qtbot.mouseClick(dialog.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(dialog.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())

    page = window.pages["discovery"]
    assert window.tabs.currentWidget() is page
    assert window.server_view.current_server().name == "Legacy"
    assert "legacy path" in page.summary.source.text()
    assert len(legacy.requests) == asked


def test_at_most_max_parallel_checks_run_at_once(qtbot, window, peer_factory):
    peers = {f"Slow {n}": peer_factory("spec", delay=0.3) for n in range(4)}
    add_peers(qtbot, window, peers)
    page = window.pages["discovery"]
    dialog = CheckAllDialog(window.context, page.record_result, window, max_parallel=2)
    qtbot.addWidget(dialog)
    running_counts = []
    dialog.model.dataChanged.connect(
        lambda *_: running_counts.append(sum(r.state == "running" for r in dialog.model.rows))
    )

    dialog.start(window.model.servers())
    assert [r.state for r in dialog.model.rows] == ["running", "running", "waiting", "waiting"]
    qtbot.waitUntil(lambda: not dialog.running, timeout=20000)

    assert max(running_counts) == 2
    assert all(r.state == "done" for r in dialog.model.rows)


def test_cancel_stops_the_checks_and_keeps_finished_results(qtbot, window, peer_factory):
    add_peers(qtbot, window, {"Fast": peer_factory("spec")})
    add_peers(qtbot, window, {f"Slow {n}": peer_factory("spec", delay=1.0) for n in range(2)})
    page = window.pages["discovery"]
    dialog = CheckAllDialog(window.context, page.record_result, window, max_parallel=2)
    qtbot.addWidget(dialog)
    dialog.show()

    dialog.start(window.model.servers())
    qtbot.waitUntil(lambda: dialog.row_for(window.model.servers()[0].id).state == "done")
    with qtbot.waitSignal(dialog.all_done):
        qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)

    assert [cell(dialog, name, 1) for name in ("Fast", "Slow 0", "Slow 1")] == [
        "warnings",
        "cancelled",
        "cancelled",
    ]
    assert not dialog.cancel_button.isEnabled()
    assert dialog.again_button.isEnabled()


def test_check_all_and_compare_are_in_the_servers_menu_with_shortcuts(window):
    menu = window.menuBar().actions()[0].menu()
    assert window.check_all_action in menu.actions()
    assert window.compare_action in menu.actions()
    for action in (window.check_all_action, window.compare_action):
        assert action.shortcut().toString() in action.toolTip()
