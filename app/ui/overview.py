"""A thin view of the whole recording above the waveform: its envelope, the segments, and the
window the waveform shows. A click centres the waveform there. It is drawn only when the
recording, its segments or the window change (no timer), from the pyramid's coarsest useful
level: a few thousand points whatever the length."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QMouseEvent, QPen

from app.audio.clip import Clip
from app.model.annotation import Segment

HEIGHT_PX = 46
MAX_POINTS = 2048


class OverviewStrip(pg.PlotWidget):  # type: ignore[misc]  # pyqtgraph has no types
    jump_requested = Signal(float)  # the time clicked

    def __init__(self, axis_width_px: int) -> None:
        super().__init__(background="w")
        self.setObjectName("overview")
        self.setFixedHeight(HEIGHT_PX)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setMenuEnabled(False)
        self.hideButtons()
        self.setMouseEnabled(x=False, y=False)
        self.getAxis("left").setStyle(showValues=False)
        self.hideAxis("bottom")
        self.getAxis("left").setWidth(axis_width_px)  # as the waveform's: times line up
        self.vb = self.getViewBox()
        self.vb.setYRange(-1.1, 1.1, padding=0)
        self.vb.disableAutoRange()
        self.envelope = pg.PlotCurveItem(pen=pg.mkPen(QColor(120, 135, 160), width=1))
        self.addItem(self.envelope)
        seg_pen = QPen(QColor(200, 150, 40))
        seg_pen.setWidth(4)
        seg_pen.setCosmetic(True)
        self.segments = pg.PlotCurveItem(pen=seg_pen, connect="pairs")
        self.addItem(self.segments)
        self.window_item = pg.LinearRegionItem(
            movable=False, brush=pg.mkBrush(58, 123, 213, 60), pen=pg.mkPen(58, 123, 213)
        )
        self.addItem(self.window_item)
        self.duration_s = 1.0
        self._starts = np.zeros(0)
        self._ends = np.zeros(0)

    def set_clip(self, clip: Clip | None, duration_s: float) -> None:
        self.duration_s = max(duration_s, 1e-3)
        self.vb.setXRange(0.0, self.duration_s, padding=0)
        self.refresh(clip)
        self._draw_segments()

    def refresh(self, clip: Clip | None) -> None:
        """The envelope from the coarsest level that still has enough points."""
        if clip is None:
            self.envelope.setData([], [])
            return
        pyr = clip.pyramid()
        level = next((lv for lv in pyr.levels if len(lv.mins) <= MAX_POINTS), pyr.levels[-1])
        n = min(len(level.mins), (pyr.frames + level.block - 1) // level.block)
        if n <= 0:
            self.envelope.setData([], [])
            return
        x = np.repeat(np.arange(n) * level.block / clip.sample_rate_hz, 2)
        y = np.empty(2 * n, dtype=np.float32)
        y[0::2], y[1::2] = level.mins[:n], level.maxs[:n]
        self.envelope.setData(x, y, connect="pairs")

    def set_segments(self, segments: tuple[Segment, ...]) -> None:
        self._starts = np.array([s.start_s for s in segments], dtype=float)
        self._ends = np.array([s.end_s for s in segments], dtype=float)
        self._draw_segments()

    def _draw_segments(self) -> None:
        """One bar per run of segments less than a bin apart (MAX_POINTS bins across): under
        the 4 px pen they look the same, and 10,000 bars drawn again at every move of the
        window cost about 6 ms a frame."""
        starts, ends = self._starts, self._ends
        if not len(starts):
            self.segments.setData([], [])
            return
        reach = np.maximum.accumulate(ends)  # segments are in time order; overlaps are merged
        gap = self.duration_s / MAX_POINTS
        breaks = np.flatnonzero(starts[1:] - reach[:-1] > gap) + 1
        xs = np.empty(2 * (len(breaks) + 1))
        xs[0::2] = starts[np.r_[0, breaks]]
        xs[1::2] = reach[np.r_[breaks - 1, len(starts) - 1]]
        self.segments.setData(xs, np.full(len(xs), -1.0))

    def set_window(self, x0: float, x1: float) -> None:
        if tuple(self.window_item.getRegion()) != (x0, x1):
            self.window_item.setRegion((x0, x1))

    def mousePressEvent(self, e: QMouseEvent) -> None:  # noqa: N802 - Qt's name
        if e.button() == Qt.MouseButton.LeftButton:
            t = self.vb.mapSceneToView(self.mapToScene(e.position().toPoint())).x()
            self.jump_requested.emit(float(min(max(t, 0.0), self.duration_s)))
            e.accept()
            return
        super().mousePressEvent(e)
