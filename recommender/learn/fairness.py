"""Fairness report: how often each group of a sensitive attribute receives each outcome.

For every sensitive attribute, and every intersection of up to `max_intersection` of them, each
outcome's rate is compared across the attribute's groups. A group's impact ratio is its rate over
the reference group's rate; under `IMPACT_RATIO_FLAG` (the four-fifths rule) the group is
flagged. The reference is the group with the highest rate among the groups big enough to compare
against: at least `SMALL_GROUP` people and at least `MIN_SHARE` of everyone assessed, so that a
handful of people cannot set the bar. A smaller group is never the reference; it gets its impact
ratio against the reference too, but is flagged only when, beyond a ratio under the flag, Fisher's
exact test against the reference says the gap is unlikely to be chance (p under
`SMALL_GROUP_ALPHA`): a few people's rate swings past four fifths by chance alone, and a real gap
in a small group must not be hidden either. When no group is big enough, no ratio is given at
all.

Small cells are kept back (statistical disclosure control), so that nobody subtracting along
the tables learns the outcomes of fewer than `SMALLEST_SHOWN` people (5):
- A group of fewer than 5 on any one attribute is **set aside**: its people are left out of
  every table, its own attribute's and every other (and then so is a group left with fewer
  than 5 once they are out). The people for whom an attribute is unknown are such a group
  too: the total less the groups shown is theirs. A set-aside group is listed with its
  number of people only.
- A table of two or more attributes is taken with its unknowns (a cell for every combination
  that occurs, "unknown" among the labels; cells with an unknown are never shown). A cell of
  fewer than 5 is **withheld**, and so are complements, until subtraction cannot recover it:
  along any line whose total the report gives or lets be worked out (the cells sharing all
  labels but one, whose total is a cell of the table below, or the whole table), repeatedly,
  no small cell is ever the last one unknown, and the withheld cells it hides among hold at
  least 5 people. Nor may a table's shown cells add up to a cell the table below withholds.
  The complement taken is, in the line that began the chain of subtractions, the smallest
  cell too small to compare anyway, else the smallest. A small cell no complement can cover
  has its people set aside from every table, and the tables are drawn again.
That is secondary cell suppression along lines. Then a linear audit (`_linear_audit`) makes
it a guarantee: every count shown and the overall total are sums over atoms (the people
sharing every label of every attribute, unknown included), and no set of fewer than 5 people
may be a linear combination of them (any chain of subtractions, within a table or across
tables, or solving them together); a set that is has its people set aside and the tables are
drawn again. Not guarded against: bounds (a count lies between 0 and its people, which can
pin it down), and group disclosure (a group shown at 0% or 100%, or worked out so, tells the
outcome of everyone in it). The audit is skipped beyond `AUDIT_ATOMS` combinations.
A withheld or set-aside group has no rate, count, impact ratio or p-value, is never the
reference, and is left out of the test across groups, whose p-value would otherwise give it
away (`groups_not_shown` says how many groups were).

Whether the rates differ across the groups shown more than chance would explain is tested with
chi-square where every expected count is at least `MIN_EXPECTED` (the textbook condition for the
chi-square approximation), and otherwise with Fisher's exact test: exact for two groups, and for
more groups the Fisher-Freeman-Halton test estimated from `MONTE_CARLO_TABLES` random tables
with the same margins (seeded, so a report is reproducible). Each group is also compared with the
reference group by Fisher's exact test, which is valid at any count, and its impact ratio
comes with its 90% interval (`impact_ratio_interval`, Koopman's score interval), so that a
ratio of 0.6 among forty people reads as the wide range it is.

A report makes many such comparisons (every group of every attribute and intersection, for
every outcome), and among many, some p-values fall under `SMALL_GROUP_ALPHA` by chance alone.
Each compared group therefore also has its p-value adjusted for all of the report's
comparisons by the Benjamini-Hochberg procedure (`p_adjusted`: the false discovery rate at
which its gap would count as found), and the report says how many comparisons there were and
how many fall under the threshold before and after (`comparisons`). The flags themselves stay
as the rules above make them, so that no real gap is hidden: a flag whose gap the adjustment
can no longer tell from chance is worded so. (Benjamini-Hochberg holds for tests that are
independent or positively dependent, as the overlapping groups of one report are; Holm's
procedure would hold under any dependence but, on dozens of comparisons, would miss most real
gaps in the groups a fairness report exists for.) Groups not shown are in no comparison.

`readable_p` writes a p-value as people read it, for the pages and the model card alike
(`recommender.learn.fairness_wording`, light enough for every page to read).

Sensitive attributes are only ever used here, never as model features. The report is plain
numpy and scipy, and JSON-serialisable: plain Python numbers, strings, booleans and None, no NaN.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from fractions import Fraction
from itertools import combinations
from typing import Any

import numpy as np
import scipy.linalg
from scipy.stats import MonteCarloMethod, chi2_contingency, false_discovery_control, fisher_exact

from recommender.answer.track_model import INTERVAL_Z
from recommender.learn.fairness_wording import (
    IMPACT_RATIO_FLAG,
    MIN_SHARE,
    MONTE_CARLO_SEED,
    MONTE_CARLO_TABLES,
    NO_REFERENCE,
    REFERENCE_WITHHELD,
    SET_ASIDE_AMONG_COUNTED,
    SMALL_GROUP,
    SMALL_GROUP_ALPHA,
    SMALLEST_SHOWN,
    WITHHELD,
)

MIN_EXPECTED = 5  # chi-square only when every expected count reaches this
SAME_TEST = "_same_test"  # while a report is made: which people a group's test compares
GROUPS_COUNTED = "_groups_counted"  # while a report is made: an attribute's groups not set aside
JOIN = " × "  # joins attribute names and group labels of an intersection
# The linear audit's limit: beyond this many combinations of labels (a few seconds of linear
# algebra), the report relies on the withholding along lines alone.
AUDIT_ATOMS = 2000


def fairness_report(
    outcomes: dict[str, np.ndarray],
    sensitive: dict[str, np.ndarray],
    *,
    max_intersection: int = 2,
    applies_to: dict[str, np.ndarray] | None = None,
) -> dict[str, Any]:
    """Each outcome's rate per group of every sensitive attribute and intersection of them.

    `outcomes` maps an outcome name to a bool array over people; `sensitive` maps an attribute
    name to an array of group labels over the same people, None or "" (or NaN) meaning unknown.
    Attributes come first in the given order, then their intersections of 2..`max_intersection`
    attributes (combinations in the given order), named by joining with `JOIN`. A person is
    unknown for an intersection when any of its attributes is unknown; unknown people are
    counted, never grouped. `applies_to` may name, for an outcome, the people it can happen to
    at all (a bool array over people): its rates, ratios, tests and small groups are then those
    of these people alone, each of its cells saying how many were `counted` and how many were
    not (`not_counted`), and how many of those counted its own tables leave out to protect a
    small group among them (`set_aside_among_counted`), and which groups of everyone's table
    have nobody among them (`none_counted`: no row of their own, so say so rather than leave a
    group out of the table in silence); everyone else's outcome is no evidence either way.
    Raises ValueError on arrays of different lengths, a non-boolean outcome or mask, a mask
    for an outcome not given, or a `max_intersection` below 1.
    """
    if max_intersection < 1:
        raise ValueError(f"max_intersection must be at least 1, got {max_intersection}")
    checked = {name: _check_outcome(name, values) for name, values in outcomes.items()}
    masks = {
        name: _check_outcome(f"applies_to[{name!r}]", mask)
        for name, mask in (applies_to or {}).items()
    }
    if set(masks) - set(checked):
        raise ValueError(
            f"applies_to names outcomes not given: {', '.join(sorted(set(masks) - set(checked)))}"
        )
    people = _check_lengths(
        [(f"outcome {name!r}", values) for name, values in checked.items()]
        + [(f"applies_to[{name!r}]", mask) for name, mask in masks.items()]
        + [(f"sensitive attribute {name!r}", values) for name, values in sensitive.items()]
    )
    # one bar for comparing groups, everyone assessed's: the page states it once for all tables
    smallest = smallest_comparable_group(people)
    report = _report(
        {name: values for name, values in checked.items() if name not in masks},
        sensitive,
        people,
        smallest,
        max_intersection,
    )
    # the groups everyone's tables set aside: left out of every table, these ones' included
    everywhere = {
        entry["attribute"]: {
            group["group"]
            for cell in entry["outcomes"].values()
            for group in cell["groups"]
            if group["withheld"] == "set_aside"
        }
        for entry in report["attributes"]
    }
    for name, mask in masks.items():
        counted = int(mask.sum())
        among = _report(
            {name: checked[name][mask]},
            {
                attribute: np.asarray(values, dtype=object)[mask]
                for attribute, values in sensitive.items()
            },
            counted,
            smallest,
            max_intersection,
        )
        cells = {entry["attribute"]: entry["outcomes"][name] for entry in among["attributes"]}
        for attribute, cell in cells.items():  # set aside from this outcome's tables only
            for group in cell["groups"]:
                if group["withheld"] == "set_aside" and group["group"] not in everywhere.get(
                    attribute, ()
                ):
                    group["withheld"] = SET_ASIDE_AMONG_COUNTED
        # the groups of everyone's tables with nobody counted here: no row of their own
        counted_here = {
            entry["attribute"]: {group["group"] for group in entry["outcomes"][name]["groups"]}
            for entry in among["attributes"]
        }
        # the people these tables leave out among those counted: their own small groups
        kept_back = {
            entry["attribute"]: entry["set_aside"] + entry["unknown_set_aside"]
            for entry in among["attributes"]
        }
        for entry in report["attributes"]:
            cell = cells.get(entry["attribute"], _no_groups())
            entry["outcomes"][name] = cell | {
                "counted": counted,
                "not_counted": people - counted,
                "set_aside_among_counted": kept_back.get(entry["attribute"], 0),
                "none_counted": [
                    group
                    for group in entry[GROUPS_COUNTED]
                    if group not in counted_here.get(entry["attribute"], ())
                ],
            }
        report["flagged"] += among["flagged"]
    for entry in report["attributes"]:  # the outcomes in the order given
        entry["outcomes"] = {name: entry["outcomes"][name] for name in checked}
        del entry[GROUPS_COUNTED]
    attributes = [entry["attribute"] for entry in report["attributes"]]
    report["flagged"].sort(
        key=lambda f: (attributes.index(f["attribute"]), list(checked).index(f["outcome"]))
    )
    report["comparisons"] = _adjust_for_many_comparisons(report)
    return report


def _adjust_for_many_comparisons(report: dict[str, Any]) -> dict[str, Any]:
    """Give every group compared with its reference its Benjamini-Hochberg adjusted p-value
    (`p_adjusted`, over all the report's comparisons; None where the group has no p), and its
    flags theirs too; say how many comparisons there were and how many p-values fall under
    `SMALL_GROUP_ALPHA`, raw and adjusted."""
    compared, tests = [], {}  # each test once, however many tables repeat it
    for entry in report["attributes"]:
        for outcome, cell in entry["outcomes"].items():
            for group in cell["groups"]:
                group["p_adjusted"] = None
                same = group.pop(SAME_TEST, None)
                if group["p_value"] is not None:
                    test = (outcome, same)
                    tests.setdefault(test, group["p_value"])
                    compared.append(((entry["attribute"], outcome, group["group"]), test, group))
    raw = np.array(list(tests.values()), dtype=float)
    bh = false_discovery_control(raw, method="bh") if raw.size else raw
    # each test's adjusted p, rounded as p-values are, and never below its own p
    adjusted = {
        test: rounded_p(max(p, tests[test])) for test, p in zip(tests, bh.tolist(), strict=True)
    }
    found, test_of = {}, {}
    for key, test, group in compared:
        group["p_adjusted"] = found[key] = adjusted[test]
        test_of[key] = test
    first_flag = {}  # each test's first flag: a table that repeats another repeats its flags
    for flag in report["flagged"]:
        key = (flag["attribute"], flag["outcome"], flag["group"])
        flag["p_adjusted"] = found.get(key)
        test = test_of.get(key)
        if test is None:
            continue
        if test in first_flag:
            flag["same_as"] = first_flag[test]
        else:
            first_flag[test] = {"attribute": flag["attribute"], "group": flag["group"]}
    return {
        "count": len(tests),
        "rows": len(compared),  # the tables' rows with a p: more where a table repeats another
        "method": "benjamini-hochberg",
        "alpha": SMALL_GROUP_ALPHA,
        "under_alpha": int((raw < SMALL_GROUP_ALPHA).sum()),
        "under_alpha_adjusted": sum(p < SMALL_GROUP_ALPHA for p in adjusted.values()),
    }


def _report(
    checked: dict[str, np.ndarray],
    sensitive: dict[str, np.ndarray],
    people: int,
    smallest: int,
    max_intersection: int,
) -> dict[str, Any]:
    """The report of outcomes that apply to everyone of the `people` in the arrays given, a
    group compared from `smallest` people."""
    encoded = {
        attribute: group_codes(attribute, values, people) for attribute, values in sensitive.items()
    }
    threshold = Fraction(str(IMPACT_RATIO_FLAG))
    counted, tables = _tables(encoded, max_intersection, smallest)
    attributes = []
    flagged = []
    for parts, table in tables.items():
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
                "unknown_set_aside": int((~table.known & ~counted).sum()),
                "outcomes": cells,
                GROUPS_COUNTED: [name for name, n in zip(table.names, table.n, strict=True) if n],
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
        "small_group_alpha": SMALL_GROUP_ALPHA,
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


def _check_lengths(arrays: list[tuple[str, np.ndarray]]) -> int:
    """The number of people, after checking every array (named as a message names it) has
    one entry per person."""
    if not arrays:
        return 0
    first_name, first = arrays[0]
    people = len(first)
    for name, values in arrays[1:]:
        if len(values) != people:
            raise ValueError(
                f"{name} has {len(values)} entries but {first_name} has {people}; every array "
                "needs one entry per person"
            )
    return people


def group_codes(attribute: str, values: np.ndarray, people: int) -> tuple[list[str], np.ndarray]:
    """Sorted group labels and each person's code into them (-1 when unknown)."""
    array = np.asarray(values, dtype=object)
    if array.ndim != 1:
        raise ValueError(
            f"sensitive attribute {attribute!r} must be one-dimensional, got shape {array.shape}"
        )
    unknown = np.fromiter((_unknown(value) for value in array), dtype=bool, count=array.size)
    # Python strings, not a fixed-width text array: that would be as wide as the longest value
    # for every person (one 20 MB value among 150,000 people asks for terabytes).
    texts = np.array([str(value) for value in array[~unknown]], dtype=object)
    labels, inverse = np.unique(texts, return_inverse=True)
    codes = np.full(people, -1, dtype=np.int64)
    codes[~unknown] = inverse.reshape(-1)
    return [str(label) for label in labels], codes


def _unknown(value: Any) -> bool:
    """None, "", NaN and pandas' NA and NaT mean unknown."""
    if value is None or isinstance(value, str):
        return not value
    if isinstance(value, (float, np.floating)):
        return bool(np.isnan(value))
    return type(value).__name__ in {"NAType", "NaTType"}


def _tables(
    encoded: dict[str, tuple[list[str], np.ndarray]],
    max_intersection: int,
    smallest: int,
) -> tuple[np.ndarray, dict[tuple[str, ...], _Table]]:
    """Who is counted, and every table (attributes first, then their intersections) with
    its withheld cells. A small cell of an intersection that no complement can protect has
    its people set aside from every table, and the tables are drawn again without them."""
    people = len(next(iter(encoded.values()))[1]) if encoded else 0
    counted = _counted_people(list(encoded.values()), np.ones(people, dtype=bool))
    while True:
        derivable: Derivable = {}
        tables, loose = {}, np.zeros(people, dtype=bool)
        for size in range(1, min(max_intersection, len(encoded)) + 1):
            for parts in combinations(encoded, size):
                columns = [encoded[part] for part in parts]
                tables[parts], unprotected = _table(parts, columns, counted, smallest, derivable)
                for codes in unprotected:
                    mine = counted.copy()
                    for (_, column), code in zip(columns, codes, strict=True):
                        mine &= column == code
                    loose |= mine
        if not loose.any():
            loose = _linear_audit(encoded, counted, tables)
        if not loose.any():
            return counted, tables
        counted = _counted_people(list(encoded.values()), counted & ~loose)


def _linear_audit(
    encoded: dict[str, tuple[list[str], np.ndarray]],
    counted: np.ndarray,
    tables: dict[tuple[str, ...], _Table],
) -> np.ndarray:
    """The people of a set of fewer than `SMALLEST_SHOWN` whose outcomes some sum and
    difference of the numbers shown gives away (nobody when none does, or when there are
    more than `AUDIT_ATOMS` combinations of labels to audit).

    An atom is the people sharing every label (unknown among them) of every attribute. Each
    count shown, and the overall total, is the sum of its atoms' outcome counts: a set of
    atoms is given away exactly when its indicator is a linear combination of those sums,
    that is when it is orthogonal to their null space. Every set of atoms holding fewer
    than `SMALLEST_SHOWN` people (at most four atoms) is checked (`_sums_to_zero`). This
    covers every chain of subtractions, within a table or across tables, and solving the
    equations jointly; not bounds (a count is at least 0 and at most its people) or group
    disclosure."""
    if not counted.any():
        return np.zeros(counted.size, dtype=bool)
    codes = np.column_stack([column for _, column in encoded.values()])[counted]
    leaking = np.zeros(counted.size, dtype=bool)
    leaking[np.flatnonzero(counted)] = given_away(codes, _shown_cells(tables, counted))
    return leaking


def _shown_cells(
    tables: dict[tuple[str, ...], _Table], counted: np.ndarray
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Per table with a count shown: each counted person's cell in it (-1 for none), and the
    cells whose counts are shown."""
    for table in tables.values():
        shown = np.flatnonzero((table.n > 0) & ~table.withheld)
        if not shown.size:
            continue
        mine = table.counted
        group_of_person = np.full(counted.size, -1)
        group_of_person[np.flatnonzero(table.known)[mine]] = table.inverse[mine]
        yield group_of_person[counted], shown


def given_away(codes: np.ndarray, shown: Iterable[tuple[np.ndarray, Iterable[int]]]) -> np.ndarray:
    """The people (rows of `codes`, each person's code per attribute, -1 unknown) in a set of
    fewer than `SMALLEST_SHOWN` whose outcomes some sum and difference of the numbers shown
    gives away: the overall total, and for each table of `shown` (each person's cell in it,
    -1 for none, and the cells whose counts are shown) those counts. Nobody when more than
    `AUDIT_ATOMS` combinations of labels would have to be audited (`shown` is then not
    read)."""
    atoms, atom_of, people = np.unique(codes, axis=0, return_inverse=True, return_counts=True)
    atom_of = atom_of.reshape(-1)
    if len(atoms) > AUDIT_ATOMS:
        return np.zeros(len(codes), dtype=bool)
    rows = [np.ones(len(atoms))]
    for cell_of, cells in shown:
        cell_of_atom = np.full(len(atoms), -1)
        cell_of_atom[atom_of] = cell_of
        rows += [(cell_of_atom == cell).astype(float) for cell in cells]
    null = scipy.linalg.null_space(np.array(rows))  # atoms x dimensions no number shows
    loose = np.zeros(len(atoms), dtype=bool)
    for chosen in _sums_to_zero(null, people):
        loose[list(chosen)] = True
    return loose[atom_of]


def _sums_to_zero(null: np.ndarray, people: np.ndarray) -> list[tuple[int, ...]]:
    """Sets of at most four atoms, of fewer than `SMALLEST_SHOWN` people together, whose rows
    of `null` sum to zero (so the numbers shown give their outcomes). Found by hashing the
    rows' projection on a few random directions, singles and pairs, and pairs against
    singles and pairs; each found set checked exactly."""
    small = np.flatnonzero(people < SMALLEST_SHOWN)
    if not small.size:
        return []
    if null.shape[1] == 0:  # every outcome count shown or implied
        return [(int(a),) for a in small]
    directions = np.random.default_rng(0).standard_normal((null.shape[1], 8))
    keys = np.rint(null[small] @ directions * 1e6).astype(np.int64)

    def exact(chosen: tuple[int, ...]) -> bool:
        together = people[list(chosen)].sum() < SMALLEST_SHOWN
        return together and np.abs(null[list(chosen)].sum(axis=0)).max() < 1e-9

    found, pairs = [], {}
    zero = (0,) * 8
    for i, a in enumerate(small.tolist()):
        key = tuple(keys[i].tolist())
        if key == zero and exact((a,)):
            found.append((a,))
    for i, j in combinations(range(small.size), 2):
        a, b = int(small[i]), int(small[j])
        if people[a] + people[b] >= SMALLEST_SHOWN:
            continue
        key = tuple((keys[i] + keys[j]).tolist())
        if key == zero and exact((a, b)):
            found.append((a, b))
        pairs.setdefault(key, []).append((a, b))
    for i, a in enumerate(small.tolist()):
        for pair in pairs.get(tuple((-keys[i]).tolist()), []):
            if a not in pair and exact((a, *pair)):
                found.append((a, *pair))
    for key, listed in pairs.items():
        for pair in listed:
            for other in pairs.get(tuple(-k for k in key), []):
                if not set(pair) & set(other) and exact((*pair, *other)):
                    found.append((*pair, *other))
    return found


def _counted_people(encoded: list[tuple[list[str], np.ndarray]], counted: np.ndarray) -> np.ndarray:
    """Who the tables count, of `counted`: all but the people of a group of fewer than
    `SMALLEST_SHOWN` on some attribute (the people for whom it is unknown being a group too:
    the total less the groups is theirs), and (repeatedly) of a group left that small once
    they are out."""
    counted = counted.copy()
    while True:
        dropped = np.zeros(counted.size, dtype=bool)
        for labels, codes in encoded:
            group = codes[counted] + 1  # 0: unknown
            sizes = np.bincount(group, minlength=len(labels) + 1)
            tiny = (sizes > 0) & (sizes < SMALLEST_SHOWN)
            dropped[counted] |= tiny[group]
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
    labels: np.ndarray  # per group: its label's code on each attribute (codes in label order)


Derivable = dict[tuple[str, ...], set[tuple[int, ...]]]


def _table(
    parts: tuple[str, ...],
    encoded: list[tuple[list[str], np.ndarray]],
    counted: np.ndarray,
    smallest: int,
    derivable: Derivable,
) -> tuple[_Table, list[tuple[int, ...]]]:
    """The groups of one attribute or intersection, and the cells withheld from it; records
    in `derivable` which of its cells' outcomes the report gives, for the tables above it.
    Also the small cells (label codes) that no complement can protect."""
    names, inverse, known, labels = _groups(encoded, counted.size)
    mine = counted[known]
    everyone = np.bincount(inverse, minlength=len(names))
    n = np.bincount(inverse[mine], minlength=len(names))
    comparable = n >= smallest
    withheld, unprotected = _withheld_cells(
        parts, comparable, labels, encoded, counted, derivable=derivable
    )
    table = _Table(names, inverse, known, mine, everyone, n, comparable, withheld, labels)
    return table, unprotected


def _withheld_cells(
    parts: tuple[str, ...],
    comparable: np.ndarray,
    labels: np.ndarray,
    encoded: list[tuple[list[str], np.ndarray]],
    counted: np.ndarray,
    *,
    derivable: Derivable,
) -> tuple[np.ndarray, list[tuple[int, ...]]]:
    """Which groups of a table (groups x attributes `labels`) are withheld, and the small
    cells no complement can protect (whose people the caller sets aside).

    The table is taken with its unknowns: a cell for every combination of labels, unknown
    (-1) among them, that counted people have. Cells with an unknown are never shown. A line
    is the cells that share every label but one, or the whole table: its total is given
    (the one-attribute table's group, the overall total) or can be worked out (a cell of
    the table below that is withheld but pinned by its own lines) unless the table below
    withholds it. A withheld cell is worked out when it is the only one left in some line
    once the others so worked out are counted (repeatedly). Cells of fewer than
    `SMALLEST_SHOWN` people are withheld and must never be worked out, nor share their
    lines' withheld people with fewer than `SMALLEST_SHOWN` in all; complements (the
    smallest cell too small to compare, else the smallest, never one alone in a line) are
    withheld until they do. The combinations whose outcomes the report then gives or lets be
    worked out go into `derivable`."""
    codes = np.column_stack([column[counted] for _, column in encoded])
    cells, people = np.unique(codes, axis=0, return_counts=True)
    cells = cells.reshape(-1, len(parts))
    group_of = {tuple(row): g for g, row in enumerate(labels.tolist())}
    group = np.array([group_of.get(tuple(row), -1) for row in cells.tolist()], dtype=np.int64)
    unknown = (cells < 0).any(axis=1)
    needed = people < SMALLEST_SHOWN
    withheld = unknown | needed
    lines, above = _lines(parts, cells, derivable)
    pinned = np.zeros(len(cells), dtype=bool)
    for members in lines:
        if members.size == 1:
            pinned[members] = True
    big = np.array([g >= 0 and bool(comparable[g]) for g in group.tolist()], dtype=bool)
    rank = np.empty(len(cells), dtype=np.int64)
    rank[sorted(range(len(cells)), key=lambda c: (big[c], people[c], c))] = np.arange(len(cells))
    unprotected: list[tuple[int, ...]] = []
    while True:
        worked_out, by_line = _worked_out(withheld, lines)
        line = _line_to_cover(
            lines,
            withheld,
            worked_out,
            by_line=by_line,
            needed=needed,
            people=people,
            pinned=pinned,
        )
        if line is None:  # nor may this table add up to a cell the table below withholds
            line = next((m for m in above if (~withheld[m] | worked_out[m]).all()), None)
            if line is None:
                break
            candidates = line[~withheld[line]]
            if not candidates.size:
                break  # only by solving the lines together: beyond what this guards
            withheld[candidates[np.argmin(rank[candidates])]] = True
            continue
        candidates = line[~withheld[line] & ~pinned[line]]
        if not candidates.size:  # nothing can cover it: its small cells' people are set aside
            lost = needed & (worked_out | np.isin(np.arange(len(cells)), line))
            unprotected = [tuple(row) for row in cells[lost].tolist()]
            break
        withheld[candidates[np.argmin(rank[candidates])]] = True
    derivable[parts] = {tuple(row) for row in cells[~withheld | worked_out].tolist()}
    groups_withheld = np.zeros(len(comparable), dtype=bool)
    groups_withheld[group[(group >= 0) & withheld]] = True
    return groups_withheld, unprotected


def _lines(
    parts: tuple[str, ...], cells: np.ndarray, derivable: Derivable
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """The cells of each line (the cells sharing every label but one) whose total the report
    gives or lets be worked out, then the whole table (the overall total); and the cells of
    each line whose total the table below withholds, which must not all be known here."""
    lines, above = [], []
    if len(parts) > 1:
        for left_out in range(len(parts)):
            kept = [j for j in range(len(parts)) if j != left_out]
            below = derivable[tuple(parts[j] for j in kept)]
            members: dict[tuple[int, ...], list[int]] = {}
            for c, row in enumerate(cells[:, kept].tolist()):
                members.setdefault(tuple(row), []).append(c)
            for key, line in members.items():
                (lines if key in below else above).append(np.array(line))
    return [*lines, np.arange(len(cells))], above


def _worked_out(withheld: np.ndarray, lines: list[np.ndarray]) -> tuple[np.ndarray, dict]:
    """Withheld cells that subtraction along lines recovers, repeatedly, and for each the
    line that recovered it."""
    known = np.zeros(withheld.size, dtype=bool)
    by_line: dict[int, int] = {}
    changed = True
    while changed:
        changed = False
        for index, members in enumerate(lines):
            hidden = members[withheld[members] & ~known[members]]
            if hidden.size == 1:
                known[hidden[0]] = True
                by_line[int(hidden[0])] = index
                changed = True
    return known, by_line


def _line_to_cover(
    lines: list[np.ndarray],
    withheld: np.ndarray,
    worked_out: np.ndarray,
    *,
    by_line: dict[int, int],
    needed: np.ndarray,
    people: np.ndarray,
    pinned: np.ndarray,
) -> np.ndarray | None:
    """A line where withholding one more cell protects a small cell: where the withheld
    cells left hold fewer than `SMALLEST_SHOWN` people beside it, or, when subtraction
    recovers it, the line that began the chain of recoveries (the first to recover a cell
    on its own), or the nearest to it that has a cell to spare. None when all are safe."""
    for members in lines:
        hidden = members[withheld[members] & ~worked_out[members]]
        if needed[hidden].any() and people[hidden].sum() < SMALLEST_SHOWN:
            return members
    recovered = np.flatnonzero(needed & worked_out)
    if not recovered.size:
        return None
    chain, seen, queue = [], set(), [int(recovered[0])]
    while queue:
        cell = queue.pop(0)
        index = by_line[cell]
        if index in seen:
            continue
        seen.add(index)
        chain.append(lines[index])
        queue += [int(c) for c in lines[index] if c != cell and withheld[c] and worked_out[c]]
    spare = [line for line in chain if (~withheld[line] & ~pinned[line]).any()]
    return spare[-1] if spare else chain[0]


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
        JOIN.join(_named(labels[code]) for (labels, _), code in zip(encoded, combo, strict=True))
        for combo in combos.tolist()
    ]
    order = sorted(range(len(names)), key=names.__getitem__)
    rank = np.empty(len(names), dtype=np.int64)
    rank[order] = np.arange(len(names))
    return [names[g] for g in order], rank[inverse.reshape(-1)], known, combos[order]


def intersection_codes(
    encoded: list[tuple[list[str], np.ndarray]], people: int
) -> tuple[list[str], np.ndarray]:
    """An intersection's group names (as the report names them) and each person's code into
    them, -1 where any of its attributes is unknown: `group_codes` for several attributes."""
    names, inverse, known, _ = _groups(encoded, people)
    codes = np.full(people, -1, dtype=np.int64)
    codes[known] = inverse
    return names, codes


def _named(label: str) -> str:
    """A label as part of an intersection's name: in quotes when it holds the joining sign
    (`JOIN`) or starts with a quote, so that no two groups share a name (labels "a", "b" and
    "c" joined two ways would read alike)."""
    return f'"{label}"' if JOIN in label or label.startswith('"') else label


def _outcome_cell(table: _Table, selected: np.ndarray, threshold: Fraction) -> dict[str, Any]:
    """One outcome across one attribute's groups: rates, impact ratios, flags and tests."""
    names = table.names
    if not names:
        return _no_groups()
    n = table.n
    chosen = selected[table.known] & table.counted
    count = np.bincount(table.inverse[chosen], minlength=len(names))
    shown = (n > 0) & ~table.withheld
    ref = _reference(count, n, table.comparable & shown, table.labels)
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
    if ref is not None:
        # the same two sets of people compared in another table (an intersection with an
        # attribute everyone shares repeats a table) is the same test: one in the family
        people = np.flatnonzero(table.known)
        reference = hashlib.blake2b(people[(table.inverse == ref) & table.counted].tobytes())
        for g, group in enumerate(groups):
            if group["p_value"] is not None:
                members = people[(table.inverse == g) & table.counted].tobytes()
                group[SAME_TEST] = hashlib.blake2b(members, key=reference.digest()).hexdigest()
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


def _no_groups() -> dict[str, Any]:
    """An outcome's cell where the attribute has no group (nobody with it known)."""
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


def _reference(
    count: np.ndarray, n: np.ndarray, comparable: np.ndarray, labels: np.ndarray
) -> int | None:
    """The comparable group with the highest rate, the first of ties in label order attribute
    by attribute (so that an intersection with an attribute everyone shares picks the same
    reference as that attribute's own table, whatever its joined names' order); None when no
    group is comparable."""
    if not comparable.any():
        return None
    rate = np.full(n.size, -1.0)
    rate[comparable] = count[comparable] / n[comparable]
    tied = np.flatnonzero(rate == rate.max())
    return int(min(tied, key=lambda g: tuple(labels[g].tolist())))


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
    """One group's rate, impact ratio and flag; Fisher's exact p against the reference, given
    as (people, selected), for any group but the reference. A group too small to be the
    reference is flagged only when that p is also under SMALL_GROUP_ALPHA."""
    ratio, flagged, p_value, interval = None, False, None, None
    if reference is not None:
        n_ref, count_ref = reference
        if not is_reference:
            table = [[count, n - count], [count_ref, n_ref - count_ref]]
            p_value = rounded_p(fisher_exact(table).pvalue)
        if count_ref == 0:
            # nobody selected in any comparable group: among them, no disparity; a small
            # group with some selected has a rate over nothing, no number (`ratio_undefined`)
            ratio = 1.0 if count == 0 else None
        else:
            exact = Fraction(count * n_ref, n * count_ref)
            ratio, flagged = round(float(exact), 4), exact < threshold
            if not is_reference:
                interval = _ratio_interval(count, n, count_ref, n_ref)
            if not comparable:
                flagged = flagged and p_value is not None and p_value < SMALL_GROUP_ALPHA
    return {
        "group": name,
        "n": n,
        "count": count,
        "rate": round(count / n, 4),
        "impact_ratio": ratio,
        "impact_ratio_interval": interval,
        "ratio_undefined": reference is not None and ratio is None,
        "flagged": flagged,
        "p_value": p_value,
        "small_group": not comparable,
        "not_shown": False,
        "withheld": None,
    }


def _ratio_interval(count: int, n: int, count_ref: int, n_ref: int) -> list[float]:
    """The 90% interval (INTERVAL_LEVEL, as of every other range HR reads) of a group's impact
    ratio (its rate over the reference's,
    `count_ref` > 0): Koopman's score interval, every ratio the counts do not reject at that
    level by the score test of the two rates (each rate's variance taken where the ratio is
    the one tested). Unlike Katz's log method it stays honest at a rate of 0 or 100%: twenty
    people all selected are not a certain 100%. It always holds the ratio itself."""
    ratio = count * n_ref / (n * count_ref)

    def rejected(theta: float) -> bool:
        return _ratio_score(theta, count, n, count_ref, n_ref) > INTERVAL_Z * INTERVAL_Z

    low = 0.0 if count == 0 else _edge(rejected, ratio, toward=0.0)
    high = _edge(rejected, ratio, toward=np.inf)
    return [round(min(low, ratio), 4), round(max(high, ratio), 4)]


def _ratio_score(theta: float, x1: int, n1: int, x2: int, n2: int) -> float:
    """Koopman's score statistic for rate1 / rate2 = theta: Pearson's chi-square of both
    counts against the rates that fit them best with that ratio (the lower root of the
    likelihood's quadratic in rate2)."""
    a = theta * (n1 + n2)
    b = -(theta * (n1 + x2) + x1 + n2)
    c = x1 + x2
    rate2 = (-b - np.sqrt(max(b * b - 4 * a * c, 0.0))) / (2 * a)
    # a rounding past 0 or 1 is at it
    rates = [min(max(float(rate), 0.0), 1.0) for rate in (theta * rate2, rate2)]
    score = 0.0
    for x, m, rate in zip((x1, x2), (n1, n2), rates, strict=True):
        if rate in (0.0, 1.0):
            if x != m * rate:  # a count no such rate could give
                return np.inf
            continue
        score += (x - m * rate) ** 2 / (m * rate * (1.0 - rate))
    return float(score)


def _edge(rejected, inside: float, toward: float) -> float:
    """Where, going from `inside` (a ratio not rejected) toward 0 or infinity, the ratios
    start being rejected: by bisection on the log scale, to a relative 1e-6."""
    step = 2.0 if toward > inside else 0.5
    outside = inside * step if inside > 0 else 1.0
    while not rejected(outside):
        inside, outside = outside, outside * step
        if outside > 1e12 or outside < 1e-12:
            return outside
    for _ in range(100):
        middle = float(np.sqrt(inside * outside)) if inside > 0 else outside / 2
        if rejected(middle):
            outside = middle
        else:
            inside = middle
        if abs(outside - inside) <= 1e-6 * max(inside, outside):
            break
    return inside


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
        return "chi-square", rounded_p(chi2_contingency(table).pvalue)
    if n.size == 2:
        return "fisher-exact", rounded_p(fisher_exact(table).pvalue)
    tables = MonteCarloMethod(
        n_resamples=MONTE_CARLO_TABLES, rng=np.random.default_rng(MONTE_CARLO_SEED)
    )
    return "fisher-exact-monte-carlo", rounded_p(fisher_exact(table, method=tables).pvalue)


def rounded_p(p: float) -> float | None:
    """A p-value to four significant digits, clipped to [0, 1]; None when not a number."""
    p = float(np.ravel(p)[0])  # scipy's Monte Carlo Fisher test can give a one-element array
    if not np.isfinite(p):
        return None
    return float(f"{min(max(p, 0.0), 1.0):.4g}")
