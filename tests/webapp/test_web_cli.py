"""`trackfit` web commands: db, users, tokens, and serve refusing a production start."""

import io
import os
import shutil
import socket
import sqlite3
import sys
from datetime import datetime, timedelta

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.webapp.conftest import FormClient, app_settings
from tests.webapp.factories import PASSWORD
from webapp import create_app
from webapp.accounts.demo import database_shown, ensure_demo_accounts
from webapp.accounts.models import User
from webapp.api.tokens import ApiToken
from webapp.assessment.models import Assessment
from webapp.audit import AuditEvent
from webapp.cli import main
from webapp.database import utcnow
from webapp.extensions import db
from webapp.sharing.models import Share


@pytest.fixture
def cli(database_url, monkeypatch, capsys, tmp_path):
    """Run `trackfit` against the test database; returns (code, out, err)."""
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("TRACKFIT_ENV", "testing")
    monkeypatch.chdir(tmp_path)

    def run(*argv):
        code = main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    return run


def test_hr_creates_lists_and_revokes_api_tokens(cli, monkeypatch, app):
    monkeypatch.setenv("TRACKFIT_NEW_PASSWORD", "a long enough password")
    assert cli("users", "add", "--email", "hr@example.com", "--role", "hr")[0] == 0
    code, secret, err = cli("tokens", "create", "--name", "HRIS", "--owner", "hr@example.com")
    assert code == 0
    assert secret.strip().startswith("tf_")
    assert "shown only now" in err
    code, listing, _ = cli("tokens", "list")
    assert "HRIS" in listing and "active until" in listing
    assert secret.strip() not in listing
    assert cli("tokens", "revoke", "--id", "1")[0] == 0
    assert "revoked" in cli("tokens", "list")[1]


def test_a_token_works_for_the_days_hr_asks_and_the_list_says_until_when(cli, monkeypatch, app):
    monkeypatch.setenv("TRACKFIT_NEW_PASSWORD", "a long enough password")
    assert cli("users", "add", "--email", "hr@example.com", "--role", "hr")[0] == 0
    code, _, err = cli(
        "tokens", "create", "--name", "HRIS", "--owner", "hr@example.com", "--days", "30"
    )
    until = f"{utcnow() + timedelta(days=30):%Y-%m-%d}"
    assert code == 0 and f"working until {until}" in err
    assert f"active until {until}" in cli("tokens", "list")[1]
    with app.app_context():
        db.session.get(ApiToken, 1).expires_at = datetime(2026, 3, 1)
        db.session.commit()
    assert "expired 2026-03-01" in cli("tokens", "list")[1]


@pytest.mark.parametrize("days", ["0", "366", "-5", "ninety", "1e2"])
def test_a_token_lifetime_out_of_range_is_refused_before_anything_is_made(
    cli, monkeypatch, capsys, days
):
    monkeypatch.setenv("TRACKFIT_NEW_PASSWORD", "a long enough password")
    assert cli("users", "add", "--email", "hr@example.com", "--role", "hr")[0] == 0
    with pytest.raises(SystemExit) as exit_:
        cli("tokens", "create", "--name", "x", "--owner", "hr@example.com", "--days", days)
    assert exit_.value.code == 2
    assert "--days" in capsys.readouterr().err
    assert cli("tokens", "list")[1] == ""


def test_token_for_a_non_hr_account_is_refused_with_a_message(cli, monkeypatch):
    monkeypatch.setenv("TRACKFIT_NEW_PASSWORD", "a long enough password")
    cli("users", "add", "--email", "emp@example.com")
    code, out, err = cli("tokens", "create", "--name", "x", "--owner", "emp@example.com")
    assert code == 2
    assert "not in HR" in err
    assert out == ""


def test_users_set_role(cli, monkeypatch):
    monkeypatch.setenv("TRACKFIT_NEW_PASSWORD", "a long enough password")
    cli("users", "add", "--email", "m@example.com")
    assert cli("users", "set-role", "--email", "m@example.com", "--role", "manager")[0] == 0
    assert "manager" in cli("users", "list")[1]
    assert cli("users", "set-role", "--email", "nobody@example.com", "--role", "hr")[0] == 2


def test_set_role_on_an_account_registered_on_the_site_says_whose_password_it_keeps(
    cli, database_url, monkeypatch
):
    """An outside review: the command cleared the flag silently, keeping the password of
    whoever registered the address."""
    monkeypatch.setenv("TRACKFIT_NEW_PASSWORD", "a long enough password")
    engine = create_engine(database_url)
    cli("users", "add", "--email", "r@example.com")  # then marked as registered on the site
    with engine.begin() as connection:
        connection.execute(text("UPDATE users SET address_unconfirmed = true"))
    engine.dispose()
    code, out, _ = cli("users", "set-role", "--email", "r@example.com", "--role", "manager")
    assert code == 0
    assert "note: r@example.com was registered on the site" in out
    assert "This command vouches for it" in out
    code, out, _ = cli("users", "set-role", "--email", "r@example.com", "--role", "employee")
    assert code == 0 and "note:" not in out  # vouched for now


def test_a_production_start_without_secret_key_is_refused(monkeypatch, capsys):
    monkeypatch.setenv("TRACKFIT_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    assert main(["serve"]) == 2
    assert "SECRET_KEY is not set" in capsys.readouterr().err


def test_serve_on_a_port_another_program_has_says_so_before_saying_it_runs(cli):
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        port = other.getsockname()[1]
        code, out, err = cli("serve", "--port", str(port), "--no-demo")
    assert code == 2 and out == ""
    assert f"trackfit: port {port} on 127.0.0.1 is in use by another program" in err


def test_gunicorn_entry_point_refuses_without_secret_key(monkeypatch):
    from webapp import create_app  # noqa: PLC0415
    from webapp.settings import SettingsError  # noqa: PLC0415

    monkeypatch.delenv("TRACKFIT_ENV", raising=False)
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(SettingsError):
        create_app()
    assert "SECRET_KEY" not in os.environ


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ("users", "add", "--email", "a" * 250 + "@example.com", "--name", "n" * 121),
            "--email: at most 254 characters (this is 262); --name: at most 120 characters",
        ),
        (("users", "add", "--email", "not-an-address"), "'not-an-address' is not an email"),
        (
            ("tokens", "create", "--name", "t" * 121, "--owner", "hr@example.com"),
            "--name: at most 120 characters (this is 121)",
        ),
    ],
    ids=["users-too-long", "users-not-an-email", "tokens-too-long"],
)
def test_text_longer_than_its_column_is_named_not_a_traceback(cli, monkeypatch, argv, message):
    monkeypatch.setenv("TRACKFIT_NEW_PASSWORD", "a long enough password")
    assert cli("users", "add", "--email", "hr@example.com", "--role", "hr")[0] == 0
    code, out, err = cli(*argv)
    assert (code, out) == (2, "")
    assert message in err
    assert cli("users", "list")[1].count("\n") == 1  # only HR
    assert "t" * 121 not in cli("tokens", "list")[1]


def test_the_token_list_says_a_token_of_someone_no_longer_in_hr_does_not_work(cli, monkeypatch):
    monkeypatch.setenv("TRACKFIT_NEW_PASSWORD", "a long enough password")
    assert cli("users", "add", "--email", "hr@example.com", "--role", "hr")[0] == 0
    assert cli("tokens", "create", "--name", "HRIS", "--owner", "hr@example.com")[0] == 0
    assert cli("users", "add", "--email", "hr2@example.com", "--role", "hr")[0] == 0
    assert cli("users", "set-role", "--email", "hr@example.com", "--role", "manager")[0] == 0
    listing = cli("tokens", "list")[1]
    assert "not working: its owner is no longer in HR" in listing
    assert "active" not in listing


def test_set_role_needs_the_role_and_never_demotes_by_default(cli, monkeypatch):
    monkeypatch.setenv("TRACKFIT_NEW_PASSWORD", "a long enough password")
    assert cli("users", "add", "--email", "hr@example.com", "--role", "hr")[0] == 0
    code, _, err = cli("users", "set-role", "--email", "hr@example.com")
    assert code == 2 and "--role is required" in err
    assert "hr@example.com\thr\t" in cli("users", "list")[1]


@pytest.mark.parametrize(
    "email", ["nl@example.com\nevil", "a@b", "@@", "a b@example.com", "a@@example.com", "a@.", "x"]
)
def test_an_account_needs_an_email_address_as_the_web_form_does(cli, monkeypatch, email):
    monkeypatch.setenv("TRACKFIT_NEW_PASSWORD", "a long enough password")
    code, _, err = cli("users", "add", "--email", email, "--name", "Q")
    assert code == 2 and "is not an email address" in err
    assert cli("users", "list")[1] == ""


@pytest.mark.parametrize(
    ("environment", "message"),
    [
        ({"TRACKFIT_PROXY_COUNT": "abc"}, "TRACKFIT_PROXY_COUNT='abc': expected a whole number"),
        ({"TRACKFIT_ENV": "banana"}, "TRACKFIT_ENV='banana'"),
        ({"TRACKFIT_JOBS": "banana"}, "TRACKFIT_JOBS='banana'"),
        ({"DATABASE_URL": "garbage"}, "DATABASE_URL: is not a database address"),
        ({"DATABASE_URL": "sqlite:////nonexistent-folder/x/y.db"}, "cannot be opened or reached"),
    ],
)
@pytest.mark.parametrize("command", [("users", "list"), ("tokens", "list"), ("db", "upgrade")])
def test_settings_or_a_database_that_cannot_be_used_are_named_not_a_traceback(
    cli, monkeypatch, environment, message, command
):
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    code, out, err = cli(*command)
    assert code == 2 and out == ""
    assert message in err and "Traceback" not in err


def test_a_database_without_tables_says_to_upgrade_it(monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    monkeypatch.setenv("TRACKFIT_ENV", "testing")
    assert main(["users", "list"]) == 2
    assert "run `trackfit db upgrade` first" in capsys.readouterr().err


def test_a_postgresql_database_that_does_not_exist_is_not_called_one_without_tables(
    postgres_migrated, monkeypatch, capsys
):
    """'database "x" does not exist' is a DATABASE_URL to correct, not tables to make."""
    url = make_url(postgres_migrated).set(database="trackfit_no_such_database")
    monkeypatch.setenv("DATABASE_URL", url.render_as_string(hide_password=False))
    monkeypatch.setenv("TRACKFIT_ENV", "testing")
    for command in (["users", "list"], ["db", "upgrade"]):
        assert main(command) == 2
        err = capsys.readouterr().err
        assert "the database cannot be opened or reached" in err, err
        assert "does not exist" in err and "trackfit db upgrade" not in err
        assert "a table the database should have is missing" not in err


def test_a_table_missing_from_a_database_is_not_called_a_database_to_upgrade(
    monkeypatch, capsys, tmp_path
):
    """The upgrade itself finds a table gone that the recorded schema version has: saying
    "run trackfit db upgrade first" would send the reader round in a circle."""
    path = tmp_path / "changed.db"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{path}")
    monkeypatch.setenv("TRACKFIT_ENV", "testing")
    assert main(["db", "upgrade"]) == 0
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE alembic_version SET version_num = '0011_upload_flagged_rows'")
        connection.execute("DROP TABLE users")
    capsys.readouterr()
    assert main(["db", "upgrade"]) == 2
    err = capsys.readouterr().err
    assert "the database was not upgraded: a table the database should have is missing" in err
    assert "(no such table: users)" in err and "restore it from a backup" in err
    assert "run `trackfit db upgrade` first" not in err and "Traceback" not in err


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["users", "list", "--email", "x@example.com"], "users list takes no --email"),
        (["users", "set-role", "--email", "a@example.com", "--role", "hr", "--name", "A"],
         "users set-role takes no --name"),
        (["tokens", "list", "--owner", "hr@example.com"], "tokens list takes no --owner"),
        (["tokens", "revoke", "--id", "1", "--days", "3"], "tokens revoke takes no --days"),
    ],
)  # fmt: skip
def test_an_option_an_action_takes_no_notice_of_is_refused(cli, argv, said):
    code, out, err = cli(*argv)
    assert code == 2 and out == "" and said in err


def test_a_token_name_on_two_lines_is_refused(cli, monkeypatch):
    monkeypatch.setenv("TRACKFIT_NEW_PASSWORD", "a long enough password")
    assert cli("users", "add", "--email", "hr@example.com", "--role", "hr")[0] == 0
    code, _, err = cli("tokens", "create", "--name", "bad\nname", "--owner", "hr@example.com")
    assert code == 2 and "--name: holds a line break" in err
    assert cli("tokens", "list")[1] == ""


def test_the_last_hr_account_keeps_its_role(cli, monkeypatch):
    monkeypatch.setenv("TRACKFIT_NEW_PASSWORD", "a long enough password")
    assert cli("users", "add", "--email", "hr@example.com", "--role", "hr")[0] == 0
    code, _, err = cli("users", "set-role", "--email", "hr@example.com", "--role", "employee")
    assert code == 2 and "is the only HR account" in err
    assert "hr@example.com\thr\t" in cli("users", "list")[1]


def test_accounts_roles_and_tokens_changed_from_the_command_line_are_audited(cli, monkeypatch, app):
    monkeypatch.setenv("TRACKFIT_NEW_PASSWORD", "a long enough password")
    cli("users", "add", "--email", "hr@example.com", "--role", "hr")
    cli("users", "add", "--email", "mo@example.com")
    cli("users", "set-role", "--email", "mo@example.com", "--role", "hr")
    cli("tokens", "create", "--name", "HRIS", "--owner", "hr@example.com")
    cli("tokens", "revoke", "--id", "1")
    # revoked again: nothing changes, so nothing is audited, and it says since when
    code, out, _ = cli("tokens", "revoke", "--id", "1")
    assert code == 0 and out.startswith("token 1 was revoked already, on 20")
    with app.app_context():
        events = db.session.scalars(db.select(AuditEvent).order_by(AuditEvent.id)).all()
    assert [(e.action, e.subject) for e in events] == [
        ("account_added", "hr@example.com"),
        ("account_added", "mo@example.com"),
        ("role_changed", "mo@example.com"),
        ("token_created", "HRIS"),
        ("token_revoked", "token 1"),
    ]
    assert events[2].detail == {"before": "employee", "after": "hr"}
    assert all(e.actor_email.endswith("(command line)") and e.actor_id is None for e in events)


def test_a_persian_name_with_its_joiner_is_added_and_listed_as_written(cli, monkeypatch):
    monkeypatch.setenv("TRACKFIT_NEW_PASSWORD", "a long enough password")
    name = "Reza \u0645\u06cc\u200c\u0631\u0636\u0627"
    assert cli("users", "add", "--email", "fa@example.com", "--name", name)[0] == 0
    assert f"fa@example.com\temployee\t{name}\n" in cli("users", "list")[1]
    code, _, err = cli("users", "add", "--email", "x@example.com", "--name", "\u202eX")
    assert code == 2 and "U+202E RIGHT-TO-LEFT OVERRIDE" in err


def test_a_token_whose_secret_cannot_be_written_is_revoked_at_once(cli, monkeypatch, app):
    monkeypatch.setenv("TRACKFIT_NEW_PASSWORD", "a long enough password")
    assert cli("users", "add", "--email", "hr@example.com", "--role", "hr")[0] == 0

    class Full(io.StringIO):
        def write(self, text):
            raise OSError(28, "No space left on device")

    kept = sys.stdout
    sys.stdout = Full()
    try:
        code = main(["tokens", "create", "--name", "HRIS", "--owner", "hr@example.com"])
    finally:
        sys.stdout = kept
    assert code == 1
    with app.app_context():
        token = db.session.get(ApiToken, 1)
        assert token is not None and token.revoked_at is not None


def test_demo_accounts_printed_for_one_database_still_sign_in_after_serving_another(
    app, sqlite_template, tmp_path
):
    """`trackfit serve` keeps the demo passwords in the instance folder, which every database
    served from this folder shares: serving another `DATABASE_URL` once rewrote the file, so
    the next `make serve` printed passwords its own database never had (and reset them in the
    other, as often as one switched)."""
    (tmp_path / "instance").mkdir()
    other_path = tmp_path / "other.sqlite3"
    shutil.copy(sqlite_template, other_path)
    other = create_app(
        app_settings(f"sqlite:///{other_path}", TRACKFIT_MODELS=str(tmp_path / "models"))
    )
    other.instance_path = app.instance_path

    def demo(on):
        with on.app_context():
            accounts = ensure_demo_accounts(on)
            signs_in = [User.by_email(a["email"]).check_password(a["password"]) for a in accounts]
            db.session.remove()
        return [(a["email"], a["password"]) for a in accounts], signs_in

    first, signs_in = demo(app)
    assert signs_in == [True, True, True]
    elsewhere, signs_in = demo(other)
    assert signs_in == [True, True, True]
    assert demo(app) == (first, [True, True, True])  # nobody's password was reset
    assert demo(other) == (elsewhere, [True, True, True])
    with other.app_context():
        db.engine.dispose()


def test_demo_accounts_made_while_no_model_can_be_used_still_sign_in(app, tmp_path):
    """A first `trackfit serve` with no usable model registry stopped on the demo assessment
    after the accounts were committed and before their passwords were written down: every
    later start listed them as "its password is its own", and nobody could sign in."""
    (tmp_path / "instance").mkdir()
    app.config["TRACKFIT_MODELS"] = str(tmp_path / "no-registry-here")
    with app.app_context():
        accounts = ensure_demo_accounts(app)
        assert [User.by_email(a["email"]).check_password(a["password"]) for a in accounts] == [
            True
        ] * 3
        db.session.remove()
    app.config["TRACKFIT_MODELS"] = str(tmp_path / "models")
    with app.app_context():  # served again with a model: the same accounts, the same passwords
        assert ensure_demo_accounts(app) == accounts
        # and the finished assessment, shared with the manager, the README promises (an
        # outside review: never made once the accounts were there)
        employee = User.by_email("employee@example.com")
        (assessment,) = Assessment.completed(employee.id)
        assert Share.active(assessment.id).manager_id == employee.manager_id
        db.session.remove()
    client = FormClient(app.test_client())
    client.login("employee@example.com", accounts[0]["password"])
    deleted = client.submit(f"/my-data/assessments/{assessment.id}/delete")
    assert deleted.status_code == 302
    with app.app_context():  # one the employee deleted is not made again at the next start
        ensure_demo_accounts(app)
        assert Assessment.completed(User.by_email("employee@example.com").id) == []
        db.session.remove()


def test_serving_leaves_someones_own_account_of_a_demo_email_as_it_is(app, make_user):
    """`trackfit users add --email hr@example.com` (the README's own example) made an account
    that `trackfit serve` then gave a new password, silently; and a manager of that email had
    the demo employee put under them. Someone's own account is left as it is, and said so."""
    os.makedirs(app.instance_path, exist_ok=True)
    make_user("hr@example.com", "hr", "Hana Real")
    make_user("manager@example.com", "manager", "Mo Real")
    with app.app_context():
        accounts = ensure_demo_accounts(app)
        by_email = {a["email"]: a for a in accounts}
        assert (
            by_email["hr@example.com"].get("kept") and "password" not in by_email["hr@example.com"]
        )
        assert User.by_email("hr@example.com").check_password(PASSWORD)
        assert User.by_email("manager@example.com").check_password(PASSWORD)
        employee = User.by_email("employee@example.com")
        assert employee.check_password(by_email["employee@example.com"]["password"])
        assert employee.manager_id is None  # not put under someone's own manager account
        db.session.remove()
    with app.app_context():  # served again: the demo employee keeps its password
        again = {a["email"]: a for a in ensure_demo_accounts(app)}
        assert again["employee@example.com"] == by_email["employee@example.com"]
        assert "password" not in again["hr@example.com"]
        db.session.remove()


def test_serve_shows_the_database_without_its_password():
    shown = database_shown("postgresql+psycopg://trackfit:s3cret@db.internal:5432/trackfit")
    assert "s3cret" not in shown and "db.internal:5432/trackfit" in shown
    # libpq also takes the password, and a client key's, in the query
    shown = database_shown(
        "postgresql+psycopg://trackfit@db/trackfit?sslmode=require&password=s3cret"
        "&sslpassword=k3y&connect_timeout=5"
    )
    assert "s3cret" not in shown and "k3y" not in shown
    assert "sslmode=require" in shown and "connect_timeout=5" in shown


def test_an_account_the_demo_file_names_but_did_not_make_is_left_as_it_is(app):
    """The demo file outlives a database made again: its hr@example.com was taken for the demo
    account of the new database, which someone had made with `trackfit users add`, and given
    a new password once another demo account was missing (found reading the change). Only an
    account the file's password still opens is a demo account."""
    os.makedirs(app.instance_path, exist_ok=True)
    with app.app_context():
        ensure_demo_accounts(app)
        # the database made again: someone's own hr@example.com, and no demo employee
        User.by_email("hr@example.com").set_password("someone's own password")
        db.session.delete(User.by_email("employee@example.com"))
        db.session.commit()
        accounts = {a["email"]: a for a in ensure_demo_accounts(app)}
        assert accounts["hr@example.com"].get("kept")
        assert User.by_email("hr@example.com").check_password("someone's own password")
        employee = accounts["employee@example.com"]
        assert User.by_email("employee@example.com").check_password(employee["password"])
        db.session.remove()
