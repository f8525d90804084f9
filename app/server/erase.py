"""Deletion as promised: a recording erased leaves nothing of its speaker behind.

`erase` destroys the recording's key and audio, every annotation (drafts too), review item,
review, conflict (whatever UUID it was put with: each names its task) and feed entry about it,
and its content fields; only the task's id and number stay, with a tombstone in the feed of
everyone who held it, so that every workstation purges its copy at its next sync (app/sync).
A customer's deletion request names their real account id: `forget_customer` finds their
recordings in every project through the per-project pseudonyms (each project's key unwrapped
under the master key). A project's retention period deletes by age the same way. Audit rows
name recordings and people, never what was said.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.server import models as m
from app.server.audit import audit
from app.server.feed import feed
from app.server.keys import Keys, pseudonym, pseudonym_key
from app.server.storage import AudioStore

DAY_S = 86_400.0


@dataclass
class Erased:
    """What a deletion took: (project name, item number) of each recording."""

    items: list[tuple[str, int]] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.items)


def holders_of(db: Session, task_id: str) -> set[str]:
    """Everyone with a copy of the recording or of work on it: annotators, whoever leases it,
    reviewers holding or having decided an item of it."""
    t = db.get(m.Task, task_id)
    holders = set(db.scalars(select(m.Annotation.user_id).where(m.Annotation.task_id == task_id)))
    if t is not None and t.leased_by:
        holders.add(t.leased_by)
    holders |= {
        u
        for u in db.scalars(select(m.ReviewItem.leased_by).where(m.ReviewItem.task_id == task_id))
        if u
    }
    items = select(m.ReviewItem.id).where(m.ReviewItem.task_id == task_id)
    holders |= set(db.scalars(select(m.Review.reviewer_id).where(m.Review.item_id.in_(items))))
    return holders


def erase(db: Session, store: AudioStore, task: m.Task) -> None:
    """One recording erased here; the caller audits and commits."""
    holders = holders_of(db, task.id)
    items = select(m.ReviewItem.id).where(m.ReviewItem.task_id == task.id)
    quick = {"synchronize_session": False}
    db.execute(delete(m.Review).where(m.Review.item_id.in_(items)), execution_options=quick)
    db.execute(delete(m.ReviewItem).where(m.ReviewItem.task_id == task.id), execution_options=quick)
    db.execute(delete(m.Conflict).where(m.Conflict.task_id == task.id), execution_options=quick)
    db.execute(delete(m.Annotation).where(m.Annotation.task_id == task.id), execution_options=quick)
    db.execute(
        delete(m.LabelStudioLink).where(m.LabelStudioLink.task_id == task.id),
        execution_options=quick,
    )
    db.execute(  # what the feed said of it (reviews carry comments); the tombstones come below
        delete(m.Change).where(m.Change.task_id == task.id), execution_options=quick
    )
    store.delete(task.id)
    task.audio_key, task.deleted = None, True
    task.asr_text, task.predicted_intent, task.predicted_slots = "", None, []
    task.prefill = {}
    task.customer, task.audio_sha256 = "", ""
    task.leased_by, task.lease_expires_at = None, None
    for uid in sorted(holders):
        feed(db, uid, "deleted", task.id)


def forget_customer(
    db: Session, store: AudioStore, keys: Keys, customer_id: str, actor: str | None = None
) -> Erased:
    """Every recording of the customer in every project, erased; one audit row, which names
    the recordings and never the customer."""
    done = Erased()
    tasks = []
    for project in db.scalars(select(m.Project).order_by(m.Project.name)):
        who = pseudonym(pseudonym_key(keys, project.id, project.pseudonym_key), customer_id)
        for t in db.scalars(
            select(m.Task)
            .where(m.Task.project_id == project.id, m.Task.customer == who, ~m.Task.deleted)
            .order_by(m.Task.number)
        ):
            tasks.append(t.id)
            done.items.append((project.name, t.number))
            erase(db, store, t)
    audit(db, actor, "customer_forgotten", "", recordings=tasks)
    return done


def apply_retention(db: Session, store: AudioStore, now: float | None = None) -> Erased:
    """Recordings older than their project's retention period, erased; one audit row each
    project that lost any."""
    now = time.time() if now is None else now
    done = Erased()
    for project in db.scalars(select(m.Project).where(m.Project.retention_days.is_not(None))):
        cutoff = now - float(project.retention_days or 0) * DAY_S
        old = list(
            db.scalars(
                select(m.Task).where(
                    m.Task.project_id == project.id, m.Task.imported_at < cutoff, ~m.Task.deleted
                )
            )
        )
        for t in old:
            done.items.append((project.name, t.number))
            erase(db, store, t)
        if old:
            audit(db, None, "retention", project.id, recordings=[t.id for t in old])
    return done
