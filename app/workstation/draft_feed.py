"""A draft transcript for the open recording when it came without a hypothesis: decoded on a
worker with progress in the status line, kept in the local store as a draft, shown and
compared like a hypothesis, and filling the segments that hold no text (one undo step)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer

from app.audio.align import unavailable
from app.audio.clip import Clip
from app.audio.pauses import speech_spans
from app.audio.source import MIX
from app.model.annotation import Segment, fill_from_draft
from app.model.conventions import Conventions
from app.model.task import Task
from app.ui.main_window import MainWindow
from app.workstation.editor import Editor
from app.workstation.tasks import QtRunner

if TYPE_CHECKING:
    from app.audio.recognise import Recogniser

PROGRESS_MS = 250


class DraftFeed(QObject):
    def __init__(
        self, runner: QtRunner, editor: Editor, window: MainWindow, conv: Conventions
    ) -> None:
        super().__init__()
        self.runner, self.editor, self.window, self.conv = runner, editor, window, conv
        self.recogniser: Recogniser | None = None  # made at the first draft
        self.running: str | None = None  # the task being drafted
        self.done = 0.0
        self._stop = False
        self.key_hint = ""  # the command's key, as the keymap binds it (set by the controller)
        self.finished: list[Callable[[], None]] = []  # for tests: after each draft is stored
        self._timer = QTimer(self)
        self._timer.setInterval(PROGRESS_MS)
        self._timer.timeout.connect(self._progress)

    def toggle(self, clip: Clip | None) -> None:
        """Draft the open recording; while a draft runs, stop it."""
        task, w = self.editor.task, self.window
        if self.running is not None:
            self._stop = True
            w.say("Stopping the draft…")
            return
        if task is None:
            return
        why = self._why_not(task, clip)
        if why:
            w.say(why, error=True)
            return
        assert clip is not None and self.editor.annotation is not None
        spans = speech_of(clip, self.editor.annotation.segments)
        if not spans:
            w.say("No speech found in this recording's segments: nothing to draft.", error=True)
            return
        self.running, self.done, self._stop = task.id, 0.0, False
        rec, rate = self._recogniser(), clip.sample_rate_hz

        def work() -> tuple[Segment, ...] | None:
            return rec.draft(
                lambda first, n: clip.source.read(first, n, MIX),
                rate,
                spans,
                progress=lambda f: setattr(self, "done", f),
                cancelled=lambda: self._stop,
            )

        self.runner.background(work, lambda d: self._drafted(task, d), self._failed)
        self._timer.start()
        self._progress()

    def _recogniser(self) -> Recogniser:
        if self.recogniser is None:
            # imported here: the recogniser's module (and importlib.metadata) is not needed
            # until a draft is asked for, and a window starts faster without it
            from app.audio.recognise import Recogniser

            self.recogniser = Recogniser()
        return self.recogniser

    def _why_not(self, task: Task, clip: Clip | None) -> str:
        if task.asr_text:
            return "This recording came with an ASR hypothesis; a draft is for those without one."
        missing = unavailable(self.conv, "No draft")
        if missing:
            return missing
        if clip is None:
            return "The recording is still being opened; try again in a moment."
        if not clip.complete:
            return "The waveform is still being drawn; draft once it is complete."
        return ""

    def _progress(self) -> None:
        if self.running is not None:
            self.window.say(
                f"Drafting a transcript locally: {100 * self.done:.0f} %"
                f" ({self.key_hint or 'the same command'} again stops it)"
            )

    def _end(self) -> None:
        self.running = None
        self._timer.stop()

    def _failed(self, exc: BaseException) -> None:
        self._end()
        self.window.say(f"The draft failed: {exc}", error=True)

    def _drafted(self, task: Task, draft: tuple[Segment, ...] | None) -> None:
        self._end()
        if draft is None:
            self.window.say("Draft stopped; nothing was kept.")
            return
        from app.audio.recognise import recogniser_name  # imported by the draft already

        store, by = self.editor.store, recogniser_name()

        def keep() -> list[Task]:
            store.set_draft(task.id, draft, by)
            return store.tasks()

        self.runner.write(
            keep,
            lambda tasks: self._stored(task, draft, by, tasks),
            lambda exc: self.window.say(f"The draft could not be saved: {exc}", error=True),
        )

    def _stored(self, task: Task, draft: tuple[Segment, ...], by: str, tasks: list[Task]) -> None:
        e = self.editor
        e.set_tasks(tasks)
        words = sum(len(s.text.split()) for s in draft)
        name = Path(task.audio_path).name
        if e.task is not None and e.task.id == task.id:
            e.note_activity()
            e.apply("Draft transcript", fill_from_draft, draft)
            self.window.say(
                f"Draft of {name}: {words} words from {by}; segments that held"
                " no text now hold it (one undo takes it back)."
            )
        else:
            self.window.say(f"Draft of {name} ready: {words} words; it is there when you open it.")
        for f in self.finished:
            f()


def speech_of(clip: Clip, segments: tuple[Segment, ...]) -> list[tuple[float, float]]:
    """Speech between pauses inside each segment, from the waveform's own peak data."""
    base = clip.pyramid(MIX).levels[0]
    out: list[tuple[float, float]] = []
    for s in segments:
        out += speech_spans(
            base.mins, base.maxs, base.block, clip.sample_rate_hz, start_s=s.start_s, end_s=s.end_s
        )
    return out
