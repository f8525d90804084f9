"""Sign in to a server: address, user name, password, the code from the authenticator app."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from app.protocol import Me


def password_field() -> QLineEdit:
    field = QLineEdit()
    field.setEchoMode(QLineEdit.EchoMode.Password)
    return field


def code_field() -> QLineEdit:
    """The second factor: what the authenticator app shows."""
    field = QLineEdit()
    field.setPlaceholderText("6 digits from your authenticator app")
    field.setMaxLength(10)
    return field


def error_line() -> QLabel:
    """Why it did not work, in red, wrapped."""
    label = QLabel()
    label.setWordWrap(True)
    label.setStyleSheet("color: #b00000;")
    return label


class SignInDialog(QDialog):
    """`sign_in(server, user, password, code)` runs off the GUI thread through `run`."""

    def __init__(
        self,
        parent: QWidget | None,
        server: str,
        username: str,
        run: Callable[..., None],
        sign_in: Callable[[str, str, str, str], Me],
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Sign in to Earmark")
        self.run, self.sign_in = run, sign_in
        self.me: Me | None = None
        self.server = QLineEdit(server)
        self.server.setPlaceholderText("https://earmark.example.org")
        self.user = QLineEdit(username)
        self.password, self.code, self.message = password_field(), code_field(), error_line()
        form = QFormLayout()
        form.addRow("Server", self.server)
        form.addRow("User name", self.user)
        form.addRow("Password", self.password)
        form.addRow("Code", self.code)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Sign in")
        self.buttons.accepted.connect(self._go)
        self.buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(self.message)
        lay.addWidget(self.buttons)
        (self.password if server and username else self.server).setFocus(
            Qt.FocusReason.OtherFocusReason
        )
        self.resize(460, 220)

    def _go(self) -> None:
        args = (
            self.server.text().strip(),
            self.user.text().strip(),
            self.password.text(),
            self.code.text().strip(),
        )
        if not all(args[:3]):
            self.message.setText("Fill in the server, your user name and your password.")
            return
        self.message.setText("Signing in…")
        self.buttons.setEnabled(False)
        self.run(lambda: self.sign_in(*args), self._done, self._failed)

    def _done(self, me: Me) -> None:
        self.me = me
        self.password.clear()  # not kept anywhere, not even in the widget
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self.buttons.setEnabled(True)
        self.code.clear()
        self.message.setText(str(exc))
