"""Firing a pack's rules over a batch of people's facts, and what the fired rules decide."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from recommender.pack.rules import ALL_TRACKS, Combination, Comparison, Condition, Rule, RuleSet

_COMPARE = {
    "eq": np.equal,
    "ne": np.not_equal,
    "lt": np.less,
    "le": np.less_equal,
    "gt": np.greater,
    "ge": np.greater_equal,
}


def fire(rules: RuleSet, facts: dict[str, np.ndarray], n: int) -> RuleOutcome:
    """Which rules fire for each person, and what they decide together."""
    fired = np.zeros((n, len(rules.rules)), dtype=bool)
    for index, rule in enumerate(rules.rules):
        fired[:, index] = holds(rule.when, facts)
    return RuleOutcome(rules, fired, facts)


def holds(condition: Condition, facts: dict[str, np.ndarray]) -> np.ndarray:
    """A condition over a batch of people; a comparison is false whenever its field is
    missing, except `present: false`."""
    if isinstance(condition, Combination):
        return _combine(condition, facts)
    return _compare(condition, facts)


def _compare(comparison: Comparison, facts: dict[str, np.ndarray]) -> np.ndarray:
    column = facts[comparison.field]
    present = _present(column)
    if comparison.op == "present":
        return present if comparison.value else ~present
    if comparison.op == "in":
        return present & np.isin(column, list(comparison.value))
    if comparison.op in ("eq", "ne") and column.dtype == object:
        equal = np.array([v == comparison.value for v in column], dtype=bool)
        return present & (equal if comparison.op == "eq" else ~equal)
    with np.errstate(invalid="ignore"):
        result = _COMPARE[comparison.op](column.astype(float), float(comparison.value))
    return present & result


def _combine(combination: Combination, facts: dict[str, np.ndarray]) -> np.ndarray:
    results = [holds(part, facts) for part in combination.parts]
    if combination.op == "not":
        return ~results[0]
    combine = np.logical_and if combination.op == "all" else np.logical_or
    return combine.reduce(results) if len(results) > 1 else results[0]


def _present(column: np.ndarray) -> np.ndarray:
    if column.dtype == object:
        return np.array([value is not None for value in column], dtype=bool)
    if column.dtype == bool:
        return np.ones(len(column), dtype=bool)
    return ~np.isnan(column.astype(float))


@dataclass
class RuleOutcome:
    """Fired rules per person (rows) and rule (columns, in priority order)."""

    rules: RuleSet
    fired: np.ndarray
    facts: dict[str, np.ndarray] = field(repr=False)

    def chosen_track(self) -> tuple[np.ndarray, np.ndarray]:
        """Per person, the track the highest-priority choosing rule picked (None if none),
        and the index of that rule (-1)."""
        n = len(self.fired)
        track = np.full(n, None, dtype=object)
        by_rule = np.full(n, -1)
        # Rules are sorted highest priority first; walking them in reverse lets the
        # highest-priority rule write last and win.
        for index in reversed(range(len(self.rules.rules))):
            chosen = self.rules.rules[index].then.choose_track
            if chosen is not None:
                hit = self.fired[:, index]
                track[hit] = chosen
                by_rule[hit] = index
        return track, by_rule

    def target_adjustments(self, track: str) -> tuple[np.ndarray, np.ndarray]:
        """Per person, the highest grade a target may have (inf = no cap) and the shift."""
        n = len(self.fired)
        cap = np.full(n, np.inf)
        shift = np.zeros(n, dtype=int)
        current_grade = self.facts["context.current_grade"].astype(float)
        for index, rule in enumerate(self.rules.rules):
            hit = self.fired[:, index]
            if rule.then.cap_target and rule.then.cap_target[0] in (track, ALL_TRACKS):
                limit = current_grade + rule.then.cap_target[1]
                applies = hit & ~np.isnan(limit)
                cap[applies] = np.minimum(cap[applies], limit[applies])
            if rule.then.shift_target and rule.then.shift_target[0] in (track, ALL_TRACKS):
                shift[hit] += rule.then.shift_target[1]
        return cap, shift

    def fired_rules(self, row: int) -> list[Rule]:
        """The rules that fired for one person, highest priority first."""
        return [rule for index, rule in enumerate(self.rules.rules) if self.fired[row, index]]

    def added_flags(self, row: int) -> list[tuple[str, str]]:
        """(flag id, rule message) for each flag a fired rule added."""
        return [
            (rule.then.add_flag, rule.message)
            for rule in self.fired_rules(row)
            if rule.then.add_flag
        ]
