"""Levels and rules over a batch of profiles: everything in a recommendation but the model."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

from recommender.answer.facts import build_facts
from recommender.answer.levels import LevelReporter, TrackLevels, assess_levels, cap_and_shift
from recommender.answer.profile import ProfileBatch
from recommender.answer.rule_outcome import RuleOutcome, fire
from recommender.answer.track_model import Intervals


@dataclass
class Assessment:
    """Profiles with their levels on each track (targets after rules) and the rules fired."""

    profiles: ProfileBatch
    levels: dict[str, TrackLevels]
    rules: RuleOutcome
    rule_track: np.ndarray  # (n,) object: track chosen by the rules, None when none chose

    def levels_report(self, row: int) -> dict[str, dict[str, Any]]:
        """One person's levels on every track, as in the recommendation JSON."""
        return {track: reporter.report(row) for track, reporter in self._reporters.items()}

    @cached_property
    def _reporters(self) -> dict[str, LevelReporter]:
        framework = self.profiles.pack.framework
        return {
            track: LevelReporter(framework, levels, self.profiles.competencies)
            for track, levels in self.levels.items()
        }

    def rules_report(self, row: int) -> list[dict[str, str]]:
        """Every rule that fired for one person, highest priority first."""
        return [{"id": rule.id, "message": rule.message} for rule in self.rules.fired_rules(row)]

    def rule_flags(self, row: int) -> list[dict[str, str]]:
        """Flags the fired rules added, with the rule's message."""
        return [{"id": flag, "message": message} for flag, message in self.rules.added_flags(row)]


def assess(
    profiles: ProfileBatch,
    p_success: dict[str, np.ndarray] | None = None,
    intervals: Intervals | None = None,
) -> Assessment:
    """Levels per track, the pack's rules over profiles, levels and (when given) model output."""
    pack = profiles.pack
    context = profiles.context
    levels = assess_levels(
        pack.framework,
        profiles.competencies,
        context.get("current_track"),
        context.get("current_level"),
    )
    facts = build_facts(profiles, levels, p_success, intervals)
    outcome = fire(pack.rules, facts, len(profiles))
    adjusted = {}
    for track, track_levels in levels.items():
        cap, shift = outcome.target_adjustments(track)
        adjusted[track] = cap_and_shift(track_levels, cap, shift)
    rule_track, _ = outcome.chosen_track()
    return Assessment(profiles, adjusted, outcome, rule_track)
