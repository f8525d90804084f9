"""The rules of an annotation put, shared by the single PUT and the batch (app/server/service.py).

Every document has been parsed by the protocol's model (AnnotationDoc) before it gets here.
One annotation per annotator per task: a second UUID for a task the caller has annotated is a
conflict with the one the server holds. The caller may write to a task leased to them, or to
their own annotation once submitted or skipped (or sent back by a reviewer); a draft whose lease
went to someone else is refused. A put on a version other than the server's is a conflict; a
conflict is stored aside (m.Conflict), never applied. The same put again is answered as before.
"""

from __future__ import annotations

import time
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import case, insert, select, true, update
from sqlalchemy.orm import Session

from app.protocol import AnnotationOut, AnnotationPut
from app.server import models as m
from app.server.audit import audit
from app.server.members import ANNOTATING, projects_where

CLOSED = ("submitted", "skipped")


@dataclass(frozen=True, slots=True)
class Stored:
    version: int  # the version the put made (or made before, for the same put again)


@dataclass(frozen=True, slots=True)
class Conflict:
    server: AnnotationOut  # the version the server holds


@dataclass(frozen=True, slots=True)
class Refused:
    """Answered as "not found": whether the annotation or task exists is not said."""


Outcome = Stored | Conflict | Refused


class SampleHook(Protocol):
    """The review sampler (app/server/review.py) as the puts see it."""

    def __call__(
        self, ann_id: str, task_id: str, doc: dict[str, Any], prior: int, state: str | None
    ) -> tuple[int, str | None]:
        """(submissions, review state) after storing `doc`."""

    def finish(self) -> None:
        """Store what was picked, after the puts' annotations."""


def annotation_out(a: m.Annotation) -> AnnotationOut:
    return AnnotationOut(id=a.id, task_id=a.task_id, version=a.version, doc=a.doc)


@dataclass(frozen=True, slots=True)
class Scope:
    """What the server holds that a request's puts touch, read in four queries for them all."""

    existing: dict[str, m.Annotation]  # the puts' annotations that exist, locked for update
    mine: dict[str, m.Annotation]  # task -> the caller's annotation of it
    live: set[str]  # the puts' tasks in a project where the caller annotates
    held: set[str]  # of those, the ones leased to the caller (all of them for an admin)

    def may_write(self, task_id: str) -> bool:
        own = self.mine.get(task_id)
        finished = own is not None and (own.status in CLOSED or own.review_state == "rejected")
        return task_id in self.live and (task_id in self.held or finished)


def read_scope(db: Session, user: m.User, items: Mapping[str, AnnotationPut]) -> Scope:
    existing = {
        a.id: a
        for a in db.scalars(
            select(m.Annotation).where(m.Annotation.id.in_(list(items))).with_for_update()
        )
    }
    task_ids = {p.task_id for p in items.values()}
    live = set(
        db.scalars(
            select(m.Task.id).where(
                m.Task.id.in_(task_ids),
                ~m.Task.deleted,
                m.Task.project_id.in_(projects_where(user, *ANNOTATING)),
            )
        )
    )
    mine = {
        a.task_id: a
        for a in db.scalars(
            select(m.Annotation).where(
                m.Annotation.task_id.in_(task_ids), m.Annotation.user_id == user.id
            )
        )
    }
    held = set(
        db.scalars(
            select(m.Task.id).where(
                m.Task.id.in_(live),
                true() if user.role == "admin" else m.Task.leased_by == user.id,
            )
        )
    )
    return Scope(existing, mine, live, held)


class Writes:
    """What a request's puts write: changed rows at once, new ones and the rest at `finish`, so
    that a batch costs one statement of each kind."""

    def __init__(self, db: Session, user: m.User, sample: SampleHook | None) -> None:
        self.db, self.user, self.sample = db, user, sample
        self.now = time.time()
        self.fresh: list[dict[str, Any]] = []  # new annotations, inserted at `finish`
        self.taken: dict[str, str] = {}  # task -> the new annotation these puts gave it
        self.stored: list[str] = []  # annotations stored, for the audit row
        self.closing: list[str] = []  # tasks submitted or skipped by these puts

    def keep_conflict(self, ann_id: str, task_id: str, base: int, doc: dict[str, Any]) -> None:
        self.db.add(
            m.Conflict(
                annotation_id=ann_id,
                task_id=task_id,  # what an erasure of the task finds it by
                user_id=self.user.id,
                base_version=base,
                doc=doc,
                created_at=self.now,
            )
        )

    def add(self, ann_id: str, task_id: str, doc: dict[str, Any]) -> None:
        submissions, state = (0, None)
        if self.sample is not None:
            submissions, state = self.sample(ann_id, task_id, doc, 0, None)
        self.fresh.append(
            {
                "id": ann_id,
                "task_id": task_id,
                "user_id": self.user.id,
                "version": 1,
                "doc": doc,
                "status": doc["status"],
                "updated_at": self.now,
                "submissions": submissions,
                "review_state": state,
            }
        )
        self.taken[task_id] = ann_id
        self._stored(ann_id, task_id, doc)

    def change(self, row: m.Annotation, doc: dict[str, Any]) -> None:
        row.version += 1
        row.doc, row.status, row.updated_at = doc, doc["status"], self.now
        if self.sample is not None:
            row.submissions, row.review_state = self.sample(
                row.id, row.task_id, doc, row.submissions, row.review_state
            )
        self._stored(row.id, row.task_id, doc)

    def _stored(self, ann_id: str, task_id: str, doc: dict[str, Any]) -> None:
        self.stored.append(ann_id)
        if doc["status"] in CLOSED:
            self.closing.append(task_id)

    def finish(self) -> None:
        """The new rows, the tasks closed, the review items picked, then the audit row."""
        if self.fresh:
            self.db.execute(insert(m.Annotation), self.fresh)  # one statement, not one each
        if self.closing:
            close_tasks(self.db, self.user, self.closing)
        if self.sample is not None:
            self.sample.finish()
        if self.stored:  # chained at the commit (app/server/audit.py)
            audit(self.db, self.user.id, "submission", "", annotations=self.stored)


def close_tasks(db: Session, user: m.User, task_ids: Collection[str]) -> None:
    """Out of the pool for good; the submitter's lease ends (someone else's stands)."""
    mine_now = m.Task.leased_by == user.id
    db.execute(
        update(m.Task)
        .where(m.Task.id.in_(task_ids))
        .values(
            closed=True,
            leased_by=case((mine_now, None), else_=m.Task.leased_by),
            lease_expires_at=case((mine_now, None), else_=m.Task.lease_expires_at),
        )
        .execution_options(synchronize_session=False)
    )


def put_one(scope: Scope, writes: Writes, ann_id: str, put: AnnotationPut) -> Outcome:
    """One put under the rules; what it stores waits in `writes` until `writes.finish()`."""
    doc = put.doc.model_dump()
    row = scope.existing.get(ann_id)
    if row is None:
        return _put_new(scope, writes, ann_id, put, doc)
    return _put_over(scope, writes, row, put, doc)


def _put_new(
    scope: Scope, writes: Writes, ann_id: str, put: AnnotationPut, doc: dict[str, Any]
) -> Outcome:
    other = scope.mine.get(put.task_id)
    if other is not None or put.task_id in writes.taken:
        # one annotation per annotator per task: the server's stands, this is kept aside
        writes.keep_conflict(ann_id, put.task_id, put.base_version, doc)
        if other is not None:
            return Conflict(annotation_out(other))
        given = writes.taken[put.task_id]  # by an earlier put of the same batch
        return Conflict(AnnotationOut(id=given, task_id=put.task_id, version=1, doc={}))
    if not scope.may_write(put.task_id) or put.base_version != 0:
        return Refused()
    writes.add(ann_id, put.task_id, doc)
    return Stored(1)


def _put_over(
    scope: Scope, writes: Writes, row: m.Annotation, put: AnnotationPut, doc: dict[str, Any]
) -> Outcome:
    if row.user_id != writes.user.id or row.task_id != put.task_id:
        return Refused()
    if row.version == put.base_version + 1 and row.doc == doc:
        return Stored(row.version)  # the same put again
    if row.version != put.base_version:
        writes.keep_conflict(row.id, row.task_id, put.base_version, doc)
        return Conflict(annotation_out(row))
    if not scope.may_write(put.task_id):
        return Refused()
    writes.change(row, doc)
    return Stored(row.version)
