"""The audit log: append-only, each row's hash covers the previous row's hash."""

from __future__ import annotations

import hashlib
import json
import time
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from app.server.models import AuditEntry

GENESIS = "0" * 64


def _hash(
    prev: str, at: float, user_id: str | None, action: str, object_id: str, detail: dict[str, Any]
) -> str:
    body = json.dumps([prev, round(at, 6), user_id, action, object_id, detail], sort_keys=True)
    return hashlib.sha256(body.encode()).hexdigest()


AUDIT_LOCK = 0x45415244  # one PostgreSQL advisory lock serialises appends to the chain


def audit(
    db: Session, user_id: str | None, action: str, object_id: str = "", **detail: Any
) -> None:
    if db.get_bind().dialect.name == "postgresql":
        db.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": AUDIT_LOCK})
    last = db.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1)).first()
    prev = last.hash if last else GENESIS
    at = time.time()
    db.add(
        AuditEntry(
            at=at,
            user_id=user_id,
            action=action,
            object_id=object_id,
            detail=detail,
            prev_hash=prev,
            hash=_hash(prev, at, user_id, action, object_id, detail),
        )
    )
    db.flush()


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
