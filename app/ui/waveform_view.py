"""The waveform: envelope from the peak pyramid, segments, playhead; zoom is continuous."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFocusEvent, QPen
from PySide6.QtWidgets import QFrame, QVBoxLayout

from app.audio.peaks import Pyramid, envelope
from app.model.annotation import Segment
from app.ui.segments_item import SegmentsItem

MIN_SPAN_S = 0.05


class WaveformView(QFrame):
    seek_requested = Signal(float)
    segment_selected = Signal(int)
    boundary_moving = Signal(int, str, float)
    boundary_moved = Signal(int, str, float)
    view_changed = Signal(float, float)

    def __init__(self) -> None:
        super().__init__()
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setObjectName("waveform")
        self.plot = pg.PlotWidget(background="w")
        self.plot.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        self.plot.setMouseEnabled(x=True, y=False)
        self.plot.getAxis("left").hide()
        self.plot.getAxis("bottom").setLabel("time", units="s")
        self.vb = self.plot.getViewBox()
        self.vb.setYRange(-1.0, 1.0, padding=0.02)
        self.vb.disableAutoRange()
        self.curve = pg.PlotDataItem(pen=pg.mkPen(QColor(40, 70, 120), width=1))
        self.curve.setZValue(0)
        self.plot.addItem(self.curve)
        self.segments_item = SegmentsItem()
        self.plot.addItem(self.segments_item)
        pen = QPen(QColor(220, 40, 40))
        pen.setWidth(2)
        pen.setCosmetic(True)
        self.playhead = pg.InfiniteLine(pos=0.0, angle=90, movable=False, pen=pen)
        self.playhead.setZValue(10)
        self.plot.addItem(self.playhead)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(2, 2, 2, 2)
        lay.addWidget(self.plot)
        self.mono: np.ndarray | None = None
        self.pyramid: Pyramid | None = None
        self.rate = 16000
        self.duration_s = 0.0
        self._redraw = QTimer(self)
        self._redraw.setSingleShot(True)
        self._redraw.setInterval(0)
        self._redraw.timeout.connect(self._draw_envelope)
        self.vb.sigXRangeChanged.connect(self._range_changed)
        self.segments_item.segment_clicked.connect(self._clicked)
        self.segments_item.boundary_moving.connect(self.boundary_moving)
        self.segments_item.boundary_moved.connect(self.boundary_moved)

    # -- content ------------------------------------------------------------------------------
    def set_audio(
        self, mono: np.ndarray | None, pyramid: Pyramid | None, rate: int, duration_s: float
    ) -> None:
        self.mono, self.pyramid, self.rate = mono, pyramid, rate
        self.duration_s = max(duration_s, MIN_SPAN_S)
        self.vb.setLimits(xMin=0.0, xMax=self.duration_s, minXRange=MIN_SPAN_S)
        self.show_range(0.0, self.duration_s)
        self._draw_envelope()

    def set_segments(self, segments: tuple[Segment, ...], selected: int) -> None:
        self.segments_item.set_segments(segments, selected, self.duration_s)

    def set_playhead(self, t_s: float) -> None:
        self.playhead.setValue(t_s)

    def _range_changed(self, *_args: object) -> None:
        self._redraw.start()
        x0, x1 = self.visible_range()
        self.view_changed.emit(x0, x1)

    def _draw_envelope(self) -> None:
        if self.mono is None or self.pyramid is None:
            self.curve.setData([], [])
            return
        x0, x1 = self.visible_range()
        px = max(100, int(self.vb.width()) or 800)
        x, lo, hi = envelope(
            self.mono, self.pyramid, int(x0 * self.rate), int(x1 * self.rate) + 1, px
        )
        if not len(x):
            self.curve.setData([], [])
            return
        xs = np.repeat(x / self.rate, 2)
        ys = np.empty(2 * len(lo), dtype=np.float32)
        ys[0::2], ys[1::2] = lo, hi
        self.curve.setData(xs, ys)

    # -- view ---------------------------------------------------------------------------------
    def visible_range(self) -> tuple[float, float]:
        (x0, x1), _ = self.vb.viewRange()
        return float(x0), float(x1)

    def show_range(self, x0: float, x1: float) -> None:
        x0, x1 = max(0.0, x0), min(self.duration_s, x1)
        if x1 - x0 < MIN_SPAN_S:
            x1 = min(self.duration_s, x0 + MIN_SPAN_S)
        self.vb.setXRange(x0, x1, padding=0)

    def zoom(self, factor: float, around_s: float | None = None) -> None:
        x0, x1 = self.visible_range()
        c = (x0 + x1) / 2 if around_s is None else around_s
        span = max(MIN_SPAN_S, min(self.duration_s, (x1 - x0) / factor))
        frac = (c - x0) / max(x1 - x0, 1e-9)
        start = min(max(0.0, c - frac * span), max(0.0, self.duration_s - span))
        self.show_range(start, start + span)

    def show_all(self) -> None:
        self.show_range(0.0, self.duration_s)

    def ensure_visible(self, start_s: float, end_s: float) -> None:
        """Scroll (and zoom out if needed) so that [start_s, end_s] is in view."""
        x0, x1 = self.visible_range()
        if start_s >= x0 and end_s <= x1:
            return
        span = max(x1 - x0, (end_s - start_s) * 1.2)
        mid = (start_s + end_s) / 2
        self.show_range(max(0.0, mid - span / 2), max(0.0, mid - span / 2) + span)

    def _clicked(self, index: int, t: float) -> None:
        self.setFocus(Qt.FocusReason.MouseFocusReason)
        if index >= 0:
            self.segment_selected.emit(index)
        self.seek_requested.emit(t)

    def focusInEvent(self, e: QFocusEvent) -> None:  # noqa: N802
        self.setStyleSheet("#waveform { border: 2px solid #3a7bd5; }")
        super().focusInEvent(e)

    def focusOutEvent(self, e: QFocusEvent) -> None:  # noqa: N802
        self.setStyleSheet("")
        super().focusOutEvent(e)
