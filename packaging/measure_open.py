"""Time from start to the first waveform, and from submit to the next item ready.

    python packaging/measure_open.py [PATH]      (default: the bundled samples)

Runs the real window offscreen; prints the figures issue reports ask for.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("EARMARK_HOME", tempfile.mkdtemp(prefix="earmark-measure-"))

from PySide6.QtCore import QSettings  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from app.keymap import Cmd  # noqa: E402
from app.main import build  # noqa: E402
from app.workstation.store.paths import resources_dir  # noqa: E402
from app.workstation.store.settings import Settings  # noqa: E402

LISTEN_S = float(os.environ.get("EARMARK_LISTEN_S", "1.0"))


def wait(app: QApplication, cond: object, timeout_s: float = 120) -> None:
    end = time.perf_counter() + timeout_s
    while not cond():  # type: ignore[operator]
        if time.perf_counter() > end:
            raise SystemExit("timed out")
        app.processEvents()
        time.sleep(0.0005)


def main() -> None:
    source = Path(sys.argv[1]) if len(sys.argv) > 1 else resources_dir() / "samples"
    app = QApplication(sys.argv)
    t0 = time.perf_counter()
    settings = Settings(QSettings(tempfile.mktemp(suffix=".ini"), QSettings.Format.IniFormat))
    ctrl, runner = build(source, settings=settings)
    ctrl.window.show()
    ctrl.start()
    wait(app, lambda: ctrl.first_paint_ms is not None)
    total_ms = (time.perf_counter() - t0) * 1000
    print(
        f"{source.name}: process start to first waveform {total_ms:.0f} ms; "
        f"window shown to first waveform {ctrl.first_paint_ms:.0f} ms"
    )
    n = min(5, len(ctrl.editor.tasks) - 1)
    for _ in range(n):
        before = len(ctrl.next_ready_ms)
        ctrl.actions.trigger(Cmd.FLAG_NOT_DEVICE_DIRECTED)  # lets an unlabelled item submit
        ctrl.actions.trigger(Cmd.SUBMIT_NEXT)
        wait(app, lambda b=before: len(ctrl.next_ready_ms) > b)
        time.sleep(LISTEN_S)  # the annotator works before submitting; prefetch runs meanwhile
        app.processEvents()
    if ctrl.next_ready_ms:
        figures = ", ".join(f"{x:.1f}" for x in ctrl.next_ready_ms)
        print(
            f"submit to next item ready: median {statistics.median(ctrl.next_ready_ms):.1f} ms "
            f"({figures})"
        )
    ctrl.shutdown()
    runner.shutdown()


if __name__ == "__main__":
    main()
