"""`earmark demo`, end to end: a real server process, the window signed in, work sent back."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from PySide6.QtCore import Qt

from app.audio.vault import new_key
from app.workstation.demo import seed_submissions, start_demo_server
from app.workstation.remote import open_remote
from app.workstation.sync.client import Client
from tests.ui.keys import C, press, type_text
from tests.ui.windows import show_remote


def test_demo_annotates_against_the_server(qtbot, tmp_path: Path, pulse: str) -> None:
    demo = start_demo_server()
    client = Client.in_memory(demo.url)
    try:
        client.login(demo.username, demo.password, "")
        remote = open_remote(client, demo.username, new_key())
        ws = show_remote(qtbot, remote, tmp_path / "d.ini")
        ctrl, runner, sync = ws.ctrl, ws.runner, ws.ctrl.sync
        assert sync is not None
        qtbot.waitUntil(
            lambda: ctrl.clip is not None and len(ctrl.editor.tasks) == 12, timeout=20_000
        )
        assert ctrl.window.sync.text().startswith("online")
        first = ctrl.editor.annotation.transcript  # the order of the queue is the server's
        press(qtbot, Qt.Key.Key_End, C)
        type_text(qtbot, " please")
        press(qtbot, Qt.Key.Key_Return, C)  # submit: sends at once
        qtbot.waitUntil(lambda: not sync.syncing, timeout=20_000)
        passes = sync.passes

        def all_sent() -> bool:
            sync.sync_now()  # as the timer would, sooner
            status = sync.status
            return sync.passes > passes and status is not None and status.pending == 0

        qtbot.waitUntil(all_sent, timeout=20_000)
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "app.server.cli",
                "--db",
                f"sqlite:///{demo.folder / 'server.sqlite3'}",
                "export",
                "Voice assistant (demo)",
            ],
            capture_output=True,
            text=True,
            timeout=120,
            env={  # the demo's own data and master key (an export is audited: the key anchors it)
                "EARMARK_SERVER_DATA": str(demo.folder / "data"),
                "EARMARK_SERVER_KEY_FILE": str(demo.folder / "master.key"),
                "PATH": "/usr/bin:/bin",
            },
        )
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
        out = done.stdout
        assert f"{first} please" in out and '"submitted"' in out
        ctrl.window.close()
        runner.shutdown()
        ctrl.project.store.close()
    finally:
        client.close()
        demo.stop()


def test_demo_review_has_a_colleagues_work_to_check(qtbot, tmp_path: Path, pulse: str) -> None:
    demo = start_demo_server()
    client = Client.in_memory(demo.url)
    try:
        assert seed_submissions(demo) == 6
        client.login(demo.reviewer, demo.password, "")
        remote = open_remote(client, demo.reviewer, new_key(), review=True)
        ws = show_remote(qtbot, remote, tmp_path / "r.ini")
        ctrl, runner, review = ws.ctrl, ws.runner, ws.review
        assert review is not None
        qtbot.waitUntil(
            lambda: ctrl.clip is not None and len(ctrl.editor.tasks) == 6, timeout=20_000
        )
        assert "submitted by <b>demo-colleague</b>" in review.panel.text()
        assert "ASR → annotator:" in review.panel.text()
        # fix one word and accept, with the keyboard
        ctrl.window.transcript.edit.setFocus()
        qtbot.waitUntil(lambda: ctrl.window.transcript.edit.hasFocus())
        press(qtbot, Qt.Key.Key_End, C)
        type_text(qtbot, " now")
        assert "now" in review.panel.text()  # the diff follows the edit
        press(qtbot, Qt.Key.Key_Return, C)
        runner.drain()
        qtbot.waitUntil(
            lambda: [d.outcome for d in review.engine.tables.decisions().values()] == ["fixed"],
            timeout=10_000,
        )
        qtbot.waitUntil(lambda: ctrl.editor.index == 1 and ctrl.clip is not None, timeout=10_000)
        shots = Path(__file__).resolve().parents[2] / "build" / "screenshots"
        shots.mkdir(parents=True, exist_ok=True)
        qtbot.wait(300)
        ctrl.window.grab().save(str(shots / "demo-review.png"))
        ctrl.window.close()
        runner.shutdown()
        ctrl.project.store.close()
    finally:
        client.close()
        demo.stop()
