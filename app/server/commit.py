"""What a transaction writes as it commits, last and in this order: the changes feed's entries,
then the audit rows. Both need a lock held to the commit (app/server/feed.py, audit.py); taking
them here keeps those locks short and always in one order."""

from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.orm import Session

from app.server import audit, feed


@event.listens_for(Session, "before_commit")
def _before_commit(db: Session) -> None:
    feed.append_pending(db)
    audit.append_pending(db)


@event.listens_for(Session, "after_rollback")
def _after_rollback(db: Session) -> None:
    feed.drop_pending(db)
    audit.drop_pending(db)
