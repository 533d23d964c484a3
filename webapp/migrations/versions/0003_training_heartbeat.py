"""training runs: heartbeat_at, when the run's process last showed it was alive

Revision ID: 0003_training_heartbeat
Revises: 0002_managers_hr
Create Date: 2026-11-23 12:48:10.736127

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0003_training_heartbeat"
down_revision = "0002_managers_hr"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("training_runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("heartbeat_at", sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table("training_runs", schema=None) as batch_op:
        batch_op.drop_column("heartbeat_at")
