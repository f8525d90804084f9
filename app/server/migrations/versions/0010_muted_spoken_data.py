"""projects that mute personal data said aloud

- projects.mute_spoken_data: at import, the hypothesis's personal-data candidates are aligned
  and covered by a tone in the recording served (app/server/muting.py).
- tasks.muted: where, in seconds, and what kind ([{"start_s", "end_s", "kind"}]); the original
  recording is kept sealed beside the muted one and served to nobody.

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("projects") as batch:
        batch.add_column(
            sa.Column("mute_spoken_data", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("tasks") as batch:
        batch.add_column(sa.Column("muted", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("tasks") as batch:
        batch.drop_column("muted")
    with op.batch_alter_table("projects") as batch:
        batch.drop_column("mute_spoken_data")
