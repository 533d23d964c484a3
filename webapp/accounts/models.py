"""People who sign in, their roles, and the record of login attempts used to slow guessing."""

from __future__ import annotations

import secrets
from datetime import datetime
from functools import cache

from flask_login import UserMixin
from sqlalchemy import ForeignKey, Select, String, bindparam, func, select
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

from webapp.database import utcnow
from webapp.extensions import db, login_manager

ROLES = ("employee", "manager", "hr")
MIN_PASSWORD = 10
ROLE_LABELS = {"employee": "Employee", "manager": "Manager", "hr": "HR"}
NO_PASSWORD = "!"  # never the output of a password hash


class User(UserMixin, db.Model):
    """A person with an account: an employee, a manager or someone in HR."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), default="employee")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Changing the password changes this, which ends every other session of the account.
    session_token: Mapped[str] = mapped_column(String(64))
    # The person's line manager (org chart); a manager sees only what their reports share.
    manager_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    # The id HR's own systems use for the person, as in outcome files (optional).
    employee_id: Mapped[str | None] = mapped_column(String(64), unique=True, index=True)

    def set_password(self, password: str | None) -> None:
        """Store a salted hash of the password and invalidate older sessions. `None` leaves an
        invited account without a password until the person activates it."""
        self.password_hash = generate_password_hash(password) if password else NO_PASSWORD
        self.session_token = _new_session_token()

    def check_password(self, password: str) -> bool:
        """Whether the password matches the stored hash."""
        return self.has_password and check_password_hash(self.password_hash, password)

    @property
    def has_password(self) -> bool:
        """False for an account created by HR that its owner has not activated yet."""
        return self.password_hash != NO_PASSWORD

    def get_id(self) -> str:
        """The session identity: the user id and the current session token."""
        return f"{self.id}:{self.session_token}"

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
                select(User).where(User.manager_id == self.id).order_by(User.name, User.id)
            )
        )

    @classmethod
    def by_email(cls, email: str) -> User | None:
        """The account with this email address, if any (case does not matter)."""
        return db.session.scalar(select(cls).where(cls.email == normalise_email(email)))


def normalise_email(email: str) -> str:
    """Email addresses are compared trimmed and in lower case."""
    return email.strip().lower()


def _new_session_token() -> str:
    return secrets.token_hex(16)


class LoginAttempt(db.Model):
    """One attempt to log in, kept for the throttle window."""

    __tablename__ = "login_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    address: Mapped[str] = mapped_column(String(64), index=True)
    succeeded: Mapped[bool]
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


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
def load_user(identity: str) -> User | None:
    """The signed-in user, unless the password changed since the session began."""
    user_id, _, token = identity.partition(":")
    if not user_id.isdigit():
        return None
    user = db.session.execute(_user_query(), {"id": int(user_id)}).scalar_one_or_none()
    return user if user is not None and secrets.compare_digest(user.session_token, token) else None


@cache
def _user_query() -> Select:
    """Built once for the user loader, which runs on every signed-in request: a prepared
    statement is about a quarter cheaper than `session.get` when the user is not yet loaded."""
    return select(User).where(User.id == bindparam("id"))
