"""A deliberately broken server for the load script's checks: every lease answer also carries
an item another annotator holds. The load script must report it (tests/test_load.py)."""

from __future__ import annotations

import sys
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.protocol import TaskOut
from app.server import models as m
from app.server import service
from app.server.cli import main

_real_lease = service.lease


def fake_lease_handing_out_held_items(
    db: Session, user: m.User, project_id: str, count: int, *args: Any
) -> list[TaskOut]:
    out = _real_lease(db, user, project_id, count, *args)
    theirs = db.scalars(
        select(m.Task)
        .where(
            m.Task.project_id == project_id,
            m.Task.leased_by.is_not(None),
            m.Task.leased_by != user.id,
            m.Task.closed.is_(False),
        )
        .limit(1)
    ).first()
    return out + ([service.task_out(theirs)] if theirs is not None else [])


service.lease = fake_lease_handing_out_held_items

if __name__ == "__main__":
    sys.exit(main())
