"""Calibration by group: whether the model's chances of success hold for each group of a
sensitive attribute, or run high (or low) for one of them.

The fairness report compares how often each group is *advised* something. A model can pass it
and still be wrong about a group: if people of one group succeed as managers less often than
the model says people like them do (say the history it learnt from held them back in ways the
answers do not show), every chance it gives them is too high, and the advice with it. So,
for every sensitive attribute and every intersection of two of them (as the fairness report
has: a model can be right about women and about people over 50 and wrong about women over
50), and every track, among the people who took that track: each
group's observed success rate (with its 90% Wilson range) beside the mean chance the model gave
them, from chances cross-fitted so that nobody's own outcome shaped the chance judged against
it.

Whether a gap is more than chance is tested against the rest of the track: S = sum(y - p) and
V = sum p(1 - p) for the group (g) and the others (r), z = (S_g / V_g - S_r / V_r) /
sqrt(1 / V_g + 1 / V_r), normal in large groups. Against the rest, because cross-fitting's
folds keep each track's success rate, so the chances of a track add up to its successes: a
group's excess is then its contrast with the others (tested against zero instead, its spread
would be overstated, and a real gap missed). A group, or the rest, with fewer than
`MIN_EXPECTED` expected successes or failures is not tested: there the normal approximation
fails and two people could make a flag. The p-values of every group and track are adjusted
together (Benjamini-Hochberg, as the fairness report's are). A group is flagged when its
adjusted p is under `ALPHA` and the gap, as the percentages shown give it (`shown_points`),
is at least `MARGIN`.

Only groups of at least `SMALL_GROUP` people on the track are judged; the people in smaller
groups are counted, never named (the fairness report never shows a group under 5 at all, nor
which track its people took). The numbers shown (each judged group's successes, to the
rounding, and each track's success rate on the card) must not give away the successes of
fewer than `SMALLEST_SHOWN` people by any sum and difference, across attributes too: the
fairness report's audit (`given_away`) checks that, and a judged group that lets it is left
unjudged, saying why. Sensitive attributes are read here, never as features.
"""

from __future__ import annotations

from itertools import combinations
from typing import Any

import numpy as np
from scipy.stats import false_discovery_control, norm

from recommender.learn.fairness import (
    JOIN,
    MIN_EXPECTED,
    given_away,
    group_codes,
    intersection_codes,
    rounded_p,
)
from recommender.learn.fairness_wording import (
    CALIBRATION_MARGIN,
    SMALL_GROUP,
    SMALL_GROUP_ALPHA,
    SMALLEST_SHOWN,
    shown_points,
)
from recommender.learn.observed_rates import observed_range
from recommender.pack.framework import TRACK_IDS

ALPHA = SMALL_GROUP_ALPHA  # an adjusted p under this, with a gap of at least MARGIN, is flagged
MARGIN = CALIBRATION_MARGIN  # the smallest gap between observed and predicted success to flag


def calibration_by_group(
    p_success: dict[str, np.ndarray],
    track_taken: np.ndarray,
    success: np.ndarray,
    sensitive: dict[str, np.ndarray],
    *,
    max_intersection: int = 2,
) -> dict[str, Any] | None:
    """Per sensitive attribute (then per intersection of 2..`max_intersection` of them, named
    as the fairness report names it) and track, each group's observed success beside the model's
    mean chance for it (chances cross-fitted: from models that did not learn from the person),
    with the test and flag described above; None when no sensitive column was given. All
    arrays are over the same people; JSON-serialisable. A chance that is not a number from 0
    to 1 is a bug upstream, raised (ValueError) rather than written into a report."""
    if not sensitive:
        return None
    chances = {track: np.asarray(p_success[track], float) for track in TRACK_IDS}
    for track, chance in chances.items():
        wrong = np.flatnonzero(~((chance >= 0) & (chance <= 1)))  # NaN fails both
        if wrong.size:
            raise ValueError(
                f"calibration by group: {wrong.size} {track} chance(s) are not numbers from 0 "
                f"to 1, the first {chance[wrong[0]]!r} at person {wrong[0]}"
            )
    people = len(success)
    success = np.asarray(success, dtype=bool)
    encoded = {name: group_codes(name, values, people) for name, values in sensitive.items()}
    parts = {name: [name] for name in encoded}
    for size in range(2, min(max_intersection, len(sensitive)) + 1):
        for combination in combinations(sensitive, size):
            name = JOIN.join(combination)
            if name not in encoded:  # a column named like the intersection is read as itself
                columns = [encoded[part] for part in combination]
                encoded[name], parts[name] = intersection_codes(columns, people), list(combination)
    cells = {name: {} for name in encoded}
    for track in TRACK_IDS:
        on = track_taken == track
        chance = chances[track][on]
        codes = {name: column[on] for name, (_, column) in encoded.items()}
        judged = _judged(encoded, codes)
        for name, (labels, _) in encoded.items():
            cells[name][track] = _cell(labels, codes[name], judged[name], success[on], chance)
    attributes = [
        {"attribute": name, "parts": parts[name], "tracks": tracks}
        for name, tracks in cells.items()
    ]
    _adjust(
        [group for entry in attributes for c in entry["tracks"].values() for group in c["groups"]]
    )
    return {
        "method": (
            "observed success on the track taken beside the mean cross-fitted chance; each "
            "group against the rest of its track, z = (S_g / V_g - S_r / V_r) / sqrt(1 / V_g + "
            "1 / V_r) with S = sum(y - p), V = sum p(1 - p); Benjamini-Hochberg over every group "
            "of every attribute and intersection, and track"
        ),
        "alpha": ALPHA,
        "margin": MARGIN,
        "smallest_judged": SMALL_GROUP,
        "attributes": attributes,
        "flagged": [
            {"attribute": entry["attribute"], "track": track, "group": group["group"]}
            for entry in attributes
            for track, cell in entry["tracks"].items()
            for group in cell["groups"]
            if group["flagged"]
        ],
    }


def _judged(
    encoded: dict[str, tuple[list[str], np.ndarray]], codes: dict[str, np.ndarray]
) -> dict[str, list[int]]:
    """Per attribute, the groups of one track's people that are judged: at least SMALL_GROUP
    people; the rest of the track (smaller groups, unknowns) none or at least SMALLEST_SHOWN;
    and no set of fewer than SMALLEST_SHOWN people whose successes some sum and difference of
    the judged groups' (and the track's total) would give, across attributes too. A group
    whose removal mends that is left unjudged, the one holding the most such people first."""
    judged = {}
    for name, (labels, _) in encoded.items():
        column = codes[name]
        sizes = np.bincount(column[column >= 0], minlength=len(labels))
        chosen = [g for g in range(len(labels)) if sizes[g] >= SMALL_GROUP]
        while chosen and 0 < column.size - sizes[chosen].sum() < SMALLEST_SHOWN:
            chosen.remove(min(chosen, key=lambda g: (sizes[g], labels[g])))
        judged[name] = chosen
    while True:
        leaking = _leaking(codes, judged)
        if not leaking.any():
            return judged
        name, group = max(
            ((n, g) for n, chosen in judged.items() for g in chosen),
            key=lambda ng: (
                int((leaking & (codes[ng[0]] == ng[1])).sum()),
                -int((codes[ng[0]] == ng[1]).sum()),
            ),
        )
        judged[name].remove(group)


def _leaking(codes: dict[str, np.ndarray], judged: dict[str, list[int]]) -> np.ndarray:
    """The people of one track, in a set of fewer than SMALLEST_SHOWN, whose number of
    successes is a linear combination of the numbers shown: the track's total and each
    judged group's (the fairness report's audit, `given_away`)."""
    people = next(iter(codes.values())).size
    if not people or not any(judged.values()):
        return np.zeros(people, dtype=bool)
    matrix = np.column_stack(list(codes.values()))
    return given_away(matrix, [(codes[name], judged[name]) for name in codes])


def _cell(
    labels: list[str],
    codes: np.ndarray,
    judged: list[int],
    success: np.ndarray,
    chance: np.ndarray,
) -> dict[str, Any]:
    """One attribute's groups on one track: those judged, with their test against the rest
    of the track, and how many people are in groups not judged."""
    sizes = np.bincount(codes[codes >= 0], minlength=len(labels))
    groups = []
    spread = chance * (1 - chance)
    for g in judged:
        mine = codes == g
        n, succeeded, expected = int(sizes[g]), int(success[mine].sum()), chance[mine]
        observed = succeeded / n
        low, high = observed_range(observed, n)
        difference = round(observed - float(expected.mean()), 4)
        groups.append(
            {
                "group": labels[g],
                "people": n,
                "observed": round(observed, 4),
                "observed_interval": [round(low, 4), round(high, 4)],
                "predicted": round(float(expected.mean()), 4),
                "difference": difference,
                "p_value": _against_the_rest(mine, success, chance, spread),
            }
        )
    unjudged = [g for g in range(len(labels)) if g not in judged and sizes[g] > 0]
    return {
        "people": int(codes.size),
        "groups": groups,
        # big enough, left unjudged so that the people of no group shown stay unknowable
        "not_judged": [
            {"group": labels[g], "people": int(sizes[g]), "protects_others": True}
            for g in unjudged
            if sizes[g] >= SMALL_GROUP
        ],
        "in_smaller_groups": int(sum(sizes[g] for g in unjudged if sizes[g] < SMALL_GROUP)),
    }


def _against_the_rest(
    mine: np.ndarray, success: np.ndarray, chance: np.ndarray, spread: np.ndarray
) -> float | None:
    """The two-sided p of the group's successes less its chances, against the rest of its
    track: with the chances' total tied to the track's successes (cross-fitting's folds keep
    each track's rate), a group's excess is its contrast with the others. None where the
    normal approximation would not hold: fewer than MIN_EXPECTED expected successes or
    failures in the group or the rest (a flag would then rest on a handful of people)."""
    rest = ~mine
    for part in (mine, rest):
        if chance[part].sum() < MIN_EXPECTED or (1 - chance[part]).sum() < MIN_EXPECTED:
            return None
    excess = float(success[mine].sum() - chance[mine].sum())
    other = float(success[rest].sum() - chance[rest].sum())
    v_mine, v_rest = float(spread[mine].sum()), float(spread[rest].sum())
    contrast = excess / v_mine - other / v_rest
    z = contrast / np.sqrt(1 / v_mine + 1 / v_rest)
    return rounded_p(2 * norm.sf(abs(z)))


def _adjust(rows: list[dict[str, Any]]) -> None:
    """Every tested group's Benjamini-Hochberg adjusted p (over all of them) and its flag:
    an adjusted p under ALPHA and a gap of at least MARGIN between the percentages shown."""
    tested = [row for row in rows if row["p_value"] is not None]
    raw = np.array([row["p_value"] for row in tested], dtype=float)
    adjusted = false_discovery_control(raw, method="bh") if raw.size else raw
    for row in rows:
        row["p_adjusted"], row["flagged"] = None, False
    for row, p in zip(tested, adjusted.tolist(), strict=True):
        row["p_adjusted"] = rounded_p(max(p, row["p_value"]))
        row["flagged"] = row["p_adjusted"] < ALPHA and abs(shown_points(row)) >= round(100 * MARGIN)
