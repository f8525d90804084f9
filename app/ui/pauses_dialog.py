"""Segments from pauses: the four settings, with the proposal drawn over the waveform as they
change (Enter accepts, Esc leaves everything as it was)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from app.audio.pauses import PauseSettings

Spans = list[tuple[float, float]]


class PausesDialog(QDialog):
    def __init__(
        self,
        parent: QWidget,
        where: str,
        propose: Callable[[PauseSettings], Spans],
        preview: Callable[[Spans], None],
        settings: PauseSettings,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Segments from pauses")
        self.propose, self.preview = propose, preview
        self.spans: Spans = []

        def box(value: float, low: float, high: float, step: float, suffix: str) -> QDoubleSpinBox:
            b = QDoubleSpinBox()
            b.setRange(low, high)
            b.setSingleStep(step)
            b.setDecimals(2)
            b.setSuffix(suffix)
            b.setValue(value)
            b.valueChanged.connect(lambda _v: self._later.start())
            return b

        self.threshold = box(settings.threshold_db, -80.0, -3.0, 1.0, " dB")
        self.min_pause = box(settings.min_pause_s, 0.05, 10.0, 0.05, " s")
        self.min_segment = box(settings.min_segment_s, 0.05, 30.0, 0.05, " s")
        self.padding = box(settings.padding_s, 0.0, 2.0, 0.01, " s")
        self.found = QLabel()
        form = QFormLayout()
        form.addRow("Threshold, below the loudest part:", self.threshold)
        form.addRow("A pause lasts at least:", self.min_pause)
        form.addRow("A segment lasts at least:", self.min_segment)
        form.addRow("Padding on each side:", self.padding)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Use these segments")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        note = QLabel(
            f"Proposes segments for {where}, drawn in blue over the waveform. Segments that "
            "already hold text are kept as they are; accepting is one undo step."
        )
        note.setWordWrap(True)
        lay = QVBoxLayout(self)
        lay.addWidget(note)
        lay.addLayout(form)
        lay.addWidget(self.found)
        lay.addWidget(buttons)
        self._later = QTimer(self)  # while a value is being typed or held, compute once
        self._later.setSingleShot(True)
        self._later.setInterval(120)
        self._later.timeout.connect(self.update_proposal)
        self.update_proposal()

    def settings(self) -> PauseSettings:
        return PauseSettings(
            self.threshold.value(),
            self.min_pause.value(),
            self.min_segment.value(),
            self.padding.value(),
        )

    def update_proposal(self) -> None:
        self.spans = self.propose(self.settings())
        self.preview(self.spans)
        self.found.setText(
            f"{len(self.spans)} segment(s) of speech found."
            if self.spans
            else "No speech found: lower the threshold."
        )
