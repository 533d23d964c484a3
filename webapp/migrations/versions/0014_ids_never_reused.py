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

# trackfit's tables with an integer id. Not the audit log: only ever inserted (its triggers
# refuse deletes), its ids cannot come back. Tables someone else added are left alone.
REBUILT = (
    "users",
    "assessments",
    "shares",
    "manager_reviews",
    "decisions",
    "api_tokens",
    "login_attempts",
    "outcome_uploads",
    "outcome_records",
    "sensitive_values",
    "training_runs",
)
ID_COLUMN = re.compile(r"^(\s*)id INTEGER NOT NULL,", re.MULTILINE)
ID_KEY = re.compile(r",\s*PRIMARY KEY \(id\)")  # with the comma before it: it may come last
NEVER_REUSED = re.compile(r"^(\s*)id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,", re.MULTILINE)
NAMED = re.compile(r'^CREATE TABLE ("?)(\w+)\1 \(')
# Numbers the audit log gives rows of a table, which the next row must never take again even
# when the row was deleted before this upgrade: the subject "assessment 42", say
AUDITED = {
    "assessments": r"^assessment (\d+)$",
    "api_tokens": r"^token (\d+)$",
    "training_runs": r"^run (\d+)$",
}


def upgrade():
    """Each of trackfit's tables with an integer id is rebuilt the way SQLite documents (a
    new table, its rows copied, the old one dropped, the new one renamed, its indexes and
    triggers made again from their own SQL, so an expression index is kept as written), in
    one transaction, with foreign keys off so that dropping the old `users` deletes nobody's
    assessments; then no key may be broken that was not before. The next id of each table
    is past every id it holds and every one the audit log names. PostgreSQL's ids come from
    sequences that never go back: nothing to do."""
    connection = op.get_bind()
    tables = _tables(connection)
    if tables is None:
        return
    plain = [
        (name, sql)
        for name, sql in tables
        if ID_COLUMN.search(sql) and "AUTOINCREMENT" not in sql.upper()
    ]
    odd = [name for name, sql in plain if not ID_KEY.search(sql)]
    if odd:
        raise MigrationRefused(
            f"{', '.join(odd)}: not laid out as trackfit made them (no PRIMARY KEY (id)); "
            "nothing was changed"
        )
    broken = _broken_keys(connection)
    for name, sql in plain:
        created = ID_COLUMN.sub(r"\1id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,", sql, 1)
        _rebuild(connection, name, ID_KEY.sub("", created, count=1))
    _no_key_broken(connection, broken)
    _past_audited_ids(connection)
    connection.exec_driver_sql("PRAGMA legacy_alter_table=OFF")


def _tables(connection) -> list[tuple[str, str]] | None:
    """trackfit's tables to rebuild (name, CREATE statement), with SQLite's foreign keys
    switched off, renames that leave other tables' views and triggers as written, and a
    transaction begun, so that a refusal undoes everything; None on PostgreSQL."""
    if connection.dialect.name != "sqlite":
        return None
    _foreign_keys_off(connection)
    # a view or trigger someone added that reads a table would otherwise stop its rename
    connection.exec_driver_sql("PRAGMA legacy_alter_table=ON")
    if not connection.connection.dbapi_connection.in_transaction:
        connection.exec_driver_sql("BEGIN")
    found = connection.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'table'"
    ).all()
    return [(name, sql) for name, sql in found if name in REBUILT]


def _broken_keys(connection) -> set[tuple]:
    return set(connection.exec_driver_sql("PRAGMA foreign_key_check").all())


def _no_key_broken(connection, before: set[tuple]) -> None:
    """No row names a parent that is not there, but for those that did before the rebuild
    (in a table someone added, say); the refusal rolls the rebuild back."""
    broken = _broken_keys(connection) - before
    if broken:
        raise MigrationRefused(
            "rebuilding the tables would leave rows naming a parent that is not there "
            f"({', '.join(sorted({row[0] for row in broken}))}); nothing was changed"
        )


def _past_audited_ids(connection) -> None:
    """Each table's next id past the largest the audit log names for it: an assessment or
    account deleted before this upgrade keeps its number too."""
    audited = {table: 0 for table in AUDITED}
    audited["users"] = 0
    rows = connection.exec_driver_sql(
        "SELECT subject, actor_id FROM audit_events WHERE actor_id IS NOT NULL "
        "OR subject LIKE 'assessment %' OR subject LIKE 'token %' OR subject LIKE 'run %'"
    )
    patterns = {table: re.compile(pattern) for table, pattern in AUDITED.items()}
    for subject, actor in rows:
        if actor is not None:
            audited["users"] = max(audited["users"], actor)
        for table, pattern in patterns.items():
            match = pattern.match(subject or "")
            if match and len(match.group(1)) < 12:
                audited[table] = max(audited[table], int(match.group(1)))
    for table, largest in audited.items():
        seq = connection.exec_driver_sql(
            "SELECT seq FROM sqlite_sequence WHERE name = ?", (table,)
        ).scalar()
        if seq is None:
            connection.exec_driver_sql(
                "INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)", (table, largest)
            )
        elif seq < largest:
            connection.exec_driver_sql(
                "UPDATE sqlite_sequence SET seq = ? WHERE name = ?", (largest, table)
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
    """The tables as before, their primary key's clause last: SQLite may give a deleted row's
    id again."""
    connection = op.get_bind()
    tables = _tables(connection)
    if tables is None:
        return
    broken = _broken_keys(connection)
    for name, sql in tables:
        if NEVER_REUSED.search(sql):
            created = NEVER_REUSED.sub(r"\1id INTEGER NOT NULL,", sql, count=1)
            _rebuild(connection, name, re.sub(r"\s*\)\s*$", ", \n\tPRIMARY KEY (id)\n)", created))
    _no_key_broken(connection, broken)
    connection.exec_driver_sql("PRAGMA legacy_alter_table=OFF")
