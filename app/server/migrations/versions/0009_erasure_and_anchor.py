"""erasure reaches every conflict, pseudonym keys wrapped, the audit chain anchored

- conflicts.task_id: the task a stored-aside put was for, so that erasing the task finds it
  whatever UUID it came with (a refused second UUID, a twin inside one batch). Filled from the
  annotation each names; a conflict no annotation names is one of those, of a task nobody can
  tell any more, perhaps one erased since: it holds someone's words and nothing reads it, so it
  goes.
- projects.pseudonym_key holds the key wrapped under the master key from now on (about 72
  bytes; both databases store any length there, so the column stays). A migration cannot reach
  the master key: `earmark-server init` and `serve` wrap what is still plain
  (app/server/upgrade.py), as they did for the recording keys.
- audit_anchor: one row, the chain's head and a MAC of it under the master key; made here
  unanchored (mac "") and anchored by the first append or upgrade that holds the key.

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("conflicts") as batch:
        batch.add_column(sa.Column("task_id", sa.String(36), nullable=True))
    conflicts = sa.table(
        "conflicts", sa.column("annotation_id", sa.String), sa.column("task_id", sa.String)
    )
    annotations = sa.table(
        "annotations", sa.column("id", sa.String), sa.column("task_id", sa.String)
    )
    conn = op.get_bind()
    conn.execute(
        conflicts.update().values(
            task_id=sa.select(annotations.c.task_id)
            .where(annotations.c.id == conflicts.c.annotation_id)
            .scalar_subquery()
        )
    )
    conn.execute(conflicts.delete().where(conflicts.c.task_id.is_(None)))
    with op.batch_alter_table("conflicts") as batch:
        batch.alter_column("task_id", existing_type=sa.String(36), nullable=False)
        batch.create_index(batch.f("ix_conflicts_task_id"), ["task_id"], unique=False)
        batch.create_foreign_key("fk_conflicts_task_id_tasks", "tasks", ["task_id"], ["id"])
    anchor = op.create_table(
        "audit_anchor",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("mac", sa.String(64), nullable=False),
    )
    op.bulk_insert(anchor, [{"id": 1, "seq": 0, "hash": "0" * 64, "mac": ""}])


def downgrade() -> None:
    op.drop_table("audit_anchor")
    with op.batch_alter_table("conflicts") as batch:
        batch.drop_constraint("fk_conflicts_task_id_tasks", type_="foreignkey")
        batch.drop_index(batch.f("ix_conflicts_task_id"))
        batch.drop_column("task_id")
