"""The spectrogram under the waveform: same time axis, frequency axis, adjustable range."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt, QTimer, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QSpinBox, QVBoxLayout

from app.audio.spectrogram import Window
from app.ui.waveform_view import AXIS_WIDTH_PX

SETTLE_MS = 60  # compute once zooming or panning has stopped this long


class SpectrogramView(QFrame):
    window_needed = Signal(float, float, int)  # x0_s, x1_s, pixels
    range_changed = Signal(int)

    def __init__(self, link_to: pg.PlotWidget) -> None:
        super().__init__()
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.plot = pg.PlotWidget(background="k")
        self.plot.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        self.plot.setMouseEnabled(x=True, y=False)
        self.plot.getAxis("left").setLabel("frequency", units="Hz")
        self.plot.getAxis("left").setWidth(AXIS_WIDTH_PX)
        self.plot.getAxis("bottom").hide()
        self.plot.setXLink(link_to)
        self.vb = self.plot.getViewBox()
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setColorMap(pg.colormap.get("inferno"))
        self.plot.addItem(self.image)
        self.range_db = QSpinBox()
        self.range_db.setRange(20, 120)
        self.range_db.setSingleStep(5)
        self.range_db.setSuffix(" dB")
        self.range_db.setValue(70)
        self.range_db.setToolTip("Dynamic range: how far below the loudest bin is still drawn")
        self.status = QLabel()
        head = QHBoxLayout()
        head.addWidget(QLabel("<b>Spectrogram</b>  range"))
        head.addWidget(self.range_db)
        head.addStretch(1)
        head.addWidget(self.status)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(2, 2, 2, 2)
        lay.addLayout(head)
        lay.addWidget(self.plot, 1)
        self.rate = 16000
        self._last: Window | None = None
        self._settle = QTimer(self)
        self._settle.setSingleShot(True)
        self._settle.setInterval(SETTLE_MS)
        self._settle.timeout.connect(self.request)
        self.vb.sigXRangeChanged.connect(lambda *_a: self._settle.start())
        self.range_db.valueChanged.connect(self._range_changed)

    def set_range_db(self, db: int) -> None:
        """The dynamic range drawn (a preference, restored at start)."""
        self.range_db.setValue(db)

    def set_rate(self, rate: int) -> None:
        self.rate = rate
        self.vb.setYRange(0, rate / 2, padding=0)
        self.vb.setLimits(yMin=0, yMax=rate / 2)
        self.image.clear()
        self._last = None
        if self.isVisible():
            self._settle.start()

    def request(self) -> None:
        if not self.isVisible():
            return
        (x0, x1), _ = self.vb.viewRange()
        self.status.setText("computing…")
        self.window_needed.emit(float(x0), float(x1), max(100, int(self.vb.width())))

    def show_window(self, w: Window) -> None:
        self._last = w
        cols, bins = w.image.shape
        self.image.setImage(w.image.T, autoLevels=False)
        self.image.setRect(
            QRectF(w.start / self.rate, 0.0, cols * w.hop / self.rate, self.rate / 2)
        )
        self._apply_levels()
        self.status.setText(f"{bins - 1} bands, {1000 * w.hop / self.rate:.0f} ms hop")

    def _apply_levels(self) -> None:
        if self._last is None:
            return
        top = float(np.max(self._last.image))
        self.image.setLevels((top - self.range_db.value(), top))

    def _range_changed(self, value: int) -> None:
        self._apply_levels()
        self.range_changed.emit(value)

    def showEvent(self, e: object) -> None:  # noqa: N802
        super().showEvent(e)  # type: ignore[arg-type]
        self._settle.start()
