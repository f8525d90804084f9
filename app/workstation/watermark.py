"""The watermark's text kept current: who is signed in and the time, to the minute.

A project that asks for it (earmark-server project watermark NAME on) has its windows draw
this faintly beneath the recording and the transcript (app/ui/watermark.py).
"""

from __future__ import annotations

import time

from PySide6.QtCore import QObject, QTimer

from app.ui.main_window import MainWindow


class WatermarkClock(QObject):
    def __init__(self, window: MainWindow, username: str) -> None:
        super().__init__()
        self.window, self.username = window, username
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.show)
        window.closing.connect(self._timer.stop)
        self.show()

    def text(self) -> str:
        return f"{self.username} · {time.strftime('%Y-%m-%d %H:%M')}"

    def show(self) -> None:
        self.window.set_watermark(self.text())
        # again at the next minute
        self._timer.start(int((60 - time.time() % 60) * 1000) + 50)
