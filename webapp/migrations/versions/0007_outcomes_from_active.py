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


# Plain ALTER TABLE: uploads stored before this trained from scratch, but nothing trains them
# again, so every row may take the new default.
def upgrade():
    op.add_column(
        "outcome_uploads",
        sa.Column("from_active", sa.Boolean(), server_default=sa.true(), nullable=False),
    )


def downgrade():
    op.drop_column("outcome_uploads", "from_active")
