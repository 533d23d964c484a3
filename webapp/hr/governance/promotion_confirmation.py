"""Proof that a promotion was confirmed on its own page: the confirmation page's form carries
a token signed with the app's secret naming the version, the version it would replace, the
justification shown (its digest) and the person who saw it. The confirming post is made only
with a token that matches all four and is less than CONFIRMATION_SECONDS old; any other post
(sent straight to the confirm address, or with the justification changed afterwards) is shown
the confirmation page instead."""

from __future__ import annotations

import hashlib

from flask import current_app
from flask_login import current_user
from itsdangerous import BadSignature, URLSafeTimedSerializer

CONFIRMATION_SECONDS = 3600


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="trackfit-promotion")


def _claims(version: str, replacing: str | None, justification: str) -> list:
    digest = hashlib.sha256(justification.encode("utf-8")).hexdigest()
    return [version, replacing or "", digest, current_user.id]


def confirmation_token(version: str, replacing: str | None, justification: str) -> str:
    """The token the confirmation page of promoting `version` in place of `replacing`
    carries, for the signed-in person."""
    return _serializer().dumps(_claims(version, replacing, justification))


def is_confirmed(token: str, version: str, replacing: str | None, justification: str) -> bool:
    """Whether `token` is a fresh one from the confirmation page of this very promotion."""
    try:
        claims = _serializer().loads(token or "", max_age=CONFIRMATION_SECONDS)
    except (BadSignature, ValueError, TypeError):
        return False
    return claims == _claims(version, replacing, justification)
