"""outcome uploads: the rows not used (not_usable) and when HR confirmed training (confirmed_at)

Revision ID: 0004_outcome_confirmation
Revises: 0003_training_heartbeat
Create Date: 2026-11-24 09:30:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0004_outcome_confirmation"
down_revision = "0003_training_heartbeat"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("outcome_uploads", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("not_usable", sa.JSON(), nullable=False, server_default=sa.text("'[]'"))
        )
        batch_op.add_column(sa.Column("confirmed_at", sa.DateTime(), nullable=True))
    # Every earlier upload started training as it was stored: it counts as confirmed then.
    op.execute("UPDATE outcome_uploads SET confirmed_at = uploaded_at")


def downgrade():
    with op.batch_alter_table("outcome_uploads", schema=None) as batch_op:
        batch_op.drop_column("confirmed_at")
        batch_op.drop_column("not_usable")
