"""Invitations: a link HR hands to a person added by the org chart, to choose a password.

The link is signed with the app's secret and names the account's session token, so it works
once: choosing the password changes the token. It expires after INVITATION_DAYS.
"""

from __future__ import annotations

from flask import current_app, url_for
from itsdangerous import BadSignature, URLSafeTimedSerializer

from webapp.accounts.models import User
from webapp.extensions import db

INVITATION_DAYS = 14


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="trackfit-invitation")


def invitation_link(user: User) -> str:
    """The activation link for an account without a password."""
    token = _serializer().dumps([user.id, user.session_token])
    return url_for("accounts.activate", token=token, _external=True)


def invited_user(token: str) -> User | None:
    """The account a valid, unused, unexpired link is for."""
    try:
        user_id, session_token = _serializer().loads(token, max_age=INVITATION_DAYS * 86400)
    except (BadSignature, ValueError, TypeError):
        return None
    user = db.session.get(User, user_id) if isinstance(user_id, int) else None
    if user is None or user.has_password or user.session_token != session_token:
        return None
    return user
