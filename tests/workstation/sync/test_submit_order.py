"""A submit's sync pass starts only once the submit has committed, by construction: with a
writer slowed down (a fake, since the real one is too quick to show the race), the pass that
the submit starts still carries it to the real server."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import select

import app.main
from app.audio.vault import new_key
from app.model import annotation as ops
from app.server import models as m
from app.server.db import make_engine, sessions
from app.workstation.remote import open_remote
from app.workstation.sync.client import Client
from app.workstation.tasks import QtRunner
from tests.ui.keys import C, press, type_text
from tests.ui.windows import show_remote
from tests.workstation.sync.conftest import PASSWORD, Server

T = TypeVar("T")
WRITE_DELAY_S = 0.4


class FakeSlowWriterRunner(QtRunner):
    """Every write waits before it runs, as on a slow disk."""

    def write(
        self,
        work: Callable[[], T],
        on_done: Callable[[T], None],
        on_fail: Callable[[BaseException], None],
    ) -> None:
        def slowly() -> T:
            time.sleep(WRITE_DELAY_S)
            return work()

        super().write(slowly, on_done, on_fail)


def submitted_on_the_server(server: Server) -> list[str]:
    engine = make_engine(server.db)
    try:
        with sessions(engine)() as db:
            rows = db.scalars(select(m.Annotation)).all()
            return [r.doc["segments"][0]["text"] for r in rows if r.doc["status"] == "submitted"]
    finally:
        engine.dispose()


def test_the_pass_a_submit_starts_carries_it(
    qtbot: Any, server: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(app.main, "QtRunner", FakeSlowWriterRunner)
    client = Client.in_memory(server.url)
    client.login("ann_a", PASSWORD, server.code("ann_a"))
    ws = show_remote(qtbot, open_remote(client, "ann_a", new_key()), tmp_path / "s.ini")
    ctrl, sync = ws.ctrl, ws.ctrl.sync
    assert sync is not None and isinstance(ws.runner, FakeSlowWriterRunner)
    try:
        qtbot.waitUntil(lambda: ctrl.editor.task is not None and sync.passes > 0, timeout=20_000)
        qtbot.waitUntil(lambda: not sync.syncing, timeout=20_000)
        ctrl.apply("Intent", ops.set_intent, ctrl.project.taxonomy.intents[0])
        ctrl.window.transcript.edit.setFocus()
        type_text(qtbot, "in the right order")
        text = ctrl.editor.annotation.transcript
        first, passes = ctrl.editor.task, sync.passes
        press(qtbot, Qt.Key.Key_Return, C)  # submit; nothing here waits for the writer
        assert ctrl.editor.task is not first, ctrl.window.message.text()  # it was submitted
        qtbot.waitUntil(lambda: sync.passes > passes and not sync.syncing, timeout=20_000)
        assert text in submitted_on_the_server(server)
    finally:
        ctrl.window.close()
        ws.runner.shutdown()
        ctrl.project.store.close()
        client.close()
