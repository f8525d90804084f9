"""A local project locks only if it asks (earmark-screen.json), and then this computer's account
password unlocks it, checked by the system's PAM (pam_unix and /etc/shadow: no fake)."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings, Qt

from app.keymap import Cmd
from app.main import build
from app.ui.lock_panel import Ask
from app.workstation.controller import Controller
from app.workstation.lock import ScreenLock
from app.workstation.project import ProjectError, open_project
from app.workstation.store.settings import Settings
from tests.ui.keys import A, C, press, type_text


@pytest.fixture
def os_account() -> Iterator[tuple[str, str]]:
    """A throwaway account of this computer with a random password (CI runs as root); or the
    one EARMARK_TEST_OS_USER and EARMARK_TEST_OS_PASSWORD name."""
    given = os.environ.get("EARMARK_TEST_OS_USER")
    if given:
        yield given, os.environ["EARMARK_TEST_OS_PASSWORD"]
        return
    if os.geteuid() != 0:
        pytest.fail(
            "the local lock's test needs an account whose password it knows: run it as root"
            " (it makes a throwaway one) or set EARMARK_TEST_OS_USER and EARMARK_TEST_OS_PASSWORD"
        )
    name = f"earmark-t{secrets.token_hex(4)}"
    password = secrets.token_urlsafe(18)
    subprocess.run(
        ["useradd", "--no-create-home", "--shell", "/usr/sbin/nologin", name], check=True
    )
    try:
        subprocess.run(["chpasswd"], input=f"{name}:{password}\n", text=True, check=True)
        yield name, password
    finally:
        subprocess.run(["userdel", name], check=False)


def window(qtbot: Any, source: Path, tmp_path: Path, user: str) -> Controller:
    settings = Settings(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))
    ctrl, runner = build(source, settings=settings, open_pedal=None, os_user=user)
    qtbot.addWidget(ctrl.window)
    ctrl.window.show()
    ctrl.window.activateWindow()
    qtbot.waitActive(ctrl.window)
    ctrl.start()
    qtbot.waitUntil(lambda: ctrl.clip is not None, timeout=10_000)
    ctrl.window.closing.connect(runner.shutdown)
    return ctrl


def test_a_local_project_does_not_lock_unless_it_asks(
    qtbot: Any, copy_samples: Path, tmp_path: Path, pulse: str
) -> None:
    ctrl = window(qtbot, copy_samples, tmp_path, "nobody")
    try:
        assert ctrl.lock is None and ctrl.watermark is None
        assert not ctrl.actions.available(Cmd.LOCK)
        ctrl.window.transcript.edit.setFocus()
        qtbot.waitUntil(ctrl.window.transcript.edit.hasFocus)
        press(qtbot, Qt.Key.Key_L, C | A)
        assert not ctrl.window.locked
    finally:
        ctrl.window.close()
        ctrl.project.store.close()


def test_a_local_lock_is_lifted_by_the_accounts_password(
    qtbot: Any, copy_samples: Path, tmp_path: Path, pulse: str, os_account: tuple[str, str]
) -> None:
    user, password = os_account
    (copy_samples / "earmark-screen.json").write_text(
        json.dumps({"lock_after_minutes": 5, "watermark": True}), encoding="utf-8"
    )
    ctrl = window(qtbot, copy_samples, tmp_path, user)
    lock = ctrl.lock
    try:
        assert isinstance(lock, ScreenLock) and lock.after_s == 300
        assert ctrl.watermark is not None and ctrl.window.waveform.mark is not None
        ctrl.window.transcript.edit.setFocus()
        qtbot.waitUntil(ctrl.window.transcript.edit.hasFocus)
        type_text(qtbot, "set a timer ")
        text, caret = ctrl.window.transcript.edit.toPlainText(), ctrl.window.transcript.caret()
        assert "set a timer " in text
        press(qtbot, Qt.Key.Key_L, C | A)
        assert lock.locked and lock.panel.asking == Ask.PASSWORD
        assert user in lock.panel.who.text()
        assert not ctrl.window.transcript.isVisible() and not ctrl.window.waveform.isVisible()
        type_text(qtbot, password + "x")
        press(qtbot, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: "Wrong password" in lock.panel.message.text(), timeout=15_000)
        assert lock.locked
        type_text(qtbot, password)
        press(qtbot, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: not lock.locked, timeout=15_000)
        assert ctrl.window.transcript.edit.toPlainText() == text
        assert ctrl.window.transcript.caret() == caret
    finally:
        ctrl.window.close()
        ctrl.project.store.close()


def test_a_screen_file_that_makes_no_sense_is_refused(copy_samples: Path) -> None:
    (copy_samples / "earmark-screen.json").write_text('{"lock_after_minutes": "soon"}')
    with pytest.raises(ProjectError, match="lock_after_minutes"):
        open_project(copy_samples)
