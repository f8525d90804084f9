"""Review mode: the annotation screen over items leased for review, with decisions.

The reviewer listens and fixes with the same screen and keys an annotator uses; what differs is
the panel comparing the annotator's work with theirs, and the decisions: Ctrl+Return accepts
(fix and accept, when anything was changed), Ctrl+Alt+R rejects with a reason code and a
comment pinned to the current segment, F9 opens the quality dashboard.

The items and decisions are kept here in memory, from each sync pass's result and from the
decisions taken; the panel never reads the store.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from app.keymap import Cmd
from app.model.annotation import Annotation
from app.protocol import QualityOut, ReasonCode, ReviewPolicy
from app.ui.main_window import MainWindow
from app.ui.review_panel import DashboardDialog, ReviewPanel
from app.workstation.editor import Editor
from app.workstation.server_sync import ServerSync
from app.workstation.store.sync_tables import Decision, ReviewItem
from app.workstation.sync.base import SyncStatus
from app.workstation.sync.review import ReviewEngine
from app.workstation.tasks import QtRunner

OUTCOME_WORDS = {"accepted": "Accepted", "fixed": "Fixed and accepted", "rejected": "Rejected"}


class ReviewControls:
    def __init__(
        self,
        engine: ReviewEngine,
        policy: ReviewPolicy,
        editor: Editor,
        window: MainWindow,
        runner: QtRunner,
        sync: ServerSync,
        check: Callable[[Annotation], list[str]],
        hint: Callable[[Cmd], str],
    ) -> None:
        self.engine, self.policy, self.editor, self.window = engine, policy, editor, window
        self.runner, self.sync, self.check, self.hint = runner, sync, check, hint
        self.items: dict[str, ReviewItem] = {}
        self.decisions: dict[str, Decision] = {}
        self.outcomes: dict[str, str] = {}  # decided items' outcomes, as the queue marks them
        self.deciding = False  # a decision on its way to the store: a second key does nothing
        self.panel: ReviewPanel = window.add_review_panel()
        editor.changed.append(self.refresh)
        sync.synced.append(self._take)
        self.dashboard_dialog: DashboardDialog | None = None

    def handlers(self) -> dict[Cmd, Callable[[], None]]:
        return {
            Cmd.SUBMIT_NEXT: self.accept,
            Cmd.REJECT: self.reject,
            Cmd.DASHBOARD: self.dashboard,
        }

    @property
    def reasons(self) -> list[ReasonCode]:
        return self.policy.reasons

    def _take(self, status: SyncStatus) -> None:
        self.items, self.decisions = status.items, status.decisions
        if self._mark_queue():  # the queue is drawn again only when a mark changes
            q = self.window.queue
            q.show_queue(self.editor.tasks, self.editor.statuses(), self.editor.index)
        self.refresh()

    def _mark_queue(self) -> bool:
        """Each decided item's outcome, for the queue's marks; whether any changed."""
        outcomes = {
            task_id: self.decisions[item.item_id].outcome
            for task_id, item in self.items.items()
            if item.item_id in self.decisions
        }
        changed = outcomes != self.outcomes
        self.outcomes = outcomes
        self.window.queue.set_marks(outcomes=outcomes)
        return changed

    def refresh(self) -> None:
        task, yours = self.editor.task, self.editor.annotation
        item = self.items.get(task.id) if task is not None else None
        if item is None or yours is None:
            return
        d = self.decisions.get(item.item_id)
        if d is None:
            decision = "<i>none yet</i>"
        else:
            titles = {r.code: r.title for r in self.reasons}
            why = f": {titles.get(d.reason, d.reason)}" if d.reason else ""
            said = f" “{d.comment}”" if d.comment else ""
            state = (
                f"<span style='color:#b00000'>{d.error}</span>"
                if d.error
                else ("sent" if d.sent else "kept here, sent at the next sync")
            )
            decision = f"<b>{OUTCOME_WORDS[d.outcome]}</b>{why}{said} — {state}"
        keys = (
            f"{self.hint(Cmd.SUBMIT_NEXT)} accept (fix and accept when you changed it) · "
            f"{self.hint(Cmd.REJECT)} reject with a reason · {self.hint(Cmd.DASHBOARD)} dashboard"
        )
        self.panel.show_item(
            item.annotator,
            item.submission,
            task.asr_text,  # type: ignore[union-attr]
            Annotation.from_json(item.doc),
            yours,
            decision,
            keys,
        )

    def _decide(
        self, reason: str = "", comment: str = "", span: tuple[float, float] | None = None
    ) -> None:
        task, current = self.editor.task, self.editor.annotation
        item = self.items.get(task.id) if task is not None else None
        if self.deciding or item is None or current is None:
            return
        earlier = self.decisions.get(item.item_id)
        if earlier is not None and earlier.sent:
            self.window.say("This item's decision was sent already.", error=True)
            return
        d = ReviewEngine.decision(item, str(uuid.uuid4()), current, reason, comment, span)
        if d.outcome != "rejected":
            problems = self.check(current)
            if problems:
                self.window.say("Not accepted: " + " ".join(problems), error=True)
                return
        self.deciding = True
        tables = self.engine.tables

        def failed(exc: BaseException) -> None:
            self.deciding = False
            self.window.say(f"The decision was not kept: {exc}", error=True)

        self.runner.write(lambda: tables.decide(d), lambda _none: self._decided(d), failed)

    def _decided(self, d: Decision) -> None:
        self.deciding = False
        self.decisions[d.item_id] = d
        self._mark_queue()
        self.window.say(f"{OUTCOME_WORDS[d.outcome]}; next item.")
        self.editor.submit_and_next(lambda _a: [])  # done here; the decision says how
        self.sync.sync_now()

    def accept(self) -> None:
        self._decide()

    def reject(self) -> None:
        a, task = self.editor.annotation, self.editor.task
        span = None
        if a is not None and 0 <= self.editor.segment < len(a.segments):
            seg = a.segments[self.editor.segment]
            span = (seg.start_s, seg.end_s)
        duration = task.duration_s if task is not None else 0.0
        answer = self.window.ask_rejection(self.reasons, span, duration)
        if answer is not None:
            self._decide(*answer)

    def dashboard(self) -> None:
        client, project = self.engine.client, self.engine.project_id
        self.window.say("Fetching the quality figures…")

        def show(q: QualityOut) -> None:
            self.dashboard_dialog = self.window.show_dashboard(q)
            self.window.say("Quality figures shown.")

        self.runner.background(
            lambda: client.quality(project),
            show,
            lambda exc: self.window.say(f"No figures: {exc}", error=True),
        )
