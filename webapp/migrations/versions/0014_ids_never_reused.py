"""SQLite: ids never given again (AUTOINCREMENT)

A row's id is never given again once the row is deleted, as PostgreSQL's sequences never give
one again: an assessment, account, decision or token deleted last no longer hands its number
to the next one, which the audit log's "assessment 42", addresses and people's notes would
then name too.

Revision ID: 0014_ids_never_reused
Revises: 0013_orphans
Create Date: 2026-12-04 14:20:00.000000

"""

import re

from alembic import op

from webapp.storage import MigrationRefused

# revision identifiers, used by Alembic.
revision = "0014_ids_never_reused"
down_revision = "0013_orphans"
branch_labels = None
depends_on = None

# Only ever inserted (its triggers refuse deletes), so its ids cannot come back: left as it is
KEPT = {"audit_events", "alembic_version"}
ID_COLUMN = re.compile(r"^(\s*)id INTEGER NOT NULL,", re.MULTILINE)
ID_KEY = re.compile(r",\s*PRIMARY KEY \(id\)")  # with the comma before it: it may come last
NEVER_REUSED = re.compile(r"^(\s*)id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,", re.MULTILINE)
NAMED = re.compile(r'^CREATE TABLE ("?)(\w+)\1 \(')


def upgrade():
    """Each table with an integer id is rebuilt the way SQLite documents (a new table, its
    rows copied, the old one dropped, the new one renamed, its indexes and triggers made
    again from their own SQL, so an expression index is kept as written), with foreign keys
    off so that dropping the old `users` deletes nobody's assessments; then every key is
    checked. PostgreSQL's ids come from sequences that never go back: nothing to do."""
    connection = op.get_bind()
    tables = _tables(connection)
    if tables is None:
        return
    plain = [
        (name, sql)
        for name, sql in tables
        if name not in KEPT and ID_COLUMN.search(sql) and "AUTOINCREMENT" not in sql.upper()
    ]
    odd = [name for name, sql in plain if not ID_KEY.search(sql)]
    if odd:
        raise MigrationRefused(
            f"{', '.join(odd)}: not laid out as trackfit made them (no PRIMARY KEY (id)); "
            "nothing was changed"
        )
    for name, sql in plain:
        created = ID_COLUMN.sub(r"\1id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,", sql, 1)
        _rebuild(connection, name, ID_KEY.sub("", created, count=1))
    _keys_hold(connection)


def _tables(connection) -> list[tuple[str, str]] | None:
    """SQLite's tables (name, CREATE statement), its foreign keys switched off to rebuild
    them; None on PostgreSQL."""
    if connection.dialect.name != "sqlite":
        return None
    _foreign_keys_off(connection)
    return connection.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    ).all()


def _keys_hold(connection) -> None:
    """Every foreign key still finds its row (a rebuild that lost one is refused)."""
    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
    if broken:
        raise MigrationRefused(
            "after rebuilding the tables, rows name a parent that is not there "
            f"({', '.join(sorted({row[0] for row in broken}))}); restore the backup taken "
            "before upgrading"
        )


def _foreign_keys_off(connection) -> None:
    """Switch SQLite's foreign keys off on this connection. The switch does nothing inside a
    transaction, and an earlier migration of the same run may have opened one (its version
    row is written with an UPDATE): that work is committed first, as it would be at the end."""
    connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
    if connection.exec_driver_sql("PRAGMA foreign_keys").scalar():
        connection.connection.dbapi_connection.commit()
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
    if connection.exec_driver_sql("PRAGMA foreign_keys").scalar():
        raise MigrationRefused(
            "SQLite's foreign keys could not be switched off to rebuild the tables; nothing "
            "was changed"
        )


def _rebuild(connection, name: str, created: str) -> None:
    """Table `name` made again as `created` (its CREATE TABLE statement) with its rows, its
    indexes and its triggers: SQLite's documented way to change what ALTER TABLE cannot."""
    rebuilt = f"{name}_rebuilt"
    kept = connection.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE tbl_name = ? AND type IN ('index', 'trigger') "
        "AND sql IS NOT NULL",
        (name,),
    ).all()
    connection.exec_driver_sql(f'DROP TABLE IF EXISTS "{rebuilt}"')  # left by a failed run
    connection.exec_driver_sql(NAMED.sub(f'CREATE TABLE "{rebuilt}" (', created, count=1))
    connection.exec_driver_sql(f'INSERT INTO "{rebuilt}" SELECT * FROM "{name}"')
    connection.exec_driver_sql(f'DROP TABLE "{name}"')
    connection.exec_driver_sql(f'ALTER TABLE "{rebuilt}" RENAME TO "{name}"')
    for (statement,) in kept:
        connection.exec_driver_sql(statement)


def downgrade():
    """The tables as they were: SQLite may give a deleted row's id again."""
    connection = op.get_bind()
    tables = _tables(connection)
    if tables is None:
        return
    for name, sql in tables:
        if name not in KEPT and NEVER_REUSED.search(sql):
            created = NEVER_REUSED.sub(r"\1id INTEGER NOT NULL,", sql, count=1)
            _rebuild(connection, name, re.sub(r"\s*\)\s*$", ", \n\tPRIMARY KEY (id)\n)", created))
    _keys_hold(connection)
