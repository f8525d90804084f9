"""What a project's export holds: one record per annotation, its final version (the
reviewer's, when fixed) and its review; the server's own fields always win over a document's."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import formats
from app.model.annotation import Annotation
from app.server import models as m


def export_records(
    db: Session, project: m.Project, accepted_only: bool
) -> Iterator[dict[str, Any]]:
    """One record per annotation: the final version (the reviewer's, when fixed) and its review."""
    names = {u.id: u.username for u in db.scalars(select(m.User))}
    latest: dict[str, tuple[m.Review, m.ReviewItem]] = {}
    for rv, item in db.execute(
        select(m.Review, m.ReviewItem)
        .join(m.ReviewItem, m.Review.item_id == m.ReviewItem.id)
        .where(m.ReviewItem.project_id == project.id)
        .order_by(m.Review.created_at)
    ):
        latest[item.annotation_id] = (rv, item)
    rows = db.execute(
        select(m.Annotation, m.Task)
        .join(m.Task)
        .where(m.Task.project_id == project.id, m.Task.deleted.is_(False))
        .order_by(m.Task.number)
    )
    for ann, task in rows:
        reviewed = latest.get(ann.id)
        if reviewed is not None and reviewed[1].submission != ann.submissions:
            reviewed = None  # resubmitted since: that review is of an older version
        outcome = reviewed[0].outcome if reviewed else None
        if accepted_only and outcome not in ("accepted", "fixed"):
            continue
        doc = reviewed[0].doc if reviewed and outcome == "fixed" and reviewed[0].doc else ann.doc
        yield {
            **doc,  # first: the server's own fields below are never taken from a document
            "task_id": task.id,
            "item": task.number,
            "annotation_id": ann.id,
            "version": ann.version,
            "asr": task.asr_text,
            "duration_s": task.duration_s,
            "review": None
            if reviewed is None
            else {
                "outcome": outcome,
                "reason": reviewed[0].reason,
                "comment": reviewed[0].comment,
                "reviewer": names.get(reviewed[0].reviewer_id, ""),
                "annotator": names.get(ann.user_id, ""),
            },
        }


def item_of(record: dict[str, Any]) -> formats.Item:
    """An export record as a formats item. The server keeps no file names: a recording is
    named by its item number (`item-17`), as the workstation shows it."""
    return formats.Item(
        id=record["task_id"],
        audio=f"item-{record['item']}",
        duration_s=float(record["duration_s"]),
        annotation=Annotation.from_json(record),
        asr=record["asr"],
    )


def holds_personal_data(record: dict[str, Any]) -> bool:
    """Whether an annotator confirmed personal data in it, or flagged it so."""
    return "personal_data" in record.get("flags", []) or any(
        seg.get("personal") for seg in record.get("segments", [])
    )


def redacted_record(record: dict[str, Any]) -> dict[str, Any]:
    """The record with each confirmed span's words as its kind's tag, slots on the tag, and
    no hypothesis (nobody confirmed what it holds)."""
    from app.model.personal import redact

    segments = redact(Annotation.from_json(record)).to_json()["segments"]
    return {**record, "segments": segments, "asr": ""}
