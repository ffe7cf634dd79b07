"""Keys published in the discovery document itself, and where its JWK Set lives."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QItemSelection, Qt
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import QLabel, QPlainTextEdit, QSplitter, QVBoxLayout, QWidget

from inspector.ui.discovery.models import KeysModel
from inspector.ui.discovery.tables import read_only_table

if TYPE_CHECKING:
    from inspector.core.discovery_model import DiscoveryDocument


class KeysView(QSplitter):
    """Keys published in the document itself, and where the JWKS is, with the selected PEM below."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(Qt.Orientation.Vertical, parent)
        self.model = KeysModel(self)
        self.table = read_only_table(self.model, "Published keys")
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.pem = QPlainTextEdit()
        self.pem.setReadOnly(True)
        self.pem.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.pem.setPlaceholderText("Select a key to see its PEM.")
        top = QWidget()
        layout = QVBoxLayout(top)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addWidget(self.note)
        layout.addWidget(self.table)
        self.addWidget(top)
        self.addWidget(self.pem)

    def set_document(self, doc: DiscoveryDocument | None) -> None:
        keys = doc.public_keys if doc else []
        self.model.set_rows(keys)
        self.pem.clear()
        notes = []
        if doc is not None and doc.jwks_uri:
            notes.append(
                f"Signing keys are published as a JWK Set at {doc.jwks_uri} "
                "(fetch and inspect them on the Tokens page)."
            )
        if doc is not None and doc.public_key_null:
            notes.append("publicKey is present but null.")
        if doc is not None and not keys and not doc.jwks_uri:
            notes.append("This document publishes no keys: neither publicKey nor jwksUri.")
        self.note.setText(" ".join(notes))
        self.note.setVisible(bool(notes))
        if keys:
            self.table.selectRow(0)

    def _selection_changed(self, selected: QItemSelection, _deselected: QItemSelection) -> None:
        indexes = selected.indexes()
        key = self.model.row_at(indexes[0].row()) if indexes else None
        self.pem.setPlainText((key.pem or "(no publicKeyPem)") if key else "")
