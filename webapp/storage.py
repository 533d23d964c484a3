"""The database schema's life: migrations applied with Alembic, never `create_all`."""

from flask import current_app
from flask_migrate import upgrade
from sqlalchemy.exc import OperationalError, ProgrammingError

from webapp.extensions import db


def upgrade_database() -> None:
    """Apply every migration the database lacks (creates the tables on a new database), then
    close the connections the migrations used. A migration may leave its connection changed:
    SQLite's foreign keys are switched off to rebuild a table, and switching them on again
    inside the migration's transaction does nothing. No request may get such a connection,
    on which deleting an assessment would leave its shares, notes and decisions behind."""
    try:
        upgrade(directory=current_app.extensions["migrate"].directory)
    except (OperationalError, ProgrammingError) as error:
        if not missing_table(error):
            raise
        # the tables are not those of the schema version the database records
        raise MigrationRefused(
            f"a table the database should have is missing ({_said(error)}): the version of the "
            "schema it records (in its alembic_version table) does not match its tables, so it "
            "was changed by hand or by other software; restore it from a backup, or point "
            "DATABASE_URL at a new database"
        ) from error
    finally:
        db.engine.dispose()


def missing_table(error: OperationalError | ProgrammingError) -> bool:
    """Whether a database error says a table is missing (SQLite's words, PostgreSQL's
    undefined_table), not a database or role that does not exist: that is a DATABASE_URL to
    correct."""
    return "no such table" in _said(error) or getattr(error.orig, "sqlstate", None) == "42P01"


def _said(error: OperationalError | ProgrammingError) -> str:
    """The database's own message, on one line."""
    return " ".join(str(error.orig).split())


class MigrationRefused(Exception):
    """The data in the database breaks a rule a migration is about to enforce; the message says
    which rows and what to do. Not a RuntimeError: Flask-Migrate turns those into a bare exit
    status 1, with the message only in its log."""
