"""All segments in one graphics item: thousands of LinearRegionItems cost a second a frame."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QLineF, QRectF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QPainter, QPen

from app.model.annotation import Segment

GRAB_PX = 5
FILLS = (QColor(70, 130, 180, 40), QColor(70, 180, 130, 40))
SELECTED_FILL = QColor(255, 200, 60, 70)
EDGE = QColor(30, 60, 90, 200)


class SegmentsItem(pg.GraphicsObject):  # type: ignore[misc]  # pyqtgraph has no types
    boundary_moving = Signal(int, str, float)  # live preview while dragging
    boundary_moved = Signal(int, str, float)  # drag finished: one undo step
    segment_clicked = Signal(int, float)

    def __init__(self) -> None:
        super().__init__()
        self.segments: tuple[Segment, ...] = ()
        self.selected = -1
        self.duration_s = 1.0
        self._starts = np.zeros(0)
        self._ends = np.zeros(0)
        self._rects: list[QRectF] = []
        self._edges: list[QLineF] = []
        self._ends_lines: list[QLineF] = []
        self._drag: tuple[int, str] | None = None
        self.bands = 1
        self.setAcceptHoverEvents(True)
        self.setZValue(-5)

    def set_segments(self, segments: tuple[Segment, ...], selected: int, duration_s: float) -> None:
        self.prepareGeometryChange()
        self.segments = segments
        self.selected = selected
        self.duration_s = max(duration_s, 1e-3)
        self._starts = np.array([s.start_s for s in segments], dtype=np.float64)
        self._ends = np.array([s.end_s for s in segments], dtype=np.float64)
        self._build_shapes()
        self.update()

    def _build_shapes(self) -> None:
        """Rectangles and edges made once per change; a frame draws a slice in a few calls."""
        h, top = self._top + 1.0, self._top
        self._rects = [QRectF(s.start_s, -1.0, s.end_s - s.start_s, h) for s in self.segments]
        self._edges = [QLineF(s.start_s, -1.0, s.start_s, top) for s in self.segments]
        self._ends_lines = [QLineF(s.end_s, -1.0, s.end_s, top) for s in self.segments]

    def set_bands(self, bands: int) -> None:
        """Channels stacked: the segments span all of them."""
        self.prepareGeometryChange()
        self.bands = max(1, bands)
        self._build_shapes()
        self.update()

    @property
    def _top(self) -> float:
        return 2.0 * self.bands - 1.0

    def boundingRect(self) -> QRectF:  # noqa: N802
        return QRectF(0.0, -1.05, self.duration_s, 2.0 * self.bands + 0.1)

    def visible_indices(self, x0: float, x1: float) -> np.ndarray:
        """Indices of segments overlapping [x0, x1]: what paint draws."""
        if not len(self._starts):
            return np.zeros(0, dtype=np.int64)
        lo = int(np.searchsorted(self._ends, x0, side="left"))
        hi = int(np.searchsorted(self._starts, x1, side="right"))
        return np.arange(lo, max(lo, hi))

    def paint(self, p: QPainter, *_args: object) -> None:
        vb = self.getViewBox()
        if vb is None or not self.segments:
            return
        (x0, x1), _ = vb.viewRange()
        idx = self.visible_indices(x0, x1)
        if not len(idx):
            return
        lo, hi = int(idx[0]), int(idx[-1]) + 1
        px_s = (x1 - x0) / max(1.0, vb.width())
        p.setPen(Qt.PenStyle.NoPen)
        if (hi - lo) * 2 < vb.width():  # fills only when each segment is a few pixels wide
            first = lo % 2
            for parity, color in ((0, FILLS[0]), (1, FILLS[1])):
                p.setBrush(QBrush(color))
                start = lo + ((parity - first) % 2)
                p.drawRects(self._rects[start:hi:2])
        if lo <= self.selected < hi:
            p.setBrush(QBrush(SELECTED_FILL))
            p.drawRect(self._rects[self.selected])
        if (hi - lo) > vb.width():
            # more boundaries than pixels: every pixel column that has one is filled, and
            # neighbouring columns as one rectangle (one per column cost ~3 ms a frame)
            col = np.floor(self._starts[lo:hi] / px_s)  # in time order, so sorted
            col = col[np.r_[True, col[1:] != col[:-1]]]
            run = np.flatnonzero(np.diff(col) > 1) + 1
            firsts = col[np.r_[0, run]] * px_s
            widths = col[np.r_[run - 1, len(col) - 1]] * px_s - firsts + px_s
            h = self._top + 1.0
            p.setBrush(QBrush(EDGE))
            p.drawRects([QRectF(x, -1.0, w, h) for x, w in zip(firsts, widths, strict=True)])
            return
        edge = QPen(EDGE)
        edge.setCosmetic(True)
        edge.setWidth(2 if (hi - lo) * 4 < vb.width() else 1)
        p.setPen(edge)
        p.drawLines(self._edges[lo:hi])
        p.drawLines(self._ends_lines[lo:hi])

    def _px_to_s(self) -> float:
        vb = self.getViewBox()
        if vb is None:
            return 0.0
        (x0, x1), _ = vb.viewRange()
        return float((x1 - x0) / max(1.0, vb.width()))

    def boundary_near(self, t: float) -> tuple[int, str] | None:
        tol = GRAB_PX * self._px_to_s()
        best: tuple[float, int, str] | None = None
        for i in self.visible_indices(t - tol, t + tol):
            for edge, v in (("start", self._starts[i]), ("end", self._ends[i])):
                d = abs(v - t)
                if d <= tol and (best is None or d < best[0]):
                    best = (d, int(i), edge)
        return None if best is None else (best[1], best[2])

    def hoverEvent(self, ev: object) -> None:  # noqa: N802
        if getattr(ev, "isExit", lambda: True)():
            self.unsetCursor()
            return
        t = ev.pos().x()  # type: ignore[attr-defined]
        if self.boundary_near(t) is not None:
            self.setCursor(Qt.CursorShape.SizeHorCursor)
        else:
            self.unsetCursor()

    def mouseDragEvent(self, ev: object) -> None:  # noqa: N802
        if ev.button() != Qt.MouseButton.LeftButton:  # type: ignore[attr-defined]
            ev.ignore()  # type: ignore[attr-defined]
            return
        if ev.isStart():  # type: ignore[attr-defined]
            self._drag = self.boundary_near(ev.buttonDownPos().x())  # type: ignore[attr-defined]
            if self._drag is None:
                ev.ignore()  # type: ignore[attr-defined]
                return
        if self._drag is None:
            ev.ignore()  # type: ignore[attr-defined]
            return
        ev.accept()  # type: ignore[attr-defined]
        i, edge = self._drag
        t = float(min(max(ev.pos().x(), 0.0), self.duration_s))  # type: ignore[attr-defined]
        if ev.isFinish():  # type: ignore[attr-defined]
            self._drag = None
            self.boundary_moved.emit(i, edge, t)
        else:
            self.boundary_moving.emit(i, edge, t)

    def mouseClickEvent(self, ev: object) -> None:  # noqa: N802
        if ev.button() != Qt.MouseButton.LeftButton:  # type: ignore[attr-defined]
            return
        t = ev.pos().x()  # type: ignore[attr-defined]
        for i in self.visible_indices(t, t):
            if self._starts[i] <= t < self._ends[i]:
                self.segment_clicked.emit(int(i), float(t))
                ev.accept()  # type: ignore[attr-defined]
                return
        self.segment_clicked.emit(-1, float(t))
        ev.accept()  # type: ignore[attr-defined]
