"""Settings from the environment: embedded defaults for development, strict for production."""

from __future__ import annotations

import os
import re
import secrets
from datetime import timedelta
from pathlib import Path

DEVELOPMENT, PRODUCTION, TESTING = "development", "production", "testing"
ONE_MEGABYTE = 1024 * 1024
# A signed-in session ends on the server after this long without a request (a questionnaire
# page may be read for a while: 20 minutes per visit count toward its timings), and in any
# case this long after the login.
IDLE_MINUTES = 60
SESSION_HOURS = 12
JOBS_IN_A_PROCESS, JOBS_INLINE = "process", "inline"


class SettingsError(RuntimeError):
    """The environment does not describe a start we can allow."""


def settings_from_environment(instance_path: str, environ=os.environ) -> dict:
    """Flask config for `TRACKFIT_ENV` (production unless told otherwise)."""
    mode = environ.get("TRACKFIT_ENV", PRODUCTION)
    if mode not in (DEVELOPMENT, PRODUCTION, TESTING):
        raise SettingsError(
            f"TRACKFIT_ENV={mode!r}: expected {DEVELOPMENT}, {PRODUCTION} or {TESTING}"
        )
    production = mode == PRODUCTION
    idle_minutes = _positive_whole(environ, "TRACKFIT_IDLE_MINUTES", IDLE_MINUTES)
    session_hours = _positive_whole(environ, "TRACKFIT_SESSION_HOURS", SESSION_HOURS)
    secret_key = environ.get("SECRET_KEY")
    if not secret_key:
        if production:
            raise SettingsError(
                "SECRET_KEY is not set. A production start needs a long random SECRET_KEY in the "
                "environment, e.g. SECRET_KEY=\"$(python3 -c 'import secrets; "
                "print(secrets.token_hex(32))')\"; for a local trial run `trackfit serve`."
            )
        secret_key = _instance_secret(Path(instance_path))
    return {
        "TRACKFIT_ENV": mode,
        "SECRET_KEY": secret_key,
        "SQLALCHEMY_DATABASE_URI": database_url(instance_path, environ),
        "TRACKFIT_PACK": environ.get("TRACKFIT_PACK", "engineering"),
        "TRACKFIT_MODELS": environ.get("TRACKFIT_MODELS"),
        # How often a worker looks for an edited pack or a newly promoted model.
        "TRACKFIT_RECHECK_SECONDS": 0.0 if mode == TESTING else 1.0,
        # Where background jobs run: a separate process, or a thread of the web process (tests).
        "TRACKFIT_JOBS": _jobs_runner(environ, mode),
        "REGISTRATION_OPEN": environ.get("TRACKFIT_REGISTRATION", "open") != "closed",
        "PROXY_COUNT": _whole(environ, "TRACKFIT_PROXY_COUNT", 0),
        # An assessment page posts at most a few kilobytes; the API one person's answers.
        "MAX_CONTENT_LENGTH": ONE_MEGABYTE // 4,
        # HR's outcome files and packs are larger than anything else posted to the app.
        "HR_UPLOAD_LIMIT": 32 * ONE_MEGABYTE,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": production,
        "TRACKFIT_IDLE_MINUTES": idle_minutes,
        "TRACKFIT_SESSION_HOURS": session_hours,
        # The cookie is refused after the session's whole life (Flask's default is 31 days).
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=session_hours),
        # A page of the assessment may stay open a long time; the token lives with the session.
        "WTF_CSRF_TIME_LIMIT": None,
        "LOGIN_FAILURES_ALLOWED": 5,
        "LOGIN_WINDOW_SECONDS": 15 * 60,
        "PREFERRED_URL_SCHEME": "https" if production else "http",
    }


def _positive_whole(environ, name: str, default: int) -> int:
    """A setting that is a whole number above zero."""
    return _whole(environ, name, default, least=1)


def _whole(environ, name: str, default: int, least: int = 0) -> int:
    """A setting that is a whole number from `least` to 999999."""
    value = environ.get(name, str(default))
    if not re.fullmatch(r"[0-9]{1,6}", value.strip()) or int(value) < least:
        raise SettingsError(f"{name}={value!r}: expected a whole number from {least} to 999999")
    return int(value)


def _jobs_runner(environ, mode: str) -> str:
    """`TRACKFIT_JOBS`: "process" (the default) or "inline" (the default for tests)."""
    runner = environ.get("TRACKFIT_JOBS", JOBS_INLINE if mode == TESTING else JOBS_IN_A_PROCESS)
    if runner not in (JOBS_IN_A_PROCESS, JOBS_INLINE):
        raise SettingsError(
            f"TRACKFIT_JOBS={runner!r}: expected {JOBS_IN_A_PROCESS} or {JOBS_INLINE}"
        )
    return runner


def database_url(instance_path: str, environ=os.environ) -> str:
    """`DATABASE_URL` (postgres:// accepted), or a SQLite file in the instance folder. Only
    PostgreSQL through psycopg (3) and SQLite are supported: another database, or PostgreSQL
    through another driver, is refused by name (never with the rest of the address, which may
    hold a password)."""
    url = environ.get("DATABASE_URL", "").strip()
    if not url:
        return f"sqlite:///{Path(instance_path) / 'trackfit.sqlite3'}"
    scheme, colon, rest = url.partition(":")
    backend, _, driver = scheme.lower().partition("+")
    if backend in ("postgres", "postgresql") and driver in ("", "psycopg"):
        return f"postgresql+psycopg:{rest}"
    if backend == "sqlite" and driver in ("", "pysqlite"):
        return f"{scheme.lower()}:{rest}"
    if not colon or not re.fullmatch(r"[a-z][a-z0-9+.-]*", scheme.lower()):
        what = "is not a database address"
    elif backend in ("postgres", "postgresql"):
        what = f"{scheme!r}: trackfit reaches PostgreSQL through psycopg 3, not {driver}"
    else:
        what = f"{scheme!r} databases are not supported"
    raise SettingsError(
        f"DATABASE_URL: {what}; trackfit runs on PostgreSQL "
        "(postgresql://user:password@host/name) or SQLite (sqlite:///path/to/file)"
    )


def _instance_secret(instance: Path) -> str:
    """A development secret kept in the instance folder, so sessions survive a restart."""
    instance.mkdir(mode=0o700, parents=True, exist_ok=True)  # its owner's, as the app makes it
    path = instance / "secret_key"
    if not path.exists():
        path.touch(mode=0o600)
        path.write_text(secrets.token_hex(32))
    return path.read_text().strip()
