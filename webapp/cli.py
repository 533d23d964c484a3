"""`trackfit`: the recommender's commands plus the web app's (serve, db, users, tokens)."""

from __future__ import annotations

import argparse
import errno
import functools
import os
import re
import secrets
import socket
import sys
from collections.abc import Callable, Sequence
from contextlib import contextmanager
from types import SimpleNamespace

from recommender import cli as recommender_cli
from webapp.token_lifetime import DEFAULT_DAYS as DEFAULT_TOKEN_DAYS
from webapp.token_lifetime import MAX_DAYS as MAX_TOKEN_DAYS

EXIT_OK, EXIT_USAGE = 0, 2


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command of `trackfit`; return its exit code."""
    return recommender_cli.main(argv, recommender_cli.build_parser(add_web_commands))


def add_web_commands(commands: argparse._SubParsersAction) -> None:
    """The commands that run or administer the web app."""
    serve = recommender_cli.command(
        commands,
        "serve",
        "run the web app on the embedded defaults (SQLite, bundled model)",
        run_serve,
    )
    serve.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)"
    )
    serve.add_argument(
        "--port",
        type=recommender_cli.whole_number(1, 65535),
        default=5000,
        help="port (default 5000)",
    )
    serve.add_argument("--no-demo", action="store_true", help="do not create the demo accounts")

    database = recommender_cli.command(
        commands, "db", "create or upgrade the web app's database tables", run_db
    )
    database.add_argument("action", choices=("upgrade",))

    users = recommender_cli.command(
        commands, "users", "add an account or change its role", run_users
    )
    users.add_argument("action", choices=("add", "set-role", "list"))
    users.add_argument("--email")
    users.add_argument("--name")
    users.add_argument(
        "--role",
        choices=("employee", "manager", "hr"),
        help="add: the new account's role (default employee); set-role: required",
    )

    tokens = recommender_cli.command(
        commands, "tokens", "create, list or revoke API tokens (HR)", run_tokens
    )
    tokens.add_argument("action", choices=("create", "list", "revoke"))
    tokens.add_argument("--name", help="what the token is for, e.g. 'HRIS nightly sync'")
    tokens.add_argument("--owner", help="email of the HR account the token belongs to")
    tokens.add_argument(
        "--days",
        type=recommender_cli.whole_number(1, MAX_TOKEN_DAYS),
        help=f"create: how many days the token works (1 to {MAX_TOKEN_DAYS}; "
        f"default {DEFAULT_TOKEN_DAYS})",
    )
    tokens.add_argument(
        "--id", type=recommender_cli.whole_number(1, 2**63 - 1), help="token id to revoke"
    )


# what each action of `users` and `tokens` reads; any other option given is refused, not dropped
TAKES = {
    ("users", "add"): {"email", "name", "role"},
    ("users", "set-role"): {"email", "role"},
    ("users", "list"): set(),
    ("tokens", "create"): {"name", "owner", "days"},
    ("tokens", "list"): set(),
    ("tokens", "revoke"): {"id"},
}


def _ignored(args: argparse.Namespace, command: str) -> str | None:
    """The options given that this action takes no notice of, said, or None."""
    options = set().union(*(taken for (of, _), taken in TAKES.items() if of == command))
    given = sorted(o for o in options if getattr(args, o, None) is not None)
    extra = [o for o in given if o not in TAKES[(command, args.action)]]
    if not extra:
        return None
    said = " and ".join(f"--{o}" for o in extra)
    return f"{command} {args.action} takes no {said}" + (
        f" (it {'lists every one' if args.action == 'list' else 'does not use it'})"
    )


def _command_line_actor() -> SimpleNamespace:
    """Who made a change from the command line, as the audit log names them."""
    return SimpleNamespace(id=None, email=recommender_cli.command_line_user()[:254])


def _fail(message: str) -> int:
    print(f"trackfit: {message}", file=sys.stderr)
    return EXIT_USAGE


def _setup_named(run: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """A web command whose settings or database cannot be used says which and why (exit 2),
    instead of a traceback: a bad TRACKFIT_* setting, a DATABASE_URL that is no database
    address, a database that cannot be opened or reached."""

    @functools.wraps(run)
    def guarded(args: argparse.Namespace) -> int:
        from sqlalchemy.exc import ArgumentError, OperationalError, ProgrammingError

        from webapp.settings import SettingsError
        from webapp.storage import missing_table

        try:
            return run(args)
        except SettingsError as error:
            return _fail(str(error))
        except ArgumentError:
            return _fail("DATABASE_URL: is not a database address (postgresql://… or sqlite:///…)")
        except (OperationalError, ProgrammingError) as error:
            reason = " ".join(str(error.orig).split()) or type(error.orig).__name__
            if missing_table(error):  # a wrong DATABASE_URL is said below
                return _fail(f"the database has no trackfit tables yet ({reason}): run "
                             "`trackfit db upgrade` first")  # fmt: skip
            if isinstance(error, ProgrammingError):
                raise
            return _fail(f"the database cannot be opened or reached: {reason}")

    return guarded


def _too_long(args: argparse.Namespace, *options) -> list[str]:
    """Every `(option, column)` whose value cannot be stored in its database column."""
    from webapp.column_text import column_length, text_problem

    problems = []
    for option, column in options:
        value = getattr(args, option.removeprefix("--")) or ""
        problem = text_problem(value, column_length(column))
        if problem:
            problems.append(f"{option}: {problem}")
    return problems


def _app(args: argparse.Namespace, development: bool = False):
    from webapp import create_app
    from webapp.settings import DEVELOPMENT

    overrides = {}
    if development:
        overrides["TRACKFIT_ENV"] = os.environ.get("TRACKFIT_ENV", DEVELOPMENT)
    elif not os.environ.get("SECRET_KEY"):
        # Administrative commands sign nothing, so they do not need the site's secret.
        overrides["SECRET_KEY"] = secrets.token_hex(32)
    if args.models:
        overrides["TRACKFIT_MODELS"] = args.models
    return create_app(overrides)


@_setup_named
def run_serve(args: argparse.Namespace) -> int:
    """`trackfit serve`: migrate, create demo accounts on first run, print them, serve."""
    from webapp.accounts.demo import database_shown, ensure_demo_accounts
    from webapp.storage import MigrationRefused, upgrade_database

    taken = _port_taken(args.host, args.port)
    if taken:
        return _fail(taken)
    app = _app(args, development=True)
    with app.app_context():
        try:
            upgrade_database()
        except MigrationRefused as refused:
            return _fail(f"the database was not upgraded: {refused}")
        accounts = [] if args.no_demo else ensure_demo_accounts(app)
        problem = _active_model_problem()
    if problem:
        # HR can still sign in and promote a usable version, so the app serves all the same
        print(f"trackfit: the active model cannot be used yet:\n{problem}", file=sys.stderr)
    shown = f"[{args.host}]" if ":" in args.host else args.host  # an IPv6 address in a URL
    print(f"trackfit is running at http://{shown}:{args.port}/  (Ctrl+C stops it)")
    print(f"  database: {database_shown(app.config['SQLALCHEMY_DATABASE_URI'])}")
    models = app.config["TRACKFIT_MODELS"] or "models/"
    print(f"  pack: {app.config['TRACKFIT_PACK']}; models: {models}")
    if accounts:
        print("  demo accounts (stored in the instance folder, for trying trackfit locally):")
        for account in accounts:
            said = (
                f"password: {account['password']}"
                if "password" in account
                else "an account of this database already: its password is its own"
            )
            print(f"    {account['role']:<9} {account['email']:<24} {said}")
    sys.stdout.flush()
    app.run(host=args.host, port=args.port, debug=False, use_reloader=False, threaded=True)
    return EXIT_OK


def _port_taken(host: str, port: int) -> str | None:
    """Why the server could not listen at host:port (another program has the port, or the
    host is not this machine's), or None: checked before anything is said to be running."""
    from werkzeug.serving import select_address_family

    try:
        family = select_address_family(host, port)  # the family the server will bind
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server does
            probe.bind((host, port))
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            return (
                f"port {port} on {host} is in use by another program; stop it, or start "
                f"trackfit on another port with --port"
            )
        return f"cannot listen at {host}:{port} ({error.strerror or error})"
    return None


def _active_model_problem() -> str | None:
    """The active model version tried on sample people at start-up; why it failed, or None."""
    from webapp import answering

    return answering.active_model_problem()


@contextmanager
def _database(args: argparse.Namespace):
    """The app's context for an administrative command; its connections close with it."""
    from webapp.extensions import db

    with _app(args).app_context():
        try:
            yield
        finally:
            db.session.remove()
            db.engine.dispose()


@_setup_named
def run_db(args: argparse.Namespace) -> int:
    """`trackfit db upgrade`: bring the database to the newest schema."""
    from webapp.storage import MigrationRefused, upgrade_database

    with _database(args):
        try:
            upgrade_database()
        except MigrationRefused as refused:
            return _fail(f"the database was not upgraded: {refused}")
    print("database is up to date")
    return EXIT_OK


@_setup_named
def run_users(args: argparse.Namespace) -> int:
    """`trackfit users add|set-role|list`."""
    import getpass

    from webapp import audit
    from webapp.accounts.models import (
        MIN_PASSWORD,
        User,
        email_problem,
        name_problem,
        normalise_email,
    )
    from webapp.extensions import db

    ignored = _ignored(args, "users")
    if ignored:
        return _fail(ignored)
    with _database(args):
        if args.action == "list":
            for user in db.session.scalars(db.select(User).order_by(User.email)):
                print(f"{user.email}\t{user.role}\t{_one_line(user.name)}")
            return EXIT_OK
        if not args.email:
            return _fail(f"users {args.action}: --email is required")
        user = User.by_email(args.email)
        if args.action == "set-role":
            if not args.role:
                return _fail("users set-role: --role is required (employee, manager or hr)")
            if user is None:
                return _fail(f"no account with email {args.email!r}")
            others = db.select(db.func.count(User.id)).where(User.role == "hr", User.id != user.id)
            if user.role == "hr" and args.role != "hr" and not db.session.scalar(others):
                return _fail(
                    f"users set-role: {user.email} is the only HR account; make another account "
                    "HR first, or nobody could run HR's pages"
                )
            if user.role == args.role:
                print(f"{user.email} is already {user.role}; nothing changed")
                return EXIT_OK
            before, user.role = user.role, args.role
            # the command line vouches for the account it names (an account registered on the
            # site and made HR this way, say, to start): the org chart takes it as it is
            registered = user.address_unconfirmed
            user.address_unconfirmed = False
            audit.record(
                "role_changed", user.email, actor=_command_line_actor(), before=before,
                after=user.role,
            )  # fmt: skip
            db.session.commit()
            print(f"{user.email} is now {user.role}")
            if registered:
                print(
                    f"note: {user.email} was registered on the site, where nothing proves the "
                    "address is the person's; its password is whoever registered it's. This "
                    "command vouches for it: the org chart will not take it back."
                )
            return EXIT_OK
        if user is not None:
            return _fail(f"there is already an account with email {args.email!r}")
        problems = _too_long(args, ("--email", User.email), ("--name", User.name))
        if email_problem(args.email):
            problems.append(f"--email: {args.email[:80]!r} is not an email address")
        if args.name is not None and (unreadable := name_problem(args.name)):
            problems.append(f"--name: {unreadable}")
        if problems:
            return _fail("users add: " + "; ".join(problems))
        try:
            password = os.environ.get("TRACKFIT_NEW_PASSWORD") or getpass.getpass("Password: ")
        except EOFError:
            return _fail("users add: no password given (type one, or set TRACKFIT_NEW_PASSWORD)")
        if len(password) < MIN_PASSWORD:
            return _fail(f"the password needs at least {MIN_PASSWORD} characters")
        role = args.role or "employee"
        user = User(email=normalise_email(args.email), name=args.name or args.email, role=role)
        user.set_password(password)
        db.session.add(user)
        audit.record("account_added", user.email, actor=_command_line_actor(), role=role)
        db.session.commit()
        print(f"added {user.email} ({user.role})")
    return EXIT_OK


CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def _one_line(text: str) -> str:
    """A value for one tab-separated line: a line break, tab or other control character in it
    (a name stored before names were checked) shown escaped; every other character as it is."""
    return CONTROL.sub(lambda found: found.group().encode("unicode_escape").decode(), text)


@_setup_named
def run_tokens(args: argparse.Namespace) -> int:
    """`trackfit tokens create|list|revoke`: the secret is printed once, at creation."""
    from webapp import audit
    from webapp.api.tokens import (
        ApiToken,
        TokenRefused,
        all_tokens,
        create_token,
        revoke_token,
    )
    from webapp.database import utcnow
    from webapp.extensions import db

    ignored = _ignored(args, "tokens")
    if ignored:
        return _fail(ignored)
    with _database(args):
        if args.action == "create":
            if not args.name or not args.owner:
                return _fail(
                    "tokens create: --name and --owner (an HR account's email) are required"
                )
            problems = _too_long(args, ("--name", ApiToken.name))
            if any(not char.isprintable() for char in args.name):
                problems.append("--name: holds a line break or another control character")
            if problems:
                return _fail("tokens create: " + "; ".join(problems))
            try:
                token, secret = create_token(args.name, args.owner, args.days or DEFAULT_TOKEN_DAYS)
            except TokenRefused as error:
                return _fail(str(error))
            audit.record(
                "token_created", token.name, actor=_command_line_actor(), token=token.id,
                owner=args.owner,
            )  # fmt: skip
            db.session.commit()
            try:
                print(secret, flush=True)
            except OSError:
                # nobody saw the secret: a token nobody can use must not stay working
                revoke_token(token.id)
                audit.record("token_revoked", f"token {token.id}", actor=_command_line_actor())
                db.session.commit()
                print(
                    f"trackfit: token {token.id} was revoked at once: its secret could not be "
                    "written",
                    file=sys.stderr,
                )
                raise
            print(
                f"token {token.id} ({token.name}) created, working until "
                f"{token.expires_at:%Y-%m-%d %H:%M} UTC; the secret above is shown only now",
                file=sys.stderr,
            )
        elif args.action == "list":
            now = utcnow()  # as the database stores it: UTC, no time zone
            for token in all_tokens():
                used = f"{token.last_used_at:%Y-%m-%d %H:%M}" if token.last_used_at else "never"
                state = token.state(now)
                print(f"{token.id}\t{token.hint}…\t{token.name}\t{state}\tlast used {used}")
        else:
            if args.id is None:
                return _fail("tokens revoke: --id is required")
            token, revoked = revoke_token(args.id)
            if token is None:
                return _fail(f"no token with id {args.id}")
            if not revoked:  # nothing changed, so nothing for the audit log
                print(f"token {args.id} was revoked already, on {token.revoked_at:%Y-%m-%d}")
                return EXIT_OK
            audit.record("token_revoked", f"token {args.id}", actor=_command_line_actor())
            db.session.commit()
            print(f"token {args.id} revoked")
    return EXIT_OK
