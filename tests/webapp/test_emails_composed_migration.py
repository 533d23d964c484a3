"""Migration 0015 on data written before it, on SQLite and PostgreSQL: addresses stored with
decomposed accents are stored composed, as they are now compared; two accounts that would
become one address stop the upgrade with a message naming them, and nothing changed."""

from __future__ import annotations

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from webapp.cli import main
from webapp.extensions import db
from webapp.storage import MigrationRefused, upgrade_database

BEFORE = "0014_ids_never_reused"
COMPOSED, DECOMPOSED = "jos\u00e9@example.com", "jose\u0301@example.com"


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request):
    """Every test here runs on both databases."""
    return request.param


@pytest.fixture
def old_database(app):
    """The test database taken back to the schema before 0015; run(sql, **params) writes to
    it, read(sql) reads it."""
    with app.app_context():
        downgrade(directory=app.extensions["migrate"].directory, revision=BEFORE)

    def run(statement, **params):
        with app.app_context(), db.engine.begin() as connection:
            connection.execute(text(statement), params)

    yield run
    with app.app_context():  # leave PostgreSQL's shared test database at the newest schema
        db.session.remove()
        upgrade_database()


def person(run, id_: int, email: str) -> None:
    run(
        "INSERT INTO users (id, email, name, name_key, password_hash, role, created_at, "
        "session_token) VALUES (:id, :email, 'José', 'jose', '!', 'employee', '2026-01-01', "
        ":token)",
        id=id_,
        email=email,
        token=f"t{id_}",
    )


def emails(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(text("SELECT email FROM users ORDER BY id")))


def test_an_address_stored_decomposed_is_stored_composed(app, old_database):
    person(old_database, 1, DECOMPOSED)
    person(old_database, 2, "ada@example.com")
    old_database(
        "INSERT INTO login_attempts (email, address, at, succeeded) "
        "VALUES (:email, '10.0.0.1', '2026-01-02', false)",
        email=DECOMPOSED,
    )
    with app.app_context():
        upgrade_database()
        attempts = list(db.session.scalars(text("SELECT email FROM login_attempts")))
    assert emails(app) == [COMPOSED, "ada@example.com"]
    assert attempts == [COMPOSED]


def test_two_accounts_that_become_one_address_stop_the_upgrade_and_change_nothing(
    app, old_database
):
    person(old_database, 1, DECOMPOSED)
    person(old_database, 2, COMPOSED)
    with app.app_context(), pytest.raises(MigrationRefused) as refused:
        upgrade(directory=app.extensions["migrate"].directory)
    assert "account 1 ('jose\\u0301@example.com') and account 2 ('jos\\xe9@example.com')" in str(
        refused.value
    )
    assert emails(app) == [DECOMPOSED, COMPOSED]
    old_database("DELETE FROM users WHERE id = 1")


def test_the_upgrade_command_names_the_twins_without_a_traceback(
    old_database, database_url, monkeypatch, capsys, tmp_path
):
    person(old_database, 1, DECOMPOSED)
    person(old_database, 2, COMPOSED)
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("TRACKFIT_ENV", "testing")
    monkeypatch.chdir(tmp_path)
    assert main(["db", "upgrade"]) == 2
    err = capsys.readouterr().err
    assert "delete or re-email one account of each pair" in err and "Traceback" not in err
    old_database("DELETE FROM users WHERE id = 1")
