"""One mode, one handler table: every command bound in the keymap has its one handler in each
mode or is shown disabled; a second handler is an error; the GUI thread never reads the store
while syncing, editing or opening an item; the demo's sign-out signs out; a second Ctrl+Return
while a review decision is on its way does nothing."""

from __future__ import annotations

import html
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from PySide6.QtCore import Qt

from app.audio.vault import new_key
from app.keymap import Cmd, Scope
from app.model import annotation as ops
from app.model.task import Task
from app.ui.actions import DuplicateHandler
from app.ui.dialogs import cheat_sheet_html
from app.workstation.commands import DuplicateCommand, merge
from app.workstation.controller import Controller
from app.workstation.demo import seed_submissions, start_demo_server
from app.workstation.editor import Editor, InlineRunner
from app.workstation.remote import open_remote
from app.workstation.store.db import Store
from app.workstation.sync.client import Client
from tests.ui.keys import C, S, press, type_text
from tests.ui.windows import annotator_window, show_remote
from tests.workstation.sync.conftest import Server
from tests.workstation.sync.conftest import server as server  # noqa: F401  (the real server fixture)

LEFT_OUT = {
    "local": {
        Cmd.SYNC_NOW,
        Cmd.SIGN_OUT,
        Cmd.LOCK,
        Cmd.KEEP_MINE,
        Cmd.TAKE_THEIRS,
        Cmd.REJECT,
        Cmd.DASHBOARD,
        Cmd.PLAY_REVIEW_SPAN,
    },
    "annotate": {Cmd.REJECT, Cmd.DASHBOARD},
    "review": {
        Cmd.SKIP_ITEM,
        Cmd.KEEP_MINE,
        Cmd.TAKE_THEIRS,
        Cmd.PLAY_REVIEW_SPAN,
        Cmd.DRAFT_TRANSCRIPT,
    },
}


def check_table(ctrl: Controller, mode: str) -> None:
    """Each bound command: handled here, or disabled in its actions, its menu and the sheet."""
    actions = ctrl.actions
    menu = actions.menu_items()
    sheet = cheat_sheet_html(ctrl.keymap, actions.available)
    for b in ctrl.keymap.bindings():
        here = actions.available(b.cmd)
        assert here == (b.cmd not in LEFT_OUT[mode]), (mode, b.cmd)
        for scope in Scope:
            action = actions.actions.get((b.cmd, scope))
            if action is not None:
                assert action.isEnabled() == here, (mode, b.cmd, scope)
        assert menu[b.cmd].isEnabled() == here, (mode, b.cmd)
        row = sheet.split(html.escape(b.title), 1)[1].split("</td>", 1)[0]
        assert ("not available in this mode" in row) == (not here), (mode, b.cmd)
    with pytest.raises(DuplicateHandler):
        actions.install({Cmd.UNDO: lambda: None})  # UNDO is handled in every mode


def test_local_mode_table(workstation: Controller) -> None:
    check_table(workstation, "local")
    workstation.actions.trigger(Cmd.SIGN_OUT)  # no handler: nothing happens, nothing breaks
    with pytest.raises(DuplicateCommand, match="undo"):
        merge({Cmd.UNDO: lambda: None}, {Cmd.UNDO: lambda: None})


class WatchedConnection:
    """The store's connection, noting every statement run on the GUI thread (a test's proxy)."""

    def __init__(self, real: Any, gui: int) -> None:
        self._real, self._gui = real, gui
        self.on_gui: list[str] = []

    def execute(self, sql: str, *args: Any) -> Any:
        if threading.get_ident() == self._gui:
            self.on_gui.append(sql.strip().split()[0] + " " + sql.strip()[:60])
        return self._real.execute(sql, *args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


def watch(store: Store) -> WatchedConnection:
    watched = WatchedConnection(store._db, threading.get_ident())
    store._db = watched  # type: ignore[assignment]
    return watched


def test_annotate_mode_table_and_no_store_reads_on_the_gui_thread(
    qtbot: Any, server: Server, tmp_path: Path
) -> None:
    ws, client = annotator_window(qtbot, server, tmp_path)
    ctrl, sync = ws.ctrl, ws.ctrl.sync
    assert sync is not None
    check_table(ctrl, "annotate")
    store = ctrl.editor.store
    watched = watch(store)
    try:
        passes = sync.passes
        sync.sync_now()  # a pass
        qtbot.waitUntil(lambda: sync.passes > passes, timeout=20_000)
        ctrl.window.transcript.edit.setFocus()
        qtbot.waitUntil(lambda: ctrl.window.transcript.edit.hasFocus())
        type_text(qtbot, "play some jazz")  # edits
        press(qtbot, Qt.Key.Key_Return, C)  # intent missing: refused, says why
        ctrl.apply("Intent", ops.set_intent, "play_music")
        passes = sync.passes
        press(qtbot, Qt.Key.Key_Return, C)  # submit: the next item opens, a pass starts
        qtbot.waitUntil(lambda: sync.passes > passes and ctrl.clip is not None, timeout=20_000)
        press(qtbot, Qt.Key.Key_Down, C | Qt.KeyboardModifier.AltModifier)  # next segment
        ctrl.runner.drain()
        assert watched.on_gui == [], watched.on_gui
        # and the watch can fail: a read on the GUI thread is caught
        store.tasks()
        assert watched.on_gui and watched.on_gui[0].startswith("SELECT")
    finally:
        store._db = watched._real
        ctrl.window.close()
        ws.runner.shutdown()
        store.close()
        client.close()


@pytest.fixture
def demo() -> Iterator[Any]:
    d = start_demo_server()
    yield d
    d.stop()


def test_the_demos_sign_out_signs_out(qtbot: Any, demo: Any, tmp_path: Path) -> None:
    client = Client.in_memory(demo.url)
    client.login(demo.username, demo.password, "")
    ws = show_remote(qtbot, open_remote(client, demo.username, new_key()), tmp_path / "d.ini")
    ctrl = ws.ctrl
    qtbot.waitUntil(lambda: ctrl.clip is not None, timeout=20_000)
    access, refresh = client._access, client.load_refresh()
    assert access and refresh
    me = httpx.get(f"{demo.url}/api/v1/me", headers={"Authorization": f"Bearer {access}"})
    assert me.status_code == 200
    assert ctrl.sync is not None
    audio_dir = ctrl.sync.engine.audio_dir
    assert any(audio_dir.iterdir())
    ctrl.window.transcript.edit.setFocus()
    qtbot.waitUntil(lambda: ctrl.window.transcript.edit.hasFocus())
    press(qtbot, Qt.Key.Key_F12, C | S)
    qtbot.waitUntil(lambda: not ctrl.window.isVisible(), timeout=20_000)
    me = httpx.get(f"{demo.url}/api/v1/me", headers={"Authorization": f"Bearer {access}"})
    assert me.status_code == 401, "the access token still works after signing out"
    r = httpx.post(f"{demo.url}/api/v1/auth/refresh", json={"refresh_token": refresh})
    assert r.status_code == 401, "the refresh token still works after signing out"
    assert not audio_dir.exists(), "the cached recordings outlived the sign-out"
    ws.runner.shutdown()
    ctrl.project.store.close()
    client.close()


def test_review_mode_table_and_one_decision_per_item(qtbot: Any, demo: Any, tmp_path: Path) -> None:
    assert seed_submissions(demo) == 6
    client = Client.in_memory(demo.url)
    client.login(demo.reviewer, demo.password, "")
    ws = show_remote(
        qtbot, open_remote(client, demo.reviewer, new_key(), review=True), tmp_path / "r.ini"
    )
    ctrl, review = ws.ctrl, ws.review
    assert review is not None
    qtbot.waitUntil(lambda: ctrl.clip is not None and len(review.items) == 6, timeout=20_000)
    check_table(ctrl, "review")
    store = ctrl.editor.store
    watched = watch(store)
    try:
        ctrl.window.transcript.edit.setFocus()
        qtbot.waitUntil(lambda: ctrl.window.transcript.edit.hasFocus())
        type_text(qtbot, " now")  # the review panel follows each edit, from memory
        start = ctrl.editor.index
        press(qtbot, Qt.Key.Key_Return, C)
        press(qtbot, Qt.Key.Key_Return, C)  # at once, while the first is being stored
        ctrl.runner.drain()
        qtbot.waitUntil(lambda: not review.deciding and ctrl.clip is not None, timeout=10_000)
        qtbot.wait(200)
        assert ctrl.editor.index == start + 1, "two presses moved two items on"
        assert watched.on_gui == [], watched.on_gui
    finally:
        store._db = watched._real
    decided = review.engine.tables.decisions()
    assert len(decided) == 1 and next(iter(decided.values())).outcome == "fixed"
    ctrl.window.close()
    ws.runner.shutdown()
    store.close()
    client.close()


def test_an_editor_reads_the_store_once(tmp_path: Path) -> None:
    """Opening items and editing never go back to the store for what they already hold."""
    store = Store(tmp_path / "s.sqlite3")
    store.upsert_tasks([Task(f"t{k}", f"/x/{k}.wav", 3.0, 16000, 1, position=k) for k in range(5)])
    editor = Editor(store, InlineRunner())
    watched = watch(store)
    try:
        editor.resume()
        for k in range(5):
            editor.open_task(k)
            editor.apply("Typing", ops.set_text, 0, f"item {k}")
        reads = [q for q in watched.on_gui if q.startswith("SELECT")]
        assert reads == [], reads  # writes, yes (InlineRunner writes here); reads, never
    finally:
        store._db = watched._real
        store.close()
