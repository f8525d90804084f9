"""Opening the workstation's window over a server's project, as the app does, for UI tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings

from app.main import Workstation, build_remote
from app.workstation.remote import Remote
from app.workstation.store.settings import Settings


def show_remote(qtbot: Any, remote: Remote, settings_file: Path) -> Workstation:
    """The window shown, active and started (its first sync under way), with private settings."""
    settings = Settings(QSettings(str(settings_file), QSettings.Format.IniFormat))
    ws = build_remote(remote, settings=settings, open_pedal=None)
    ctrl = ws.ctrl
    qtbot.addWidget(ctrl.window)
    ctrl.window.resize(1400, 900)
    ctrl.window.show()
    ctrl.window.activateWindow()
    qtbot.waitActive(ctrl.window)
    ctrl.start()
    return ws
