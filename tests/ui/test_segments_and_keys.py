"""Segments by keyboard and mouse intents, key preferences, presets, reopening."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt

from app.keymap import Cmd, Scope
from app.main import build
from app.model import annotation as ops
from app.workstation.controller import Controller
from app.workstation.store.settings import Settings
from tests.ui.keys import A, C, S, press


def two_segments(ctrl: Controller) -> None:
    ctrl.editor.apply("Split", ops.split_segment, 1.5, None)


def test_next_segment_plays_it_and_scrolls_it_into_view(qtbot, workstation: Controller) -> None:
    two_segments(workstation)
    wave = workstation.window.waveform
    wave.show_range(0.0, 0.5)
    press(qtbot, Qt.Key.Key_Down, A)
    assert workstation.editor.segment == 1
    x0, x1 = wave.visible_range()
    seg = workstation.editor.annotation.segments[1]
    assert x0 <= seg.start_s and seg.end_s <= x1 + 1e-6
    assert workstation.player.playing
    qtbot.waitUntil(lambda: workstation.player.position_s() >= seg.start_s, timeout=2000)
    assert workstation.player.position_s() <= seg.end_s


def test_nudges_move_by_10_and_50_ms_and_replay_around_the_boundary(
    qtbot, workstation: Controller
) -> None:
    two_segments(workstation)
    e = workstation.editor
    e.select_segment(1)
    press(qtbot, Qt.Key.Key_F6)
    press(qtbot, Qt.Key.Key_S)  # start 10 ms later
    assert e.annotation.segments[1].start_s == pytest.approx(1.51)
    assert workstation.player.playing  # a short replay around the new boundary
    press(qtbot, Qt.Key.Key_S, S)  # 50 ms later
    assert e.annotation.segments[1].start_s == pytest.approx(1.56)
    press(qtbot, Qt.Key.Key_D)  # end 10 ms earlier
    assert e.annotation.segments[1].end_s == pytest.approx(e.tasks[0].duration_s - 0.01)
    press(qtbot, Qt.Key.Key_Z, C)
    press(qtbot, Qt.Key.Key_Z, C)
    assert e.annotation.segments[1].start_s == pytest.approx(1.51)


def test_dragging_a_boundary_previews_then_commits_one_step(qtbot, workstation: Controller) -> None:
    two_segments(workstation)
    e, wave = workstation.editor, workstation.window.waveform
    wave.boundary_moving.emit(1, "start", 1.7)
    assert e.annotation.segments[1].start_s == 1.5  # only a preview
    assert wave.segments_item.segments[1].start_s == pytest.approx(1.7)
    wave.boundary_moving.emit(1, "start", 1.8)
    wave.boundary_moved.emit(1, "start", 1.8)
    assert e.annotation.segments[1].start_s == pytest.approx(1.8)
    assert e.undo() == "Move boundary"
    assert e.annotation.segments[1].start_s == 1.5


def test_segment_item_finds_boundaries_and_what_is_in_view(qtbot, workstation: Controller) -> None:
    two_segments(workstation)
    item = workstation.window.waveform.segments_item
    workstation.window.waveform.show_range(0.0, 1.0)
    assert list(item.visible_indices(0.0, 1.0)) == [0]
    assert list(item.visible_indices(1.0, 2.0)) == [0, 1]
    workstation.window.waveform.show_range(1.4, 1.6)
    assert item.boundary_near(1.5005) in ((0, "end"), (1, "start"))
    assert item.boundary_near(1.58) is None


def test_typing_never_moves_the_playhead(qtbot, workstation: Controller) -> None:
    workstation.player.seek(1.25)
    qtbot.keyClicks(workstation.window.transcript.edit, " please")
    two_segments(workstation)
    assert workstation.player.position_s() == 1.25


def test_rebinding_is_kept_in_settings_and_works(
    qtbot, workstation: Controller, tmp_path: Path
) -> None:
    km = workstation.keymap.with_override(Cmd.TOGGLE_LOOP, Scope.GLOBAL, ("Ctrl+Shift+F9",))
    workstation.set_keymap(km)
    assert not workstation.player.loop
    press(qtbot, Qt.Key.Key_F9, C | S)
    assert workstation.player.loop
    press(qtbot, Qt.Key.Key_L, C)  # the old key no longer loops
    assert workstation.player.loop
    stored = Settings(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))
    prefs = stored.load()
    from app.keymap import Keymap

    again = Keymap.from_settings(prefs.key_preset, prefs.key_overrides)
    assert again.keys(Cmd.TOGGLE_LOOP, Scope.GLOBAL) == ("Ctrl+Shift+F9",)


def test_otranscribe_preset_from_the_command_line(
    qtbot, copy_samples: Path, tmp_path: Path, pulse: str
) -> None:
    settings = Settings(QSettings(str(tmp_path / "o.ini"), QSettings.Format.IniFormat))
    ctrl, runner = build(copy_samples, preset="otranscribe", settings=settings)
    qtbot.addWidget(ctrl.window)
    ctrl.window.show()
    qtbot.waitActive(ctrl.window)
    ctrl.start()
    qtbot.waitUntil(lambda: ctrl.clip is not None)
    assert ctrl.keymap.preset == "otranscribe"
    qtbot.keyClick(ctrl.window.transcript.edit, Qt.Key.Key_Escape)
    assert ctrl.player.playing
    ctrl.shutdown()
    runner.shutdown()
    ctrl.project.store.close()


def test_reopening_returns_to_the_same_place(
    qtbot, copy_samples: Path, tmp_path: Path, pulse: str
) -> None:
    def open_window() -> tuple[Controller, object]:
        settings = Settings(QSettings(str(tmp_path / "r.ini"), QSettings.Format.IniFormat))
        ctrl, runner = build(copy_samples, settings=settings)
        qtbot.addWidget(ctrl.window)
        ctrl.window.show()
        ctrl.start()
        qtbot.waitUntil(lambda: ctrl.clip is not None)
        return ctrl, runner

    ctrl, runner = open_window()
    ctrl.editor.open_task(4)
    qtbot.waitUntil(lambda: ctrl.clip is not None and ctrl.clip.path.endswith("005_list.wav"))
    ctrl.editor.apply("Split", ops.split_segment, 1.0, None)
    ctrl.editor.select_segment(1)
    ctrl.player.seek(1.75)
    qtbot.wait(100)
    ctrl.window.close()
    runner.shutdown()  # type: ignore[attr-defined]
    ctrl.project.store.close()

    again, runner2 = open_window()
    assert again.editor.index == 4 and again.editor.segment == 1
    assert len(again.editor.annotation.segments) == 2
    assert again.player.position_s() == pytest.approx(1.75, abs=0.03)
    again.shutdown()
    runner2.shutdown()  # type: ignore[attr-defined]
    again.project.store.close()


def test_listen_to_one_channel_or_the_mix(qtbot, tmp_path: Path, pulse: str) -> None:
    import numpy as np
    import soundfile as sf

    folder = tmp_path / "stereo"
    folder.mkdir()
    t = np.arange(16000 * 2) / 16000
    left = 0.5 * np.sin(2 * np.pi * 300 * t)
    sf.write(str(folder / "call.wav"), np.stack([left, np.zeros_like(left)], axis=1), 16000)
    settings = Settings(QSettings(str(tmp_path / "c.ini"), QSettings.Format.IniFormat))
    ctrl, runner = build(folder, settings=settings)
    qtbot.addWidget(ctrl.window)
    ctrl.window.show()
    qtbot.waitActive(ctrl.window)
    ctrl.start()
    qtbot.waitUntil(lambda: ctrl.clip is not None)
    wave = ctrl.window.waveform
    assert sum(c.isVisible() for c in wave.curves) == 2  # every channel is seen
    src = ctrl.player.source
    assert src is not None
    assert np.allclose(src._read(0, 100), left[:100] / 2, atol=1e-3)  # the mix
    press(qtbot, Qt.Key.Key_C, C | S)
    assert ctrl.player.channel == 0 and "channel 1" in ctrl.window.playback.text()
    assert np.allclose(src._read(0, 100), left[:100], atol=1e-3)
    press(qtbot, Qt.Key.Key_C, C | S)
    assert ctrl.player.channel == 1 and np.allclose(src._read(0, 100), 0.0)
    press(qtbot, Qt.Key.Key_C, C | S)
    assert ctrl.player.channel == -1
    ctrl.shutdown()
    runner.shutdown()
    ctrl.project.store.close()


def test_ten_thousand_segments_update_one_row_per_keystroke(qtbot, workstation: Controller) -> None:
    from dataclasses import replace

    from app.model.annotation import Segment

    e, w = workstation.editor, workstation.window
    dur = e.tasks[0].duration_s
    step = dur / 10_000
    many = tuple(Segment(k * step, (k + 1) * step, f"w{k}") for k in range(10_000))
    e.apply("Many", lambda a: replace(a, segments=many))
    assert w.transcript.model.rowCount() == 10_000
    e.select_segment(5000)
    changed: list[tuple[int, int]] = []
    w.transcript.model.dataChanged.connect(lambda a, b: changed.append((a.row(), b.row())))
    qtbot.keyClicks(w.transcript.edit, "x")
    assert changed == [(5000, 5000)]
    wave = w.waveform
    wave.show_range(1000.5 * step, 1999.5 * step)
    x0, x1 = wave.visible_range()
    shown = list(wave.segments_item.visible_indices(x0, x1))
    assert shown == [k for k, s in enumerate(many) if s.end_s > x0 and s.start_s < x1]
    assert shown[0] == 1000 and shown[-1] == 1999


def test_spectrogram_toggles_and_follows_the_zoom(qtbot, workstation: Controller) -> None:
    w = workstation.window
    press(qtbot, Qt.Key.Key_F6)
    press(qtbot, Qt.Key.Key_G)
    assert w.spectrogram.isVisible()
    qtbot.waitUntil(lambda: len(workstation.spectrogram.ready_ms) >= 1, timeout=5000)
    image = w.spectrogram.image.image
    assert image is not None and image.shape[0] == 257  # frequency bins up to 8 kHz
    w.waveform.show_range(1.0, 1.5)
    qtbot.waitUntil(lambda: len(workstation.spectrogram.ready_ms) >= 2, timeout=5000)
    (x0, x1), _ = w.spectrogram.vb.viewRange()
    assert (x0, x1) == pytest.approx((1.0, 1.5), abs=0.005)  # the waveform's time axis, to a pixel
    w.spectrogram.range_db.setValue(40)
    lo, hi = w.spectrogram.image.getLevels()
    assert hi - lo == pytest.approx(40)
    assert workstation.prefs.spectrogram_shown and workstation.prefs.spectrogram_range_db == 40
    press(qtbot, Qt.Key.Key_G)
    assert not w.spectrogram.isVisible()
