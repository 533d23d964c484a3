"""Deleting a person's data deletes what hangs from it, on the connections a server gets at its
very first start (the migrations have just run in the same process), and migration 0013
clears what an earlier server left behind when it did not."""

from __future__ import annotations

import pytest
from flask_migrate import downgrade
from sqlalchemy import func, select, text

from tests.webapp import factories
from tests.webapp.conftest import PASSWORD, FormClient, app_settings
from webapp import create_app
from webapp.accounts.models import LoginSession, User
from webapp.assessment.models import Assessment
from webapp.extensions import db
from webapp.manager.models import Decision, ManagerReview
from webapp.sharing.models import Share
from webapp.storage import upgrade_database

HANGING = (Share, ManagerReview, Decision)


@pytest.fixture
def first_start(tmp_path):
    """The app on a database its own process has just created and migrated, as `trackfit
    serve` does on a new install: no connection is closed between the migrations and the
    first request."""
    app = create_app(app_settings(f"sqlite:///{tmp_path / 'new.sqlite3'}"))
    with app.app_context():
        upgrade_database()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def a_one_to_one(app, people) -> int:
    """Ada's finished assessment, shared with Mo, who has written notes and recorded a
    decision; its id."""
    factories.team(app)
    number = factories.assessment(app, "ada@example.com", people[0])
    ada = FormClient(app.test_client())
    ada.login("ada@example.com")
    ada.submit(f"/results/{number}", action_url=f"/results/{number}/share")
    mo = FormClient(app.test_client())
    mo.login("mo@example.com")
    page = f"/team/assessments/{number}"
    mo.submit(page, {"private_notes": "PRIVATE", "shared_notes": "SHARED"}, f"{page}/notes")
    with app.app_context():
        track = db.session.get(Assessment, number).track
        advised = db.session.get(Assessment, number).recommendation["levels"][track]["target"]
    mo.submit(page, {"track": track, "target_level": advised}, f"{page}/decision")
    assert all(count(app, model) == 1 for model in HANGING)
    return number


def test_deleting_an_assessment_on_a_first_start_deletes_its_share_notes_and_decision(
    first_start, people
):
    number = a_one_to_one(first_start, people)
    ada = FormClient(first_start.test_client())
    ada.login("ada@example.com")
    ada.submit(f"/my-data/assessments/{number}/delete")
    assert count(first_start, Assessment) == 0
    assert [count(first_start, model) for model in HANGING] == [0, 0, 0]
    # the next assessment, whatever id it gets, starts with nothing shared and nothing noted
    again = factories.assessment(first_start, "ada@example.com", people[1])
    html = ada.get(f"/results/{again}").get_data(as_text=True)
    assert "Shared with" not in html and "SHARED" not in html


def test_deleting_an_account_on_a_first_start_ends_its_sessions(first_start, people):
    a_one_to_one(first_start, people)
    ada = FormClient(first_start.test_client())
    ada.login("ada@example.com")
    ada.submit("/my-data/account/delete", {"password": PASSWORD})
    with first_start.app_context():
        assert db.session.scalar(select(User).where(User.email == "ada@example.com")) is None
        owners = set(db.session.scalars(select(LoginSession.user_id)))
        assert owners <= set(db.session.scalars(select(User.id)))
    assert [count(first_start, model) for model in HANGING] == [0, 0, 0]


def test_migration_0013_clears_what_a_server_with_foreign_keys_off_left_behind(app, people):
    number = a_one_to_one(app, people)
    with app.app_context():
        downgrade(directory=app.extensions["migrate"].directory, revision="0012_name_order")
        mo = db.session.scalar(select(User.id).where(User.email == "mo@example.com"))
        db.session.remove()
        db.engine.dispose()
        with db.engine.connect() as connection:  # as that server did: keys off, then delete
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.execute(text("DELETE FROM assessments WHERE id = :n"), {"n": number})
            connection.execute(text("UPDATE users SET manager_id = NULL"))
            connection.execute(text("DELETE FROM users WHERE id = :mo"), {"mo": mo})
            connection.commit()
            left = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
            connection.exec_driver_sql("PRAGMA foreign_keys=ON")
        assert {row[0] for row in left} == {
            "shares",
            "manager_reviews",
            "decisions",
            "login_sessions",
        }
        upgrade_database()
        with db.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA foreign_key_check").all() == []
    assert [count(app, model) for model in HANGING] == [0, 0, 0]
    assert count(app, User) == 4  # the others are untouched


def test_migration_0013_empties_a_link_its_key_says_to_empty(app):
    factories.team(app)
    with app.app_context():
        downgrade(directory=app.extensions["migrate"].directory, revision="0012_name_order")
        db.session.remove()
        db.engine.dispose()
        with db.engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.execute(text("DELETE FROM users WHERE email = 'mo@example.com'"))
            connection.commit()
            connection.exec_driver_sql("PRAGMA foreign_keys=ON")
        upgrade_database()
        ada = db.session.scalar(select(User).where(User.email == "ada@example.com"))
        assert ada is not None and ada.manager_id is None  # kept, her manager link emptied
