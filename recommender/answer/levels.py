"""The level engine: per track, the level the evidence supports now, the next target, the gaps.

The rule, per track, climbing the ladder from the bottom:

- A level is *met* when no competency is more than `level_rule.max_steps_below` steps below
  what the level expects, and the steps below add up to at most
  `level_rule.max_total_shortfall`. An unanswered competency counts as no evidence (0), so a
  skipped rating can hold a level back but never lift one.
- The *supported* level is the highest level reached without skipping one: a level counts only
  when every lower level of the ladder is met too (gated).
- The *target* is the next level up the ladder (the top level stays the target once reached).
- On the manager track, evidence that supports only trunk levels (below the branch grade) means
  "not yet": there is no current manager level, and the target is the first manager level.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from recommender.pack.fields import NONE, NOT_YET, SUPPORTED
from recommender.pack.framework import BRANCHING_TRACK, Framework, Level


@dataclass(frozen=True)
class TrackLevels:
    """Levels on one track for a batch of people; indices point into `ladder`, -1 = none."""

    track: str
    ladder: tuple[Level, ...]
    expectations: np.ndarray  # (levels, competencies)
    current: np.ndarray  # (n,) int
    target: np.ndarray  # (n,) int
    status: np.ndarray  # (n,) object: one of STATUSES
    floor: int = 0  # lowest index a target may take: the first level of the track's own

    def grades(self, indices: np.ndarray) -> np.ndarray:
        """Grades of ladder indices, NaN for -1."""
        grades = np.array([level.grade for level in self.ladder], dtype=float)
        return np.where(indices >= 0, grades[np.maximum(indices, 0)], np.nan)

    def with_targets(self, target: np.ndarray) -> TrackLevels:
        """The same assessment with targets moved (by rules)."""
        return replace(self, target=target)


def assess_levels(framework: Framework, competencies: np.ndarray) -> dict[str, TrackLevels]:
    """Levels on every track for a (people x competencies) proficiency matrix."""
    evidence = np.nan_to_num(competencies, nan=0.0)
    rule = framework.level_rule
    assessed = {}
    for track in framework.track_ids:
        ladder = framework.ladder(track)
        expectations = np.array(framework.expectation_matrix(track), dtype=float)
        shortfall = np.maximum(expectations[None, :, :] - evidence[:, None, :], 0.0)
        met = (shortfall.max(axis=2) <= rule.max_steps_below) & (
            shortfall.sum(axis=2) <= rule.max_total_shortfall
        )
        supported = np.cumprod(met, axis=1).sum(axis=1) - 1
        status = np.where(supported >= 0, SUPPORTED, NONE).astype(object)
        current = supported.copy()
        target = np.minimum(supported + 1, len(ladder) - 1)
        first_own = 0
        if track == BRANCHING_TRACK:
            first_own = next(i for i, lv in enumerate(ladder) if lv.grade >= framework.branch_grade)
            below_branch = supported < first_own
            status[below_branch] = NOT_YET
            current[below_branch] = -1
            target[below_branch] = first_own
        assessed[track] = TrackLevels(
            track, ladder, expectations, current, target, status, first_own
        )
    return assessed


def cap_and_shift(levels: TrackLevels, cap_grade: np.ndarray, shift: np.ndarray) -> TrackLevels:
    """Targets after rules: shifted along the ladder, then capped at a grade.

    A target stays on the ladder and, on the manager track, never below the first manager
    level: a cap below the branch grade leaves the first manager level as the target.
    """
    grades = np.array([level.grade for level in levels.ladder], dtype=float)
    floor = levels.floor
    target = np.clip(levels.target + shift, floor, len(levels.ladder) - 1)
    highest_allowed = np.searchsorted(grades, cap_grade, side="right") - 1
    capped = np.where(np.isfinite(cap_grade), np.minimum(target, highest_allowed), target)
    return levels.with_targets(np.maximum(capped, floor))


class LevelReporter:
    """Level reports for a batch: gaps found with one comparison, the rest shared by everyone
    at the same (current, target, status)."""

    def __init__(self, framework: Framework, levels: TrackLevels, competencies: np.ndarray):
        self.framework = framework
        self.levels = levels
        self.competencies = competencies
        wanted = levels.expectations[levels.target]
        self.short = [
            np.flatnonzero(row).tolist() for row in np.isnan(competencies) | (competencies < wanted)
        ]
        self.wanted = wanted
        # how each rating is shown, worked out once per distinct value (ratings are means of a
        # few whole-number answers, so there are few): rounding one by one was most of the cost
        known = competencies[~np.isnan(competencies)]
        self.shown = {value: _plain(value) for value in np.unique(known).tolist()}
        self.templates: dict[tuple, dict[str, Any]] = {}

    def report(self, row: int) -> dict[str, Any]:
        """One person's report."""
        levels = self.levels
        key = (int(levels.current[row]), int(levels.target[row]), levels.status[row])
        template = self.templates.get(key)
        if template is None:
            template = self.templates[key] = _template(self.framework, levels, *key)
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
    framework: Framework, levels: TrackLevels, current: int, target: int, status: str
) -> dict[str, Any]:
    current_level = levels.ladder[current] if current >= 0 else None
    target_level = levels.ladder[target]
    other = next(t for t in framework.track_ids if t != levels.track)
    report: dict[str, Any] = {
        "current": current_level.id if current_level else None,
        "target": target_level.id,
        "status": status,
        "gaps": [],
        "equivalent": {
            "current": _equivalent(framework, current_level, other),
            "target": _equivalent(framework, target_level, other),
        },
    }
    if status == NOT_YET:
        report["reason"] = (
            f"The {framework.track(levels.track).title.lower()} track starts at grade "
            f"{framework.branch_grade} ({target_level.title}); your answers support trunk "
            "levels so far. Build leadership experience first."
        )
    elif status == NONE:
        report["reason"] = (
            f"Your answers do not yet meet the expectations of {target_level.title}, the first "
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
