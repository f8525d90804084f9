"""Tables. UUIDs everywhere; secrets only as hashes; every change numbered for the feed."""

from __future__ import annotations

import time
import uuid
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from app.protocol import LOCK_AFTER_S


def new_id() -> str:
    return str(uuid.uuid4())


class Base(DeclarativeBase):
    type_annotation_map = {
        dict[str, Any]: JSON,
        list[Any]: JSON,
        dict[str, Any] | None: JSON,
        list[Any] | None: JSON,
    }


class User(Base):
    __tablename__ = "users"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    totp_secret: Mapped[str] = mapped_column(String(200))  # wrapped (app/server/keys.py)
    last_totp_step: Mapped[int] = mapped_column(Integer, default=0)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)


class Project(Base):
    __tablename__ = "projects"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    taxonomy: Mapped[dict[str, Any]] = mapped_column(JSON)
    conventions: Mapped[dict[str, Any]] = mapped_column(JSON)
    # wrapped under the master key (app/server/keys.py): a copy of the database alone cannot
    # tell whose recordings these are by trying customer ids
    pseudonym_key: Mapped[bytes] = mapped_column(LargeBinary)
    # sampling share, reason codes, WER normalisation: app/server/review.py reads it with defaults
    review_policy: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    retention_days: Mapped[int | None] = mapped_column(Integer, nullable=True)  # None: keep
    # personal data said aloud covered by a tone in what annotators hear (app/server/muting.py)
    mute_spoken_data: Mapped[bool] = mapped_column(Boolean, default=False)
    # {"low", "high"}: each recording served with the voice disguised (app/server/served.py)
    voice_disguise: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    # the workstation's screen (app/server/cli/screen.py): idle seconds before it locks (0:
    # never), and the user's name and the time drawn faintly over the item
    lock_after_s: Mapped[int] = mapped_column(Integer, default=LOCK_AFTER_S)
    watermark: Mapped[bool] = mapped_column(Boolean, default=False)


class Membership(Base):
    """A user's part in a project: annotator, reviewer or lead. Outside their projects, users
    find nothing (404); the server's admins are members of every project."""

    __tablename__ = "memberships"
    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id"), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), primary_key=True, index=True)
    role: Mapped[str] = mapped_column(String(20))


class Task(Base):
    """A recording to annotate. Nothing here identifies the customer but a keyed pseudonym."""

    __tablename__ = "tasks"
    __table_args__ = (
        # the pool, in item order: free tasks of a project that nobody has submitted or skipped
        Index("ix_tasks_pool", "project_id", "closed", "number"),
    )
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id"), index=True)
    number: Mapped[int] = mapped_column(Integer, default=0)  # "Item 17": per project, from 1
    customer: Mapped[str] = mapped_column(String(64), index=True)  # HMAC pseudonym
    audio_sha256: Mapped[str] = mapped_column(String(64))
    audio_key: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)  # wrapped
    duration_s: Mapped[float] = mapped_column(Float)
    sample_rate_hz: Mapped[int] = mapped_column(Integer)
    channels: Mapped[int] = mapped_column(Integer)
    asr_text: Mapped[str] = mapped_column(Text, default="")
    predicted_intent: Mapped[str | None] = mapped_column(String(100), nullable=True)
    predicted_slots: Mapped[list[Any]] = mapped_column(JSON, default=list)
    # segments and flags a file brought (protocol.Prefill): the annotation starts from them
    prefill: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # stretches covered by a tone in the recording served: [{"start_s", "end_s", "kind"}]; the
    # original is sealed beside it (app/server/storage.py) and served to nobody
    muted: Mapped[list[Any] | None] = mapped_column(JSON, nullable=True)
    voice_alpha: Mapped[float | None] = mapped_column(Float, nullable=True)  # its disguise
    leased_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"), nullable=True, index=True)
    lease_expires_at: Mapped[float | None] = mapped_column(Float, nullable=True, index=True)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    # submitted or skipped by someone: out of the pool for good (a rejection returns it to
    # its annotator, never to the pool)
    closed: Mapped[bool] = mapped_column(Boolean, default=False)
    imported_at: Mapped[float] = mapped_column(Float, default=time.time, index=True)


class Annotation(Base):
    __tablename__ = "annotations"
    __table_args__ = (UniqueConstraint("task_id", "user_id", name="uq_annotations_task_user"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # made by the client
    task_id: Mapped[str] = mapped_column(ForeignKey("tasks.id"), index=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    doc: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20), default="todo")  # the doc's, for queries
    updated_at: Mapped[float] = mapped_column(Float)
    submissions: Mapped[int] = mapped_column(Integer, default=0)  # the doc's count, last seen
    # None (never submitted), not_sampled, pending, accepted, fixed, rejected
    review_state: Mapped[str | None] = mapped_column(String(20), nullable=True)


class ReviewItem(Base):
    """One submission picked for review: a copy of what was submitted, leased to reviewers."""

    __tablename__ = "review_items"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id"), index=True)
    task_id: Mapped[str] = mapped_column(ForeignKey("tasks.id"), index=True)
    annotation_id: Mapped[str] = mapped_column(String(36), index=True)
    annotator_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    submission: Mapped[int] = mapped_column(Integer)
    doc: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[float] = mapped_column(Float)
    leased_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"), nullable=True, index=True)
    lease_expires_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    done: Mapped[bool] = mapped_column(Boolean, default=False)


class Review(Base):
    """A reviewer's decision on one review item, put by a client-made UUID."""

    __tablename__ = "reviews"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # made by the client
    item_id: Mapped[str] = mapped_column(ForeignKey("review_items.id"), unique=True)
    reviewer_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    outcome: Mapped[str] = mapped_column(String(20))  # accepted, fixed, rejected
    reason: Mapped[str] = mapped_column(String(60), default="")
    comment: Mapped[str] = mapped_column(Text, default="")
    start_s: Mapped[float | None] = mapped_column(Float, nullable=True)
    end_s: Mapped[float | None] = mapped_column(Float, nullable=True)
    doc: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)  # the corrected doc
    created_at: Mapped[float] = mapped_column(Float)


class Conflict(Base):
    """A put whose base was stale: kept, never applied over the newer version."""

    __tablename__ = "conflicts"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    annotation_id: Mapped[str] = mapped_column(String(36), index=True)  # maybe a refused UUID
    # the task it was put for, so that erasing the task finds it whatever its UUID
    task_id: Mapped[str] = mapped_column(ForeignKey("tasks.id"), index=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    base_version: Mapped[int] = mapped_column(Integer)
    doc: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[float] = mapped_column(Float)


class Change(Base):
    """The feed: one row per event a user must hear of, in server order."""

    __tablename__ = "changes"
    __table_args__ = (Index("ix_changes_user_seq", "user_id", "seq"),)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    task_id: Mapped[str] = mapped_column(String(36))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class AccessToken(Base):
    __tablename__ = "access_tokens"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    family: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)  # session
    expires_at: Mapped[float] = mapped_column(Float)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)


class RefreshToken(Base):
    __tablename__ = "refresh_tokens"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    family: Mapped[str] = mapped_column(String(36), index=True)
    expires_at: Mapped[float] = mapped_column(Float)
    used_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    successor: Mapped[str | None] = mapped_column(String(64), nullable=True)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)


class FailedLogin(Base):
    """Throttling kept in the database, so every server process sees it."""

    __tablename__ = "failed_logins"
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    window_start: Mapped[float] = mapped_column(Float)
    count: Mapped[int] = mapped_column(Integer)


class AuditEntry(Base):
    """Append-only and hash-chained: editing any row breaks every hash after it."""

    __tablename__ = "audit"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[float] = mapped_column(Float)
    user_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    action: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[str] = mapped_column(String(36), default="")
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditAnchor(Base):
    """The audit chain's head, vouched for by a MAC under the master key (app/server/audit.py):
    one row, moved on by every append, so rows deleted from the end or rewritten with their
    later hashes recomputed no longer match it."""

    __tablename__ = "audit_anchor"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)  # always 1
    seq: Mapped[int] = mapped_column(Integer)  # the last row's, 0 for an empty chain
    hash: Mapped[str] = mapped_column(String(64))
    mac: Mapped[str] = mapped_column(String(64))  # "" until first anchored (a store before 0009)


class LabelStudioLink(Base):
    """A task pulled from a Label Studio project, and what was last pushed back to it."""

    __tablename__ = "label_studio_links"
    __table_args__ = (UniqueConstraint("origin", "ls_project", "ls_task", name="uq_ls_task"),)
    task_id: Mapped[str] = mapped_column(ForeignKey("tasks.id"), primary_key=True)
    origin: Mapped[str] = mapped_column(String(300))  # scheme://host:port of the Label Studio
    ls_project: Mapped[int] = mapped_column(Integer)
    ls_task: Mapped[int] = mapped_column(Integer)
    ls_annotation: Mapped[int | None] = mapped_column(Integer, nullable=True)
    pushed: Mapped[str] = mapped_column(String(64), default="")  # hash of the result sent
