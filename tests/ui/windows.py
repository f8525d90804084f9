"""Opening the workstation's window over a server's project, as the app does, for UI tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings

from app.audio.vault import new_key
from app.main import Workstation, build_remote
from app.workstation.remote import Remote, open_remote
from app.workstation.store.settings import Settings
from app.workstation.sync.client import Client
from tests.workstation.sync.conftest import PASSWORD, Server


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


def annotator_window(qtbot: Any, server: Server, tmp_path: Path) -> tuple[Workstation, Client]:
    """ann_a signed in to the real server, the window shown with its first recording loaded."""
    client = Client.in_memory(server.url)
    client.login("ann_a", PASSWORD, server.code("ann_a"))
    ws = show_remote(qtbot, open_remote(client, "ann_a", new_key()), tmp_path / "a.ini")
    qtbot.waitUntil(lambda: ws.ctrl.clip is not None, timeout=20_000)
    return ws, client
