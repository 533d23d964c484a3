"""The fairness report in people's words: its outcomes, tests and thresholds, p-values as read.

Plain Python, no numpy or scipy, so HR's pages can word a stored report without loading the
statistics that computed it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from recommender.learn.recorded import is_count, is_number

SMALL_GROUP = 30  # fewest people in a group that may be the reference for impact ratios
MIN_SHARE = 0.02  # ... and the smallest share of everyone assessed
# A smaller group is flagged only when its gap to the reference is also this unlikely by chance
SMALL_GROUP_ALPHA = 0.05
IMPACT_RATIO_FLAG = 0.8  # the four-fifths rule: a group's rate under 0.8 of the reference's
MAX_RATIO = 1e6  # beyond this, a stored ratio range is not what trackfit writes: not shown
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
        "level they hold now (for someone changing track: above the grade they hold now), among "
        "the people below the top grade of the ladders: no target can be above it"
    ),
}
# Whom an outcome can happen to at all, where that is not everyone (`applies_to` of the
# report): nobody can be advised a target above the top of a ladder.
OUTCOME_APPLIES_TO = {
    "target_above_current": (
        "people below the top grade of the ladders (or whose grade is not known)",
        "at the top grade (no target can be above the level they hold)",
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
    f"fewer than {SMALL_GROUP} people or under {MIN_SHARE:.0%} of those assessed: never the "
    f"reference, and flagged only where Fisher's p against the reference is also under "
    f"{SMALL_GROUP_ALPHA:g}, since so few people's rate can fall under four fifths by chance"
)
SMALL_GROUP_MARK = (
    f"small group: flagged only where the ratio is under {IMPACT_RATIO_FLAG:g} and p < "
    f"{SMALL_GROUP_ALPHA:g}"
)
# beside a flag on a group big enough to compare whose gap Fisher's test cannot tell from chance:
# the four-fifths rule still flags it (the practical size of the gap), and HR reads both
CHANCE_MARK = (
    f"though p ≥ {SMALL_GROUP_ALPHA:g}: a gap this size among these people could be chance; "
    "look again with more people before acting on it"
)
# as reports made before small groups had ratios (no "small_group_alpha") explain them
SMALL_GROUP_NOT_COMPARED = (
    f"too few people to compare: fewer than {SMALL_GROUP} or under {MIN_SHARE:.0%} of those "
    "assessed"
)
NOT_SHOWN = f"not shown: fewer than {SMALLEST_SHOWN} people, to protect them"
SET_ASIDE_AMONG_COUNTED = "set_aside_among_counted"
WITHHELD_REASONS = {
    "few": NOT_SHOWN,
    "set_aside": f"not shown: fewer than {SMALLEST_SHOWN} people, left out of every table",
    # of an outcome counted among some people (`applies_to`): its own tables only
    SET_ASIDE_AMONG_COUNTED: (
        "not shown: too few of them among the people counted here, left out of this table's counts"
    ),
    "complement": "not shown: it would let a smaller group be worked out",
    "made_before": "not shown: see above",
}
WITHHELD_WHOLE = (
    f"This report was made before groups of fewer than {SMALLEST_SHOWN} people were left out "
    "of every table, and it has such a group: the totals of its other tables, less the groups "
    "shown, would give that group's outcomes away. So no group's outcomes are shown, only its "
    "number of people and whether it was flagged. The fairness report of a candidate trained "
    "now on the same people gives this version's figures, with small groups protected."
)
NOT_SHOWN_RULE = (
    f"The outcomes of a group of fewer than {SMALLEST_SHOWN} people are not shown, to protect "
    "them: a rate among so few tells who got which advice. Such a group is listed with its "
    f"number of people only. One of fewer than {SMALLEST_SHOWN} on a single attribute (those "
    "for whom it is unknown included) is left out of every table, since another table's total "
    "less the groups shown would be theirs. In a table of two attributes, where a row, a column "
    "or the whole table would still give a small cell away by subtraction, another cell of it "
    "(a bigger group) is withheld too; and any few people whom sums and differences of the "
    "numbers shown would still single out are left out of every table. Groups not shown are "
    "left out of the test across groups. A group shown with a rate of 0% or 100% tells, of "
    "course, the outcome of everyone in it."
)
TEST_WITHHELD = (
    f"The test across groups is not shown: it counted a group of fewer than {SMALLEST_SHOWN} "
    "people, whose outcomes could be worked back from it."
)
# what a group too small to show keeps none of
WITHHELD = (
    "count",
    "rate",
    "impact_ratio",
    "impact_ratio_interval",
    "ratio_undefined",
    "p_value",
    "p_adjusted",
)
NO_REFERENCE = (
    f"No group has at least {SMALL_GROUP} people and {MIN_SHARE:.0%} of those assessed, so no "
    "group is compared with another."
)


REFERENCE_WITHHELD = (
    f"Every group big enough to compare against is withheld here, to protect a group of fewer "
    f"than {SMALLEST_SHOWN} people, so no group is compared with another."
)


def shown_group(group: dict[str, Any]) -> dict[str, Any]:
    """A group as it may be shown: under `SMALLEST_SHOWN` people, its name and number of people
    only, marked `not_shown` (never flagged: such a group is never compared)."""
    if group["n"] >= SMALLEST_SHOWN:
        return group
    return {**group, **dict.fromkeys(WITHHELD), "flagged": False, "not_shown": True}


def _ratios_over_nothing(groups: list[dict[str, Any]], reference: Any) -> list[dict[str, Any]]:
    """A report stored before `ratio_undefined` gave a group with some selected beside a
    reference that selected nobody a ratio of 1.0: read as the report made now has it."""
    counts = {group.get("group"): group.get("count") for group in groups}
    if reference is None or counts.get(reference) != 0:
        return groups
    return [
        group | {"impact_ratio": None, "ratio_undefined": True}
        if "ratio_undefined" not in group
        and group.get("group") != reference
        and is_count(group.get("count"))
        and group["count"] > 0
        else group
        for group in groups
    ]


def shown_report(report: dict[str, Any] | None) -> dict[str, Any] | None:
    """A fairness report as it may be shown to anyone. Reports made since small groups are set
    aside from every table (`set_aside`) already are. One stored before that, with a group
    under `SMALLEST_SHOWN` people anywhere, is shown with no group's outcomes at all
    (`withheld_whole`): its other tables' totals, less the groups shown, would give the small
    group's away, and the people who could tell which cells to withhold are not in it. Its
    flags stay marked. Older still, an outcome's test across groups that counted such a
    group is withheld too (`test_withheld`)."""
    if not report or "attributes" not in report:
        return report
    whole = "set_aside" not in report and _has_small_group(report)
    attributes, not_shown = [], set()
    for entry in report["attributes"]:
        outcomes = {}
        for outcome, stored in entry.get("outcomes", {}).items():
            if whole:
                groups = [_withheld_before(group) for group in stored.get("groups", [])]
            else:
                groups = [shown_group(group) for group in stored.get("groups", [])]
                groups = _ratios_over_nothing(groups, stored.get("reference_group"))
            cell = {**stored, "groups": groups}
            made_before = "groups_not_shown" not in stored
            if whole or (made_before and any(group.get("not_shown") for group in groups)):
                cell |= {"test": None, "p_value": None, "chi_square_p": None}
                cell["test_withheld"] = True
            outcomes[outcome] = cell
            not_shown.update(
                (entry.get("attribute"), outcome, group.get("group"))
                for group in groups
                if group.get("not_shown")
            )
        attributes.append({**entry, "outcomes": outcomes})
    # a flag keeps its group's name, never the figures the tables withhold
    flagged = [
        {**flag, **dict.fromkeys(key for key in WITHHELD if key in flag)}
        if (flag.get("attribute"), flag.get("outcome"), flag.get("group")) in not_shown
        else flag
        for flag in report.get("flagged", [])
        if isinstance(flag, dict)
    ]
    shown = {**report, "attributes": attributes}
    if "flagged" in report:
        shown["flagged"] = flagged
    return shown | ({"withheld_whole": True} if whole else {})


def _has_small_group(report: dict[str, Any]) -> bool:
    return any(
        group.get("n", SMALLEST_SHOWN) < SMALLEST_SHOWN
        for entry in report.get("attributes", [])
        for cell in entry.get("outcomes", {}).values()
        for group in cell.get("groups", [])
    )


def _withheld_before(group: dict[str, Any]) -> dict[str, Any]:
    """A group of a report withheld whole: its name, people and flag only."""
    reason = "few" if group.get("n", 0) < SMALLEST_SHOWN else "made_before"
    flagged = bool(group.get("flagged")) and group.get("n", 0) >= SMALLEST_SHOWN
    return {**group, **dict.fromkeys(WITHHELD), "flagged": flagged, "not_shown": True,
            "withheld": reason}  # fmt: skip


def counted_among(outcome: str, cell: dict[str, Any]) -> str:
    """Whom an outcome's rates count, when not everyone assessed (its cell has `counted`):
    "Counted among the 300 people below the top of …; the 100 at the top … are left out",
    and how many of those its own tables leave out to protect a small group among them."""
    if "not_counted" not in cell:
        return ""
    among, rest = OUTCOME_APPLIES_TO.get(outcome, ("people it can happen to", "others"))
    counted, left_out = cell["counted"], cell["not_counted"]
    kept_back = cell.get("set_aside_among_counted")
    kept_back = kept_back if is_count(kept_back) else 0
    return (
        f"Counted among the {counted:,} {among}"
        + (
            f"; the {left_out:,} {rest} {'is' if left_out == 1 else 'are'} left out"
            if left_out
            else ""
        )
        + (
            f"; of the {counted:,}, {kept_back:,} {'is' if kept_back == 1 else 'are'} left out "
            "of these counts too (in a group too small to show among them, or kept back with "
            "one)"
            if kept_back
            else ""
        )
        + "."
        + _none_counted(cell.get("none_counted"))
    )


def _none_counted(groups: Any) -> str:
    """The groups of an attribute with nobody among those counted, which the table has no row
    for: " No one in 50 and over is among them, so it has no row here." ("" for none, and for
    a report made before they were named)."""
    if not isinstance(groups, list) or not groups:
        return ""
    names = [str(group) for group in groups]
    listed = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"
    they = "it has" if len(names) == 1 else "they have"
    return f" No one in {listed} is among them, so {they} no row here."


def withheld_reason(group: dict[str, Any]) -> str:
    """Why a group's outcomes are not shown (a report made before the reasons: too few)."""
    if group.get("withheld") == "set_aside" and group.get("n", 0) >= SMALLEST_SHOWN:
        return (
            f"not shown: fewer than {SMALLEST_SHOWN} once a smaller group's people are out; left "
            "out of every table"
        )
    return WITHHELD_REASONS.get(group.get("withheld") or "few", NOT_SHOWN)


def people_set_aside(entry: dict[str, Any]) -> str:
    """How many of an attribute's people the tables leave out, as a clause ('' for none)."""
    count = (entry.get("set_aside") or 0) + (entry.get("unknown_set_aside") or 0)
    if not count:
        return ""
    return (
        f"{count} {'person' if count == 1 else 'people'} left out of every count (in a group "
        f"too small to show, on this or another attribute, or kept back with one)"
    )


def exposes_small_groups(report: dict[str, Any] | None) -> bool:
    """Whether a stored report holds outcomes that would give away a group of fewer than
    `SMALLEST_SHOWN` people: the group's own (made before they were withheld), or, made
    before such groups were set aside from every table, the other groups' beside it. A card
    written from it would hold them too."""
    report = report or {}
    if "set_aside" not in report and _has_small_group(report):
        return any(
            any(group.get(key) is not None for key in WITHHELD)
            for entry in report.get("attributes", [])
            for cell in entry.get("outcomes", {}).values()
            for group in cell.get("groups", [])
        )
    return False


def fairness_checked(report: dict[str, Any] | None) -> bool:
    """Whether the report compared any groups at all: some outcome of some attribute has a
    reference group and another group shown beside it. A report of attributes that are all
    unknown, or that each have one group, checked nothing, and must not read as a pass."""
    return any(
        cell.get("reference_group") is not None
        and sum(1 for group in cell.get("groups", []) if not group.get("not_shown")) >= 2
        for entry in (report or {}).get("attributes", [])
        for cell in entry.get("outcomes", {}).values()
    )


NOTHING_CHECKED = (
    "No fairness check was possible: no sensitive attribute had two groups big enough to "
    "compare (every value unknown, one group only, or every group too small). This is not a "
    "pass: supply sensitive columns with known values to have the advice checked."
)


def likely_ratio(group: dict[str, Any]) -> str:
    """'likely 0.44 to 0.81': the 90% range of a group's impact ratio, where the report gives
    one that makes sense (finite, from 0 up, holding the ratio); '' otherwise, as for the
    reference and for reports made before ranges were given."""
    ratio, interval = group.get("impact_ratio"), group.get("impact_ratio_interval")
    if not (is_number(ratio) and isinstance(interval, list | tuple) and len(interval) == 2):
        return ""
    low, high = interval
    if not (is_number(low) and is_number(high) and 0 <= low <= ratio <= high < MAX_RATIO):
        return ""
    return f"likely {_ratio_text(low)} to {_ratio_text(high)}"


def ratio_said(ratio: float | None) -> str:
    """A group's impact ratio as read beside its range: two decimals, as the range's ends have
    (0.9545 read 0.9545 beside "likely 0.73 to 1.24"), more where two would round it onto the
    four-fifths line a flag is decided by (0.7996 is not "0.80" beside "flagged under 0.8");
    a dash for none."""
    if not is_number(ratio):
        return "–"
    if round(ratio, 2) == IMPACT_RATIO_FLAG and ratio != IMPACT_RATIO_FLAG:
        return f"{ratio:.4f}"
    return _ratio_text(ratio)


# a group with some selected beside a reference that selected nobody: its rate over 0
UNDEFINED_RATIO = "not defined: the reference's rate is 0%"


def group_ratio_said(group: dict[str, Any]) -> str:
    """A group's impact ratio as read (`ratio_said`), or that it has none where the reference
    selected nobody and this group some (no number, 1.00 least of all)."""
    if group.get("ratio_undefined"):
        return UNDEFINED_RATIO
    return ratio_said(group.get("impact_ratio"))


def _ratio_text(value: float) -> str:
    """A ratio's end as read: two decimals, or two significant digits when that would show
    a small one as 0.00."""
    return f"{value:.2f}" if value == 0 or value >= 0.01 else f"{value:.2g}"


def readable_p(p: float | None) -> str:
    """A p-value as people read it: '< 0.001' below 0.001, else three decimals, more where
    three would round it onto the threshold a flag is decided by (0.04957 is not "0.050" beside
    "flagged only where p < 0.05"); a dash for none."""
    if p is None:
        return "–"
    if p < 0.001:
        return "< 0.001"
    digits = 3
    while float(f"{p:.{digits}f}") == SMALL_GROUP_ALPHA != p and digits < 12:
        digits += 1
    return f"{p:.{digits}f}"


def p_statement(p: float) -> str:
    """'p < 0.001' or 'p = 0.042': `readable_p` in a sentence."""
    written = readable_p(p)
    return f"p {written}" if written.startswith("<") else f"p = {written}"


def _own_flags(report: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The report's flags, less those a table of the same people repeats (`same_as`): an
    intersection with an attribute everyone shares flags the same people again."""
    return [f for f in (report or {}).get("flagged", []) if not f.get("same_as")]


def flagged_groups(report: dict[str, Any] | None) -> int:
    """How many groups the report flags: a group flagged on both outcomes is one group, and
    so is a group a table of the same people repeats."""
    return len({(f.get("attribute"), f.get("group")) for f in _own_flags(report)})


def flagged_groups_said(report: dict[str, Any] | None) -> str:
    """ "3 flagged groups", and how many flags when some group is flagged on more than one
    outcome ("3 flagged groups (5 flags: a group may be flagged on each outcome)"), and how many
    rows of the tables repeat them."""
    groups, flags = flagged_groups(report), len(_own_flags(report))
    said = f"{groups} flagged group{'' if groups == 1 else 's'}"
    if flags > groups:
        said += f" ({flags} flags: a group may be flagged on each outcome)"
    repeated = len((report or {}).get("flagged", [])) - flags
    if repeated:
        said += (
            f"; {repeated} more flag{' repeats' if repeated == 1 else 's repeat'} "
            f"{'it' if flags == 1 else 'them'} in a table of the same people"
        )
    return said


def flags_maybe_chance(report: dict[str, Any] | None) -> str:
    """How many of the report's flags could be chance among so few people: a ratio under the
    flag whose p, adjusted for the report's many comparisons, is SMALL_GROUP_ALPHA or more
    ("2 of the 3 flags could be chance among these people (adjusted p 0.05 or more)"); ''
    when none could."""
    own = _own_flags(report)
    chance = [
        f for f in own if is_number(f.get("p_adjusted")) and f["p_adjusted"] >= SMALL_GROUP_ALPHA
    ]
    if not chance:
        return ""
    if len(own) == 1:
        which = "the flag"
    elif len(chance) == len(own):
        which = "both flags" if len(own) == 2 else f"all {len(own)} flags"
    else:
        which = f"{len(chance)} of the {len(own)} flags"
    return f"{which} could be chance among these people (adjusted p {SMALL_GROUP_ALPHA:g} or more)"


def chance_mark(group: dict[str, Any], comparisons: dict[str, Any] | None = None) -> str:
    """Beside a shown, flagged group: CHANCE_MARK when it is big enough to compare and its p
    against the reference is SMALL_GROUP_ALPHA or more (a small group is flagged only under
    that p already); else, when its p is under SMALL_GROUP_ALPHA but no longer once adjusted
    for the report's `comparisons`, that among so many comparisons it could be chance. Else
    nothing."""
    p_value, adjusted = group.get("p_value"), group.get("p_adjusted")
    if not group.get("flagged") or group.get("not_shown") or not is_number(p_value):
        return ""
    if p_value >= SMALL_GROUP_ALPHA:
        return "" if group.get("small_group") else CHANCE_MARK
    count = _comparison_count(comparisons)
    if count and is_number(adjusted) and adjusted >= SMALL_GROUP_ALPHA:
        return (
            f"though among the report's {count:,} comparisons a p this small could be chance "
            f"(adjusted {p_statement(adjusted)}); look again with more people before acting "
            "on it"
        )
    return ""


def adjusted_p_said(group: dict[str, Any], comparisons: dict[str, Any] | None) -> str:
    """'adjusted 0.190': a group's p adjusted for the report's comparisons, where there were
    at least two (one comparison is its own adjustment); '' otherwise."""
    adjusted = group.get("p_adjusted")
    if not _comparison_count(comparisons) or not is_number(adjusted):
        return ""
    return f"adjusted {readable_p(adjusted)}"


def comparisons_said(report: dict[str, Any] | None) -> str:
    """How many comparisons of a group with its reference the report made, how many of
    their p-values chance alone could put under SMALL_GROUP_ALPHA, and how many are under it,
    before and after the adjustment for many comparisons; nothing for a report made before
    it, or of fewer than two comparisons."""
    comparisons = (report or {}).get("comparisons")
    count = _comparison_count(comparisons)
    if not count:
        return ""
    alpha = SMALL_GROUP_ALPHA
    rows = comparisons.get("rows")
    repeated = ""
    if is_count(rows) and rows > count:
        repeated = (
            f" (its tables show {rows:,}: a table that repeats another, the same people "
            "compared the same way, counts once)"
        )
    said = (
        f"This report makes {count:,} comparisons of a group with its reference{repeated}. "
        f"Even if no group differed, up to 1 in {round(1 / alpha)} such p-values would fall "
        f"under {alpha:g} by chance alone"
    )
    if count * alpha >= 1:
        said += f" (up to about {round(count * alpha, 1):g} of these {count:,})"
    raw, adjusted = comparisons.get("under_alpha"), comparisons.get("under_alpha_adjusted")
    if not (is_count(raw) and is_count(adjusted) and adjusted <= raw <= count):
        return said + "."
    if raw == 0:
        return said + "; none does."
    still = (
        "none still does"
        if adjusted == 0
        else f"{adjusted:,} still {'does' if adjusted == 1 else 'do'}"
    )
    return said + (
        f"; {raw:,} {'does' if raw == 1 else 'do'}, and {still} once each p is adjusted for "
        f"the {count:,} comparisons (Benjamini–Hochberg; each group's adjusted p is given with "
        "its p)."
    )


def _comparison_count(comparisons: object) -> int:
    """How many comparisons a report's `comparisons` counts, when at least two; else 0."""
    if not isinstance(comparisons, dict) or not is_count(comparisons.get("count")):
        return 0
    return comparisons["count"] if comparisons["count"] >= 2 else 0


# Calibration by group (`recommender.learn.group_calibration`), in words
CALIBRATION_MARGIN = 0.05  # the gap, in probability, from which a group is flagged
CALIBRATION_RULE = (
    "Whether the model's chances hold for each group, of each attribute and of each pair of "
    "them (a model can be right about women and about people over 50, and wrong about women "
    "over 50). Among the people who took each track: "
    "the share of each group who succeeded (with the 90% range of a rate seen among that many "
    "people) beside the mean chance the model gave them, each chance from a model that did not "
    "learn from that person (cross-fitting). Only groups of at least "
    f"{SMALL_GROUP} people on a track are judged; people in smaller groups are counted, not "
    "named. A group is flagged where the model's chances run at least "
    f"{round(100 * CALIBRATION_MARGIN)} points high or low for it and, compared with the rest "
    f"of its track, the gap is unlikely to be chance: p under {SMALL_GROUP_ALPHA:g} once "
    "adjusted for every group and track judged (Benjamini–Hochberg). A model whose chances run "
    "high for a group advises its people toward a track more often than their record there "
    "supports; one that runs low for a group runs high for the others."
)


def shown_points(group: dict[str, Any]) -> int:
    """The gap as a reader works it out from the two percentages shown beside it (succeeded
    48%, the model said 61%: -13), not from the figures before rounding (-12.4 would say -12
    beside them)."""
    return round(100 * group["observed"]) - round(100 * group["predicted"])


def calibration_gap(group: dict[str, Any]) -> str:
    """The share who succeeded less the model's mean chance, in points of percentage as the
    percentages shown give it (`shown_points`), signed ("-14 points"), and for a flagged group
    which way the model errs ("-14 points: chances run high")."""
    points = shown_points(group)
    unit = "point" if abs(points) == 1 else "points"
    said = f"{points:+d} {unit}".replace("-", "\u2212") if points else "0 points"
    if group["flagged"]:
        said += f": chances run {_which_way(group)}"
    return said


def calibration_attribute(entry: dict[str, Any]) -> str:
    """An attribute of a calibration report as its unknowns are named: "gender", or for an
    intersection its parts, "gender or age_band" (either one not known)."""
    parts = entry.get("parts")
    if isinstance(parts, list) and parts and all(isinstance(part, str) for part in parts):
        return " or ".join(parts)
    return str(entry["attribute"])


def _which_way(group: dict[str, Any]) -> str:
    """'high' where the model said more than the group achieved, else 'low'."""
    return "high" if group["difference"] < 0 else "low"


def calibration_flags_said(report: dict[str, Any], titles: dict[str, str] | None = None) -> str:
    """The report's headline: how many groups were judged (and how many of them could not be
    tested), and each flag in words, each track called by its title in `titles` (lower case)
    where given, else by its id."""
    titles = titles or {}
    judged = [
        (entry["attribute"], track, group)
        for entry in report["attributes"]
        for track, cell in entry["tracks"].items()
        for group in cell["groups"]
    ]
    if not judged:
        held = _held_back(report)
        if held:
            return (
                f"No group's calibration could be judged: {_groups(held)} of {SMALL_GROUP} "
                f"people or more on a track {'was' if held == 1 else 'were'} {HELD_BACK}, "
                "and the others were smaller."
            )
        return (
            f"No group had {SMALL_GROUP} people or more on a track, so no group's calibration "
            "could be judged."
        )
    flagged = [(a, t, g) for a, t, g in judged if g["flagged"]]
    groups = f"{_groups(len(judged))} judged across tracks"
    untested = _untested(report)
    if untested:
        groups += f", {len(untested):,} of them not tested: {_why_untested(untested)}"
    held = _held_back(report)
    if held:  # big enough, and still not judged: said, not hidden behind the count
        groups += (
            f"; {_groups(held)} of {SMALL_GROUP} people or more on a track "
            f"{'was' if held == 1 else 'were'} {HELD_BACK}"
        )
    if not flagged:
        return (
            f"No gap shown ({groups}). That is not proof that none exists: groups under "
            f"{SMALL_GROUP} people are not judged, and in a small group a real gap can go "
            "unseen."
        )
    said = "; ".join(
        f"{group['group']} ({attribute}) on the {titles.get(track, track).lower()} track, "
        f"whose chances run {_which_way(group)} (succeeded "
        f"{round(100 * group['observed'])}%, the model said {round(100 * group['predicted'])}%)"
        for attribute, track, group in flagged
    )
    return f"{len(flagged):,} flagged ({groups}): {said}."


def calibration_not_judged(cell: dict[str, Any], attribute: str = "the attribute") -> str:
    """Who on one track was not judged, and why, the people whose `attribute` (its name, or
    its parts joined by "or") is not known included, so that the figures add up to the
    track's people; empty when everyone was judged."""
    said = [
        f"{group['group']} ({group['people']:,} people, left unjudged so that no sum or "
        f"difference of the figures shown gives away the successes of fewer than "
        f"{SMALLEST_SHOWN} people)"
        for group in cell["not_judged"]
    ]
    smaller = cell.get("in_smaller_groups", 0)
    if smaller:
        said.append(
            f"{smaller:,} {'person' if smaller == 1 else 'people'} in groups of fewer than "
            f"{SMALL_GROUP}, not named"
        )
    counted = sum(group["people"] for group in [*cell["groups"], *cell["not_judged"]])
    unknown = cell["people"] - counted - smaller
    if unknown > 0:  # the caption's total less every figure shown: nothing it did not give
        said.append(
            f"{unknown:,} {'person' if unknown == 1 else 'people'} whose {attribute} is not known"
        )
    return f"Not judged: {'; '.join(said)}." if said else ""


def calibration_flagged(report: object) -> int:
    """How many groups a stored calibration report flags (its groups' own flags, which the
    page shows); 0 for none or a report that does not read (`calibration_readable`)."""
    if not calibration_readable(report):
        return 0
    return sum(group["flagged"] for group in _calibration_groups(report))


def calibration_readable(report: object) -> bool:
    """Whether a stored calibration report has the shape trackfit writes, every figure in its
    range, so that it can be shown and its flags counted (a hand-edited one may not)."""
    if not isinstance(report, dict) or not is_count(report.get("smallest_judged")):
        return False
    attributes = report.get("attributes")
    return isinstance(attributes, list) and all(
        isinstance(entry, dict)
        and isinstance(entry.get("attribute"), str)
        and isinstance(entry.get("tracks"), dict)
        and all(
            isinstance(track, str) and _readable_cell(cell)
            for track, cell in entry["tracks"].items()
        )
        for entry in attributes
    )


def _readable_cell(cell: object) -> bool:
    return (
        isinstance(cell, dict)
        and is_count(cell.get("people"))
        and is_count(cell.get("in_smaller_groups"))
        and isinstance(cell.get("groups"), list)
        and all(_readable_group(group) for group in cell["groups"])
        and isinstance(cell.get("not_judged"), list)
        and all(
            isinstance(group, dict)
            and isinstance(group.get("group"), str)
            and is_count(group.get("people"))
            for group in cell["not_judged"]
        )
    )


def _readable_group(group: object) -> bool:
    if not isinstance(group, dict):
        return False
    interval = group.get("observed_interval")
    return (
        isinstance(group.get("group"), str)
        and is_count(group.get("people"))
        and all(_share(group.get(key)) for key in ("observed", "predicted"))
        and is_number(group.get("difference"))
        and -1 <= group["difference"] <= 1
        and isinstance(interval, list)
        and len(interval) == 2
        and all(_share(value) for value in interval)
        and all(group.get(key) is None or _share(group[key]) for key in ("p_value", "p_adjusted"))
        and isinstance(group.get("flagged"), bool)
    )


def _share(value: object) -> bool:
    return is_number(value) and 0 <= value <= 1


def calibration_report(manifest: dict[str, Any]) -> object:
    """A version's stored calibration report as found (None when there is none)."""
    holdout = manifest.get("holdout")
    return holdout.get("calibration_by_group") if isinstance(holdout, dict) else None


def calibration_in_brief(manifest: dict[str, Any]) -> str | None:
    """A version's calibration by group in a few words, as the models lists show it; None
    for a version trained with no sensitive data (nothing to say)."""
    report = calibration_report(manifest)
    if report is None:
        return "not measured" if manifest.get("sensitive_columns") else None
    if not calibration_readable(report):
        return CALIBRATION_UNREADABLE
    groups = list(_calibration_groups(report))
    flagged = sum(group["flagged"] for group in groups)
    untested = _untested(report)
    held = _held_back(report)
    # big groups left unjudged are said wherever some were judged, not hidden by the count
    unjudged = f"{_groups(held)} of {SMALL_GROUP} or more left unjudged to protect others"
    besides = f"; {unjudged}" if held else ""
    if flagged:
        return f"chances run high or low for {_groups(flagged)}" + (
            f" ({unjudged})" if held else ""
        )
    tested = len(groups) - len(untested)
    if tested:
        more = f", {len(untested):,} not: {_why_untested(untested)}" if untested else ""
        return f"no gap shown ({_groups(tested)} tested{more}{besides})"
    if groups:
        alone = sum(_alone(cell, group) for cell, group in untested)
        if not alone:
            why = f"{TOO_FEW_EXPECTED} in each of the {_groups(len(groups))} judged"
        elif alone == len(groups):
            each = "the" if alone == 1 else "each of the"
            why = f"{each} {_groups(alone)} judged is everyone on its track, with {ALONE}"
        else:
            why = f"of the {_groups(len(groups))} judged, {_why_untested(untested)}"
        return f"not tested: {why}{besides}"
    if held:
        return f"no group judged: {_groups(held)} of {SMALL_GROUP} or more {HELD_BACK}"
    return f"no group of {SMALL_GROUP} or more to judge"


CALIBRATION_UNREADABLE = "cannot be read: the report is not in the shape trackfit writes"
TOO_FEW_EXPECTED = "too few expected successes or failures for the test to hold"
# A group that is everyone who took its track has no rest of the track to be tested against
# (and its gap is nil by construction: cross-fitting keeps each track's success rate).
ALONE = "no one else on its track to compare it with"
HELD_BACK = (
    f"left unjudged so that no sum or difference of the figures shown gives away the "
    f"successes of fewer than {SMALLEST_SHOWN} people"
)


def _untested(report: dict[str, Any]) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """Every judged group of a readable report that was not tested, with its track's cell."""
    return [
        (cell, group)
        for entry in report["attributes"]
        for cell in entry["tracks"].values()
        for group in cell["groups"]
        if group["p_value"] is None
    ]


def _alone(cell: dict[str, Any], group: dict[str, Any]) -> bool:
    """Whether a judged group is everyone who took its track (no one to test it against)."""
    return group["people"] == cell["people"]


def _why_untested(untested: list[tuple[dict[str, Any], dict[str, Any]]]) -> str:
    """Why these judged groups were not tested: each is everyone on its track, or too few
    expected successes or failures (in it or in the rest of its track) for the test to hold."""
    alone = sum(_alone(cell, group) for cell, group in untested)
    if not alone:
        return TOO_FEW_EXPECTED
    if alone == len(untested):
        return f"{'it is' if alone == 1 else 'each is'} everyone on its track, with {ALONE}"
    few = len(untested) - alone
    return (
        f"{alone:,} {'is' if alone == 1 else 'are each'} everyone on its track, with {ALONE}; "
        f"{few:,} had {TOO_FEW_EXPECTED}"
    )


def _groups(count: int) -> str:
    return f"{count:,} group{'' if count == 1 else 's'}"


def _held_back(report: dict[str, Any]) -> int:
    """How many groups of a readable report were big enough but left unjudged, across
    attributes and tracks."""
    return sum(
        len(cell["not_judged"])
        for entry in report["attributes"]
        for cell in entry["tracks"].values()
    )


def _calibration_groups(report: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every judged group of a readable report, across attributes and tracks."""
    for entry in report["attributes"]:
        for cell in entry["tracks"].values():
            yield from cell["groups"]
