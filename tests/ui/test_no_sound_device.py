"""With no sound server at all the window says so, and annotation still works and saves."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SCRIPT = r"""
import sys
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication
from app.main import build
from app.model import annotation as ops
from app.workstation.store.settings import Settings

app = QApplication([])
ctrl, runner = build(__import__("pathlib").Path(sys.argv[1]),
                     settings=Settings(QSettings(sys.argv[2], QSettings.Format.IniFormat)))
ctrl.window.show()
ctrl.start()
while ctrl.clip is None:
    app.processEvents()
print("BANNER", ctrl.window.banner.isVisible(), ctrl.window.banner.text())
ctrl.actions.trigger(__import__("app.keymap").keymap.Cmd.PLAY_PAUSE)
print("MESSAGE", ctrl.window.message.text())
ctrl.editor.apply("Typing", ops.set_text, 0, "set an alarm")
runner.drain()
app.processEvents()
stored = ctrl.editor.store.annotation(ctrl.editor.task.id)[1]
print("SAVED", ctrl.editor.is_saved, stored.transcript)
"""


def test_window_without_sound(copy_samples: Path, tmp_path: Path) -> None:
    env = {
        **os.environ,
        "XDG_RUNTIME_DIR": str(tmp_path),
        "PULSE_SERVER": "unix:/nonexistent",
        "QT_QPA_PLATFORM": "offscreen",
    }
    r = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(copy_samples), str(tmp_path / "s.ini")],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert r.returncode == 0, r.stderr[-2000:]
    lines = {line.split(" ", 1)[0]: line for line in r.stdout.splitlines()}
    assert "True No sound output device" in lines["BANNER"]
    assert "No sound output device" in lines["MESSAGE"]
    assert lines["SAVED"] == "SAVED True set an alarm"
