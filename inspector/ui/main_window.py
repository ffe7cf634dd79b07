"""The main window: servers on the left, one page per task in the middle, status at the bottom."""

from __future__ import annotations

import logging

from PySide6.QtCore import QByteArray, QSettings, Qt, Slot
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QLabel,
    QMainWindow,
    QProgressBar,
    QSplitter,
    QTabWidget,
    QToolBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

# QMessageBox and other dialog classes are imported where they are used: loading a Qt class loads
# all its enums, which is slow, and the first paint of the window needs none of them.
from inspector import APP_NAME, __version__
from inspector.core.config import config_dir
from inspector.core.errors import InspectorError
from inspector.core.store import Server, ServerStore
from inspector.ui.demo import DemoPeers
from inspector.ui.discovery import DiscoveryPage
from inspector.ui.log_view import LogPage, QtLogHandler
from inspector.ui.pages import PLACEHOLDERS, AppContext, AppSignals, Page, PlaceholderPage
from inspector.ui.server_list import ServerListModel, ServerListView
from inspector.ui.tasks import TaskRunner
from inspector.ui.tokens import TokensPage

log = logging.getLogger(__name__)

DEMO_PROFILES = ("spec", "nextcloud", "reva", "legacy")


class MainWindow(QMainWindow):
    def __init__(self, log_handler: QtLogHandler | None = None, store: ServerStore | None = None):
        super().__init__()
        self.setWindowTitle("OCM Inspector")
        self.settings = QSettings(str(config_dir() / "gui.ini"), QSettings.Format.IniFormat)
        self.log_handler = log_handler or QtLogHandler()

        self.store = store or ServerStore()
        self.tasks = TaskRunner(self)
        self.signals = AppSignals(self)
        self.context = AppContext(self.store, self.tasks, self.signals)
        self.demo = DemoPeers(self.tasks, self)
        self.demo.peer_started.connect(self._demo_started)
        self.demo.peer_failed.connect(self._demo_failed)
        self.signals.server_changed.connect(self._server_changed)
        self.signals.status_message.connect(lambda text: self.statusBar().showMessage(text, 8000))

        self.model = ServerListModel(self)
        self.server_view = ServerListView(self.model)
        self.server_view.current_server_changed.connect(self._current_server_changed)

        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.pages: dict[str, Page] = {}
        self._build_pages()
        self.signals.open_token.connect(lambda _t: self.tabs.setCurrentWidget(self.pages["tokens"]))
        self.pages["discovery"].server_requested.connect(self.show_discovery_of)
        self.log_page = LogPage(self.log_handler)
        self.tabs.addTab(self.log_page, "Log")
        self.tabs.setTabToolTip(
            self.tabs.count() - 1, "What the application did, and what servers said"
        )
        self.tabs.currentChanged.connect(lambda _i: self._update_actions())

        self.dialog: QWidget | None = None  # the dialog open now, if any
        self._build_actions()
        self._build_layout()
        self._build_status_bar()
        self._reload_servers(select=self.settings.value("window/server"))
        self._restore_state()
        if self.store.recovered_from is not None:
            self.statusBar().showMessage("The saved server list could not be read", 10000)

    # -- construction ----------------------------------------------------------------------

    def _build_pages(self) -> None:
        self._add_page("discovery", DiscoveryPage(self.context))
        self._add_page("exchange", PlaceholderPage(self.context, *PLACEHOLDERS["exchange"]))
        self._add_page("tokens", TokensPage(self.context))
        self._add_page("vault", PlaceholderPage(self.context, *PLACEHOLDERS["vault"]))

    def _add_page(self, key: str, page: Page) -> None:
        self.pages[key] = page
        index = self.tabs.addTab(page, page.title)
        self.tabs.setTabToolTip(index, page.tooltip)

    def _action(self, text: str, shortcut, tip: str, slot) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        keys = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
        action.setToolTip(f"{tip} ({keys})" if keys else tip)
        action.setStatusTip(tip)
        action.triggered.connect(slot)
        return action

    def _build_actions(self) -> None:
        self.add_action = self._action(
            "&Add server…",
            "Ctrl+N",
            "Add a server by URL, host or OCM address",
            self.add_server,
        )
        self.edit_action = self._action(
            "&Edit server…", "F2", "Rename the server or change its TLS options", self.edit_server
        )
        self.remove_action = self._action(
            "&Remove server",
            "Del",
            "Forget the selected server",
            self.remove_server,
        )
        self.refresh_action = self._action(
            "Re&fresh",
            "F5",
            "Run the current page again for the selected server",
            self.refresh,
        )
        self.cancel_action = self._action(
            "&Cancel", "Esc", "Cancel what is running", self.tasks.cancel_all
        )
        self.check_all_action = self._action(
            "Check &all", "Ctrl+Shift+R", "Fetch every server's discovery document", self.check_all
        )
        self.compare_action = self._action(
            "Co&mpare…", "Ctrl+Shift+M", "Compare two servers: can A share with B?", self.compare
        )
        self.quit_action = self._action("&Quit", "Ctrl+Q", "Quit OCM Inspector", self.close)
        self.about_action = self._action(
            "&About OCM Inspector", None, "Version and licence", self.show_about
        )
        self.add_action.setIconText("+ Add")
        self.remove_action.setIconText("− Remove")
        self.cancel_action.setEnabled(False)
        for action in (
            self.add_action,
            self.edit_action,
            self.remove_action,
            self.refresh_action,
            self.cancel_action,
            self.quit_action,
        ):
            self.addAction(action)

        menu = self.menuBar()
        servers = menu.addMenu("&Servers")
        servers.addActions([self.add_action, self.edit_action, self.remove_action])
        servers.addSeparator()
        servers.addActions([self.refresh_action, self.cancel_action])
        servers.addActions([self.check_all_action, self.compare_action])
        demo = servers.addMenu("Start &demo peer")
        demo.setToolTipsVisible(True)
        for profile in DEMO_PROFILES:
            action = demo.addAction(f"{profile} profile")
            action.setToolTip(f"Start a reference OCM peer with the {profile} profile on loopback")
            action.triggered.connect(lambda _checked=False, p=profile: self.demo.start(p))
        servers.addSeparator()
        servers.addAction(self.quit_action)
        view = menu.addMenu("&View")
        for index in range(self.tabs.count()):
            key = QKeySequence(f"Ctrl+{index + 1}")
            action = self._action(
                self.tabs.tabText(index),
                key,
                f"Show the {self.tabs.tabText(index)} page",
                lambda _c=False, i=index: self.tabs.setCurrentIndex(i),
            )
            view.addAction(action)
        help_menu = menu.addMenu("&Help")
        help_menu.addAction(self.about_action)

    def _build_layout(self) -> None:
        toolbar = QToolBar("Servers")
        toolbar.setObjectName("servers-toolbar")
        toolbar.setMovable(False)
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        toolbar.addActions([self.add_action, self.edit_action, self.remove_action])

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(6, 6, 0, 6)
        heading = QLabel("<b>Servers</b>")
        left_layout.addWidget(heading)
        left_layout.addWidget(toolbar)
        left_layout.addWidget(self.server_view, 1)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("main-splitter")
        self.splitter.addWidget(left)
        self.splitter.addWidget(self.tabs)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setSizes([260, 740])
        self.setCentralWidget(self.splitter)

    def _build_status_bar(self) -> None:
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)
        self.progress.setMaximumWidth(140)
        self.progress.setTextVisible(False)
        self.progress.hide()
        self.cancel_button = QToolButton()
        self.cancel_button.setDefaultAction(self.cancel_action)
        self.cancel_button.hide()
        self.statusBar().addPermanentWidget(self.progress)
        self.statusBar().addPermanentWidget(self.cancel_button)
        self.tasks.busy_changed.connect(self._busy_changed)
        self.statusBar().showMessage("Ready", 3000)

    # -- state -----------------------------------------------------------------------------

    def _restore_state(self) -> None:
        geometry = self.settings.value("window/geometry")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        else:
            self.resize(1100, 700)
        splitter = self.settings.value("window/splitter")
        if isinstance(splitter, QByteArray) and not splitter.isEmpty():
            self.splitter.restoreState(splitter)
        tab = self.settings.value("window/tab")
        if tab is not None and str(tab).isdigit():
            self.tabs.setCurrentIndex(int(tab))

    def save_state(self) -> None:
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/splitter", self.splitter.saveState())
        self.settings.setValue("window/tab", self.tabs.currentIndex())
        current = self.server_view.current_server()
        self.settings.setValue("window/server", current.id if current else "")
        self.settings.sync()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt override
        self.save_state()
        self.tasks.cancel_all()
        self.demo.stop_all()
        super().closeEvent(event)

    def _reload_servers(self, select: object = None) -> None:
        current = self.server_view.current_server()
        select_id = str(select) if select else (current.id if current else None)
        try:
            saved = self.store.reload()
        except InspectorError as exc:
            self._warn("Server list", exc.message)
            saved = self.store.servers
        self.model.set_servers([*saved, *self.demo.servers.values()])
        self.server_view.select(select_id)
        self._update_actions()

    def show_recovery_notice(self) -> None:
        """Tell the user that an unreadable server list was kept aside, once, after the window shows."""
        if self.store.recovered_from is None:
            return
        self._warn(
            "Server list could not be read",
            "The saved server list was damaged and could not be read. It was kept as\n"
            f"{self.store.recovered_from}\n\nThe list starts empty; nothing was deleted.",
        )

    # -- slots -----------------------------------------------------------------------------

    @Slot()
    def add_server(self) -> None:
        """Open the add dialog; the server is saved when the dialog is accepted."""
        from inspector.ui.server_dialog import ServerDialog

        dialog = ServerDialog(self)
        dialog.accepted.connect(lambda: self._add_from_dialog(dialog))
        dialog.finished.connect(dialog.deleteLater)
        self.dialog = dialog
        dialog.open()

    def _add_from_dialog(self, dialog: QWidget) -> None:
        try:
            server = self.store.add(
                dialog.target,
                name=dialog.name or None,
                verify_tls=dialog.verify_tls,
                ca_bundle=dialog.ca_bundle,
            )
        except InspectorError as exc:
            self._warn("Add server", exc.message)
            return
        self._reload_servers(select=server.id)
        self.statusBar().showMessage(f"Added {server.name}", 5000)

    @Slot()
    def edit_server(self) -> None:
        server = self.server_view.current_server()
        if server is None or server.extra.get("demo"):
            return
        from inspector.ui.server_dialog import ServerDialog

        dialog = ServerDialog(self, server)
        dialog.accepted.connect(lambda: self._edit_from_dialog(server, dialog))
        dialog.finished.connect(dialog.deleteLater)
        self.dialog = dialog
        dialog.open()

    def _edit_from_dialog(self, server: Server, dialog: QWidget) -> None:
        parsed = dialog.parsed()
        try:
            self.store.update(
                server.id,
                target=dialog.target,
                name=dialog.name or (parsed.display if parsed else server.name),
                verify_tls=dialog.verify_tls,
                ca_bundle=dialog.ca_bundle,
            )
        except InspectorError as exc:
            self._warn("Edit server", exc.message)
            return
        self._reload_servers(select=server.id)

    @Slot()
    def remove_server(self) -> None:
        """Ask first; the server is removed only when the user confirms."""
        server = self.server_view.current_server()
        if server is None or server.extra.get("demo"):
            return
        from PySide6.QtWidgets import QMessageBox

        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Remove server",
            f"Remove {server.name} ({server.target}) from the list?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            self,
        )
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.button(QMessageBox.StandardButton.Yes).setText("Remove")
        box.accepted.connect(lambda: self._remove_confirmed(server))
        box.finished.connect(box.deleteLater)
        self.dialog = box
        box.open()

    def _remove_confirmed(self, server: Server) -> None:
        try:
            self.store.remove(server.id)
        except InspectorError as exc:
            self._warn("Remove server", exc.message)
            return
        self._reload_servers()
        self.statusBar().showMessage(f"Removed {server.name}", 5000)

    def _warn(self, title: str, message: str) -> None:
        from PySide6.QtWidgets import QMessageBox

        box = QMessageBox(
            QMessageBox.Icon.Warning, title, message, QMessageBox.StandardButton.Ok, self
        )
        box.finished.connect(box.deleteLater)
        self.dialog = box
        box.open()

    @Slot()
    def refresh(self) -> None:
        page = self.tabs.currentWidget()
        if isinstance(page, Page) and page.can_refresh():
            page.refresh()

    @Slot()
    def check_all(self) -> None:
        self.pages["discovery"].check_all(self.model.servers())

    @Slot()
    def compare(self) -> None:
        self.pages["discovery"].compare(self.model.servers())

    def show_discovery_of(self, server_id: str) -> None:
        self.server_view.select(server_id)
        self.tabs.setCurrentWidget(self.pages["discovery"])
        self.activateWindow()

    @Slot()
    def show_about(self) -> None:
        from PySide6.QtWidgets import QMessageBox

        QMessageBox.about(
            self,
            "About OCM Inspector",
            f"<h3>OCM Inspector {__version__}</h3>"
            "<p>See why Open Cloud Mesh federation between two servers fails: discovery, token "
            "exchange, JWTs and request signatures.</p>"
            f"<p>Settings: <code>{config_dir()}</code></p>"
            f"<p>{APP_NAME} is free software (AGPL-3.0-or-later).</p>",
        )

    def _current_server_changed(self, server: Server | None) -> None:
        for page in self.pages.values():
            page.set_server(server)
        self._update_actions()

    def _server_changed(self, server: Server) -> None:
        row = self.model.row_of(server.id)
        if row >= 0:
            self._reload_servers()

    def _update_actions(self) -> None:
        server = self.server_view.current_server()
        editable = server is not None and not server.extra.get("demo")
        self.edit_action.setEnabled(editable)
        self.remove_action.setEnabled(editable)
        page = self.tabs.currentWidget()
        self.refresh_action.setEnabled(isinstance(page, Page) and page.can_refresh())

    def _busy_changed(self, count: int) -> None:
        self.progress.setVisible(count > 0)
        self.cancel_button.setVisible(count > 0)
        self.cancel_action.setEnabled(count > 0)

    def _demo_started(self, server: Server) -> None:
        self._reload_servers(select=server.id)
        if self.tabs.currentWidget() is self.pages["discovery"]:
            # A new user's first look: the demo peer's document, fetched without asking.
            self.pages["discovery"].refresh()
        self.statusBar().showMessage(f"{server.name} runs at {server.target} (loopback only)", 8000)

    def _demo_failed(self, profile: str, message: str) -> None:
        self._warn("Demo peer", f"The {profile} demo peer did not start: {message}")
