"""Pedal events reach commands while the transcript has focus, and type no characters."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSettings

from app.main import build
from app.workstation.store.settings import Settings
from tests.workstation.test_pedals import FakePedalDevice


def test_pedals_drive_playback_without_typing(
    qtbot, copy_samples: Path, tmp_path: Path, pulse: str
) -> None:
    fake = FakePedalDevice()
    given = [fake]
    settings = Settings(QSettings(str(tmp_path / "p.ini"), QSettings.Format.IniFormat))
    ctrl, runner = build(
        copy_samples, settings=settings, open_pedal=lambda: given.pop() if given else None
    )
    qtbot.addWidget(ctrl.window)
    ctrl.window.show()
    qtbot.waitActive(ctrl.window)
    ctrl.start()
    qtbot.waitUntil(lambda: ctrl.clip is not None)
    qtbot.waitUntil(lambda: ctrl.window.pedal.text() == "pedal")
    edit = ctrl.window.transcript.edit
    edit.setFocus()
    text = edit.toPlainText()
    fake.reports.put([2])  # hold centre: plays
    qtbot.waitUntil(lambda: ctrl.player.playing, timeout=3000)
    qtbot.waitUntil(lambda: ctrl.player.position_s() > 1.6, timeout=5000)
    fake.reports.put([0])  # release: pauses and rewinds a second
    qtbot.waitUntil(lambda: not ctrl.player.playing, timeout=3000)
    rest = ctrl.player.position_s()
    assert 0.5 < rest < 1.5
    fake.reports.put([4])  # right: skip forward 2 s
    fake.reports.put([0])
    qtbot.waitUntil(lambda: ctrl.player.position_s() == pytest.approx(rest + 2.0), timeout=3000)
    fake.reports.put([1])  # left: skip back 2 s
    fake.reports.put([0])
    qtbot.waitUntil(lambda: ctrl.player.position_s() == pytest.approx(rest), timeout=3000)
    assert edit.toPlainText() == text and edit.hasFocus()
    ctrl.window.close()
    runner.shutdown()
    ctrl.project.store.close()
