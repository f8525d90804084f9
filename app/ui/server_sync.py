"""The controller's part for a server's project: sync passes, their status, conflicts."""

from __future__ import annotations

from typing import Any

from app.keymap import Cmd
from app.model.annotation import Annotation
from app.store.sync_tables import ReviewNote
from app.sync.engine import SyncStatus

SYNC_EVERY_S = 10.0


class ServerSync:
    """Mixed into Controller; it provides engine, runner, editor, window, actions, timers."""

    engine: Any
    runner: Any
    editor: Any
    window: Any
    actions: Any
    _syncing: bool
    _sync_timer: Any
    sync_status: SyncStatus | None
    sync_passes: int
    review_notes: dict[str, ReviewNote]
    clip: Any
    _load: Any

    # -- sync with a server ----------------------------------------------------------------
    def sync_now(self) -> None:
        engine = self.engine
        if engine is None:
            self.window.say("This project is local: there is no server to sync with.")
            return
        if self._syncing:
            return
        self._syncing = True
        self.runner.background(engine.sync_once, self._synced, self._sync_failed)

    def _sync_failed(self, exc: BaseException) -> None:
        self._syncing = False
        self.window.sync.setText("sync failed")
        self.window.say(f"Sync failed: {exc}", error=True)

    def _synced(self, status: SyncStatus) -> None:
        self._syncing = False
        self.sync_status = status
        self.sync_passes += 1
        self.review_notes = self.engine.review_notes()
        returned = {t: n.submission for t, n in self.review_notes.items() if n.returned}
        self.editor.returned = returned
        self.window.queue.returned = set(returned)
        self.editor.reload_tasks()
        if self.editor.task is None:
            self.editor.resume()
        elif status.assigned or status.removed or status.reviewed:
            self.window.queue.show_queue(
                self.editor.tasks, self.editor.statuses(), self.editor.index
            )
        state = "online" if status.online else "offline"
        parts = [state, f"{status.pending} to send"]
        if status.conflicts:
            parts.append(f"{status.conflicts} conflict(s)")
        self.window.sync.setText(" · ".join(parts))
        self.window.sync.setStyleSheet("" if status.online else "color: #b00000;")
        if status.message:
            self.window.say(status.message, error=not status.online)
        if status.removed:
            self.window.say(f"{len(status.removed)} item(s) were withdrawn by the server.")
        back = [t for t in status.reviewed if t in returned]
        if back:
            self.window.say(
                f"{len(back)} item(s) came back from review: they are marked ↩ in the queue."
            )
        self._show_conflict()
        self.show_review_note()
        task = self.editor.task
        if task is not None and self.clip is None:
            self._load(task.audio_path)  # it may have just arrived (or been fetched again)
        # the next pass comes SYNC_EVERY_S after this one (or when the server said), not on a
        # fixed beat: a pass after a submit pushes the timer's pass back
        self._sync_timer.start(
            int(1000 * max(SYNC_EVERY_S, self.engine.backoff_s if self.engine else 0))
        )

    def show_review_note(self) -> None:
        """On an item a reviewer sent back: why, where, and what to do."""
        task = self.editor.task
        note = self.review_notes.get(task.id) if task is not None else None
        if note is None or not note.returned:
            if self.window.banner.text().startswith("Sent back by review"):
                self.window.show_banner("")
            return
        where = ""
        if note.start_s is not None and note.end_s is not None:
            where = f" at {note.start_s:.2f}–{note.end_s:.2f} s"
        said = f": “{note.comment}”" if note.comment else ""
        self.window.show_banner(
            f"Sent back by review — {note.reason_title or note.reason}{where}{said}. "
            f"Fix it and submit again ({self.actions.hint(Cmd.SUBMIT_NEXT)})."
        )

    def _show_conflict(self) -> None:
        task = self.editor.task
        if self.engine is None or task is None:
            return
        conflict = self.engine.conflicts().get(task.id)
        if conflict is None:
            if self.window.banner.text().startswith("Changed elsewhere"):
                self.window.show_banner("")
            return
        theirs = conflict["doc"]
        try:
            their_text = Annotation.from_json(theirs).transcript
        except (KeyError, TypeError, ValueError):
            their_text = str(theirs)[:200]
        mine = self.editor.annotation.transcript if self.editor.annotation else ""
        self.window.show_banner(
            f"Changed elsewhere while you worked. Server: “{their_text}”. Yours: “{mine}”. "
            f"{self.actions.hint(Cmd.KEEP_MINE)} keeps yours, "
            f"{self.actions.hint(Cmd.TAKE_THEIRS)} takes the server's."
        )

    def resolve_conflict(self, keep_mine: bool) -> None:
        task, engine = self.editor.task, self.engine
        if engine is None or task is None:
            return
        conflict = engine.conflicts().get(task.id)
        if conflict is None:
            self.window.say("This item has no conflict.")
            return
        if not keep_mine:
            try:
                theirs = Annotation.from_json(conflict["doc"])
            except (KeyError, TypeError, ValueError):
                self.window.say(
                    "The server's version cannot be shown here; keep yours.", error=True
                )
                return
            self.editor.apply("Take the server's version", lambda _a: theirs)
        engine.tables.keep_mine(task.id)
        self.window.show_banner("")
        self.sync_now()
