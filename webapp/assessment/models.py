"""A self-assessment: answers saved page by page, and the recommendation once it is complete."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any, NamedTuple

from sqlalchemy import (
    JSON,
    ForeignKey,
    Index,
    Select,
    String,
    bindparam,
    false,
    select,
    text,
    update,
)
from sqlalchemy.orm import Mapped, aliased, mapped_column

from webapp import answering
from webapp.database import utcnow
from webapp.extensions import db


class Assessment(db.Model):
    """One sitting of the questionnaire by one person, with the pack version it was taken in."""

    __tablename__ = "assessments"
    # One unfinished assessment per person and pack version, in the database: "start" posted
    # twice at once must not begin two.
    __table_args__ = (
        Index(
            "uq_assessments_unfinished",
            "user_id",
            "pack",
            unique=True,
            sqlite_where=text("completed_at IS NULL"),
            postgresql_where=text("completed_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    pack: Mapped[str] = mapped_column(String(80))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[datetime | None]
    step: Mapped[int] = mapped_column(default=0)
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    context: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    timings: Mapped[dict[str, float]] = mapped_column(JSON, default=dict)
    recommendation: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    model_version: Mapped[str | None] = mapped_column(String(32))
    track: Mapped[str | None] = mapped_column(String(32))

    @property
    def complete(self) -> bool:
        """Whether the person has finished and has a recommendation."""
        return self.completed_at is not None

    def answers_json(self) -> dict[str, Any]:
        """The answers in the recommender's JSON shape."""
        return answering.answers_json(
            f"assessment-{self.id}", self.answers, self.context, self.timings
        )

    def finish(self) -> dict[str, Any]:
        """Compute the recommendation through the answering door and keep it, with the model
        version, the track and when (not committed); raises AnswersInvalid or ModelRefused."""
        recommendation = answering.recommend(self.answers_json(), answering.pack_of(self.pack))
        self.recommendation = recommendation
        self.model_version = recommendation["model_version"]
        self.track = recommendation["track"]
        self.completed_at = utcnow()
        return recommendation

    @classmethod
    def lock(cls, assessment_id: int) -> None:
        """Hold, until the transaction ends, the lock that makes the writes to one assessment
        one after the other (a page saved, the assessment finished, a decision recorded or
        confirmed), so that what is read after taking it is still so when written. Take it
        before reading the row. PostgreSQL: the assessment's row. SQLite: the database's
        write lock, which a write statement takes even when it changes nothing."""
        if db.session.get_bind().dialect.name == "postgresql":
            db.session.execute(
                text("SELECT id FROM assessments WHERE id = :id FOR UPDATE"), {"id": assessment_id}
            )
        else:
            db.session.execute(update(cls).where(false()).values(step=cls.step))

    @classmethod
    def of_user(cls, user_id: int, assessment_id: int) -> Assessment | None:
        """The assessment, only when it belongs to this user."""
        return db.session.scalar(select(cls).where(cls.id == assessment_id, cls.user_id == user_id))

    @classmethod
    def in_progress(cls, user_id: int) -> Assessment | None:
        """The user's unfinished assessment, if there is one."""
        return db.session.scalar(
            select(cls)
            .where(cls.user_id == user_id, cls.completed_at.is_(None))
            .order_by(cls.started_at.desc())
            .limit(1)
        )

    @classmethod
    def completed(cls, user_id: int) -> list[Assessment]:
        """The user's finished assessments, newest first."""
        return list(
            db.session.scalars(
                select(cls)
                .where(cls.user_id == user_id, cls.completed_at.is_not(None))
                .order_by(cls.completed_at.desc(), cls.id.desc())
            )
        )


def discipline_of_ref(ref: str) -> str:
    """The discipline (pack id) of a stored pack ref: `product-design` of `product-design@2`."""
    return ref.partition("@")[0]


@cache
def summary_query() -> Select:
    """An assessment's summary (see `Summary`), only when it is the user's; parameters
    `assessment_id` and `user_id`. Built once: an aliased correlated subquery is slow to
    construct on every request."""
    earlier = aliased(Assessment)
    previous = (
        select(earlier.id)
        .where(
            earlier.user_id == Assessment.user_id,
            earlier.completed_at < Assessment.completed_at,
        )
        .order_by(earlier.completed_at.desc(), earlier.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    return select(
        Assessment.id, Assessment.step, Assessment.completed_at, previous, Assessment.pack
    ).where(Assessment.id == bindparam("assessment_id"), Assessment.user_id == bindparam("user_id"))


class Summary(NamedTuple):
    """An assessment's place: its id, the page reached, when it was finished, the one before,
    and the pack version it was taken in."""

    id: int
    step: int
    completed_at: datetime | None
    previous_id: int | None
    pack: str
