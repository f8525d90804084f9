"""Wires the window's intents to the editor and the player, and redraws on their changes.

Built once with everything it needs by the composition root (app/main.py), for one mode: on a
server's project it is given the `ServerSync` that runs the passes; its commands come from the
mode's table (app/workstation/modes.py), installed into its `Actions`.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer

from app.audio.clip import Clip
from app.audio.source import MIX
from app.keymap import HOLD_TO_PLAY, PEDALS, Cmd, Keymap
from app.model import annotation as ops
from app.model.checks import submission_problems
from app.model.task import Task
from app.model.taxonomy import most_used
from app.ui.actions import Actions
from app.ui.main_window import Banner, MainWindow, Part
from app.workstation.clip_feed import ClipFeed
from app.workstation.draft_feed import DraftFeed
from app.workstation.editor import Editor
from app.workstation.pedals import PedalEvent
from app.workstation.personal_controls import Spotter
from app.workstation.player import Player
from app.workstation.project import ImportReport, Progress, Project, scan_source
from app.workstation.spectrogram_feed import SpectrogramFeed
from app.workstation.store.db import Queue
from app.workstation.store.settings import Preferences, Settings
from app.workstation.tasks import QtRunner
from app.workstation.word_feed import WordFeed

if TYPE_CHECKING:  # a server's project only: its modules are imported by the server's mode
    from app.workstation.server_sync import ServerSync
    from app.workstation.sync.base import SyncStatus

log = logging.getLogger(__name__)
POLL_MS = 30
RETRY_SAVE_MS = 2000  # after a failed save (full disk, locked store), try again on our own


class Controller(QObject):
    def __init__(
        self,
        project: Project,
        editor: Editor,
        player: Player,
        runner: QtRunner,
        settings: Settings,
        window: MainWindow,
        actions: Actions,
        sync: ServerSync | None = None,
    ) -> None:
        super().__init__()
        self.project, self.editor, self.player = project, editor, player
        self.runner, self.settings, self.window = runner, settings, window
        self.actions, self.sync = actions, sync
        self.prefs: Preferences = settings.load()
        self.keymap = actions.keymap
        self.clip: Clip | None = None
        self.most_used: list[str] = []
        self._follow = True
        self.opened_at = 0.0
        self.first_paint_ms: float | None = None
        self.drafts = DraftFeed(runner, editor, window, project.conventions)
        w = window
        self.actions.fill_menus()
        self._show_key_hints()
        self._restore_layout()
        self._retry = QTimer(self)
        self._retry.setSingleShot(True)
        self._retry.setInterval(RETRY_SAVE_MS)
        self._retry.timeout.connect(self.editor.retry_save)
        self.submitted_at: float | None = None
        self._shut_down = False
        self.scan: Progress | None = None
        self.channel = MIX
        self.clips = ClipFeed(
            runner,
            window,
            project.audio_key,
            shown=lambda: self.clip,
            wanted=lambda: self.editor.task.audio_path if self.editor.task else None,
            show=self._show_clip,
        )
        self.spectrogram = SpectrogramFeed(runner, window.spectrogram, lambda: self.clip)
        self.words = WordFeed(runner, project.conventions, window.transcript)
        self.spotter = Spotter()
        self.words.on_aligned = lambda: self.words.show(self.clip, self.segment())
        self._caret_at = -1  # where following the playhead last put the caret
        self.next_ready_ms: list[float] = []
        self.pedal_pressed: list[Callable[[], None]] = []  # someone at the pedals (the lock)
        self.watermark: QObject | None = None  # who and when, over the item, if asked for
        self.lock: QObject | None = None  # the screen lock, where the project has one
        self.player.rewind_on_pause_s = self.prefs.rewind_on_pause_s
        if sync is not None:
            sync.synced.append(self._synced)
        self._connect()
        self._poll = QTimer(self)
        self._poll.setInterval(POLL_MS)
        self._poll.timeout.connect(self._tick)
        self._poll.start()
        w.spectrogram.set_range_db(self.prefs.spectrogram_range_db)
        w.show_spectrogram(self.prefs.spectrogram_shown)
        if not player.available:
            w.show_banner(Banner.NOTICE, player.unavailable_reason())

    # -- wiring -------------------------------------------------------------------------------
    def _connect(self) -> None:
        w, e = self.window, self.editor
        e.changed.append(self.refresh)
        e.task_opened.append(self._task_opened)
        e.save_state_changed.append(self._save_state)
        e.error.append(lambda msg: w.say(msg, error=True))
        w.queue.open_requested.connect(self.open_item)
        w.transcript.text_edited.connect(self._text_edited)
        w.transcript.segment_selected.connect(self.select_segment)
        w.waveform.segment_selected.connect(self.select_segment)
        w.waveform.seek_requested.connect(self.player.seek)
        w.waveform.boundary_moving.connect(self._boundary_preview)
        w.waveform.boundary_moved.connect(self._boundary_moved)
        w.waveform.view_changed.connect(self._view_changed)
        w.labels.intent_picked.connect(lambda name: self.apply("Intent", ops.set_intent, name))
        w.labels.flag_toggled.connect(lambda f: self.apply("Flag", ops.toggle_flag, f))
        w.labels.done_picking.connect(lambda: w.focus(Part.TRANSCRIPT))
        w.closing.connect(self.shutdown)
        w.spectrogram.window_needed.connect(
            lambda x0, x1, px: self.spectrogram.ask(self.clip, self.channel, x0, x1, px)
        )
        w.spectrogram.range_changed.connect(
            lambda db: self.set_prefs(replace(self.prefs, spectrogram_range_db=db))
        )
        self.player.state_changed.connect(self.show_playback)

    def apply(self, label: str, fn: object, *args: object) -> bool:
        self.editor.note_activity()
        return self.editor.apply(label, fn, *args)  # type: ignore[arg-type]

    def back_to_typing(self) -> None:
        """After a dialog: the window active again, the caret in the transcript."""
        self.window.back_to_typing()

    def segment(self) -> ops.Segment | None:
        ann = self.editor.annotation
        return None if ann is None else ann.segments[self.editor.segment]

    def play_segment(self) -> None:
        seg = self.segment()
        if seg is not None:
            self.player.play(seg.start_s, seg.end_s)

    # -- queue and audio ----------------------------------------------------------------------
    def start(self) -> None:
        """The window is up: the queue is read on a worker, then work resumes where it was;
        then a local project's recordings are checked, or a server's project syncs."""
        self.opened_at = time.perf_counter()
        self.window.focus(Part.TRANSCRIPT)
        store = self.editor.store
        self.runner.background(store.queue, self._loaded, self._scan_failed)

    def _loaded(self, queue: Queue) -> None:
        self.editor.load(queue)
        self.editor.resume()
        if self.sync is not None:
            self.sync.start()
            return
        self.scan = Progress()
        source, store, scan = self.project.source, self.editor.store, self.scan
        tier = self.project.tier
        self.runner.background(
            lambda: scan_source(source, store.file_stamps(), scan, tier),
            self._scanned,
            self._scan_failed,
        )

    def _scanned(self, report: ImportReport) -> None:
        store = self.editor.store

        def queue_them() -> list[Task]:
            store.upsert_tasks(report.accepted, report.stamps)
            return store.tasks()

        self.runner.write(queue_them, lambda tasks: self._queued(report, tasks), self._scan_failed)

    def _synced(self, _status: SyncStatus) -> None:
        task = self.editor.task
        if task is not None and self.clip is None:
            self.clips.load(task.audio_path)  # it may have just arrived (or been fetched again)

    def _queued(self, report: ImportReport, tasks: list[Task]) -> None:
        self.scan = None
        self.editor.set_tasks(tasks)
        if self.editor.task is None:
            self.editor.resume()
        else:
            self.window.queue.show_queue(
                self.editor.tasks, self.editor.statuses(), self.editor.index
            )
        if report.refused:
            names = "; ".join(f"{r.name}: {r.reason}" for r in report.refused[:5])
            more = f" (and {len(report.refused) - 5} more)" if len(report.refused) > 5 else ""
            self.window.show_banner(
                Banner.NOTICE, f"{len(report.refused)} file(s) left out of the queue: {names}{more}"
            )
        kept = ""
        if report.notes:
            kept = f" Not kept from the files: {report.notes[0]}" + (
                f" (and {len(report.notes) - 1} more; `earmark import` lists them)"
                if len(report.notes) > 1
                else ""
            )
        if not self.editor.tasks:
            self.window.say("No recordings in this project." + kept, error=True)
        else:
            self.window.say(f"{len(self.editor.tasks)} recording(s) in the queue.{kept}")

    def _scan_failed(self, exc: BaseException) -> None:
        self.scan = None
        self.window.say(f"Could not read the project's recordings: {exc}", error=True)

    def open_item(self, index: int) -> None:
        self.editor.open_task(index)

    def _task_opened(self) -> None:
        task = self.editor.task
        if task is None:
            return
        counts = Counter(a.intent for _r, a in self.editor.annotations().values() if a.intent)
        self.most_used = most_used(dict(counts), self.project.taxonomy)
        self.window.show_item(
            f"{self.editor.index + 1}/{len(self.editor.tasks)}  {task.name}"
            f"  ·  {task.duration_s:.1f} s  ·  {task.sample_rate_hz} Hz"
        )
        self.window.queue.show_queue(self.editor.tasks, self.editor.statuses(), self.editor.index)
        self.player.stop()
        self.window.waveform.set_muted(task.muted)
        if self.sync is not None:
            self.sync.show_banners()
        clip = self.clips.get(task.audio_path)
        if clip is not None:
            self._show_clip(clip)
        else:
            self.clip = None
            self.window.waveform.set_clip(None, task.duration_s)
            self.clips.load(task.audio_path)
        tasks, k = self.editor.tasks, self.editor.index
        self.clips.prefetch(tasks[j].audio_path for j in (k + 1, k + 2) if 0 <= j < len(tasks))

    def pedal(self, event: PedalEvent) -> None:
        """A pedal pressed or released (on the GUI thread); keys typed nowhere."""
        action = PEDALS.get(event.pedal.name.lower() if event.pedal.name else "")
        for listener in self.pedal_pressed:
            listener()
        if action is None or self.window.locked:
            return
        self.editor.note_activity()
        if action == HOLD_TO_PLAY:
            if event.pressed and not self.player.playing:
                self.player.play(self.player.position_s())
            elif not event.pressed and self.player.playing:
                keep = self.player.rewind_on_pause_s
                self.player.rewind_on_pause_s = self.prefs.pedal_rewind_s
                self.player.pause()
                self.player.rewind_on_pause_s = keep
        elif event.pressed:
            self.actions.trigger(Cmd(action))

    def pedal_connected(self, connected: bool) -> None:
        self.window.say("Foot pedal connected." if connected else "Foot pedal unplugged.")
        self.window.show_pedal(connected)

    def toggle_spectrogram(self) -> None:
        shown = not self.prefs.spectrogram_shown
        self.window.show_spectrogram(shown)
        self.set_prefs(replace(self.prefs, spectrogram_shown=shown))

    def _show_clip(self, clip: Clip) -> None:
        self.clip = clip
        w = self.window.waveform
        w.set_clip(clip, clip.duration_s, self.channel)
        self.window.spectrogram.set_rate(clip.sample_rate_hz)
        self.player.set_audio(clip.source, self.channel)
        self.player.seek(self.editor.playhead_s)
        if self.editor.view is not None:
            w.show_range(*self.editor.view)
        self.refresh()
        if self.submitted_at is not None:
            self.next_ready_ms.append((time.perf_counter() - self.submitted_at) * 1000)
            self.submitted_at = None
            log.info("next item ready %.1f ms after submit", self.next_ready_ms[-1])
        if self.first_paint_ms is None and self.opened_at:
            self.first_paint_ms = (time.perf_counter() - self.opened_at) * 1000
            log.info("first waveform shown %.0f ms after start", self.first_paint_ms)

    # -- redraw -------------------------------------------------------------------------------
    def refresh(self) -> None:
        a, task, w = self.editor.annotation, self.editor.task, self.window
        if a is None or task is None:
            return
        w.waveform.set_segments(a.segments, self.editor.segment)
        draft_by = "" if task.asr_text else task.draft_by
        seg = a.segments[self.editor.segment]
        found = self.spotter.candidates(task.id, seg, self.project.conventions)
        w.transcript.show_annotation(a, self.editor.segment, task.hypothesis, draft_by, found)
        self.words.want(self.clip, a.segments, self.editor.segment)
        self.words.show(self.clip, a.segments[self.editor.segment])
        w.labels.show_annotation(a, self.most_used)
        w.show_work_time(a.active_ms)
        self._save_state()

    def _save_state(self) -> None:
        self.window.show_saved(self.editor.is_saved, self.editor.save_error)
        if self.editor.save_error and not self._retry.isActive():
            self._retry.start()

    def show_playback(self) -> None:
        p = self.player
        parts = [f"{p.speed:.2f}×", "loop" if p.loop else ""]
        if self.clip is not None and self.clip.channels > 1:
            parts.append("mix" if self.channel == MIX else f"channel {self.channel + 1}")
        if p.rewind_on_pause_s:
            parts.append(f"rewind {p.rewind_on_pause_s:.1f} s")
        if p.error:
            self.window.say(p.error, error=True)
        self.window.show_playback("  ".join(x for x in parts if x))

    def _tick(self) -> None:
        if self.scan is not None and self.scan.total:
            self.window.say(
                f"Checking recordings: {self.scan.done} of {self.scan.total} ({self.scan.current})"
            )
        if self.clip is None:
            return  # the player still holds the previous recording (or none)
        pos = self.player.position_s()
        self.editor.playhead_s = pos
        self.window.waveform.set_playhead(pos)
        if self.player.playing and self._follow:
            x0, x1 = self.window.waveform.visible_range()
            if pos > x1 or pos < x0:
                span = x1 - x0
                self.window.waveform.show_range(pos - 0.1 * span, pos + 0.9 * span)
        self._follow_words(pos)

    def _follow_words(self, pos: float) -> None:
        """The word being heard highlighted; with the caret following, the caret on it (and the
        segment being heard selected)."""
        a, playing = self.editor.annotation, self.player.playing
        if a is None:
            return
        follow = playing and self.prefs.caret_follows_playhead
        if follow:
            k = ops.segment_at(a.segments, pos)
            if k is not None and k != self.editor.segment:
                self.editor.select_segment(k)
        at = self.words.heard(self.clip, a.segments[self.editor.segment], pos, playing)
        if follow and at >= 0 and at != self._caret_at:
            self.window.transcript.set_caret(at)
        self._caret_at = at

    # -- edits from the widgets ---------------------------------------------------------------
    def _text_edited(self, text: str) -> None:
        e = self.editor
        if e.task is None:
            return
        self.apply_text(text)

    def apply_text(self, text: str) -> None:
        e = self.editor
        e.note_activity()
        e.apply("Typing", ops.set_text, e.segment, text, coalesce_key=("text", e.index, e.segment))

    def select_segment(self, index: int) -> None:
        if index != self.editor.segment:
            self.editor.select_segment(index)

    def _boundary_preview(self, index: int, edge: str, t: float) -> None:
        a = self.editor.annotation
        if a is None:
            return
        try:
            preview = ops.move_boundary(a, index, edge, t, self.player.duration_s or 1e9)
        except ops.EditError:
            return
        self.window.waveform.set_segments(preview.segments, self.editor.segment)

    def _boundary_moved(self, index: int, edge: str, t: float) -> None:
        dur = self.clip.duration_s if self.clip else 1e9
        self.apply("Move boundary", ops.move_boundary, index, edge, t, dur)

    def _view_changed(self, x0: float, x1: float) -> None:
        self.editor.view = (x0, x1)

    def check(self, a: ops.Annotation) -> list[str]:
        return submission_problems(
            a, self.project.conventions, self.project.taxonomy, self.actions.hint(Cmd.PICK_INTENT)
        )

    def _show_key_hints(self) -> None:
        """Every key named in the window, as the keymap binds it now."""
        w = self.window
        self.drafts.key_hint = self.actions.hint(Cmd.DRAFT_TRANSCRIPT)
        hint = self.actions.hint
        w.transcript.set_key_hints(
            self.actions.global_sequences(),
            hint(Cmd.MARK_SLOT),
            self.drafts.key_hint,
            f"{hint(Cmd.CONFIRM_PERSONAL)} confirms, {hint(Cmd.DISMISS_PERSONAL)} dismisses",
        )
        w.labels.set_key_hints(self.actions.hint)

    def set_keymap(self, keymap: Keymap) -> None:
        self.keymap = keymap
        self.actions.rebuild(keymap)
        self._show_key_hints()
        self.set_prefs(
            replace(self.prefs, key_preset=keymap.preset, key_overrides=keymap.overrides_json())
        )

    def set_prefs(self, prefs: Preferences) -> None:
        self.prefs = prefs
        self.player.rewind_on_pause_s = prefs.rewind_on_pause_s
        self.settings.save(prefs)
        self.show_playback()

    def _restore_layout(self) -> None:
        geometry = self.settings.ui_state("geometry")
        split = self.settings.ui_state("main_split")
        self.window.restore_layout(geometry, split)

    def shutdown(self) -> None:
        """Once, on close: layout kept, playhead and place saved, every write committed."""
        if self._shut_down:
            return
        self._shut_down = True
        if self.sync is not None:
            self.sync.stop()
        geometry, split = self.window.layout_state()
        self.settings.set_ui_state("geometry", geometry)
        self.settings.set_ui_state("main_split", split)
        self._poll.stop()
        self.editor.save_session()
        self.player.shutdown()
        self.runner.drain()
