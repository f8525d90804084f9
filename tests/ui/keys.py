"""Keyboard helpers: keys go to whatever has focus, as they would for a person."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialog, QWidget

C, S, A = (
    Qt.KeyboardModifier.ControlModifier,
    Qt.KeyboardModifier.ShiftModifier,
    Qt.KeyboardModifier.AltModifier,
)
NONE = Qt.KeyboardModifier.NoModifier
T = TypeVar("T", bound=QWidget)


def press(qtbot: object, key: Qt.Key, mods: Qt.KeyboardModifier = NONE) -> None:
    target = QApplication.focusWidget()
    assert target is not None, "something must have keyboard focus"
    qtbot.keyClick(target, key, mods)  # type: ignore[attr-defined]


def type_text(qtbot: object, text: str) -> None:
    target = QApplication.focusWidget()
    assert target is not None, "something must have keyboard focus"
    qtbot.keyClicks(target, text)  # type: ignore[attr-defined]


def on_modal(kind: type[T], act: Callable[[T], None], timeout_ms: int = 20_000) -> list[str]:
    """Act on the modal dialog of `kind` as soon as it is open: a timer looks for it every
    20 ms (a loaded machine opens it later than any fixed delay assumes). If none opens in
    time, whatever modal is open is rejected, so that the test fails instead of hanging; the
    returned list then says so."""
    problems: list[str] = []
    deadline = time.monotonic() + timeout_ms / 1000

    def look() -> None:
        dlg = QApplication.activeModalWidget()
        if isinstance(dlg, kind) and dlg.isVisible():
            QTimer.singleShot(50, lambda: act(dlg))  # once its own loop runs and it has focus
        elif time.monotonic() < deadline:
            QTimer.singleShot(20, look)
        else:
            problems.append(f"no {kind.__name__} opened within {timeout_ms} ms")
            if isinstance(dlg, QDialog):
                dlg.reject()

    QTimer.singleShot(0, look)
    return problems
