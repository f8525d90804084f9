"""The one place the open annotation changes: edits, undo/redo, persistence, the work queue.

Qt-free: listeners are plain callables, and database writes go through a `Runner` that the
composition root provides (one writer thread in the app, inline in tests). The editor never
reads the store after it is loaded: it starts from one `Queue` read (on a worker in the app)
and keeps every annotation it knows in memory, each document decoded once; a sync pass or an
import hands it the new queue (`set_tasks`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any, Protocol, TypeVar

from app.model import annotation as ops
from app.model.annotation import Annotation, EditError, Status
from app.model.task import Task, fresh_annotation
from app.workstation.store.db import Queue, Saved, SessionState, Store, StoreError

log = logging.getLogger(__name__)
T = TypeVar("T")

IDLE_AFTER_S = 30.0  # activity gaps longer than this are idle, not work time
COALESCE_S = 1.5  # typing in one segment within this gap is one undo step


class Runner(Protocol):
    def write(
        self,
        work: Callable[[], T],
        on_done: Callable[[T], None],
        on_fail: Callable[[BaseException], None],
    ) -> None: ...


class InlineRunner:
    """Runs writes on the caller's thread. Only tests use it, to drive an Editor without Qt; the
    app writes through QtRunner's single writer thread (app/workstation/tasks.py)."""

    def write(
        self,
        work: Callable[[], T],
        on_done: Callable[[T], None],
        on_fail: Callable[[BaseException], None],
    ) -> None:
        try:
            result = work()
        except Exception as exc:  # noqa: BLE001 - reported to the listener
            on_fail(exc)
            return
        on_done(result)


@dataclass(frozen=True, slots=True)
class UndoStep:
    label: str
    before: Annotation
    after: Annotation
    coalesce_key: tuple[Any, ...] | None
    at: float


class Editor:
    def __init__(
        self,
        store: Store,
        runner: Runner,
        clock: Callable[[], float] = time.monotonic,
        queue: Queue | None = None,
    ):
        """`queue` is what the store holds; without it, it is read here (tools and tests)."""
        self.store = store
        self.runner = runner
        self.clock = clock
        self.tasks: list[Task] = []
        self.index = -1
        self.annotation: Annotation | None = None
        self.segment = 0
        self.rev = 0
        self.saved_rev = 0
        self.save_error = ""
        self._undo: list[UndoStep] = []
        self._redo: list[UndoStep] = []
        self._last_activity: float | None = None
        self.changed: list[Callable[[], None]] = []  # annotation or current segment changed
        self.task_opened: list[Callable[[], None]] = []
        self.save_state_changed: list[Callable[[], None]] = []
        self.error: list[Callable[[str], None]] = []
        self.playhead_s = 0.0
        self.view: tuple[float, float] | None = None
        # Every item's newest revision: as loaded, then as this editor sent it to the writer
        # (a write may still be queued when the item is opened again).
        self._known: dict[str, tuple[int, Annotation]] = {}
        self.returned: dict[str, int] = {}  # task -> the submission a reviewer sent back
        self._committed: dict[str, int] = {}  # newest revision known to be committed, per item
        self._session = SessionState()
        self.load(queue if queue is not None else store.queue())

    def load(self, queue: Queue) -> None:
        """Start from what the store holds (read once, off the GUI thread in the app)."""
        self.tasks = list(queue.tasks)
        self._known = dict(queue.annotations)
        self._committed = {t: rev for t, (rev, _a) in queue.annotations.items()}
        self._session = queue.session
        self.index, self.annotation = -1, None

    # -- queue -------------------------------------------------------------------------------
    @property
    def task(self) -> Task | None:
        return self.tasks[self.index] if 0 <= self.index < len(self.tasks) else None

    def statuses(self) -> dict[str, Status]:
        """Each item's status; one a reviewer sent back is to do until it is submitted again."""
        out = {}
        for tid, (_rev, a) in self.annotations().items():
            back = tid in self.returned and a.submissions <= self.returned[tid]
            out[tid] = Status.TODO if back else a.status
        return out

    def annotations(self) -> dict[str, tuple[int, Annotation]]:
        """Every item's newest revision, stored or on its way to the store."""
        return dict(self._known)

    def set_tasks(
        self,
        tasks: list[Task],
        removed: Iterable[str] = (),
        annotations: dict[str, tuple[int, Annotation]] | None = None,
    ) -> None:
        """The queue changed (an import finished, a sync pass leased or withdrew items); the
        open item stays open. What the server deleted is forgotten here too, and what the pass
        wrote of an item new here (a reviewer's starting copy) is taken."""
        for task_id, known in (annotations or {}).items():
            if task_id not in self._known:
                self._known[task_id] = known
                self._committed[task_id] = known[0]
        for task_id in removed:
            if all(t.id != task_id for t in tasks):
                self._known.pop(task_id, None)
                self._committed.pop(task_id, None)
        current = self.task.id if self.task else None
        self.tasks = list(tasks)
        ids = [t.id for t in self.tasks]
        if current in ids:
            self.index = ids.index(current)
        elif self.task is None:
            self.index = -1
            self.annotation = None

    def resume(self) -> None:
        """Open the task, segment and place where the annotator was last time."""
        if not self.tasks:
            return
        s = self._session
        ids = [t.id for t in self.tasks]
        index = ids.index(s.task_id) if s.task_id in ids else self._first_open_index()
        self.open_task(index, segment=s.segment, playhead_s=s.playhead_s)
        if s.view_start_s is not None and s.view_end_s is not None:
            self.view = (s.view_start_s, s.view_end_s)

    def _first_open_index(self) -> int:
        statuses = self.statuses()
        for k, t in enumerate(self.tasks):
            if statuses.get(t.id, Status.TODO) == Status.TODO:
                return k
        return 0

    def open_task(self, index: int, segment: int = 0, playhead_s: float = 0.0) -> None:
        if not 0 <= index < len(self.tasks):
            return
        self._account_activity()
        task = self.tasks[index]
        stored = self._known.get(task.id)
        if stored is None:
            self.rev, self.annotation = (
                0,
                fresh_annotation(task),
            )
        else:
            self.rev, self.annotation = stored
        self.saved_rev = self._committed_rev(task.id)
        self.index = index
        self.segment = max(0, min(segment, len(self.annotation.segments) - 1))
        self.playhead_s = playhead_s
        self.view = None
        self._undo.clear()
        self._redo.clear()
        self._last_activity = None
        self.save_session()
        _emit(self.task_opened)
        _emit(self.changed)

    def next_task(self, step: int = 1) -> None:
        if self.tasks:
            self.open_task(max(0, min(len(self.tasks) - 1, self.index + step)))

    # -- edits -------------------------------------------------------------------------------
    def apply(
        self,
        label: str,
        edit: Callable[..., Annotation],
        *args: Any,
        coalesce_key: tuple[Any, ...] | None = None,
    ) -> bool:
        """Apply one edit as one undo step; False (and an error message) if it cannot apply."""
        if self.annotation is None:
            return False
        before = self.annotation
        try:
            after = edit(before, *args)
        except EditError as exc:
            _emit(self.error, str(exc))
            return False
        if after == before:
            return True
        now = self.clock()
        top = self._undo[-1] if self._undo else None
        if (
            coalesce_key is not None
            and top is not None
            and top.coalesce_key == coalesce_key
            and now - top.at < COALESCE_S
        ):
            self._undo[-1] = replace(top, after=after, at=now)
        else:
            self._undo.append(UndoStep(label, before, after, coalesce_key, now))
        self._redo.clear()
        self._set(after)
        return True

    def undo(self) -> str | None:
        if not self._undo or self.annotation is None:
            return None
        step = self._undo.pop()
        self._redo.append(step)
        self._set(replace(step.before, active_ms=self.annotation.active_ms))
        return step.label

    def redo(self) -> str | None:
        if not self._redo or self.annotation is None:
            return None
        step = self._redo.pop()
        self._undo.append(replace(step, coalesce_key=None))
        self._set(replace(step.after, active_ms=self.annotation.active_ms))
        return step.label

    def select_segment(self, index: int) -> None:
        if self.annotation is None:
            return
        self.segment = max(0, min(index, len(self.annotation.segments) - 1))
        self.save_session()
        _emit(self.changed)

    def note_activity(self) -> None:
        """A key or click: time since the last one counts as work unless it was idle."""
        now = self.clock()
        if self._last_activity is not None and self.annotation is not None:
            gap = now - self._last_activity
            if gap < IDLE_AFTER_S:
                self.annotation = ops.add_active_ms(self.annotation, int(gap * 1000))
        self._last_activity = now

    def _account_activity(self) -> None:
        if self.annotation is not None and self._last_activity is not None:
            self.note_activity()
            self._persist()

    def submit_and_next(self, check: Callable[[Annotation], list[str]]) -> bool:
        """Submit when the checker finds nothing; then open the next task."""
        if self.annotation is None:
            return False
        problems = check(self.annotation)
        if problems:
            _emit(self.error, "Not submitted: " + " ".join(problems))
            return False
        self.note_activity()
        self.apply("Submit", ops.mark_submitted)
        self._move_on()
        return True

    def skip_and_next(self, reason: str) -> bool:
        self.note_activity()
        if not self.apply("Skip", ops.mark_skipped, reason):
            return False
        self._move_on()
        return True

    def _move_on(self) -> None:
        statuses = self.statuses()
        statuses[self.tasks[self.index].id] = (
            self.annotation.status if self.annotation else Status.TODO
        )
        n = len(self.tasks)
        for step in range(1, n + 1):
            k = (self.index + step) % n
            if statuses.get(self.tasks[k].id, Status.TODO) == Status.TODO:
                self.open_task(k)
                return
        self.open_task(min(self.index + 1, n - 1))

    # -- persistence -------------------------------------------------------------------------
    def session_state(self) -> SessionState:
        task = self.task
        view = self.view or (None, None)
        return SessionState(
            task.id if task else None, self.segment, self.playhead_s, view[0], view[1]
        )

    def save_session(self) -> None:
        state = self._session = self.session_state()
        self.runner.write(lambda: self.store.save_session(state), _ignore, self._failed)

    def _set(self, after: Annotation) -> None:
        self.annotation = after
        self.segment = max(0, min(self.segment, len(after.segments) - 1))
        self._persist()
        _emit(self.changed)

    def _persist(self) -> None:
        task, annotation = self.task, self.annotation
        if task is None or annotation is None:
            return
        self.rev += 1
        rev, state = self.rev, self.session_state()
        self._known[task.id] = (rev, annotation)
        _emit(self.save_state_changed)
        self.runner.write(
            lambda: self.store.save_annotation(task.id, rev, annotation, state),
            self._saved,
            self._failed,
        )

    def _committed_rev(self, task_id: str) -> int:
        """Only a COMMIT makes a revision saved; a queued write does not."""
        return self._committed.get(task_id, 0)

    def _saved(self, saved: Saved) -> None:
        self._committed[saved.task_id] = max(self._committed.get(saved.task_id, 0), saved.rev)
        task = self.task
        if task is not None and saved.task_id == task.id:
            self.saved_rev = max(self.saved_rev, saved.rev)
        self.save_error = ""
        _emit(self.save_state_changed)

    def _failed(self, exc: BaseException) -> None:
        log.error("save failed: %s", exc)
        self.save_error = str(exc) if isinstance(exc, StoreError) else f"Not saved: {exc}"
        _emit(self.save_state_changed)
        _emit(self.error, self.save_error)

    def retry_save(self) -> None:
        """After a failure (full disk), write the current value again."""
        self._persist()

    @property
    def is_saved(self) -> bool:
        return self.saved_rev >= self.rev and not self.save_error


def _ignore(_: object) -> None:
    return None


def _emit(listeners: list[Callable[..., None]], *args: Any) -> None:
    for fn in list(listeners):
        fn(*args)
