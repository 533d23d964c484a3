"""Fairness report: how often each group of a sensitive attribute receives each outcome.

For every sensitive attribute, and every intersection of up to `max_intersection` of them, each
outcome's rate is compared across the attribute's groups. A group's impact ratio is its rate over
the highest group's rate (the reference group); under `IMPACT_RATIO_FLAG` (the four-fifths rule)
the group is flagged. A chi-square test of independence says whether the rates differ across all
groups more than chance would explain, and Fisher's exact test compares each group with the
reference group. Groups smaller than `SMALL_GROUP` are still reported, and may be flagged, but
carry a warning: their rates are noisy.

Sensitive attributes are only ever used here, never as model features. The report is plain
numpy and scipy, and JSON-serialisable: plain Python numbers, strings, booleans and None, no NaN.
"""

from __future__ import annotations

from fractions import Fraction
from itertools import combinations
from typing import Any

import numpy as np
from scipy.stats import chi2_contingency, fisher_exact

IMPACT_RATIO_FLAG = 0.8
SMALL_GROUP = 30
OUTCOMES = {
    "manager_recommended": "manager track recommended",
    "target_above_current": "target above current level",
}
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
    attributes = []
    flagged = []
    for size in range(1, min(max_intersection, len(sensitive)) + 1):
        for parts in combinations(sensitive, size):
            names, inverse, known = _groups([encoded[part] for part in parts], people)
            attribute = JOIN.join(parts)
            cells = {}
            for outcome, selected in checked.items():
                cell = _outcome_cell(names, inverse, selected[known], threshold)
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
        "small_group": SMALL_GROUP,
        "impact_ratio_flag": IMPACT_RATIO_FLAG,
    }


def flagged_summary(report: dict[str, Any]) -> list[str]:
    """One sentence per flagged group and outcome, in the report's order.

    For example "gender = woman: manager track recommended at 0.62 of the rate of man (n = 40)";
    a group smaller than the report's `small_group` says so inside the parentheses.
    """
    sentences = []
    for entry in report["attributes"]:
        for outcome, cell in entry["outcomes"].items():
            described = OUTCOMES.get(outcome, outcome.replace("_", " "))
            for group in cell["groups"]:
                if not group["flagged"]:
                    continue
                warning = ", small group" if group["small_group"] else ""
                sentences.append(
                    f"{entry['attribute']} = {group['group']}: {described} at "
                    f"{group['impact_ratio']:g} of the rate of {cell['reference_group']} "
                    f"(n = {group['n']}{warning})"
                )
    return sentences


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
    labels, inverse = np.unique(array[~unknown].astype(str), return_inverse=True)
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
    names: list[str], inverse: np.ndarray, selected: np.ndarray, threshold: Fraction
) -> dict[str, Any]:
    """One outcome across one attribute's groups: rates, impact ratios, flags and tests."""
    if not names:
        return {"reference_group": None, "chi_square_p": None, "flagged": False, "groups": []}
    n = np.bincount(inverse, minlength=len(names))
    count = np.bincount(inverse[selected], minlength=len(names))
    rate = count / n
    ref = int(np.argmax(rate))  # the first of tied groups, as groups are sorted by label
    n_list, count_list = n.tolist(), count.tolist()
    n_ref, count_ref = n_list[ref], count_list[ref]
    groups = []
    for g, name in enumerate(names):
        if count_ref == 0:  # nobody selected in any group: no disparity
            ratio, flagged = 1.0, False
        else:
            exact = Fraction(count_list[g] * n_ref, n_list[g] * count_ref)
            ratio, flagged = float(exact), exact < threshold
        p_value = None
        if g != ref:
            table = [
                [count_list[g], n_list[g] - count_list[g]],
                [count_ref, n_ref - count_ref],
            ]
            p_value = _round_p(fisher_exact(table).pvalue)
        groups.append(
            {
                "group": name,
                "n": n_list[g],
                "count": count_list[g],
                "rate": round(float(rate[g]), 4),
                "impact_ratio": round(ratio, 4),
                "flagged": flagged,
                "p_value": p_value,
                "small_group": n_list[g] < SMALL_GROUP,
            }
        )
    return {
        "reference_group": names[ref],
        "chi_square_p": _chi_square_p(count, n),
        "flagged": any(group["flagged"] for group in groups),
        "groups": groups,
    }


def _chi_square_p(count: np.ndarray, n: np.ndarray) -> float | None:
    """P-value of independence of group and outcome; None for one group or a constant outcome.

    With two groups scipy applies Yates' continuity correction.
    """
    if n.size < 2:
        return None
    table = np.column_stack([count, n - count])
    if (table.sum(axis=0) == 0).any():
        return None
    return _round_p(chi2_contingency(table).pvalue)


def _round_p(p: float) -> float | None:
    """A p-value to four significant digits, clipped to [0, 1]; None when not a number."""
    p = float(p)
    if not np.isfinite(p):
        return None
    return float(f"{min(max(p, 0.0), 1.0):.4g}")
