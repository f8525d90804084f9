from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings

from app.main import build
from app.workstation.controller import Controller
from app.workstation.store.settings import Settings
from app.workstation.tasks import QtRunner as Runner


def shown(qtbot: object, source: Path, tmp_path: Path) -> tuple[Controller, Runner]:
    """The workstation on `source`, shown, active, its first recording loaded."""
    settings = Settings(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))
    ctrl, runner = build(source, settings=settings)
    qtbot.addWidget(ctrl.window)  # type: ignore[attr-defined]
    ctrl.window.show()
    ctrl.window.activateWindow()
    qtbot.waitActive(ctrl.window)  # type: ignore[attr-defined]
    ctrl.start()
    qtbot.waitUntil(lambda: ctrl.clip is not None, timeout=10_000)  # type: ignore[attr-defined]
    return ctrl, runner


def closed(ctrl: Controller, runner: Runner) -> None:
    ctrl.shutdown()
    runner.shutdown()
    ctrl.project.store.close()


@pytest.fixture
def workstation(
    qtbot: object, copy_samples: Path, tmp_path: Path, pulse: str
) -> Iterator[Controller]:
    ctrl, runner = shown(qtbot, copy_samples, tmp_path)
    yield ctrl
    closed(ctrl, runner)
