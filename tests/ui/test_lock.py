"""A window that locks when nobody is at it, with keys, against the real server: the idle time
the project sets, Ctrl+Alt+L, a session ended elsewhere; the server checks what unlocks it."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import httpx
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from app.audio.vault import new_key
from app.keymap import Cmd
from app.main import Workstation
from app.ui.lock_panel import Ask
from app.workstation.demo import start_demo_server
from app.workstation.remote import open_remote
from app.workstation.server_sync import ServerSync
from app.workstation.store.db import Store
from app.workstation.sync.client import Client
from tests.ui.keys import A, C, press, type_text
from tests.ui.windows import annotator_window, show_remote
from tests.workstation.sync.conftest import PASSWORD, Server
from tests.workstation.sync.conftest import server as server  # noqa: F401  (the real server fixture)


def close(ws: Workstation, client: Client) -> None:
    ws.ctrl.window.close()
    ws.runner.shutdown()
    ws.ctrl.editor.store.close()
    client.close()


def wrong_code(server: Server, name: str) -> str:
    """A six-digit code that is none of the codes the server would take now."""
    now = time.time()
    taken = {server.totp[name].at(now + 30 * k) for k in range(-2, 3)}
    return next(c for c in (f"{k:06d}" for k in range(0, 10**6, 7919)) if c not in taken)


def one_pass(qtbot: Any, sync: ServerSync) -> None:
    """A sync pass, started now and finished."""
    passes = sync.passes
    sync.sync_now()
    qtbot.waitUntil(lambda: sync.passes > passes, timeout=20_000)


def stored_text(store_path: Path, task_id: str) -> str:
    other = Store(store_path)  # its own connection: what is committed, not what is queued
    try:
        found = other.annotation(task_id)
        return "" if found is None else found[1].segments[0].text
    finally:
        other.close()


def shows_work(ws: Workstation) -> bool:
    w = ws.ctrl.window
    parts = (w.transcript, w.waveform, w.queue, w.labels)
    return any(p.isVisible() for p in parts)


def test_idle_lock_hides_the_work_and_the_second_factor_brings_it_back(
    qtbot: Any, server: Server, tmp_path: Path
) -> None:
    server.cli("project", "lock-after", "va", "2s")
    ws, client = annotator_window(qtbot, server, tmp_path)
    ctrl, lock = ws.ctrl, ws.lock
    assert lock is not None and lock.after_s == 2
    try:
        ctrl.window.transcript.edit.setFocus()
        qtbot.waitUntil(lambda: ctrl.window.transcript.edit.hasFocus())
        type_text(qtbot, "turn the lights")
        press(qtbot, Qt.Key.Key_Left, C)  # the caret before "lights"
        caret = ctrl.window.transcript.caret()
        assert caret == len("turn the ")
        ctrl.player.seek(0.05)
        task = ctrl.editor.task
        assert task is not None
        played_to = ctrl.player.position_s()
        # idle: locked by itself, nothing of the work shown, nothing plays
        qtbot.waitUntil(lambda: lock.locked, timeout=10_000)
        assert not shows_work(ws) and ctrl.window.centralWidget() is lock.panel
        assert not ctrl.player.playing
        assert lock.panel.asking == Ask.CODE and "2 idle second" in lock.panel.why.text()
        qtbot.waitUntil(lambda: stored_text(ctrl.editor.store.path, task.id) == "turn the lights")
        # commands are held: the next item, play, submit do nothing
        focus = QApplication.focusWidget()
        assert focus is lock.panel.code, focus
        index = ctrl.editor.index
        press(qtbot, Qt.Key.Key_PageDown, C)
        press(qtbot, Qt.Key.Key_Return, C)
        assert ctrl.editor.index == index and not ctrl.player.playing and lock.locked
        # a wrong code: still locked, and told so
        type_text(qtbot, wrong_code(server, "ann_a"))
        press(qtbot, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: "Wrong code" in lock.panel.message.text(), timeout=10_000)
        assert lock.locked and not shows_work(ws)
        # the right one: the same item, segment, caret and playhead
        type_text(qtbot, server.code("ann_a"))
        press(qtbot, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: not lock.locked, timeout=10_000)
        assert shows_work(ws) and ctrl.window.transcript.isVisible()
        assert ctrl.editor.task is not None and ctrl.editor.task.id == task.id
        assert ctrl.window.transcript.caret() == caret
        assert abs(ctrl.player.position_s() - played_to) < 0.02
        assert ctrl.window.transcript.edit.hasFocus()
        type_text(qtbot, "kitchen ")  # typing goes on where it stopped
        qtbot.waitUntil(
            lambda: stored_text(ctrl.editor.store.path, task.id) == "turn the kitchen lights"
        )
        actions = [
            json.loads(line)["action"]
            for line in server.cli("audit", "show", "--user", "ann_a", "--json").splitlines()
        ]
        assert "unlock_failed" in actions and "unlock" in actions
    finally:
        close(ws, client)


def test_ctrl_alt_l_locks_at_once_and_an_ended_session_asks_for_a_sign_in(
    qtbot: Any, server: Server, tmp_path: Path
) -> None:
    ws, client = annotator_window(qtbot, server, tmp_path)
    ctrl, lock, sync = ws.ctrl, ws.lock, ws.ctrl.sync
    assert lock is not None and sync is not None and lock.after_s == 600  # the default
    try:
        ctrl.window.transcript.edit.setFocus()
        qtbot.waitUntil(lambda: ctrl.window.transcript.edit.hasFocus())
        press(qtbot, Qt.Key.Key_L, C | A)
        assert lock.locked and not shows_work(ws)
        # the session is ended elsewhere (signed out on the server): a full sign-in is asked
        r = httpx.post(
            f"{server.url}/api/v1/auth/logout",
            json={"refresh_token": client.load_refresh()},
            headers={"Authorization": f"Bearer {client._access}"},
        )
        assert r.status_code == 204
        client._access = None  # the access token too is gone with the session
        one_pass(qtbot, sync)
        assert lock.panel.asking == Ask.SIGN_IN
        assert lock.panel.password.isVisible() and lock.panel.code.isVisible()
        type_text(qtbot, PASSWORD)
        press(qtbot, Qt.Key.Key_Tab)
        type_text(qtbot, server.code("ann_a"))
        press(qtbot, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: not lock.locked, timeout=10_000)
        one_pass(qtbot, sync)
        assert sync.status is not None and sync.status.online and not sync.status.session_ended
    finally:
        close(ws, client)


def test_a_session_that_ends_while_working_locks_the_window(
    qtbot: Any, server: Server, tmp_path: Path
) -> None:
    ws, client = annotator_window(qtbot, server, tmp_path)
    ctrl, lock, sync = ws.ctrl, ws.lock, ws.ctrl.sync
    assert lock is not None and sync is not None
    try:
        server.cli("user", "disable", "ann_a")  # the lead ends it
        one_pass(qtbot, sync)
        assert lock.locked and lock.panel.asking == Ask.SIGN_IN and not shows_work(ws)
        assert "session has ended" in lock.panel.why.text()
        index = ctrl.editor.index
        for cmd in (Cmd.NEXT_ITEM, Cmd.PLAY_PAUSE, Cmd.LOCK):  # held: nothing runs
            ctrl.actions.trigger(cmd)
        assert ctrl.editor.index == index and lock.locked and not ctrl.player.playing
    finally:
        close(ws, client)


def test_the_demo_locks_and_unlocks_with_its_password(qtbot: Any, tmp_path: Path) -> None:
    """A demo server signs in without a second factor: its lock asks for the password."""
    demo = start_demo_server()
    client = Client.in_memory(demo.url)
    try:
        client.login(demo.username, demo.password, "")
        ws = show_remote(qtbot, open_remote(client, demo.username, new_key()), tmp_path / "d.ini")
        lock = ws.lock
        assert lock is not None
        qtbot.waitUntil(lambda: ws.ctrl.clip is not None, timeout=20_000)
        ws.ctrl.window.transcript.edit.setFocus()
        qtbot.waitUntil(lambda: ws.ctrl.window.transcript.edit.hasFocus())
        press(qtbot, Qt.Key.Key_L, C | A)
        assert lock.locked and lock.panel.asking == Ask.PASSWORD
        assert lock.panel.password.isVisible() and not lock.panel.code.isVisible()
        type_text(qtbot, "not the password")
        press(qtbot, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: "Wrong password" in lock.panel.message.text(), timeout=10_000)
        type_text(qtbot, demo.password)
        press(qtbot, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: not lock.locked, timeout=10_000)
        assert shows_work(ws)
        close(ws, client)
    finally:
        demo.stop()
