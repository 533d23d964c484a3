"""Sharing: an employee lets their manager see one finished assessment, until they revoke it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Select, String, select, text, update
from sqlalchemy.orm import Mapped, mapped_column

from webapp.accounts.models import User
from webapp.assessment.models import Assessment
from webapp.database import utcnow
from webapp.extensions import db

REVOKED, MANAGER_CHANGED = "revoked", "manager_changed"  # why a share ended
NOT_REVOKED = text("revoked_at IS NULL")


class Share(db.Model):
    """One assessment shared with one named manager; revoking keeps the row with its time.
    A share ends when the person revokes it or stops reporting to that manager."""

    __tablename__ = "shares"
    # At most one active share per assessment, in the database: two at once (two clicks that
    # race) would leave the manager access after "stop sharing" ended one of them.
    __table_args__ = (
        Index(
            "uq_shares_active_assessment",
            "assessment_id",
            unique=True,
            sqlite_where=NOT_REVOKED,
            postgresql_where=NOT_REVOKED,
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(
        ForeignKey("assessments.id", ondelete="CASCADE"), index=True
    )
    manager_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    shared_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]
    ended_because: Mapped[str | None] = mapped_column(String(16))  # REVOKED, MANAGER_CHANGED

    @classmethod
    def active(cls, assessment_id: int) -> Share | None:
        """The assessment's current share, if it is shared."""
        return db.session.scalar(
            select(cls).where(cls.assessment_id == assessment_id, cls.revoked_at.is_(None))
        )


def _shared_by_a_report(manager: User, *where) -> Select:
    """The finished assessments `where` picks whose owner reports to this manager now and
    shared them with the manager. Both must hold now: a share made with a former manager does
    not pass to a new one, and a manager who no longer manages the person no longer sees it."""
    return (
        select(Assessment)
        .join(User, User.id == Assessment.user_id)
        .join(Share, Share.assessment_id == Assessment.id)
        .where(
            Assessment.completed_at.is_not(None),
            User.manager_id == manager.id,
            Share.manager_id == manager.id,
            Share.revoked_at.is_(None),
            *where,
        )
    )


def shared_with(manager: User, assessment_id: int) -> Assessment | None:
    """The assessment, when its owner reports to this manager and shared it with them."""
    return db.session.scalar(_shared_by_a_report(manager, Assessment.id == assessment_id))


NEWEST_FIRST = (Assessment.completed_at.desc(), Assessment.id.desc())


def shared_by(report: User, manager: User) -> list[Assessment]:
    """A report's finished assessments shared with this manager, newest first."""
    query = _shared_by_a_report(manager, Assessment.user_id == report.id)
    return list(db.session.scalars(query.order_by(*NEWEST_FIRST)))


def shared_by_reports(manager: User, reports: list[User]) -> dict[int, list[Assessment]]:
    """`shared_by` for these direct reports of this manager at once, in one query: each
    report's id to their finished assessments shared with the manager, newest first (a
    report who shared nothing is absent)."""
    shared: dict[int, list[Assessment]] = {}
    if not reports:
        return shared
    query = _shared_by_a_report(manager, User.id.in_([report.id for report in reports]))
    for assessment in db.session.scalars(query.order_by(*NEWEST_FIRST)):
        shared.setdefault(assessment.user_id, []).append(assessment)
    return shared


def sharing_reports(manager: User) -> Select:
    """The ids of the manager's direct reports with a finished assessment shared with them,
    as a subquery."""
    return _shared_by_a_report(manager).with_only_columns(Assessment.user_id).distinct()


def end_shares_with_former_manager(person_id: int, former_manager_id: int | None) -> int:
    """The person no longer reports to `former_manager_id`: their shares with that manager end
    (not committed), so moving back later does not silently share again. How many ended."""
    if former_manager_id is None:
        return 0
    return db.session.execute(
        update(Share)
        .where(
            Share.manager_id == former_manager_id,
            Share.revoked_at.is_(None),
            Share.assessment_id.in_(select(Assessment.id).where(Assessment.user_id == person_id)),
        )
        .values(revoked_at=utcnow(), ended_because=MANAGER_CHANGED)
        .execution_options(synchronize_session=False)
    ).rowcount
