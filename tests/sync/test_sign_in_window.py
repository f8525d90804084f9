"""Signing in through the dialog; the next start needs no dialog: the keyring has the token."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from app.main import connect
from app.store import secrets
from app.tasks import QtRunner
from app.ui.sign_in_dialog import SignInDialog
from tests.sync.conftest import PASSWORD, Server


def test_sign_in_dialog_then_keyring(qtbot, server: Server, tmp_path: Path) -> None:
    secrets.check_backend()
    runner = QtRunner()
    seen: list[str] = []

    def fill(code: str) -> None:
        dlg = QApplication.activeModalWidget()
        assert isinstance(dlg, SignInDialog)
        dlg.server.setText(server.url)
        dlg.user.setText("ann_a")
        dlg.password.setText(PASSWORD)
        dlg.code.setText(code)
        dlg.buttons.accepted.emit()

    def wrong_then_right() -> None:
        fill("000000")
        dlg = QApplication.activeModalWidget()
        assert isinstance(dlg, SignInDialog)
        qtbot.waitUntil(lambda: "Wrong" in dlg.message.text(), timeout=10_000)
        seen.append(dlg.message.text())
        fill(server.code("ann_a"))

    QTimer.singleShot(100, wrong_then_right)
    signed = connect("", "", runner)
    assert signed is not None and signed[1] == "ann_a"
    client, _user = signed
    assert "Wrong user name, password or code" in seen[0]
    assert client.me().username == "ann_a"
    assert secrets.load_refresh_token(client.server, "ann_a")
    client.close()

    opened: list[object] = []
    QTimer.singleShot(500, lambda: opened.append(QApplication.activeModalWidget()))
    again = connect(server.url, "ann_a", runner)  # from the keyring: no dialog
    qtbot.wait(600)
    assert again is not None and opened == [None]
    again[0].close()
    secrets.delete_refresh_token(server.url, "ann_a")
    runner.shutdown()
