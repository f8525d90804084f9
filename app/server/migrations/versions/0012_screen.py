"""how a project's workstations guard their screen

- projects.lock_after_s: idle seconds before a workstation locks (0: never); the window asks for
  the second factor again, which the server checks (POST /auth/unlock).
- projects.watermark: the signed-in user's name and the time drawn faintly over the recording
  and the transcript.

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("projects") as batch:
        batch.add_column(
            sa.Column("lock_after_s", sa.Integer(), nullable=False, server_default="600")
        )
        batch.add_column(
            sa.Column("watermark", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("projects") as batch:
        batch.drop_column("watermark")
        batch.drop_column("lock_after_s")
