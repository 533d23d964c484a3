"""outcome_uploads.flagged: how many of an upload's rows carry a response-quality flag

Revision ID: 0011_upload_flagged_rows
Revises: 0010_token_expiry
Create Date: 2026-12-02 23:30:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0011_upload_flagged_rows"
down_revision = "0010_token_expiry"
branch_labels = None
depends_on = None


# Plain ALTER TABLE, no backfill: an upload stored before has no count (NULL), and its page
# says only how many rows it holds, as it did.
def upgrade():
    op.add_column("outcome_uploads", sa.Column("flagged", sa.Integer(), nullable=True))


def downgrade():
    op.drop_column("outcome_uploads", "flagged")
