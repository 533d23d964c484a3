"""Fairness report: how often each group of a sensitive attribute receives each outcome.

For every sensitive attribute, and every intersection of up to `max_intersection` of them, each
outcome's rate is compared across the attribute's groups. A group's impact ratio is its rate over
the reference group's rate; under `IMPACT_RATIO_FLAG` (the four-fifths rule) the group is
flagged. The reference is the group with the highest rate among the groups big enough to compare
against: at least `SMALL_GROUP` people and at least `MIN_SHARE` of everyone assessed, so that a
handful of people can neither set the bar nor be flagged by it. Smaller groups are listed with
their counts, rates and p-values but get no impact ratio; when no group is big enough, no ratio
is given at all.

Small cells are kept back (statistical disclosure control), in two steps, so that no table,
alone or with the others, tells who got which advice:
- A group of fewer than `SMALLEST_SHOWN` people (5) on any one attribute is **set aside**: its
  people are left out of every table, its own attribute's and every other (and then so is a
  group left with fewer than 5 once they are out). It is listed with its number of people
  only. Hiding its rate alone would not do: any other attribute's table gives the total, and
  the total less the groups shown is theirs.
- In a table of two or more attributes, a cell of fewer than 5 people is **withheld** (its
  number of people only), and so, where the rest of a line would give it away, is another
  cell: a line is a row or column of the table (the cells sharing all labels but one), whose
  total the table of the other attributes shows, or the whole table. Each line keeps either
  no withheld cell or at least two cells' worth together with its people unknown on the
  missing attribute (an unknown share the report never breaks down), holding at least 5
  people. The complement taken is the smallest cell of the line that is too small to compare
  anyway, else the smallest. This is the usual rule of secondary cell suppression; it stops
  subtraction along any one line, and is not an exhaustive proof against solving every
  line's equations at once.
A withheld or set-aside group has no rate, count, impact ratio or p-value, is never the
reference, and is left out of the test across groups, whose p-value would otherwise give it
away (`groups_not_shown` says how many groups were).

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

from dataclasses import dataclass
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
    REFERENCE_WITHHELD,
    SMALL_GROUP,
    SMALLEST_SHOWN,
    WITHHELD,
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
    counted = _counted_people(list(encoded.values()), people)
    attributes = []
    flagged = []
    for size in range(1, min(max_intersection, len(sensitive)) + 1):
        for parts in combinations(sensitive, size):
            table = _table([encoded[part] for part in parts], counted, smallest)
            attribute = JOIN.join(parts)
            cells = {}
            for outcome, selected in checked.items():
                cell = _outcome_cell(table, selected, threshold)
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
                    "unknown": people - int(table.known.sum()),
                    "known": int(table.known.sum()),
                    "set_aside": int((table.known & ~counted).sum()),
                    "outcomes": cells,
                }
            )
    return {
        "attributes": attributes,
        "flagged": flagged,
        "assessed": people,
        "set_aside": people - int(counted.sum()),
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


def _counted_people(encoded: list[tuple[list[str], np.ndarray]], people: int) -> np.ndarray:
    """Who the tables count: everyone but the people of a group of fewer than `SMALLEST_SHOWN`
    on some attribute, and (repeatedly) of a group left that small once they are out."""
    counted = np.ones(people, dtype=bool)
    while True:
        dropped = np.zeros(people, dtype=bool)
        for labels, codes in encoded:
            live = counted & (codes >= 0)
            sizes = np.bincount(codes[live], minlength=len(labels))
            tiny = (sizes > 0) & (sizes < SMALLEST_SHOWN)
            dropped[live] |= tiny[codes[live]]
        if not dropped.any():
            return counted
        counted &= ~dropped


@dataclass(frozen=True)
class _Table:
    """One attribute's (or intersection's) groups over the people known on it: names sorted by
    label, each known person's group, each group's people (all known, and those counted), and
    which groups are withheld."""

    names: list[str]
    inverse: np.ndarray  # per known person
    known: np.ndarray  # per person
    counted: np.ndarray  # per known person: not set aside
    everyone: np.ndarray  # per group: people known on it
    n: np.ndarray  # per group: people counted
    comparable: np.ndarray
    withheld: np.ndarray


def _table(
    encoded: list[tuple[list[str], np.ndarray]], counted: np.ndarray, smallest: int
) -> _Table:
    """The groups of one attribute or intersection, and the cells withheld from it."""
    names, inverse, known, labels = _groups(encoded, counted.size)
    mine = counted[known]
    everyone = np.bincount(inverse, minlength=len(names))
    n = np.bincount(inverse[mine], minlength=len(names))
    comparable = n >= smallest
    withheld = _withheld_cells(n, comparable, labels, [codes for _, codes in encoded], counted)
    return _Table(names, inverse, known, mine, everyone, n, comparable, withheld)


def _withheld_cells(
    n: np.ndarray,
    comparable: np.ndarray,
    labels: np.ndarray,
    codes: list[np.ndarray],
    counted: np.ndarray,
) -> np.ndarray:
    """Cells withheld from a table (groups x attributes `labels`): those of fewer than
    `SMALLEST_SHOWN` counted people, and complements until every line (the cells sharing all
    labels but one, or the whole table) has no withheld cell, or withheld cells that together
    with the line's people unknown on the missing attribute make at least two cells and
    `SMALLEST_SHOWN` people; every cell when no complement can cover a line. A set-aside
    group (no one counted) is in no line."""
    withheld = (n > 0) & (n < SMALLEST_SHOWN)
    parts = labels.shape[1]
    kept = (
        [()]
        if parts == 1
        else [()] + [tuple(j for j in range(parts) if j != left_out) for left_out in range(parts)]
    )
    known_all = counted.copy()
    for column in codes:
        known_all &= column >= 0
    lines = []  # (member groups, people of the line unknown on the attribute(s) left out)
    for shared in kept:
        on_shared = counted.copy()
        for j in shared:
            on_shared &= codes[j] >= 0
        partly = on_shared & ~known_all
        unknown: dict[tuple, int] = {(): int(partly.sum())}
        if shared and partly.any():
            keys = np.column_stack([codes[j][partly] for j in shared])
            found, tally = np.unique(keys, axis=0, return_counts=True)
            unknown = {tuple(row): c for row, c in zip(found.tolist(), tally.tolist(), strict=True)}
        members: dict[tuple, list[int]] = {}
        for g, key in enumerate(labels[:, list(shared)].tolist()):
            if n[g] > 0:
                members.setdefault(tuple(key), []).append(g)
        lines += [(np.array(groups), unknown.get(key, 0)) for key, groups in members.items()]
    # a line of one cell and nobody unknown: that cell is the other table's group itself, so
    # withholding it hides nothing (its outcomes are there) and it is no complement
    pinned = np.zeros(n.size, dtype=bool)
    for members, unknown in lines:
        if members.size == 1 and unknown == 0:
            pinned[members] = True
    changed = True
    while changed:
        changed = False
        for members, unknown in lines:
            hidden = members[withheld[members]]
            if hidden.size == 0:
                continue
            cells = hidden.size + (unknown > 0)
            if cells >= 2 and int(n[hidden].sum()) + unknown >= SMALLEST_SHOWN:
                continue
            candidates = members[~withheld[members] & ~pinned[members]].tolist()
            if not candidates:  # no cell of the line can cover it: the whole table is withheld
                return n > 0
            withheld[min(candidates, key=lambda g: (bool(comparable[g]), n[g], g))] = True
            changed = True
    return withheld


def _groups(
    encoded: list[tuple[list[str], np.ndarray]], people: int
) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray]:
    """Group names sorted by label, each known person's group index, who is known, and each
    group's label codes (groups x attributes).

    For an intersection, a group is a combination of labels that occurs, named by joining the
    labels with `JOIN`; a person is known only when known on every attribute.
    """
    known = np.ones(people, dtype=bool)
    for _, codes in encoded:
        known &= codes >= 0
    if len(encoded) == 1:
        labels, codes = encoded[0]
        return labels, codes[known], known, np.arange(len(labels))[:, None]
    stacked = np.column_stack([codes[known] for _, codes in encoded])
    combos, inverse = np.unique(stacked, axis=0, return_inverse=True)
    combos = combos.reshape(-1, len(encoded))
    names = [
        JOIN.join(labels[code] for (labels, _), code in zip(encoded, combo, strict=True))
        for combo in combos.tolist()
    ]
    order = sorted(range(len(names)), key=names.__getitem__)
    rank = np.empty(len(names), dtype=np.int64)
    rank[order] = np.arange(len(names))
    return [names[g] for g in order], rank[inverse.reshape(-1)], known, combos[order]


def _outcome_cell(table: _Table, selected: np.ndarray, threshold: Fraction) -> dict[str, Any]:
    """One outcome across one attribute's groups: rates, impact ratios, flags and tests."""
    names = table.names
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
    n = table.n
    chosen = selected[table.known] & table.counted
    count = np.bincount(table.inverse[chosen], minlength=len(names))
    shown = (n > 0) & ~table.withheld
    ref = _reference(count, n, table.comparable & shown)
    n_list, count_list = n.tolist(), count.tolist()
    groups = []
    for g, name in enumerate(names):
        if not shown[g]:
            groups.append(_withheld_group(name, table, g))
            continue
        groups.append(
            _group(
                name,
                n_list[g],
                count_list[g],
                reference=None if ref is None else (n_list[ref], count_list[ref]),
                is_reference=g == ref,
                comparable=bool(table.comparable[g]),
                threshold=threshold,
            )
        )
    test, p_value = _independence(count[shown], n[shown])
    return {
        "reference_group": None if ref is None else names[ref],
        "test": test,
        "p_value": p_value,
        "chi_square_p": p_value if test == "chi-square" else None,  # as older reports had it
        "flagged": any(group["flagged"] for group in groups),
        "note": None if ref is not None else _no_reference(table.comparable),
        "groups_not_shown": int((~shown).sum()),
        "groups": groups,
    }


def _no_reference(comparable: np.ndarray) -> str:
    """Why no group is compared with another."""
    return REFERENCE_WITHHELD if comparable.any() else NO_REFERENCE


def _withheld_group(name: str, table: _Table, g: int) -> dict[str, Any]:
    """A group whose outcomes are kept back: its name, its people and why."""
    n = int(table.n[g])
    if n == 0:
        n, reason = int(table.everyone[g]), "set_aside"
    else:
        reason = "few" if n < SMALLEST_SHOWN else "complement"
    return {
        "group": name,
        "n": n,
        **dict.fromkeys(WITHHELD),
        "flagged": False,
        "small_group": not bool(table.comparable[g]),
        "not_shown": True,
        "withheld": reason,
    }


def _reference(count: np.ndarray, n: np.ndarray, comparable: np.ndarray) -> int | None:
    """The comparable group with the highest rate (the first of ties, groups being sorted by
    label); None when no group is comparable."""
    if not comparable.any():
        return None
    rate = np.full(n.size, -1.0)
    rate[comparable] = count[comparable] / n[comparable]
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
        "withheld": None,
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
