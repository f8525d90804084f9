"""open work: a task submitted or skipped leaves the pool and its lease ends; indexes for the
pool, for expired leases and for each user's changes feed

Revision ID: 0004
Revises: 0003
"""

import json

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tasks") as batch:
        batch.add_column(
            sa.Column("closed", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.create_index("ix_tasks_pool", "tasks", ["project_id", "closed", "number"])
    op.create_index("ix_tasks_lease_expires_at", "tasks", ["lease_expires_at"])
    op.create_index("ix_changes_user_seq", "changes", ["user_id", "seq"])
    tasks = sa.table(
        "tasks",
        sa.column("id", sa.String),
        sa.column("closed", sa.Boolean),
        sa.column("leased_by", sa.String),
        sa.column("lease_expires_at", sa.Float),
    )
    annotations = sa.table(
        "annotations", sa.column("task_id", sa.String), sa.column("user_id", sa.String),
        sa.column("doc", sa.JSON),
    )
    conn = op.get_bind()
    for task_id, user_id, doc in conn.execute(
        sa.select(annotations.c.task_id, annotations.c.user_id, annotations.c.doc)
    ).all():
        status = (json.loads(doc) if isinstance(doc, str) else doc or {}).get("status")
        if status not in ("submitted", "skipped"):
            continue
        conn.execute(tasks.update().where(tasks.c.id == task_id).values(closed=True))
        conn.execute(
            tasks.update()
            .where(tasks.c.id == task_id, tasks.c.leased_by == user_id)
            .values(leased_by=None, lease_expires_at=None)
        )


def downgrade() -> None:
    op.drop_index("ix_changes_user_seq", "changes")
    op.drop_index("ix_tasks_lease_expires_at", "tasks")
    op.drop_index("ix_tasks_pool", "tasks")
    with op.batch_alter_table("tasks") as batch:
        batch.drop_column("closed")
