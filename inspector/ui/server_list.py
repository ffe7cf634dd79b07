"""The server list on the left of the main window: a model over the saved servers and its view."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QPersistentModelIndex,
    QRect,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QLabel,
    QListView,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from inspector.core.store import Server
from inspector.ui.badges import STATUS_TEXT, status_icon

ServerRole = Qt.ItemDataRole.UserRole + 1

_Index = QModelIndex | QPersistentModelIndex


class ServerListModel(QAbstractListModel):
    """Rows are ``Server`` objects: saved ones first, then demo peers of this session."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._servers: list[Server] = []

    def set_servers(self, servers: list[Server]) -> None:
        self.beginResetModel()
        self._servers = list(servers)
        self.endResetModel()

    def servers(self) -> list[Server]:
        return list(self._servers)

    def server_at(self, row: int) -> Server | None:
        return self._servers[row] if 0 <= row < len(self._servers) else None

    def row_of(self, server_id: str) -> int:
        for row, server in enumerate(self._servers):
            if server.id == server_id:
                return row
        return -1

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._servers)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        server = self.server_at(index.row()) if index.isValid() else None
        if server is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            lines = [server.name, server.target, *(text for text, _ in _badges(server))]
            return "\n".join(lines)
        if role == Qt.ItemDataRole.DecorationRole:
            return status_icon(server.last_status, not server.verify_tls)
        if role == Qt.ItemDataRole.ToolTipRole:
            parts = [
                f"<b>{_esc(server.name)}</b>",
                _esc(server.target),
                STATUS_TEXT.get(server.last_status, ""),
            ]
            if server.last_checked:
                parts.append(f"Checked {server.last_checked}")
            if not server.verify_tls:
                parts.append("<span style='color:#e8710a'>TLS certificates are NOT verified</span>")
            if server.ca_bundle:
                parts.append(f"Extra CA bundle: {_esc(server.ca_bundle)}")
            return "<br>".join(p for p in parts if p)
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"{server.name}, {STATUS_TEXT.get(server.last_status, '')}"
        if role == Qt.ItemDataRole.FontRole and server.extra.get("demo"):
            font = QFont()
            font.setItalic(True)
            return font
        if role == ServerRole:
            return server
        return None


TLS_BADGE = "TLS not verified"
DEMO_BADGE = "demo peer"


class ServerDelegate(QStyledItemDelegate):
    """Draws a server as its name, its target underneath, and badges for unverified TLS or demo."""

    PAD = 6

    def sizeHint(self, option: QStyleOptionViewItem, index: _Index) -> QSize:  # noqa: N802
        metrics = QFontMetrics(option.font)
        server = index.data(ServerRole)
        lines = 2 + (1 if server is not None and _badges(server) else 0)
        return QSize(200, lines * metrics.height() + 2 * self.PAD)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: _Index) -> None:
        server: Server | None = index.data(ServerRole)
        if server is None:
            return
        # Selection is read from the view and drawn by hand: touching QStyle's Python enums costs
        # tens of milliseconds at start-up, before the first paint.
        view = self.parent()
        selected = isinstance(view, QAbstractItemView) and view.selectionModel().isSelected(index)
        palette = option.palette
        painter.save()
        if selected:
            painter.fillRect(option.rect, palette.highlight())
        text_colour = palette.color(
            QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        )
        muted = QColor(text_colour)
        muted.setAlphaF(0.7)
        rect = option.rect.adjusted(self.PAD, self.PAD, -self.PAD, -self.PAD)
        metrics = QFontMetrics(option.font)
        line = metrics.height()

        icon = index.data(Qt.ItemDataRole.DecorationRole)
        icon.paint(painter, QRect(rect.left(), rect.top() + (line - 16) // 2, 16, 16))
        text_left = rect.left() + 22
        width = rect.right() - text_left

        bold = QFont(option.font)
        bold.setBold(True)
        painter.setFont(bold)
        painter.setPen(text_colour)
        name = QFontMetrics(bold).elidedText(server.name, Qt.TextElideMode.ElideRight, width)
        painter.drawText(
            QRect(text_left, rect.top(), width, line), Qt.AlignmentFlag.AlignVCenter, name
        )

        painter.setFont(option.font)
        painter.setPen(muted)
        target = metrics.elidedText(server.target, Qt.TextElideMode.ElideMiddle, width)
        painter.drawText(
            QRect(text_left, rect.top() + line, width, line), Qt.AlignmentFlag.AlignVCenter, target
        )

        x = text_left
        for text, colour in _badges(server):
            badge_width = metrics.horizontalAdvance(text) + 10
            badge = QRect(x, rect.top() + 2 * line + 1, badge_width, line - 2)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor(colour))
            painter.drawRoundedRect(badge, 4, 4)
            painter.setPen(QColor("white"))
            painter.drawText(badge, Qt.AlignmentFlag.AlignCenter, text)
            x += badge_width + 4
        painter.restore()


def _badges(server: Server) -> list[tuple[str, str]]:
    badges = []
    if not server.verify_tls:
        badges.append((f"⚠ {TLS_BADGE}", "#c25400"))
    if server.extra.get("demo"):
        badges.append((DEMO_BADGE, "#5b6ee1"))
    return badges


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class ServerListView(QWidget):
    """The list with an empty-state hint. ``current_server_changed`` carries a Server or None."""

    current_server_changed = Signal(object)

    def __init__(self, model: ServerListModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.list = QListView()
        self.list.setModel(model)
        self.list.setItemDelegate(ServerDelegate(self.list))
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.list.setUniformItemSizes(False)
        self.list.setAccessibleName("Servers")
        self.list.selectionModel().currentChanged.connect(self._current_changed)
        model.modelReset.connect(self._update_empty_hint)

        self.empty_hint = QLabel(
            "No servers yet.\nAdd one with the + button or Ctrl+N:\na URL, host[:port] or OCM address."
        )
        self.empty_hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_hint.setWordWrap(True)
        self.empty_hint.setEnabled(False)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.list)
        layout.addWidget(self.empty_hint)
        self._update_empty_hint()

    def current_server(self) -> Server | None:
        index = self.list.currentIndex()
        return self.model.server_at(index.row()) if index.isValid() else None

    def select(self, server_id: str | None) -> None:
        row = self.model.row_of(server_id) if server_id else -1
        if row < 0 and self.model.rowCount() > 0:
            row = 0
        if row >= 0:
            self.list.setCurrentIndex(self.model.index(row))
        else:
            self.current_server_changed.emit(None)

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        self.current_server_changed.emit(self.model.server_at(current.row()))

    def _update_empty_hint(self) -> None:
        empty = self.model.rowCount() == 0
        self.empty_hint.setVisible(empty)
        self.list.setVisible(not empty)
