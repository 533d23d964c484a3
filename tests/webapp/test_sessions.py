"""Sessions end on the server: logging out, changing the password, idling and age end them,
whatever copies of the cookie are kept; the CSRF token changes at login and logout; a login
checks one password hash whether or not the account exists."""

from __future__ import annotations

import stat
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import event, select

from tests.webapp.factories import PASSWORD
from webapp import create_app
from webapp.accounts import models as accounts
from webapp.accounts.models import LoginSession
from webapp.app import register_extensions
from webapp.extensions import db
from webapp.settings import IDLE_MINUTES, SettingsError, settings_from_environment
from webapp.storage import upgrade_database

PRIVATE = "/my-data/export.json"


def copy_of(client, form_client):
    """Another client holding a copy of this client's session cookie (a stolen cookie)."""
    thief = form_client()
    cookie = client.client.get_cookie("session")
    thief.client.set_cookie("session", cookie.value)
    return thief


def sessions(app) -> list[LoginSession]:
    with app.app_context():
        return list(db.session.scalars(select(LoginSession).order_by(LoginSession.started_at)))


def age_sessions(app, **columns) -> None:
    """Move every session's times into the past by the given timedeltas."""
    with app.app_context():
        for session in db.session.scalars(select(LoginSession)):
            for column, by in columns.items():
                setattr(session, column, getattr(session, column) - by)
        db.session.commit()


def test_a_copied_cookie_no_longer_works_after_logout(app, ada, form_client):
    thief = copy_of(ada, form_client)
    assert thief.get(PRIVATE).status_code == 200
    ada.logout()
    assert thief.get(PRIVATE).status_code == 302  # to the login page
    [ended] = sessions(app)
    assert ended.ended_at is not None


def test_changing_the_password_ends_every_session_and_signs_this_one_in_anew(
    app, ada, signed_in, form_client, password
):
    """Other sessions end; this one goes on under a new secret (an outside review: it kept
    its old one, so a copy of the cookie taken before the change still opened the account)."""
    other = signed_in("ada@example.com")
    thief = copy_of(other, form_client)
    mine_before = copy_of(ada, form_client)
    response = ada.submit(
        "/account/password",
        {"current": password, "password": "a new long password", "confirm": "a new long password"},
    )
    assert response.status_code == 302
    assert ada.get(PRIVATE).status_code == 200
    assert "Your password is changed." in ada.get("/").get_data(as_text=True)
    assert other.get(PRIVATE).status_code == 302
    assert thief.get(PRIVATE).status_code == 302
    assert mine_before.get(PRIVATE).status_code == 302


def test_an_idle_session_ends_on_the_server(app, ada, form_client):
    thief = copy_of(ada, form_client)
    age_sessions(app, last_seen_at=timedelta(minutes=IDLE_MINUTES - 1))
    assert ada.get(PRIVATE).status_code == 200  # still within the idle time: seen again now
    age_sessions(app, last_seen_at=timedelta(minutes=IDLE_MINUTES + 1))
    assert ada.get(PRIVATE).status_code == 302
    assert thief.get(PRIVATE).status_code == 302


def test_the_idle_time_is_a_setting(make_app, make_user, form_client):
    short = make_app(TRACKFIT_IDLE_MINUTES=5)
    make_user("ada@example.com", app=short)
    ada = form_client(app=short)
    ada.login()
    age_sessions(short, last_seen_at=timedelta(minutes=6))
    assert ada.get(PRIVATE).status_code == 302


def test_a_session_in_use_still_ends_after_its_whole_lifetime(app, ada):
    hours = app.config["TRACKFIT_SESSION_HOURS"]
    age_sessions(app, started_at=timedelta(hours=hours, minutes=1))
    assert ada.get(PRIVATE).status_code == 302
    assert app.config["PERMANENT_SESSION_LIFETIME"] == timedelta(hours=hours)  # the cookie too


def test_last_seen_is_written_at_most_once_a_minute(app, ada):
    [before] = sessions(app)
    ada.get(PRIVATE)
    ada.get(PRIVATE)
    assert sessions(app)[0].last_seen_at == before.last_seen_at
    age_sessions(app, last_seen_at=timedelta(minutes=2))
    ada.get(PRIVATE)
    assert sessions(app)[0].last_seen_at > before.last_seen_at - timedelta(seconds=1)


def test_a_signed_in_request_finds_the_user_and_session_in_one_query(app, ada):
    ada.get(PRIVATE)  # the last seen time is fresh: nothing to write
    statements = []
    with app.app_context():
        engine = db.engine
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        assert ada.get("/").status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    touching = [s for s in statements if "login_sessions" in s]
    assert len(touching) == 1 and "users" in touching[0]


def test_each_login_is_a_session_of_its_own(app, make_user, signed_in):
    make_user("ada@example.com")
    first, second = signed_in("ada@example.com"), signed_in("ada@example.com")
    first.logout()
    assert second.get(PRIVATE).status_code == 200
    assert first.get(PRIVATE).status_code == 302


def test_an_old_style_cookie_signs_nobody_in(app, make_user, form_client):
    user_id = make_user("ada@example.com")
    visitor = form_client()
    with visitor.client.session_transaction() as session:
        session["_user_id"] = str(user_id)  # a user id alone, as if the secret were guessable
    assert visitor.get(PRIVATE).status_code == 302


def test_the_csrf_token_changes_at_login_and_at_logout(client, make_user, password):
    make_user("ada@example.com")
    planted = client.token("/account/login")
    client.login()
    after_login = client.token("/")
    assert after_login != planted
    response = client.post("/account/logout", data={"csrf_token": planted})
    assert response.status_code == 400  # the token from before the login is useless
    assert client.post("/account/logout", data={"csrf_token": after_login}).status_code == 302
    assert client.token("/account/login") != after_login


@pytest.fixture
def hash_checks(monkeypatch) -> list:
    """Every password hash the app checks, recorded."""
    checked = []
    original = accounts.check_password_hash
    monkeypatch.setattr(
        accounts,
        "check_password_hash",
        lambda stored, password: checked.append(stored) or original(stored, password),
    )
    return checked


def test_a_login_checks_one_hash_for_known_unknown_and_invited_emails(
    app, client, make_user, hash_checks
):
    make_user("ada@example.com")
    with app.app_context():
        invited = accounts.User(email="ivy@example.com", name="Ivy", role="employee")
        invited.set_password(None)
        db.session.add(invited)
        db.session.commit()
    for email in ("ada@example.com", "nobody@example.com", "ivy@example.com"):
        hash_checks.clear()
        assert client.login(email=email, password="wrong password!").status_code == 422
        assert len(hash_checks) == 1, email
    assert client.login(email="ivy@example.com", password=accounts.NO_PASSWORD).status_code == 422


def test_the_stand_in_hash_costs_what_the_apps_own_hashes_cost(app, client, hash_checks):
    client.register(email="new@example.com", password=PASSWORD)
    client.logout()
    client.login(email="nobody@example.com")
    with app.app_context():
        real = accounts.User.by_email("new@example.com").password_hash
    method = real.split("$", 1)[0]
    assert hash_checks[-1].split("$", 1)[0] == method  # same algorithm and work factor


def test_throttled_attempts_check_no_password(client, make_user, hash_checks):
    make_user("ada@example.com")
    for _ in range(5):
        client.login(password="wrong password!")
    hash_checks.clear()
    assert client.login().status_code == 429
    assert hash_checks == []


@pytest.mark.parametrize("value", ["0", "-5", "ten", "1e3", "١٢", "9999999"])
def test_a_bad_idle_time_is_refused_at_start(tmp_path, value):
    with pytest.raises(SettingsError, match="TRACKFIT_IDLE_MINUTES"):
        settings_from_environment(
            str(tmp_path), {"TRACKFIT_ENV": "testing", "TRACKFIT_IDLE_MINUTES": value}
        )


def test_the_sqlite_file_is_readable_by_its_owner_only(tmp_path):
    path = tmp_path / "new.sqlite3"
    app = create_app(
        {
            "TRACKFIT_ENV": "testing",
            "SECRET_KEY": "x",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}",
        }
    )
    with app.app_context():
        upgrade_database()
        db.engine.dispose()
    for made in tmp_path.iterdir():
        assert stat.S_IMODE(made.stat().st_mode) == 0o600, made.name


def test_a_world_readable_sqlite_file_is_made_private(tmp_path):
    path = tmp_path / "old.sqlite3"
    path.touch(mode=0o644)
    path.chmod(0o644)
    create_app(
        {
            "TRACKFIT_ENV": "testing",
            "SECRET_KEY": "x",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}",
        }
    )
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_ended_and_expired_sessions_are_cleared_away_at_the_next_login(app, make_user, signed_in):
    make_user("ada@example.com")
    make_user("bob@example.com")
    signed_in("ada@example.com").logout()
    signed_in("bob@example.com")
    age_sessions(app, last_seen_at=timedelta(minutes=IDLE_MINUTES + 1))
    signed_in("ada@example.com")
    assert len(sessions(app)) == 1


def test_the_instance_folder_is_its_owners_only(tmp_path):
    instance = tmp_path / "instance"
    app = Flask("webapp", instance_path=str(instance))
    app.config.update(
        settings_from_environment(str(instance), {"TRACKFIT_ENV": "testing", "SECRET_KEY": "x"})
    )
    register_extensions(app)
    assert stat.S_IMODE(instance.stat().st_mode) == 0o700
    assert stat.S_IMODE((instance / "trackfit.sqlite3").stat().st_mode) == 0o600


@pytest.mark.parametrize("before", [None, 0o755])
def test_the_instance_folder_is_its_owners_only_with_a_development_secret_in_it(
    tmp_path, monkeypatch, before
):
    monkeypatch.delenv("SECRET_KEY", raising=False)  # the secret is made in the folder
    instance = tmp_path / "instance"
    if before is not None:  # made by an older trackfit, or by hand
        instance.mkdir(mode=before)
        instance.chmod(before)
    app = Flask("webapp", instance_path=str(instance))
    app.config.update(settings_from_environment(str(instance), {"TRACKFIT_ENV": "development"}))
    register_extensions(app)
    assert stat.S_IMODE(instance.stat().st_mode) == 0o700
    assert stat.S_IMODE((instance / "secret_key").stat().st_mode) == 0o600


def test_a_password_not_in_nfkc_form_checks_two_hashes_for_any_email(
    client, make_user, hash_checks
):
    """A password typed with a combining accent is checked in NFKC form and, for a hash stored
    before passwords were hashed in that form, as typed: two hashes for a known, an unknown and
    an invited email alike, so the time still tells nothing of the account."""
    make_user("ada@example.com")
    for email in ("ada@example.com", "nobody@example.com"):
        hash_checks.clear()
        assert client.login(email=email, password="wrong passe\u0301!").status_code == 422
        assert len(hash_checks) == 2, email
