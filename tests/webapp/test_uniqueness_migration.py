"""Migration 0005 on data written before it, on SQLite and PostgreSQL: clashing employee ids
stop the upgrade with a message naming them and nothing changed; duplicates the old races left
are repaired where that loses nothing."""

from __future__ import annotations

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from webapp.cli import main
from webapp.extensions import db
from webapp.storage import MigrationRefused, upgrade_database

BEFORE = "0004_outcome_confirmation"


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request):
    """Every test here runs on both databases."""
    return request.param


@pytest.fixture
def old_database(app):
    """The test database taken back to the schema before 0005; run(sql) writes to it."""
    with app.app_context():
        downgrade(directory=app.extensions["migrate"].directory, revision=BEFORE)

    def run(*statements):
        with app.app_context(), db.engine.begin() as connection:
            for statement in statements:
                connection.execute(text(statement))

    yield run
    with app.app_context():  # leave PostgreSQL's shared test database at the newest schema
        db.session.remove()
        upgrade_database()


PEOPLE = (
    "INSERT INTO users (id, email, name, password_hash, role, created_at, session_token, "
    "employee_id, manager_id) VALUES "
    "(1, 'mo@example.com', 'Mo', '!', 'manager', '2026-01-01', 't', NULL, NULL), "
    "(2, 'ada@example.com', 'Ada', '!', 'employee', '2026-01-01', 't', 'zz9', 1), "
    "(3, 'bob@example.com', 'Bob', '!', 'employee', '2026-01-01', 't', '{bob_id}', 1)"
)


def assessment(id_: int, user_id: int, *, finished: bool, step: int = 0, answers: str = "{}"):
    completed = "'2026-01-02'" if finished else "NULL"
    return (
        "INSERT INTO assessments (id, user_id, pack, started_at, updated_at, completed_at, step, "
        f"answers, context, timings) VALUES ({id_}, {user_id}, 'engineering@1', '2026-01-01', "
        f"'2026-01-01', {completed}, {step}, '{answers}', '{{}}', '{{}}')"
    )


def share(id_: int, assessment_id: int, manager_id: int) -> str:
    return (
        "INSERT INTO shares (id, assessment_id, manager_id, shared_at) "
        f"VALUES ({id_}, {assessment_id}, {manager_id}, '2026-01-03')"
    )


def test_employee_ids_that_differ_only_in_case_stop_the_upgrade_and_change_nothing(
    app, old_database
):
    old_database(PEOPLE.format(bob_id="ZZ9"))
    with app.app_context():
        with pytest.raises(MigrationRefused) as refused:
            upgrade(directory=app.extensions["migrate"].directory)
        assert "zz9 (ada@example.com), ZZ9 (bob@example.com)" in str(refused.value)
        assert "login_sessions" not in inspect(db.engine).get_table_names()
        db.session.execute(text("UPDATE users SET employee_id = 'bob1' WHERE id = 3"))
        db.session.commit()


def test_the_upgrade_command_names_the_clash_without_a_traceback(
    old_database, database_url, monkeypatch, capsys, tmp_path
):
    old_database(PEOPLE.format(bob_id="ZZ9"))
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("TRACKFIT_ENV", "testing")
    monkeypatch.chdir(tmp_path)
    assert main(["db", "upgrade"]) == 2
    err = capsys.readouterr().err
    assert "employee ids must be unique whatever their case" in err
    assert "Traceback" not in err
    old_database("UPDATE users SET employee_id = 'bob1' WHERE id = 3")


def test_duplicates_left_by_old_races_are_repaired(app, old_database):
    old_database(
        PEOPLE.format(bob_id="bob1"),
        assessment(10, 2, finished=True),
        share(1, 10, 1),
        share(2, 10, 1),  # two clicks that raced
        assessment(11, 2, finished=False, step=2, answers='{"la1": 4}'),
        assessment(12, 2, finished=False),  # an empty twin from two "start" clicks
        assessment(13, 3, finished=True),
        share(3, 13, 2),  # with someone who is not Bob's manager (any more)
    )
    with app.app_context():
        upgrade_database()
        active = db.session.execute(
            text("SELECT id FROM shares WHERE revoked_at IS NULL ORDER BY id")
        ).all()
        assert [row.id for row in active] == [2]
        ended = dict(db.session.execute(text("SELECT id, ended_because FROM shares")).all())
        assert ended == {1: "revoked", 2: None, 3: "manager_changed"}
        assert [
            row.id
            for row in db.session.execute(text("SELECT id FROM assessments ORDER BY id")).all()
        ] == [10, 11, 13]


def test_unfinished_twins_with_answers_stop_the_upgrade(app, old_database):
    old_database(
        PEOPLE.format(bob_id="bob1"),
        assessment(11, 2, finished=False, step=2, answers='{"la1": 4}'),
        assessment(12, 2, finished=False, step=1, answers='{"la1": 2}'),
    )
    with app.app_context(), pytest.raises(MigrationRefused, match=r"assessment 12 \(user 2"):
        upgrade(directory=app.extensions["migrate"].directory)
    old_database("DELETE FROM assessments WHERE id = 12")
