"""The level engine: per track, the level a person holds, the level their evidence supports,
the next step, and the gaps to it.

Per track, for each person:

- *current* is the level the person holds: their stated `current_level` on the track they
  named (`current_track`); nothing on a track they are not on. A stated level with no stated
  track counts on every track whose ladder holds it (a shared trunk level).
- A level is *met* when no competency is more than `level_rule.max_steps_below` steps below
  what the level expects, and the steps below add up to at most
  `level_rule.max_total_shortfall`. An unanswered competency counts as no evidence (0), so a
  skipped rating can hold a level back but never lift one.
- *supported* is the highest level reached without skipping one: a level counts only when
  every lower level of the ladder is met too (gated). On the manager track, evidence that
  supports only trunk levels (below the branch grade) means "not yet".
- *target* is the next step. On the track a person is on, it is the level above the one they
  hold (the top level stays the target once reached); so too on the other track when the level
  they hold is a shared one (the trunk), which is on both ladders. Otherwise on the other track
  a change is a sideways move: the level above what the evidence supports, but never above
  the level of the same grade as the one held (nor below that track's entry level, where the
  track starts higher), so a change of track is never a promotion as well. With no stated
  level, the target is the level above what the evidence supports.
- Each gap's next step is the next behavioural anchor up from the person's own rating
  (`next_anchor`), never the target's anchor when that would skip one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from recommender.pack.fields import NONE, NOT_YET, SUPPORTED
from recommender.pack.framework import BRANCHING_TRACK, Framework, Level

LOWEST_ANCHOR = 1


@dataclass(frozen=True)
class TrackLevels:
    """Levels on one track for a batch of people; indices point into `ladder`, -1 = none."""

    track: str
    ladder: tuple[Level, ...]
    expectations: np.ndarray  # (levels, competencies)
    current: np.ndarray  # (n,) int: the level held on this track
    supported: np.ndarray  # (n,) int: the level the evidence supports
    target: np.ndarray  # (n,) int
    status: np.ndarray  # (n,) object: one of STATUSES
    ceiling: np.ndarray  # (n,) int: the highest target allowed (a sideways move's grade)
    floor: np.ndarray  # (n,) int: the lowest target allowed (the track's entry, when not on it)
    entry: int = 0  # the first level of the track's own (above a shared trunk)

    def grades(self, indices: np.ndarray) -> np.ndarray:
        """Grades of ladder indices, NaN for -1."""
        grades = np.array([level.grade for level in self.ladder], dtype=float)
        return np.where(indices >= 0, grades[np.maximum(indices, 0)], np.nan)

    @property
    def supported_here(self) -> np.ndarray:
        """The supported level as reported: none where the evidence reaches only the trunk
        below the track's own levels ("not yet")."""
        return np.where(self.status == NOT_YET, -1, self.supported)

    def with_targets(self, target: np.ndarray) -> TrackLevels:
        """The same assessment with targets moved (by rules), kept within floor and ceiling."""
        return replace(self, target=np.maximum(np.minimum(target, self.ceiling), self.floor))


def assess_levels(
    framework: Framework,
    competencies: np.ndarray,
    held_track: np.ndarray | None = None,
    held_level: np.ndarray | None = None,
) -> dict[str, TrackLevels]:
    """Levels on every track for a (people x competencies) proficiency matrix, and for each
    person the track and level they hold (object arrays, None when not stated)."""
    n = len(competencies)
    held_track = np.full(n, None, dtype=object) if held_track is None else held_track
    held_level = np.full(n, None, dtype=object) if held_level is None else held_level
    held_grade = np.array(
        [np.nan if level is None else framework.level(level).grade for level in held_level]
    )
    evidence = np.nan_to_num(competencies, nan=0.0)
    rule = framework.level_rule
    assessed = {}
    for track in framework.track_ids:
        ladder = framework.ladder(track)
        top = len(ladder) - 1
        expectations = np.array(framework.expectation_matrix(track), dtype=float)
        shortfall = np.maximum(expectations[None, :, :] - evidence[:, None, :], 0.0)
        met = (shortfall.max(axis=2) <= rule.max_steps_below) & (
            shortfall.sum(axis=2) <= rule.max_total_shortfall
        )
        supported = np.cumprod(met, axis=1).sum(axis=1) - 1
        status = np.where(supported >= 0, SUPPORTED, NONE).astype(object)
        first_own = 0
        if track == BRANCHING_TRACK:
            first_own = next(i for i, lv in enumerate(ladder) if lv.grade >= framework.branch_grade)
            status[supported < first_own] = NOT_YET
        position = _position(ladder, held_level)
        on_track = np.array([on in (track, None) for on in held_track.tolist()], dtype=bool)
        current = np.where(on_track, position, -1)
        from_evidence = np.clip(supported + 1, first_own, top)
        # a sideways move: the highest level of this ladder at or below the held grade
        grades = np.array([level.grade for level in ladder], dtype=float)
        same_grade = np.searchsorted(grades, held_grade, side="right") - 1
        moving = ~np.isnan(held_grade) & (position < 0)
        ceiling = np.where(moving, np.maximum(same_grade, first_own), top)
        floor = np.where(current >= 0, 0, first_own)
        # a level held on this ladder (the person's own track, or a shared level while they
        # named the other track): the next step is the level above it
        target = np.where(position >= 0, np.minimum(position + 1, top), from_evidence)
        target = np.maximum(np.minimum(target, ceiling), floor)
        assessed[track] = TrackLevels(
            track,
            ladder,
            expectations,
            current,
            supported,
            target,
            status,
            ceiling,
            floor,
            first_own,
        )
    return assessed


def _position(ladder: tuple[Level, ...], held_level: np.ndarray) -> np.ndarray:
    """Per person, the index on this ladder of the level they hold, -1 when it is not on it."""
    index = {level.id: i for i, level in enumerate(ladder)}
    return np.array([index.get(level, -1) for level in held_level.tolist()], dtype=int)


def next_anchor(have: float | None, need: int) -> int:
    """The behavioural anchor a gap's next step names: one whole step above the person's own
    rating (the lowest anchor when they gave none), never beyond what the target needs."""
    if have is None or math.isnan(have):
        return min(LOWEST_ANCHOR, need)
    return min(math.floor(have) + 1, need)


def cap_and_shift(levels: TrackLevels, cap_grade: np.ndarray, shift: np.ndarray) -> TrackLevels:
    """Targets after rules: shifted along the ladder, then capped at a grade.

    A target stays on the ladder, within a sideways move on a track the person is not on, and,
    on a manager track the person is not on, never below the first manager level: a cap below
    the branch grade leaves the first manager level as the target.
    """
    grades = np.array([level.grade for level in levels.ladder], dtype=float)
    target = np.clip(levels.target + shift, levels.floor, len(levels.ladder) - 1)
    highest_allowed = np.searchsorted(grades, cap_grade, side="right") - 1
    capped = np.where(np.isfinite(cap_grade), np.minimum(target, highest_allowed), target)
    return levels.with_targets(capped)


class LevelReporter:
    """Level reports for a batch: gaps found with one comparison, the rest shared by everyone
    at the same (current, supported, target, status)."""

    def __init__(self, framework: Framework, levels: TrackLevels, competencies: np.ndarray):
        self.framework = framework
        self.levels = levels
        self.competencies = competencies
        wanted = levels.expectations[levels.target]
        self.short = [
            np.flatnonzero(row).tolist() for row in np.isnan(competencies) | (competencies < wanted)
        ]
        self.wanted = wanted
        # each person's key to the shared part, as plain lists read once: the supported level
        # as reported is a whole-batch array, and reading it per person cost a batch each time
        self.keys = list(
            zip(
                levels.current.tolist(),
                levels.supported_here.tolist(),
                levels.target.tolist(),
                levels.status.tolist(),
                strict=True,
            )
        )
        # how each rating is shown, worked out once per distinct value (ratings are means of a
        # few whole-number answers, so there are few): rounding one by one was most of the cost
        known = competencies[~np.isnan(competencies)]
        self.shown = {value: _plain(value) for value in np.unique(known).tolist()}
        self.templates: dict[tuple, dict[str, Any]] = {}

    def report(self, row: int) -> dict[str, Any]:
        """One person's report."""
        key = self.keys[row]
        template = self.templates.get(key)
        if template is None:
            template = self.templates[key] = _template(self.framework, self.levels, key)
        have, need = self.competencies[row].tolist(), self.wanted[row].tolist()
        names, shown = self.framework.competency_ids, self.shown
        gaps = [
            {
                "competency": names[j],
                "have": None if math.isnan(have[j]) else shown[have[j]],
                "need": int(need[j]),
            }
            for j in self.short[row]
        ]
        return {**template, "gaps": gaps, "equivalent": dict(template["equivalent"])}


def _template(
    framework: Framework, levels: TrackLevels, key: tuple[int, int, int, str]
) -> dict[str, Any]:
    current, supported, target, status = key
    ladder = levels.ladder
    current_level = ladder[current] if current >= 0 else None
    supported_level = ladder[supported] if supported >= 0 else None
    target_level = ladder[target]
    other = next(t for t in framework.track_ids if t != levels.track)
    report: dict[str, Any] = {
        "current": current_level.id if current_level else None,
        "supported": supported_level.id if supported_level else None,
        "target": target_level.id,
        "status": status,
        "gaps": [],
        "equivalent": {
            "current": _equivalent(framework, current_level, other),
            "target": _equivalent(framework, target_level, other),
        },
    }
    track_title = framework.track(levels.track).title.lower()
    first_own = ladder[levels.entry]
    if status == NOT_YET and current_level is None:
        report["reason"] = (
            f"The {track_title} track starts at grade {framework.branch_grade} "
            f"({first_own.title}); your answers support trunk levels so far. Build leadership "
            "experience first."
        )
    elif status == NOT_YET:
        report["reason"] = (
            f"Your answers do not yet show what {first_own.title}, the first level of the "
            f"{track_title} track, expects."
        )
    elif status == NONE:
        report["reason"] = (
            f"Your answers do not yet meet the expectations of {ladder[0].title}, the first "
            "level of this track."
        )
    return report


def _equivalent(framework: Framework, level: Level | None, track: str) -> str | None:
    if level is None:
        return None
    equivalent = framework.equivalent(level.id, track)
    return equivalent.id if equivalent else None


def _plain(value: float) -> float | int:
    return int(value) if float(value).is_integer() else round(float(value), 2)
