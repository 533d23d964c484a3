"""A career framework: two tracks, their levels and grades, competencies and expectations."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

TRACK_IDS = ("ic", "manager")
BRANCHING_TRACK = "manager"
PROFICIENCY_MIN, PROFICIENCY_MAX = 1, 5


@dataclass(frozen=True)
class Track:
    """A ladder people climb: individual contributor or people manager."""

    id: str
    title: str
    description: str
    branch_grade: int | None = None


@dataclass(frozen=True)
class Competency:
    """A skill rated on the anchored proficiency scale 1..5."""

    id: str
    label: str
    description: str


@dataclass(frozen=True)
class Level:
    """A rung: on one track or, for the trunk and a converged top, on both."""

    id: str
    title: str
    grade: int
    tracks: tuple[str, ...]
    summary: str
    expects: dict[str, int]


@dataclass(frozen=True)
class LevelRule:
    """When a level counts as met (see `recommender.levels`)."""

    max_steps_below: int = 1
    max_total_shortfall: int = 2


@dataclass(frozen=True)
class Framework:
    """Tracks, levels and competencies of one pack."""

    tracks: tuple[Track, ...]
    competencies: tuple[Competency, ...]
    levels: tuple[Level, ...]
    level_rule: LevelRule

    @cached_property
    def track_ids(self) -> tuple[str, ...]:
        """The track ids, in the pack's order."""
        return tuple(track.id for track in self.tracks)

    @cached_property
    def competency_ids(self) -> tuple[str, ...]:
        """The competency ids, in the pack's order."""
        return tuple(competency.id for competency in self.competencies)

    @cached_property
    def level_ids(self) -> tuple[str, ...]:
        """Every level id, ordered by grade then track order."""
        return tuple(level.id for level in sorted(self.levels, key=lambda lv: lv.grade))

    def track(self, track_id: str) -> Track:
        """The track with this id."""
        return next(track for track in self.tracks if track.id == track_id)

    def level(self, level_id: str) -> Level:
        """The level with this id."""
        return self._levels_by_id[level_id]

    @cached_property
    def _levels_by_id(self) -> dict[str, Level]:
        return {level.id: level for level in self.levels}

    def ladder(self, track_id: str) -> tuple[Level, ...]:
        """The levels of a track from lowest to highest grade."""
        return self._ladders[track_id]

    def not_on_ladder(self, level_id: str, track_id: str) -> str:
        """Why a level held cannot be on this track, with the levels it has, in one phrase
        for every door that reads answers."""
        levels = ", ".join(level.id for level in self.ladder(track_id))
        return f"{level_id} is not a level of the {track_id} track (its levels: {levels})"

    @cached_property
    def _ladders(self) -> dict[str, tuple[Level, ...]]:
        return {
            track.id: tuple(
                sorted(
                    (level for level in self.levels if track.id in level.tracks),
                    key=lambda level: level.grade,
                )
            )
            for track in self.tracks
        }

    @property
    def branch_grade(self) -> int:
        """The lowest grade of the manager track's own levels."""
        grade = self.track(BRANCHING_TRACK).branch_grade
        assert grade is not None
        return grade

    def equivalent(self, level_id: str, track_id: str) -> Level | None:
        """The level of `track_id` at the same grade as `level_id`, if the track has one."""
        return self._equivalents.get((level_id, track_id))

    @cached_property
    def _equivalents(self) -> dict[tuple[str, str], Level]:
        return {
            (level.id, track): other
            for level in self.levels
            for track in self.track_ids
            for other in self.ladder(track)
            if other.grade == level.grade
        }

    def expectation_matrix(self, track_id: str) -> list[list[int]]:
        """Expectations of a ladder as rows of levels by columns of competencies."""
        return [
            [level.expects[competency] for competency in self.competency_ids]
            for level in self.ladder(track_id)
        ]
