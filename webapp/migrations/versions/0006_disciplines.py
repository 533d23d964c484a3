"""people belong to a discipline: users.discipline, a pack id (empty: the configured default)

Revision ID: 0006_disciplines
Revises: 0005_sessions_and_uniqueness
Create Date: 2026-12-02 02:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0006_disciplines"
down_revision = "0005_sessions_and_uniqueness"
branch_labels = None
depends_on = None


# Plain ALTER TABLE, not batch mode: SQLite adds and drops a column in place, while a batch
# copy of `users` would lose the expression index on lower(employee_id) it cannot reflect.
def upgrade():
    # Nullable and left empty: everyone already here keeps the configured default discipline,
    # whatever it is set to, without the migration having to know it.
    op.add_column("users", sa.Column("discipline", sa.String(length=64), nullable=True))
    op.create_index("ix_users_discipline", "users", ["discipline"], unique=False)


def downgrade():
    op.drop_index("ix_users_discipline", table_name="users")
    op.drop_column("users", "discipline")
