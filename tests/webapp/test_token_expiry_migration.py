"""Migration 0010 on tokens made before tokens expired, on SQLite and PostgreSQL: each keeps
working for the notice period after the upgrade (then lapses like any other); the database
refuses a token without an expiry from then on."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

import pytest
from flask_migrate import downgrade
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from webapp.api.tokens import verify_token
from webapp.database import utcnow
from webapp.extensions import db
from webapp.storage import upgrade_database

BEFORE = "0009_upload_content_digest"
SECRET = "tf_made-before-tokens-expired"


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request):
    """Every test here runs on both databases."""
    return request.param


@pytest.fixture
def old_database(app, make_user):
    """The test database taken back to the schema before 0010, with one HR token in use."""
    make_user("hr@example.com", "hr")
    digest = hashlib.sha256(SECRET.encode()).hexdigest()
    with app.app_context():
        downgrade(directory=app.extensions["migrate"].directory, revision=BEFORE)
        with db.engine.begin() as connection:
            owner = connection.execute(
                text("SELECT id FROM users WHERE email = 'hr@example.com'")
            ).scalar_one()
            connection.execute(
                text(
                    "INSERT INTO api_tokens (id, name, token_hash, hint, owner_id, created_at) "
                    f"VALUES (1, 'HRIS', '{digest}', 'tf_made-', {owner}, '2025-01-01')"
                )
            )
    yield
    with app.app_context():  # leave PostgreSQL's shared test database at the newest schema
        db.session.remove()
        upgrade_database()


def test_a_token_made_before_expiry_existed_keeps_working_for_the_notice_period(app, old_database):
    with app.app_context():
        upgrade_database()
        expires_at = db.session.execute(
            text("SELECT expires_at FROM api_tokens WHERE id = 1")
        ).scalar_one()
        notice = datetime.fromisoformat(str(expires_at)) - utcnow()  # SQLite's is text
        assert timedelta(days=89) < notice <= timedelta(days=90)
        assert verify_token(SECRET) == 1


def test_after_the_upgrade_the_database_refuses_a_token_without_an_expiry(app, old_database):
    with app.app_context():
        upgrade_database()
        with pytest.raises(IntegrityError), db.engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO api_tokens (id, name, token_hash, hint, created_at) "
                    "VALUES (2, 'x', 'y', 'z', '2026-01-01')"
                )
            )
