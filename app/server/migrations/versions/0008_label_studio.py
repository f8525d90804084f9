"""label_studio_links: tasks pulled from a Label Studio project, and the annotation pushed back
to each (so a second push changes nothing)

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "label_studio_links",
        sa.Column("task_id", sa.String(36), sa.ForeignKey("tasks.id"), primary_key=True),
        sa.Column("origin", sa.String(300), nullable=False),
        sa.Column("ls_project", sa.Integer(), nullable=False),
        sa.Column("ls_task", sa.Integer(), nullable=False),
        sa.Column("ls_annotation", sa.Integer(), nullable=True),
        sa.Column("pushed", sa.String(64), nullable=False, server_default=""),
        sa.UniqueConstraint("origin", "ls_project", "ls_task", name="uq_ls_task"),
    )


def downgrade() -> None:
    op.drop_table("label_studio_links")
