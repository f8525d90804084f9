"""The local store: tasks, annotations, the outbox and where the annotator was.

SQLite with WAL and synchronous=FULL; each edit is one short transaction that writes the
annotation and its outbox row together, so "saved" can be shown after COMMIT and mean it.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.model.annotation import Annotation
from app.model.slots import Slot
from app.model.task import Task

SCHEMA_VERSION = 2

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS tasks (
    id TEXT PRIMARY KEY,
    position INTEGER NOT NULL,
    audio_path TEXT NOT NULL UNIQUE,
    duration_s REAL NOT NULL,
    sample_rate_hz INTEGER NOT NULL,
    channels INTEGER NOT NULL,
    asr_text TEXT NOT NULL DEFAULT '',
    predicted_intent TEXT,
    predicted_slots TEXT NOT NULL DEFAULT '[]',
    size_bytes INTEGER NOT NULL DEFAULT -1,
    mtime_ns INTEGER NOT NULL DEFAULT -1,
    title TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS annotations (
    task_id TEXT PRIMARY KEY REFERENCES tasks(id),
    rev INTEGER NOT NULL,
    doc TEXT NOT NULL,
    updated_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    task_id TEXT NOT NULL,
    rev INTEGER NOT NULL,
    doc TEXT NOT NULL,
    created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS review_notes (
    task_id TEXT PRIMARY KEY,
    outcome TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    reason_title TEXT NOT NULL DEFAULT '',
    comment TEXT NOT NULL DEFAULT '',
    start_s REAL,
    end_s REAL,
    submission INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS review_items (
    item_id TEXT PRIMARY KEY,
    task_id TEXT NOT NULL,
    annotator TEXT NOT NULL,
    submission INTEGER NOT NULL,
    doc TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS decisions (
    item_id TEXT PRIMARY KEY,
    review_id TEXT NOT NULL,
    outcome TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    comment TEXT NOT NULL DEFAULT '',
    start_s REAL,
    end_s REAL,
    doc TEXT,
    sent INTEGER NOT NULL DEFAULT 0,
    error TEXT NOT NULL DEFAULT ''
);
-- schema 2: one row per item, its newest unsent revision (schema 1 kept every revision)
DELETE FROM outbox WHERE id NOT IN (SELECT max(id) FROM outbox GROUP BY task_id);
CREATE UNIQUE INDEX IF NOT EXISTS outbox_task ON outbox(task_id);
CREATE TABLE IF NOT EXISTS session (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS remote (
    task_id TEXT PRIMARY KEY,
    annotation_id TEXT NOT NULL,
    server_version INTEGER NOT NULL DEFAULT 0,
    pushed_rev INTEGER NOT NULL DEFAULT 0,
    conflict TEXT
);
"""


class StoreError(Exception):
    """The local store cannot be written; str() says what to do."""


@dataclass(frozen=True, slots=True)
class Saved:
    task_id: str
    rev: int


@dataclass(frozen=True, slots=True)
class SessionState:
    task_id: str | None = None
    segment: int = 0
    playhead_s: float = 0.0
    view_start_s: float | None = None
    view_end_s: float | None = None


class Store:
    """Thread-safe: each write is one transaction under the store's lock. The editor writes from
    the app's writer thread, in order; the sync engine's writes (acknowledgements, a page of the
    feed) come from a worker and touch the editor's rows only to purge an item the server
    deleted, after which a late write of that item fails as a StoreError instead of reviving
    it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute("PRAGMA busy_timeout=5000")
        self._db.execute("PRAGMA foreign_keys=ON")
        with self._tx() as c:
            for stmt in SCHEMA.split(";"):
                if stmt.strip():
                    c.execute(stmt)
            if "title" not in {r[1] for r in c.execute("PRAGMA table_info(tasks)")}:
                c.execute("ALTER TABLE tasks ADD COLUMN title TEXT NOT NULL DEFAULT ''")
            c.execute(
                "INSERT OR REPLACE INTO meta(key, value) VALUES ('schema', ?)",
                (str(SCHEMA_VERSION),),
            )

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
                yield self._db
                self._db.execute("COMMIT")
            except sqlite3.OperationalError as exc:
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
                raise StoreError(_explain(exc)) from exc
            except BaseException:
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
                raise

    # -- meta --------------------------------------------------------------------------------
    def set_meta(self, key: str, value: str) -> None:
        with self._tx() as c:
            c.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (key, value))

    def meta(self, key: str) -> str | None:
        with self._lock:
            row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    # -- tasks -------------------------------------------------------------------------------
    def upsert_tasks(
        self, tasks: list[Task], stamps: dict[str, tuple[int, int]] | None = None
    ) -> None:
        """Add or update tasks; stamps (size, mtime) let an unchanged file skip its next check."""
        stamps = stamps or {}
        with self._tx() as c:
            for t in tasks:
                size, mtime = stamps.get(t.audio_path, (-1, -1))
                _upsert_task(c, t, size, mtime)

    def file_stamps(self) -> dict[str, tuple[tuple[int, int], tuple[int, int, float]]]:
        """audio path -> ((size, mtime_ns), (sample rate, channels, duration)) as last checked."""
        with self._lock:
            rows = self._db.execute(
                "SELECT audio_path, size_bytes, mtime_ns, sample_rate_hz, channels, duration_s"
                " FROM tasks"
            ).fetchall()
        return {r[0]: ((r[1], r[2]), (r[3], r[4], r[5])) for r in rows}

    def tasks(self) -> list[Task]:
        with self._lock:
            rows = self._db.execute(
                "SELECT id, audio_path, duration_s, sample_rate_hz, channels, asr_text,"
                " predicted_intent, predicted_slots, position, title FROM tasks"
                " ORDER BY position, id"
            ).fetchall()
        return [
            Task(
                r[0],
                r[1],
                r[2],
                r[3],
                r[4],
                r[5],
                r[6],
                tuple(Slot(str(a), int(b), int(e)) for a, b, e in json.loads(r[7])),
                r[8],
                r[9],
            )
            for r in rows
        ]

    # -- annotations -------------------------------------------------------------------------
    def save_annotation(
        self, task_id: str, rev: int, annotation: Annotation, session: SessionState | None = None
    ) -> Saved:
        """One transaction: the annotation, its outbox row and where the annotator is."""
        doc = json.dumps(annotation.to_json(), separators=(",", ":"))
        now = time.time()
        with self._tx() as c:
            c.execute(
                "INSERT INTO annotations(task_id, rev, doc, updated_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT(task_id) DO UPDATE SET rev=excluded.rev, doc=excluded.doc,"
                " updated_at=excluded.updated_at WHERE excluded.rev > annotations.rev",
                (task_id, rev, doc, now),
            )
            c.execute(  # the outbox keeps an item's newest revision not yet sent
                "INSERT INTO outbox(task_id, rev, doc, created_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT(task_id) DO UPDATE SET rev=excluded.rev, doc=excluded.doc,"
                " created_at=excluded.created_at WHERE excluded.rev > outbox.rev",
                (task_id, rev, doc, now),
            )
            if session is not None:
                _write_session(c, session)
        return Saved(task_id, rev)

    def annotation(self, task_id: str) -> tuple[int, Annotation] | None:
        with self._lock:
            row = self._db.execute(
                "SELECT rev, doc FROM annotations WHERE task_id = ?", (task_id,)
            ).fetchone()
        if row is None:
            return None
        return int(row[0]), Annotation.from_json(json.loads(row[1]))

    def annotations(self) -> dict[str, tuple[int, Annotation]]:
        with self._lock:
            rows = self._db.execute("SELECT task_id, rev, doc FROM annotations").fetchall()
        return {r[0]: (int(r[1]), Annotation.from_json(json.loads(r[2]))) for r in rows}

    def outbox_count(self) -> int:
        """Items with a revision not yet sent (local projects never send: every edited item)."""
        with self._lock:
            return int(self._db.execute("SELECT count(*) FROM outbox").fetchone()[0])

    # -- session -----------------------------------------------------------------------------
    def save_session(self, session: SessionState) -> None:
        with self._tx() as c:
            _write_session(c, session)

    def session(self) -> SessionState:
        with self._lock:
            rows = dict(self._db.execute("SELECT key, value FROM session").fetchall())
        if not rows:
            return SessionState()
        data: dict[str, Any] = json.loads(rows.get("state", "{}"))
        return SessionState(
            task_id=data.get("task_id"),
            segment=int(data.get("segment", 0)),
            playhead_s=float(data.get("playhead_s", 0.0)),
            view_start_s=data.get("view_start_s"),
            view_end_s=data.get("view_end_s"),
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
        """Items whose newest local revision the server has not acknowledged."""
        with self.store._lock:
            rows = self.store._db.execute(
                "SELECT a.task_id, r.annotation_id, a.rev, r.server_version, a.doc"
                " FROM annotations a JOIN remote r ON r.task_id = a.task_id"
                " WHERE a.rev > r.pushed_rev AND r.conflict IS NULL ORDER BY a.task_id"
            ).fetchall()
        return [Pending(r[0], r[1], int(r[2]), int(r[3]), json.loads(r[4])) for r in rows]

    def pushed(self, acks: list[tuple[str, int, int]]) -> None:
        """(task, local revision sent, server version now) for every acknowledged put."""
        with self.store._tx() as c:
            for task_id, rev, version in acks:
                c.execute(
                    "UPDATE remote SET pushed_rev = MAX(pushed_rev, ?), server_version = ?"
                    " WHERE task_id = ?",
                    (rev, version, task_id),
                )
                c.execute("DELETE FROM outbox WHERE task_id = ? AND rev <= ?", (task_id, rev))

    def conflicted(self, task_id: str, server_version: int, server_doc: dict[str, Any]) -> None:
        with self.store._tx() as c:
            c.execute(
                "UPDATE remote SET conflict = ? WHERE task_id = ?",
                (json.dumps({"version": server_version, "doc": server_doc}), task_id),
            )

    def conflicts(self) -> dict[str, dict[str, Any]]:
        with self.store._lock:
            rows = self.store._db.execute(
                "SELECT task_id, conflict FROM remote WHERE conflict IS NOT NULL"
            ).fetchall()
        return {r[0]: json.loads(r[1]) for r in rows}

    def keep_mine(self, task_id: str) -> None:
        """Resolve a conflict by sending the local version over the server's."""
        with self.store._tx() as c:
            row = c.execute("SELECT conflict FROM remote WHERE task_id = ?", (task_id,)).fetchone()
            if row and row[0]:
                version = int(json.loads(row[0])["version"])
                c.execute(
                    "UPDATE remote SET conflict = NULL, server_version = ?, pushed_rev = 0"
                    " WHERE task_id = ?",
                    (version, task_id),
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
        with self.store._tx() as c:
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
                _upsert_task(c, t, -1, -1)
                c.execute(
                    "INSERT OR IGNORE INTO remote(task_id, annotation_id) VALUES (?, ?)",
                    (t.id, new_ids[t.id]),
                )
            for task_id in purge:  # deleted on the server: nothing of it may stay here
                for table in ("annotations", "outbox", "remote", "review_notes"):
                    c.execute(f"DELETE FROM {table} WHERE task_id = ?", (task_id,))
                c.execute("DELETE FROM tasks WHERE id = ?", (task_id,))
            for task_id in drop:  # lease revoked: out of the queue unless work is unsent
                c.execute(
                    "DELETE FROM tasks WHERE id = ? AND NOT EXISTS (SELECT 1 FROM annotations a"
                    " JOIN remote r ON r.task_id = a.task_id WHERE a.task_id = ?"
                    " AND a.rev > r.pushed_rev)",
                    (task_id, task_id),
                )
            c.execute(
                "INSERT OR REPLACE INTO meta(key, value) VALUES ('sync_cursor', ?)", (str(cursor),)
            )

    def review_notes(self) -> dict[str, ReviewNote]:
        """The newest review of each item, and whether it still waits for the annotator."""
        with self.store._lock:
            rows = self.store._db.execute(
                "SELECT n.task_id, n.outcome, n.reason, n.reason_title, n.comment, n.start_s,"
                " n.end_s, n.submission, coalesce(json_extract(a.doc, '$.submissions'), 0)"
                " FROM review_notes n LEFT JOIN annotations a ON a.task_id = n.task_id"
            ).fetchall()
        return {
            r[0]: ReviewNote(r[0], r[1], r[2], r[3], r[4], r[5], r[6], int(r[7]), int(r[8]))
            for r in rows
        }

    def remote_ids(self) -> set[str]:
        with self.store._lock:
            return {r[0] for r in self.store._db.execute("SELECT task_id FROM remote")}


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
        with self.store._tx() as c:
            for task, item, first in items:
                _upsert_task(c, task, -1, -1)
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
                for table, col in (
                    ("annotations", "task_id"),
                    ("outbox", "task_id"),
                    ("review_items", "item_id"),
                    ("tasks", "id"),
                ):
                    c.execute(f"DELETE FROM {table} WHERE {col} = ?", (item_id,))
        return stale

    def cursor(self) -> int:
        return int(self.store.meta("review_cursor") or 0)

    def purge(self, task_ids: list[str], cursor: int) -> list[str]:
        """Recordings deleted on the server: every item of them goes, decided or not, with the
        feed's cursor in the same transaction. Returns the items removed."""
        with self.store._tx() as c:
            gone = [
                r[0]
                for t in task_ids
                for r in c.execute("SELECT item_id FROM review_items WHERE task_id = ?", (t,))
            ]
            for item_id in gone:
                for table, col in (
                    ("annotations", "task_id"),
                    ("outbox", "task_id"),
                    ("decisions", "item_id"),
                    ("review_items", "item_id"),
                    ("tasks", "id"),
                ):
                    c.execute(f"DELETE FROM {table} WHERE {col} = ?", (item_id,))
            c.execute(
                "INSERT OR REPLACE INTO meta(key, value) VALUES ('review_cursor', ?)",
                (str(cursor),),
            )
        return gone

    def items(self) -> dict[str, ReviewItem]:
        with self.store._lock:
            rows = self.store._db.execute(
                "SELECT item_id, task_id, annotator, submission, doc FROM review_items"
            ).fetchall()
        return {r[0]: ReviewItem(r[0], r[1], r[2], int(r[3]), json.loads(r[4])) for r in rows}

    def decide(self, d: Decision) -> None:
        """Kept here first (one transaction), sent at the next sync; a second decision on an
        item replaces one not yet sent, never one the server has."""
        with self.store._tx() as c:
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
        with self.store._lock:
            rows = self.store._db.execute(
                "SELECT item_id, review_id, outcome, reason, comment, start_s, end_s, doc, sent,"
                " error FROM decisions"
            ).fetchall()
        return {
            r[0]: Decision(
                r[0],
                r[1],
                r[2],
                r[3],
                r[4],
                r[5],
                r[6],
                None if r[7] is None else json.loads(r[7]),
                bool(r[8]),
                r[9],
            )
            for r in rows
        }

    def sent(self, item_id: str, error: str = "") -> None:
        with self.store._tx() as c:
            c.execute(
                "UPDATE decisions SET sent = 1, error = ? WHERE item_id = ?", (error, item_id)
            )


def _upsert_task(c: sqlite3.Connection, t: Task, size: int, mtime: int) -> None:
    c.execute(
        "INSERT INTO tasks(id, position, audio_path, duration_s, sample_rate_hz,"
        " channels, asr_text, predicted_intent, predicted_slots, size_bytes, mtime_ns, title)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT(id) DO UPDATE SET position=excluded.position,"
        " duration_s=excluded.duration_s, sample_rate_hz=excluded.sample_rate_hz,"
        " channels=excluded.channels, asr_text=excluded.asr_text,"
        " predicted_intent=excluded.predicted_intent,"
        " predicted_slots=excluded.predicted_slots,"
        " size_bytes=excluded.size_bytes, mtime_ns=excluded.mtime_ns, title=excluded.title",
        (
            t.id,
            t.position,
            t.audio_path,
            t.duration_s,
            t.sample_rate_hz,
            t.channels,
            t.asr_text,
            t.predicted_intent,
            json.dumps([[s.type, s.start_word, s.end_word] for s in t.predicted_slots]),
            size,
            mtime,
            t.title,
        ),
    )


def _write_session(c: sqlite3.Connection, s: SessionState) -> None:
    value = json.dumps(
        {
            "task_id": s.task_id,
            "segment": s.segment,
            "playhead_s": s.playhead_s,
            "view_start_s": s.view_start_s,
            "view_end_s": s.view_end_s,
        }
    )
    c.execute("INSERT OR REPLACE INTO session(key, value) VALUES ('state', ?)", (value,))


def _explain(exc: sqlite3.OperationalError) -> str:
    msg = str(exc).lower()
    if "disk" in msg or "full" in msg:
        return (
            "The disk is full: your last edit is not saved yet. Free some space; Earmark retries."
        )
    if "locked" in msg or "busy" in msg:
        return "The local store is busy in another Earmark window; close it and try again."
    if "readonly" in msg or "read-only" in msg:
        return "The local store is read-only; check the permissions of Earmark's data folder."
    return f"The local store could not be written ({exc})."
