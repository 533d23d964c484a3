"""outcome_uploads.from_active: whether the candidate may shrink toward the active version

Revision ID: 0007_outcomes_from_active
Revises: 0006_disciplines
Create Date: 2026-12-02 05:30:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0007_outcomes_from_active"
down_revision = "0006_disciplines"
branch_labels = None
depends_on = None


# Plain ALTER TABLE. Uploads already stored take the new default: those already trained are
# never trained again, and one still waiting for HR to confirm (a short file with leavers)
# trains as a new upload would with the box left ticked.
def upgrade():
    op.add_column(
        "outcome_uploads",
        sa.Column("from_active", sa.Boolean(), server_default=sa.true(), nullable=False),
    )


def downgrade():
    op.drop_column("outcome_uploads", "from_active")
