"""Fairness report: how often each group of a sensitive attribute receives each outcome.

For every sensitive attribute, and every intersection of up to `max_intersection` of them, each
outcome's rate is compared across the attribute's groups. A group's impact ratio is its rate over
the reference group's rate; under `IMPACT_RATIO_FLAG` (the four-fifths rule) the group is
flagged. The reference is the group with the highest rate among the groups big enough to compare
against: at least `SMALL_GROUP` people and at least `MIN_SHARE` of everyone assessed, so that a
handful of people can neither set the bar nor be flagged by it. Smaller groups are listed with
their counts, rates and p-values but get no impact ratio; when no group is big enough, no ratio
is given at all. A group of fewer than `SMALLEST_SHOWN` people (5) keeps only its name and its
number of people: its rate, the count behind it and its p-value would tell who got which
advice (small-cell suppression), so the report never holds them, and it is left out of the
test across groups, whose p-value would otherwise give them away (`groups_not_shown` says how
many groups were).

Whether the rates differ across the groups shown more than chance would explain is tested with
chi-square where every expected count is at least `MIN_EXPECTED` (the textbook condition for the
chi-square approximation), and otherwise with Fisher's exact test: exact for two groups, and for
more groups the Fisher-Freeman-Halton test estimated from `MONTE_CARLO_TABLES` random tables
with the same margins (seeded, so a report is reproducible). Each group is also compared with the
reference group by Fisher's exact test, which is valid at any count. `readable_p` writes a
p-value as people read it, for the pages and the model card alike
(`recommender.learn.fairness_wording`, light enough for every page to read).

Sensitive attributes are only ever used here, never as model features. The report is plain
numpy and scipy, and JSON-serialisable: plain Python numbers, strings, booleans and None, no NaN.
"""

from __future__ import annotations

from fractions import Fraction
from itertools import combinations
from typing import Any

import numpy as np
from scipy.stats import MonteCarloMethod, chi2_contingency, fisher_exact

from recommender.learn.fairness_wording import (
    MIN_SHARE,
    MONTE_CARLO_SEED,
    MONTE_CARLO_TABLES,
    NO_REFERENCE,
    SMALL_GROUP,
    SMALLEST_SHOWN,
    shown_group,
)

IMPACT_RATIO_FLAG = 0.8
MIN_EXPECTED = 5  # chi-square only when every expected count reaches this
JOIN = " × "  # joins attribute names and group labels of an intersection


def fairness_report(
    outcomes: dict[str, np.ndarray],
    sensitive: dict[str, np.ndarray],
    *,
    max_intersection: int = 2,
) -> dict[str, Any]:
    """Each outcome's rate per group of every sensitive attribute and intersection of them.

    `outcomes` maps an outcome name to a bool array over people; `sensitive` maps an attribute
    name to an array of group labels over the same people, None or "" (or NaN) meaning unknown.
    Attributes come first in the given order, then their intersections of 2..`max_intersection`
    attributes (combinations in the given order), named by joining with `JOIN`. A person is
    unknown for an intersection when any of its attributes is unknown; unknown people are
    counted, never grouped. Raises ValueError on arrays of different lengths, a non-boolean
    outcome or a `max_intersection` below 1.
    """
    if max_intersection < 1:
        raise ValueError(f"max_intersection must be at least 1, got {max_intersection}")
    checked = {name: _check_outcome(name, values) for name, values in outcomes.items()}
    people = _check_lengths(checked, sensitive)
    encoded = {
        attribute: _encode(attribute, values, people) for attribute, values in sensitive.items()
    }
    threshold = Fraction(str(IMPACT_RATIO_FLAG))
    smallest = smallest_comparable_group(people)
    attributes = []
    flagged = []
    for size in range(1, min(max_intersection, len(sensitive)) + 1):
        for parts in combinations(sensitive, size):
            names, inverse, known = _groups([encoded[part] for part in parts], people)
            attribute = JOIN.join(parts)
            cells = {}
            for outcome, selected in checked.items():
                cell = _outcome_cell(names, inverse, selected[known], threshold, smallest)
                cells[outcome] = cell
                flagged.extend(
                    {
                        "attribute": attribute,
                        "outcome": outcome,
                        "group": group["group"],
                        "impact_ratio": group["impact_ratio"],
                    }
                    for group in cell["groups"]
                    if group["flagged"]
                )
            attributes.append(
                {
                    "attribute": attribute,
                    "parts": list(parts),
                    "unknown": people - int(known.sum()),
                    "known": int(known.sum()),
                    "outcomes": cells,
                }
            )
    return {
        "attributes": attributes,
        "flagged": flagged,
        "assessed": people,
        "small_group": SMALL_GROUP,
        "min_share": MIN_SHARE,
        "smallest_comparable": smallest,
        "impact_ratio_flag": IMPACT_RATIO_FLAG,
    }


def smallest_comparable_group(assessed: int) -> int:
    """The fewest people a group needs for impact ratios: `SMALL_GROUP`, and `MIN_SHARE` of
    everyone assessed (rounded up)."""
    share = Fraction(str(MIN_SHARE)) * assessed
    return max(SMALL_GROUP, -(-share.numerator // share.denominator))


def _check_outcome(name: str, values: np.ndarray) -> np.ndarray:
    """The outcome as a 1-D bool array; integer arrays of only 0 and 1 are accepted too."""
    array = np.asarray(values)
    if array.ndim != 1:
        raise ValueError(f"outcome {name!r} must be one-dimensional, got shape {array.shape}")
    if array.dtype == np.bool_:
        return array
    if np.issubdtype(array.dtype, np.integer) and np.isin(array, (0, 1)).all():
        return array.astype(bool)
    raise ValueError(f"outcome {name!r} must be a bool array, got dtype {array.dtype}")


def _check_lengths(outcomes: dict[str, np.ndarray], sensitive: dict[str, np.ndarray]) -> int:
    """The number of people, after checking every array has one entry per person."""
    arrays = [("outcome", name, values) for name, values in outcomes.items()]
    arrays += [("sensitive attribute", name, values) for name, values in sensitive.items()]
    if not arrays:
        return 0
    first_kind, first_name, first = arrays[0]
    people = len(first)
    for kind, name, values in arrays[1:]:
        if len(values) != people:
            raise ValueError(
                f"{kind} {name!r} has {len(values)} entries but {first_kind} {first_name!r} "
                f"has {people}; every array needs one entry per person"
            )
    return people


def _encode(attribute: str, values: np.ndarray, people: int) -> tuple[list[str], np.ndarray]:
    """Sorted group labels and each person's code into them (-1 when unknown)."""
    array = np.asarray(values, dtype=object)
    if array.ndim != 1:
        raise ValueError(
            f"sensitive attribute {attribute!r} must be one-dimensional, got shape {array.shape}"
        )
    # None, "" and NaN (which is not equal to itself) mean unknown
    unknown = np.equal(array, None) | np.equal(array, "") | np.not_equal(array, array)
    unknown = unknown.astype(bool)
    # Python strings, not a fixed-width text array: that would be as wide as the longest value
    # for every person (one 20 MB value among 150,000 people asks for terabytes).
    texts = np.array([str(value) for value in array[~unknown]], dtype=object)
    labels, inverse = np.unique(texts, return_inverse=True)
    codes = np.full(people, -1, dtype=np.int64)
    codes[~unknown] = inverse.reshape(-1)
    return [str(label) for label in labels], codes


def _groups(
    encoded: list[tuple[list[str], np.ndarray]], people: int
) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Group names sorted by label, each known person's group index, and who is known.

    For an intersection, a group is a combination of labels that occurs, named by joining the
    labels with `JOIN`; a person is known only when known on every attribute.
    """
    known = np.ones(people, dtype=bool)
    for _, codes in encoded:
        known &= codes >= 0
    if len(encoded) == 1:
        labels, codes = encoded[0]
        return labels, codes[known], known
    stacked = np.column_stack([codes[known] for _, codes in encoded])
    combos, inverse = np.unique(stacked, axis=0, return_inverse=True)
    names = [
        JOIN.join(labels[code] for (labels, _), code in zip(encoded, combo, strict=True))
        for combo in combos.tolist()
    ]
    order = sorted(range(len(names)), key=names.__getitem__)
    rank = np.empty(len(names), dtype=np.int64)
    rank[order] = np.arange(len(names))
    return [names[g] for g in order], rank[inverse.reshape(-1)], known


def _outcome_cell(
    names: list[str],
    inverse: np.ndarray,
    selected: np.ndarray,
    threshold: Fraction,
    smallest: int,
) -> dict[str, Any]:
    """One outcome across one attribute's groups: rates, impact ratios, flags and tests."""
    if not names:
        return {
            "reference_group": None,
            "test": None,
            "p_value": None,
            "chi_square_p": None,
            "flagged": False,
            "note": None,
            "groups_not_shown": 0,
            "groups": [],
        }
    n = np.bincount(inverse, minlength=len(names))
    count = np.bincount(inverse[selected], minlength=len(names))
    comparable = n >= smallest
    ref = _reference(count, n, comparable)
    n_list, count_list = n.tolist(), count.tolist()
    groups = [
        shown_group(
            _group(
                name,
                n_list[g],
                count_list[g],
                reference=None if ref is None else (n_list[ref], count_list[ref]),
                is_reference=g == ref,
                comparable=bool(comparable[g]),
                threshold=threshold,
            )
        )
        for g, name in enumerate(names)
    ]
    shown = n >= SMALLEST_SHOWN
    test, p_value = _independence(count[shown], n[shown])
    return {
        "reference_group": None if ref is None else names[ref],
        "test": test,
        "p_value": p_value,
        "chi_square_p": p_value if test == "chi-square" else None,  # as older reports had it
        "flagged": any(group["flagged"] for group in groups),
        "note": NO_REFERENCE if ref is None else None,
        "groups_not_shown": int((~shown).sum()),
        "groups": groups,
    }


def _reference(count: np.ndarray, n: np.ndarray, comparable: np.ndarray) -> int | None:
    """The comparable group with the highest rate (the first of ties, groups being sorted by
    label); None when no group is comparable."""
    if not comparable.any():
        return None
    rate = np.where(comparable, count / n, -1.0)
    return int(np.argmax(rate))


def _group(
    name: str,
    n: int,
    count: int,
    *,
    reference: tuple[int, int] | None,
    is_reference: bool,
    comparable: bool,
    threshold: Fraction,
) -> dict[str, Any]:
    """One group's rate; its impact ratio and flag when it is comparable; Fisher's exact p
    against the reference, given as (people, selected), for any group but the reference."""
    ratio, flagged, p_value = None, False, None
    if reference is not None:
        n_ref, count_ref = reference
        if comparable:
            if count_ref == 0:  # nobody selected in any comparable group: no disparity
                ratio = 1.0
            else:
                exact = Fraction(count * n_ref, n * count_ref)
                ratio, flagged = round(float(exact), 4), exact < threshold
        if not is_reference:
            table = [[count, n - count], [count_ref, n_ref - count_ref]]
            p_value = _round_p(fisher_exact(table).pvalue)
    return {
        "group": name,
        "n": n,
        "count": count,
        "rate": round(count / n, 4),
        "impact_ratio": ratio,
        "flagged": flagged,
        "p_value": p_value,
        "small_group": not comparable,
        "not_shown": False,
    }


def _independence(count: np.ndarray, n: np.ndarray) -> tuple[str | None, float | None]:
    """Which test of independence of group and outcome was used, and its p-value; (None, None)
    for one group or a constant outcome.

    Chi-square (with Yates' continuity correction for two groups, as scipy applies it) when
    every expected count is at least `MIN_EXPECTED`; otherwise Fisher's exact test.
    """
    if n.size < 2:
        return None, None
    table = np.column_stack([count, n - count])
    columns = table.sum(axis=0)
    if (columns == 0).any():
        return None, None
    expected = np.outer(n, columns) / n.sum()
    if (expected >= MIN_EXPECTED).all():
        return "chi-square", _round_p(chi2_contingency(table).pvalue)
    if n.size == 2:
        return "fisher-exact", _round_p(fisher_exact(table).pvalue)
    tables = MonteCarloMethod(
        n_resamples=MONTE_CARLO_TABLES, rng=np.random.default_rng(MONTE_CARLO_SEED)
    )
    return "fisher-exact-monte-carlo", _round_p(fisher_exact(table, method=tables).pvalue)


def _round_p(p: float) -> float | None:
    """A p-value to four significant digits, clipped to [0, 1]; None when not a number."""
    p = float(np.ravel(p)[0])  # scipy's Monte Carlo Fisher test can give a one-element array
    if not np.isfinite(p):
        return None
    return float(f"{min(max(p, 0.0), 1.0):.4g}")
