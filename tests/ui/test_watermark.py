"""A project's watermark: the signed-in user's name and the time, faint, beneath the recording
and the transcript, in what the screen shows and never in the text."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtGui import QColor, QImage

from app.ui import watermark
from app.workstation.watermark import WatermarkClock
from tests.ui.keys import type_text
from tests.ui.test_lock import close
from tests.ui.windows import annotator_window
from tests.workstation.sync.conftest import Server
from tests.workstation.sync.conftest import server as server  # noqa: F401  (the real server fixture)


def pattern_matches(shown: QImage, tile: QImage, rows: range) -> float:
    """The share of pixels in `rows` of `shown` equal to the tile repeated from the origin."""
    tw, th = tile.width(), tile.height()
    same = total = 0
    for y in rows:
        for x in range(0, shown.width(), 3):
            total += 1
            same += shown.pixel(x, y) == tile.pixel(x % tw, y % th)
    return same / total


def ink_pixels(image: QImage) -> int:
    """Pixels that are not the background's white."""
    white = QColor("white").rgb()
    return sum(
        image.pixel(x, y) != white
        for y in range(0, image.height(), 2)
        for x in range(0, image.width(), 2)
    )


def test_the_watermark_names_the_user_in_the_screenshot_not_in_the_text(
    qtbot: Any, server: Server, tmp_path: Path
) -> None:
    server.cli("project", "watermark", "va", "on")
    ws, client = annotator_window(qtbot, server, tmp_path)
    ctrl = ws.ctrl
    try:
        clock = ctrl.watermark
        assert isinstance(clock, WatermarkClock) and clock.text().startswith("ann_a · 20")
        edit = ctrl.window.transcript.edit
        edit.setFocus()
        qtbot.waitUntil(edit.hasFocus)
        type_text(qtbot, "what time is it")
        assert edit.toPlainText() == "what time is it"  # nothing of the mark in the text
        qtbot.wait(50)
        view = edit.viewport()
        shown = view.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
        ratio = view.devicePixelRatioF()
        tile = watermark.tile(clock.text(), QColor("white"), ratio).toImage()
        tile = tile.convertToFormat(QImage.Format.Format_RGB32)
        assert ink_pixels(tile) > 50  # the tile holds the name's letters
        below_text = range(shown.height() * 2 // 3, shown.height() - 2)
        assert pattern_matches(shown, tile, below_text) > 0.98
        # and the comparison can fail: another name's tile does not match what is shown
        other = watermark.tile("someone_else · 2026-01-01 00:00", QColor("white"), ratio)
        other_image = other.toImage().convertToFormat(QImage.Format.Format_RGB32)
        assert pattern_matches(shown, other_image, below_text) < 0.95
        # over the recording: the plot draws the same mark last, in front of its segments
        waveform = ctrl.window.waveform
        plot_view = waveform.plot.viewport()
        clear = QColor(0, 0, 0, 0)
        expected = watermark.tile(clock.text(), clear, plot_view.devicePixelRatioF()).toImage()
        assert waveform.mark is not None and waveform.mark.toImage() == expected
        with_mark = plot_view.grab().toImage()
        waveform.set_watermark(None)
        without = plot_view.grab().toImage()
        waveform.set_watermark(clock.text())
        assert with_mark != without  # it is in what the screen shows
        assert plot_view.grab().toImage() == with_mark  # and the same again
        ctrl.window.grab().save(str(tmp_path / "watermark.png"))
    finally:
        close(ws, client)


def test_no_watermark_unless_the_project_asks(qtbot: Any, server: Server, tmp_path: Path) -> None:
    ws, client = annotator_window(qtbot, server, tmp_path)
    try:
        assert ws.ctrl.watermark is None
        view = ws.ctrl.window.transcript.edit.viewport()
        shown = view.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
        rows = range(shown.height() * 2 // 3, shown.height() - 2)
        white = QColor("white").rgb()
        assert all(shown.pixel(x, y) == white for y in rows for x in range(0, shown.width(), 3))
        assert ws.ctrl.window.waveform.mark is None
    finally:
        close(ws, client)
