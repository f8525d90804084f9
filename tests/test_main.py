"""A window on a local folder starts without the server's side (its client, sync engines,
keyring, review screen), the recogniser and the sidecar formats' libraries: each is imported
where it is used, so that the first window shows sooner."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOT_AT_START = (
    "httpx",
    "pydantic",
    "keyring",
    "pocketsphinx",
    "praatio",
    "pympi",
    "pysubs2",
    "app.protocol",
    "app.workstation.remote",
    "app.server",
    "app.workstation.sync",
    "app.workstation.store.secrets",
    "app.audio.recognise",
    "app.workstation.server_sync",
    "app.workstation.review_controls",
    "app.ui.sign_in_dialog",
)
FIRST_WINDOW = """
import sys
from pathlib import Path
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication
qt = QApplication([])
{also}
from app.main import build
from app.workstation.store.settings import Settings
settings = Settings(QSettings(sys.argv[2], QSettings.Format.IniFormat))
ctrl, runner = build(Path(sys.argv[1]), settings=settings, open_pedal=None)
ctrl.window.show()
ctrl.start()
while ctrl.clip is None:
    qt.processEvents()
print(" ".join(sorted(sys.modules)))
ctrl.shutdown()
runner.shutdown()
"""


def imported_too_soon(tmp_path: Path, also: str = "") -> list[str]:
    """What the first window on the samples imported of NOT_AT_START, once its recording shows."""
    r = subprocess.run(
        [
            sys.executable,
            "-c",
            FIRST_WINDOW.format(also=also),
            str(ROOT / "resources" / "samples"),
            str(tmp_path / "settings.ini"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen", "EARMARK_HOME": str(tmp_path)},
    )
    assert r.returncode == 0, r.stderr[-3000:]
    loaded = r.stdout.splitlines()[-1].split()
    return [m for m in NOT_AT_START if any(x == m or x.startswith(m + ".") for x in loaded)]


def test_a_local_window_starts_without_what_it_does_not_use(tmp_path: Path) -> None:
    assert imported_too_soon(tmp_path) == []


def test_the_check_sees_an_import_at_start(tmp_path: Path) -> None:
    """The check can fail: the sync client imported beside the window is seen, with what it
    pulls in."""
    found = imported_too_soon(tmp_path, also="import app.workstation.sync.client")
    assert {"httpx", "pydantic", "app.protocol", "app.workstation.sync"} <= set(found)
