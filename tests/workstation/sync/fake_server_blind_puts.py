"""A deliberately broken server for the crash harness: it applies every put it gets as a new
version, without asking whether it is the same put again, so a put retried after a lost answer
counts twice. The harness must report edits applied twice with it.

A SIGKILL lands between the commit and the answer only by chance, so this fake also dies once,
right after committing its second batch: that answer is surely lost and its retry surely comes
(left to chance, the broken variant once went uncaught on CI)."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.protocol import AnnotationPut, BatchResult
from app.server import models as m
from app.server import service
from app.server.cli import main

_calls = 0


def fake_put_many_applying_blindly(
    db: Session, user: m.User, items: dict[str, AnnotationPut], sample: Any = None
) -> BatchResult:
    result = BatchResult(stored={}, conflicts={}, refused={})
    for ann_id, put in items.items():
        row = db.scalars(select(m.Annotation).where(m.Annotation.id == ann_id)).first()
        doc = put.doc.model_dump()
        if row is None:
            row = m.Annotation(
                id=ann_id,
                task_id=put.task_id,
                user_id=user.id,
                version=0,
                doc=doc,
                status=doc["status"],
                updated_at=time.time(),
            )
            db.add(row)
        row.version, row.doc = row.version + 1, doc
        result.stored[ann_id] = put.base_version + 1  # what the client expects to hear
    global _calls
    _calls += 1
    died = Path(os.environ["EARMARK_SERVER_DATA"]) / "fake-died-once"
    if _calls == 2 and not died.exists():
        db.commit()
        died.touch()
        os._exit(1)  # stored, and the answer never leaves
    return result


service.put_many = fake_put_many_applying_blindly

if __name__ == "__main__":
    sys.exit(main())
