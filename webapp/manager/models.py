"""The 1:1: the manager's own rating of a report's competencies, their notes, and the decision
both agree on."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column

from webapp.assessment.models import Assessment
from webapp.database import utcnow
from webapp.extensions import db


class ManagerReview(db.Model):
    """A manager's view of one shared assessment: ratings on the same anchored statements,
    notes kept private to the manager, and notes the employee sees."""

    __tablename__ = "manager_reviews"
    __table_args__ = (UniqueConstraint("assessment_id", "manager_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(
        ForeignKey("assessments.id", ondelete="CASCADE"), index=True
    )
    manager_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    ratings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    private_notes: Mapped[str] = mapped_column(Text, default="")
    shared_notes: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    @classmethod
    def of(cls, assessment_id: int, manager_id: int) -> ManagerReview | None:
        """The manager's review of the assessment, if they started one."""
        return db.session.scalar(
            select(cls).where(cls.assessment_id == assessment_id, cls.manager_id == manager_id)
        )

    @classmethod
    def shared_notes_for(cls, assessment_id: int) -> list[ManagerReview]:
        """Reviews of the assessment with notes meant for the employee."""
        return list(
            db.session.scalars(
                select(cls).where(cls.assessment_id == assessment_id, cls.shared_notes != "")
            )
        )


class Decision(db.Model):
    """The track and target level a manager and employee agreed, beside what was advised.

    Every decision is kept; the newest is the current one. `overrides` is true when the agreed
    track or target differs from the recommendation, and then a reason is required.
    """

    __tablename__ = "decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(
        ForeignKey("assessments.id", ondelete="CASCADE"), index=True
    )
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    track: Mapped[str] = mapped_column(String(32))
    target_level: Mapped[str] = mapped_column(String(32))
    recommended_track: Mapped[str] = mapped_column(String(32))
    recommended_target: Mapped[str | None] = mapped_column(String(32))
    overrides: Mapped[bool]
    reason: Mapped[str] = mapped_column(Text, default="")
    employee_agreed_at: Mapped[datetime | None]

    @classmethod
    def lock(cls, assessment_id: int) -> None:
        """Hold, until the transaction ends, the assessment's lock (`Assessment.lock`), so
        that decisions on it are recorded one after the other: the same decision sent twice
        at once is recorded once, and a confirmation reads the decision in force."""
        Assessment.lock(assessment_id)

    def agrees(self, track: str, target_level: str, reason: str) -> bool:
        """Whether this decision is the one given: the same track, level and reason."""
        return (self.track, self.target_level, self.reason) == (track, target_level, reason)

    @classmethod
    def could_have_shown(cls, assessment_id: int) -> set[str]:
        """Every value a decision form of this assessment's page can carry (`decision_shown`):
        none, or one of its decisions, confirmed or not."""
        ids = db.session.scalars(select(cls.id).where(cls.assessment_id == assessment_id))
        return {NO_DECISION} | {f"{i}:{state}" for i in ids for state in ("open", "confirmed")}

    @classmethod
    def latest(cls, assessment_id: int) -> Decision | None:
        """The decision in force for an assessment."""
        return db.session.scalar(
            select(cls)
            .where(cls.assessment_id == assessment_id)
            .order_by(cls.recorded_at.desc(), cls.id.desc())
            .limit(1)
        )

    @classmethod
    def latest_of(cls, assessment_ids: list[int]) -> dict[int, Decision]:
        """`latest` for many assessments in one query: each id to its decision in force
        (an assessment with none is absent)."""
        latest: dict[int, Decision] = {}
        if not assessment_ids:
            return latest
        for decision in db.session.scalars(
            select(cls)
            .where(cls.assessment_id.in_(assessment_ids))
            .order_by(cls.recorded_at, cls.id)  # the last one read wins, as `latest` orders
        ):
            latest[decision.assessment_id] = decision
        return latest


NO_DECISION = "none"


def decision_shown(decision: Decision | None, confirmed: bool | None = None) -> str:
    """What a decision form carries of the decision in force when its page was shown: its id
    and whether the employee had confirmed it ("12:confirmed", "12:open"), or NO_DECISION.
    `confirmed` overrides what the decision says (for the other of its two states)."""
    if decision is None:
        return NO_DECISION
    agreed = decision.employee_agreed_at is not None if confirmed is None else confirmed
    return f"{decision.id}:{'confirmed' if agreed else 'open'}"
