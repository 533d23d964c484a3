"""The database, on SQLite and on PostgreSQL: migrations, saving, resuming, deleting, and
concurrent people saving at once."""

import threading

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, inspect, select

from webapp.accounts.models import User
from webapp.assessment.models import Assessment
from webapp.extensions import db


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request):
    """Every test here runs on both databases."""
    return request.param


# SQLite cannot reflect an index on an expression (`lower(employee_id)`), so there it is left out
# of the comparison; test_races checks what it does on both databases.
@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
@pytest.mark.filterwarnings("ignore:autogenerate skipping metadata-specified expression-based")
def test_migrations_create_exactly_the_models_tables(app):
    with app.app_context():
        assert {"users", "assessments", "api_tokens", "login_attempts", "alembic_version"} <= set(
            inspect(db.engine).get_table_names()
        )
        with db.engine.connect() as connection:
            differences = compare_metadata(MigrationContext.configure(connection), db.metadata)
    assert differences == []


def test_answers_survive_a_restart_of_the_app(make_app, client, ada, people, form_client):
    client.answer_all(people[0], stop_after=3)
    restarted = form_client(app=make_app())
    restarted.login()
    assert "Resume at step 4 of 7" in restarted.get("/assessment/").get_data(as_text=True)


def test_stored_answers_and_recommendation_round_trip(app, client, ada, people):
    client.answer_all(people[1])
    with app.app_context():
        stored = db.session.scalars(select(Assessment)).one()
        assert stored.answers == people[1]["answers"]
        assert all(isinstance(v, int) for v in stored.answers.values())
        assert stored.context == people[1]["context"]
        assert stored.recommendation["levels"]["manager"]["target"]
        assert stored.track == stored.recommendation["track"]


def test_deleting_an_account_removes_its_rows(app, client, ada, people, make_assessment):
    make_assessment("ada@example.com", people[0])
    client.submit("/my-data/account/delete", {"password": "correct horse battery"})
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Assessment)) == 0
        assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_many_people_saving_at_once_never_hit_a_locked_database(app, people, form_client):
    errors = []

    def take(index):
        try:
            person = form_client()
            person.register(email=f"p{index}@example.com", name=f"P{index}")
            person.answer_all(people[index % len(people)], stop_after=4)
        except Exception as error:
            errors.append(repr(error))

    threads = [threading.Thread(target=take, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Assessment)) == 8
