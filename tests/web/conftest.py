"""Web app fixtures: an app on a migrated database (SQLite, or PostgreSQL when asked), a
client that posts forms with their CSRF token, and people who have answered."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from webapp import create_app
from webapp.accounts.models import User
from webapp.extensions import db
from webapp.storage import upgrade_database

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "questionnaires" / "engineering" / "sample-answers.jsonl"
POSTGRES_URL = os.environ.get("TRACKFIT_TEST_DATABASE_URL")
TABLES = (
    "audit_events",
    "training_runs",
    "sensitive_values",
    "outcome_records",
    "outcome_uploads",
    "decisions",
    "manager_reviews",
    "shares",
    "assessments",
    "api_tokens",
    "login_attempts",
    "users",
)
# The audit log refuses TRUNCATE; a fresh test database may clear it.
AUDIT_TRIGGER = "audit_events_append_only"
PASSWORD = "correct horse battery"
CSRF = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"'
)


def sample_people() -> list[dict]:
    """The engineering pack's sample answers, one dict per person."""
    return [json.loads(line) for line in SAMPLES.read_text().splitlines() if line.strip()]


def app_settings(database_url: str, **extra) -> dict:
    """Config for a test app: CSRF stays on."""
    return {
        "TRACKFIT_ENV": "testing",
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": database_url,
        **extra,
    }


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """A SQLite file migrated once; each test gets a copy."""
    path = tmp_path_factory.mktemp("db") / "template.sqlite3"
    app = create_app(app_settings(f"sqlite:///{path}"))
    with app.app_context():
        upgrade_database()
        db.engine.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_migrated() -> str:
    """The test PostgreSQL database, migrated once."""
    if not POSTGRES_URL:
        if os.environ.get("TRACKFIT_REQUIRE_POSTGRES"):
            pytest.fail("TRACKFIT_REQUIRE_POSTGRES is set but TRACKFIT_TEST_DATABASE_URL is not")
        pytest.skip("PostgreSQL: set TRACKFIT_TEST_DATABASE_URL (.ci/run starts a server)")
    engine = create_engine(POSTGRES_URL)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()
    app = create_app(app_settings(POSTGRES_URL))
    with app.app_context():
        upgrade_database()
        db.engine.dispose()
    return POSTGRES_URL


@pytest.fixture
def backend() -> str:
    """The database under test; modules that test persistence parametrise it."""
    return "sqlite"


@pytest.fixture
def database_url(request, backend, tmp_path) -> str:
    """A fresh, migrated database for one test."""
    if backend == "postgresql":
        url = request.getfixturevalue("postgres_migrated")
        engine = create_engine(url)
        with engine.begin() as connection:
            connection.execute(text(f"ALTER TABLE audit_events DISABLE TRIGGER {AUDIT_TRIGGER}"))
            connection.execute(text(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE"))
            connection.execute(text(f"ALTER TABLE audit_events ENABLE TRIGGER {AUDIT_TRIGGER}"))
        engine.dispose()
        return url
    path = tmp_path / "trackfit.sqlite3"
    shutil.copy(request.getfixturevalue("sqlite_template"), path)
    return f"sqlite:///{path}"


@pytest.fixture
def app(database_url, tmp_path):
    """The app on a fresh database, with its own instance folder and its own copy of the model
    registry (so promoting, rolling back and training never touch the repository's)."""
    shutil.copytree(ROOT / "models", tmp_path / "models")
    app = create_app(app_settings(database_url, TRACKFIT_MODELS=str(tmp_path / "models")))
    app.instance_path = str(tmp_path / "instance")
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


class FormClient:
    """A test client that fetches a form's page first and posts with its CSRF token."""

    def __init__(self, client):
        self.client = client

    def get(self, url, **kwargs):
        return self.client.get(url, **kwargs)

    def post(self, url, **kwargs):
        return self.client.post(url, **kwargs)

    def token(self, page_url: str) -> str:
        """The CSRF token of the form on a page."""
        html = self.client.get(page_url).get_data(as_text=True)
        found = CSRF.search(html)
        assert found, f"no CSRF token on {page_url}"
        return found.group(1) or found.group(2)

    def submit(
        self, page_url: str, data: dict | None = None, action_url: str | None = None, **kwargs
    ):
        """GET the page, then POST its form with the token (to `action_url` if given)."""
        form = {"csrf_token": self.token(page_url), **(data or {})}
        return self.client.post(action_url or page_url, data=form, **kwargs)

    def register(self, email="ada@example.com", name="Ada", password=PASSWORD):
        """Create an account (and be logged in)."""
        return self.submit(
            "/account/register",
            {"name": name, "email": email, "password": password, "confirm": password},
        )

    def login(self, email="ada@example.com", password=PASSWORD, next_url=None):
        """Log in."""
        url = "/account/login" + (f"?next={next_url}" if next_url else "")
        return self.submit(url, {"email": email, "password": password})

    def logout(self):
        """Log out (a POST with the token from the home page)."""
        return self.submit("/", action_url="/account/logout")

    def answer_all(self, person: dict, stop_after: int | None = None):
        """Take the assessment through the pages with this person's answers; the last response."""
        response = self.submit("/assessment/", action_url="/assessment/start")
        location = response.headers["Location"]
        values = {**person["answers"], **person["context"]}
        number = 0
        while "/assessment/" in location:
            number += 1
            html = self.client.get(location).get_data(as_text=True)
            names = set(re.findall(r'name="([a-z_0-9]+)"', html)) - {"csrf_token", "action"}
            data = {name: str(values[name]) for name in names if name in values}
            if stop_after is not None and number > stop_after:
                return self.client.get(location)
            response = self.submit(location, data | {"action": "next"})
            assert response.status_code == 302, response.get_data(as_text=True)[:3000]
            location = response.headers["Location"]
        return response


@pytest.fixture
def client(app):
    """A browser-like client (cookies kept, CSRF on)."""
    return FormClient(app.test_client())


@pytest.fixture
def people():
    """The sample people of the engineering pack."""
    return sample_people()


def make_user(app, email: str, role: str = "employee", name: str = "Someone") -> None:
    """An account straight in the database."""
    with app.app_context():
        user = User(email=email, name=name, role=role)
        user.set_password(PASSWORD)
        db.session.add(user)
        db.session.commit()


def set_manager(app, email: str, manager_email: str | None) -> None:
    """Put a person under a manager (or none) in the org chart."""
    with app.app_context():
        person = User.by_email(email)
        person.manager_id = User.by_email(manager_email).id if manager_email else None
        db.session.commit()


@pytest.fixture
def team(app):
    """HR; Mo manages Ada; Max manages Bob. Everyone has the test password."""
    make_user(app, "hr@example.com", "hr", "Hana")
    make_user(app, "mo@example.com", "manager", "Mo")
    make_user(app, "max@example.com", "manager", "Max")
    make_user(app, "ada@example.com", "employee", "Ada")
    make_user(app, "bob@example.com", "employee", "Bob")
    set_manager(app, "ada@example.com", "mo@example.com")
    set_manager(app, "bob@example.com", "max@example.com")
    return app


def signed_in(app, email: str) -> FormClient:
    """A fresh client logged in as this person."""
    client = FormClient(app.test_client())
    client.login(email)
    return client
