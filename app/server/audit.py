"""The audit log: append-only, each row's hash covers the previous row's hash.

`audit()` adds a row to the session's transaction; it is chained when the transaction commits,
as its last statements (app/server/commit.py), so the chain's lock (on PostgreSQL an advisory
lock; SQLite writers are one at a time already) is held only from there to the commit, never
across a route's work. Rows that belong to no other write (an audio access) go through the
`Auditor`, which appends what many requests asked for in one transaction. Each append moves
the chain's anchor on (app/server/anchor.py) when its session holds the master key's subkey.
"""

from __future__ import annotations

import hashlib
import json
import queue
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session, sessionmaker

from app.server import anchor, locks
from app.server.models import AuditEntry

GENESIS = "0" * 64
PENDING = "earmark_audit"


def _hash(
    prev: str, at: float, user_id: str | None, action: str, object_id: str, detail: dict[str, Any]
) -> str:
    body = json.dumps([prev, round(at, 6), user_id, action, object_id, detail], sort_keys=True)
    return hashlib.sha256(body.encode()).hexdigest()


def audit(
    db: Session, user_id: str | None, action: str, object_id: str = "", **detail: Any
) -> None:
    """An audit row, stored with the transaction it is part of (chained at its commit)."""
    db.info.setdefault(PENDING, []).append((time.time(), user_id, action, object_id, detail))


def request_anchor(db: Session) -> None:
    """The chain anchored at this session's commit even if it audits nothing (an upgrade)."""
    db.info.setdefault(PENDING, [])


def append_pending(db: Session) -> None:
    """Chain and insert the session's pending rows, and move the anchor on: called just
    before the session commits."""
    rows = db.info.pop(PENDING, None)
    if rows is None:
        return
    key = anchor.session_key(db)  # read before the chain's lock is taken
    if not rows and key is None:
        return
    head, held = _head(db)
    prev = head.hash
    if key is not None:
        action, detail = anchor.note(key, head, held)
        if action:
            rows.append((time.time(), None, action, "", detail))
    if not rows:
        return
    chained = []
    for at, user_id, action, object_id, detail in rows:
        digest = _hash(prev, at, user_id, action, object_id, detail)
        chained.append(
            {
                "at": at,
                "user_id": user_id,
                "action": action,
                "object_id": object_id,
                "detail": detail,
                "prev_hash": prev,
                "hash": digest,
            }
        )
        prev = digest
    db.execute(insert(AuditEntry), chained)
    if key is not None:
        anchor.move(db, key, prev, held)


def _head(db: Session) -> tuple[anchor.Head, anchor.Anchor | None]:
    """The chain's head and its anchor, under the chain's lock (held to the commit)."""
    if db.get_bind().dialect.name != "postgresql":  # SQLite: the writer holds the only lock
        return anchor.head(db), anchor.read(db)
    # Lock, then read, in one round trip: the later statements take their snapshots after the
    # lock is granted, so they see what the previous holder committed.
    cursor = db.connection().connection.cursor()
    try:
        cursor.execute(
            f"SELECT pg_advisory_xact_lock({locks.AUDIT << 32});"
            " SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1;"
            " SELECT seq, hash, mac FROM audit_anchor WHERE id = 1"
        )
        cursor.nextset()
        last = cursor.fetchone()
        cursor.nextset()
        found = cursor.fetchone()
    finally:
        cursor.close()
    head = anchor.Head(0, GENESIS) if last is None else anchor.Head(int(last[0]), str(last[1]))
    if found is None:
        return head, None
    return head, anchor.Anchor(int(found[0]), str(found[1]), str(found[2]))


def drop_pending(db: Session) -> None:
    db.info.pop(PENDING, None)


def verify(db: Session) -> list[int]:
    """Sequence numbers of rows whose hash or link does not hold: empty when untouched."""
    bad: list[int] = []
    prev = GENESIS
    for row in db.scalars(select(AuditEntry).order_by(AuditEntry.seq)):
        if row.prev_hash != prev or row.hash != _hash(
            row.prev_hash, row.at, row.user_id, row.action, row.object_id, row.detail
        ):
            bad.append(row.seq)
        prev = row.hash
    return bad


class AuditFailed(Exception):
    pass


@dataclass
class _Ask:
    row: tuple[str | None, str, str, dict[str, Any]]
    done: threading.Event = field(default_factory=threading.Event)
    error: BaseException | None = None


class Auditor:
    """One thread per process appending standalone rows in batches: `record` returns once the
    row is committed, so an access is on the log before anything is served."""

    BATCH = 500

    def __init__(self, sessions: sessionmaker[Session], timeout_s: float) -> None:
        self.sessions, self.timeout_s = sessions, timeout_s
        self._asks: queue.Queue[_Ask | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def record(self, user_id: str | None, action: str, object_id: str = "", **detail: Any) -> None:
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="auditor", daemon=True)
                self._thread.start()
        ask = _Ask((user_id, action, object_id, detail))
        self._asks.put(ask)
        if not ask.done.wait(self.timeout_s):
            raise AuditFailed("the audit log could not be written in time")
        if ask.error is not None:
            raise ask.error

    def close(self) -> None:
        with self._lock:
            if self._thread is not None:
                self._asks.put(None)
                self._thread.join(10)
                self._thread = None

    def _run(self) -> None:
        while True:
            first = self._asks.get()
            if first is None:
                return
            batch = [first]
            while len(batch) < self.BATCH:
                try:
                    more = self._asks.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    self._asks.put(None)  # stop after this batch
                    break
                batch.append(more)
            try:
                with self.sessions() as s:
                    for ask in batch:
                        user_id, action, object_id, detail = ask.row
                        audit(s, user_id, action, object_id, **detail)
                    s.commit()
            except Exception as exc:  # every asker hears of it; the thread goes on
                for ask in batch:
                    ask.error = exc
            for ask in batch:
                ask.done.set()


# -- asking the log ---------------------------------------------------------------------------
def first_break(db: Session) -> tuple[int, str] | None:
    """The first row where the chain does not hold, and why; None when it holds throughout."""
    prev = GENESIS
    for row in db.scalars(select(AuditEntry).order_by(AuditEntry.seq)):
        if row.prev_hash != prev:
            return row.seq, "it does not follow the row before it (a row was deleted or moved)"
        if row.hash != _hash(
            row.prev_hash, row.at, row.user_id, row.action, row.object_id, row.detail
        ):
            return row.seq, "its content does not match its hash (the row was edited)"
        prev = row.hash
    return None


def entries(
    db: Session,
    user_id: str | None = None,
    object_id: str | None = None,
    action: str | None = None,
    since: float | None = None,
    until: float | None = None,
) -> list[AuditEntry]:
    """Rows matching every filter given, in order."""
    q = select(AuditEntry).order_by(AuditEntry.seq)
    if user_id is not None:
        q = q.where(AuditEntry.user_id == user_id)
    if object_id is not None:
        q = q.where(AuditEntry.object_id == object_id)
    if action is not None:
        q = q.where(AuditEntry.action == action)
    if since is not None:
        q = q.where(AuditEntry.at >= since)
    if until is not None:
        q = q.where(AuditEntry.at < until)
    return list(db.scalars(q))
