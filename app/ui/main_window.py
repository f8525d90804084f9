"""The annotation screen: composes the panels; holds no business state."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QGuiApplication, QShowEvent
from PySide6.QtWidgets import (
    QFrame,
    QLabel,
    QMainWindow,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app.model.conventions import Conventions
from app.model.taxonomy import Taxonomy
from app.ui.labels_panel import LabelsPanel
from app.ui.queue_panel import QueuePanel
from app.ui.spectrogram_view import SpectrogramView
from app.ui.transcript_panel import TranscriptPanel
from app.ui.waveform_view import WaveformView


class MainWindow(QMainWindow):
    closing = Signal()

    def __init__(self, taxonomy: Taxonomy, conventions: Conventions) -> None:
        super().__init__()
        self.setWindowTitle("Earmark")
        self.queue = QueuePanel()
        self.waveform = WaveformView()
        self.spectrogram = SpectrogramView(self.waveform.plot)
        self.spectrogram.hide()
        self.transcript = TranscriptPanel(conventions)
        self.labels = LabelsPanel(taxonomy)
        self.banner = QLabel()
        self.banner.setWordWrap(True)
        self.banner.setStyleSheet(
            "background: #fff3cd; color: #5c4400; padding: 6px; border: 1px solid #e0c36c;"
        )
        self.banner.hide()
        self.item_title = QLabel()
        self.item_title.setStyleSheet("font-size: 14px; font-weight: bold;")
        center = QWidget()
        cl = QVBoxLayout(center)
        cl.setContentsMargins(4, 4, 4, 4)
        cl.addWidget(self.banner)
        cl.addWidget(self.item_title)
        vsplit = QSplitter(Qt.Orientation.Vertical)
        vsplit.addWidget(self.waveform)
        vsplit.addWidget(self.spectrogram)
        vsplit.addWidget(self.transcript)
        vsplit.setStretchFactor(0, 2)
        vsplit.setStretchFactor(1, 2)
        vsplit.setStretchFactor(2, 3)
        cl.addWidget(vsplit, 1)
        self.vsplit = vsplit
        split = QSplitter(Qt.Orientation.Horizontal)
        split.setObjectName("main_split")
        split.addWidget(self.queue)
        split.addWidget(center)
        split.addWidget(self.labels)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 4)
        split.setStretchFactor(2, 1)
        split.setSizes([230, 820, 280])
        self.split = split
        self.setCentralWidget(split)
        self.saved = QLabel()
        self.playback = QLabel()
        self.pedal = QLabel()
        self.sync = QLabel()
        self.timer = QLabel()
        self.message = QLabel()
        self.message.setWordWrap(False)
        sb = self.statusBar()
        sb.addWidget(self.message, 1)
        sb.addPermanentWidget(self.sync)
        sb.addPermanentWidget(self.pedal)
        sb.addPermanentWidget(self.playback)
        sb.addPermanentWidget(self.timer)
        sb.addPermanentWidget(self.saved)
        self._fitted_shown = False
        self.fit_to_screen(1360, 820)

    def showEvent(self, e: QShowEvent) -> None:  # noqa: N802 - Qt's name
        """Once shown, the frame's size is known: fit again with it (now and after the window
        manager has placed the window)."""
        super().showEvent(e)
        if not self._fitted_shown:
            self._fitted_shown = True
            self.fit_to_screen()
            QTimer.singleShot(0, self.fit_to_screen)

    def fit_to_screen(self, width: int | None = None, height: int | None = None) -> None:
        """At most the available part of the screen the window is on (a 1366×768 laptop keeps
        its status bar and last flag in view), and wholly on it; by default the current size."""
        screen = self.screen() or QGuiApplication.primaryScreen()
        if screen is None:
            return
        room = screen.availableGeometry()
        frame = self.frameGeometry().size() - self.geometry().size()  # title bar and borders
        w = min(width or self.width(), room.width() - max(frame.width(), 0))
        h = min(height or self.height(), room.height() - max(frame.height(), 32))
        self.resize(max(w, 640), max(h, 480))
        x = min(max(self.x(), room.left()), room.right() - self.frameGeometry().width() + 1)
        y = min(max(self.y(), room.top()), room.bottom() - self.frameGeometry().height() + 1)
        self.move(max(x, room.left()), max(y, room.top()))

    def add_review_panel(self, panel: QWidget) -> None:
        """Review mode: the comparison with the annotator's work, above the transcript (it
        scrolls when the window is too short for all of it)."""
        area = QScrollArea()
        area.setWidget(panel)
        area.setWidgetResizable(True)
        area.setFrameShape(QFrame.Shape.NoFrame)
        area.setMinimumHeight(190)
        self.vsplit.insertWidget(2, area)
        self.vsplit.setStretchFactor(2, 2)
        self.setWindowTitle(self.windowTitle() + " — review")

    def show_banner(self, text: str) -> None:
        self.banner.setText(text)
        self.banner.setVisible(bool(text))

    def say(self, text: str, error: bool = False) -> None:
        self.message.setStyleSheet("color: #b00000;" if error else "")
        self.message.setText(text)
        self.message.setToolTip(text)

    def show_saved(self, saved: bool, error: str) -> None:
        if error:
            self.saved.setText("⚠ Not saved")
            self.saved.setStyleSheet("color: #b00000; font-weight: bold;")
            self.saved.setToolTip(error)
        else:
            self.saved.setText("✔ Saved" if saved else "Saving…")
            self.saved.setStyleSheet("color: #006e3c;" if saved else "color: #806000;")
            self.saved.setToolTip("")

    def closeEvent(self, e: QCloseEvent) -> None:  # noqa: N802
        self.closing.emit()
        super().closeEvent(e)
