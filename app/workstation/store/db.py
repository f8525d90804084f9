"""The local store: tasks, annotations, the outbox and where the annotator was.

SQLite with WAL and synchronous=FULL; each edit is one short transaction that writes the
annotation and its outbox row together, so "saved" can be shown after COMMIT and mean it. The
outbox holds each item's newest revision not yet acknowledged by a server: it is what a sync
pass sends (app/workstation/store/sync_tables.py), and an acknowledgement removes what it covers.

The window never reads this on the GUI thread: it is loaded once into the editor (`queue()`,
on a worker), and what a sync pass changes comes back in the pass's result.
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

from app.model.annotation import (
    Annotation,
    Flag,
    Segment,
    segments_from_json,
    segments_to_json,
)
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
    title TEXT NOT NULL DEFAULT '',
    prefill TEXT NOT NULL DEFAULT '{}'
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
-- a draft transcript made on this workstation (app/audio/recognise.py), kept apart from the
-- hypothesis a recording came with, so that no import or sync overwrites or mistakes it
CREATE TABLE IF NOT EXISTS drafts (
    task_id TEXT PRIMARY KEY,
    segments TEXT NOT NULL,
    made_by TEXT NOT NULL,
    made_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS remote (
    task_id TEXT PRIMARY KEY,
    annotation_id TEXT NOT NULL,
    server_version INTEGER NOT NULL DEFAULT 0,
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


@dataclass(frozen=True, slots=True)
class Queue:
    """Everything the editor works from, read in one go: the tasks, their annotations (each
    document decoded once, here) and where the annotator was."""

    tasks: list[Task]
    annotations: dict[str, tuple[int, Annotation]]
    session: SessionState

    @staticmethod
    def empty() -> Queue:
        return Queue([], {}, SessionState())


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
        self._db.execute("PRAGMA secure_delete=ON")  # what is purged is overwritten, not freed
        with self.transaction() as c:
            for stmt in SCHEMA.split(";"):
                if stmt.strip():
                    c.execute(stmt)
            columns = {r[1] for r in c.execute("PRAGMA table_info(tasks)")}
            if "title" not in columns:
                c.execute("ALTER TABLE tasks ADD COLUMN title TEXT NOT NULL DEFAULT ''")
            if "prefill" not in columns:
                c.execute("ALTER TABLE tasks ADD COLUMN prefill TEXT NOT NULL DEFAULT '{}'")
            c.execute(
                "INSERT OR REPLACE INTO meta(key, value) VALUES ('schema', ?)",
                (str(SCHEMA_VERSION),),
            )

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (BEGIN IMMEDIATE ... COMMIT) under the store's lock; a failure
        rolls it back and says what to do (StoreError)."""
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

    def wipe_freed(self) -> None:
        """After a purge (a recording deleted on the server): no page of it left in the log
        either (the purged rows themselves were overwritten as they went)."""
        with self._lock:
            self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def rows(self, sql: str, args: tuple[Any, ...] = ()) -> list[Any]:
        """A read under the store's lock (for the tables kept beside it, sync_tables.py)."""
        with self._lock:
            return self._db.execute(sql, args).fetchall()

    def queue(self) -> Queue:
        """The editor's starting point, in one read."""
        return Queue(self.tasks(), self.annotations(), self.session())

    # -- meta --------------------------------------------------------------------------------
    def set_draft(self, task_id: str, segments: tuple[Segment, ...], made_by: str) -> None:
        with self.transaction() as c:
            c.execute(
                "INSERT OR REPLACE INTO drafts(task_id, segments, made_by, made_at)"
                " VALUES (?, ?, ?, ?)",
                (task_id, json.dumps(segments_to_json(segments)), made_by, time.time()),
            )

    def set_meta(self, key: str, value: str) -> None:
        with self.transaction() as c:
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
        with self.transaction() as c:
            for t in tasks:
                size, mtime = stamps.get(t.audio_path, (-1, -1))
                upsert_task(c, t, size, mtime)

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
                " predicted_intent, predicted_slots, position, title, prefill, d.segments,"
                " d.made_by FROM tasks LEFT JOIN drafts d ON d.task_id = tasks.id"
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
                *_prefill(r[10]),
                draft=segments_from_json(json.loads(r[11])) if r[11] else (),
                draft_by=r[12] or "",
                muted=_muted(r[10]),
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
        with self.transaction() as c:
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

    def annotations(self, task_ids: list[str] | None = None) -> dict[str, tuple[int, Annotation]]:
        """Every item's annotation, or those of `task_ids`."""
        sql, args = "SELECT task_id, rev, doc FROM annotations", tuple[str, ...]()
        if task_ids is not None:
            sql += f" WHERE task_id IN ({', '.join('?' * len(task_ids))})"
            args = tuple(task_ids)
        with self._lock:
            rows = self._db.execute(sql, args).fetchall()
        return {r[0]: (int(r[1]), Annotation.from_json(json.loads(r[2]))) for r in rows}

    # -- session -----------------------------------------------------------------------------
    def save_session(self, session: SessionState) -> None:
        with self.transaction() as c:
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


def _prefill(raw: str) -> tuple[tuple[Segment, ...], frozenset[Flag]]:
    data = json.loads(raw or "{}")
    return segments_from_json(data.get("segments", [])), frozenset(
        Flag(f) for f in data.get("flags", [])
    )


def _muted(raw: str) -> tuple[tuple[float, float, str], ...]:
    """Stretches covered by a tone in the audio a muting project served (kept with the prefill:
    both are what the server said about the recording)."""
    data = json.loads(raw or "{}")
    return tuple((float(a), float(b), str(k)) for a, b, k in data.get("muted", []))


def upsert_task(c: sqlite3.Connection, t: Task, size: int, mtime: int) -> None:
    c.execute(
        "INSERT INTO tasks(id, position, audio_path, duration_s, sample_rate_hz,"
        " channels, asr_text, predicted_intent, predicted_slots, size_bytes, mtime_ns, title,"
        " prefill) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT(id) DO UPDATE SET position=excluded.position,"
        " duration_s=excluded.duration_s, sample_rate_hz=excluded.sample_rate_hz,"
        " channels=excluded.channels, asr_text=excluded.asr_text,"
        " predicted_intent=excluded.predicted_intent,"
        " predicted_slots=excluded.predicted_slots,"
        " size_bytes=excluded.size_bytes, mtime_ns=excluded.mtime_ns, title=excluded.title,"
        " prefill=excluded.prefill",
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
            json.dumps(
                {
                    "segments": segments_to_json(t.prefill),
                    "flags": sorted(f.value for f in t.prefill_flags),
                    **({"muted": [list(s) for s in t.muted]} if t.muted else {}),
                }
            ),
        ),
    )


def forget(c: sqlite3.Connection, value: str, places: tuple[tuple[str, str], ...]) -> None:
    """Delete every row that holds `value` in one of the (table, column) places."""
    for table, column in places:
        c.execute(f"DELETE FROM {table} WHERE {column} = ?", (value,))


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
