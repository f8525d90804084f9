"""The reviewer's window and the annotator's, with the keyboard, against the real server."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from app.audio.vault import new_key
from app.model import annotation as ops
from app.ui.review_panel import DashboardDialog, RejectDialog
from app.workstation.editor import Editor, InlineRunner
from app.workstation.remote import open_remote
from app.workstation.sync.client import Client
from tests.ui.keys import A, C, on_modal, press
from tests.ui.windows import show_remote
from tests.workstation.sync.conftest import PASSWORD, Server

SHOTS = Path(__file__).resolve().parents[3] / "build" / "screenshots"


def signed_in(server: Server, name: str) -> Client:
    c = Client.in_memory(server.url)
    c.login(name, PASSWORD, server.code(name))
    return c


def window(qtbot, client: Client, name: str, tmp_path: Path, review: bool):  # type: ignore[no-untyped-def]
    # a fresh key, as after a reset keyring: the cached recordings are fetched again
    remote = open_remote(client, name, new_key(), review=review)
    ws = show_remote(qtbot, remote, tmp_path / f"{name}.ini")
    ctrl = ws.ctrl
    qtbot.waitUntil(
        lambda: ctrl.sync.passes > 0 and ctrl.editor.task is not None and ctrl.clip is not None,
        timeout=20_000,
    )
    return ws


def test_reject_from_the_review_window_reaches_the_annotators(
    qtbot, server: Server, tmp_path: Path
) -> None:
    # ann_a submits one item (through the engine; the annotation screen has its own tests)
    ann = signed_in(server, "ann_a")
    remote = open_remote(ann, "ann_a", new_key())
    remote.engine.sync_once()
    editor = Editor(remote.project.store, InlineRunner())
    editor.resume()
    editor.apply("Typing", ops.set_text, 0, "play sum jazz")
    editor.apply("Intent", ops.set_intent, "play_music")
    editor.submit_and_next(lambda _a: [])
    remote.engine.sync_once()
    remote.project.store.close()

    rev = signed_in(server, "rev")
    ws = window(qtbot, rev, "rev", tmp_path, review=True)
    ctrl, runner, review = ws.ctrl, ws.runner, ws.review
    try:
        panel = review.panel
        assert "submitted by <b>ann_a</b>" in panel.text() and "play sum jazz" in panel.text()
        assert ctrl.window.queue.list.item(0).text().startswith("○  Item")
        ctrl.window.activateWindow()
        ctrl.window.transcript.edit.setFocus()
        qtbot.waitUntil(lambda: QApplication.focusWidget() is ctrl.window.transcript.edit)
        SHOTS.mkdir(parents=True, exist_ok=True)
        ctrl.window.grab().save(str(SHOTS / "review-window.png"))

        def fill_in(dialog: RejectDialog) -> None:
            dialog.grab().save(str(SHOTS / "reject-dialog.png"))
            qtbot.keyClick(dialog.list, Qt.Key.Key_1)  # the first reason; the comment next
            qtbot.keyClicks(dialog.comment, "it is 'some', not 'sum'")
            qtbot.keyClick(dialog.comment, Qt.Key.Key_Return)

        on_modal(RejectDialog, fill_in)
        press(qtbot, Qt.Key.Key_R, C | A)
        runner.drain()
        qtbot.waitUntil(
            lambda: (
                all(d.sent for d in review.engine.tables.decisions().values())
                and review.engine.tables.decisions() != {}
            ),
            timeout=20_000,
        )
        [decision] = review.engine.tables.decisions().values()
        assert (decision.outcome, decision.reason, decision.comment) == (
            "rejected",
            "transcript",
            "it is 'some', not 'sum'",
        )
        assert decision.start_s is not None and not decision.error
        # the reviewer's queue marks the item by its outcome, not with the tick of an accept
        marks = [
            ctrl.window.queue.list.item(k).text()[0] for k in range(ctrl.window.queue.list.count())
        ]
        assert marks.count("✘") == 1 and "✔" not in marks, marks
        ctrl.window.activateWindow()  # the dialog had it; offscreen nothing gives it back
        qtbot.waitActive(ctrl.window)
        ctrl.window.transcript.edit.setFocus()
        qtbot.waitUntil(lambda: QApplication.focusWidget() is ctrl.window.transcript.edit)
        press(qtbot, Qt.Key.Key_F9)
        qtbot.waitUntil(lambda: review.dashboard_dialog is not None, timeout=20_000)
        dash = review.dashboard_dialog
        assert isinstance(dash, DashboardDialog)
        assert dash.table.verticalHeaderItem(0).text() == "ann_a"
        assert dash.table.item(0, 3).text() == "1"  # rejected
        axis = dash.wer_plot.getAxis("left")  # points are percent, and the axis says so
        assert (axis.labelText, axis.labelUnits, axis.autoSIPrefix) == ("WER (%)", "", False)
        qtbot.wait(300)
        dash.grab().save(str(SHOTS / "dashboard.png"))
        dash.close()
    finally:
        ctrl.window.close()
        runner.shutdown()
        ctrl.project.store.close()
        rev.close()

    # the annotator's window: the item is back in the queue, marked, with the reason
    ws = window(qtbot, ann, "ann_a", tmp_path, review=False)
    ctrl, runner = ws.ctrl, ws.runner
    try:
        rows = [
            ctrl.window.queue.list.item(k).text() for k in range(ctrl.window.queue.list.count())
        ]
        assert sum(r.startswith("↩") for r in rows) == 1
        back = next(k for k, r in enumerate(rows) if r.startswith("↩"))
        ctrl.open_item(back)
        qtbot.waitUntil(lambda: "Sent back by review" in ctrl.window.banner.text(), timeout=5_000)
        assert "Transcript wrong or incomplete" in ctrl.window.banner.text()
        assert "it is 'some', not 'sum'" in ctrl.window.banner.text()
        assert "Ctrl+Alt+P plays it" in ctrl.window.banner.text()
        ctrl.window.grab().save(str(SHOTS / "returned-item.png"))
        # the range the reviewer pinned the comment to plays with one key
        ctrl.window.transcript.edit.setFocus()
        press(
            qtbot,
            Qt.Key.Key_P,
            Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier,
        )
        qtbot.waitUntil(lambda: ctrl.player.playing, timeout=5_000)
        assert "the range the reviewer pointed at" in ctrl.window.message.text()
        assert ctrl.player._range_s == pytest.approx((decision.start_s, decision.end_s), abs=0.01)
    finally:
        ctrl.window.close()
        runner.shutdown()
        ctrl.project.store.close()
        ann.close()
