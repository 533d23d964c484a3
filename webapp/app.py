"""Building the web app: `create_app()` reads as a table of contents; the web layer parses,
calls the recommender through `webapp.answering`, persists and renders.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Any

from flask import Flask, current_app, request
from flask_login import current_user
from sqlalchemy import event, make_url
from sqlalchemy.engine import Engine
from werkzeug.middleware.proxy_fix import ProxyFix

from webapp import row_ids, security_headers
from webapp.extensions import csrf, db, login_manager, migrate
from webapp.settings import settings_from_environment
from webapp.text_search import teach_sqlite

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app from the environment; `config` (tests, commands) overrides it."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.update(settings_from_environment(app.instance_path, _environ(config)))
    if config:
        app.config.update(config)
    register_extensions(app)
    register_blueprints(app)
    security_headers.init_app(app)
    register_template_helpers(app)
    register_jobs(app)
    if app.config["PROXY_COUNT"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["PROXY_COUNT"], x_proto=1)
    return app


def _environ(config: dict[str, Any] | None) -> dict[str, str]:
    """The environment, with the start-up settings passed in `config` laid over it."""
    overrides = {k: v for k, v in (config or {}).items() if k in ("TRACKFIT_ENV", "SECRET_KEY")}
    return {**os.environ, **overrides}


def register_extensions(app: Flask) -> None:
    """Bind the database, migrations, CSRF protection and logins to the app."""
    # The instance folder holds the database, the secret key and training logs: its owner's.
    _private_folder(Path(app.instance_path))
    _private_sqlite_file(app.config["SQLALCHEMY_DATABASE_URI"])
    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS))
    app.before_request(_upload_limit)  # before CSRF protection reads the form
    csrf.init_app(app)
    login_manager.init_app(app)
    # Every table, so migrations and the models agree (and the user loader is registered).
    import webapp.accounts.models  # noqa: PLC0415
    import webapp.audit.models  # noqa: PLC0415
    import webapp.hr.outcomes.models  # noqa: PLC0415
    import webapp.manager.models  # noqa: PLC0415
    import webapp.sharing.models  # noqa: F401, PLC0415


def _private_folder(path: Path) -> None:
    """A folder only its owner can read or enter: created so, tightened if it was created
    before (by an older trackfit, or by hand)."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    if path.stat().st_mode & 0o077:
        with contextlib.suppress(OSError):  # not ours to change: left as it is
            path.chmod(0o700)


def _private_sqlite_file(database_uri: str) -> None:
    """A SQLite database file readable by its owner only (SQLite gives its -wal and -shm files
    the same mode): created so before SQLite opens it, tightened if it was created before."""
    url = make_url(database_uri)
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return
    path = Path(url.database)
    if url.database.startswith("file:") or not path.parent.is_dir():
        return
    if path.exists():
        if path.stat().st_mode & 0o077:
            with contextlib.suppress(OSError):  # not ours to change: left as it is
                path.chmod(0o600)
        return
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))


def _upload_limit() -> None:
    """HR uploads outcome files and packs, larger than anything else posted to the app; the
    larger limit holds only for HR's own pages, for people signed in as HR."""
    if (
        request.method == "POST"
        and request.path.startswith("/hr/")
        and current_user.is_authenticated
        and current_user.role == "hr"
    ):
        request.max_content_length = current_app.config["HR_UPLOAD_LIMIT"]


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(connection, _record) -> None:
    """SQLite: WAL so readers never wait for a writer; a busy timeout instead of "locked";
    foreign keys on so deleting an account deletes its assessments; deleted rows overwritten;
    a `lower()` for every alphabet to search by (`webapp.text_search`)."""
    if type(connection).__module__ != "sqlite3":
        return
    cursor = connection.cursor()
    for pragma in (
        "journal_mode=WAL",
        "busy_timeout=5000",
        "foreign_keys=ON",
        "secure_delete=ON",
        "synchronous=NORMAL",
    ):
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()
    teach_sqlite(connection)


def register_blueprints(app: Flask) -> None:
    """One blueprint per area; numbers in their addresses are row ids (`webapp.row_ids`)."""
    from webapp.accounts import bp as accounts  # noqa: PLC0415
    from webapp.api import bp as api  # noqa: PLC0415
    from webapp.assessment import bp as assessment  # noqa: PLC0415
    from webapp.errors import bp as errors  # noqa: PLC0415
    from webapp.framework import bp as framework  # noqa: PLC0415
    from webapp.home import bp as home  # noqa: PLC0415
    from webapp.hr import bp as hr  # noqa: PLC0415
    from webapp.manager import bp as manager  # noqa: PLC0415
    from webapp.results import bp as results  # noqa: PLC0415
    from webapp.sharing import bp as sharing  # noqa: PLC0415
    from webapp.your_data import bp as your_data  # noqa: PLC0415

    row_ids.init_app(app)
    for blueprint in (
        home,
        accounts,
        assessment,
        results,
        framework,
        sharing,
        manager,
        your_data,
        hr,
        api,
        errors,
    ):
        app.register_blueprint(blueprint)
    csrf.exempt(api)  # token-authenticated, never cookie-authenticated


def register_jobs(app: Flask) -> None:
    """Background work: stale training runs are given up as the app serves."""
    from webapp import jobs  # noqa: PLC0415

    jobs.init_app(app)


def register_template_helpers(app: Flask) -> None:
    """Filters the templates use."""
    from webapp import counting, names_in_text  # noqa: PLC0415
    from webapp.results import wording  # noqa: PLC0415

    wording.register(app)
    counting.register(app)
    names_in_text.register(app)
