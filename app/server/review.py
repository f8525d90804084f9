"""Second-pass review: which submissions are sampled, review leases, decisions, figures.

Sampling happens when a put carries a new submission (the document's submission count went
up): every one of an annotator's first `first_n` submitted items in a project, then a keyed-hash
share `rate` of the rest, and every resubmission of a rejected item. The hash makes the choice
repeatable (a repeated put picks the same) and not guessable by the annotator.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from app.protocol import (
    REASONS_MAX,
    REVIEW_FIRST_MAX,
    QualityOut,
    ReviewItemOut,
    ReviewOut,
    ReviewPolicy,
    ReviewPut,
)
from app.server import models as m
from app.server.audit import audit
from app.server.feed import feed
from app.server.keys import Keys, pseudonym_key
from app.server.members import REVIEWING, require
from app.server.models import new_id
from app.server.quality import Reviewed, figures
from app.server.service import RENEW_S, Forbidden, NotFound, task_out

REVIEW_LEASE_S = 3600.0
FLAGS = (
    "not_device_directed",
    "personal_data",
    "unintelligible",
    "wrong_language",
    "distressing",
)


class AlreadyReviewed(Exception):
    def __init__(self, review: ReviewOut) -> None:
        super().__init__("this item was reviewed already")
        self.review = review


def policy_of(project: m.Project) -> ReviewPolicy:
    """The project's policy. One stored before the protocol bounded it is read inside the bounds
    (first_n at most REVIEW_FIRST_MAX, its first REASONS_MAX reasons), so that it still works
    and what reviewers are sent stays small; the next change stores it so."""
    stored = dict(project.review_policy or {})
    if isinstance(stored.get("first_n"), int):
        stored["first_n"] = min(stored["first_n"], REVIEW_FIRST_MAX)
    if isinstance(stored.get("reasons"), list):
        stored["reasons"] = stored["reasons"][:REASONS_MAX]
    return ReviewPolicy.model_validate(stored)


def set_policy(db: Session, admin: m.User, project_id: str, policy: ReviewPolicy) -> None:
    require(db, admin, project_id, "lead")  # the project's lead, or an admin
    project = db.get(m.Project, project_id)
    assert project is not None
    project.review_policy = policy.model_dump()
    audit(db, admin.id, "review_policy", project_id, first_n=policy.first_n, rate=policy.rate)


def _draw(key: bytes, annotation_id: str, submission: int) -> float:
    digest = hmac.new(key, f"{annotation_id}|{submission}".encode(), hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


class Sampler:
    """The review sampler for one request's puts (their `sample` hook, app/server/puts.py): one
    query for the puts' projects, one count per project, one insert for the items picked."""

    def __init__(self, db: Session, user: m.User, task_ids: set[str], keys: Keys) -> None:
        self.db, self.user, self.keys = db, user, keys
        self.now = time.time()
        rows = db.execute(select(m.Task.id, m.Task.project_id).where(m.Task.id.in_(task_ids)))
        self._project_of: dict[str, str] = {t: p for t, p in rows}
        self._projects: dict[str, tuple[bytes, ReviewPolicy]] = {}  # its key, unwrapped
        self._submitted: dict[str, int] = {}  # project -> this annotator's submitted items
        self._picked: list[dict[str, Any]] = []

    def _project(self, project_id: str) -> tuple[bytes, ReviewPolicy]:
        if project_id not in self._projects:
            project = self.db.get(m.Project, project_id)
            assert project is not None
            key = pseudonym_key(self.keys, project.id, project.pseudonym_key)
            self._projects[project_id] = (key, policy_of(project))
            self._submitted[project_id] = int(
                self.db.scalar(
                    select(func.count(m.Annotation.id))
                    .join(m.Task)
                    .where(
                        m.Task.project_id == project_id,
                        m.Annotation.user_id == self.user.id,
                        m.Annotation.submissions > 0,
                    )
                )
                or 0
            )
        return self._projects[project_id]

    def __call__(
        self, ann_id: str, task_id: str, doc: dict[str, Any], prior: int, state: str | None
    ) -> tuple[int, str | None]:
        """(submissions, review state) after storing `doc`; acts only on a new submission."""
        count = int(doc.get("submissions", 0)) if doc.get("status") == "submitted" else 0
        project_id = self._project_of.get(task_id)
        if count <= prior or project_id is None:
            return prior, state
        key, policy = self._project(project_id)
        if prior == 0:
            self._submitted[project_id] += 1
        if state == "rejected":
            pick = True  # the fixed item goes back to review
        elif prior == 0 and self._submitted[project_id] <= policy.first_n:
            pick = True
        else:
            pick = _draw(key, ann_id, count) < policy.rate
        if not pick:
            return count, "not_sampled"
        self._picked.append(
            {
                "id": new_id(),
                "project_id": project_id,
                "task_id": task_id,
                "annotation_id": ann_id,
                "annotator_id": self.user.id,
                "submission": count,
                "doc": doc,
                "created_at": self.now,
                "done": False,
            }
        )
        return count, "pending"

    def finish(self) -> None:
        """Store the items picked (after the batch's annotations)."""
        if self._picked:
            self.db.execute(insert(m.ReviewItem), self._picked)
            self._picked = []


def _items_out(db: Session, items: list[m.ReviewItem]) -> list[ReviewItemOut]:
    """The items with their tasks and annotators' names, in two queries for all of them."""
    if not items:
        return []
    tasks = {
        t.id: t for t in db.scalars(select(m.Task).where(m.Task.id.in_({i.task_id for i in items})))
    }
    names = dict(
        db.execute(
            select(m.User.id, m.User.username).where(m.User.id.in_({i.annotator_id for i in items}))
        ).all()
    )
    return [
        ReviewItemOut(
            id=item.id,
            task=task_out(tasks[item.task_id]),
            annotator=names[item.annotator_id],
            submission=item.submission,
            doc=item.doc,
            lease_expires_at=item.lease_expires_at,
        )
        for item in items
    ]


def lease_reviews(db: Session, user: m.User, project_id: str, count: int) -> list[ReviewItemOut]:
    """Items to review: never the reviewer's own work; a lease expires like a task lease."""
    require(db, user, project_id, *REVIEWING)
    now = time.time()
    open_items = (
        select(m.ReviewItem)
        .join(m.Task)
        .where(
            m.ReviewItem.project_id == project_id,
            m.ReviewItem.done.is_(False),
            m.Task.deleted.is_(False),
            m.ReviewItem.annotator_id != user.id,
        )
    )
    mine = list(
        db.scalars(
            open_items.where(
                m.ReviewItem.leased_by == user.id, m.ReviewItem.lease_expires_at >= now
            ).order_by(m.ReviewItem.created_at, m.Task.number)
        )
    )
    free: list[m.ReviewItem] = []
    if len(mine) < count:
        free = list(
            db.scalars(
                open_items.where(
                    (m.ReviewItem.leased_by.is_(None)) | (m.ReviewItem.lease_expires_at < now)
                )
                .order_by(m.ReviewItem.created_at, m.Task.number)
                .limit(count - len(mine))
                .with_for_update(skip_locked=True, of=m.ReviewItem)
            )
        )
    renew = [i.id for i in free] + [
        i.id for i in mine if (i.lease_expires_at or 0) < now + REVIEW_LEASE_S - RENEW_S
    ]
    if renew:  # one statement for all
        db.execute(
            update(m.ReviewItem)
            .where(m.ReviewItem.id.in_(renew))
            .values(leased_by=user.id, lease_expires_at=now + REVIEW_LEASE_S)
            .execution_options(synchronize_session=False)
        )
        for item in mine + free:  # what the statement wrote, without writing it again
            if item.id in renew:
                set_committed_value(item, "leased_by", user.id)
                set_committed_value(item, "lease_expires_at", now + REVIEW_LEASE_S)
    return _items_out(db, mine + free)


def _review_out(r: m.Review) -> ReviewOut:
    return ReviewOut(
        id=r.id,
        item_id=r.item_id,
        outcome=r.outcome,  # type: ignore[arg-type]
        reason=r.reason,
        comment=r.comment,
    )


def put_review(db: Session, user: m.User, review_id: str, put: ReviewPut) -> ReviewOut:
    """Idempotent on the client's UUID; a second, different decision on an item is refused."""
    existing = db.get(m.Review, review_id)
    if existing is not None:
        if existing.reviewer_id != user.id or existing.item_id != put.item_id:
            raise NotFound(review_id)
        same = (existing.outcome, existing.reason, existing.comment) == (
            put.outcome,
            put.reason,
            put.comment,
        )
        if same:
            return _review_out(existing)
        raise AlreadyReviewed(_review_out(existing))
    item = db.get(m.ReviewItem, put.item_id, with_for_update=True)
    if item is None:
        raise NotFound(put.item_id)
    require(db, user, item.project_id, *REVIEWING)
    if item.annotator_id == user.id:
        raise Forbidden("a reviewer cannot review their own work")
    now = time.time()
    holds = item.leased_by == user.id and (item.lease_expires_at or 0) >= now
    if not holds and user.role != "admin":
        raise NotFound(put.item_id)
    if item.done:
        earlier = db.scalars(select(m.Review).where(m.Review.item_id == item.id)).first()
        assert earlier is not None
        raise AlreadyReviewed(_review_out(earlier))
    project = db.get(m.Project, item.project_id)
    assert project is not None
    policy = policy_of(project)
    reasons = {r.code: r.title for r in policy.reasons}
    if put.outcome == "rejected" and put.reason not in reasons:
        raise ValueError(f"a rejection needs one of the project's reasons: {', '.join(reasons)}")
    if put.outcome == "fixed" and put.doc is None:
        raise ValueError("fix and accept carries the corrected annotation")
    review = m.Review(
        id=review_id,
        item_id=item.id,
        reviewer_id=user.id,
        outcome=put.outcome,
        reason=put.reason if put.outcome == "rejected" else "",
        comment=put.comment,
        start_s=put.start_s,
        end_s=put.end_s,
        doc=None if put.doc is None else put.doc.model_dump(),
        created_at=now,
    )
    db.add(review)
    item.done = True
    item.leased_by, item.lease_expires_at = None, None
    ann = db.get(m.Annotation, item.annotation_id)
    if ann is not None and ann.submissions == item.submission:
        ann.review_state = put.outcome
    feed(
        db,
        item.annotator_id,
        "review",
        item.task_id,
        outcome=put.outcome,
        reason=review.reason,
        reason_title=reasons.get(review.reason, ""),
        comment=put.comment,
        start_s=put.start_s,
        end_s=put.end_s,
        submission=item.submission,
    )
    audit(db, user.id, "review", item.id, outcome=put.outcome, reason=review.reason)
    return _review_out(review)


def quality(db: Session, user: m.User, project_id: str, annotator: str | None = None) -> QualityOut:
    """Reviewers, leads and admins see everyone's figures; an annotator sees only their own."""
    role = require(db, user, project_id)
    project = db.get(m.Project, project_id)
    assert project is not None
    only: str | None = annotator
    if role == "annotator":
        if annotator not in (None, user.username):
            raise NotFound(annotator or "")
        only = user.username
    names = {u.id: u.username for u in db.scalars(select(m.User))}
    reviewed = []
    rows = db.execute(
        select(m.Review, m.ReviewItem)
        .join(m.ReviewItem, m.Review.item_id == m.ReviewItem.id)
        .join(m.Task, m.ReviewItem.task_id == m.Task.id)
        .where(m.ReviewItem.project_id == project_id, m.Task.deleted.is_(False))
        .order_by(m.Review.created_at)
    )
    for review, item in rows:
        who = names.get(item.annotator_id, "?")
        if only is not None and who != only:
            continue
        reference: dict[str, Any] | None = review.doc
        if review.outcome == "accepted":
            reference = item.doc
        reviewed.append(Reviewed(who, review.created_at, review.outcome, item.doc, reference))
    active: dict[str, list[int]] = {}
    for ann in db.scalars(
        select(m.Annotation)
        .join(m.Task)
        .where(
            m.Task.project_id == project_id,
            m.Task.deleted.is_(False),
            m.Annotation.submissions > 0,
        )
    ):
        who = names.get(ann.user_id, "?")
        if only is None or who == only:
            active.setdefault(who, []).append(_ms(ann.doc.get("active_ms", 0)))
    return figures(reviewed, active, policy_of(project).normalisation, FLAGS)


def _ms(value: Any) -> int:
    """Time spent as stored; a document from before the server checked them may hold nonsense,
    which counts as nothing rather than failing everyone's figures."""
    try:
        return max(0, min(int(value), 10**10))
    except (TypeError, ValueError, OverflowError):
        return 0
