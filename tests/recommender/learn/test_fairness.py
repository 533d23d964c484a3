"""The fairness report: rates, impact ratios only against groups big enough to compare, flags,
intersections, the significance test the counts allow, and p-values as people read them."""

from __future__ import annotations

import json
import tracemalloc
from itertools import pairwise

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import minimize_scalar
from scipy.stats import MonteCarloMethod, chi2, chi2_contingency, fisher_exact

from recommender.learn.fairness import (
    IMPACT_RATIO_FLAG,
    _tables,
    fairness_report,
    group_codes,
    smallest_comparable_group,
)
from recommender.learn.fairness_wording import (
    MIN_SHARE,
    NO_REFERENCE,
    OUTCOME_MEANINGS,
    OUTCOMES,
    REFERENCE_WITHHELD,
    SMALL_GROUP,
    SMALL_GROUP_ALPHA,
    SMALL_GROUP_REASON,
    SMALLEST_SHOWN,
    TESTS,
    WITHHELD,
    chance_mark,
    comparisons_said,
    counted_among,
    exposes_small_groups,
    flagged_groups,
    flagged_groups_said,
    group_ratio_said,
    likely_ratio,
    p_statement,
    ratio_said,
    readable_p,
    shown_report,
    withheld_reason,
)


def people(*blocks: tuple[object, int, int]) -> tuple[np.ndarray, np.ndarray]:
    """Labels and outcomes from (label, n, selected) blocks: the first `selected` are True."""
    labels, selected = [], []
    for label, n, chosen in blocks:
        labels += [label] * n
        selected += [True] * chosen + [False] * (n - chosen)
    return np.array(labels, dtype=object), np.array(selected, dtype=bool)


def entry(report: dict, attribute: str) -> dict:
    (found,) = [e for e in report["attributes"] if e["attribute"] == attribute]
    return found


def by_group(cell: dict) -> dict[str, dict]:
    return {group["group"]: group for group in cell["groups"]}


def test_the_constants():
    assert IMPACT_RATIO_FLAG == 0.8
    assert (SMALL_GROUP, MIN_SHARE) == (30, 0.02)
    assert OUTCOMES == {
        "manager_recommended": "manager track recommended",
        "target_above_current": "target above current level",
    }
    assert set(OUTCOME_MEANINGS) == set(OUTCOMES)
    assert "above the level they hold now" in OUTCOME_MEANINGS["target_above_current"]
    assert SMALL_GROUP_ALPHA == 0.05
    assert SMALL_GROUP_REASON.startswith(
        "fewer than 30 people or under 2% of those assessed: never the reference, and flagged "
        "only where Fisher's p against the reference is also under 0.05"
    )


def test_every_comparison_is_adjusted_for_all_of_the_report_s_comparisons():
    """Benjamini-Hochberg over the report's six group-to-reference comparisons (three per
    outcome): the k-th smallest p of m becomes the least of p_j * m / j over j >= k."""
    gender, manager = people(("man", 100, 50), ("woman", 100, 30), ("x", 50, 20), ("tiny", 5, 5))
    report = fairness_report(
        {"manager_recommended": manager, "target_above_current": np.ones(len(gender), bool)},
        {"gender": gender},
    )
    (only,) = report["attributes"]
    manager_groups = by_group(only["outcomes"]["manager_recommended"])
    everyone = by_group(only["outcomes"]["target_above_current"])
    raw = {name: group["p_value"] for name, group in manager_groups.items() if name != "man"}
    assert raw["woman"] < raw["tiny"] < raw["x"] < 1.0
    assert all(everyone[name]["p_value"] == 1.0 for name in raw)
    ranked = sorted(raw.values()) + [1.0, 1.0, 1.0]
    expected = [min(p * 6 / (j + 1) for j, p in enumerate(ranked) if j >= k) for k in range(6)]
    adjusted = [manager_groups[name]["p_adjusted"] for name in ("woman", "tiny", "x")]
    assert adjusted == pytest.approx(expected[:3], rel=1e-3)
    assert all(everyone[name]["p_adjusted"] == 1.0 for name in raw)
    assert manager_groups["man"]["p_adjusted"] is None  # the reference is not compared
    assert report["comparisons"] == {
        "count": 6,
        "rows": 6,
        "method": "benjamini-hochberg",
        "alpha": 0.05,
        "under_alpha": 1,
        "under_alpha_adjusted": 1,
    }
    # the sentence HR reads above the tables
    assert comparisons_said(report) == (
        "This report makes 6 comparisons of a group with its reference. Even if no group "
        "differed, up to 1 in 20 such p-values would fall under 0.05 by chance alone; 1 does, "
        "and 1 still does once each p is adjusted for the 6 comparisons (Benjamini–Hochberg; "
        "each group's adjusted p is given with its p)."
    )


def test_a_table_that_repeats_another_adds_no_comparison():
    """Everyone works at one site: the team-by-site table is the team table again, the same people
    compared the same way, so it is one test in the adjustment, not two."""
    team, chosen = people(("a", 200, 100), ("b", 100, 35), ("c", 100, 45))
    alone = fairness_report({"o": chosen}, {"team": team})
    report = fairness_report(
        {"o": chosen}, {"team": team, "site": np.full(team.size, "HQ", dtype=object)}
    )
    assert [e["attribute"] for e in report["attributes"]] == ["team", "site", "team × site"]
    assert report["comparisons"] == alone["comparisons"] | {"rows": 4}
    assert report["comparisons"]["count"] == 2
    assert comparisons_said(report).startswith(
        "This report makes 2 comparisons of a group with its reference (its tables show 4: a "
        "table that repeats another, the same people compared the same way, counts once)."
    )
    for entry_ in (report["attributes"][0], report["attributes"][2]):
        adjusted = [g["p_adjusted"] for g in entry_["outcomes"]["o"]["groups"]]
        assert adjusted == [
            g["p_adjusted"] for g in alone["attributes"][0]["outcomes"]["o"]["groups"]
        ]
    assert "_same_test" not in json.dumps(report)
    # b (35% against 50%) is flagged in both tables: one group, one flag, said once
    assert [(f["attribute"], f["group"], f.get("same_as")) for f in report["flagged"]] == [
        ("team", "b", None),
        ("team × site", "b × HQ", {"attribute": "team", "group": "b"}),
    ]
    assert flagged_groups(report) == flagged_groups(alone) == 1
    assert flagged_groups_said(alone) == "1 flagged group"
    assert flagged_groups_said(report) == (
        "1 flagged group; 1 more flag repeats it in a table of the same people"
    )


def test_a_tie_for_the_reference_is_broken_alike_in_every_table():
    """Two groups share the highest rate; an intersection with a one-valued site joins the
    names (with the joining sign, "White Irish" and HQ sorts before "White" and HQ), yet takes
    the same reference as the ethnicity table, so it repeats that table and adds no
    comparison."""
    ethnicity, chosen = people(
        ("White", 200, 60), ("White Irish", 200, 60), ("Black", 200, 40), ("Asian", 200, 36)
    )
    site = np.full(ethnicity.size, "HQ", dtype=object)
    report = fairness_report({"o": chosen}, {"ethnicity": ethnicity, "site": site})
    alone = fairness_report({"o": chosen}, {"ethnicity": ethnicity})
    cells = {e["attribute"]: e["outcomes"]["o"] for e in report["attributes"]}
    assert cells["ethnicity"]["reference_group"] == "White"
    assert cells["ethnicity × site"]["reference_group"] == "White × HQ"
    assert report["comparisons"] == alone["comparisons"] | {"rows": 6}


def test_a_flag_that_many_comparisons_could_explain_says_so_and_stays_flagged():
    """A small group's gap, p = 0.04 alone, is one of twenty comparisons: flagged still (the
    rules flag it), and worded as what it may be."""
    blocks = [("big", 400, 200), ("small", 20, 4)]
    blocks += [(f"other {i:02}", 40, 20) for i in range(18)]
    labels, manager = people(*blocks)
    report = fairness_report({"manager_recommended": manager}, {"team": labels})
    small = by_group(report["attributes"][0]["outcomes"]["manager_recommended"])["small"]
    assert small["small_group"] and small["flagged"]
    assert small["p_value"] < SMALL_GROUP_ALPHA <= small["p_adjusted"]
    assert report["comparisons"]["count"] == 19
    mark = chance_mark(small, report["comparisons"])
    assert mark.startswith("though among the report's 19 comparisons a p this small could be")
    assert f"(adjusted p = {readable_p(small['p_adjusted'])})" in mark
    # a report made before the adjustment, or a group it keeps, has no such mark
    assert chance_mark(small) == ""
    assert chance_mark({**small, "p_adjusted": 0.01}, report["comparisons"]) == ""
    assert comparisons_said({"attributes": []}) == ""
    # a stored report whose summary is not what trackfit writes says nothing rather than fail
    for odd in ([], {"count": 1e300}, {"count": "19"}, {"count": True}, {"count": 1}):
        assert comparisons_said({"comparisons": odd}) == ""
        assert chance_mark(small, odd) == ""
    # counts that contradict each other are not repeated
    for raw, adjusted in ((5, 1), (1, 2), ("1", 0), (-1, 0)):
        odd = {"count": 2, "under_alpha": raw, "under_alpha_adjusted": adjusted}
        assert comparisons_said({"comparisons": odd}).endswith("by chance alone.")
    # a stored range that is not what trackfit writes is not shown
    for interval in ([-1, -0.5], [1.5, 0.3], [0.7, 0.9], [1, 1e300], [0.1, float("nan")], [1]):
        assert likely_ratio({"impact_ratio": 0.5, "impact_ratio_interval": interval}) == ""
    assert likely_ratio({"impact_ratio": 0.002, "impact_ratio_interval": [0.0001, 0.004]}) == (
        "likely 0.0001 to 0.004"
    )
    assert counted_among("o", {"counted": 30, "not_counted": 1, "set_aside_among_counted": "7"})
    assert comparisons_said({"comparisons": {"count": 50}}) == (
        "This report makes 50 comparisons of a group with its reference. Even if no group "
        "differed, up to 1 in 20 such p-values would fall under 0.05 by chance alone (up to "
        "about 2.5 of these 50)."
    )


def score_interval_by_search(x1: int, n1: int, x2: int, n2: int) -> tuple[float, float]:
    """Koopman's 90% score interval of rate1 / rate2 worked out another way: on a fine grid
    of ratios, the best-fitting rates found by maximising the likelihood numerically, and
    Pearson's chi-square of the counts against them compared with its 90% point."""

    def statistic(theta: float) -> float:
        def minus_log_likelihood(rate2: float) -> float:
            rate1 = theta * rate2
            terms = [(x1, n1, rate1), (x2, n2, rate2)]
            return -sum(
                x * np.log(max(r, 1e-300)) + (m - x) * np.log(max(1 - r, 1e-300))
                for x, m, r in terms
            )

        fit = minimize_scalar(
            minus_log_likelihood,
            bounds=(1e-12, min(1.0, 1 / theta) - 1e-12),
            method="bounded",
            options={"xatol": 1e-12},
        )
        total = 0.0
        for x, m, r in ((x1, n1, theta * fit.x), (x2, n2, fit.x)):
            total += (x - m * r) ** 2 / (m * r * (1 - r))
        return total

    grid = np.exp(np.linspace(np.log(0.02), np.log(50), 3000))
    kept = [theta for theta in grid if statistic(theta) <= chi2.ppf(0.9, 1)]
    return min(kept), max(kept)


@pytest.mark.parametrize(
    ("group", "reference"),
    [((30, 100), (50, 100)), ((15, 40), (100, 200)), ((1, 5), (25, 30)), ((19, 20), (50, 100))],
)
def test_each_impact_ratio_comes_with_its_90_percent_score_interval(group, reference):
    labels, chosen = people(
        ("group", group[1], group[0]), ("reference", reference[1], reference[0])
    )
    report = fairness_report({"o": chosen}, {"g": labels})
    cell = by_group(report["attributes"][0]["outcomes"]["o"])
    low, high = cell["group"]["impact_ratio_interval"]
    searched = score_interval_by_search(*group, *reference)
    assert (low, high) == pytest.approx(searched, rel=3e-3)  # the grid's own spacing
    assert low <= cell["group"]["impact_ratio"] <= high
    assert cell["reference"]["impact_ratio_interval"] is None  # 1 by definition


def test_impact_ratio_intervals_hold_the_true_ratio_about_nine_times_in_ten():
    """Drawn again and again from known rates, including a group where nearly everyone is
    selected (where Katz's log method, its commonest rival, is far too narrow) and one where
    almost nobody is. Each group has fewer than 30 people, so it is never the reference."""
    rng = np.random.default_rng(7)
    for (n1, p1), (n2, p2) in (((20, 0.97), (200, 0.5)), ((25, 0.3), (200, 0.5)),
                               ((29, 0.05), (300, 0.15))):  # fmt: skip
        covered = 0
        draws = 300
        for _ in range(draws):
            x1, x2 = rng.binomial(n1, p1), max(rng.binomial(n2, p2), 1)
            labels, chosen = people(("group", n1, x1), ("reference", n2, x2))
            cell = by_group(
                fairness_report({"o": chosen}, {"g": labels})["attributes"][0]["outcomes"]["o"]
            )
            low, high = cell["group"]["impact_ratio_interval"]
            covered += low <= p1 / p2 <= high
        assert 0.84 <= covered / draws <= 0.96, (n1, p1, covered / draws)


def test_a_hand_made_example_gives_the_known_rates_ratios_and_flags():
    # man 50/100 = 0.5, woman 30/100 = 0.3 (0.6 of man), x 20/50 = 0.4 (exactly 0.8 of man);
    # tiny 5/5 has the highest rate but too few people to set the bar for anyone
    gender, manager = people(
        ("man", 100, 50),
        ("woman", 100, 30),
        ("x", 50, 20),
        ("tiny", 5, 5),
        (None, 1, 1),
        ("", 1, 1),
    )
    target = np.ones(len(gender), dtype=bool)
    report = fairness_report(
        {"manager_recommended": manager, "target_above_current": target}, {"gender": gender}
    )
    (only,) = report["attributes"]
    assert only["attribute"] == "gender" and only["parts"] == ["gender"]
    assert (only["unknown"], only["known"]) == (2, 255)
    assert list(only["outcomes"]) == ["manager_recommended", "target_above_current"]
    cell = only["outcomes"]["manager_recommended"]
    assert cell["reference_group"] == "man" and cell["note"] is None
    assert [g["group"] for g in cell["groups"]] == ["man", "tiny", "woman", "x"]
    groups = by_group(cell)
    assert groups["man"] == {
        "group": "man",
        "n": 100,
        "count": 50,
        "rate": 0.5,
        "impact_ratio": 1.0,
        "impact_ratio_interval": None,
        "ratio_undefined": False,
        "flagged": False,
        "p_value": None,
        "p_adjusted": None,
        "small_group": False,
        "not_shown": False,
        "withheld": None,
    }
    assert (groups["woman"]["rate"], groups["woman"]["impact_ratio"]) == (0.3, 0.6)
    assert groups["woman"]["flagged"] is True
    # exactly the four-fifths line is not under it
    assert (groups["x"]["impact_ratio"], groups["x"]["flagged"]) == (0.8, False)
    # listed with its count, rate, ratio and p-value, but not the bar
    assert groups["tiny"]["small_group"] is True
    assert (groups["tiny"]["rate"], groups["tiny"]["impact_ratio"]) == (1.0, 2.0)
    assert groups["tiny"]["flagged"] is False and groups["tiny"]["p_value"] is not None
    assert cell["flagged"] is True
    # everybody above their level: every comparable ratio 1, nothing flagged, no test
    everyone = only["outcomes"]["target_above_current"]
    assert [g["impact_ratio"] for g in everyone["groups"]] == [1.0, 1.0, 1.0, 1.0]
    assert everyone["flagged"] is False
    assert everyone["test"] is everyone["p_value"] is everyone["chi_square_p"] is None
    assert report["flagged"] == [
        {
            "attribute": "gender",
            "outcome": "manager_recommended",
            "group": "woman",
            "impact_ratio": 0.6,
            "p_adjusted": groups["woman"]["p_adjusted"],
        }
    ]
    assert (report["small_group"], report["min_share"], report["impact_ratio_flag"]) == (
        30,
        0.02,
        0.8,
    )
    assert (report["assessed"], report["smallest_comparable"]) == (257, 30)
    assert (report["set_aside"], only["set_aside"]) == (2, 0)  # the two of unknown gender
    assert [
        (f["attribute"], f["outcome"], f["group"], f["impact_ratio"]) for f in report["flagged"]
    ] == [("gender", "manager_recommended", "woman", 0.6)]


def test_the_four_fifths_line_is_exact_where_floats_are_not():
    # 0.56 / 0.7 is 0.8000000000000002 in floating point but exactly 4/5
    gender, selected = people(("a", 100, 70), ("b", 100, 56))
    cell = fairness_report({"manager_recommended": selected}, {"gender": gender})
    groups = by_group(cell["attributes"][0]["outcomes"]["manager_recommended"])
    assert groups["b"]["impact_ratio"] == 0.8 and groups["b"]["flagged"] is False
    gender, selected = people(("a", 100, 70), ("b", 100, 55))
    cell = fairness_report({"manager_recommended": selected}, {"gender": gender})
    assert by_group(cell["attributes"][0]["outcomes"]["manager_recommended"])["b"]["flagged"]


def test_tied_highest_rates_take_the_first_group_in_sorted_order_as_reference():
    gender, selected = people(("zeta", 40, 20), ("alpha", 60, 30), ("mid", 40, 8))
    report = fairness_report({"manager_recommended": selected}, {"gender": gender})
    cell = report["attributes"][0]["outcomes"]["manager_recommended"]
    assert [g["group"] for g in cell["groups"]] == ["alpha", "mid", "zeta"]
    assert cell["reference_group"] == "alpha"
    assert by_group(cell)["zeta"]["impact_ratio"] == 1.0
    assert by_group(cell)["zeta"]["p_value"] == 1.0


def test_a_group_is_flagged_on_each_outcome_against_its_reference():
    gender, selected = people(("man", 100, 50), ("woman", 40, 12))
    report = fairness_report(
        {"manager_recommended": selected, "promoted_early": selected}, {"gender": gender}
    )
    assert [(f["outcome"], f["group"], f["impact_ratio"]) for f in report["flagged"]] == [
        ("manager_recommended", "woman", 0.6),
        ("promoted_early", "woman", 0.6),
    ]
    for cell in report["attributes"][0]["outcomes"].values():
        assert cell["reference_group"] == "man" and by_group(cell)["woman"]["n"] == 40


def test_two_attributes_give_each_and_their_intersection():
    # seven kinds of people, five of each (fewer than five would leave their rates unshown)
    gender = np.repeat(np.array(["man", "woman", "woman", "man", None, "woman", "man"], object), 5)
    age = np.repeat(np.array(["30-39", "30-39", "40-49", "", "30-39", "40-49", "40-49"], object), 5)
    selected = np.repeat(np.array([True, True, False, True, True, True, False]), 5)
    report = fairness_report({"manager_recommended": selected}, {"gender": gender, "age_band": age})
    assert [e["attribute"] for e in report["attributes"]] == [
        "gender",
        "age_band",
        "gender × age_band",
    ]
    both = entry(report, "gender × age_band")
    assert both["parts"] == ["gender", "age_band"]
    # person 3 has no age band and person 4 no gender: both unknown for the intersection
    assert (entry(report, "gender")["unknown"], entry(report, "age_band")["unknown"]) == (5, 5)
    assert (both["unknown"], both["known"]) == (10, 25)
    groups = by_group(both["outcomes"]["manager_recommended"])
    assert list(groups) == ["man × 30-39", "man × 40-49", "woman × 30-39", "woman × 40-49"]
    assert [(g["n"], g["count"]) for g in groups.values()] == [(5, 5), (5, 0), (5, 5), (10, 5)]


def test_intersections_are_sorted_by_their_joined_label():
    # by label tuple ("a", "x") would come before ("a b", "x"); by joined label it comes after
    a = np.repeat(np.array(["a", "a b", "a", "a b"], dtype=object), 5)
    b = np.repeat(np.array(["x", "x", "y", "y"], dtype=object), 5)
    selected = np.repeat(np.array([True, False, True, False]), 5)
    report = fairness_report({"o": selected}, {"a": a, "b": b})
    cell = entry(report, "a × b")["outcomes"]["o"]
    assert [g["group"] for g in cell["groups"]] == ["a b × x", "a b × y", "a × x", "a × y"]
    assert [g["count"] for g in cell["groups"]] == [0, 0, 5, 5]


def test_max_intersection_chooses_how_deep_combinations_go():
    rng = np.random.default_rng(0)
    sensitive = {name: rng.choice(["p", "q"], 50).astype(object) for name in ("a", "b", "c")}
    outcomes = {"o": rng.random(50) < 0.5}

    def names(depth: int) -> list[str]:
        report = fairness_report(outcomes, sensitive, max_intersection=depth)
        return [e["attribute"] for e in report["attributes"]]

    assert names(1) == ["a", "b", "c"]
    assert names(2) == ["a", "b", "c", "a × b", "a × c", "b × c"]
    assert names(3) == names(5) == ["a", "b", "c", "a × b", "a × c", "b × c", "a × b × c"]
    three = entry(fairness_report(outcomes, sensitive, max_intersection=3), "a × b × c")
    assert three["parts"] == ["a", "b", "c"] and three["known"] == 50
    groups = three["outcomes"]["o"]["groups"]
    assert groups[0]["group"] == "p × p × p" and len(groups) <= 8
    assert sum(g["n"] for g in groups) == 50


def test_nan_labels_are_unknown_and_labels_become_strings():
    band = np.array([1, 2, 2, float("nan"), None], dtype=object)
    report = fairness_report({"o": np.array([1, 0, 1, 1, 1])}, {"band": band})
    only = report["attributes"][0]
    assert (only["unknown"], only["known"]) == (2, 3)
    assert [g["group"] for g in only["outcomes"]["o"]["groups"]] == ["1", "2"]


def test_a_large_real_difference_is_significant():
    gender, selected = people(("man", 1000, 500), ("woman", 1000, 300))
    report = fairness_report({"manager_recommended": selected}, {"gender": gender})
    cell = report["attributes"][0]["outcomes"]["manager_recommended"]
    assert cell["test"] == "chi-square"
    assert cell["p_value"] == cell["chi_square_p"] and cell["p_value"] < 1e-10
    woman = by_group(cell)["woman"]
    assert 0 < woman["p_value"] < 1e-10
    direct = fisher_exact([[300, 700], [500, 500]]).pvalue
    assert woman["p_value"] == float(f"{direct:.4g}")
    assert woman["p_value"] == pytest.approx(direct, rel=1e-3)
    chi = chi2_contingency([[500, 500], [300, 700]]).pvalue
    assert cell["chi_square_p"] == pytest.approx(chi, rel=1e-3)


def test_fisher_p_matches_scipy_for_a_modest_difference():
    gender, selected = people(("a", 60, 30), ("b", 45, 15), ("c", 80, 50))
    cell = fairness_report({"o": selected}, {"g": gender})["attributes"][0]["outcomes"]["o"]
    assert cell["reference_group"] == "c"
    assert by_group(cell)["b"]["p_value"] == float(
        f"{fisher_exact([[15, 30], [50, 30]]).pvalue:.4g}"
    )
    chi = chi2_contingency([[30, 30], [15, 30], [50, 30]]).pvalue
    assert cell["test"] == "chi-square" and cell["chi_square_p"] == float(f"{chi:.4g}")


def test_an_expected_count_of_exactly_five_still_allows_chi_square():
    # 10 of 100 selected: each group of 50 expects 5 selected
    gender, selected = people(("a", 50, 8), ("b", 50, 2))
    cell = fairness_report({"o": selected}, {"g": gender})["attributes"][0]["outcomes"]["o"]
    assert cell["test"] == "chi-square"
    assert cell["p_value"] == float(f"{chi2_contingency([[8, 42], [2, 48]]).pvalue:.4g}")


def test_two_groups_with_an_expected_count_under_five_get_fishers_exact_test():
    # 9 of 100 selected: each group of 50 expects 4.5 selected
    gender, selected = people(("a", 50, 8), ("b", 50, 1))
    cell = fairness_report({"o": selected}, {"g": gender})["attributes"][0]["outcomes"]["o"]
    assert (cell["test"], cell["chi_square_p"]) == ("fisher-exact", None)
    assert cell["p_value"] == float(f"{fisher_exact([[8, 42], [1, 49]]).pvalue:.4g}")


def test_more_groups_with_small_expected_counts_get_a_seeded_monte_carlo_fisher_test():
    gender, selected = people(("a", 60, 6), ("b", 60, 1), ("c", 40, 0), ("d", 5, 2))
    outcomes, sensitive = {"o": selected}, {"g": gender}
    cell = fairness_report(outcomes, sensitive)["attributes"][0]["outcomes"]["o"]
    assert (cell["test"], cell["chi_square_p"]) == ("fisher-exact-monte-carlo", None)
    assert TESTS[cell["test"]].startswith("Fisher's exact test")
    table = [[6, 54], [1, 59], [0, 40], [2, 3]]
    reference = fisher_exact(table, method=MonteCarloMethod(rng=np.random.default_rng(1))).pvalue
    assert cell["p_value"] == pytest.approx(reference, abs=0.01)
    assert cell["p_value"] < 0.05
    assert fairness_report(outcomes, sensitive)["attributes"][0]["outcomes"]["o"] == cell


def test_identical_rates_are_not_significant():
    gender, selected = people(("man", 200, 100), ("woman", 200, 100), ("x", 50, 25))
    cell = fairness_report({"o": selected}, {"g": gender})["attributes"][0]["outcomes"]["o"]
    assert cell["chi_square_p"] > 0.99
    assert all(g["p_value"] > 0.99 for g in cell["groups"] if g["group"] != "man")
    assert cell["flagged"] is False


def test_one_group_has_no_test():
    gender, selected = people(("man", 40, 10))
    cell = fairness_report({"o": selected}, {"g": gender})["attributes"][0]["outcomes"]["o"]
    assert cell["test"] is cell["p_value"] is cell["chi_square_p"] is None
    assert cell["groups"][0]["p_value"] is None and cell["reference_group"] == "man"


def test_a_small_group_is_never_the_reference_and_is_flagged_only_when_its_gap_is_no_chance():
    gender, selected = people(("big", SMALL_GROUP, 15), ("small", SMALL_GROUP - 1, 2))
    report = fairness_report({"manager_recommended": selected}, {"gender": gender})
    cell = report["attributes"][0]["outcomes"]["manager_recommended"]
    groups = by_group(cell)
    assert groups["big"]["small_group"] is False and groups["big"]["impact_ratio"] == 1.0
    small = groups["small"]
    assert (small["n"], small["count"], small["rate"]) == (SMALL_GROUP - 1, 2, 0.069)
    assert small["small_group"] is True and small["impact_ratio"] == 0.1379
    assert small["p_value"] == float(f"{fisher_exact([[2, 27], [15, 15]]).pvalue:.4g}") < 0.05
    assert small["flagged"] is True  # 7% against 50%: no chance, though few
    assert [f["group"] for f in report["flagged"]] == ["small"]
    # a gap as wide in ratio among 8 people is what chance gives: listed, not flagged
    gender, selected = people(("big", SMALL_GROUP, 15), ("few", 8, 2))
    report = fairness_report({"manager_recommended": selected}, {"gender": gender})
    few = by_group(report["attributes"][0]["outcomes"]["manager_recommended"])["few"]
    assert few["impact_ratio"] == 0.5 and few["p_value"] > 0.05
    assert few["flagged"] is False and report["flagged"] == []
    # nor does a small group with the highest rate set the bar
    gender, selected = people(("big", SMALL_GROUP, 15), ("top", 10, 10))
    cell = fairness_report({"o": selected}, {"g": gender})["attributes"][0]["outcomes"]["o"]
    assert cell["reference_group"] == "big" and by_group(cell)["top"]["impact_ratio"] == 2.0


def test_a_group_under_two_percent_of_those_assessed_is_too_small_to_compare():
    # 3000 assessed: 2% is 60, so a group of 59 is too small though it has more than 30
    assert smallest_comparable_group(3000) == 60
    assert smallest_comparable_group(100) == smallest_comparable_group(1500) == 30
    assert smallest_comparable_group(1501) == 31
    gender, selected = people(("a", 2881, 1500), ("b", 59, 1), ("c", 60, 2))
    cell = fairness_report({"o": selected}, {"g": gender})["attributes"][0]["outcomes"]["o"]
    groups = by_group(cell)
    assert (groups["b"]["small_group"], groups["b"]["impact_ratio"]) == (True, 0.0326)
    assert cell["reference_group"] == "a"
    assert (groups["c"]["small_group"], groups["c"]["flagged"]) == (False, True)


def test_the_share_counts_everyone_assessed_including_unknown_groups():
    gender, selected = people(("a", 40, 20), ("b", 40, 10), (None, 2000, 0))
    cell = fairness_report({"o": selected}, {"g": gender})["attributes"][0]["outcomes"]["o"]
    # 2080 assessed: 2% is 41.6, so neither group of 40 may be compared
    assert cell["reference_group"] is None
    assert [g["small_group"] for g in cell["groups"]] == [True, True]


def test_with_no_group_big_enough_nothing_is_compared_and_the_report_says_why():
    gender, selected = people(("a", 20, 18), ("b", 20, 2))
    report = fairness_report({"o": selected}, {"g": gender})
    cell = report["attributes"][0]["outcomes"]["o"]
    assert cell["reference_group"] is None and cell["note"] == NO_REFERENCE
    assert all(g["impact_ratio"] is None and g["p_value"] is None for g in cell["groups"])
    assert [g["rate"] for g in cell["groups"]] == [0.9, 0.1]
    assert cell["flagged"] is False and report["flagged"] == []
    # the test of independence still says the rates differ
    assert cell["test"] == "chi-square" and cell["p_value"] < 0.001


def test_a_group_of_fewer_than_five_keeps_its_size_but_not_its_outcomes():
    """A rate among two people tells each who got which advice: the report never holds it, nor
    the count, impact ratio or p-value behind it, nor a test across groups that counts them;
    a group of five is shown as any other."""
    assert SMALLEST_SHOWN == 5
    gender, selected = people(("man", 60, 30), ("woman", 60, 20), ("five", 5, 1), ("g6", 2, 1))
    report = fairness_report({"manager_recommended": selected}, {"gender": gender})
    cell = report["attributes"][0]["outcomes"]["manager_recommended"]
    groups = by_group(cell)
    assert list(groups) == ["five", "g6", "man", "woman"]
    assert groups["g6"] == {
        "group": "g6",
        "n": 2,
        "count": None,
        "rate": None,
        "impact_ratio": None,
        "impact_ratio_interval": None,
        "ratio_undefined": None,
        "flagged": False,
        "p_value": None,
        "p_adjusted": None,
        "small_group": True,
        "not_shown": True,
        "withheld": "set_aside",
    }
    assert (groups["five"]["n"], groups["five"]["count"], groups["five"]["rate"]) == (5, 1, 0.2)
    assert groups["five"]["p_value"] is not None and groups["five"]["not_shown"] is False
    assert (groups["woman"]["rate"], groups["woman"]["impact_ratio"]) == (0.3333, 0.6667)
    # the test across groups is that of the groups shown, as if g6 were not there
    without, chosen = people(("man", 60, 30), ("woman", 60, 20), ("five", 5, 1))
    alone = fairness_report({"manager_recommended": chosen}, {"gender": without})
    expected = alone["attributes"][0]["outcomes"]["manager_recommended"]
    assert (cell["test"], cell["p_value"]) == (expected["test"], expected["p_value"])
    assert (cell["groups_not_shown"], expected["groups_not_shown"]) == (1, 0)
    assert report["set_aside"] == report["attributes"][0]["set_aside"] == 2
    assert shown_report(report) == report and not exposes_small_groups(report)


def test_a_small_group_is_set_aside_from_every_table_so_no_total_gives_it_away():
    """Everyone's gender is known, so the age table's total is everyone's; were the two
    non-binary people counted there, that total less the man and woman rows of the gender
    table would be their outcomes. They are counted in no table at all."""
    gender, selected = people(("man", 60, 30), ("woman", 60, 20), ("nb", 2, 2))
    age = np.array(["young", "old"] * 61, dtype=object)
    report = fairness_report({"o": selected}, {"gender": gender, "age": age})
    ages = entry(report, "age")
    assert ages["known"] == 122 and ages["set_aside"] == 2
    age_counts = [g["count"] for g in ages["outcomes"]["o"]["groups"]]
    shown = [g for g in entry(report, "gender")["outcomes"]["o"]["groups"] if not g["not_shown"]]
    assert sum(age_counts) == sum(g["count"] for g in shown) == 50
    assert sum(g["n"] for g in ages["outcomes"]["o"]["groups"]) == 120
    both = by_group(entry(report, "gender × age")["outcomes"]["o"])
    assert both["nb × old"]["withheld"] == both["nb × young"]["withheld"] == "set_aside"
    assert report["set_aside"] == 2


def test_a_group_left_too_small_by_another_attributes_small_group_is_set_aside_too():
    # the six of team t are four once the three-person group's two among them are out
    gender, selected = people(("man", 60, 30), ("woman", 60, 20), ("nb", 3, 1))
    team = np.array(["a"] * 58 + ["t"] * 4 + ["a"] * 59 + ["t"] * 2, dtype=object)
    team[-3] = "a"  # one of nb in team a, two in team t
    report = fairness_report({"o": selected}, {"gender": gender, "team": team})
    teams = by_group(entry(report, "team")["outcomes"]["o"])
    assert teams["t"]["withheld"] == "set_aside" and teams["t"]["n"] == 6
    assert report["set_aside"] == 3 + 4
    genders = by_group(entry(report, "gender")["outcomes"]["o"])
    assert genders["man"]["n"] + genders["woman"]["n"] == 123 - 7


def test_a_small_cell_of_two_attributes_takes_another_of_its_row_and_column_with_it():
    """(woman, old) has three people. Its row (woman) and column (old) totals are in the
    one-attribute tables, so one other cell of each is withheld too: a rectangle."""
    blocks = [("man", "young", 40, 20), ("man", "old", 40, 10), ("man", "mid", 40, 15),
              ("woman", "young", 40, 12), ("woman", "old", 3, 1),
              ("woman", "mid", 40, 16)]  # fmt: skip
    gender = np.concatenate([np.full(b[2], b[0], dtype=object) for b in blocks])
    age = np.concatenate([np.full(b[2], b[1], dtype=object) for b in blocks])
    selected = np.concatenate([np.arange(b[2]) < b[3] for b in blocks])
    report = fairness_report({"o": selected}, {"gender": gender, "age": age})
    cell = entry(report, "gender × age")["outcomes"]["o"]
    groups = by_group(cell)
    assert groups["woman × old"]["withheld"] == "few"
    withheld = {name for name, g in groups.items() if g["not_shown"]}
    assert len(withheld) == 4 and "man × old" in withheld
    (other_age,) = {name.split(" × ")[1] for name in withheld} - {"old"}
    assert {f"man × {other_age}", f"woman × {other_age}"} <= withheld
    assert all(groups[name]["withheld"] == "complement" for name in withheld - {"woman × old"})
    assert cell["groups_not_shown"] == 4
    # no row or column keeps a single withheld cell, so no subtraction recovers (woman, old)
    for label in ("man", "woman", "young", "old", "mid"):
        line = [g for name, g in groups.items() if label in name.split(" × ")]
        assert sum(g["not_shown"] for g in line) in (0, 2)
    # the one-attribute tables are whole
    assert not any(g["not_shown"] for g in entry(report, "age")["outcomes"]["o"]["groups"])


def test_people_unknown_on_the_other_attribute_already_protect_a_small_cell():
    """Ten women and ten men of unknown age: a row's total less its cells is its withheld cell
    plus those ten, whose outcomes no table breaks down, so no row needs more. The old column
    has no one of unknown gender to hide behind, so it takes a complement, and that is all."""
    blocks = [("man", "young", 40, 20), ("man", "old", 40, 10), ("man", None, 10, 3),
              ("woman", "young", 40, 12), ("woman", "old", 3, 1),
              ("woman", None, 10, 5)]  # fmt: skip
    gender = np.concatenate([np.full(b[2], b[0], dtype=object) for b in blocks])
    age = np.concatenate([np.full(b[2], b[1], dtype=object) for b in blocks])
    selected = np.concatenate([np.arange(b[2]) < b[3] for b in blocks])
    cell = entry(fairness_report({"o": selected}, {"gender": gender, "age": age}), "gender × age")
    groups = by_group(cell["outcomes"]["o"])
    withheld = {name for name, g in groups.items() if g["not_shown"]}
    assert withheld == {"woman × old", "man × old"}


def test_two_groups_one_too_small_to_show_have_no_test_that_would_give_it_away():
    gender, selected = people(("man", 60, 30), ("g6", 2, 2))
    cell = fairness_report({"o": selected}, {"g": gender})["attributes"][0]["outcomes"]["o"]
    assert cell["test"] is cell["p_value"] is None and cell["groups_not_shown"] == 1


def test_a_report_stored_before_the_rule_is_shown_without_a_small_groups_outcomes(
    older_fairness_report,
):
    """A stored report made before groups under five were kept back: shown without their
    outcomes, and without the test across groups, which counted them."""
    stored = json.loads(json.dumps(older_fairness_report))
    cell = stored["attributes"][0]["outcomes"]["manager_recommended"]
    cell["groups"].append(
        {"group": "g6", "n": 2, "count": 1, "rate": 0.5, "impact_ratio": None,
         "flagged": False, "p_value": 0.6, "small_group": True}
    )  # fmt: skip
    shown = shown_report(stored)
    shown_cell = shown["attributes"][0]["outcomes"]["manager_recommended"]
    g6 = by_group(shown_cell)["g6"]
    assert g6["n"] == 2 and g6["not_shown"] is True
    assert all(g6[key] is None for key in WITHHELD)
    assert shown_cell["test_withheld"] is True
    assert shown_cell["p_value"] is shown_cell["chi_square_p"] is None
    # made before small groups were set aside: the others' counts less a total give g6's away
    assert shown["withheld_whole"] is True
    woman = by_group(shown_cell)["woman"]
    assert all(woman[key] is None for key in WITHHELD) and woman["withheld"] == "made_before"
    assert woman["flagged"] is by_group(cell)["woman"]["flagged"] is True  # the flag stays
    assert stored["attributes"][0]["outcomes"]["manager_recommended"] == cell  # not changed
    assert exposes_small_groups(stored) and not exposes_small_groups(shown)
    assert [(f["group"], f["impact_ratio"]) for f in shown["flagged"]] == [
        ("woman", None)
    ]  # the flag without the ratio withheld
    assert shown_report(older_fairness_report) == older_fairness_report  # no group under five


def test_nobody_selected_means_no_disparity():
    gender, selected = people(("man", 50, 0), ("woman", 40, 0), ("x", 3, 0))
    report = fairness_report({"manager_recommended": selected}, {"gender": gender})
    cell = report["attributes"][0]["outcomes"]["manager_recommended"]
    assert [g["impact_ratio"] for g in cell["groups"]] == [1.0, 1.0, None]
    assert [g["rate"] for g in cell["groups"]] == [0.0, 0.0, None]  # x: too few to show
    assert not any(g["flagged"] for g in cell["groups"]) and cell["flagged"] is False
    assert cell["test"] is cell["chi_square_p"] is None
    assert report["flagged"] == []


def test_a_small_group_selected_where_the_reference_selected_nobody_has_no_ratio():
    """Its rate over a reference's 0% is no number: 1.00 it was shown (an outside check: 10 of
    12 advised to manage beside 0 of 45, "impact ratio 1.00"). It is never flagged: its rate is
    above the reference's. Groups at 0% as the reference is have no disparity."""
    team, selected = people(("x", 45, 0), ("y", 12, 10), ("z", 6, 0))
    cell = fairness_report({"o": selected}, {"team": team})["attributes"][0]["outcomes"]["o"]
    groups = by_group(cell)
    assert cell["reference_group"] == "x"
    assert groups["y"]["impact_ratio"] is None and groups["y"]["ratio_undefined"] is True
    assert groups["y"]["p_value"] < 0.001 and groups["y"]["flagged"] is False
    assert group_ratio_said(groups["y"]) == "not defined: the reference's rate is 0%"
    for name in ("x", "z"):
        assert groups[name]["impact_ratio"] == 1.0 and groups[name]["ratio_undefined"] is False
    assert group_ratio_said(groups["z"]) == "1.00"


def test_an_attribute_with_nobody_known_has_no_groups():
    report = fairness_report(
        {"o": np.array([True, False])}, {"g": np.array([None, ""], dtype=object)}
    )
    only = report["attributes"][0]
    assert (only["unknown"], only["known"]) == (2, 0)
    assert only["outcomes"]["o"] == {
        "reference_group": None,
        "test": None,
        "p_value": None,
        "chi_square_p": None,
        "flagged": False,
        "note": None,
        "groups_not_shown": 0,
        "groups": [],
    }
    json.dumps(report, allow_nan=False)


def test_no_attributes_give_an_empty_report():
    report = fairness_report({"o": np.array([True])}, {})
    assert report["attributes"] == [] and report["flagged"] == []


def test_mismatched_lengths_name_the_culprit():
    outcomes = {"manager_recommended": np.ones(5, dtype=bool)}
    with pytest.raises(ValueError, match="'age_band'"):
        fairness_report(
            outcomes,
            {"gender": np.array(["a"] * 5, dtype=object), "age_band": np.array(["x"] * 4)},
        )
    with pytest.raises(ValueError, match="'target_above_current'"):
        fairness_report(
            {**outcomes, "target_above_current": np.ones(6, dtype=bool)},
            {"gender": np.array(["a"] * 5, dtype=object)},
        )


def test_bad_outcomes_and_depth_are_refused():
    gender = np.array(["a", "b"], dtype=object)
    with pytest.raises(ValueError, match=r"'manager_recommended'.*float64"):
        fairness_report({"manager_recommended": np.array([0.5, 1.0])}, {"gender": gender})
    with pytest.raises(ValueError, match="'manager_recommended'"):
        fairness_report({"manager_recommended": np.array([0, 2])}, {"gender": gender})
    with pytest.raises(ValueError, match="'manager_recommended'"):
        fairness_report({"manager_recommended": np.ones((2, 1), dtype=bool)}, {"gender": gender})
    with pytest.raises(ValueError, match="'gender'"):
        fairness_report({"o": np.ones(2, dtype=bool)}, {"gender": np.ones((2, 2), dtype=object)})
    with pytest.raises(ValueError, match="max_intersection"):
        fairness_report({"o": np.ones(2, dtype=bool)}, {"gender": gender}, max_intersection=0)


@pytest.mark.parametrize(
    ("p", "written"),
    [
        (None, "–"),
        (0.0, "< 0.001"),
        (0.0009996, "< 0.001"),
        (0.001, "0.001"),
        (0.04213, "0.042"),
        (0.0505, "0.051"),
        (0.04957, "0.0496"),  # not "0.050" beside "flagged only where p < 0.05"
        (0.05004, "0.05004"),  # nor rounded onto it from above
        (0.05, "0.050"),
        (0.5, "0.500"),
        (1.0, "1.000"),
    ],
)
def test_p_values_are_written_as_people_read_them(p, written):
    assert readable_p(p) == written


def test_a_p_value_in_a_sentence():
    assert (p_statement(0.0002), p_statement(0.04213)) == ("p < 0.001", "p = 0.042")


@given(st.floats(0, 1))
def test_a_written_p_value_is_under_a_thousandth_or_within_rounding(p):
    written = readable_p(p)
    if p < 0.001:
        assert written == "< 0.001"
    else:
        assert abs(float(written) - p) <= 0.0005 + 1e-12 and len(written) >= 5
        # which side of the small groups' threshold it lies on is never lost in rounding
        assert float(written) != 0.05 or p == 0.05 or abs(p - 0.05) < 1e-12


LABELS = st.sampled_from(["a", "b", "c", "d", None, ""])


@st.composite
def populations(draw):
    """Up to 200 people with two sensitive attributes and two outcomes."""
    n = draw(st.integers(0, 200))
    column = st.lists(LABELS, min_size=n, max_size=n)
    flags = st.lists(st.booleans(), min_size=n, max_size=n)
    sensitive = {
        "gender": np.array(draw(column), dtype=object),
        "age_band": np.array(draw(column), dtype=object),
    }
    outcomes = {
        "manager_recommended": np.array(draw(flags), dtype=bool),
        "target_above_current": np.array(draw(flags), dtype=bool),
    }
    return outcomes, sensitive, n


def plain(value) -> bool:
    """Only JSON's own Python types all the way down (no numpy scalars, no NaN)."""
    if isinstance(value, dict):
        return all(type(k) is str and plain(v) for k, v in value.items())
    if isinstance(value, list):
        return all(plain(v) for v in value)
    if type(value) is float:
        return bool(np.isfinite(value))
    return value is None or type(value) in (str, int, bool)


def encoded(sensitive: dict) -> dict:
    return {name: group_codes(name, values, len(values)) for name, values in sensitive.items()}


def counted_people(sensitive: dict) -> np.ndarray:
    """Who the tables may count, worked out afresh: nobody of a group (unknown included) of
    fewer than five on some attribute, repeatedly."""
    some = next(iter(sensitive.values()))
    counted = np.ones(len(some), dtype=bool)
    while True:
        dropped = np.zeros(counted.size, dtype=bool)
        for values in sensitive.values():
            labels = np.array([v if v not in (None, "") else "\0unknown" for v in values])
            for label in set(labels[counted]):
                mine = counted & (labels == label)
                if mine.sum() < SMALLEST_SHOWN:
                    dropped |= mine
        if not dropped.any():
            return counted
        counted &= ~dropped


def assert_no_line_gives_a_small_cell_away(report, outcomes, sensitive) -> None:
    """An attacker with every number the report shows, and the overall total, subtracting
    along every line (a group of a one-attribute table over its cells in the two-attribute
    table, people of unknown value included as cells of their own; a table's total over its
    cells) for as long as one unknown sum is left alone in a line, never learns the outcomes
    of fewer than five people. And every number shown is right for the people counted."""
    counted, _ = _tables(encoded(sensitive), 2, report["smallest_comparable"])
    assert not (counted & ~counted_people(sensitive)).any()  # a small group is never counted
    assert report["set_aside"] == int((~counted).sum())
    (a, b) = sensitive
    label = {
        name: np.array([v if v not in (None, "") else None for v in values], dtype=object)
        for name, values in sensitive.items()
    }
    for name, selected in outcomes.items():
        known: dict[tuple, int] = {}  # (attribute or pair, cell labels) -> outcome sum
        for attribute in (a, b):
            for group in entry(report, attribute)["outcomes"][name]["groups"]:
                mine = counted & (label[attribute] == group["group"])
                if group["withheld"] != "set_aside":
                    assert group["n"] == int(mine.sum())
                if not group["not_shown"]:
                    assert group["count"] == int((mine & selected).sum())
                    known[(attribute,), (group["group"],)] = group["count"]
        for group in entry(report, f"{a} × {b}")["outcomes"][name]["groups"]:
            x, y = group["group"].split(" × ")
            mine = counted & (label[a] == x) & (label[b] == y)
            if group["withheld"] != "set_aside":
                assert group["n"] == int(mine.sum())
            if not group["not_shown"]:
                assert group["count"] == int((mine & selected).sum())
                known[(a, b), (x, y)] = group["count"]
        total = int((counted & selected).sum())
        values = {key: set(label[key][counted]) for key in (a, b)}
        people = {}
        for x in values[a]:
            people[(a,), (x,)] = int((counted & (label[a] == x)).sum())
            for y in values[b]:
                people[(a, b), (x, y)] = int((counted & (label[a] == x) & (label[b] == y)).sum())
        for y in values[b]:
            people[(b,), (y,)] = int((counted & (label[b] == y)).sum())
        cells = {key for key, count in people.items() if count}
        lines = [({(p, c) for p, c in cells if p == (key,)}, None) for key in (a, b)]
        lines += [({c for c in cells if c[0] == (a, b)}, None)]
        lines += [
            ({c for c in cells if c[0] == (a, b) and c[1][0] == x}, ((a,), (x,))) for x in values[a]
        ]
        lines += [
            ({c for c in cells if c[0] == (a, b) and c[1][1] == y}, ((b,), (y,))) for y in values[b]
        ]
        changed = True
        while changed:
            changed = False
            for members, whole in lines:
                if whole is not None and whole not in known:
                    continue
                left = [cell for cell in members if cell not in known]
                if len(left) == 1:
                    rest = sum(known[cell] for cell in members if cell in known)
                    known[left[0]] = (total if whole is None else known[whole]) - rest
                    changed = True
        for cell, count in people.items():
            if count and cell in known:
                parts, labels = cell
                mine = counted.copy()
                for part, value in zip(parts, labels, strict=True):
                    mine &= label[part] == value
                assert known[cell] == int((mine & selected).sum())  # the attacker is right
                assert count >= SMALLEST_SHOWN, f"{cell} of {count} people worked out"


def assert_adjusted_for_every_comparison(report: dict) -> None:
    """Every group with a p against its reference has it adjusted for all of the report's
    comparisons: never below its own p nor above 1, in the same order as the raw p-values;
    a group without a p has no adjusted one."""
    groups = [
        g
        for attribute in report["attributes"]
        for cell in attribute["outcomes"].values()
        for g in cell["groups"]
    ]
    compared = [g for g in groups if g["p_value"] is not None]
    assert report["comparisons"]["count"] <= len(compared)  # a test repeated counts once
    assert all(g["p_adjusted"] is None for g in groups if g["p_value"] is None)
    assert all(g["p_value"] <= g["p_adjusted"] <= 1.0 for g in compared)
    for g in groups:
        interval = g["impact_ratio_interval"]
        if g["impact_ratio"] is None or g["p_value"] is None:  # not compared, or the reference
            assert interval is None
        elif interval is not None:  # None where nobody in a comparable group was selected
            assert 0.0 <= interval[0] <= g["impact_ratio"] <= interval[1]
            assert (interval[0] == 0.0) == (g["count"] == 0)
    ranked = sorted(compared, key=lambda g: g["p_value"])
    assert all(a["p_adjusted"] <= b["p_adjusted"] * (1 + 1e-3) for a, b in pairwise(ranked))
    assert report["comparisons"]["under_alpha_adjusted"] <= report["comparisons"]["under_alpha"]


@settings(max_examples=60, deadline=None)
@given(populations())
def test_properties_of_any_report(population):
    outcomes, sensitive, n = population
    report = fairness_report(outcomes, sensitive)
    assert [e["attribute"] for e in report["attributes"]] == [
        "gender",
        "age_band",
        "gender × age_band",
    ]
    for attribute in report["attributes"]:
        assert attribute["known"] + attribute["unknown"] == n
        for cell in attribute["outcomes"].values():
            groups = cell["groups"]
            counted = [g for g in groups if g["withheld"] != "set_aside"]
            assert sum(g["n"] for g in counted) == attribute["known"] - attribute["set_aside"]
            labels = [g["group"] for g in groups]
            assert labels == sorted(labels) and len(set(labels)) == len(labels)
            shown = [g for g in groups if not g["not_shown"]]
            assert all(g["n"] >= SMALLEST_SHOWN and g["withheld"] is None for g in shown)
            assert all(0.0 <= g["rate"] <= 1.0 and g["count"] <= g["n"] for g in shown)
            assert all(
                g["withheld"] in ("few", "set_aside", "complement")
                and not g["flagged"]
                and all(g[key] is None for key in WITHHELD)
                for g in groups
                if g["not_shown"]
            )
            assert all(g["withheld"] == "few" for g in groups if g["n"] < SMALLEST_SHOWN and
                       g["withheld"] != "set_aside")  # fmt: skip
            if len(attribute["parts"]) == 1:  # one attribute: only whole groups set aside
                assert all(g["withheld"] in (None, "set_aside") for g in groups)
            assert cell["groups_not_shown"] == len(groups) - len(shown)
            assert cell["flagged"] == any(g["flagged"] for g in groups)
            big = [g for g in groups if not g["small_group"]]
            assert all(g["n"] >= report["smallest_comparable"] for g in big)
            assert all(g["n"] < report["smallest_comparable"] for g in groups if g["small_group"])
            comparable = [g for g in big if not g["not_shown"]]
            assert cell["test"] in (None, *TESTS)
            assert cell["chi_square_p"] == (
                cell["p_value"] if cell["test"] == "chi-square" else None
            )
            assert (cell["p_value"] is None) == (cell["test"] is None)
            if comparable:
                (reference,) = [g for g in groups if g["group"] == cell["reference_group"]]
                assert reference["impact_ratio"] == 1.0 and reference["p_value"] is None
                assert reference["rate"] == max(g["rate"] for g in comparable)
                assert cell["note"] is None
            else:
                assert cell["reference_group"] is None
                assert all(g["p_value"] is None for g in groups)
                why = REFERENCE_WITHHELD if big else NO_REFERENCE
                assert cell["note"] == (why if groups else None)
            for g in groups:
                if g["not_shown"] or not comparable:
                    assert g["impact_ratio"] is None and g["flagged"] is False
                    continue
                if g["small_group"]:  # never the reference, flagged only beyond chance
                    assert g["group"] != cell["reference_group"] and g["impact_ratio"] >= 0.0
                    assert (
                        g["flagged"]
                        == (
                            g["impact_ratio"] < IMPACT_RATIO_FLAG
                            and g["p_value"] < SMALL_GROUP_ALPHA
                        )
                        or abs(g["impact_ratio"] - IMPACT_RATIO_FLAG) < 1e-4
                    )
                    continue
                assert 0.0 <= g["impact_ratio"] <= 1.0
                assert g["flagged"] == (g["impact_ratio"] < IMPACT_RATIO_FLAG) or (
                    abs(g["impact_ratio"] - IMPACT_RATIO_FLAG) < 1e-4
                )
                assert g["p_value"] is None or 0.0 <= g["p_value"] <= 1.0
    assert [
        (f["attribute"], f["outcome"], f["group"], f["p_adjusted"]) for f in report["flagged"]
    ] == [
        (entry["attribute"], outcome, group["group"], group["p_adjusted"])
        for entry in report["attributes"]
        for outcome, cell in entry["outcomes"].items()
        for group in cell["groups"]
        if group["flagged"]
    ]
    assert_adjusted_for_every_comparison(report)
    assert_no_line_gives_a_small_cell_away(report, outcomes, sensitive)
    assert plain(report)
    assert json.loads(json.dumps(report, allow_nan=False)) == report


@settings(max_examples=40, deadline=None)
@given(populations(), st.randoms(use_true_random=False))
def test_permuting_people_does_not_change_the_report(population, random):
    outcomes, sensitive, n = population
    order = list(range(n))
    random.shuffle(order)
    shuffled = fairness_report(
        {name: values[order] for name, values in outcomes.items()},
        {name: values[order] for name, values in sensitive.items()},
    )
    assert shuffled == fairness_report(outcomes, sensitive)


def test_one_huge_group_label_costs_its_own_size_not_its_size_for_everyone():
    """A fixed-width text array would make every person's label as wide as the longest one
    (a 20 MB value among 150,000 people asked for 217 GiB)."""
    labels = np.array(["a", "b"] * 100 + ["x" * 1_000_000], dtype=object)
    outcome = np.arange(len(labels)) % 3 == 0
    tracemalloc.start()
    report = fairness_report({"success": outcome}, {"group": labels})
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 50_000_000
    assert len(by_group(entry(report, "group")["outcomes"]["success"])) == 3


def test_two_people_of_unknown_age_are_left_out_since_the_totals_would_give_them_away():
    """Everyone's gender is known: the gender total less the age groups would be the two
    people of unknown age. They are counted nowhere (a review's finding)."""
    gender = np.array(["man"] * 60 + ["woman"] * 62, dtype=object)
    age = np.array(["young", "old"] * 60 + [None, None], dtype=object)
    selected = np.zeros(122, dtype=bool)
    selected[::3] = True
    selected[-2:] = [True, False]
    report = fairness_report({"o": selected}, {"gender": gender, "age": age})
    genders = entry(report, "gender")["outcomes"]["o"]["groups"]
    ages = entry(report, "age")["outcomes"]["o"]["groups"]
    assert sum(g["count"] for g in genders) == sum(g["count"] for g in ages)
    assert entry(report, "age")["unknown_set_aside"] == 2 and report["set_aside"] == 2


def test_the_unknown_share_of_a_row_covers_a_small_cell_only_where_nothing_recovers_it():
    """All three people of unknown age are women: the age table's unknown share is theirs, so
    the woman row cannot hide (woman, old) behind it, and a complement is withheld."""
    blocks = [("man", "young", 40, 20), ("man", "old", 40, 10), ("woman", "young", 40, 12),
              ("woman", "old", 3, 1), ("woman", None, 5, 2)]  # fmt: skip
    gender = np.concatenate([np.full(b[2], b[0], dtype=object) for b in blocks])
    age = np.concatenate([np.full(b[2], b[1], dtype=object) for b in blocks])
    selected = np.concatenate([np.arange(b[2]) < b[3] for b in blocks])
    cell = entry(fairness_report({"o": selected}, {"gender": gender, "age": age}), "gender × age")
    withheld = {g["group"] for g in cell["outcomes"]["o"]["groups"] if g["not_shown"]}
    assert {"woman × old", "man × old", "woman × young", "man × young"} == withheld


def test_a_three_way_table_may_not_add_up_to_a_complement_of_the_table_below():
    """(m, t3) is withheld to cover (m, t1); the three-way cells inside it must not all be
    shown, or their sum would be it, and (m, t1) the row less it (a review's finding)."""
    blocks = [("m", "m", "t1", 1), ("m", "m", "t3", 15), ("m", "o", "t1", 1), ("m", "o", "t2", 1),
              ("m", "o", "t3", 10), ("w", "m", "t1", 1), ("w", "o", "t2", 1), ("x", "m", "t1", 1),
              ("x", "m", "t3", 2), ("x", "o", "t1", 2)]  # fmt: skip
    columns = [
        np.concatenate([np.full(b[3], b[j], dtype=object) for b in blocks]) for j in range(3)
    ]
    selected = np.arange(len(columns[0])) % 2 == 0
    report = fairness_report(
        {"o": selected}, dict(zip("gat", columns, strict=True)), max_intersection=3
    )
    below = by_group(entry(report, "g × t")["outcomes"]["o"])
    above = entry(report, "g × a × t")["outcomes"]["o"]["groups"]
    for name, group in below.items():
        if group["not_shown"] and group["withheld"] != "set_aside":
            g, t = name.split(" × ")
            inside = [c for c in above if c["group"].split(" × ")[::2] == [g, t]]
            assert not inside or any(c["not_shown"] for c in inside), name


def test_labels_pandas_leaves_missing_are_unknown():
    pandas = pytest.importorskip("pandas")
    labels = np.array(["a", pandas.NA, "b", pandas.NaT, float("nan")] * 10, dtype=object)
    report = fairness_report({"o": np.arange(50) % 2 == 0}, {"g": labels})
    assert entry(report, "g")["unknown"] == 30


def test_labels_holding_the_joining_sign_never_give_two_groups_one_name():
    a = np.array(["x × y"] * 5 + ["x"] * 5, dtype=object)
    b = np.array(["w"] * 5 + ["y × w"] * 5, dtype=object)
    report = fairness_report({"o": np.arange(10) % 2 == 0}, {"a": a, "b": b})
    names = [g["group"] for g in entry(report, "a × b")["outcomes"]["o"]["groups"]]
    assert sorted(names) == ['"x × y" × w', 'x × "y × w"']


def shown_counts(report: dict, name: str = "o") -> dict[tuple[str, str], tuple[int, int | None]]:
    """(table, group) -> (people, count shown) for every group counted."""
    return {
        (e["attribute"], g["group"]): (g["n"], g["count"])
        for e in report["attributes"]
        for g in e["outcomes"][name]["groups"]
        if g["withheld"] != "set_aside"
    }


def test_no_subtraction_across_tables_gives_away_people_the_report_never_combines():
    """Everyone of (a, c) is also b: (a, b) less (a, c) would be the two people of (a, b, not
    c), a combination no table shows (a review's finding, three attributes in pairs)."""
    rows = [("a", "b", "c")] * 5 + [("a", "b", "cc")] * 2 + [("a", "bb", "cc")] * 10
    rows += [("aa", "b", "c"), ("aa", "bb", "c"), ("aa", "b", "cc"), ("aa", "bb", "cc")] * 8
    a, b, c = (np.array(column, dtype=object) for column in zip(*rows, strict=True))
    selected = np.zeros(len(rows), dtype=bool)
    selected[5:7] = True
    shown = shown_counts(fairness_report({"o": selected}, {"A": a, "B": b, "C": c}))
    (n1, c1), (n2, c2) = (
        shown.get(("A × B", "a × b"), (0, 0)),
        shown.get(("A × C", "a × c"), (0, 0)),
    )
    if c1 is not None and c2 is not None:
        assert n1 - n2 == 0 or n1 - n2 >= SMALLEST_SHOWN


def test_no_sum_of_several_withheld_cells_is_given_away():
    """p's and q's people less the y column, plus (r, y), less (q, x): the one person of (p, x)
    with the three of q whose B is unknown: four people (a review's finding)."""
    cells = [("p", "x", 1, 1), ("p", "y", 13, 0), ("q", None, 3, 0), ("q", "x", 19, 2),
             ("q", "y", 31, 0), ("r", None, 2, 0), ("r", "x", 13, 1),
             ("r", "y", 49, 1)]  # fmt: skip
    a = np.concatenate([np.full(n, x, dtype=object) for x, _, n, _ in cells])
    b = np.concatenate([np.full(n, y, dtype=object) for _, y, n, _ in cells])
    selected = np.concatenate([np.arange(n) < k for _, _, n, k in cells])
    report = fairness_report({"o": selected}, {"A": a, "B": b})
    shown = shown_counts(report)
    parts = [
        ("A", "p", 1),
        ("A", "q", 1),
        ("B", "y", -1),
        ("A × B", "r × y", 1),
        ("A × B", "q × x", -1),
    ]
    if all(shown.get(k[:2], (0, None))[1] is not None for k in parts):
        people = sum(sign * shown[table, group][0] for table, group, sign in parts)
        assert people == 0 or people >= SMALLEST_SHOWN
    assert report["set_aside"] >= 1  # the one person of (p, x) is counted nowhere


def test_an_outcome_some_cannot_have_is_counted_among_those_who_can():
    """100 people aged 50 and over all hold the top grade, so none is advised a target above
    it: counted among everyone, their 0% would be flagged against the under-50s' 40%;
    counted among those below the top, there is nobody of 50 and over to compare."""
    age, above = people(("under 50", 300, 120), ("50 and over", 100, 0))
    below_top = age == "under 50"
    manager = np.arange(400) % 3 == 0
    outcomes = {"manager_recommended": manager, "target_above_current": above}
    everyone = fairness_report(outcomes, {"age_band": age})
    assert [f["group"] for f in everyone["flagged"]] == ["50 and over"]
    report = fairness_report(
        outcomes, {"age_band": age}, applies_to={"target_above_current": below_top}
    )
    assert report["flagged"] == []
    cells = report["attributes"][0]["outcomes"]
    assert list(cells) == ["manager_recommended", "target_above_current"]  # as given
    assert unadjusted(cells["manager_recommended"]) == unadjusted(
        everyone["attributes"][0]["outcomes"]["manager_recommended"]
    )
    target = cells["target_above_current"]
    assert (target["counted"], target["not_counted"]) == (300, 100)
    assert [(g["group"], g["n"], g["rate"]) for g in target["groups"]] == [("under 50", 300, 0.4)]
    assert counted_among("target_above_current", target) == (
        "Counted among the 300 people below the top grade of the ladders (or whose grade is not "
        "known); the 100 at the top grade (no target can be above the level they hold) are left "
        "out. No one in 50 and over is among them, so it has no row here."
    )
    assert target["none_counted"] == ["50 and over"]
    assert counted_among("manager_recommended", cells["manager_recommended"]) == ""
    json.dumps(report, allow_nan=False)


def test_people_an_outcome_s_own_tables_leave_out_are_said_with_whom_it_counts():
    """Six people of team "c", three of them below the top: shown among everyone, but among
    those below the top a group of three, left out of that outcome's counts, and said so."""
    team, manager = people(("a", 200, 80), ("b", 200, 60), ("c", 6, 2))
    below_top = np.ones(team.size, dtype=bool)
    below_top[-3:] = False
    report = fairness_report(
        {"manager_recommended": manager, "target_above_current": manager},
        {"team": team},
        applies_to={"target_above_current": below_top},
    )
    (entry_,) = report["attributes"]
    assert entry_["set_aside"] == 0  # among everyone, c's six are shown
    target = entry_["outcomes"]["target_above_current"]
    assert target["set_aside_among_counted"] == 3
    assert by_group(target)["c"]["withheld"] == "set_aside_among_counted"
    # left out of this table's counts, not of every table: the manager table shows c's six
    assert withheld_reason(by_group(target)["c"]) == (
        "not shown: too few of them among the people counted here, left out of this table's counts"
    )
    assert counted_among("target_above_current", target).endswith(
        "; the 3 at the top grade (no target can be above the level they hold) are left out; "
        "of the 403, 3 are left out of these counts too (in a group too small to show among "
        "them, or kept back with one)."
    )


def test_a_group_left_out_of_every_table_is_said_to_be_in_an_outcome_counted_among_some():
    """Three people of team "tiny", all below the top: left out of every table, the target
    table's too, and said so there (it read "too few of them among the people counted
    here", found by an outside statistician)."""
    team, manager = people(("a", 200, 80), ("b", 200, 60), ("tiny", 3, 1))
    below_top = np.ones(team.size, dtype=bool)
    below_top[:5] = False
    report = fairness_report(
        {"manager_recommended": manager, "target_above_current": manager},
        {"team": team},
        applies_to={"target_above_current": below_top},
    )
    (entry_,) = report["attributes"]
    for cell in entry_["outcomes"].values():
        tiny = by_group(cell)["tiny"]
        assert tiny["withheld"] == "set_aside"
        assert withheld_reason(tiny) == "not shown: fewer than 5 people, left out of every table"


def unadjusted(cell: dict) -> dict:
    """An outcome's cell without the p-values adjusted for the report's comparisons."""
    groups = [{k: v for k, v in g.items() if k != "p_adjusted"} for g in cell["groups"]]
    return {**cell, "groups": groups}


@settings(max_examples=40, deadline=None)
@given(populations(), st.data())
def test_an_outcome_counted_among_some_is_their_own_report(population, data):
    outcomes, sensitive, n = population
    mask = np.array(data.draw(st.lists(st.booleans(), min_size=n, max_size=n)), dtype=bool)
    report = fairness_report(outcomes, sensitive, applies_to={"target_above_current": mask})
    alone = fairness_report(
        {"target_above_current": outcomes["target_above_current"][mask]},
        {name: values[mask] for name, values in sensitive.items()},
    )
    rest = fairness_report({"manager_recommended": outcomes["manager_recommended"]}, sensitive)
    for entry_, theirs, everyone in zip(
        report["attributes"], alone["attributes"], rest["attributes"], strict=True
    ):
        assert entry_["attribute"] == theirs["attribute"] == everyone["attribute"]
        cell = dict(entry_["outcomes"]["target_above_current"])
        assert (cell.pop("counted"), cell.pop("not_counted")) == (mask.sum(), n - mask.sum())
        kept_back = theirs["set_aside"] + theirs["unknown_set_aside"]
        assert cell.pop("set_aside_among_counted") == kept_back
        # every group of everyone's table is in this one's or named as having nobody counted
        rows = {group["group"] for group in cell["groups"]}
        everyones = {
            group["group"]
            for group in everyone["outcomes"]["manager_recommended"]["groups"]
            if group["withheld"] != "set_aside"
        }
        assert set(cell.pop("none_counted")) == everyones - rows
        # the same tables; each p adjusted over the one report's comparisons, not each part's,
        # and a group set aside from this outcome's tables is set aside from these alone
        for group in cell["groups"]:
            if group["withheld"] == "set_aside_among_counted":
                group["withheld"] = "set_aside"
        assert unadjusted(cell) == unadjusted(theirs["outcomes"]["target_above_current"])
        assert unadjusted(entry_["outcomes"]["manager_recommended"]) == unadjusted(
            everyone["outcomes"]["manager_recommended"]
        )
    assert len(report["flagged"]) == len(alone["flagged"]) + len(rest["flagged"])
    assert plain(report)


def test_whom_an_outcome_applies_to_is_checked():
    outcomes = {"o": np.ones(4, dtype=bool)}
    gender = {"gender": np.array(["a"] * 4, dtype=object)}
    with pytest.raises(ValueError, match="applies_to names outcomes not given: p"):
        fairness_report(outcomes, gender, applies_to={"p": np.ones(4, dtype=bool)})
    with pytest.raises(ValueError, match=r"applies_to\['o'\].*float64"):
        fairness_report(outcomes, gender, applies_to={"o": np.ones(4)})
    with pytest.raises(ValueError, match=r"applies_to\['o'\] has 3 entries but outcome 'o' has 4"):
        fairness_report(outcomes, gender, applies_to={"o": np.ones(3, dtype=bool)})
    nobody = fairness_report(outcomes, gender, applies_to={"o": np.zeros(4, dtype=bool)})
    cell = nobody["attributes"][0]["outcomes"]["o"]
    assert (cell["counted"], cell["not_counted"], cell["groups"]) == (0, 4, [])


def test_an_outcome_counted_among_some_compares_groups_by_everyones_bar():
    """The page states one bar for comparing groups (2% of everyone assessed): the table of
    an outcome counted among fewer people uses it too, not 2% of those counted."""
    team, above = people(("a", 1455, 700), ("b", 45, 10), ("c", 1500, 0))
    counted = team != "c"  # 1,500 of 3,000: their own 2% would be 30
    report = fairness_report(
        {"target_above_current": above},
        {"team": team},
        applies_to={"target_above_current": counted},
    )
    assert report["smallest_comparable"] == 60
    groups = {
        g["group"]: g for g in report["attributes"][0]["outcomes"]["target_above_current"]["groups"]
    }
    assert set(groups) == {"a", "b"}
    assert groups["b"]["small_group"] and not groups["a"]["small_group"]


@pytest.mark.parametrize(
    ("ratio", "said"),
    [
        (0.9545, "0.95"),  # two decimals, as the range's ends
        (1.0, "1.00"),
        (0.7996, "0.7996"),  # "0.80" would read as not under the four-fifths line
        (0.8004, "0.8004"),
        (0.8, "0.80"),
        (0.003, "0.003"),  # a small one is not 0.00
        (None, "–"),
    ],
)
def test_a_ratio_reads_with_the_decimals_its_flag_needs(ratio, said):
    assert ratio_said(ratio) == said
