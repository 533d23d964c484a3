"""API tokens: created by HR from the command line, stored only as a hash, revocable, and
expiring on a day set when they are made."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from functools import cache

from sqlalchemy import ForeignKey, Select, String, bindparam, select, update
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.accounts.models import User
from webapp.database import utcnow
from webapp.extensions import db
from webapp.token_lifetime import DEFAULT_DAYS, MAX_DAYS

PREFIX = "tf_"
# Recording every use would make each API call a write; once a minute is enough to audit.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class TokenRefused(Exception):
    """A token cannot be created as asked (unknown owner, not HR)."""


class TokenNotLive(Exception):
    """A known token that no longer works; the message says why (revoked, expired, or its
    owner is no longer in HR), for whoever holds its secret."""


class ApiToken(db.Model):
    """A bearer token for the JSON API; only its SHA-256 is kept."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hint: Mapped[str] = mapped_column(String(16))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    expires_at: Mapped[datetime]
    owner: Mapped[User | None] = relationship(lazy="joined")

    def state(self, now: datetime) -> str:
        """Whether the token works, in words, as `verify_token` decides it."""
        if self.revoked_at:
            return f"revoked {self.revoked_at:%Y-%m-%d}"
        if self.expires_at <= now:
            return f"expired {self.expires_at:%Y-%m-%d}"
        if self.owner is None or self.owner.role != "hr":
            return "not working: its owner is no longer in HR"
        return f"active until {self.expires_at:%Y-%m-%d}"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(name: str, owner_email: str, days: int = DEFAULT_DAYS) -> tuple[ApiToken, str]:
    """A new token for an HR account, working for `days` days (1 to MAX_DAYS); the secret is
    returned once and never stored."""
    if not 1 <= days <= MAX_DAYS:
        raise TokenRefused(f"a token works for 1 to {MAX_DAYS} days, not {days}")
    owner = User.by_email(owner_email)
    if owner is None:
        raise TokenRefused(f"no account with email {owner_email!r}")
    if owner.role != "hr":
        raise TokenRefused(
            f"{owner.email} is not in HR (role {owner.role}); only HR creates API tokens"
        )
    secret = PREFIX + secrets.token_urlsafe(32)
    now = utcnow()
    token = ApiToken(
        name=name,
        token_hash=_digest(secret),
        hint=secret[:8],
        owner_id=owner.id,
        created_at=now,
        expires_at=now + timedelta(days=days),
    )
    db.session.add(token)
    db.session.commit()
    return token, secret


def verify_token(secret: str) -> int | None:
    """The id of the live token with this secret, or None when no token has it. A token works
    while it is not revoked, before it expires and while its owner is in HR; a known token
    that fails one of these raises TokenNotLive naming which. One small query; a write at
    most once a minute."""
    if not secret.startswith(PREFIX):
        return None
    found = db.session.execute(_token_query(), {"digest": _digest(secret)}).first()
    if found is None:
        return None
    token_id, last_used_at, revoked_at, expires_at, role = found
    now = utcnow()
    if revoked_at is not None:
        raise TokenNotLive(f"This API token was revoked on {revoked_at:%Y-%m-%d}.")
    if expires_at <= now:
        raise TokenNotLive(
            f"This API token expired on {expires_at:%Y-%m-%d %H:%M} UTC; HR makes a new one "
            "with `trackfit tokens create`."
        )
    if role != "hr":
        raise TokenNotLive(
            "This API token's owner is no longer in HR (or their account was deleted), so it "
            "no longer works."
        )
    if last_used_at is None or now - last_used_at > LAST_USED_RESOLUTION:
        db.session.execute(update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=now))
        db.session.commit()
    return token_id


def token_owner(token_id: int) -> User | None:
    """The HR account a token belongs to."""
    return db.session.scalar(
        select(User).join(ApiToken, ApiToken.owner_id == User.id).where(ApiToken.id == token_id)
    )


@cache
def _token_query() -> Select:
    return (
        select(
            ApiToken.id,
            ApiToken.last_used_at,
            ApiToken.revoked_at,
            ApiToken.expires_at,
            User.role,
        )
        .outerjoin(User, User.id == ApiToken.owner_id)
        .where(ApiToken.token_hash == bindparam("digest"))
    )


def all_tokens() -> list[ApiToken]:
    """Every token, newest first."""
    return list(db.session.scalars(select(ApiToken).order_by(ApiToken.id.desc())))


def revoke_token(token_id: int) -> tuple[ApiToken | None, bool]:
    """Revoke a token by id: the token (None when there is no such token) and whether this
    call revoked it (False: it was revoked already, by another call too when two ran at once:
    the update only takes a token not yet revoked, so one of them does)."""
    revoked = db.session.execute(
        update(ApiToken)
        .where(ApiToken.id == token_id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return db.session.get(ApiToken, token_id, populate_existing=True), bool(revoked)
