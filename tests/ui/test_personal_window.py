"""Personal data said aloud, in the window with keys: a candidate underlined, confirmed (the
flag set, the words unchanged), kept on its words through an edit before it, dismissed, and
marked by hand; undo takes a confirmation back."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import Qt
from PySide6.QtGui import QTextCharFormat
from PySide6.QtWidgets import QApplication

from app.model.annotation import Flag
from app.model.slots import Slot
from app.ui.dialogs import PickDialog
from app.workstation.controller import Controller
from tests.ui.keys import C, S, on_modal, press, type_text

SAID = "call me on five five five one two three four tomorrow"
PHONE = Slot("phone", 3, 10)


def underline_at(ctrl: Controller, char: int) -> QTextCharFormat.UnderlineStyle:
    """The underline the highlighter drew on a character of the transcript box."""
    block = ctrl.window.transcript.edit.document().firstBlock()
    for r in block.layout().formats():
        if r.start <= char < r.start + r.length and r.format.underlineStyle().value:
            return r.format.underlineStyle()
    return QTextCharFormat.UnderlineStyle.NoUnderline


def say(qtbot, ctrl: Controller, text: str) -> None:
    press(qtbot, Qt.Key.Key_A, C)
    type_text(qtbot, text)
    assert ctrl.editor.annotation.segments[ctrl.editor.segment].text == text


def test_a_candidate_confirmed_with_keys_keeps_the_words(qtbot, workstation: Controller) -> None:
    ctrl, e, w = workstation, workstation.editor, workstation.window
    say(qtbot, ctrl, SAID)
    five = SAID.index("five")
    assert underline_at(ctrl, five) == QTextCharFormat.UnderlineStyle.DashDotLine
    assert "phone “five five five one two three four”?" in w.transcript.personal_label.text()
    assert Flag.PERSONAL_DATA not in e.annotation.flags

    press(qtbot, Qt.Key.Key_N, C | S)  # the caret to the next candidate
    assert w.transcript.caret() == five
    press(qtbot, Qt.Key.Key_P, C | S)  # confirm
    seg = e.annotation.segments[e.segment]
    assert seg.text == SAID  # confirming never changes what was said
    assert seg.personal == (PHONE,)
    assert Flag.PERSONAL_DATA in e.annotation.flags
    assert underline_at(ctrl, five) == QTextCharFormat.UnderlineStyle.SingleUnderline

    # an edit before the span keeps it on the same words
    press(qtbot, Qt.Key.Key_Home, C)
    type_text(qtbot, "please ")
    seg = e.annotation.segments[e.segment]
    assert seg.text == "please " + SAID
    assert seg.personal == (Slot("phone", 4, 11),)
    assert " ".join(seg.text.split()[4:11]) == "five five five one two three four"

    # undo goes back through the typing, then takes the confirmation back
    press(qtbot, Qt.Key.Key_Z, C)
    assert e.annotation.segments[e.segment].personal == (PHONE,)
    press(qtbot, Qt.Key.Key_Z, C)
    assert e.annotation.segments[e.segment].personal == ()
    assert Flag.PERSONAL_DATA not in e.annotation.flags


def test_dismissed_is_not_offered_again_and_a_span_is_marked_by_hand(
    qtbot, workstation: Controller
) -> None:
    ctrl, e, w = workstation, workstation.editor, workstation.window
    say(qtbot, ctrl, SAID)
    w.transcript.set_caret(SAID.index("two"))
    press(qtbot, Qt.Key.Key_D, C | S)  # dismiss
    assert underline_at(ctrl, SAID.index("five")) == QTextCharFormat.UnderlineStyle.NoUnderline
    assert w.transcript.personal_label.text() == ""
    press(qtbot, Qt.Key.Key_End, C)
    type_text(qtbot, " please")
    assert underline_at(ctrl, SAID.index("five")) == QTextCharFormat.UnderlineStyle.NoUnderline
    assert e.annotation.segments[e.segment].personal == ()

    # a span marked by hand on selected words, its kind picked by typing
    end = len(SAID)
    cursor = w.transcript.edit.textCursor()
    cursor.setPosition(SAID.index("tomorrow"))
    cursor.setPosition(end, cursor.MoveMode.KeepAnchor)
    w.transcript.edit.setTextCursor(cursor)

    def pick(dlg: PickDialog) -> None:
        qtbot.keyClicks(dlg.filter, "date of birth")
        qtbot.keyClick(dlg.filter, Qt.Key.Key_Return)

    problems = on_modal(PickDialog, pick)
    press(qtbot, Qt.Key.Key_M, C | S)
    assert not problems
    qtbot.waitUntil(lambda: QApplication.focusWidget() is w.transcript.edit, timeout=5000)
    seg = e.annotation.segments[e.segment]
    assert seg.personal == (Slot("birth_date", 10, 11),)
    assert Flag.PERSONAL_DATA in e.annotation.flags

    # Ctrl+Shift+D on a confirmed span removes it; the flag stays for a person to clear
    w.transcript.set_caret(SAID.index("tomorrow") + 2)
    press(qtbot, Qt.Key.Key_D, C | S)
    assert e.annotation.segments[e.segment].personal == ()
    assert Flag.PERSONAL_DATA in e.annotation.flags


def test_confirm_away_from_a_candidate_says_what_to_do(qtbot, workstation: Controller) -> None:
    ctrl, e, w = workstation, workstation.editor, workstation.window
    say(qtbot, ctrl, SAID)
    w.transcript.set_caret(0)
    before = e.annotation
    press(qtbot, Qt.Key.Key_P, C | S)
    assert replace(e.annotation, active_ms=0) == replace(before, active_ms=0)  # time goes on
    assert "caret on an underlined candidate" in w.message.text()
