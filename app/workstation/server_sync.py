"""A server's project in the window: sync passes on a worker, and what they bring shown.

A pass runs off the GUI thread and comes back with everything the window needs (the queue,
review notes, conflicts; review items in review mode), so the window never reads the store
itself. The next pass comes SYNC_EVERY_S after the last one ended, sooner after a submit,
later when the server asked for it (Retry-After) or cannot be reached.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QTimer

from app.keymap import Cmd
from app.model.annotation import Annotation
from app.ui.main_window import Banner, MainWindow
from app.workstation.editor import Editor
from app.workstation.store.sync_tables import ReviewNote, SyncTables
from app.workstation.sync.base import Engine, SyncStatus
from app.workstation.tasks import QtRunner

SYNC_EVERY_S = 10.0


class ServerSync(QObject):
    def __init__(
        self,
        engine: Engine,
        runner: QtRunner,
        editor: Editor,
        window: MainWindow,
        hint: Callable[[Cmd], str],
        tables: SyncTables | None = None,  # an annotator's: conflicts are resolved here
    ) -> None:
        super().__init__()
        self.engine, self.runner, self.editor, self.window = engine, runner, editor, window
        self.hint, self.tables = hint, tables
        self.status: SyncStatus | None = None
        self.passes = 0
        self.notes: dict[str, ReviewNote] = {}
        self.conflicts: dict[str, dict[str, Any]] = {}
        self.synced: list[Callable[[SyncStatus], None]] = []  # after the window took a pass
        self.session_ended: list[Callable[[], None]] = []  # the server refused the session
        self.syncing = False
        self._again = False  # asked for while a pass ran: another one right after it
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.sync_now)

    def start(self) -> None:
        self.sync_now()

    def stop(self) -> None:
        self._timer.stop()

    def sync_now(self) -> None:
        """A pass, as soon as every write handed to the writer before now has committed: a
        submit (or any edit) made before this call is in the outbox when the pass reads it.
        Asked for while a pass runs, another one follows it at once."""
        if self.syncing:
            self._again = True
            return
        self._again = False
        self.syncing = True
        self.runner.after_writes(
            lambda: self.runner.background(self.engine.sync_once, self._synced, self._failed)
        )

    def _failed(self, exc: BaseException) -> None:
        self.syncing = False
        self.window.show_sync("sync failed", online=False)
        self.window.say(f"Sync failed: {exc}", error=True)
        self._timer.start(int(1000 * SYNC_EVERY_S))  # offline: asking again at once is no use

    def _synced(self, status: SyncStatus) -> None:
        self.syncing = False
        self.status, self.passes = status, self.passes + 1
        self.notes, self.conflicts = status.notes, status.conflict_docs
        returned = {t: n.submission for t, n in self.notes.items() if n.returned}
        editor, queue = self.editor, self.window.queue
        editor.returned = returned
        queue.set_marks(returned=set(returned))
        if status.tasks is not None:
            editor.set_tasks(status.tasks, status.removed, status.annotations)
        if editor.task is None:
            editor.resume()
        elif status.assigned or status.removed or status.reviewed:
            queue.show_queue(editor.tasks, editor.statuses(), editor.index)
        self._say(status, returned)
        self.show_banners()
        for listener in self.synced:
            listener(status)
        if status.session_ended:
            for ended in self.session_ended:
                ended()
        if self._again and not self.engine.backoff_s:
            self.sync_now()
            return
        self._timer.start(int(1000 * max(SYNC_EVERY_S, self.engine.backoff_s)))

    def _say(self, status: SyncStatus, returned: dict[str, int]) -> None:
        parts = ["online" if status.online else "offline", f"{status.pending} to send"]
        if status.conflicts:
            parts.append(f"{status.conflicts} conflict(s)")
        self.window.show_sync(" · ".join(parts), status.online)
        if status.message:
            self.window.say(status.message, error=not status.online)
        if status.removed:
            self.window.say(f"{len(status.removed)} item(s) were withdrawn by the server.")
        back = [t for t in status.reviewed if t in returned]
        if back:
            self.window.say(
                f"{len(back)} item(s) came back from review: they are marked ↩ in the queue."
            )

    # -- banners over the open item ---------------------------------------------------------
    def show_banners(self) -> None:
        """Over the open item: a conflict to resolve, or why a reviewer sent it back."""
        if not self._show_conflict():
            self._show_review_note()

    def review_span(self) -> tuple[float, float] | None:
        """The time range the open item's reviewer pinned a comment to, if it was sent back."""
        task = self.editor.task
        note = self.notes.get(task.id) if task is not None else None
        if note is None or not note.returned or note.start_s is None or note.end_s is None:
            return None
        return note.start_s, note.end_s

    def _show_review_note(self) -> None:
        task = self.editor.task
        note = self.notes.get(task.id) if task is not None else None
        if note is None or not note.returned:
            self.window.clear_banner(Banner.REVIEW)
            return
        where = ""
        if note.start_s is not None and note.end_s is not None:
            key = self.hint(Cmd.PLAY_REVIEW_SPAN)
            where = f" at {note.start_s:.2f}–{note.end_s:.2f} s" + (
                f" ({key} plays it)" if key else ""
            )
        said = f": “{note.comment}”" if note.comment else ""
        self.window.show_banner(
            Banner.REVIEW,
            f"Sent back by review — {note.reason_title or note.reason}{where}{said}. "
            f"Fix it and submit again ({self.hint(Cmd.SUBMIT_NEXT)}).",
        )

    def _show_conflict(self) -> bool:
        task = self.editor.task
        conflict = self.conflicts.get(task.id) if task is not None else None
        if conflict is None:
            self.window.clear_banner(Banner.CONFLICT)
            return False
        theirs = conflict["doc"]
        try:
            their_text = Annotation.from_json(theirs).transcript
        except (KeyError, TypeError, ValueError):
            their_text = str(theirs)[:200]
        mine = self.editor.annotation.transcript if self.editor.annotation else ""
        self.window.show_banner(
            Banner.CONFLICT,
            f"Changed elsewhere while you worked. Server: “{their_text}”. Yours: “{mine}”. "
            f"{self.hint(Cmd.KEEP_MINE)} keeps yours, {self.hint(Cmd.TAKE_THEIRS)} takes the "
            "server's.",
        )
        return True

    def resolve_conflict(self, keep_mine: bool) -> None:
        """Keep the local version (sent over the server's) or take the server's; the choice is
        written by the app's writer, then a pass sends it."""
        task, tables = self.editor.task, self.tables
        conflict = self.conflicts.get(task.id) if task is not None else None
        if task is None or tables is None or conflict is None:
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

        def resolved(_none: None) -> None:
            self.conflicts.pop(task.id, None)
            self.window.clear_banner(Banner.CONFLICT)
            self.sync_now()

        task_id = task.id
        self.runner.write(
            lambda: tables.keep_mine(task_id),
            resolved,
            lambda exc: self.window.say(f"The conflict was not resolved: {exc}", error=True),
        )
