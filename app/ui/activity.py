"""Whether someone is at the keyboard: every key, click, mouse movement or wheel turn anywhere
in the application, seen before any widget takes it (and left to it)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication

ACTIVITY = frozenset(
    {
        QEvent.Type.KeyPress,
        QEvent.Type.MouseButtonPress,
        QEvent.Type.MouseMove,
        QEvent.Type.Wheel,
        QEvent.Type.TabletPress,
        QEvent.Type.TouchBegin,
    }
)


class ActivityWatch(QObject):
    """Calls `seen` on each sign of someone at the keyboard, until `stop`."""

    def __init__(self, seen: Callable[[], None]) -> None:
        super().__init__()
        self.seen = seen
        app = QApplication.instance()
        assert app is not None
        app.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if event.type() in ACTIVITY:
            self.seen()
        return False

    def stop(self) -> None:
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)
