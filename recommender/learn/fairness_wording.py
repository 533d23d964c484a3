"""The fairness report in people's words: its outcomes, tests and thresholds, p-values as read.

Plain Python, no numpy or scipy, so HR's pages can word a stored report without loading the
statistics that computed it.
"""

from __future__ import annotations

from typing import Any

SMALL_GROUP = 30  # fewest people in a group that impact ratios may be computed for
MIN_SHARE = 0.02  # ... and the smallest share of everyone assessed
MONTE_CARLO_TABLES, MONTE_CARLO_SEED = 9999, 20260101
OUTCOMES = {
    "manager_recommended": "manager track recommended",
    "target_above_current": "target above current level",
}
OUTCOME_MEANINGS = {
    "manager_recommended": "the share of people for whom the advice is the people-manager track",
    "target_above_current": (
        "the share of people whose advised target level on the recommended track is above the "
        "level they hold now (for someone changing track: above the grade they hold now)"
    ),
}
TESTS = {
    "chi-square": "chi-square test",
    "fisher-exact": "Fisher's exact test",
    "fisher-exact-monte-carlo": (
        f"Fisher's exact test (Fisher-Freeman-Halton, from {MONTE_CARLO_TABLES:,} random tables)"
    ),
}
SMALL_GROUP_REASON = (
    f"too few people to compare: fewer than {SMALL_GROUP} or under {MIN_SHARE:.0%} of those "
    "assessed"
)
NO_REFERENCE = (
    f"No group has at least {SMALL_GROUP} people and {MIN_SHARE:.0%} of those assessed, so no "
    "group is compared with another."
)


def readable_p(p: float | None) -> str:
    """A p-value as people read it: '< 0.001' below 0.001, else three decimals; a dash for none."""
    if p is None:
        return "–"
    return "< 0.001" if p < 0.001 else f"{p:.3f}"


def p_statement(p: float) -> str:
    """'p < 0.001' or 'p = 0.042': `readable_p` in a sentence."""
    written = readable_p(p)
    return f"p {written}" if written.startswith("<") else f"p = {written}"


def flagged_summary(report: dict[str, Any]) -> list[str]:
    """One sentence per flagged group and outcome, in the report's order.

    For example "gender = woman: manager track recommended at 0.62 of the rate of man (n = 40)".
    """
    sentences = []
    for entry in report["attributes"]:
        for outcome, cell in entry["outcomes"].items():
            described = OUTCOMES.get(outcome, outcome.replace("_", " "))
            for group in cell["groups"]:
                if not group["flagged"]:
                    continue
                sentences.append(
                    f"{entry['attribute']} = {group['group']}: {described} at "
                    f"{group['impact_ratio']:g} of the rate of {cell['reference_group']} "
                    f"(n = {group['n']})"
                )
    return sentences
