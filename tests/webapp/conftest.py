"""Web app fixtures: an app on a migrated database (SQLite, or PostgreSQL when asked), a
client that posts forms with their CSRF token, people, assessments and shares built straight
in the database (tests/webapp/factories.py), and a headless browser."""

from __future__ import annotations

import functools
import os
import re
import shutil
import threading
from html.parser import HTMLParser
from pathlib import Path

import pytest
from flask import got_request_exception, request_finished
from playwright.sync_api import sync_playwright
from sqlalchemy import create_engine, make_url, text
from werkzeug.serving import make_server

from tests.webapp import factories
from tests.webapp.factories import PASSWORD
from webapp import create_app, jobs
from webapp.extensions import db
from webapp.settings import JOBS_INLINE
from webapp.storage import upgrade_database

ROOT = Path(__file__).resolve().parents[2]
POSTGRES_URL = os.environ.get("TRACKFIT_TEST_DATABASE_URL")
TABLES = (
    "audit_events",
    "verdict_rows",
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
CHROMIUM = os.environ.get("TRACKFIT_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SERIOUS = {"serious", "critical"}  # the accessibility violations a page may not have
# axe runs its WCAG 2.0-2.2 and best-practice rules; target-size (WCAG 2.2 AA, 24 x 24 px or
# spaced apart) ships switched off because it is new, so it is switched on here.
AXE_OPTIONS = {"resultTypes": ["violations"], "rules": {"target-size": {"enabled": True}}}
# what HR writes on the rollback page, which asks why
ROLLBACK_REASON = "v2 scores engineers on leave far too low; back to v1 while we look"
CSRF = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"'
)


class _HiddenFields(HTMLParser):
    def __init__(self):
        super().__init__()
        self.fields: dict[str, str] = {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "input" and attrs.get("type") == "hidden" and attrs.get("name"):
            self.fields[attrs["name"]] = attrs.get("value") or ""


def hidden_fields(html: str) -> dict[str, str]:
    """The hidden inputs of a page's forms, by name (the last one of a name wins)."""
    parser = _HiddenFields()
    parser.feed(html)
    return parser.fields


def app_settings(database_url: str, **extra) -> dict:
    """Config for a test app: CSRF stays on."""
    return {
        "TRACKFIT_ENV": "testing",
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": database_url,
        **extra,
    }


@pytest.fixture(autouse=True)
def no_server_errors(request):
    """No request in a web test may answer 500 or raise past its handler, in the test client
    or on a live server (same process), unless the test is marked `answers_500`."""
    errors = []

    def exception_raised(sender, exception, **extra):
        errors.append(f"{type(exception).__name__}: {exception}"[:300])

    def response_sent(sender, response, **extra):
        if response.status_code == 500:
            errors.append(f"a response with status 500 from {sender.name}")

    got_request_exception.connect(exception_raised)
    request_finished.connect(response_sent)
    yield
    got_request_exception.disconnect(exception_raised)
    request_finished.disconnect(response_sent)
    if errors and request.node.get_closest_marker("answers_500") is None:
        pytest.fail("the server failed during this test:\n" + "\n".join(errors), pytrace=False)


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
    """The test PostgreSQL database, migrated once (each pytest-xdist worker its own)."""
    if not POSTGRES_URL:
        if os.environ.get("TRACKFIT_REQUIRE_POSTGRES"):
            pytest.fail("TRACKFIT_REQUIRE_POSTGRES is set but TRACKFIT_TEST_DATABASE_URL is not")
        pytest.skip("PostgreSQL: set TRACKFIT_TEST_DATABASE_URL (.ci/run starts a server)")
    url = _worker_database(POSTGRES_URL)
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()
    app = create_app(app_settings(url))
    with app.app_context():
        upgrade_database()
        db.engine.dispose()
    return url


def _worker_database(url: str) -> str:
    """`url`, or under pytest-xdist a database of the worker's own on the same server
    (trackfit_test_gw0, ...), created when missing: every test empties the tables it uses."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return url
    server = make_url(url)
    own = server.set(database=f"{server.database}_{worker}")
    engine = create_engine(server, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        found = connection.scalar(
            text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": own.database}
        )
        if not found:
            connection.execute(text(f'CREATE DATABASE "{own.database}"'))
    engine.dispose()
    return own.render_as_string(hide_password=False)


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


@pytest.fixture(scope="module")
def module_app(sqlite_template, tmp_path_factory):
    """An app like `app`, shared by every test of one module: for browser tests that read many
    pages of one world and should not build it again for each page."""
    folder = tmp_path_factory.mktemp("module-app")
    shutil.copy(sqlite_template, folder / "trackfit.sqlite3")
    shutil.copytree(ROOT / "models", folder / "models")
    app = create_app(
        app_settings(
            f"sqlite:///{folder / 'trackfit.sqlite3'}", TRACKFIT_MODELS=str(folder / "models")
        )
    )
    app.instance_path = str(folder / "instance")
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

    def roll_back(self, data: dict | None = None, discipline: str | None = None):
        """Roll back as HR does: post the rollback confirmation page's form as it holds it
        (the step offered and the pointer moves it was offered after) with a reason written,
        `data` changed."""
        page = "/hr/models/rollback" + (f"?discipline={discipline}" if discipline else "")
        confirmation = hidden_fields(self.client.get(page).get_data(as_text=True))
        why = {"justification": ROLLBACK_REASON}
        return self.client.post(page, data={**confirmation, **why, **(data or {})})

    def confirm_training(self, upload_url: str):
        """Confirm training on an upload as HR does: post its page's form as the page holds it
        (the token, and the digest of the rows it shows)."""
        shown = hidden_fields(self.client.get(upload_url).get_data(as_text=True))
        return self.client.post(f"{upload_url}/train", data=shown)

    def agree(self, assessment_id: int, page_html: str | None = None):
        """Confirm a decision as the employee does: post the "I agree with this" form as the
        result page holds it (the token, and the decision it shows), or as `page_html`, a
        page opened before, holds it."""
        page = page_html or self.client.get(f"/results/{assessment_id}").get_data(as_text=True)
        return self.client.post(f"/results/{assessment_id}/agree", data=hidden_fields(page))

    def promote(self, version: str, justification: str = ""):
        """Promote as HR does: ask on the version's page, then confirm on the confirmation
        page with what that page's form holds; the response to the confirmation."""
        page = f"/hr/models/{version}"
        asked = self.submit(page, {"justification": justification}, f"{page}/promote")
        assert asked.status_code == 200, asked.get_data(as_text=True)
        confirmation = hidden_fields(asked.get_data(as_text=True))
        return self.client.post(f"{page}/promote/confirm", data=confirmation)

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
        """Take the assessment through the pages with this person's answers; the last response.
        For the questionnaire's own tests: the others have `make_assessment`."""
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
def ada(client, make_user):
    """Ada, an employee, logged in on the test client: the account `client.register()` makes,
    made straight in the database (the app's own password hash is slow on purpose)."""
    make_user("ada@example.com", "employee", "Ada")
    client.login()
    return client


@pytest.fixture
def people() -> list[dict]:
    """The sample people of the engineering pack (its sample answers, one dict each)."""
    return factories.sample_people()


@pytest.fixture
def password() -> str:
    """The password of everyone the factories and `FormClient.register` make."""
    return PASSWORD


@pytest.fixture
def make_app(database_url):
    """Another app on the test database, with `extra` settings: `make_app(**extra)`."""
    made = []

    def make(**extra):
        made.append(create_app(app_settings(database_url, **extra)))
        return made[-1]

    yield make
    for other in made:
        with other.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def form_client(app):
    """A new browser-like client with no one logged in: `form_client()` (on another app with
    `app=`)."""

    def make(*, app=app):
        return FormClient(app.test_client())

    return make


@pytest.fixture
def make_user(app):
    """An account straight in the database, with the test password:
    `make_user(email, role, name, manager=None, discipline=None)`; its id (on another app
    with `app=`)."""

    def make(email, role="employee", name="Someone", manager=None, discipline=None, *, app=app):
        return factories.user(app, email, role, name, manager, discipline=discipline)

    return make


@pytest.fixture
def set_manager(app):
    """Put a person under a manager (an email), or under nobody (None)."""
    return functools.partial(factories.set_manager, app)


@pytest.fixture
def signed_in(app):
    """A fresh client logged in as this person: `signed_in(email)` (on another app with
    `app=`)."""

    def sign_in(email, *, app=app):
        client = FormClient(app.test_client())
        client.login(email)
        return client

    return sign_in


@pytest.fixture
def make_assessment(app):
    """A person's assessment stored as if they had answered every page, with the
    recommendation the app keeps: `make_assessment(email, person)`; its id. See
    `factories.assessment` for one still in progress (`pages_done`) and timings."""
    return functools.partial(factories.assessment, app)


@pytest.fixture
def share(app):
    """Share a finished assessment with its owner's manager: `share(assessment_id)`."""
    return functools.partial(factories.share, app)


@pytest.fixture
def team(app):
    """HR; Mo manages Ada; Max manages Bob. Everyone has the test password."""
    factories.team(app)
    return app


@pytest.fixture
def serve():
    """Serve an app over HTTP on a free loopback port: `serve(app)` -> its base URL; every
    server started is stopped when the test ends."""
    running = []

    def start(app) -> str:
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        running.append((server, thread))
        return f"http://127.0.0.1:{server.server_port}"

    yield start
    for server, thread in running:
        server.shutdown()
        thread.join()


@pytest.fixture
def runs_stay_queued(monkeypatch):
    """Training runs are recorded but never started: each stays queued, in progress, for as
    long as the test needs."""
    monkeypatch.setitem(jobs.RUNNERS, JOBS_INLINE, lambda app, run_id, discipline=None: None)


@pytest.fixture(scope="session")
def browser():
    """Headless Chromium, or a skip (a failure when CI requires the browser)."""
    if not shutil.which(CHROMIUM):
        if os.environ.get("TRACKFIT_REQUIRE_BROWSER"):
            pytest.fail(f"TRACKFIT_REQUIRE_BROWSER is set but {CHROMIUM} is missing")
        pytest.skip(f"no Chromium at {CHROMIUM} (.ci/run installs Debian's chromium)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    """A fresh browser tab with its own cookies."""
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    tab = context.new_page()
    tab.set_default_timeout(10_000)
    yield tab
    context.close()


@pytest.fixture
def assert_accessible():
    """`assert_accessible(page, what)`: axe-core (4.12, bundled with axe-playwright-python)
    finds nothing serious or critical on the page, WCAG 2.2's target size included."""
    from axe_playwright_python.sync_playwright import Axe  # noqa: PLC0415

    def check(page, what: str) -> None:
        # the page as drawn: a page reached by a click may still be loading its stylesheet on
        # a busy machine, and unstyled header links are smaller than a touch target (a CI run
        # failed on target-size so)
        page.wait_for_load_state("load")
        violations = Axe().run(page, options=AXE_OPTIONS).response["violations"]
        serious = [
            f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
            for v in violations
            if v["impact"] in SERIOUS
        ]
        assert serious == [], f"{what}: {serious}"

    return check
