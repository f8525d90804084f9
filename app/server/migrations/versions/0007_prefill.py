"""prefill: segments and flags a file brought with a recording (a TextGrid tier, a Label
Studio annotation), which the annotation starts from

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tasks") as batch:
        batch.add_column(sa.Column("prefill", sa.JSON(), nullable=False, server_default="{}"))


def downgrade() -> None:
    with op.batch_alter_table("tasks") as batch:
        batch.drop_column("prefill")
