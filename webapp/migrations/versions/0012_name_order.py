"""users.name_key: people are listed in Unicode's order of their names, not by code point

Revision ID: 0012_name_order
Revises: 0011_upload_flagged_rows
Create Date: 2026-12-03 12:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

from webapp.accounts.name_order import name_key

# revision identifiers, used by Alembic.
revision = "0012_name_order"
down_revision = "0011_upload_flagged_rows"
branch_labels = None
depends_on = None

BATCH = 1000


# Plain ALTER TABLE: SQLite alters a column only by copying the table, and a copy of `users`
# would lose the expression index on lower(employee_id) it cannot reflect (and, with foreign
# keys on, dropping the old table would delete everyone's assessments). So the column is added
# NOT NULL with an empty default, which SQLite allows, and every key is then computed from its
# name. PostgreSQL drops the default afterwards; SQLite keeps it, unused: the app sets the key
# with every name it stores.
def upgrade():
    connection = op.get_bind()
    empty = "'\\x'::bytea" if connection.dialect.name == "postgresql" else "X''"
    op.add_column(
        "users",
        sa.Column("name_key", sa.LargeBinary(), nullable=False, server_default=sa.text(empty)),
    )
    rows = connection.execute(sa.text("SELECT id, name FROM users ORDER BY id")).all()
    update = sa.text("UPDATE users SET name_key = :key WHERE id = :id").bindparams(
        sa.bindparam("key", type_=sa.LargeBinary())
    )
    for start in range(0, len(rows), BATCH):
        batch = rows[start : start + BATCH]
        connection.execute(update, [{"key": name_key(name), "id": id_} for id_, name in batch])
    if connection.dialect.name == "postgresql":
        op.alter_column("users", "name_key", server_default=None)
    op.create_index("ix_users_name_order", "users", ["name_key", "id"], unique=False)


def downgrade():
    op.drop_index("ix_users_name_order", table_name="users")
    op.drop_column("users", "name_key")
