"""the rules the server keeps: wrapped keys and secrets need room, each annotation's status for
queries, one annotation per annotator per task, access tokens know their session

Revision ID: 0005
Revises: 0004

Duplicate annotations of one annotator on one task (possible before) keep the newest; the
others are kept as conflicts, nothing is thrown away. Keys and TOTP secrets are wrapped under
the master key by `earmark-server init` or `serve` (app/server/upgrade.py), which the
migration cannot reach.
"""

import json
import time
import uuid

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.alter_column("totp_secret", type_=sa.String(length=200), existing_nullable=False)
    with op.batch_alter_table("tasks") as batch:
        batch.alter_column("audio_key", type_=sa.LargeBinary(), existing_nullable=True)
    with op.batch_alter_table("access_tokens") as batch:
        batch.add_column(sa.Column("family", sa.String(length=36), nullable=True))
    op.create_index("ix_access_tokens_family", "access_tokens", ["family"])
    with op.batch_alter_table("annotations") as batch:
        batch.add_column(
            sa.Column("status", sa.String(length=20), nullable=False, server_default="todo")
        )
    conn = op.get_bind()
    ann = sa.table(
        "annotations",
        sa.column("id", sa.String),
        sa.column("task_id", sa.String),
        sa.column("user_id", sa.String),
        sa.column("version", sa.Integer),
        sa.column("doc", sa.JSON),
        sa.column("status", sa.String),
        sa.column("updated_at", sa.Float),
    )
    conflicts = sa.table(
        "conflicts",
        sa.column("id", sa.String),
        sa.column("annotation_id", sa.String),
        sa.column("user_id", sa.String),
        sa.column("base_version", sa.Integer),
        sa.column("doc", sa.JSON),
        sa.column("created_at", sa.Float),
    )
    rows = conn.execute(
        sa.select(ann.c.id, ann.c.task_id, ann.c.user_id, ann.c.version, ann.c.doc)
        .order_by(ann.c.updated_at.desc())
    ).all()
    seen: set[tuple[str, str]] = set()
    for ann_id, task_id, user_id, version, doc in rows:
        body = json.loads(doc) if isinstance(doc, str) else (doc or {})
        status = body.get("status") if body.get("status") in ("submitted", "skipped") else "todo"
        if (task_id, user_id) in seen:
            conn.execute(
                conflicts.insert().values(
                    id=str(uuid.uuid4()),
                    annotation_id=ann_id,
                    user_id=user_id,
                    base_version=version,
                    doc=body,
                    created_at=time.time(),
                )
            )
            conn.execute(ann.delete().where(ann.c.id == ann_id))
            continue
        seen.add((task_id, user_id))
        conn.execute(ann.update().where(ann.c.id == ann_id).values(status=status))
    with op.batch_alter_table("annotations") as batch:
        batch.create_unique_constraint("uq_annotations_task_user", ["task_id", "user_id"])


def downgrade() -> None:
    with op.batch_alter_table("annotations") as batch:
        batch.drop_constraint("uq_annotations_task_user", type_="unique")
        batch.drop_column("status")
    op.drop_index("ix_access_tokens_family", "access_tokens")
    with op.batch_alter_table("access_tokens") as batch:
        batch.drop_column("family")
