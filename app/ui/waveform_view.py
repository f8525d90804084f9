"""The waveform: envelope from the peak pyramid, segments, playhead; zoom is continuous."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFocusEvent, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QFrame, QVBoxLayout

from app.audio.clip import Clip
from app.audio.peaks import envelope
from app.audio.source import MIX
from app.model.annotation import Segment
from app.ui import watermark
from app.ui.overview import OverviewStrip
from app.ui.segments_item import SegmentsItem

MIN_SPAN_S = 0.05
AXIS_WIDTH_PX = 58


class _Plot(pg.PlotWidget):  # type: ignore[misc]
    """The plot, drawing the watermark last (its scene's units are the view's pixels)."""

    mark: QPixmap | None = None

    def drawForeground(self, painter: QPainter, rect: QRectF) -> None:  # noqa: N802
        super().drawForeground(painter, rect)
        if self.mark is not None:
            watermark.draw_over(painter, rect, self.mark)


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
        self.plot = _Plot(background="w")
        self.plot.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        self.plot.setMouseEnabled(x=True, y=False)
        left = self.plot.getAxis("left")
        left.setStyle(showValues=False)
        left.setWidth(AXIS_WIDTH_PX)  # the spectrogram below has the same: their times line up
        self.plot.getAxis("bottom").setLabel("time", units="s")
        self.vb = self.plot.getViewBox()
        self.vb.setYRange(-1.0, 1.0, padding=0.02)
        self.vb.disableAutoRange()
        self.curves: list[pg.PlotDataItem] = []
        self.segments_item = SegmentsItem()
        self.plot.addItem(self.segments_item)
        pen = QPen(QColor(220, 40, 40))
        pen.setWidth(2)
        pen.setCosmetic(True)
        self.playhead = pg.InfiniteLine(pos=0.0, angle=90, movable=False, pen=pen)
        self.playhead.setZValue(10)
        self.plot.addItem(self.playhead)
        # proposed segments (segments from pauses, before they are accepted): bars along the top
        self.proposals = self._bars(QColor(0, 110, 200, 200), 6)
        # stretches a muting project covered by a tone: bars along the bottom, with their kind
        self.muted = self._bars(QColor(170, 0, 170, 210), 8)
        self.muted_labels: list[pg.TextItem] = []
        self.overview = OverviewStrip(AXIS_WIDTH_PX)
        self.overview.jump_requested.connect(self.centre_on)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(2, 2, 2, 2)
        lay.setSpacing(2)
        lay.addWidget(self.overview)
        lay.addWidget(self.plot)
        self.clip: Clip | None = None
        self.listening = MIX  # the channel being played, or the mix
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

    def _bars(self, color: QColor, width: int) -> pg.PlotCurveItem:
        """Bars over the waveform, one per pair of points, of a width that ignores the zoom."""
        pen = QPen(color)
        pen.setWidth(width)
        pen.setCosmetic(True)
        bars = pg.PlotCurveItem(pen=pen, connect="pairs")
        bars.setZValue(9)
        self.plot.addItem(bars)
        return bars

    # -- content ------------------------------------------------------------------------------
    def set_clip(self, clip: Clip | None, duration_s: float, listening: int = MIX) -> None:
        """Show a recording: one band per channel; None while it loads."""
        self.clip, self.listening = clip, listening
        self.rate = clip.sample_rate_hz if clip else self.rate
        self.duration_s = max(duration_s, MIN_SPAN_S)
        bands = clip.channels if clip else 1
        while len(self.curves) < bands:
            curve = pg.PlotDataItem()
            self.plot.addItem(curve)
            self.curves.append(curve)
        for k, curve in enumerate(self.curves):
            curve.setVisible(k < bands)
        self.vb.setLimits(xMin=0.0, xMax=self.duration_s, minXRange=MIN_SPAN_S)
        self.vb.setYRange(-1.0, 2.0 * bands - 1.0, padding=0.02)
        self.segments_item.set_bands(bands)
        self.overview.set_clip(clip, self.duration_s)
        self.show_range(0.0, self.duration_s)
        self._draw_envelope()

    def set_listening(self, channel: int) -> None:
        self.listening = channel
        self._draw_envelope()

    def set_segments(self, segments: tuple[Segment, ...], selected: int) -> None:
        self.segments_item.set_segments(segments, selected, self.duration_s)
        self.overview.set_segments(segments)

    def set_proposals(self, spans: list[tuple[float, float]]) -> None:
        """Draw proposed segments over the waveform (an empty list clears them)."""
        top = self.vb.viewRange()[1][1] - 0.05
        xs = np.array([t for span in spans for t in span], dtype=float)
        self.proposals.setData(xs, np.full(len(xs), top))

    @property
    def mark(self) -> QPixmap | None:
        """The watermark's tile (who and when), if the project asks for one."""
        return self.plot.mark

    def set_watermark(self, text: str | None) -> None:
        """`text` faintly over the waveform, in front of its filled segments; None: none."""
        clear = QColor(0, 0, 0, 0)
        ratio = self.plot.devicePixelRatioF()
        self.plot.mark = watermark.tile(text, clear, ratio) if text else None
        viewport = self.plot.viewport()
        if viewport is not None:
            viewport.update()

    def set_muted(self, stretches: tuple[tuple[float, float, str], ...]) -> None:
        """Stretches the server covered by a tone, each named by its kind's tag."""
        for label in self.muted_labels:
            self.plot.removeItem(label)
        bottom = self.vb.viewRange()[1][0] + 0.05
        xs = np.array([t for a, b, _k in stretches for t in (a, b)], dtype=float)
        self.muted.setData(xs, np.full(len(xs), bottom))
        self.muted_labels = []
        for a, _b, kind in stretches:
            label = pg.TextItem(f"muted [{kind}]", color=(140, 0, 140), anchor=(0, 1))
            label.setPos(a, bottom + 0.05)
            self.plot.addItem(label)
            self.muted_labels.append(label)

    def set_playhead(self, t_s: float) -> None:
        self.playhead.setValue(t_s)

    def refresh_peaks(self) -> None:
        """Pyramids are still building: draw what there is."""
        self._draw_envelope()
        self.overview.refresh(self.clip)

    def _range_changed(self, *_args: object) -> None:
        self._redraw.start()
        x0, x1 = self.visible_range()
        self.overview.set_window(x0, x1)
        self.view_changed.emit(x0, x1)

    def _draw_envelope(self) -> None:
        clip = self.clip
        if clip is None:
            for curve in self.curves:
                curve.setData([], [])
            return
        x0, x1 = self.visible_range()
        px = max(100, int(self.vb.width()) or 800)
        start, stop = int(x0 * self.rate), int(x1 * self.rate) + 1
        channels = [MIX] if clip.channels == 1 else list(range(clip.channels))
        for band, ch in enumerate(channels):
            curve = self.curves[band]
            heard = self.listening in (MIX, ch)
            curve.setPen(pg.mkPen(QColor(40, 70, 120) if heard else QColor(160, 170, 185), width=1))
            pyr = clip.pyramid(ch)

            def read(s: int, n: int, ch: int = ch) -> np.ndarray:
                return clip.source.read(s, n, ch)

            x, lo, hi = envelope(read, pyr, start, stop, px)
            if not len(x):
                curve.setData([], [])
                continue
            offset = 2.0 * (len(channels) - 1 - band)  # first channel on top
            xs = np.repeat(x / self.rate, 2)
            ys = np.empty(2 * len(lo), dtype=np.float32)
            ys[0::2], ys[1::2] = lo + offset, hi + offset
            curve.setData(xs, ys)

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

    def centre_on(self, t_s: float) -> None:
        """The view, at its width, around t_s (a click in the overview)."""
        x0, x1 = self.visible_range()
        span = x1 - x0
        start = min(max(0.0, t_s - span / 2), max(0.0, self.duration_s - span))
        self.show_range(start, start + span)

    def page(self, step: int) -> None:
        """The view moved by its own width, back (-1) or forward (1)."""
        x0, x1 = self.visible_range()
        span = x1 - x0
        start = min(max(0.0, x0 + step * span), max(0.0, self.duration_s - span))
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
