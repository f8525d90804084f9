"""A window that locks when nobody is at it.

After the project's idle time (no key, no click, no mouse movement, no pedal, nothing playing),
on Ctrl+Alt+L, or when the server ends the session, the window stops playback, keeps where the
annotator was, and shows the lock panel in place of the work; every command is held. What
unlocks it is checked by someone else than this window: the server checks the second factor
again (POST /auth/unlock, throttled like sign-in), or a full sign-in when the session ended.
Back, the window shows the same item, segment, caret, playhead and view; nothing typed is lost,
since every edit is in the store before the lock (the editor writes each one as it is made).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QObject, QTimer

from app.ui.activity import ActivityWatch
from app.ui.lock_panel import Ask, LockPanel
from app.ui.main_window import Part
from app.workstation.controller import Controller

CHECK_EVERY_MS = 1000


@dataclass(frozen=True)
class Unlocker:
    """Who checks what unlocks the window, each run off the GUI thread; each raises an
    exception whose text is said to the user when it refuses."""

    ask: Ask  # what an idle lock asks for: the code, or a password
    check: Callable[[str, str], None]  # (password, code) for an idle lock
    sign_in: Callable[[str, str], None] | None = None  # (password, code) after the session ended
    who: str = ""


@dataclass(frozen=True)
class Place:
    task_id: str | None
    segment: int
    caret: int
    playhead_s: float
    view: tuple[float, float] | None


class ScreenLock(QObject):
    def __init__(self, ctrl: Controller, unlocker: Unlocker, after_s: float) -> None:
        super().__init__()
        self.ctrl, self.unlocker, self.after_s = ctrl, unlocker, after_s
        self.panel = LockPanel()
        self.panel.unlock.connect(self._try)
        self.place: Place | None = None
        self.asking = unlocker.ask
        self.last_activity = time.monotonic()
        self.locked_at: float | None = None
        self.watch = ActivityWatch(self.touch)
        self._check = QTimer(self)
        self._check.setInterval(CHECK_EVERY_MS)
        self._check.timeout.connect(self._idle_check)
        if after_s > 0:
            self._check.start()
        ctrl.window.closing.connect(self._closing)

    @property
    def locked(self) -> bool:
        return self.locked_at is not None

    def touch(self) -> None:
        """Someone is at it: a key, a click, the mouse (ActivityWatch), a pedal."""
        self.last_activity = time.monotonic()

    def _idle_check(self) -> None:
        if self.locked:
            return
        if self.ctrl.player.playing:
            self.touch()  # listening is working
            return
        if time.monotonic() - self.last_activity >= self.after_s:
            t = self.after_s
            idle = f"{t / 60:g} idle minute(s)" if t >= 60 else f"{t:g} idle second(s)"
            self.lock(f"Locked after {idle}: nothing of the work shows until you are back.")

    def lock(self, why: str = "Locked.", ended: bool = False) -> None:
        """Locked now; `ended`: the session ended, so unlocking signs in again."""
        asking = Ask.SIGN_IN if ended and self.unlocker.sign_in is not None else self.unlocker.ask
        if self.locked:
            if asking == Ask.SIGN_IN and self.asking != Ask.SIGN_IN:
                self.asking = asking
                self.panel.ask(asking, self.unlocker.who, why)
            return
        c = self.ctrl
        c.player.pause()
        e = c.editor
        task = e.task
        self.place = Place(
            task.id if task else None,
            e.segment,
            c.window.transcript.caret(),
            c.player.position_s() if c.clip is not None else e.playhead_s,
            e.view,
        )
        e.playhead_s = self.place.playhead_s
        e.save_session()
        self.locked_at = time.monotonic()
        self.asking = asking
        c.actions.hold(True)
        c.window.lock_screen(self.panel)
        self.panel.ask(asking, self.unlocker.who, why)

    def session_ended(self) -> None:
        self.lock("Your session has ended: sign in again to go on.", ended=True)

    def _try(self, password: str, code: str) -> None:
        check = self.unlocker.sign_in if self.asking == Ask.SIGN_IN else self.unlocker.check
        assert check is not None
        self.ctrl.runner.background(lambda: check(password, code), self._unlocked, self._refused)

    def _refused(self, exc: BaseException) -> None:
        self.panel.refused(str(exc) or "Not unlocked.")

    def _unlocked(self, _none: None) -> None:
        if not self.locked:
            return
        c, place = self.ctrl, self.place
        self.locked_at = None
        self.asking = self.unlocker.ask
        c.window.unlock_screen()
        c.actions.hold(False)
        self.touch()
        if place is not None:
            self._restore(place)
        c.window.focus(Part.TRANSCRIPT)
        c.window.say("Unlocked.")

    def _restore(self, place: Place) -> None:
        """The same item, segment, caret, playhead and view (the item reopened only if a sync
        moved the queue away from it while locked)."""
        c, e = self.ctrl, self.ctrl.editor
        ids = [t.id for t in e.tasks]
        if place.task_id is not None and (e.task is None or e.task.id != place.task_id):
            if place.task_id not in ids:
                return  # withdrawn while locked: the sync said so
            e.open_task(ids.index(place.task_id), place.segment, place.playhead_s)
        elif place.segment != e.segment:
            e.select_segment(place.segment)
        c.player.seek(place.playhead_s)
        e.playhead_s = place.playhead_s
        c.window.waveform.set_playhead(place.playhead_s)
        if place.view is not None:
            c.window.waveform.show_range(*place.view)
        c.window.transcript.set_caret(place.caret)

    def _closing(self) -> None:
        self._check.stop()
        self.watch.stop()
