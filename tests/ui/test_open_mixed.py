"""Opening a folder with broken files: the window stays up, names them, queues the rest."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings

from app.main import build
from app.workstation.store.settings import Settings
from tests.workstation.test_project import mixed_folder


def test_broken_files_are_named_in_the_window(qtbot, tmp_path: Path, pulse: str) -> None:
    folder = mixed_folder(tmp_path)
    settings = Settings(QSettings(str(tmp_path / "m.ini"), QSettings.Format.IniFormat))
    ctrl, runner = build(folder, settings=settings)
    qtbot.addWidget(ctrl.window)
    ctrl.window.show()
    ctrl.start()
    qtbot.waitUntil(lambda: ctrl.clip is not None, timeout=10_000)
    banner = ctrl.window.banner.text()
    assert ctrl.window.banner.isVisible()
    for name in ("empty.wav", "truncated.wav", "garbage.mp3"):
        assert name in banner
    assert [t.name for t in ctrl.editor.tasks] == ["good1.wav", "good2.wav"]
    assert ctrl.window.queue.list.count() == 2
    assert "2 recording(s) in the queue" in ctrl.window.message.text()
    ctrl.shutdown()
    runner.shutdown()
    ctrl.project.store.close()
