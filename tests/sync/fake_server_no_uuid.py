"""A deliberately broken server for the crash harness: it ignores the client's UUID, so a put
retried after a lost response is stored twice. The harness must report duplicates with it."""

from __future__ import annotations

import sys
import time
import uuid

from sqlalchemy.orm import Session

from app.protocol import AnnotationOut, AnnotationPut, BatchResult
from app.server import models as m
from app.server import service
from app.server.cli import main


def fake_put_without_uuid_check(
    db: Session, user: m.User, ann_id: str, put: AnnotationPut, sample: object = None
) -> AnnotationOut:
    service.visible_task(db, user, put.task_id)
    row = m.Annotation(
        id=str(uuid.uuid4()),
        task_id=put.task_id,
        user_id=user.id,
        version=1,
        doc=put.doc,
        updated_at=time.time(),
    )
    db.add(row)
    return AnnotationOut(id=ann_id, task_id=put.task_id, version=put.base_version + 1, doc=put.doc)


def fake_put_many_without_uuid_check(
    db: Session, user: m.User, items: dict[str, AnnotationPut], sample: object = None
) -> BatchResult:
    result = BatchResult(stored={}, conflicts={}, refused={})
    for ann_id, put in items.items():
        result.stored[ann_id] = fake_put_without_uuid_check(db, user, ann_id, put).version
    return result


service.put_annotation = fake_put_without_uuid_check
service.put_many = fake_put_many_without_uuid_check

if __name__ == "__main__":
    sys.exit(main())
