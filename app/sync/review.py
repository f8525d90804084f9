"""A reviewer's sync pass: send decisions, lease items to review, fetch their audio (sealed).

Decisions are kept in the local store before anything is sent (app/store/db.py, ReviewTables)
and put by their client-made UUID, so a pass can stop anywhere and the next one repeats it
harmlessly.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path
from typing import Any

from app.audio.vault import SUFFIX
from app.model.annotation import Annotation, Status
from app.model.task import Task
from app.protocol import ReviewItemOut, ReviewPut
from app.store.db import Store
from app.store.sync_tables import Decision, ReviewItem, ReviewNote, ReviewTables
from app.sync.client import AlreadyReviewed, Client, Offline, ServerError, SyncError
from app.sync.engine import BACKOFF_MAX_S, SealedAudio, SyncStatus, task_from

log = logging.getLogger(__name__)
LEASE_COUNT = 20
CONTENT = ("segments", "intent", "flags")


def same_content(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Whether two annotations say the same (time spent and status aside)."""
    return all(a.get(k) == b.get(k) for k in CONTENT)


class ReviewEngine:
    def __init__(
        self, store: Store, client: Client, project_id: str, audio_dir: Path, key: bytes
    ) -> None:
        self.store = store
        self.tables = ReviewTables(store)
        self.client = client
        self.project_id = project_id
        self.audio_dir = audio_dir
        self.audio = SealedAudio(client, key)
        audio_dir.mkdir(parents=True, exist_ok=True)
        self.backoff_s = 0.0

    # the annotator's engine has these; a reviewer has no conflicts and gets no reviews
    def review_notes(self) -> dict[str, ReviewNote]:
        return {}

    def conflicts(self) -> dict[str, dict[str, Any]]:
        return {}

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
                doc=d.doc,
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

    def _purge_deleted(self) -> list[str]:
        """The feed's tombstones: recordings deleted on the server leave this machine."""
        gone: list[str] = []
        since = self.tables.cursor()
        while True:
            page = self.client.changes(since)
            deleted = [c.task_id for c in page.changes if c.kind == "deleted"]
            gone += self.tables.purge(deleted, page.next_since)
            since = page.next_since
            if not page.more:
                return gone

    def pull(self) -> tuple[int, list[str]]:
        """(items new here, items dropped: deleted on the server, or leased elsewhere)."""
        gone = self._purge_deleted()
        leased = self.client.review_leases(self.project_id, LEASE_COUNT)
        known = set(self.tables.items())
        rows = []
        for k, item in enumerate(leased):
            path = self.audio_dir / f"{item.id}{SUFFIX}"  # per item: a queue row each
            self.audio.fetch(item.task, path)
            rows.append(self._row(item, path, k))
        dropped = gone + self.tables.apply_items(rows)
        for item_id in dropped:
            self.audio.forget(self.audio_dir / f"{item_id}{SUFFIX}")
        return len([i for i in leased if i.id not in known]), dropped

    @staticmethod
    def _row(item: ReviewItemOut, path: Path, position: int) -> tuple[Task, ReviewItem, Annotation]:
        t = item.task
        task = task_from(t, item.id, path, position, item.annotator)
        first = replace(Annotation.from_json(item.doc), status=Status.TODO, active_ms=0)
        return task, ReviewItem(item.id, t.id, item.annotator, item.submission, item.doc), first

    def sync_once(self) -> SyncStatus:
        status = SyncStatus()
        try:
            status.pushed, refused = self.push()
            status.assigned, status.removed = self.pull()
            status.online = True
            status.message = " ".join(refused)
            self.backoff_s = 0.0
        except SyncError as exc:
            status.online = not isinstance(exc, Offline)
            status.message = str(exc)
            self.backoff_s = min(BACKOFF_MAX_S, max(2.0, self.backoff_s * 2))
        status.pending = sum(1 for d in self.tables.decisions().values() if not d.sent)
        return status

    def decision(
        self,
        item_id: str,
        review_id: str,
        current: Annotation,
        reject_reason: str = "",
        comment: str = "",
        span: tuple[float, float] | None = None,
    ) -> Decision:
        """The decision for an item given the reviewer's copy: accepted when unchanged, fixed
        when changed, rejected when a reason is given."""
        item = self.tables.item(item_id)
        assert item is not None, "a decision is on an item leased here"
        doc = replace(current, status=Status.SUBMITTED).to_json()
        changed = not same_content(doc, Annotation.from_json(item.doc).to_json())
        outcome = "rejected" if reject_reason else "fixed" if changed else "accepted"
        return Decision(
            item_id=item_id,
            review_id=review_id,
            outcome=outcome,
            reason=reject_reason,
            comment=comment,
            start_s=None if span is None else span[0],
            end_s=None if span is None else span[1],
            doc=doc if changed else None,  # the reviewer's version, where it differs
        )
