"""A whole session, keyboard only: three recordings from first listen to submit."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget

from app.model.annotation import Flag, Status
from app.model.slots import Slot
from app.ui.dialogs import CheatSheetDialog, PickDialog
from app.workstation.controller import Controller
from tests.ui.keys import A, C, S, on_modal, press, type_text


def answer_next_dialog(qtbot, text: str) -> None:
    """Type into the modal picker that is about to open, then Enter."""

    def answer(dlg: PickDialog) -> None:
        qtbot.keyClicks(dlg.filter, text)
        qtbot.keyClick(dlg.filter, Qt.Key.Key_Return)

    on_modal(PickDialog, answer)


def focused() -> QWidget | None:
    return QApplication.focusWidget()


def test_keyboard_only_session(qtbot, workstation: Controller) -> None:
    ctrl, e, w = workstation, workstation.editor, workstation.window
    assert focused() is w.transcript.edit

    # Item 1: listen, a tag at the start, keep the prefilled intent and slots, submit.
    press(qtbot, Qt.Key.Key_Space, C)  # play
    qtbot.waitUntil(lambda: ctrl.player.playing, timeout=3000)
    press(qtbot, Qt.Key.Key_Space, C)  # pause
    assert not ctrl.player.playing
    press(qtbot, Qt.Key.Key_Home, C)
    press(qtbot, Qt.Key.Key_1, A)  # tag 1 of the conventions: [noise]
    assert w.transcript.edit.toPlainText().startswith("[noise] wake me up")
    press(qtbot, Qt.Key.Key_Return, C)  # submit and next
    qtbot.waitUntil(lambda: e.index == 1 and ctrl.clip is not None)

    # Item 2: fix the ASR error, mark a slot, pick the intent by filter, flag, submit.
    press(qtbot, Qt.Key.Key_Home, C)
    press(qtbot, Qt.Key.Key_Right, C)
    press(qtbot, Qt.Key.Key_Right, C)
    press(qtbot, Qt.Key.Key_Right, C | S)  # select "chairs "
    type_text(qtbot, "jazz ")
    assert w.transcript.edit.toPlainText() == "play some jazz in the kitchen"
    press(qtbot, Qt.Key.Key_Left, C)
    press(qtbot, Qt.Key.Key_Right, C | S)  # select "jazz "
    answer_next_dialog(qtbot, "genre")
    press(qtbot, Qt.Key.Key_K, C)  # mark slot
    qtbot.waitUntil(lambda: focused() is w.transcript.edit, timeout=2000)
    press(qtbot, Qt.Key.Key_I, C)  # intent filter
    assert focused() is w.labels.filter
    type_text(qtbot, "play mus")
    press(qtbot, Qt.Key.Key_Return)
    assert focused() is w.transcript.edit
    press(qtbot, Qt.Key.Key_2, C | S)  # flag: personal data
    press(qtbot, Qt.Key.Key_Return, C)
    qtbot.waitUntil(lambda: e.index == 2 and ctrl.clip is not None)

    # Item 3: split at 2 s from the waveform, a transcript per segment, undo/redo, submit.
    press(qtbot, Qt.Key.Key_F6)
    assert focused() is w.waveform
    press(qtbot, Qt.Key.Key_Right)  # skip forward 2 s
    assert ctrl.player.position_s() == 2.0
    press(qtbot, Qt.Key.Key_Return)  # split at the playhead
    assert len(e.annotation.segments) == 2
    press(qtbot, Qt.Key.Key_F7)
    press(qtbot, Qt.Key.Key_A, C)
    type_text(qtbot, "what's the weather like in lisbon")
    press(qtbot, Qt.Key.Key_Down, A)  # next segment (plays it)
    assert e.segment == 1 and focused() is w.transcript.edit
    type_text(qtbot, "this weekend")
    press(qtbot, Qt.Key.Key_Z, C)
    assert e.annotation.segments[1].text == ""
    press(qtbot, Qt.Key.Key_Z, C | S)
    assert e.annotation.segments[1].text == "this weekend"
    press(qtbot, Qt.Key.Key_Return, C)
    qtbot.waitUntil(lambda: e.index == 3)
    ctrl.runner.drain()  # every queued write committed

    # The store holds exactly that.
    tasks = e.store.tasks()
    saved = e.store.annotations()
    one, two, three = (saved[t.id][1] for t in tasks[:3])
    assert [one.status, two.status, three.status] == [Status.SUBMITTED] * 3
    assert one.transcript == "[noise] wake me up at seven thirty tomorrow morning"
    assert one.intent == "alarm_set"
    assert one.segments[0].slots == (
        Slot("time", 5, 7),
        Slot("date", 7, 8),
        Slot("timeofday", 8, 9),
    )
    assert two.transcript == "play some jazz in the kitchen"
    assert two.intent == "play_music" and two.flags == frozenset({Flag.PERSONAL_DATA})
    assert two.segments[0].slots == (Slot("music_genre", 2, 3), Slot("house_place", 5, 6))
    assert [(s.start_s, s.text) for s in three.segments] == [
        (0.0, "what's the weather like in lisbon"),
        (2.0, "this weekend"),
    ]
    assert three.segments[0].end_s == 2.0 and three.intent == "weather_query"
    assert all(t.id not in saved for t in tasks[3:])
    assert all(a.active_ms > 0 for a in (one, two, three))


def test_submission_is_blocked_with_the_reason_shown(qtbot, workstation: Controller) -> None:
    e, w = workstation.editor, workstation.window
    press(qtbot, Qt.Key.Key_End, C)
    type_text(qtbot, " [dog] 7")
    press(qtbot, Qt.Key.Key_Return, C)
    assert e.index == 0
    assert "Not submitted" in w.message.text() and "[dog]" in w.message.text()
    assert "[dog]" in w.transcript.problems.text()


def test_skip_with_a_reason(qtbot, workstation: Controller) -> None:
    e = workstation.editor
    answer_next_dialog(qtbot, "no speech")
    press(qtbot, Qt.Key.Key_Return, C | S)
    assert e.index == 1
    workstation.runner.drain()
    first = e.store.annotation(e.tasks[0].id)
    assert first is not None and first[1].status == Status.SKIPPED
    assert first[1].skip_reason == "No speech"


def test_cheat_sheet_on_f1_lists_every_command(qtbot, workstation: Controller) -> None:
    from app.keymap import DEFAULTS

    shown: list[str] = []

    def grab(dlg: CheatSheetDialog) -> None:
        from PySide6.QtWidgets import QTextBrowser

        shown.append(dlg.findChild(QTextBrowser).toPlainText())
        dlg.reject()

    on_modal(CheatSheetDialog, grab)
    press(qtbot, Qt.Key.Key_F1)
    assert shown and all(b.title in shown[0] for b in DEFAULTS)


def test_a_tag_key_inserts_once_as_one_undo_step(qtbot, workstation: Controller) -> None:
    e, edit = workstation.editor, workstation.window.transcript.edit
    press(qtbot, Qt.Key.Key_End, C)
    type_text(qtbot, " now")
    press(qtbot, Qt.Key.Key_2, A)  # tag 2: [unintelligible]
    text = edit.toPlainText()
    assert text.count("[unintelligible]") == 1 and text.endswith("now [unintelligible] ")
    type_text(qtbot, "ok")
    assert edit.toPlainText().endswith("now [unintelligible] ok")
    press(qtbot, Qt.Key.Key_Z, C)  # the typing after the tag
    press(qtbot, Qt.Key.Key_Z, C)  # the tag alone
    assert e.annotation.segments[0].text.endswith("morning now")
