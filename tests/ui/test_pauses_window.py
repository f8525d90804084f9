"""Segments from pauses in the window: the key opens the dialog, the proposal is drawn over the
waveform while the settings change, accepting is one undo step, Esc changes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import soundfile as sf
from PySide6.QtCore import Qt

from app.ui.pauses_dialog import PausesDialog
from app.workstation.controller import Controller
from tests.audio.test_pauses import RATE, recording
from tests.ui.conftest import closed, shown
from tests.ui.keys import C, S, on_modal, press


@pytest.fixture
def calls(qtbot: object, tmp_path: Path, pulse: str) -> Iterator[tuple[Controller, list]]:
    x, truth = recording(tmp_path)
    folder = tmp_path / "calls"
    folder.mkdir()
    sf.write(str(folder / "call.wav"), x, RATE)
    ctrl, runner = shown(qtbot, folder, tmp_path)
    qtbot.waitUntil(lambda: ctrl.clip is not None and ctrl.clip.complete, timeout=10_000)  # type: ignore[attr-defined]
    yield ctrl, truth
    closed(ctrl, runner)


def in_dialog(act: callable) -> dict:
    seen: dict = {}

    def step(d: PausesDialog) -> None:
        seen["spans"] = list(d.spans)
        seen["drawn"] = d.parent().waveform.proposals.getData()[0]  # type: ignore[union-attr]
        d.min_pause.setValue(3.0)  # one long pause only: the proposal follows the setting
        d.update_proposal()
        seen["joined"] = list(d.spans)
        d.min_pause.setValue(0.3)
        d.update_proposal()
        act(d)

    on_modal(PausesDialog, step)
    return seen


def test_the_key_proposes_and_one_undo_takes_it_back(
    qtbot: object, calls: tuple[Controller, list]
) -> None:
    ctrl, truth = calls
    e = ctrl.editor
    assert e.annotation is not None and len(e.annotation.segments) == 1
    before = e.annotation.segments
    ctrl.window.transcript.edit.setFocus()
    seen = in_dialog(lambda d: d.accept())
    press(qtbot, Qt.Key.Key_B, C | S)
    assert len(seen["spans"]) == len(truth)
    assert len(seen["drawn"]) == 2 * len(truth)  # drawn over the waveform while it was open
    assert len(seen["joined"]) == 1
    segs = e.annotation.segments
    assert len(segs) == len(truth)
    for s, (ts, te) in zip(segs, truth, strict=True):
        assert abs(s.start_s - (ts - 0.05)) <= 0.06 and abs(s.end_s - (te + 0.05)) <= 0.06
    assert ctrl.window.waveform.proposals.getData()[0] is None or not len(
        ctrl.window.waveform.proposals.getData()[0]
    )
    e.undo()
    assert e.annotation.segments == before


def test_escape_changes_nothing(qtbot: object, calls: tuple[Controller, list]) -> None:
    ctrl, _truth = calls
    before = ctrl.editor.annotation.segments  # type: ignore[union-attr]
    ctrl.window.transcript.edit.setFocus()
    in_dialog(lambda d: d.reject())
    press(qtbot, Qt.Key.Key_B, C | S)
    assert ctrl.editor.annotation.segments == before  # type: ignore[union-attr]
