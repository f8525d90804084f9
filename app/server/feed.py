"""Each user's changes feed: entries in server order, read with `changes?since=N`.

A reader who has seen entry N must never get an entry below N later. On PostgreSQL two
transactions could take sequence numbers in one order and commit in the other, and a reader
whose cursor passed the later number would never see the earlier one; so entries are inserted
as the transaction commits, each user's under an advisory lock held to the commit, taken in one
order (no two transactions wait for each other). SQLite writers are one at a time already.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from app.server import models as m
from app.server.locks import FEED, lock

PENDING = "earmark_feed"


def feed(db: Session, user_id: str, kind: str, task_id: str, **payload: Any) -> None:
    """An entry for `user_id`'s feed, inserted when the session commits."""
    db.info.setdefault(PENDING, []).append(
        {"user_id": user_id, "kind": kind, "task_id": task_id, "payload": payload}
    )


def append_pending(db: Session) -> None:
    rows = db.info.pop(PENDING, None)
    if not rows:
        return
    for user_id in sorted({r["user_id"] for r in rows}):
        lock(db, FEED, user_id)
    db.execute(insert(m.Change), rows)


def drop_pending(db: Session) -> None:
    db.info.pop(PENDING, None)
