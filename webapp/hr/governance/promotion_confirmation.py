"""Proof that a promotion was confirmed on its own page: the confirmation page's form carries
a token signed with the app's secret naming the version, the version it would replace and how
many moves the discipline's pointer history then had (so that the token is spent by any move,
this promotion's included: a page resubmitted after a rollback back to the same version is
asked again), the justification shown (its digest) and the person who saw it. The confirming
post is made only with a token that matches and is less than CONFIRMATION_SECONDS old; any
other post (sent straight to the confirm address, or with the justification changed
afterwards) is shown the confirmation page instead."""

from __future__ import annotations

import hashlib

from flask import current_app
from flask_login import current_user
from itsdangerous import BadSignature, URLSafeTimedSerializer

CONFIRMATION_SECONDS = 3600


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="trackfit-promotion")


def _digest(justification: str) -> str:
    return hashlib.sha256(justification.encode("utf-8")).hexdigest()


def confirmation_token(version: str, replacing: str | None, moves: int, justification: str) -> str:
    """The token the confirmation page of promoting `version` in place of `replacing`, after
    the discipline's `moves` pointer moves, carries for the signed-in person."""
    claims = [version, replacing or "", moves, _digest(justification), current_user.id]
    return _serializer().dumps(claims)


def confirmed_step(token: str, version: str, justification: str) -> tuple[str | None, int] | None:
    """(the version it replaces, the pointer moves there were) of a fresh token from the
    confirmation page of this very promotion by the signed-in person, or None."""
    try:
        claims = _serializer().loads(token or "", max_age=CONFIRMATION_SECONDS)
        named, replacing, moves, digest, person = claims
    except (BadSignature, ValueError, TypeError):
        return None
    if [named, digest, person] != [version, _digest(justification), current_user.id]:
        return None
    if not isinstance(replacing, str) or not isinstance(moves, int):
        return None
    return replacing or None, moves
