"""A long recording: the window shows it at once and the waveform fills in while it builds."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile as sf
from PySide6.QtCore import QSettings

from app.main import build
from app.workstation.store.settings import Settings


def test_waveform_fills_in_progressively(qtbot, tmp_path: Path, pulse: str) -> None:
    folder = tmp_path / "long"
    folder.mkdir()
    rate = 16000
    with sf.SoundFile(str(folder / "meeting.wav"), "w", rate, 2, "PCM_16") as f:
        t = np.arange(rate * 60) / rate
        for k in range(20):  # 20 minutes, two channels
            f.write(np.stack([0.3 * np.sin(2 * np.pi * 220 * t), 0.1 * np.sin(t * k)], axis=1))
    settings = Settings(QSettings(str(tmp_path / "l.ini"), QSettings.Format.IniFormat))
    ctrl, runner = build(folder, settings=settings, open_pedal=None)
    qtbot.addWidget(ctrl.window)
    ctrl.window.show()
    ctrl.start()
    qtbot.waitUntil(lambda: ctrl.clip is not None, timeout=10_000)
    clip = ctrl.clip
    seen: list[int] = []

    def progress() -> bool:
        seen.append(clip.pyramid().frames)
        return clip.complete

    qtbot.waitUntil(progress, timeout=60_000)
    assert len(set(seen)) >= 2 and seen[0] < len(clip.source)  # drawn while building
    curves = [c for c in ctrl.window.waveform.curves if c.isVisible()]
    assert len(curves) == 2 and all(
        c.getData()[0] is not None and len(c.getData()[0]) for c in curves
    )
    ctrl.player.play(1190.0, 1191.0)  # near the end of 20 minutes: plays at once
    qtbot.waitUntil(lambda: ctrl.player.position_s() > 1190.0, timeout=3000)
    ctrl.window.close()
    runner.shutdown()
    ctrl.project.store.close()
