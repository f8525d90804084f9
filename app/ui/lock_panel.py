"""What a locked window shows in place of the item: who it belongs to, and a field for what
unlocks it (the authenticator's code, a password, or both after the session ended)."""

from __future__ import annotations

from enum import Enum

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.ui.sign_in_dialog import code_field, error_line, password_field


class Ask(Enum):
    """What the panel asks for."""

    CODE = "code"  # the second factor again (the server checks it)
    PASSWORD = "password"  # a demo server's password, or this computer's account's
    SIGN_IN = "sign-in"  # the session ended: password and code, a full sign-in


class LockPanel(QWidget):
    """Emits `unlock(password, code)` when the user asks to unlock; holds nothing afterwards."""

    unlock = Signal(str, str)

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("lock_panel")
        self.title = QLabel("Earmark is locked")
        self.title.setStyleSheet("font-size: 22px; font-weight: bold;")
        self.who = QLabel()
        self.why = QLabel()
        self.why.setWordWrap(True)
        self.password, self.code, self.message = password_field(), code_field(), error_line()
        self.password.setMaxLength(1000)
        self.button = QPushButton("Unlock")
        self.button.setDefault(True)
        self.button.clicked.connect(self._go)
        self.password.returnPressed.connect(self._go)
        self.code.returnPressed.connect(self._go)
        self.form = QFormLayout()
        self.form.addRow("Password", self.password)
        self.form.addRow("Code", self.code)
        box = QWidget()
        box.setFixedWidth(460)
        inner = QVBoxLayout(box)
        inner.addWidget(self.title)
        inner.addWidget(self.who)
        inner.addWidget(self.why)
        inner.addLayout(self.form)
        inner.addWidget(self.message)
        inner.addWidget(self.button, 0, Qt.AlignmentFlag.AlignLeft)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(box)
        row.addStretch(1)
        lay = QVBoxLayout(self)
        lay.addStretch(1)
        lay.addLayout(row)
        lay.addStretch(2)
        self.asking = Ask.CODE

    def ask(self, asking: Ask, who: str, why: str) -> None:
        self.asking = asking
        self.who.setText(who)
        self.why.setText(why)
        self.form.setRowVisible(self.password, asking != Ask.CODE)
        self.form.setRowVisible(self.code, asking != Ask.PASSWORD)
        self.password.clear()
        self.code.clear()
        self.message.clear()
        self.button.setEnabled(True)
        self.first_field().setFocus(Qt.FocusReason.OtherFocusReason)

    def first_field(self) -> QLineEdit:
        return self.code if self.asking == Ask.CODE else self.password

    def checking(self) -> None:
        self.message.setStyleSheet("")
        self.message.setText("Checking…")
        self.button.setEnabled(False)

    def refused(self, text: str) -> None:
        """Still locked: why, and the fields empty for another try."""
        self.message.setStyleSheet("color: #b00000;")
        self.message.setText(text)
        self.button.setEnabled(True)
        self.password.clear()
        self.code.clear()
        self.first_field().setFocus(Qt.FocusReason.OtherFocusReason)

    def _go(self) -> None:
        if not self.button.isEnabled():
            return  # a check is under way
        password, code = self.password.text(), self.code.text().strip()
        if (self.asking != Ask.CODE and not password) or (self.asking != Ask.PASSWORD and not code):
            self.refused(
                {
                    Ask.CODE: "Type the code from your authenticator app.",
                    Ask.PASSWORD: "Type your password.",
                    Ask.SIGN_IN: "Type your password and the code from your authenticator app.",
                }[self.asking]
            )
            return
        self.checking()
        self.unlock.emit(password, code)
