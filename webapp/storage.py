"""The database schema's life: migrations applied with Alembic, never `create_all`."""

from flask import current_app
from flask_migrate import upgrade


def upgrade_database() -> None:
    """Apply every migration the database lacks (creates the tables on a new database)."""
    upgrade(directory=current_app.extensions["migrate"].directory)


class MigrationRefused(Exception):
    """The data in the database breaks a rule a migration is about to enforce; the message says
    which rows and what to do. Not a RuntimeError: Flask-Migrate turns those into a bare exit
    status 1, with the message only in its log."""
