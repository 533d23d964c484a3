"""Migration 0008 on data written before it, on SQLite and PostgreSQL: runs already recorded get
their training's key; where runs of one training were already in progress together, the
earliest keeps it and the others run on without one, so the upgrade stops nobody's training.
From then on the database keeps one run of a training in progress."""

from __future__ import annotations

import pytest
from flask_migrate import downgrade
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from webapp.extensions import db
from webapp.hr.outcomes.models import training_key
from webapp.storage import upgrade_database

BEFORE = "0007_outcomes_from_active"
SHA = "ab" * 32


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request):
    """Every test here runs on both databases."""
    return request.param


def upload(id_: int, sensitive: str = "[]") -> str:
    return (
        "INSERT INTO outcome_uploads (id, uploaded_at, filename, kind, pack, rows, sha256, "
        "sensitive_columns, not_usable, from_active) VALUES "
        f"({id_}, '2026-01-01', 'outcomes.csv', 'full', 'engineering@1', 300, '{SHA}', "
        f"'{sensitive}', '[]', true)"
    )


def run(id_: int, upload_id: int, status: str) -> str:
    return (
        "INSERT INTO training_runs (id, upload_id, created_at, status, stage) VALUES "
        f"({id_}, {upload_id}, '2026-01-01', '{status}', 'waiting to start')"
    )


@pytest.fixture
def old_database(app):
    """The test database taken back to the schema before 0008: four uploads of one file (the
    last with a sensitive column named), and runs as the old code let them pile up."""
    with app.app_context():
        downgrade(directory=app.extensions["migrate"].directory, revision=BEFORE)
        with db.engine.begin() as connection:
            for statement in (
                upload(1),
                upload(2),
                upload(3),
                upload(4, '["gender"]'),
                run(1, 1, "succeeded"),
                run(2, 2, "running"),
                run(3, 3, "queued"),
                run(4, 4, "queued"),
            ):
                connection.execute(text(statement))
    yield
    with app.app_context():  # leave PostgreSQL's shared test database at the newest schema
        db.session.remove()
        upgrade_database()


def test_runs_in_progress_together_keep_running_and_a_new_one_is_refused(app, old_database):
    same = training_key("engineering@1", SHA, True, [])
    with app.app_context():
        upgrade_database()
        with db.engine.connect() as connection:
            keys = dict(
                connection.execute(text("SELECT id, training_key FROM training_runs")).all()
            )
            statuses = dict(connection.execute(text("SELECT id, status FROM training_runs")).all())
        assert keys == {
            1: same,
            2: same,
            3: None,  # the second of one training in progress: it runs on, unkeyed
            4: training_key("engineering@1", SHA, True, ["gender"]),
        }
        assert statuses == {1: "succeeded", 2: "running", 3: "queued", 4: "queued"}
        with pytest.raises(IntegrityError), db.engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO training_runs (id, upload_id, created_at, status, stage, "
                    "training_key) VALUES (5, 1, '2026-01-02', 'queued', 'waiting', :key)"
                ),
                {"key": same},
            )
