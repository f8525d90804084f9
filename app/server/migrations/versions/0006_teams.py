"""teams: project memberships with a role each; when each recording was imported, and how long
a project keeps its recordings

Revision ID: 0006
Revises: 0005

Every user who is not an admin becomes a member of every existing project with their role
(as they could work on all of them before); recordings already there count as imported now.
"""

import time

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "memberships",
        sa.Column("project_id", sa.String(length=36), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("project_id", "user_id"),
    )
    op.create_index("ix_memberships_user_id", "memberships", ["user_id"])
    with op.batch_alter_table("tasks") as batch:
        batch.add_column(
            sa.Column("imported_at", sa.Float(), nullable=False, server_default=str(time.time()))
        )
    op.create_index("ix_tasks_imported_at", "tasks", ["imported_at"])
    with op.batch_alter_table("projects") as batch:
        batch.add_column(sa.Column("retention_days", sa.Integer(), nullable=True))
    conn = op.get_bind()
    users = sa.table("users", sa.column("id", sa.String), sa.column("role", sa.String))
    projects = sa.table("projects", sa.column("id", sa.String))
    members = sa.table(
        "memberships",
        sa.column("project_id", sa.String),
        sa.column("user_id", sa.String),
        sa.column("role", sa.String),
    )
    people = conn.execute(sa.select(users.c.id, users.c.role).where(users.c.role != "admin")).all()
    for (project_id,) in conn.execute(sa.select(projects.c.id)).all():
        for user_id, role in people:
            conn.execute(members.insert().values(project_id=project_id, user_id=user_id, role=role))


def downgrade() -> None:
    with op.batch_alter_table("projects") as batch:
        batch.drop_column("retention_days")
    op.drop_index("ix_tasks_imported_at", "tasks")
    with op.batch_alter_table("tasks") as batch:
        batch.drop_column("imported_at")
    op.drop_index("ix_memberships_user_id", "memberships")
    op.drop_table("memberships")
