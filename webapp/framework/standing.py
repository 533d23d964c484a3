"""You against a level: a person's own latest competency ratings beside what a level expects."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select

from webapp import answering
from webapp.assessment.models import Assessment
from webapp.extensions import db

if TYPE_CHECKING:
    from recommender.pack.framework import Competency, Level


@dataclass(frozen=True)
class Rating:
    """One competency: the person's rating (None when unanswered) and the level's expectation."""

    competency: Competency
    have: float | None
    need: int

    @property
    def short_by(self) -> float:
        """How far below the expectation the rating is (0 when it meets it)."""
        return max(self.need - (self.have or 0), 0)

    @property
    def words(self) -> str:
        """How the rating stands to the expectation, in words."""
        if self.have is None:
            return "not rated"
        difference = self.have - self.need
        if abs(difference) < 0.05:
            return "meets it"
        amount = f"{abs(difference):g}"
        return f"{amount} above" if difference > 0 else f"{amount} below"


@dataclass(frozen=True)
class Standing:
    """A person's latest finished assessment read against one level."""

    assessed_on: datetime
    level: Level
    ratings: tuple[Rating, ...]
    held: str | None
    supported: dict[str, str]

    @property
    def meets(self) -> int:
        """How many of the level's expectations the ratings meet."""
        return sum(1 for rating in self.ratings if rating.have is not None and not rating.short_by)


@dataclass(frozen=True)
class Latest:
    """What the framework pages need of a person's latest finished assessment."""

    completed_at: datetime
    discipline: str  # the pack id it was taken in: its ratings mean nothing on other ladders
    competencies: dict[str, float | None]
    held: str | None
    supported: dict[str, str]

    def against(self, pack: answering.Pack, level: Level) -> Standing:
        """These ratings against `level`'s expectations, in the pack's competency order."""
        ratings = tuple(
            Rating(competency, self.competencies.get(competency.id), need)
            for competency in pack.framework.competencies
            if (need := level.expects.get(competency.id)) is not None
        )
        return Standing(self.completed_at, level, ratings, self.held, self.supported)


def latest(user_id: int) -> Latest | None:
    """The person's own latest finished assessment, scored in the pack version it was taken
    in; None when they have not finished one."""
    assessment = db.session.scalar(
        select(Assessment)
        .where(Assessment.user_id == user_id, Assessment.completed_at.is_not(None))
        .order_by(Assessment.completed_at.desc(), Assessment.id.desc())
        .limit(1)
    )
    if assessment is None:
        return None
    pack = answering.pack_of(assessment.pack)
    try:
        competencies = answering.profile_of(assessment.answers_json(), pack).competencies
    except answering.AnswersInvalid:
        # Answers the recommender once took and a later rule refuses: shown as unrated
        competencies = {}
    levels = (assessment.recommendation or {}).get("levels", {})
    # `supported` is the level the evidence supports; results stored before it was named
    # have none, and their `current` meant something else, so it is not read here.
    supported = {track: found for track, raw in levels.items() if (found := raw.get("supported"))}
    return Latest(
        assessment.completed_at,
        pack.id,
        competencies,
        (assessment.context or {}).get("current_level"),
        supported,
    )
