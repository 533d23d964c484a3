"""The fairness report in people's words: its outcomes, tests and thresholds, p-values as read.

Plain Python, no numpy or scipy, so HR's pages can word a stored report without loading the
statistics that computed it.
"""

from __future__ import annotations

from typing import Any

SMALL_GROUP = 30  # fewest people in a group that impact ratios may be computed for
MIN_SHARE = 0.02  # ... and the smallest share of everyone assessed
# Fewest people in a group whose outcomes may be shown. The rate of "manager track
# recommended" in a group of two tells each of them the other's advice, and anyone who knows
# who the two are, both; statistical disclosure control suppresses such small cells, and 5 is
# the threshold official statistics commonly use. A smaller group is still listed with its
# number of people, never with its rates, the count behind them, its impact ratio or p-value.
SMALLEST_SHOWN = 5
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
NOT_SHOWN = f"not shown: fewer than {SMALLEST_SHOWN} people, to protect them"
NOT_SHOWN_RULE = (
    f"The outcomes of a group of fewer than {SMALLEST_SHOWN} people are not shown, to protect "
    "them: a rate among so few tells who got which advice. Such a group is listed with its "
    "number of people, and is left out of the test across groups, which would otherwise let "
    "its outcomes be worked back."
)
TEST_WITHHELD = (
    f"The test across groups is not shown: it counted a group of fewer than {SMALLEST_SHOWN} "
    "people, whose outcomes could be worked back from it."
)
# what a group too small to show keeps none of
WITHHELD = ("count", "rate", "impact_ratio", "p_value")
NO_REFERENCE = (
    f"No group has at least {SMALL_GROUP} people and {MIN_SHARE:.0%} of those assessed, so no "
    "group is compared with another."
)


def shown_group(group: dict[str, Any]) -> dict[str, Any]:
    """A group as it may be shown: under `SMALLEST_SHOWN` people, its name and number of people
    only, marked `not_shown` (never flagged: such a group is never compared)."""
    if group["n"] >= SMALLEST_SHOWN:
        return group
    return {**group, **dict.fromkeys(WITHHELD), "flagged": False, "not_shown": True}


def shown_report(report: dict[str, Any] | None) -> dict[str, Any] | None:
    """A fairness report as it may be shown to anyone: every group under `SMALLEST_SHOWN`
    people without its outcomes (`shown_group`). Reports made since this rule already are;
    for one stored before it, an outcome's test across groups that counted such a group is
    withheld too (`test_withheld`), since its p-value could give the group's outcomes away."""
    if not report or "attributes" not in report:
        return report
    attributes = []
    for entry in report["attributes"]:
        outcomes = {}
        for outcome, stored in entry.get("outcomes", {}).items():
            groups = [shown_group(group) for group in stored.get("groups", [])]
            cell = {**stored, "groups": groups}
            made_before = "groups_not_shown" not in stored
            if made_before and any(group.get("not_shown") for group in groups):
                cell |= {"test": None, "p_value": None, "chi_square_p": None}
                cell["test_withheld"] = True
            outcomes[outcome] = cell
        attributes.append({**entry, "outcomes": outcomes})
    return {**report, "attributes": attributes}


def exposes_small_groups(report: dict[str, Any] | None) -> bool:
    """Whether a stored report still holds outcomes of a group of fewer than `SMALLEST_SHOWN`
    people (made before they were withheld), as a card written from it then would too."""
    for entry in (report or {}).get("attributes", []):
        for cell in entry.get("outcomes", {}).values():
            for group in cell.get("groups", []):
                small = group.get("n", SMALLEST_SHOWN) < SMALLEST_SHOWN
                if small and any(group.get(key) is not None for key in WITHHELD):
                    return True
    return False


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
