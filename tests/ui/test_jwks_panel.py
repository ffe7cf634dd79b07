"""The server keys panel: what a server publishes, and how its keys rotate from fetch to fetch."""

from __future__ import annotations

import json

from PySide6.QtCore import Qt

from inspector.core.keys import thumbprint
from inspector.core.store import ServerStore


def open_keys_tab(qtbot, window):
    """Show the Tokens page and click its "Server keys" tab."""
    page = window.pages["tokens"]
    window.tabs.setCurrentWidget(page)
    bar = page.inner_tabs.tabBar()
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(3).center())
    assert page.inner_tabs.currentWidget() is page.jwks_panel
    return page.jwks_panel


def refresh_keys(qtbot, panel):
    with qtbot.waitSignal(panel.keys_fetched, timeout=10000) as blocker:
        qtbot.mouseClick(panel.refresh_button, Qt.MouseButton.LeftButton)
    return blocker.args[0]


def key_rows(panel) -> list[list[str]]:
    model = panel.keys_model
    return [
        [model.index(row, column).data() for column in range(model.columnCount())]
        for row in range(model.rowCount())
    ]


def history_rows(panel) -> list[list[str]]:
    model = panel.history_model
    return [
        [model.index(row, column).data() for column in range(model.columnCount())]
        for row in range(model.rowCount())
    ]


def saved_peer_window(peer_factory, make_window, profile: str, **kwargs):
    peer = peer_factory(profile, **kwargs)
    ServerStore().add(peer.base_url, name=f"{profile} peer")
    return peer, make_window()


def test_keys_of_the_selected_server_are_listed(qtbot, peer_factory, make_window):
    peer, window = saved_peer_window(peer_factory, make_window, "nextcloud")
    panel = open_keys_tab(qtbot, window)
    assert "Not fetched in this session" in panel.source_label.text()

    source = refresh_keys(qtbot, panel)

    published = peer.jwks()["keys"][0]
    assert source.used == "jwksUri"
    assert key_rows(panel) == [
        [published["kid"], "EC", "P-256", "ES256", "sig", thumbprint(published), "usable"]
    ]
    assert "From <b>jwksUri</b>" in panel.source_label.text()
    assert "First fetch recorded: 1 key." in panel.change_label.text()


def test_rotated_keys_show_which_kids_appeared_and_vanished(
    qtbot, peer_factory, make_window, config_dir
):
    peer, window = saved_peer_window(peer_factory, make_window, "spec", faults=("rotated-keys",))
    panel = open_keys_tab(qtbot, window)
    netloc = peer.base_url.split("//")[1]

    refresh_keys(qtbot, panel)
    assert [row[0] for row in key_rows(panel)] == [f"{netloc}#key-1", f"{netloc}#key-2"]
    refresh_keys(qtbot, panel)

    assert [row[0] for row in key_rows(panel)] == [f"{netloc}#key-2", f"{netloc}#key-3"]
    assert panel.change_label.text().endswith(
        f"appeared: {netloc}#key-3; vanished: {netloc}#key-1."
    )
    newest = history_rows(panel)[0]
    assert newest[1:] == [f"{netloc}#key-3", f"{netloc}#key-1", "–"]

    # The history is kept with the saved server, public members only.
    saved = json.loads((config_dir / "servers.json").read_text())["servers"][0]
    history = saved["extra"]["jwks_history"]
    assert [key["kid"] for key in history["keys"]] == [f"{netloc}#key-2", f"{netloc}#key-3"]
    assert all("d" not in key and "x" not in key for key in history["keys"])


def test_history_survives_selecting_another_server_and_back(qtbot, peer_factory, make_window):
    first = peer_factory("spec", faults=("rotated-keys",))
    second = peer_factory("nextcloud")
    ServerStore().add(first.base_url, name="A spec peer")
    ServerStore().add(second.base_url, name="B nextcloud peer")
    window = make_window()
    panel = open_keys_tab(qtbot, window)
    refresh_keys(qtbot, panel)
    refresh_keys(qtbot, panel)

    window.server_view.select(window.model.servers()[1].id)
    assert panel.server.name == "B nextcloud peer"
    assert history_rows(panel) == []
    window.server_view.select(window.model.servers()[0].id)

    assert panel.server.name == "A spec peer"
    assert len(history_rows(panel)) == 2


def test_f5_fetches_the_keys_when_the_tokens_page_is_shown(qtbot, peer_factory, make_window):
    _peer, window = saved_peer_window(peer_factory, make_window, "nextcloud")
    page = window.pages["tokens"]
    window.tabs.setCurrentWidget(page)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)

    with qtbot.waitSignal(page.jwks_panel.keys_fetched, timeout=10000):
        qtbot.keyClick(window, Qt.Key.Key_F5)

    assert page.inner_tabs.currentWidget() is page.jwks_panel
    assert page.jwks_panel.keys_model.rowCount() == 1


def test_a_demo_peer_keeps_its_history_in_memory_only(qtbot, make_window, config_dir):
    window = make_window()
    with qtbot.waitSignal(window.demo.peer_started, timeout=10000):
        window.demo.start("nextcloud")
    panel = open_keys_tab(qtbot, window)
    assert panel.server.extra.get("demo")

    refresh_keys(qtbot, panel)
    refresh_keys(qtbot, panel)

    assert panel.change_label.text().startswith("No change since the fetch at ")
    assert window.demo.servers["nextcloud"].extra["jwks_history"]["keys"]
    assert not (config_dir / "servers.json").exists()


def test_an_unreachable_server_is_one_line_in_the_panel(qtbot, make_window):
    ServerStore().add("http://127.0.0.1:9", name="Nothing listens here")
    window = make_window()
    panel = open_keys_tab(qtbot, window)

    source = refresh_keys(qtbot, panel)

    assert source.keys == []
    assert "No keys found for http://127.0.0.1:9" in panel.source_label.text()
    assert panel.keys_model.rowCount() == 0
    assert window.dialog is None
