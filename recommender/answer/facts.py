"""The facts rule conditions read, computed for a batch of people.

Each field is a column over a batch of people: numbers as floats (NaN when missing), ids as
objects (None when missing), flags as booleans.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from recommender.answer.levels import TrackLevels
    from recommender.answer.profile import ProfileBatch
    from recommender.answer.track_model import Intervals

LEGACY_CLOSE_CALL_GAP = 0.05


def build_facts(
    profiles: ProfileBatch,
    levels: dict[str, TrackLevels],
    p_success: dict[str, np.ndarray] | None = None,
    intervals: Intervals | None = None,
) -> dict[str, np.ndarray]:
    """Columns for every catalogue field; model fields are missing until a model has run."""
    pack = profiles.pack
    n = len(profiles)
    facts: dict[str, np.ndarray] = {}
    for column, construct in enumerate(pack.questionnaire.construct_ids):
        facts[f"constructs.{construct}"] = profiles.constructs[:, column]
    for column, competency in enumerate(pack.framework.competency_ids):
        facts[f"competencies.{competency}"] = profiles.competencies[:, column]
    for name, values in profiles.context.items():
        facts[f"context.{name}"] = values
    for flag, raised in profiles.flags.items():
        facts[f"flags.{flag}"] = raised
    for track, assessed in levels.items():
        facts[f"levels.{track}.status"] = assessed.status
        facts[f"levels.{track}.current_grade"] = assessed.grades(assessed.current)
        facts[f"levels.{track}.supported_grade"] = assessed.grades(assessed.supported_here)
        facts[f"levels.{track}.target_grade"] = assessed.grades(assessed.target)
        facts[f"levels.{track}.target_above_current"] = (
            facts[f"levels.{track}.target_grade"] - profiles.context["current_grade"]
        )
    missing = np.full(n, np.nan)
    for track in pack.framework.track_ids:
        facts[f"model.p_success.{track}"] = p_success[track] if p_success else missing
    difference = (p_success["manager"] - p_success["ic"]) if p_success else missing
    facts["model.p_difference"] = difference
    facts["model.p_gap"] = np.abs(difference)
    # the 90% interval of (manager - IC); a close call when it holds zero: the model cannot
    # tell which track is better for people who answer like this. A version trained before
    # intervals existed keeps the old reading: a gap under 5 points.
    low, high = intervals.difference if intervals else (missing, missing)
    facts["model.p_difference_low"] = low
    facts["model.p_difference_high"] = high
    if intervals:
        facts["model.close_call"] = (low <= 0) & (high >= 0)
    elif p_success:
        facts["model.close_call"] = np.abs(difference) < LEGACY_CLOSE_CALL_GAP
    else:
        facts["model.close_call"] = missing
    return facts
