"""What waits for someone when they come home: shared assessments to hold a 1:1 on, and
decisions recorded in a 1:1 that the employee has not confirmed yet."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache

from sqlalchemy import and_, bindparam, exists, or_, select
from sqlalchemy.orm import aliased

from webapp.accounts.models import User
from webapp.assessment.models import Assessment
from webapp.extensions import db
from webapp.manager.models import Decision
from webapp.sharing.models import Share


@dataclass(frozen=True)
class SharedAssessment:
    """A finished assessment shared with the person's manager, with no decision recorded."""

    assessment: Assessment
    person: User
    manager: User
    shared_at: datetime


@dataclass(frozen=True)
class Unconfirmed:
    """The decision in force for an assessment, recorded but not yet confirmed by its owner."""

    decision: Decision
    assessment: Assessment
    person: User
    recorded_by: User | None


def _decided(assessment=Assessment):
    return exists().where(Decision.assessment_id == assessment.id)


def _in_force():
    """The decision is the newest of its assessment (the one `Decision.latest` reads)."""
    newer = aliased(Decision)
    return ~exists().where(
        newer.assessment_id == Decision.assessment_id,
        or_(
            newer.recorded_at > Decision.recorded_at,
            and_(newer.recorded_at == Decision.recorded_at, newer.id > Decision.id),
        ),
    )


def _shared_with_manager():
    """Joins an assessment's owner to the manager they report to now, through an active share
    with that same manager (a share with a former manager does not count)."""
    person, manager = aliased(User, name="person"), aliased(User, name="manager")
    query = (
        select(Assessment, person, manager, Share.shared_at)
        .join(person, person.id == Assessment.user_id)
        .join(manager, manager.id == person.manager_id)
        .join(
            Share,
            and_(
                Share.assessment_id == Assessment.id,
                Share.manager_id == manager.id,
                Share.revoked_at.is_(None),
            ),
        )
        .where(Assessment.completed_at.is_not(None), ~_decided(), ~_newer_shared(manager))
        .order_by(Share.shared_at, Assessment.id)
    )
    return query, person, manager


def _newer_shared(manager):
    """A later assessment of the same person is shared with the same manager: the 1:1 works
    from that one, so the earlier one no longer waits."""
    newer, share = aliased(Assessment), aliased(Share)
    return exists().where(
        newer.user_id == Assessment.user_id,
        or_(
            newer.completed_at > Assessment.completed_at,
            and_(newer.completed_at == Assessment.completed_at, newer.id > Assessment.id),
        ),
        share.assessment_id == newer.id,
        share.manager_id == manager.id,
        share.revoked_at.is_(None),
    )


# Each query below is built once per process, with the person as a bound parameter: building
# its aliases and subqueries took a few milliseconds of every home page, several times the
# query itself.
@cache
def _awaiting_one_to_one():
    query, _, shared_with = _shared_with_manager()
    return query.where(shared_with.id == bindparam("manager_id"))


def awaiting_one_to_one(manager: User) -> list[SharedAssessment]:
    """Each report's newest assessment shared with the manager, when no decision was recorded
    for it, the longest waiting first."""
    rows = db.session.execute(_awaiting_one_to_one(), {"manager_id": manager.id})
    return [SharedAssessment(*row) for row in rows]


@cache
def _awaiting_manager():
    query, owner, _ = _shared_with_manager()
    return query.where(owner.id == bindparam("person_id"))


def awaiting_manager(person: User) -> list[SharedAssessment]:
    """The person's newest assessment shared with their manager, when no decision was
    recorded for it yet."""
    rows = db.session.execute(_awaiting_manager(), {"person_id": person.id})
    return [SharedAssessment(*row) for row in rows]


def _unconfirmed():
    person, recorder = aliased(User, name="person"), aliased(User, name="recorder")
    query = (
        select(Decision, Assessment, person, recorder)
        .join(Assessment, Assessment.id == Decision.assessment_id)
        .join(person, person.id == Assessment.user_id)
        .outerjoin(recorder, recorder.id == Decision.recorded_by)
        .where(Decision.employee_agreed_at.is_(None), _in_force())
        .order_by(Decision.recorded_at, Decision.id)
    )
    return query, person


@cache
def _awaiting_confirmation_by_reports():
    query, person = _unconfirmed()
    manager_id = bindparam("manager_id")
    return query.where(
        person.manager_id == manager_id,
        exists().where(
            Share.assessment_id == Assessment.id,
            Share.manager_id == manager_id,
            Share.revoked_at.is_(None),
        ),
    )


def awaiting_confirmation_by_reports(manager: User) -> list[Unconfirmed]:
    """Decisions in force for assessments the manager's reports still share with them, that
    the report has not confirmed yet."""
    rows = db.session.execute(_awaiting_confirmation_by_reports(), {"manager_id": manager.id})
    return [Unconfirmed(*row) for row in rows]


@cache
def _to_confirm():
    query, owner = _unconfirmed()
    return query.where(owner.id == bindparam("person_id"))


def to_confirm(person: User) -> list[Unconfirmed]:
    """Decisions in force on the person's own assessments that they have not confirmed."""
    return [
        Unconfirmed(*row) for row in db.session.execute(_to_confirm(), {"person_id": person.id})
    ]
