"""People who sign in, their roles, the sessions they sign in with, and the record of login
attempts used to slow guessing."""

from __future__ import annotations

import hashlib
import logging
import secrets
import time
import unicodedata
from datetime import datetime, timedelta
from functools import cache

from flask import current_app
from flask_login import UserMixin
from sqlalchemy import (
    ForeignKey,
    Index,
    LargeBinary,
    Select,
    String,
    bindparam,
    delete,
    false,
    func,
    inspect,
    or_,
    select,
    update,
)
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Mapped, mapped_column, validates
from werkzeug.security import check_password_hash, generate_password_hash

from webapp.accounts import name_order
from webapp.answering import invisible_character, lookalike_scripts
from webapp.column_text import has_visible_text
from webapp.database import utcnow
from webapp.extensions import db, login_manager

log = logging.getLogger(__name__)
ROLES = ("employee", "manager", "hr")
MIN_PASSWORD = 10
ROLE_LABELS = {"employee": "Employee", "manager": "Manager", "hr": "HR"}
NO_PASSWORD = "!"  # never the output of a password hash


def _row_name_key(row) -> bytes:
    """A bulk-inserted row's `name_key`, from its name (none without one: the row is refused
    for its missing name, as it would be without this column)."""
    name = row.get_current_parameters().get("name")
    return name_order.name_key(name) if isinstance(name, str) else b""


class User(UserMixin, db.Model):
    """A person with an account: an employee, a manager or someone in HR."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    # Where the name comes in a list of people (`name_order`): set with the name, by this class
    # or, for rows inserted in bulk, by the column's default. A name changed by a bulk UPDATE
    # statement must set it too (none does: names change one person at a time).
    name_key: Mapped[bytes] = mapped_column(LargeBinary, default=_row_name_key)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), default="employee")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Changed with the password, so an invitation link (which names it) works only once.
    session_token: Mapped[str] = mapped_column(String(64))
    # The person's line manager (org chart); a manager sees only what their reports share.
    manager_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    # The id HR's own systems use for the person, as in outcome files (optional).
    employee_id: Mapped[str | None] = mapped_column(String(64), unique=True, index=True)
    # The pack id of the person's discipline (org chart); None: the configured default pack.
    discipline: Mapped[str | None] = mapped_column(String(64), index=True)
    # An account registered on the site: nothing proves that whoever registered it has the
    # address (trackfit sends no email), so HR's org chart does not hand it a place until its
    # owner has chosen a password through an invitation link HR handed over
    # (`require_invitation`). False for accounts HR or the command line made.
    address_unconfirmed: Mapped[bool] = mapped_column(default=False, server_default=false())
    # The session this user object was signed in with, and its secret (set by `begin_session`
    # or the user loader; not columns).
    login_session = None
    _session_secret = None

    @validates("name")
    def _set_name_key(self, _attribute: str, name: str) -> str:
        self.name_key = name_order.name_key(name)
        return name

    def set_password(self, password: str | None) -> None:
        """Store a salted hash of the password and spend any invitation link. `None` leaves an
        invited account without a password until the person activates it."""
        self.password_hash = (
            generate_password_hash(stable_password(password)) if password else NO_PASSWORD
        )
        self.session_token = _new_session_token()

    def set_first_password(self, password: str) -> bool:
        """Give an invited account its first password, which spends its invitation link; False
        when another request did so first. The row changes only while it has no password and
        still the token this object was loaded with, so of simultaneous submissions of one link
        exactly one succeeds. Not committed."""
        chosen = db.session.execute(
            update(User)
            .where(
                User.id == self.id,
                User.password_hash == NO_PASSWORD,
                User.session_token == self.session_token,
            )
            .values(
                password_hash=generate_password_hash(stable_password(password)),
                session_token=_new_session_token(),
                address_unconfirmed=False,  # the link HR handed over reached the address's owner
            )
        )
        return chosen.rowcount == 1

    def require_invitation(self) -> bool:
        """Take an account registered on the site back from whoever registered it, before HR
        gives it a place: its password is cleared and its sessions end, so it is used again
        only through an invitation link HR hands to the person (whose assessments it keeps).
        False, changing nothing, for an account whose address is confirmed or that is already
        waiting for its invitation (whose link stays as it was). Not committed."""
        if not (self.address_unconfirmed and self.has_password):
            return False
        self.set_password(None)
        db.session.execute(
            update(LoginSession)
            .where(LoginSession.user_id == self.id, LoginSession.ended_at.is_(None))
            .values(ended_at=utcnow())
        )
        return True

    def check_password(self, password: str) -> bool:
        """Whether the password matches the stored hash (as `password_matches` checks it: the
        same hashes whether or not the account has a password)."""
        return password_matches(self, password)

    def store_password_stable(self, password: str) -> None:
        """After a sign-in with `password`: a hash stored before passwords were hashed in NFKC
        form, which matched the password as typed, is stored again in that form, so the same
        password typed the other way (e and a combining accent, or é) signs in from now on. The
        account's sessions go on: the password is the same. A second hash is checked only for a
        password not in NFKC form. Not committed."""
        stable = stable_password(password)
        if stable != password and not check_password_hash(self.password_hash, stable):
            self.password_hash = generate_password_hash(stable)

    @property
    def has_password(self) -> bool:
        """False for an account created by HR that its owner has not activated yet."""
        return self.password_hash != NO_PASSWORD

    def get_id(self) -> str | None:
        """The session identity Flask-Login keeps in the cookie: the secret of the server-side
        session this user signed in with (never the user id alone)."""
        return self._session_secret

    @property
    def has_reports(self) -> bool:
        """Whether anyone reports to this person in the org chart, whatever their role: their
        team's page is theirs even while HR has not made them a manager. As the chart stood at
        most TRACKFIT_RECHECK_SECONDS ago: every page's navigation asks."""
        return self.id in people_with_reports()

    @property
    def role_label(self) -> str:
        """The role, as a person reads it."""
        return ROLE_LABELS[self.role]

    def manages(self, other: User | None) -> bool:
        """Whether this user is the other's line manager."""
        return other is not None and other.manager_id == self.id

    @property
    def reports(self) -> list[User]:
        """This user's direct reports, by name."""
        return list(
            db.session.scalars(
                select(User).where(User.manager_id == self.id).order_by(User.name_key, User.id)
            )
        )

    @classmethod
    def by_email(cls, email: str) -> User | None:
        """The account with this email address, if any (case does not matter)."""
        return db.session.scalar(select(cls).where(cls.email == normalise_email(email)))


# Who has reports, per database: (monotonic time of the look, their ids). Every page's
# navigation asks; the chart is read again about once a second, as the packs are, not on every
# request (a query on every page cost the results page a fifth of its speed).
_with_reports: dict[str, tuple[float, frozenset[int]]] = {}


def people_with_reports() -> frozenset[int]:
    """The ids of everyone someone reports to, as the org chart stood at most
    TRACKFIT_RECHECK_SECONDS ago."""
    key, now = str(db.engine.url), time.monotonic()
    seen = _with_reports.get(key)
    if seen is not None and now - seen[0] < current_app.config["TRACKFIT_RECHECK_SECONDS"]:
        return seen[1]
    found = frozenset(
        db.session.scalars(select(User.manager_id).where(User.manager_id.is_not(None)).distinct())
    )
    _with_reports[key] = (now, found)
    return found


# Lists of people are in name order, a page at a time.
Index("ix_users_name_order", User.name_key, User.id)
# Outcome files name people by employee id whatever the case, so `zz9` and `ZZ9` are one person.
Index("uq_users_employee_id_lower", func.lower(User.employee_id), unique=True)


def name_problem(name: str) -> str | None:
    """Why `name` cannot be a person's name, or None: the one check of every door that names
    an account. A name must have letters people can see, and nothing hidden: a direction
    override would show everything after the name backwards on every page that names them
    (a joiner between letters, as Persian writes, is part of the spelling, and one between
    two emoji draws them as one, as notes keep it)."""
    text = name.strip()
    if not has_visible_text(text):
        return "Enter a name people can read (letters, not only spaces or invisible characters)."
    hidden = invisible_character(text, spelling=True, emoji=True)
    if hidden:
        return f"The name has {hidden}; remove it."
    return None


def email_problem(email: str) -> str | None:
    """Why `email` is not an email address (something@domain.tld, no spaces or control
    characters, no part mixing alphabets whose letters look alike), or None: the one check
    of every door that makes an account."""
    text = email.strip()
    local, at, domain = text.partition("@")
    if (
        not local
        or not at
        or "@" in domain
        or "." not in domain.strip(".")
        or any(char.isspace() or not char.isprintable() for char in text)
    ):
        return "Enter an email address like name@example.com."
    return lookalike_letters(text)


def lookalike_letters(email: str) -> str | None:
    """Why an address cannot name an account when a part of it (before or after the @) mixes
    letters of alphabets that look alike, or None: alice@corp.test with a Cyrillic a (U+0430)
    reads as alice@corp.test, a second account and invitation link HR cannot tell from the first. An
    address wholly in one alphabet (ivan@пример.рф, by its parts) is kept."""
    for part in email.strip().split("@"):
        mixed = lookalike_scripts(part)
        if mixed:
            return (
                f"{email.strip()} mixes {' and '.join(mixed)} letters, which look alike: type "
                "it again in one alphabet."
            )
    return None


def normalise_email(email: str) -> str:
    """Email addresses are compared trimmed, in lower case and composed (NFC): josé typed on
    one keyboard as é and exported by another program as e and a combining accent is one
    address, where it read as two (the second could not sign in to the first's account)."""
    return unicodedata.normalize("NFC", email.strip().lower())


def _new_session_token() -> str:
    return secrets.token_hex(16)


def stable_password(password: str) -> str:
    """A password as it is hashed and compared: in NFKC form (NIST SP 800-63B, 5.1.1.2), so
    that é typed as one character on one device and as e and a combining accent on another,
    or a full-width digit, is the same password, as it looks the same."""
    return unicodedata.normalize("NFKC", password)


def password_matches(user: User | None, password: str) -> bool:
    """Whether `password` is the user's. The same hashes are checked whether the account exists,
    has no password yet (invited) or has one, so the time a login takes does not tell which:
    one, or two where the password as typed is not in NFKC form, the second as typed (a hash
    stored before passwords were hashed in that form)."""
    real = user is not None and user.has_password
    stored = user.password_hash if real else _stand_in_hash()
    stable = stable_password(password)
    matches = check_password_hash(stored, stable)
    if stable != password:
        matches = check_password_hash(stored, password) or matches
    return real and matches


@cache
def _stand_in_hash() -> str:
    """A hash of a random password, made as the app makes every password hash (so checking it
    costs what checking a real one costs)."""
    return generate_password_hash(secrets.token_urlsafe(32))


class LoginSession(db.Model):
    """One sign-in, on the server: the cookie holds only its secret, so logging out, changing the
    password, idling past `TRACKFIT_IDLE_MINUTES` or living past `TRACKFIT_SESSION_HOURS` ends
    it here, whatever copies of the cookie are kept."""

    __tablename__ = "login_sessions"

    # The SHA-256 of the secret in the cookie: a copy of this table signs nobody in.
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]


# "Last seen" is written at most this often per session, not on every request.
LAST_SEEN_EVERY = timedelta(minutes=1)


def _session_key(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def begin_session(user: User) -> None:
    """Start a server-side session for the user (committed), which `login_user` then names in
    the cookie. Ended and expired sessions, anyone's, are cleared away first: a login is rare
    beside the requests it serves, and the table stays the size of the people signed in."""
    db.session.execute(
        delete(LoginSession).where(or_(LoginSession.ended_at.is_not(None), *_expired(utcnow())))
    )
    secret = secrets.token_urlsafe(32)
    user.login_session = LoginSession(id=_session_key(secret), user_id=user.id)
    user._session_secret = secret
    db.session.add(user.login_session)
    db.session.commit()


def _signed_in_key(user: User) -> str | None:
    """The id of the session the user object was signed in with, from its secret: read
    without the database, so it holds when another request has deleted the row since."""
    return _session_key(user._session_secret) if user._session_secret else None


def end_session(user: User) -> None:
    """End the session the user is signed in with (not committed)."""
    key = _signed_in_key(user)
    if key is not None:
        db.session.execute(
            update(LoginSession).where(LoginSession.id == key).values(ended_at=utcnow())
        )


def session_still_open(user: User) -> bool:
    """Whether the session the user is signed in with is still open, read together with the
    account's row, which refreshes `user` (its password hash as stored now): a password is
    then checked against the hash of the moment its session was seen open. False when
    another request ended the session (the same button pressed twice, another tab) or
    deleted the account."""
    key, user_id = _signed_in_key(user), _row_id(user)
    if key is None or user_id is None:
        return False
    found = db.session.execute(
        select(User)
        .join(LoginSession, LoginSession.user_id == User.id)
        .where(User.id == user_id, LoginSession.id == key, LoginSession.ended_at.is_(None))
        .execution_options(populate_existing=True)
    ).first()
    return found is not None


def claim_session(user: User) -> bool:
    """End the session the user is signed in with, if it is still open (not committed);
    False when another request ended it first or deleted the account. The account's row is
    locked first (PostgreSQL; SQLite writes one at a time anyway), so that requests of one
    account, from one session or several, take their turns in one order: of those claiming
    at once, what only one may do (change the password, delete the account) is done once,
    and none waits on another's session row while holding its own. Nothing the request has
    changed is written before the claim (a password set in memory is written at commit)."""
    key, user_id = _signed_in_key(user), _row_id(user)
    if key is None or user_id is None:
        return False
    with db.session.no_autoflush:
        locked = db.session.execute(
            select(User.id).where(User.id == user_id).with_for_update()
        ).first()
        if locked is None:
            return False
        ended = db.session.execute(
            update(LoginSession)
            .where(LoginSession.id == key, LoginSession.ended_at.is_(None))
            .values(ended_at=utcnow())
        )
    return ended.rowcount == 1


def _row_id(user: User) -> int | None:
    """The user's id without a trip to the database (the row may be gone since)."""
    identity = inspect(user).identity
    return identity[0] if identity else None


def end_other_sessions(user: User) -> None:
    """End every session of the account but the one it is signed in with (not committed)."""
    keep = _signed_in_key(user) or ""
    db.session.execute(
        update(LoginSession)
        .where(
            LoginSession.user_id == user.id,
            LoginSession.id != keep,
            LoginSession.ended_at.is_(None),
        )
        .values(ended_at=utcnow())
    )


def _expired(now: datetime) -> tuple:
    """Conditions under which a session has ended without a logout: idle or too old."""
    config = current_app.config
    return (
        LoginSession.last_seen_at < now - timedelta(minutes=config["TRACKFIT_IDLE_MINUTES"]),
        LoginSession.started_at < now - timedelta(hours=config["TRACKFIT_SESSION_HOURS"]),
    )


class LoginAttempt(db.Model):
    """One attempt to log in, kept for the throttle window."""

    __tablename__ = "login_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    address: Mapped[str] = mapped_column(String(64), index=True)
    succeeded: Mapped[bool]
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


def reserve_attempt(
    email: str, address: str, since: datetime, allowed: tuple[int, int]
) -> LoginAttempt | None:
    """Record a login attempt (as failed until it succeeds) and commit it, then count: the
    attempt if the failures since `since` on this account from this address, and from this
    address at all, stay within `allowed`; else None (and the reservation is withdrawn).

    Recording before counting makes the throttle one step under concurrent requests: each
    request counts its own row and every row committed before it, so however many arrive at
    once, at most `allowed` of them go on to check a password.
    """
    attempt = LoginAttempt(email=normalise_email(email)[:254], address=address, succeeded=False)
    db.session.add(attempt)
    db.session.commit()
    per_account, per_address = allowed
    if (
        recent_failures(since, address, email) > per_account
        or recent_failures(since, address) > per_address
    ):
        db.session.delete(attempt)
        db.session.commit()
        return None
    return attempt


def withdraw_attempt(attempt: LoginAttempt) -> None:
    """Take back a reserved attempt that checked no password (committed), by its id alone:
    the row may be gone already, with the account it was made on."""
    identity = inspect(attempt).identity
    if identity:
        db.session.execute(delete(LoginAttempt).where(LoginAttempt.id == identity[0]))
    db.session.commit()


def recent_failures(since: datetime, address: str, email: str | None = None) -> int:
    """Failed attempts from an address (on one account, if given) since a moment."""
    query = select(func.count(LoginAttempt.id)).where(
        LoginAttempt.succeeded.is_(False),
        LoginAttempt.at >= since,
        LoginAttempt.address == address,
    )
    if email is not None:
        query = query.where(LoginAttempt.email == normalise_email(email))
    return db.session.scalar(query) or 0


@login_manager.user_loader
def load_user(secret: str) -> User | None:
    """The user of the session the cookie names, while that session is open: not logged out,
    not ended by a password change, not idle too long, not too old. One query; "last seen" is
    written at most once a minute."""
    now = utcnow()
    config = current_app.config
    row = db.session.execute(
        _user_query(),
        {
            "key": _session_key(secret),
            "idle_since": now - timedelta(minutes=config["TRACKFIT_IDLE_MINUTES"]),
            "started_since": now - timedelta(hours=config["TRACKFIT_SESSION_HOURS"]),
        },
    ).first()
    if row is None:
        return None
    user, login_session = row
    user.login_session, user._session_secret = login_session, secret
    if login_session.last_seen_at < now - LAST_SEEN_EVERY:
        _note_seen(login_session.id, now)
    return user


def _note_seen(key: str, now: datetime) -> None:
    """Write "last seen" on a connection of its own, so the request's own session (and the
    objects it has loaded) is left as it is. A busy database skips it: the next request of the
    minute writes it."""
    try:
        with db.engine.begin() as connection:
            connection.execute(
                update(LoginSession.__table__)
                .where(LoginSession.__table__.c.id == key)
                .values(last_seen_at=now)
            )
    except OperationalError as error:
        log.warning("session last seen not recorded: %s", error)


@cache
def _user_query() -> Select:
    """Built once for the user loader, which runs on every signed-in request: the user and
    their open session in one prepared statement."""
    return (
        select(User, LoginSession)
        .join(LoginSession, LoginSession.user_id == User.id)
        .where(
            LoginSession.id == bindparam("key"),
            LoginSession.ended_at.is_(None),
            LoginSession.last_seen_at >= bindparam("idle_since"),
            LoginSession.started_at >= bindparam("started_since"),
        )
    )
