"""outcome_uploads.content_sha256: the digest of what an upload trains on, not of its bytes

Revision ID: 0009_upload_content_digest
Revises: 0008_one_run_per_training
Create Date: 2026-12-02 14:40:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0009_upload_content_digest"
down_revision = "0008_one_run_per_training"
branch_labels = None
depends_on = None


# Plain ALTER TABLE, no backfill: an upload stored before keeps the key of its bytes (its
# `training_key` falls back to `sha256`), so runs already queued or running keep theirs.
def upgrade():
    op.add_column("outcome_uploads", sa.Column("content_sha256", sa.String(64), nullable=True))


def downgrade():
    op.drop_column("outcome_uploads", "content_sha256")
