"""A deleted row's id is never given to the next row, on SQLite as on PostgreSQL: the audit
log's "assessment 42", an address someone kept and a manager's notes go on naming the row that
was deleted, never a stranger's. Migration 0014 makes SQLite's tables so without losing a row,
a key, an index or the audit log's triggers."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from flask_migrate import downgrade
from sqlalchemy import create_engine, exc, func, select, text

import webapp
from tests.webapp import factories
from tests.webapp.conftest import PASSWORD, FormClient
from webapp.accounts.models import User
from webapp.audit.models import AuditEvent
from webapp.extensions import db
from webapp.storage import upgrade_database


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_the_next_assessment_and_account_never_take_a_deleted_ones_number(app, people):
    factories.team(app)
    first = factories.assessment(app, "ada@example.com", people[0])
    ada = FormClient(app.test_client())
    ada.login("ada@example.com")
    ada.submit(f"/my-data/assessments/{first}/delete")
    again = factories.assessment(app, "ada@example.com", people[1])
    assert again > first
    with app.app_context():
        bob = User.by_email("bob@example.com").id
        assert bob == db.session.scalar(select(func.max(User.id)))  # the newest account
    leaving = FormClient(app.test_client())
    leaving.login("bob@example.com")
    leaving.submit("/my-data/account/delete", {"password": PASSWORD})
    factories.user(app, "cy@example.com", "employee", "Cy")
    with app.app_context():
        assert User.by_email("bob@example.com") is None
        assert User.by_email("cy@example.com").id > bob
        deleted = db.session.scalars(
            select(AuditEvent.subject).where(AuditEvent.action == "delete_assessment")
        ).all()
    assert deleted == [f"assessment {first}"]  # which now names no assessment at all


def back_to(app, revision: str) -> None:
    """The database migrated down to `revision`, its connections closed (in an app context)."""
    downgrade(directory=app.extensions["migrate"].directory, revision=revision)
    db.session.remove()
    db.engine.dispose()


def _schema(connection) -> dict[str, str]:
    rows = connection.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%'"
    )
    return dict(rows.all())


def _counts(connection, tables) -> dict[str, int]:
    return {t: connection.exec_driver_sql(f'SELECT count(*) FROM "{t}"').scalar() for t in tables}


@pytest.mark.parametrize("start", ["0013_orphans", "0012_name_order"])
def test_upgrading_an_old_sqlite_database_keeps_every_row_key_index_and_trigger(app, people, start):
    """From 0012 the run also writes 0013's version first, inside the transaction in which
    SQLite will not switch foreign keys off: had they stayed on, rebuilding `users` would have
    deleted every assessment."""
    factories.team(app)
    number = factories.assessment(app, "ada@example.com", people[0])
    factories.share(app, number)
    factories.set_manager(app, "bob@example.com", "mo@example.com")
    with app.app_context():
        back_to(app, start)
        with db.engine.connect() as connection:
            before = _schema(connection)
            tables = [name for name, sql in before.items() if sql.startswith("CREATE TABLE")]
            counts = _counts(connection, tables)
        assert not any("AUTOINCREMENT" in sql for sql in before.values())
        assert counts["assessments"] == 1 and counts["shares"] == 1 and counts["users"] == 5
        upgrade_database()
        with db.engine.connect() as connection:
            after = _schema(connection)
            assert _counts(connection, tables) == counts
            assert connection.exec_driver_sql("PRAGMA foreign_key_check").all() == []
            assert connection.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
        indexes = {name: sql for name, sql in before.items() if sql.startswith("CREATE")}
        for name, sql in indexes.items():  # every index (the lower(employee_id) one too) and
            if not sql.startswith("CREATE TABLE"):  # trigger, as it was written
                assert after[name] == sql
        # the tables there before (later revisions make tables of their own, never reusing ids)
        never = {n for n in tables if "PRIMARY KEY AUTOINCREMENT" in after[n]}
        with_ids = {n for n in tables if "\tid INTEGER NOT NULL," in before[n]} - {"audit_events"}
        assert never == with_ids and {"users", "assessments", "decisions"} <= never
        ada = db.session.scalar(select(User).where(User.email == "ada@example.com"))
        assert ada.manager_id == User.by_email("mo@example.com").id  # links between rows kept
        with pytest.raises(exc.DatabaseError, match="append-only"):
            db.session.execute(text("DELETE FROM audit_events"))
        db.session.rollback()
    # and the rows deleted from now on keep their numbers
    ada = FormClient(app.test_client())
    ada.login("ada@example.com")
    ada.submit(f"/my-data/assessments/{number}/delete")
    assert factories.assessment(app, "ada@example.com", people[1]) > number


def test_a_downgrade_then_an_upgrade_give_back_the_same_tables(app, people):
    with app.app_context():
        with db.engine.connect() as connection:
            now = _schema(connection)
        plain = [name for name, sql in now.items() if "\tid INTEGER NOT NULL," in sql]
        assert plain == ["audit_events"]  # a new database's tables never reuse ids either
        back_to(app, "0013_orphans")
        with db.engine.connect() as connection:
            assert not any("AUTOINCREMENT" in sql for sql in _schema(connection).values())
        upgrade_database()
        with db.engine.connect() as connection:
            assert _schema(connection) == now


def test_foreign_keys_are_switched_off_for_the_rebuild_even_inside_a_transaction(tmp_path):
    """SQLite ignores the switch inside a transaction: an earlier migration's work then is
    committed first, so that dropping `users` never cascades into assessments."""
    path = Path(webapp.__file__).parent / "migrations" / "versions" / "0014_ids_never_reused.py"
    spec = importlib.util.spec_from_file_location("ids_never_reused", path)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    engine = create_engine(f"sqlite:///{tmp_path / 'keys.sqlite3'}")
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA foreign_keys=ON")
        connection.exec_driver_sql("CREATE TABLE done (id INTEGER PRIMARY KEY)")
        connection.exec_driver_sql("INSERT INTO done VALUES (1)")  # a transaction is open
        assert connection.connection.dbapi_connection.in_transaction
        migration._foreign_keys_off(connection)
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 0
    with engine.connect() as connection:  # what was done before is kept
        assert connection.exec_driver_sql("SELECT id FROM done").all() == [(1,)]
    engine.dispose()


def test_an_id_deleted_before_the_upgrade_and_named_by_the_audit_log_is_not_given_again(
    app, people
):
    factories.team(app)
    factories.assessment(app, "ada@example.com", people[0])
    newest = factories.assessment(app, "bob@example.com", people[1])
    bob = FormClient(app.test_client())
    bob.login("bob@example.com")
    bob.submit(f"/my-data/assessments/{newest}/delete")  # the audit log: "assessment {newest}"
    with app.app_context():  # a database of before, whose tables forget the deleted ids
        back_to(app, "0013_orphans")
        with db.engine.connect() as connection:
            assert "AUTOINCREMENT" not in _schema(connection)["assessments"]
            biggest = connection.exec_driver_sql("SELECT max(id) FROM assessments").scalar()
            assert biggest < newest  # the next would be given `newest` again
        upgrade_database()
    assert factories.assessment(app, "bob@example.com", people[1]) > newest


def test_what_someone_added_to_the_database_neither_stops_the_upgrade_nor_is_touched(app):
    """A view over trackfit's tables, a table of one's own with an id and a key that was
    already broken: the rebuild goes round them."""
    factories.team(app)
    own = (
        "CREATE TABLE notes (id INTEGER NOT NULL, user_id INTEGER REFERENCES users (id), "
        "PRIMARY KEY (id))"
    )
    with app.app_context():
        back_to(app, "0013_orphans")
        with db.engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.exec_driver_sql(own)
            connection.exec_driver_sql("INSERT INTO notes VALUES (1, 9999)")  # nobody's
            connection.exec_driver_sql(
                "CREATE VIEW managers AS SELECT u.email FROM users u "
                "JOIN users m ON m.id = u.manager_id"
            )
            connection.commit()
        upgrade_database()
        with db.engine.connect() as connection:
            schema = _schema(connection)
            assert schema["notes"] == own  # untouched
            assert "AUTOINCREMENT" in schema["users"]
            assert connection.exec_driver_sql("SELECT count(*) FROM managers").scalar() == 2
            names = {row[0] for row in connection.exec_driver_sql("SELECT name FROM sqlite_master")}
            assert not any(name.endswith("_rebuilt") for name in names)
