"""Keyboard helpers: keys go to whatever has focus, as they would for a person."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

C, S, A = (
    Qt.KeyboardModifier.ControlModifier,
    Qt.KeyboardModifier.ShiftModifier,
    Qt.KeyboardModifier.AltModifier,
)
NONE = Qt.KeyboardModifier.NoModifier


def press(qtbot: object, key: Qt.Key, mods: Qt.KeyboardModifier = NONE) -> None:
    target = QApplication.focusWidget()
    assert target is not None, "something must have keyboard focus"
    qtbot.keyClick(target, key, mods)  # type: ignore[attr-defined]


def type_text(qtbot: object, text: str) -> None:
    target = QApplication.focusWidget()
    assert target is not None, "something must have keyboard focus"
    qtbot.keyClicks(target, text)  # type: ignore[attr-defined]
