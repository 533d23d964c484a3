"""api_tokens.expires_at: every API token stops working on a set day

Revision ID: 0010_token_expiry
Revises: 0009_upload_content_digest
Create Date: 2026-12-02 23:00:00.000000

"""

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0010_token_expiry"
down_revision = "0009_upload_content_digest"
branch_labels = None
depends_on = None

# A token made before tokens expired keeps working for this long after the upgrade, so the
# systems that use it are not cut off without notice (`trackfit tokens list` shows the day).
NOTICE = timedelta(days=90)


def upgrade():
    op.add_column("api_tokens", sa.Column("expires_at", sa.DateTime(), nullable=True))
    notice = datetime.now(UTC).replace(tzinfo=None) + NOTICE
    op.execute(
        sa.text("UPDATE api_tokens SET expires_at = :notice").bindparams(
            sa.bindparam("notice", notice, type_=sa.DateTime())
        )
    )
    # SQLite alters a column by copying the table; its foreign key to users is copied as it
    # stands, without reading users (whose expression index SQLAlchemy cannot reflect)
    with op.batch_alter_table("api_tokens", reflect_kwargs={"resolve_fks": False}) as batch_op:
        batch_op.alter_column("expires_at", existing_type=sa.DateTime(), nullable=False)


def downgrade():
    with op.batch_alter_table("api_tokens", reflect_kwargs={"resolve_fks": False}) as batch_op:
        batch_op.drop_column("expires_at")
