"""What sync keeps beside the annotations: the annotator's ids, versions, cursor, conflicts
and review notes (SyncTables), and a reviewer's items and decisions (ReviewTables).

Both go through the store's public API, one transaction per write (`Store.transaction`, reads
with `Store.rows`), from the sync worker or the app's writer thread, never the GUI thread.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

from app.model.annotation import Annotation
from app.model.task import Task
from app.workstation.store.db import Store, forget, upsert_task

# where an annotator's item lives here (tasks last: the others refer to it)
TASK_ROWS = (
    ("annotations", "task_id"),
    ("outbox", "task_id"),
    ("remote", "task_id"),
    ("review_notes", "task_id"),
    ("drafts", "task_id"),
    ("tasks", "id"),
)
# where a reviewer's undecided item lives (an item is a task here, by its item id)
ITEM_ROWS = (
    ("annotations", "task_id"),
    ("outbox", "task_id"),
    ("review_items", "item_id"),
    ("tasks", "id"),
)


@dataclass(frozen=True, slots=True)
class Pending:
    task_id: str
    annotation_id: str
    rev: int
    server_version: int
    doc: dict[str, Any]


@dataclass(frozen=True, slots=True)
class ReviewNote:
    """A reviewer's decision on one of this annotator's submissions, from the feed."""

    task_id: str
    outcome: str  # accepted, fixed, rejected
    reason: str = ""
    reason_title: str = ""
    comment: str = ""
    start_s: float | None = None
    end_s: float | None = None
    submission: int = 0
    submitted_since: int = 0  # the annotation's submission count now

    @property
    def returned(self) -> bool:
        """Rejected, and not submitted again since."""
        return self.outcome == "rejected" and self.submitted_since <= self.submission


class SyncTables:
    """What the sync engine keeps beside the annotations: ids, versions, cursor, conflicts."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def cursor(self) -> int:
        return int(self.store.meta("sync_cursor") or 0)

    def pending(self) -> list[Pending]:
        """What the outbox holds for the server: each item's newest unacknowledged revision
        (an item in conflict waits until the annotator resolves it)."""
        rows = self.store.rows(
            "SELECT o.task_id, r.annotation_id, o.rev, r.server_version, o.doc"
            " FROM outbox o JOIN remote r ON r.task_id = o.task_id"
            " WHERE r.conflict IS NULL ORDER BY o.task_id"
        )
        return [Pending(r[0], r[1], int(r[2]), int(r[3]), json.loads(r[4])) for r in rows]

    def pushed(self, acks: list[tuple[str, int, int]]) -> None:
        """(task, local revision sent, server version now) for every acknowledged put: the
        outbox keeps only what was edited since."""
        with self.store.transaction() as c:
            for task_id, rev, version in acks:
                c.execute(
                    "UPDATE remote SET server_version = ? WHERE task_id = ?", (version, task_id)
                )
                c.execute("DELETE FROM outbox WHERE task_id = ? AND rev <= ?", (task_id, rev))

    def withdrawn(self, task_ids: list[str]) -> None:
        """The server no longer takes these from this annotator: nothing is sent for them any
        more (the annotations stay here)."""
        if task_ids:
            with self.store.transaction() as c:
                for task_id in task_ids:
                    c.execute("DELETE FROM outbox WHERE task_id = ?", (task_id,))

    def conflicted(
        self, task_id: str, server_version: int, server_doc: dict[str, Any], server_id: str = ""
    ) -> None:
        """The server holds another version (of this annotation, or another annotation of this
        annotator on the task: `server_id`, which a resolution adopts)."""
        record = {"version": server_version, "doc": server_doc, "id": server_id}
        with self.store.transaction() as c:
            c.execute(
                "UPDATE remote SET conflict = ? WHERE task_id = ?", (json.dumps(record), task_id)
            )

    def conflicts(self) -> dict[str, dict[str, Any]]:
        rows = self.store.rows("SELECT task_id, conflict FROM remote WHERE conflict IS NOT NULL")
        return {r[0]: json.loads(r[1]) for r in rows}

    def keep_mine(self, task_id: str) -> None:
        """Resolve a conflict by sending the local version over the server's."""
        with self.store.transaction() as c:
            row = c.execute("SELECT conflict FROM remote WHERE task_id = ?", (task_id,)).fetchone()
            if row and row[0]:
                conflict = json.loads(row[0])
                c.execute(
                    "UPDATE remote SET conflict = NULL, server_version = ?,"
                    " annotation_id = coalesce(nullif(?, ''), annotation_id) WHERE task_id = ?",
                    (int(conflict["version"]), conflict.get("id", ""), task_id),
                )
                c.execute(  # the local version goes out again, based on the server's
                    "INSERT OR REPLACE INTO outbox(task_id, rev, doc, created_at)"
                    " SELECT task_id, rev, doc, ? FROM annotations WHERE task_id = ?",
                    (time.time(), task_id),
                )

    def apply_page(
        self,
        tasks: list[Task],
        purge: list[str],
        drop: list[str],
        new_ids: dict[str, str],
        cursor: int,
        notes: list[ReviewNote] = (),  # type: ignore[assignment]
    ) -> None:
        """One page of the feed and the cursor after it, in one transaction."""
        with self.store.transaction() as c:
            for n in notes:  # the newest review of an item is the one that counts
                c.execute(
                    "INSERT OR REPLACE INTO review_notes(task_id, outcome, reason, reason_title,"
                    " comment, start_s, end_s, submission) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        n.task_id,
                        n.outcome,
                        n.reason,
                        n.reason_title,
                        n.comment,
                        n.start_s,
                        n.end_s,
                        n.submission,
                    ),
                )
            for t in tasks:
                upsert_task(c, t, -1, -1)
                c.execute(
                    "INSERT OR IGNORE INTO remote(task_id, annotation_id) VALUES (?, ?)",
                    (t.id, new_ids[t.id]),
                )
            for task_id in purge:  # deleted on the server: nothing of it may stay here
                forget(c, task_id, TASK_ROWS)
            for task_id in drop:  # lease revoked: out of the queue unless work is unsent
                c.execute(
                    "DELETE FROM tasks WHERE id = ?"
                    " AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.task_id = ?)",
                    (task_id, task_id),
                )
            c.execute(
                "INSERT OR REPLACE INTO meta(key, value) VALUES ('sync_cursor', ?)", (str(cursor),)
            )

    def review_notes(self) -> dict[str, ReviewNote]:
        """The newest review of each item, and whether it still waits for the annotator."""
        rows = self.store.rows(
            "SELECT n.task_id, n.outcome, n.reason, n.reason_title, n.comment, n.start_s,"
            " n.end_s, n.submission, coalesce(json_extract(a.doc, '$.submissions'), 0)"
            " FROM review_notes n LEFT JOIN annotations a ON a.task_id = n.task_id"
        )
        return {
            r[0]: ReviewNote(r[0], r[1], r[2], r[3], r[4], r[5], r[6], int(r[7]), int(r[8]))
            for r in rows
        }

    def remote_ids(self) -> set[str]:
        return {r[0] for r in self.store.rows("SELECT task_id FROM remote")}


@dataclass(frozen=True, slots=True)
class ReviewItem:
    """A submission leased for review, as the annotator submitted it."""

    item_id: str
    task_id: str
    annotator: str
    submission: int
    doc: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Decision:
    item_id: str
    review_id: str
    outcome: str  # accepted, fixed, rejected
    reason: str = ""
    comment: str = ""
    start_s: float | None = None
    end_s: float | None = None
    doc: dict[str, Any] | None = None
    sent: bool = False
    error: str = ""


class ReviewTables:
    """A reviewer's side: the items leased for review and the decisions taken on them.

    Each item is also a task in the store, with the annotator's submission as the starting
    annotation, so the reviewer listens and fixes with the annotation screen itself.
    """

    def __init__(self, store: Store) -> None:
        self.store = store

    def apply_items(self, items: list[tuple[Task, ReviewItem, Annotation]]) -> list[str]:
        """Store the items leased now; drop undecided ones no longer leased. Returns dropped."""
        keep = {i.item_id for _t, i, _a in items}
        now = time.time()
        with self.store.transaction() as c:
            for task, item, first in items:
                upsert_task(c, task, -1, -1)
                c.execute(
                    "INSERT OR IGNORE INTO review_items(item_id, task_id, annotator, submission,"
                    " doc) VALUES (?, ?, ?, ?, ?)",
                    (
                        item.item_id,
                        item.task_id,
                        item.annotator,
                        item.submission,
                        json.dumps(item.doc),
                    ),
                )
                c.execute(  # the reviewer's copy starts as the submission; never overwritten
                    "INSERT OR IGNORE INTO annotations(task_id, rev, doc, updated_at)"
                    " VALUES (?, 1, ?, ?)",
                    (task.id, json.dumps(first.to_json(), separators=(",", ":")), now),
                )
            stale = [
                r[0]
                for r in c.execute(
                    "SELECT item_id FROM review_items WHERE item_id NOT IN"
                    " (SELECT item_id FROM decisions)"
                )
                if r[0] not in keep
            ]
            for item_id in stale:
                forget(c, item_id, ITEM_ROWS)
        return stale

    def cursor(self) -> int:
        return int(self.store.meta("review_cursor") or 0)

    def purge(self, task_ids: list[str], cursor: int) -> list[str]:
        """Recordings deleted on the server: every item of them goes, decided or not, with the
        feed's cursor in the same transaction. Returns the items removed."""
        with self.store.transaction() as c:
            gone = [
                r[0]
                for t in task_ids
                for r in c.execute("SELECT item_id FROM review_items WHERE task_id = ?", (t,))
            ]
            for item_id in gone:
                forget(c, item_id, (("decisions", "item_id"), *ITEM_ROWS))
            c.execute(
                "INSERT OR REPLACE INTO meta(key, value) VALUES ('review_cursor', ?)",
                (str(cursor),),
            )
        return gone

    _ITEM = "SELECT item_id, task_id, annotator, submission, doc FROM review_items"
    _DECISION = (
        "SELECT item_id, review_id, outcome, reason, comment, start_s, end_s, doc, sent, error"
        " FROM decisions"
    )

    def _rows(self, sql: str, item_id: str | None) -> list[Any]:
        where, args = ("", ()) if item_id is None else (" WHERE item_id = ?", (item_id,))
        return self.store.rows(sql + where, args)

    def items(self) -> dict[str, ReviewItem]:
        return {r[0]: _review_item(r) for r in self._rows(self._ITEM, None)}

    def item(self, item_id: str) -> ReviewItem | None:
        """One item (the screen asks at every edit: one row, not the whole queue)."""
        return next((_review_item(r) for r in self._rows(self._ITEM, item_id)), None)

    def decide(self, d: Decision) -> None:
        """Kept here first (one transaction), sent at the next sync; a second decision on an
        item replaces one not yet sent, never one the server has."""
        with self.store.transaction() as c:
            c.execute(
                "INSERT INTO decisions(item_id, review_id, outcome, reason, comment, start_s,"
                " end_s, doc) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(item_id) DO UPDATE SET"
                " review_id=excluded.review_id, outcome=excluded.outcome,"
                " reason=excluded.reason, comment=excluded.comment, start_s=excluded.start_s,"
                " end_s=excluded.end_s, doc=excluded.doc, error='' WHERE decisions.sent = 0",
                (
                    d.item_id,
                    d.review_id,
                    d.outcome,
                    d.reason,
                    d.comment,
                    d.start_s,
                    d.end_s,
                    None if d.doc is None else json.dumps(d.doc),
                ),
            )

    def decisions(self) -> dict[str, Decision]:
        return {r[0]: _decision(r) for r in self._rows(self._DECISION, None)}

    def decision(self, item_id: str) -> Decision | None:
        return next((_decision(r) for r in self._rows(self._DECISION, item_id)), None)

    def sent(self, item_id: str, error: str = "") -> None:
        with self.store.transaction() as c:
            c.execute(
                "UPDATE decisions SET sent = 1, error = ? WHERE item_id = ?", (error, item_id)
            )


def _review_item(r: Any) -> ReviewItem:
    return ReviewItem(r[0], r[1], r[2], int(r[3]), json.loads(r[4]))


def _decision(r: Any) -> Decision:
    doc = None if r[7] is None else json.loads(r[7])
    return Decision(r[0], r[1], r[2], r[3], r[4], r[5], r[6], doc, bool(r[8]), r[9])
