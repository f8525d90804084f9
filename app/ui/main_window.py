"""The annotation screen: composes the panels; holds no business state.

What the workstation's control code may ask of it is its own methods below (say, show a banner
of a kind, show the sync state, focus a part, ask a choice...) and its panels' methods (the
waveform, the spectrogram, the transcript, the labels, the queue): never their inner widgets,
and never a widget's text read back as state."""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QGuiApplication, QShowEvent
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QFrame,
    QLabel,
    QMainWindow,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app.audio.pauses import PauseSettings
from app.keymap import Cmd, Keymap
from app.model.conventions import Conventions
from app.model.taxonomy import Taxonomy
from app.ui.dialogs import CheatSheetDialog, KeyPreferencesDialog, PickDialog
from app.ui.labels_panel import LabelsPanel
from app.ui.pauses_dialog import PausesDialog, Spans
from app.ui.queue_panel import QueuePanel
from app.ui.spectrogram_view import SpectrogramView
from app.ui.transcript_panel import TranscriptPanel
from app.ui.waveform_view import WaveformView

if TYPE_CHECKING:  # review mode's widgets and the wire types: imported when review opens
    from app.protocol import QualityOut, ReasonCode
    from app.ui.review_panel import DashboardDialog, ReviewPanel


class Part(Enum):
    """What can take the keyboard."""

    WAVEFORM = "waveform"
    TRANSCRIPT = "transcript"
    QUEUE = "queue"


class Banner(Enum):
    """What the banner over the item is about: each kind clears only itself."""

    NOTICE = "notice"  # files left out, no sound device
    CONFLICT = "conflict"  # changed elsewhere while you worked
    REVIEW = "review"  # why a reviewer sent it back


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
        self._banner_kind = Banner.NOTICE
        self._review = False
        self._dashboard: DashboardDialog | None = None
        self._locked_away: QWidget | None = None  # the panels, while locked
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

    def add_review_panel(self) -> ReviewPanel:
        """Review mode: the comparison with the annotator's work, above the transcript (it
        scrolls when the window is too short for all of it)."""
        from app.ui.review_panel import ReviewPanel

        panel = ReviewPanel()
        area = QScrollArea()
        area.setWidget(panel)
        area.setWidgetResizable(True)
        area.setFrameShape(QFrame.Shape.NoFrame)
        area.setMinimumHeight(190)
        self.vsplit.insertWidget(2, area)
        self.vsplit.setStretchFactor(2, 2)
        self._review = True
        self.setWindowTitle(self.windowTitle() + " — review")
        return panel

    def show_banner(self, kind: Banner, text: str) -> None:
        self._banner_kind = kind
        self.banner.setText(text)
        self.banner.setVisible(bool(text))

    def clear_banner(self, kind: Banner) -> None:
        """The banner gone if it is of this kind (another kind's stays)."""
        if self._banner_kind == kind:
            self.show_banner(kind, "")

    def show_sync(self, text: str, online: bool) -> None:
        self.sync.setText(text)
        self.sync.setStyleSheet("" if online else "color: #b00000;")

    def show_item(self, title: str) -> None:
        self.item_title.setText(title)

    def show_work_time(self, active_ms: int) -> None:
        self.timer.setText(f"Time {active_ms // 60000}:{active_ms // 1000 % 60:02d}")

    def show_playback(self, text: str) -> None:
        self.playback.setText(text)

    def show_pedal(self, connected: bool) -> None:
        self.pedal.setText("pedal" if connected else "")

    def show_spectrogram(self, shown: bool) -> None:
        self.spectrogram.setVisible(shown)

    def set_title(self, title: str) -> None:
        self.setWindowTitle(title + (" — review" if self._review else ""))

    def focus(self, part: Part) -> None:
        widget = {
            Part.WAVEFORM: self.waveform,
            Part.TRANSCRIPT: self.transcript.edit,
            Part.QUEUE: self.queue.list,
        }[part]
        widget.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def back_to_typing(self) -> None:
        """After a dialog: the window active again, the caret in the transcript."""
        self.activateWindow()
        self.transcript.edit.setFocus(Qt.FocusReason.OtherFocusReason)

    def listening_widgets(self) -> list[QWidget]:
        """Where bare keys act (nothing is typed there)."""
        return [self.waveform, self.queue.list]

    def typing_widgets(self) -> list[QWidget]:
        return [self.transcript.edit]

    # -- questions ----------------------------------------------------------------------------
    def ask_choice(self, title: str, options: list[str], free_text: bool = False) -> str | None:
        """One of `options` (or, with `free_text`, anything typed); None when cancelled."""
        dialog = PickDialog(self, title, options, free_text=free_text)
        accepted = dialog.exec() == QDialog.DialogCode.Accepted
        choice = dialog.choice() if accepted else None
        self.back_to_typing()
        return choice

    def ask_keymap(self, keymap: Keymap) -> Keymap | None:
        dialog = KeyPreferencesDialog(self, keymap)
        accepted = dialog.exec() == QDialog.DialogCode.Accepted
        self.back_to_typing()
        return dialog.keymap if accepted else None

    def show_cheat_sheet(self, keymap: Keymap, available: Callable[[Cmd], bool]) -> None:
        CheatSheetDialog(self, keymap, available).exec()
        self.back_to_typing()

    def ask_pauses(
        self, where: str, propose: Callable[[PauseSettings], Spans], settings: PauseSettings
    ) -> tuple[PauseSettings, Spans] | None:
        """Segments from pauses for `where`: the settings and the spans proposed with them, the
        proposal drawn over the waveform while they change; None when cancelled."""
        waveform = self.waveform
        dialog = PausesDialog(self, where, propose, waveform.set_proposals, settings)
        accepted = dialog.exec() == QDialog.DialogCode.Accepted
        waveform.set_proposals([])
        self.back_to_typing()
        return (dialog.settings(), dialog.spans) if accepted else None

    def ask_rejection(
        self, reasons: list[ReasonCode], span: tuple[float, float] | None, duration_s: float
    ) -> tuple[str, str, tuple[float, float] | None] | None:
        """A reviewer's rejection: the reason code, the comment and the time range it is
        pinned to (None: the whole item); None when cancelled."""
        from app.ui.review_panel import RejectDialog

        dialog = RejectDialog(self, reasons, span, duration_s)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return dialog.reason(), dialog.comment.text().strip(), dialog.pinned()

    def show_dashboard(self, figures: QualityOut) -> DashboardDialog:
        """The quality figures, in a window of their own beside this one."""
        from app.ui.review_panel import DashboardDialog

        self._dashboard = DashboardDialog(self, figures)
        self._dashboard.show()
        return self._dashboard

    def set_watermark(self, text: str | None) -> None:
        """`text` (who is signed in, and when) faintly beneath the recording and the
        transcript, so that a photograph of the screen names who showed it; None: none."""
        self.waveform.set_watermark(text)
        self.transcript.set_watermark(text)

    # -- the lock -----------------------------------------------------------------------------
    def lock_screen(self, panel: QWidget) -> None:
        """Nothing of the work shown: the panels (recording, transcript, queue, labels) taken
        out for `panel`, the dashboard and any dialog closed, the menus and the message off."""
        if self._locked_away is not None:
            return
        for w in QApplication.topLevelWidgets():
            if isinstance(w, QDialog) and w.isVisible():
                w.reject()  # a dialog asks again; the dashboard is reopened with its key
        away = self.takeCentralWidget()
        assert away is not None
        away.hide()
        self._locked_away = away
        self.setCentralWidget(panel)
        panel.show()
        self.menuBar().setEnabled(False)
        self.say("")

    def unlock_screen(self) -> None:
        """The panels back where they were."""
        if self._locked_away is None:
            return
        panel = self.takeCentralWidget()
        if panel is not None:
            panel.hide()
            panel.setParent(None)
        self.setCentralWidget(self._locked_away)
        self._locked_away.show()
        self._locked_away = None
        self.menuBar().setEnabled(True)

    @property
    def locked(self) -> bool:
        return self._locked_away is not None

    def layout_state(self) -> tuple[bytes, bytes]:
        """The window's geometry and its panels' split, to restore at the next start."""
        return bytes(self.saveGeometry().data()), bytes(self.split.saveState().data())

    def restore_layout(self, geometry: bytes | None, split: bytes | None) -> None:
        if geometry is not None:
            self.restoreGeometry(QByteArray(geometry))
            self.fit_to_screen()  # saved on a larger screen, or one no longer there
        if split is not None:
            self.split.restoreState(QByteArray(split))

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
