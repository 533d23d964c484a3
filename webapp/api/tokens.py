"""API tokens: created by HR from the command line, stored only as a hash, revocable."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from functools import cache

from sqlalchemy import ForeignKey, Select, String, bindparam, select, update
from sqlalchemy.orm import Mapped, mapped_column

from webapp.accounts.models import User
from webapp.database import utcnow
from webapp.extensions import db

PREFIX = "tf_"
# Recording every use would make each API call a write; once a minute is enough to audit.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class TokenRefused(Exception):
    """A token cannot be created as asked (unknown owner, not HR)."""


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


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(name: str, owner_email: str) -> tuple[ApiToken, str]:
    """A new token for an HR account; the secret is returned once and never stored."""
    owner = User.by_email(owner_email)
    if owner is None:
        raise TokenRefused(f"no account with email {owner_email!r}")
    if owner.role != "hr":
        raise TokenRefused(
            f"{owner.email} is not in HR (role {owner.role}); only HR creates API tokens"
        )
    secret = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(name=name, token_hash=_digest(secret), hint=secret[:8], owner_id=owner.id)
    db.session.add(token)
    db.session.commit()
    return token, secret


def verify_token(secret: str) -> int | None:
    """The id of the live token with this secret, or None. A token works while it is not
    revoked and its owner is still in HR. One small query; a write at most once a minute."""
    if not secret.startswith(PREFIX):
        return None
    found = db.session.execute(_live_token_query(), {"digest": _digest(secret)}).first()
    if found is None:
        return None
    token_id, last_used_at = found
    now = utcnow()
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
def _live_token_query() -> Select:
    return (
        select(ApiToken.id, ApiToken.last_used_at)
        .join(User, User.id == ApiToken.owner_id)
        .where(
            ApiToken.token_hash == bindparam("digest"),
            ApiToken.revoked_at.is_(None),
            User.role == "hr",
        )
    )


def all_tokens() -> list[ApiToken]:
    """Every token, newest first."""
    return list(db.session.scalars(select(ApiToken).order_by(ApiToken.id.desc())))


def revoke_token(token_id: int) -> ApiToken | None:
    """Revoke a token by id; None when there is no such token."""
    token = db.session.get(ApiToken, token_id)
    if token is not None and token.revoked_at is None:
        token.revoked_at = utcnow()
        db.session.commit()
    return token
