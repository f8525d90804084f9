"""Words tied to the audio in the window: aligned in the background, the word being heard
highlighted through the real null sink, a key that plays from the word at the caret, the caret
following the playhead, only the edited segment aligned again, unplaced words marked."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QTextCharFormat

from app.model.words import Placed
from app.workstation.controller import Controller
from app.workstation.word_feed import SETTLE_MS, key_of
from tests.audio.test_align import RATE, spoken
from tests.ui.conftest import closed, shown
from tests.ui.keys import C, S, press, type_text

FIRST = "turn on the kitchen lights at seven"
SECOND = "set a timer for nine minutes"
Spans = list[tuple[float, float]]


def two_phrases(folder: Path, tmp: Path, conventions: dict | None = None) -> list[Spans]:
    """call.wav: two phrases said word by word, a manifest with one segment for each."""
    x1, s1 = spoken(FIRST.split(), tmp, lead_s=0.5)
    x2, s2 = spoken(SECOND.split(), tmp, voice="en-us+f3", lead_s=0.3)
    mid = len(x1) / RATE
    sf.write(str(folder / "call.wav"), np.concatenate([x1, x2]), RATE)
    end = mid + len(x2) / RATE
    row = {
        "audio": "call.wav",
        "segments": [
            {"start_s": 0.0, "end_s": mid, "text": FIRST},
            {"start_s": mid, "end_s": end, "text": SECOND},
        ],
    }
    (folder / "calls.jsonl").write_text(json.dumps(row) + "\n", encoding="utf-8")
    if conventions is not None:
        (folder / "earmark-conventions.json").write_text(json.dumps(conventions), "utf-8")
    return [s1, [(a + mid, b + mid) for a, b in s2]]


@pytest.fixture
def calls(qtbot: object, tmp_path: Path, pulse: str) -> Iterator[tuple[Controller, list[Spans]]]:
    folder = tmp_path / "calls"
    folder.mkdir()
    truth = two_phrases(folder, tmp_path)
    ctrl, runner = shown(qtbot, folder / "calls.jsonl", tmp_path)
    qtbot.waitUntil(lambda: len(ctrl.words.aligned) == 2, timeout=10_000)  # type: ignore[attr-defined]
    yield ctrl, truth
    closed(ctrl, runner)


def sample_while_playing(qtbot: object, ctrl: Controller, until_s: float) -> list[tuple]:
    """(playhead, word highlighted, caret, segment selected) every 15 ms while it plays."""
    seen: list[tuple] = []
    timer = QTimer()
    h, edit = ctrl.window.transcript.highlighter, ctrl.window.transcript.edit
    timer.timeout.connect(
        lambda: seen.append((ctrl.player.position_s(), h.heard, edit.caret(), ctrl.editor.segment))
    )
    timer.start(15)
    qtbot.waitUntil(lambda: ctrl.player.position_s() >= until_s - 0.05, timeout=15_000)  # type: ignore[attr-defined]
    timer.stop()
    return seen


def not_lit(seen: list[tuple], spans: Spans, seg: int) -> list[str]:
    """Words that were not the one highlighted while the middle half of them was playing (in
    four samples of five: the highlight is redrawn on a 30 ms poll)."""
    bad = []
    for k, (a, b) in enumerate(spans):
        q = (b - a) / 4
        during = [lit for pos, lit, _caret, s in seen if s == seg and a + q <= pos <= b - q]
        if not during or sum(lit == k for lit in during) < 0.8 * len(during):
            bad.append(f"word {k} said at {a:.2f}-{b:.2f} s; lit meanwhile: {during}")
    return bad


def test_the_word_highlight_follows_playback_through_the_null_sink(
    qtbot: object, calls: tuple[Controller, list[Spans]]
) -> None:
    ctrl, truth = calls
    seg = ctrl.segment()
    assert seg is not None
    words = ctrl.words.words(ctrl.clip, seg)
    assert words is not None and all(w.placed == Placed.SURE for w in words.words)
    assert "7 of 7" in ctrl.window.transcript.words_label.text()
    ctrl.window.waveform.setFocus()
    press(qtbot, Qt.Key.Key_P)  # play the segment
    assert ctrl.player.playing
    seen = sample_while_playing(qtbot, ctrl, seg.end_s)
    heard = [k for _p, k, _c, _s in seen if k is not None]
    assert heard == sorted(heard)  # never backwards
    assert len(set(heard)) >= 6  # nearly every word of seven, at 15 ms sampling
    assert not_lit(seen, truth[0], 0) == []
    # the harness can fail: the same samples against the spans one word later do not pass
    late = truth[0][1:] + [(seg.end_s, seg.end_s + 1)]
    assert len(not_lit(seen, late, 0)) == len(late)


def test_play_from_the_word_at_the_caret(
    qtbot: object, calls: tuple[Controller, list[Spans]]
) -> None:
    ctrl, truth = calls
    edit = ctrl.window.transcript.edit
    edit.setFocus()
    edit.set_caret(FIRST.index("kitchen") + 2)
    press(qtbot, Qt.Key.Key_J, C)
    assert ctrl.player.playing
    start = ctrl.player.position_s()
    a, b = truth[0][3]
    assert a - 0.08 <= start <= a + 0.08, (start, a)
    qtbot.waitUntil(lambda: ctrl.window.transcript.highlighter.heard == 3, timeout=2000)  # type: ignore[attr-defined]
    ctrl.player.stop()


def test_the_caret_follows_the_playhead_into_the_next_segment(
    qtbot: object, calls: tuple[Controller, list[Spans]]
) -> None:
    ctrl, truth = calls
    ctrl.window.transcript.edit.setFocus()
    press(qtbot, Qt.Key.Key_J, C | S)
    assert ctrl.prefs.caret_follows_playhead
    a = ctrl.editor.annotation
    assert a is not None
    ctrl.player.play(truth[0][5][0], a.segments[1].end_s)  # "at seven", then the second phrase
    seen = sample_while_playing(qtbot, ctrl, a.segments[1].end_s)
    assert ctrl.editor.segment == 1  # the segment being heard was selected
    carets = {(s, c) for _p, k, c, s in seen if k is not None}
    starts = {(0, FIRST.index(" at ") + 1), (0, FIRST.index("seven"))}
    starts |= {(1, SECOND.index(w)) for w in ("set", "timer", "nine", "minutes")}
    assert starts <= carets  # the caret sat at the start of each word as it was heard
    assert not_lit(seen, truth[1], 1) == []
    press(qtbot, Qt.Key.Key_J, C | S)
    assert not ctrl.prefs.caret_follows_playhead


def test_an_edit_aligns_only_its_segment_again_once_typing_settles(
    qtbot: object, calls: tuple[Controller, list[Spans]]
) -> None:
    ctrl, _truth = calls
    first = ctrl.words.aligned[:]
    ctrl.select_segment(1)
    edit = ctrl.window.transcript.edit
    edit.setFocus()
    edit.set_caret(len(SECOND))
    type_text(qtbot, " now")  # four keystrokes, one alignment once they settle
    qtbot.wait(SETTLE_MS // 2)  # type: ignore[attr-defined]
    assert ctrl.words.aligned == first  # not while typing
    qtbot.waitUntil(lambda: len(ctrl.words.aligned) == 3, timeout=10_000)  # type: ignore[attr-defined]
    qtbot.wait(3 * SETTLE_MS)  # type: ignore[attr-defined]
    a = ctrl.editor.annotation
    assert a is not None and a.segments[1].text == SECOND + " now"
    assert ctrl.words.aligned == [*first, key_of(ctrl.clip.path, a.segments[1])]  # type: ignore[union-attr]
    assert ctrl.words.words(ctrl.clip, a.segments[0]) is not None  # the other one kept


def underline_at(ctrl: Controller, pos: int) -> QTextCharFormat.UnderlineStyle:
    layout = ctrl.window.transcript.edit.document().firstBlock().layout()
    for r in layout.formats():
        if r.start <= pos < r.start + r.length:
            return r.format.underlineStyle()
    return QTextCharFormat.UnderlineStyle.NoUnderline


def test_words_the_aligner_cannot_place_are_shown_as_such(
    qtbot: object, calls: tuple[Controller, list[Spans]]
) -> None:
    ctrl, _truth = calls
    edit = ctrl.window.transcript.edit
    edit.setFocus()
    edit.selectAll()
    type_text(qtbot, "play some music by the beatles")  # not what this segment says
    qtbot.waitUntil(lambda: len(ctrl.words.aligned) == 3, timeout=10_000)  # type: ignore[attr-defined]
    label = ctrl.window.transcript.words_label.text()
    assert label.startswith("Words not tied to the audio") and "no way to fit" in label
    assert underline_at(ctrl, 1) == QTextCharFormat.UnderlineStyle.DotLine
    edit.set_caret(len("play some mu"))
    press(qtbot, Qt.Key.Key_J, C)
    assert "“music” is not placed" in ctrl.window.message.text()
    ctrl.player.stop()


def test_in_another_language_it_says_why_and_plays_the_segment(
    qtbot: object, tmp_path: Path, pulse: str
) -> None:
    folder = tmp_path / "de"
    folder.mkdir()
    conventions = json.loads(
        (Path(__file__).parents[2] / "resources/taxonomy/earmark-conventions.json").read_text()
    )
    two_phrases(folder, tmp_path, {**conventions, "language": "de"})
    ctrl, runner = shown(qtbot, folder / "calls.jsonl", tmp_path)
    try:
        assert "English model only" in ctrl.window.transcript.words_label.text()
        ctrl.window.transcript.edit.setFocus()
        press(qtbot, Qt.Key.Key_J, C)
        assert ctrl.player.playing
        assert "Playing the segment from its start" in ctrl.window.message.text()
        qtbot.wait(2 * SETTLE_MS)  # type: ignore[attr-defined]
        assert ctrl.words.aligned == []
    finally:
        closed(ctrl, runner)
