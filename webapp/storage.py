"""The database schema's life: migrations applied with Alembic, never `create_all`."""

from flask import current_app
from flask_migrate import upgrade


def upgrade_database() -> None:
    """Apply every migration the database lacks (creates the tables on a new database)."""
    upgrade(directory=current_app.extensions["migrate"].directory)


class MigrationRefused(RuntimeError):
    """The data in the database breaks a rule a migration is about to enforce; the message says
    which rows and what to do."""
