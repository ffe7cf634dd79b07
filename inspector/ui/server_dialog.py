"""The dialog to add a server or change its options."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from inspector.core.errors import InvalidTarget
from inspector.core.store import Server
from inspector.core.targets import Target, parse_target

_KIND_TEXT = {"url": "URL", "host": "host", "address": "OCM address"}


class ServerDialog(QDialog):
    """Asks for a target (checked as it is typed), a display name and the TLS options."""

    def __init__(self, parent: QWidget | None = None, server: Server | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Edit server" if server else "Add server")
        self.setMinimumWidth(480)

        self.target_edit = QLineEdit()
        self.target_edit.setPlaceholderText(
            "https://cloud.example.org, host:8443 or alice@cloud.example.org"
        )
        self.target_edit.setToolTip(
            "A URL, host[:port] or OCM address; the host follows the last '@'"
        )
        self.target_edit.setClearButtonEnabled(True)
        self.feedback = QLabel()
        self.feedback.setWordWrap(True)
        self.feedback.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText("defaults to the host")

        self.verify_box = QCheckBox("Verify TLS certificates")
        self.verify_box.setChecked(True)
        self.verify_box.setToolTip("Turn off only for a test server you trust; the list marks it")
        self.tls_warning = QLabel("⚠ Certificates of this server will not be checked.")
        self.tls_warning.setStyleSheet("color: #e8710a; font-weight: bold")

        self.ca_edit = QLineEdit()
        self.ca_edit.setPlaceholderText("optional PEM file with extra CA certificates")
        browse = QPushButton("Browse…")
        browse.setToolTip("Choose a CA bundle file")
        browse.clicked.connect(self._browse_ca)
        ca_row = QHBoxLayout()
        ca_row.addWidget(self.ca_edit, 1)
        ca_row.addWidget(browse)

        form = QFormLayout()
        form.addRow("&Server:", self.target_edit)
        form.addRow("", self.feedback)
        form.addRow("&Name:", self.name_edit)
        form.addRow("TLS:", self.verify_box)
        form.addRow("", self.tls_warning)
        form.addRow("&CA bundle:", ca_row)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Save" if server else "Add")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.buttons)

        self.target_edit.textChanged.connect(self._check_target)
        self.verify_box.toggled.connect(self._update_tls_warning)
        if server is not None:
            self.target_edit.setText(server.target)
            self.name_edit.setText(server.name)
            self.verify_box.setChecked(server.verify_tls)
            self.ca_edit.setText(server.ca_bundle or "")
        self._check_target(self.target_edit.text())
        self._update_tls_warning()

    @property
    def target(self) -> str:
        return self.target_edit.text().strip()

    @property
    def name(self) -> str:
        return self.name_edit.text().strip()

    @property
    def verify_tls(self) -> bool:
        return self.verify_box.isChecked()

    @property
    def ca_bundle(self) -> str | None:
        return self.ca_edit.text().strip() or None

    def parsed(self) -> Target | None:
        try:
            return parse_target(self.target_edit.text())
        except InvalidTarget:
            return None

    def _check_target(self, text: str) -> None:
        ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        if not text.strip():
            self.feedback.setText("")
            ok_button.setEnabled(False)
            return
        try:
            target = parse_target(text)
        except InvalidTarget as exc:
            self.feedback.setStyleSheet("color: #d0342c")
            self.feedback.setText(f"✗ {exc.message}")
            ok_button.setEnabled(False)
            return
        self.feedback.setStyleSheet("")
        urls = " then ".join(target.candidate_base_urls())
        what = _KIND_TEXT[target.kind]
        if target.identifier:
            what += f" of {target.identifier!r}"
        self.feedback.setText(f"✓ {what} → {urls}")
        self.name_edit.setPlaceholderText(target.display)
        ok_button.setEnabled(True)

    def _update_tls_warning(self) -> None:
        self.tls_warning.setVisible(not self.verify_box.isChecked())

    def _browse_ca(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "CA bundle", "", "PEM certificates (*.pem *.crt *.cer);;All files (*)"
        )
        if path:
            self.ca_edit.setText(path)
