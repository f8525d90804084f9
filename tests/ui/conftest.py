from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings

from app.main import build
from app.store.settings import Settings
from app.ui.controller import Controller


@pytest.fixture
def workstation(
    qtbot: object, copy_samples: Path, tmp_path: Path, pulse: str
) -> Iterator[Controller]:
    settings = Settings(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))
    ctrl, runner = build(copy_samples, settings=settings)
    qtbot.addWidget(ctrl.window)  # type: ignore[attr-defined]
    ctrl.window.show()
    ctrl.window.activateWindow()
    qtbot.waitActive(ctrl.window)  # type: ignore[attr-defined]
    ctrl.start()
    qtbot.waitUntil(lambda: ctrl.clip is not None, timeout=10_000)  # type: ignore[attr-defined]
    yield ctrl
    ctrl.shutdown()
    runner.shutdown()
    ctrl.project.store.close()
