"""SIGTERM, SIGINT and SIGHUP close the windows as their close buttons would, wherever the
signal lands: even inside a thread pool's lock, where closing a window (which hands its last
writes to a pool) would deadlock if it were done in the signal handler itself."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = textwrap.dedent(
    """
    import concurrent.futures.thread as cft, os, signal, sys
    from concurrent.futures import ThreadPoolExecutor
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QWidget
    from app.ui.application import SignalWatch, application

    app = application()
    watch = SignalWatch(app)
    pool = ThreadPoolExecutor(1)
    saved = []

    class Window(QWidget):
        def closeEvent(self, e):  # as the main window does: its last writes to a pool
            saved.append(pool.submit(lambda: "saved").result())
            super().closeEvent(e)

    w = Window()
    w.show()

    def land_inside_the_lock():
        # what a pool holds while it starts a thread: the signal arrives right there
        with cft._global_shutdown_lock:
            os.kill(os.getpid(), getattr(signal, sys.argv[1]))

    QTimer.singleShot(100, land_inside_the_lock)
    code = app.exec()
    watch.close()
    print("closed", saved, code, watch.caught)
    """
)


def run(signame: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", SCRIPT, signame],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_a_signal_inside_a_lock_closes_the_window_without_a_deadlock() -> None:
    for signame in ("SIGTERM", "SIGINT", "SIGHUP"):
        try:
            r = run(signame)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"{signame}: deadlocked") from None
        assert r.returncode == 0, r.stderr[-2000:]
        assert "closed ['saved'] 0" in r.stdout, r.stdout + r.stderr[-2000:]
