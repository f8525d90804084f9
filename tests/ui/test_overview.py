"""The overview strip: the whole recording with the window the waveform shows; a click and the
keys move that window; nothing is drawn again while nothing changes."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QEvent, QObject, QPointF, Qt
from PySide6.QtWidgets import QApplication

from app.workstation.controller import Controller
from tests.ui.keys import NONE, A, press


class Paints(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.n = 0

    def eventFilter(self, _watched: QObject, e: QEvent) -> bool:  # noqa: N802
        if e.type() == QEvent.Type.Paint:
            self.n += 1
        return False


def test_a_click_and_the_keys_move_the_window(qtbot: object, workstation: Controller) -> None:
    w = workstation.window.waveform
    ov = w.overview
    duration = w.duration_s
    assert ov.isVisible() and ov.height() <= 60
    w.show_range(0.0, duration / 4)
    assert ov.window_item.getRegion() == pytest.approx(w.visible_range())
    # a click centres the waveform's window there
    target = duration * 0.6
    scene = ov.vb.mapViewToScene(QPointF(target, 0.0))
    at = ov.mapFromScene(scene)
    qtbot.mouseClick(ov.viewport(), Qt.MouseButton.LeftButton, pos=at)  # type: ignore[attr-defined]
    x0, x1 = w.visible_range()
    assert (x0 + x1) / 2 == pytest.approx(target, abs=duration * 0.02)
    assert ov.window_item.getRegion() == pytest.approx((x0, x1))
    # keys: Alt+PgUp anywhere, PgUp on the waveform
    w.show_range(duration / 4, duration / 2)
    workstation.window.transcript.edit.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is workstation.window.transcript.edit)  # type: ignore[attr-defined]
    press(qtbot, Qt.Key.Key_PageUp, A)
    assert w.visible_range() == pytest.approx((0.0, duration / 4), abs=1e-6)
    w.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is w)  # type: ignore[attr-defined]
    press(qtbot, Qt.Key.Key_PageDown, NONE)
    assert w.visible_range() == pytest.approx((duration / 4, duration / 2), abs=1e-6)
    assert ov.window_item.getRegion() == pytest.approx(w.visible_range())


def test_nothing_is_drawn_again_while_nothing_changes(
    qtbot: object, workstation: Controller
) -> None:
    ov = workstation.window.waveform.overview
    workstation.player.pause()
    qtbot.wait(300)  # type: ignore[attr-defined]
    paints = Paints()
    ov.viewport().installEventFilter(paints)
    qtbot.wait(800)  # type: ignore[attr-defined]
    assert paints.n == 0
    workstation.window.waveform.show_range(0.0, workstation.window.waveform.duration_s / 2)
    qtbot.waitUntil(lambda: paints.n > 0, timeout=2_000)  # type: ignore[attr-defined]
