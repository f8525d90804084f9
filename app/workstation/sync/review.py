"""A reviewer's sync pass: send decisions, read the feed's deletions, lease items to review,
fetch their audio (sealed).

Decisions are kept in the local store before anything is sent (ReviewTables in
app/workstation/store/sync_tables.py) and put by their client-made UUID, so a pass can stop
anywhere and the next one repeats it harmlessly.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path
from typing import Any

from app.model.annotation import Annotation, Status
from app.model.task import Task
from app.protocol import AnnotationDoc, ChangesPage, ReviewItemOut, ReviewPut
from app.workstation.store.db import Store
from app.workstation.store.sync_tables import Decision, ReviewItem, ReviewTables
from app.workstation.sync.base import LEASE_COUNT, EngineBase, SyncStatus, task_from
from app.workstation.sync.client import AlreadyReviewed, Client, ServerError

log = logging.getLogger(__name__)
CONTENT = ("segments", "intent", "flags")


def same_content(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Whether two annotations say the same (time spent and status aside)."""
    return all(a.get(k) == b.get(k) for k in CONTENT)


class ReviewEngine(EngineBase):
    def __init__(
        self, store: Store, client: Client, project_id: str, audio_dir: Path, key: bytes
    ) -> None:
        super().__init__(store, client, project_id, audio_dir, key)
        self.tables = ReviewTables(store)
        self._new: list[str] = []  # items this pass brought, each with its starting annotation

    def _pass(self, status: SyncStatus) -> None:
        self._new = []
        status.pushed, refused = self.push()
        status.assigned, status.removed = self.pull()
        status.message = " ".join(refused)

    def _report(self, status: SyncStatus) -> None:
        status.decisions = self.tables.decisions()
        status.items = self.tables.items()
        status.pending = sum(1 for d in status.decisions.values() if not d.sent)
        if status.assigned or status.removed:
            status.tasks = self.store.tasks()
            status.annotations = self.store.annotations(self._new)

    def push(self) -> tuple[int, list[str]]:
        """(decisions the server took, sentences about those it refused)."""
        sent, refused = 0, []
        for d in self.tables.decisions().values():
            if d.sent:
                continue
            put = ReviewPut(
                item_id=d.item_id,
                outcome=d.outcome,  # type: ignore[arg-type]
                reason=d.reason,
                comment=d.comment,
                start_s=d.start_s,
                end_s=d.end_s,
                doc=None if d.doc is None else AnnotationDoc.model_validate(d.doc),
            )
            try:
                self.client.put_review(d.review_id, put)
                self.tables.sent(d.item_id)
                sent += 1
            except AlreadyReviewed as exc:
                self.tables.sent(d.item_id, str(exc))
                refused.append(str(exc))
            except ServerError as exc:
                if "(404" not in str(exc) and "(422" not in str(exc):
                    raise
                why = f"The server did not take your decision: {exc}"
                self.tables.sent(d.item_id, why)
                refused.append(why)
        return sent, refused

    def pull(self) -> tuple[int, list[str]]:
        """(items new here, items dropped: deleted on the server, or leased elsewhere)."""
        gone: list[str] = []

        def apply(page: ChangesPage) -> None:  # recordings deleted on the server leave here
            deleted = [c.task_id for c in page.changes if c.kind == "deleted"]
            gone.extend(self.tables.purge(deleted, page.next_since))

        self.read_feed(self.tables.cursor(), apply)
        if gone:
            self.store.wipe_freed()
        leased = self.client.review_leases(self.project_id, LEASE_COUNT)
        known = set(self.tables.items())
        rows = []
        for item in leased:
            path = self.audio_path(item.id)  # per item: a queue row each
            self.audio.fetch(item.task, path)
            rows.append(self._row(item, path))
        dropped = gone + self.tables.apply_items(rows)
        for item_id in dropped:
            self.audio.forget(self.audio_path(item_id))
        self._new = [i.id for i in leased if i.id not in known]
        return len(self._new), dropped

    @staticmethod
    def _row(item: ReviewItemOut, path: Path) -> tuple[Task, ReviewItem, Annotation]:
        t = item.task
        task = task_from(t, item.id, path, item.annotator)
        first = replace(Annotation.from_json(item.doc), status=Status.TODO, active_ms=0)
        return task, ReviewItem(item.id, t.id, item.annotator, item.submission, item.doc), first

    @staticmethod
    def decision(
        item: ReviewItem,
        review_id: str,
        current: Annotation,
        reject_reason: str = "",
        comment: str = "",
        span: tuple[float, float] | None = None,
    ) -> Decision:
        """The decision on an item given the reviewer's copy: accepted when unchanged, fixed
        when changed, rejected when a reason is given."""
        doc = replace(current, status=Status.SUBMITTED).to_json()
        changed = not same_content(doc, Annotation.from_json(item.doc).to_json())
        outcome = "rejected" if reject_reason else "fixed" if changed else "accepted"
        return Decision(
            item_id=item.item_id,
            review_id=review_id,
            outcome=outcome,
            reason=reject_reason,
            comment=comment,
            start_s=None if span is None else span[0],
            end_s=None if span is None else span[1],
            doc=doc if changed else None,  # the reviewer's version, where it differs
        )
