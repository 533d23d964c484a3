"""Migration 0006 on data written before it, on SQLite and PostgreSQL: everyone already there
keeps working, in the configured default discipline."""

from __future__ import annotations

import pytest
from flask_migrate import downgrade
from sqlalchemy import text

from tests.webapp.factories import PASSWORD, password_hash
from webapp.extensions import db
from webapp.storage import upgrade_database

BEFORE = "0005_sessions_and_uniqueness"


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request):
    """Every test here runs on both databases."""
    return request.param


@pytest.fixture
def old_database(app):
    """The test database taken back to the schema before 0006, with Ada in it."""
    with app.app_context():
        downgrade(directory=app.extensions["migrate"].directory, revision=BEFORE)
        with db.engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO users (id, email, name, password_hash, role, created_at, "
                    "session_token) VALUES (1, 'ada@example.com', 'Ada', :hash, 'employee', "
                    "'2026-01-01', 't')"
                ),
                {"hash": password_hash()},
            )
    yield
    with app.app_context():  # leave PostgreSQL's shared test database at the newest schema
        db.session.remove()
        upgrade_database()


def test_people_from_before_keep_the_default_discipline(app, old_database, form_client):
    with app.app_context():
        upgrade_database()
        with db.engine.connect() as connection:
            assert connection.execute(text("SELECT discipline FROM users")).all() == [(None,)]
    client = form_client()
    assert client.login("ada@example.com", PASSWORD).status_code == 302
    home = client.get("/").get_data(as_text=True)
    assert "You are on the <strong>Software engineering</strong> ladders" in home
