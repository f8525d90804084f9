"""Review mode: the annotation screen over items leased for review, with decisions.

The reviewer listens and fixes with the same screen and keys an annotator uses; what differs is
the panel comparing the annotator's work with theirs, and the decisions: Ctrl+Return accepts
(fix and accept, when anything was changed), Ctrl+Alt+R rejects with a reason code and a
comment pinned to the current segment, F9 opens the quality dashboard.
"""

from __future__ import annotations

import uuid
from typing import Any

from PySide6.QtWidgets import QDialog

from app.keymap import Cmd
from app.model.annotation import Annotation
from app.protocol import QualityOut, ReasonCode, ReviewPolicy
from app.sync.review import ReviewEngine
from app.ui.review_panel import DashboardDialog, RejectDialog, ReviewPanel

OUTCOME_WORDS = {"accepted": "Accepted", "fixed": "Fixed and accepted", "rejected": "Rejected"}


class ReviewControls:
    def __init__(self, ctrl: Any, engine: ReviewEngine, policy: ReviewPolicy) -> None:
        self.ctrl, self.engine, self.policy = ctrl, engine, policy
        self.panel = ReviewPanel()
        ctrl.window.add_review_panel(self.panel)
        ctrl.actions.on(Cmd.SUBMIT_NEXT, self.accept)
        ctrl.actions.on(Cmd.REJECT, self.reject)
        ctrl.actions.on(Cmd.DASHBOARD, self.dashboard)
        ctrl.editor.changed.append(self.refresh)
        self.dashboard_dialog: DashboardDialog | None = None
        self.last_quality: QualityOut | None = None

    @property
    def reasons(self) -> list[ReasonCode]:
        return self.policy.reasons

    def refresh(self) -> None:
        editor = self.ctrl.editor
        task, yours = editor.task, editor.annotation
        if task is None or yours is None:
            return
        item = self.engine.tables.item(task.id)
        if item is None:
            return
        d = self.engine.tables.decision(task.id)
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
        hint = self.ctrl.actions.hint
        keys = (
            f"{hint(Cmd.SUBMIT_NEXT)} accept (fix and accept when you changed it) · "
            f"{hint(Cmd.REJECT)} reject with a reason · {hint(Cmd.DASHBOARD)} dashboard"
        )
        self.panel.show_item(
            item.annotator,
            item.submission,
            task.asr_text,
            Annotation.from_json(item.doc),
            yours,
            decision,
            keys,
        )

    def _decide(self, reason: str = "", comment: str = "", span: Any = None) -> None:
        editor = self.ctrl.editor
        task, current = editor.task, editor.annotation
        if task is None or current is None:
            return
        earlier = self.engine.tables.decision(task.id)
        if earlier is not None and earlier.sent:
            self.ctrl.window.say("This item's decision was sent already.", error=True)
            return
        d = self.engine.decision(task.id, str(uuid.uuid4()), current, reason, comment, span)
        if d.outcome != "rejected":
            problems = self.ctrl.check(current)
            if problems:
                self.ctrl.window.say("Not accepted: " + " ".join(problems), error=True)
                return
        tables = self.engine.tables
        self.ctrl.runner.write(
            lambda: tables.decide(d),
            lambda _none: self._decided(d.outcome),
            lambda exc: self.ctrl.window.say(f"The decision was not kept: {exc}", error=True),
        )

    def _decided(self, outcome: str) -> None:
        self.ctrl.window.say(f"{OUTCOME_WORDS[outcome]}; next item.")
        self.ctrl.editor.submit_and_next(lambda _a: [])  # done here; the decision says how
        self.ctrl.sync_now()

    def accept(self) -> None:
        self._decide()

    def reject(self) -> None:
        editor = self.ctrl.editor
        a = editor.annotation
        span = None
        if a is not None and 0 <= editor.segment < len(a.segments):
            seg = a.segments[editor.segment]
            span = (seg.start_s, seg.end_s)
        task = editor.task
        duration = task.duration_s if task is not None else 0.0
        dialog = RejectDialog(self.ctrl.window, self.reasons, span, duration)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        self._decide(dialog.reason(), dialog.comment.text().strip(), dialog.pinned())

    def dashboard(self) -> None:
        client, project = self.engine.client, self.engine.project_id
        self.ctrl.window.say("Fetching the quality figures…")

        def show(q: QualityOut) -> None:
            self.last_quality = q
            self.dashboard_dialog = DashboardDialog(self.ctrl.window, q)
            self.dashboard_dialog.show()
            self.ctrl.window.say("Quality figures shown.")

        self.ctrl.runner.background(
            lambda: client.quality(project),
            show,
            lambda exc: self.ctrl.window.say(f"No figures: {exc}", error=True),
        )
