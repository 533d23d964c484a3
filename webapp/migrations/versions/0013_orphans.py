"""SQLite: rows whose parent is gone are removed (or their link emptied), as their foreign key
says; a server's first start left foreign keys off on its connections, so deleting an
assessment or an account there left its shares, notes, decisions and sessions behind

Revision ID: 0013_orphans
Revises: 0012_name_order
Create Date: 2026-12-03 23:30:00.000000

"""

from alembic import op
from sqlalchemy import text

from webapp.storage import MigrationRefused

# revision identifiers, used by Alembic.
revision = "0013_orphans"
down_revision = "0012_name_order"
branch_labels = None
depends_on = None

# Removing an orphan can orphan its own children (an assessment whose account is gone has
# shares); each round removes one generation, and the schema is far shallower than this.
ROUNDS = 10


def upgrade():
    """Until `PRAGMA foreign_key_check` finds nothing: an orphan whose key says ON DELETE
    CASCADE is deleted, one whose key says SET NULL has the link emptied, as deleting the
    parent with foreign keys on would have done. PostgreSQL always enforced its keys."""
    connection = op.get_bind()
    if connection.dialect.name != "sqlite":
        return
    for _ in range(ROUNDS):
        orphans = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
        if not orphans:
            return
        unexpected = []
        for table, rowid, parent, key in orphans:
            column, action = _key(connection, table, key)
            if action == "CASCADE":
                connection.execute(text(f'DELETE FROM "{table}" WHERE rowid = :r'), {"r": rowid})
            elif action == "SET NULL":
                connection.execute(
                    text(f'UPDATE "{table}" SET "{column}" = NULL WHERE rowid = :r'), {"r": rowid}
                )
            else:
                unexpected.append(f"{table} row {rowid}: {column} names a missing {parent} row")
        if unexpected:
            raise MigrationRefused(
                "rows name a parent that is gone, and their foreign key says neither to delete "
                "them nor to empty the link: " + "; ".join(unexpected[:20])
            )
    raise MigrationRefused(f"rows whose parent is gone were still found after {ROUNDS} rounds")


def _key(connection, table: str, key: int) -> tuple[str, str]:
    """The column and ON DELETE action of `table`'s foreign key number `key`."""
    for row in connection.exec_driver_sql(f'PRAGMA foreign_key_list("{table}")'):
        if row[0] == key:
            return row[3], row[6].upper()
    return "?", "?"


def downgrade():
    """Nothing to put back: the rows removed pointed at nothing."""
