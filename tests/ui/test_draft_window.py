"""A draft in the window: the key drafts the open recording on a worker with progress, fills
the segments that hold no text (one undo step), shows the draft as the hypothesis, keeps it in
the store; the same key stops it; a recording with a hypothesis is refused."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import soundfile as sf
from PySide6.QtCore import Qt

from app.workstation.project import open_project
from tests.audio.test_pauses import PHRASES, RATE, recording
from tests.ui.conftest import closed, shown
from tests.ui.keys import C, S, press


def test_the_key_drafts_fills_empty_segments_and_one_undo_takes_it_back(
    qtbot, tmp_path: Path, pulse: str
) -> None:
    x, truth = recording(tmp_path)
    folder = tmp_path / "calls"
    folder.mkdir()
    sf.write(str(folder / "call.wav"), x, RATE)
    segments = [{"start_s": a - 0.1, "end_s": b + 0.1, "text": ""} for a, b in truth]
    segments[1]["text"] = "typed by hand"
    row = {"audio": "call.wav", "segments": segments}
    (folder / "m.jsonl").write_text(json.dumps(row) + "\n")
    ctrl, runner = shown(qtbot, folder / "m.jsonl", tmp_path)
    try:
        assert "Ctrl+Shift+H drafts one" in ctrl.window.transcript.asr_label.text()
        stored: list[bool] = []
        ctrl.drafts.finished.append(lambda: stored.append(True))
        ctrl.window.transcript.edit.setFocus()
        press(qtbot, Qt.Key.Key_H, C | S)
        assert "Drafting a transcript locally" in ctrl.window.message.text()
        qtbot.waitUntil(lambda: bool(stored), timeout=30_000)
        a = ctrl.editor.annotation
        assert a is not None
        texts = [s.text for s in a.segments]
        assert texts[1] == "typed by hand"  # what was typed is never overwritten
        assert texts[0] and texts[2]
        assert set(texts[0].split()) & set(PHRASES[0].split())
        assert "Local draft (PocketSphinx" in ctrl.window.transcript.asr_label.text()
        assert ctrl.editor.task is not None and ctrl.editor.task.draft_text
        press(qtbot, Qt.Key.Key_Z, C)  # one step back: the empty segments again
        assert [s.text for s in ctrl.editor.annotation.segments] == ["", "typed by hand", ""]
    finally:
        closed(ctrl, runner)
    p = open_project(folder / "m.jsonl")
    (task,) = p.store.tasks()
    p.store.close()
    assert task.draft and task.draft_by.startswith("PocketSphinx")  # kept for the next time


def test_the_same_key_stops_a_draft_and_a_hypothesis_is_never_redrafted(
    qtbot, tmp_path: Path, pulse: str
) -> None:
    x, _truth = recording(tmp_path)
    folder = tmp_path / "calls"
    folder.mkdir()
    sf.write(str(folder / "long.wav"), np.tile(x, 20), RATE)  # two minutes of phrases
    sf.write(str(folder / "known.wav"), x, RATE)
    rows = [{"audio": "long.wav"}, {"audio": "known.wav", "asr": "play some jazz"}]
    (folder / "m.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    ctrl, runner = shown(qtbot, folder / "m.jsonl", tmp_path)
    try:
        qtbot.waitUntil(lambda: ctrl.clip is not None and ctrl.clip.complete, timeout=10_000)
        ctrl.window.transcript.edit.setFocus()
        press(qtbot, Qt.Key.Key_H, C | S)
        assert ctrl.drafts.running is not None
        press(qtbot, Qt.Key.Key_H, C | S)
        qtbot.waitUntil(lambda: ctrl.drafts.running is None, timeout=30_000)
        assert "Draft stopped; nothing was kept." in ctrl.window.message.text()
        assert ctrl.editor.annotation is not None
        assert [s.text for s in ctrl.editor.annotation.segments] == [""]
        press(qtbot, Qt.Key.Key_PageDown, C)  # the next item, which has a hypothesis
        qtbot.waitUntil(lambda: ctrl.clip is not None and "known" in ctrl.clip.path)
        press(qtbot, Qt.Key.Key_H, C | S)
        assert "came with an ASR hypothesis" in ctrl.window.message.text()
        assert ctrl.drafts.running is None
    finally:
        closed(ctrl, runner)
    p = open_project(folder / "m.jsonl")
    assert not any(t.draft for t in p.store.tasks())
    p.store.close()
