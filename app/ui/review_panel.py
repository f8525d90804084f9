"""The reviewer's widgets: the side-by-side comparison, the rejection dialog, the dashboard."""

from __future__ import annotations

import html
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QColor, QKeyEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.model.annotation import FLAG_TITLES, Annotation, Flag
from app.model.diff import Op, word_diff
from app.protocol import Figures, QualityOut, ReasonCode
from app.ui.transcript_panel import diff_html

COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#17becf"]


def _text(a: Annotation) -> str:
    return " ".join(s.text for s in a.segments)


def _slots(a: Annotation, personal: bool = False) -> str:
    """Slots (or personal-data spans) as type=“words”."""
    out = []
    for seg in a.segments:
        words = seg.text.split()
        spans = seg.personal if personal else seg.slots
        out += [f"{s.type}=“{' '.join(words[s.start_word : s.end_word])}”" for s in spans]
    return ", ".join(out) or "none"


def _flags(a: Annotation) -> str:
    return ", ".join(FLAG_TITLES[Flag(f)] for f in sorted(a.flags)) or "none"


def _pair(label: str, theirs: str, yours: str) -> str:
    style = "" if theirs == yours else " style='background:#fff3cd'"
    return (
        f"<tr><td><b>{label}</b></td><td{style}>{html.escape(theirs)}</td>"
        f"<td{style}>{html.escape(yours)}</td></tr>"
    )


class ReviewPanel(QLabel):
    """The annotator's work beside the ASR hypothesis and the reviewer's version, with diffs."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("review_panel")
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.RichText)
        self.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.setStyleSheet("background: #f4f7fb; border: 1px solid #c9d6e8; padding: 6px;")

    def show_item(
        self,
        annotator: str,
        submission: int,
        asr: str,
        theirs: Annotation,
        yours: Annotation,
        decision: str,
        keys: str,
    ) -> None:
        t, y = _text(theirs), _text(yours)
        changed = sum(1 for d in word_diff(t, y) if d.op != Op.SAME)
        rows = "".join(
            [
                _pair("Intent", theirs.intent or "none", yours.intent or "none"),
                _pair("Slots", _slots(theirs), _slots(yours)),
                _pair("Personal data", _slots(theirs, True), _slots(yours, True)),
                _pair("Flags", _flags(theirs), _flags(yours)),
            ]
        )
        self.setText(
            f"<b>Review</b> · submitted by <b>{html.escape(annotator)}</b>"
            f" (submission {submission})<br>"
            f"<b>ASR → annotator:</b> {diff_html(asr, t) if asr else '<i>no ASR</i>'}<br>"
            f"<b>Annotator → yours:</b> {diff_html(t, y)}"
            f"{f' <i>({changed} word change(s))</i>' if changed else ''}"
            f"<table cellspacing='3'><tr><td></td><td><i>annotator</i></td>"
            f"<td><i>yours</i></td></tr>{rows}</table>"
            f"<b>Decision:</b> {decision}<br><span style='color:#555'>{keys}</span>"
        )


class RejectDialog(QDialog):
    """A reason code (digits pick), a comment, and the time range it is about."""

    def __init__(
        self,
        parent: QWidget | None,
        reasons: list[ReasonCode],
        span: tuple[float, float] | None,
        duration_s: float = 0.0,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Reject: send back to the annotator")
        self.reasons = reasons
        self.list = QListWidget()
        for k, r in enumerate(reasons):
            self.list.addItem(f"{k + 1}  {r.title}")
        self.list.setCurrentRow(0)
        self.list.installEventFilter(self)
        self.comment = QLineEdit()
        self.comment.setPlaceholderText("What to fix (the annotator sees this)")
        self.pin = QCheckBox("About the time range (the current segment's, or type one):")
        self.start, self.end = QDoubleSpinBox(), QDoubleSpinBox()
        for box in (self.start, self.end):
            box.setDecimals(2)
            box.setSuffix(" s")
            box.setRange(0.0, max(duration_s, span[1] if span else 0.0))
            box.setSingleStep(0.1)
        if span is not None:
            self.start.setValue(span[0])
            self.end.setValue(span[1])
        self.pin.setChecked(span is not None)
        self.pin.toggled.connect(self.start.setEnabled)
        self.pin.toggled.connect(self.end.setEnabled)
        self.start.setEnabled(span is not None)
        self.end.setEnabled(span is not None)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Reject")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(QLabel("Reason (press its number):"))
        lay.addWidget(self.list)
        lay.addWidget(QLabel("Comment:"))
        lay.addWidget(self.comment)
        lay.addWidget(self.pin)
        times = QHBoxLayout()
        times.addWidget(QLabel("from"))
        times.addWidget(self.start)
        times.addWidget(QLabel("to"))
        times.addWidget(self.end)
        times.addStretch(1)
        lay.addLayout(times)
        lay.addWidget(buttons)
        self.list.setFocus()
        self.resize(460, 380)

    def eventFilter(self, watched: QObject, e: QEvent) -> bool:  # noqa: N802 - Qt's name
        """A digit in the reason list picks that reason and moves on to the comment."""
        if watched is self.list and e.type() == QEvent.Type.KeyPress:
            assert isinstance(e, QKeyEvent)
            text = e.text()
            if text.isdigit() and 1 <= int(text) <= len(self.reasons):
                self.list.setCurrentRow(int(text) - 1)
                self.comment.setFocus()
                return True
        return super().eventFilter(watched, e)

    def reason(self) -> str:
        return self.reasons[max(0, self.list.currentRow())].code

    def pinned(self) -> tuple[float, float] | None:
        if not self.pin.isChecked():
            return None
        a, b = sorted((self.start.value(), self.end.value()))
        return (a, b) if b > a else None


class DashboardDialog(QDialog):
    """Quality figures: WER over time per annotator, the intent confusion matrix, a table."""

    COLUMNS = (
        ("Reviewed", "items_reviewed", "{:.0f}"),
        ("Accepted", "accepted", "{:.0f}"),
        ("Fixed", "fixed", "{:.0f}"),
        ("Rejected", "rejected", "{:.0f}"),
        ("WER", "wer", "{:.1%}"),
        ("CER", "cer", "{:.1%}"),
        ("Intent acc.", "intent_accuracy", "{:.1%}"),
        ("Kappa", "intent_kappa", "{:.2f}"),
        ("Slot F1", "slot_f1", "{:.2f}"),
        ("Personal F1", "personal_f1", "{:.2f}"),
        ("Personal recall", "personal_recall", "{:.2f}"),
        ("Flags agree", "flag_agreement", "{:.1%}"),
        ("s / item", "seconds_per_item", "{:.0f}"),
        ("Items / h", "items_per_hour", "{:.0f}"),
    )

    def __init__(self, parent: QWidget | None, q: QualityOut) -> None:
        super().__init__(parent)
        self.setWindowTitle("Quality dashboard")
        self.wer_plot = pg.PlotWidget(title="WER by day, per annotator")
        self.wer_plot.setBackground("w")
        self.wer_plot.addLegend()
        # points are in percent (100 × WER); no units given, so no SI prefix rescales the axis
        self.wer_plot.setLabel("left", "WER (%)")
        self.wer_plot.getAxis("left").enableAutoSIPrefix(False)
        days = sorted({d.day for f in q.annotators.values() for d in f.wer_by_day})
        index = {d: k for k, d in enumerate(days)}
        self.wer_plot.getAxis("bottom").setTicks([[(k, d[5:]) for d, k in index.items()]])
        for k, (who, f) in enumerate(q.annotators.items()):
            pts = [(index[d.day], 100 * d.wer) for d in f.wer_by_day if d.wer is not None]
            if pts:
                xs, ys = zip(*pts, strict=True)
                color = COLORS[k % len(COLORS)]
                self.wer_plot.plot(
                    list(xs),
                    list(ys),
                    pen=pg.mkPen(color, width=2),
                    symbol="o",
                    symbolBrush=color,
                    name=who,
                )
        top = max(
            (100 * d.wer for f in q.annotators.values() for d in f.wer_by_day if d.wer is not None),
            default=None,
        )
        if top is None:
            self.wer_plot.addItem(_note("No reviewed item has a reference transcript yet."))
        else:
            self.wer_plot.setYRange(0, top * 1.15 or 1.0)
        self.confusion = pg.PlotWidget(title="Intent: annotator's (rows) × reference")
        self.confusion.setBackground("w")
        labels = q.intent_confusion.labels
        counts = np.array(q.intent_confusion.counts or [[0]], dtype=float)
        image = pg.ImageItem(counts.T)  # ImageItem's first axis is x
        image.setColorMap(pg.colormap.get("CET-L12"))
        self.confusion.addItem(image)
        self.confusion.invertY(True)
        ticks = [(k + 0.5, name) for k, name in enumerate(labels)]
        self.confusion.getAxis("left").setTicks([ticks])
        self.confusion.getAxis("bottom").setTicks([ticks])
        for r, row in enumerate(q.intent_confusion.counts):
            for c, n in enumerate(row):
                if n:
                    label = pg.TextItem(str(n), color="k", anchor=(0.5, 0.5))
                    label.setPos(c + 0.5, r + 0.5)
                    self.confusion.addItem(label)
        if not labels:
            self.confusion.addItem(_note("No intents reviewed yet."))
        self.table = QTableWidget(len(q.annotators) + 1, len(self.COLUMNS))
        self.table.setHorizontalHeaderLabels([c[0] for c in self.COLUMNS])
        rows: list[tuple[str, Figures]] = [*q.annotators.items(), ("Project", q.project)]
        self.table.setVerticalHeaderLabels([who for who, _ in rows])
        for r, (_who, f) in enumerate(rows):
            for c, (_title, attr, fmt) in enumerate(self.COLUMNS):
                value: Any = getattr(f, attr)
                item = QTableWidgetItem("n/a" if value is None else fmt.format(value))
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if attr == "rejected" and value:
                    item.setForeground(QColor(176, 0, 0))
                self.table.setItem(r, c, item)
        self.table.resizeColumnsToContents()
        plots = QHBoxLayout()
        plots.addWidget(self.wer_plot, 3)
        plots.addWidget(self.confusion, 2)
        lay = QVBoxLayout(self)
        lay.addLayout(plots, 3)
        lay.addWidget(self.table, 2)
        self.resize(1100, 700)


def _note(text: str) -> pg.TextItem:
    item = pg.TextItem(text, color="#555", anchor=(0.5, 0.5))
    item.setPos(0.5, 0.5)
    return item
