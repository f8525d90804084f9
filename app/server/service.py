"""What the routes do, as plain functions over a session: leases, puts, the feed, deletion.

Every query is scoped by the caller; an object outside the caller's scope is NotFound.

A lease answer is the caller's open work: tasks leased to them and not yet submitted or
skipped, and their items a reviewer sent back, topped up from the pool to the count asked for.
Submitting or skipping ends the task's lease and takes it out of the pool for good.
"""

from __future__ import annotations

import time

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from app.protocol import (
    AnnotationOut,
    AnnotationPut,
    BatchResult,
    Change,
    ChangesPage,
    MutedOut,
    Prefill,
    SlotOut,
    TaskOut,
)
from app.server import models as m
from app.server.audit import audit
from app.server.erase import erase
from app.server.feed import feed
from app.server.locks import LEASE, lock
from app.server.members import ANNOTATING, require, role_in
from app.server.puts import (
    CLOSED,
    Conflict,
    Refused,
    SampleHook,
    Stored,
    Writes,
    put_one,
    read_scope,
)
from app.server.storage import AudioStore

LEASE_S = 3600.0
RENEW_S = 300.0  # a lease is renewed once it has run this long


class NotFound(Exception):
    pass


class Stale(Exception):
    def __init__(self, server: AnnotationOut) -> None:
        super().__init__("the annotation changed since the version it was based on")
        self.server = server


class Forbidden(Exception):
    pass


def task_out(t: m.Task) -> TaskOut:
    return TaskOut(
        id=t.id,
        project_id=t.project_id,
        number=t.number,
        audio_sha256=t.audio_sha256,
        duration_s=t.duration_s,
        sample_rate_hz=t.sample_rate_hz,
        channels=t.channels,
        asr_text=t.asr_text,
        predicted_intent=t.predicted_intent,
        predicted_slots=[SlotOut(**s) for s in t.predicted_slots],
        lease_expires_at=t.lease_expires_at,
        prefill=Prefill.model_validate(t.prefill) if t.prefill else None,
        muted=[MutedOut(**s) for s in t.muted or []],
    )


def open_work(db: Session, user: m.User, project_id: str) -> list[m.Task]:
    """The caller's open tasks, in item order: leased to them and not submitted or skipped (an
    expired lease nobody has taken yet is still theirs), and those of their items a reviewer
    sent back, open again until they submit them."""
    returned = select(m.Annotation.task_id).where(
        m.Annotation.user_id == user.id, m.Annotation.review_state == "rejected"
    )
    return list(
        db.scalars(
            select(m.Task)
            .where(
                m.Task.project_id == project_id,
                m.Task.deleted.is_(False),
                or_(
                    and_(m.Task.leased_by == user.id, m.Task.closed.is_(False)),
                    m.Task.id.in_(returned),
                ),
            )
            .order_by(m.Task.number)
        )
    )


def lease(db: Session, user: m.User, project_id: str, count: int) -> list[TaskOut]:
    """The caller's open work topped up from the pool to `count`, their leases renewed.

    The pool is the project's tasks nobody has submitted or skipped and nobody holds: never
    leased, or leased by someone whose lease expired, who hears that it was taken.
    """
    require(db, user, project_id, *ANNOTATING)
    lock(db, LEASE, user.id)  # one lease of a caller at a time: it counts what it holds
    now = time.time()
    mine = open_work(db, user, project_id)
    free: list[m.Task] = []
    if len(mine) < count:
        free = list(
            db.scalars(
                select(m.Task)
                .where(
                    m.Task.project_id == project_id,
                    m.Task.closed.is_(False),
                    m.Task.deleted.is_(False),
                    or_(
                        m.Task.leased_by.is_(None),
                        and_(m.Task.lease_expires_at < now, m.Task.leased_by != user.id),
                    ),
                )
                .order_by(m.Task.number)
                .limit(count - len(mine))
                .with_for_update(skip_locked=True)
            )
        )
    # renewed when a lease has run a while, not at every call (one statement for all)
    stale = [
        t.id
        for t in mine
        if t.leased_by == user.id and (t.lease_expires_at or 0) < now + LEASE_S - RENEW_S
    ]
    if stale:
        db.execute(
            update(m.Task)
            .where(m.Task.id.in_(stale))
            .values(lease_expires_at=now + LEASE_S)
            .execution_options(synchronize_session=False)
        )
    for t in free:
        if t.leased_by is not None:
            feed(db, t.leased_by, "revoked", t.id, reason="lease expired")
        t.leased_by, t.lease_expires_at = user.id, now + LEASE_S
        feed(db, user.id, "assigned", t.id)
    return [task_out(t) for t in mine + free]


def visible_task(db: Session, user: m.User, task_id: str) -> m.Task:
    """A task the caller may see: leased to them, annotated by them, or any for an admin."""
    t = db.get(m.Task, task_id)
    if t is None or t.deleted or role_in(db, user, t.project_id) is None:
        raise NotFound(task_id)
    if user.role == "admin":
        return t
    now = time.time()
    if t.leased_by == user.id:  # expired or not: nobody else has taken it
        return t
    reviewing = select(m.ReviewItem.id).where(
        m.ReviewItem.task_id == task_id,
        m.ReviewItem.leased_by == user.id,
        m.ReviewItem.lease_expires_at >= now,
        m.ReviewItem.done.is_(False),
    )
    if db.scalars(reviewing).first() is not None:
        return t  # a reviewer hears what they review
    owned = db.scalars(  # their own finished work (or work sent back), not a lost draft
        select(m.Annotation.id).where(
            m.Annotation.task_id == task_id,
            m.Annotation.user_id == user.id,
            or_(m.Annotation.status.in_(CLOSED), m.Annotation.review_state == "rejected"),
        )
    ).first()
    if owned is None:
        raise NotFound(task_id)
    return t


def audible_task(db: Session, user: m.User, task_id: str) -> m.Task:
    """A task whose recording the caller may hear (the route audits each access)."""
    t = visible_task(db, user, task_id)
    if t.audio_key is None:
        raise NotFound(task_id)
    return t


def put_annotation(
    db: Session, user: m.User, ann_id: str, put: AnnotationPut, sample: SampleHook | None = None
) -> AnnotationOut:
    """Idempotent on the UUID; a stale base is stored as a conflict and raised, never applied
    (app/server/puts.py has the rules)."""
    writes = Writes(db, user, sample)
    outcome = put_one(read_scope(db, user, {ann_id: put}), writes, ann_id, put)
    writes.finish()
    if isinstance(outcome, Conflict):
        raise Stale(outcome.server)
    if isinstance(outcome, Refused):
        raise NotFound(ann_id)
    return AnnotationOut(
        id=ann_id, task_id=put.task_id, version=outcome.version, doc=put.doc.model_dump()
    )


def put_many(
    db: Session, user: m.User, items: dict[str, AnnotationPut], sample: SampleHook | None = None
) -> BatchResult:
    """The batch form of put_annotation, under the same rules, in a few queries for them all.

    `sample` sees every stored document (the review sampler, app/server/review.py); the audit
    row listing what was stored comes last.
    """
    writes = Writes(db, user, sample)
    scope = read_scope(db, user, items)
    result = BatchResult(stored={}, conflicts={}, refused={})
    for ann_id, put in items.items():
        outcome = put_one(scope, writes, ann_id, put)
        if isinstance(outcome, Stored):
            result.stored[ann_id] = outcome.version
        elif isinstance(outcome, Conflict):
            result.conflicts[ann_id] = outcome.server
        else:
            result.refused[ann_id] = "not found"
    writes.finish()
    return result


def changes(db: Session, user: m.User, since: int, limit: int) -> ChangesPage:
    rows = list(
        db.scalars(
            select(m.Change)
            .where(m.Change.user_id == user.id, m.Change.seq > since)
            .order_by(m.Change.seq)
            .limit(limit + 1)
        )
    )
    more = len(rows) > limit
    rows = rows[:limit]
    return ChangesPage(
        changes=[
            Change(
                seq=r.seq,
                kind=r.kind,  # type: ignore[arg-type]
                task_id=r.task_id,
                payload=r.payload,
            )
            for r in rows
        ],
        next_since=rows[-1].seq if rows else since,
        more=more,
    )


def delete_task(db: Session, store: AudioStore, user: m.User, task_id: str) -> None:
    """A recording deleted by an admin or the project's lead (app/server/erase.py)."""
    t = db.get(m.Task, task_id)
    if t is None or t.deleted:
        raise NotFound(task_id)
    require(db, user, t.project_id, "lead")
    erase(db, store, t)
    audit(db, user.id, "deletion", task_id)


def project_for(db: Session, project_id: str) -> m.Project:
    p = db.get(m.Project, project_id)
    if p is None:
        raise NotFound(project_id)
    return p
