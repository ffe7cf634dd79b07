"""Read-only table views as the Tokens page uses them."""

from __future__ import annotations

from functools import cache

from PySide6.QtCore import QAbstractItemModel, QSize, Qt
from PySide6.QtGui import QFont, QFontDatabase, QGuiApplication
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QSizePolicy, QTableView


class FittedTable(QTableView):
    """A table as tall as its (word-wrapped) rows, for a place that scrolls as a whole."""

    def __init__(self) -> None:
        super().__init__()
        self.setWordWrap(True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        rows = self.verticalHeader()
        rows.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        rows.sectionResized.connect(lambda *_args: self.updateGeometry())

    def setModel(self, model: QAbstractItemModel) -> None:  # noqa: N802 - Qt override
        super().setModel(model)
        model.modelReset.connect(self.updateGeometry)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        header = self.horizontalHeader().sizeHint().height()
        height = header + self.verticalHeader().length() + 2 * self.frameWidth()
        return QSize(super().sizeHint().width(), height)

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt override
        return self.sizeHint()


def read_only_table(
    model: QAbstractItemModel, *, stretch: int | None = None, fitted: bool = False
) -> QTableView:
    """Rows selected whole, columns sized to their contents; ``stretch`` takes the spare width
    (None: the last column does). A ``fitted`` table wraps its text and grows with its rows."""
    view = FittedTable() if fitted else QTableView()
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setAlternatingRowColors(True)
    view.verticalHeader().hide()
    if not fitted:
        view.setWordWrap(False)
        # Rows as high as a line of text: the fixed-width cells would otherwise make them taller.
        view.verticalHeader().setDefaultSectionSize(view.fontMetrics().height() + 8)
    header = view.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    if stretch is None:
        header.setStretchLastSection(True)
    else:
        header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    return view


@cache
def fixed_font() -> QFont:
    """The system's fixed-width font at the size of the application font, so rows line up."""
    font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
    size = QGuiApplication.font().pointSizeF()
    if size > 0:
        font.setPointSizeF(size)
    return font
