"""projects that disguise the speaker's voice

- projects.voice_disguise: {"low", "high"}, the range each recording's McAdams coefficient is
  drawn from at import (app/server/served.py); null: voices as they are.
- tasks.voice_alpha: the coefficient its served copy was made with; null: not disguised.

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("projects") as batch:
        batch.add_column(sa.Column("voice_disguise", sa.JSON(), nullable=True))
    with op.batch_alter_table("tasks") as batch:
        batch.add_column(sa.Column("voice_alpha", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("tasks") as batch:
        batch.drop_column("voice_alpha")
    with op.batch_alter_table("projects") as batch:
        batch.drop_column("voice_disguise")
