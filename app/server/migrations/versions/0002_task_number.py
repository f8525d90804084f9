"""task number: a short per-project number to name an item by, in place of its UUID

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tasks") as batch:
        batch.add_column(sa.Column("number", sa.Integer(), nullable=False, server_default="0"))
    tasks = sa.table(
        "tasks",
        sa.column("id", sa.String),
        sa.column("project_id", sa.String),
        sa.column("number", sa.Integer),
    )
    conn = op.get_bind()
    rows = conn.execute(sa.select(tasks.c.id, tasks.c.project_id).order_by(tasks.c.id)).all()
    counters: dict[str, int] = {}
    for task_id, project_id in rows:
        counters[project_id] = counters.get(project_id, 0) + 1
        conn.execute(
            tasks.update().where(tasks.c.id == task_id).values(number=counters[project_id])
        )


def downgrade() -> None:
    with op.batch_alter_table("tasks") as batch:
        batch.drop_column("number")
