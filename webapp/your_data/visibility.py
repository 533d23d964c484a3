"""Who can see each of a person's assessments: the shares they made and their manager now."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from webapp.accounts.models import User
from webapp.assessment.models import Assessment
from webapp.extensions import db
from webapp.sharing.models import MANAGER_CHANGED, Share


@dataclass(frozen=True)
class PastShare:
    """A share that has ended, and why."""

    manager: str
    since: datetime
    until: datetime
    moved: bool  # ended because the person stopped reporting to that manager


@dataclass
class Seen:
    """One assessment and who besides its owner can open it now (and who could before)."""

    assessment: Assessment
    manager: str | None = None  # the manager who can open it now
    since: datetime | None = None
    stale: str | None = None  # shared with someone who is no longer the manager: they cannot
    past: list[PastShare] = field(default_factory=list)


def who_sees(person: User, assessments: list[Assessment]) -> list[Seen]:
    """For each assessment, newest first: the manager who can open it now (only while it is
    shared with them and they are still the person's manager), and the shares that ended."""
    seen = {a.id: Seen(a) for a in sorted(assessments, key=_newest_first)}
    rows = db.session.execute(
        select(Share, User.name)
        .join(User, User.id == Share.manager_id)
        .where(Share.assessment_id.in_(list(seen)))
        .order_by(Share.shared_at, Share.id)
    ).all()
    for share, name in rows:
        entry = seen[share.assessment_id]
        if share.revoked_at is not None:
            entry.past.append(
                PastShare(
                    name, share.shared_at, share.revoked_at, share.ended_because == MANAGER_CHANGED
                )
            )
        elif share.manager_id == person.manager_id:
            entry.manager, entry.since = name, share.shared_at
        else:
            entry.stale = name
    return list(seen.values())


def _newest_first(assessment: Assessment) -> tuple:
    moment = assessment.completed_at or assessment.started_at
    return (-moment.timestamp(), -assessment.id)
