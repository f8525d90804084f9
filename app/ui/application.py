"""The one QApplication, and the small window that shows progress before the main one can.

Kept apart from the composition root (app/main.py), which imports the whole workstation: a
command shows this within a fraction of a second, then imports the rest."""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QLabel, QProgressBar, QVBoxLayout, QWidget


def application(icon: Path | None = None) -> QApplication:
    """The one QApplication, named and with its icon, whichever command opens a window."""
    app = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(app, QApplication)
    app.setApplicationName("Earmark")
    app.setOrganizationName("earmark")
    app.setDesktopFileName("earmark")
    if icon is not None and icon.is_file():
        app.setWindowIcon(QIcon(str(icon)))
    return app


class StartingView(QWidget):
    """What is being got ready, with a busy bar, until the main window takes over."""

    def __init__(self, title: str, text: str) -> None:
        super().__init__()
        self.setWindowTitle(title)
        self.setObjectName("starting")
        self.text = QLabel(text)
        self.text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.text.setWordWrap(True)
        heading = QLabel("Earmark")
        heading.setAlignment(Qt.AlignmentFlag.AlignCenter)
        heading.setStyleSheet("font-size: 20px; font-weight: bold;")
        busy = QProgressBar()
        busy.setRange(0, 0)  # no end known: it moves to show the work goes on
        busy.setTextVisible(False)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(28, 22, 28, 22)
        lay.addWidget(heading)
        lay.addWidget(self.text)
        lay.addWidget(busy)
        self.resize(420, 150)

    def say(self, text: str) -> None:
        self.text.setText(text)


def show_starting(title: str, text: str, icon: Path | None = None) -> StartingView:
    """The QApplication made and the view shown and painted at once."""
    app = application(icon)
    view = StartingView(title, text)
    view.show()
    app.processEvents()
    return view


class SignalWatch:
    """SIGTERM, SIGINT and SIGHUP close every window as its close button would (each saves
    its place and commits its writes), then quit the event loop: what a session manager, a
    closed terminal or `kill` asks for. Qt runs no Python while it waits, so the signal wakes
    it through a socket (signal.set_wakeup_fd) it watches. Keep the object while the loop runs."""

    def __init__(self, app: QApplication) -> None:
        import signal
        import socket

        from PySide6.QtCore import QSocketNotifier

        self.app = app
        self.caught: list[int] = []
        self._closing = False
        self._read, self._write = socket.socketpair()
        self._read.setblocking(False)
        self._write.setblocking(False)
        self._previous_fd = signal.set_wakeup_fd(self._write.fileno())
        self._previous = {}
        for name in ("SIGTERM", "SIGINT", "SIGHUP"):
            sig = getattr(signal, name, None)
            if sig is not None:
                self._previous[sig] = signal.signal(sig, self._caught)
        self._notifier = QSocketNotifier(self._read.fileno(), QSocketNotifier.Type.Read)
        self._notifier.activated.connect(self._woken)

    def _caught(self, signum: int, _frame: object) -> None:
        """Python's handler: it only notes the signal. It runs wherever the main thread is,
        possibly inside a lock (a thread pool's, starting a thread), so closing windows from
        here could deadlock; that is done from the event loop, below."""
        self.caught.append(signum)

    def _woken(self) -> None:
        """The event loop, woken by the signal's byte: the windows closed, the loop ended."""
        with contextlib.suppress(BlockingIOError):
            self._read.recv(64)
        if not self.caught or self._closing:
            return
        self._closing = True
        for w in self.app.topLevelWidgets():
            if w.isVisible():
                w.close()
        self.app.quit()

    def close(self) -> None:
        import signal

        self._notifier.setEnabled(False)
        signal.set_wakeup_fd(self._previous_fd)
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)
        self._read.close()
        self._write.close()
