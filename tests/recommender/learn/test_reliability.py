"""Questionnaire quality statistics: alpha, its interval, omega of the same raw item mean
(with Heywood cases and unsettled factoring reported) and item statistics."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from recommender.answer.scoring import answer_matrix, scoring_layout
from recommender.learn import reliability
from recommender.learn.reliability import (
    TRAFFIC_LIGHTS,
    WEAK_ITEM,
    _distinct_rows,
    alpha_interval,
    construct_quality,
    cronbach_alpha,
    fit_omega,
    mcdonald_omega,
    omega_interval,
    questionnaire_quality,
)
from recommender.learn.synthetic import synthetic_profiles
from recommender.pack.fields import FLAG_IDS

LIGHTS = {light for light, _ in TRAFFIC_LIGHTS}

# Four people, three items. By hand:
#   item 1: 1 2 3 4, mean 2.5, variance (2.25 + .25 + .25 + 2.25) / 3 = 5/3
#   item 2: 1 3 3 5, mean 3,   variance (4 + 0 + 0 + 4) / 3           = 8/3
#   item 3: 2 2 4 4, mean 3,   variance (1 + 1 + 1 + 1) / 3           = 4/3
#   totals: 4 7 10 13, mean 8.5, variance (20.25 + 2.25 + 2.25 + 20.25) / 3 = 15
#   alpha = 3/2 * (1 - (17/3) / 15) = 3/2 * 28/45 = 14/15
HAND = np.array([[1, 1, 2], [2, 3, 2], [3, 3, 4], [4, 5, 4]], dtype=float)
HAND_ALPHA = 14 / 15


def one_factor(loadings, n, seed):
    """Standardised items: loading * factor + sqrt(1 - loading^2) * unique noise."""
    rng = np.random.default_rng(seed)
    loadings = np.asarray(loadings, dtype=float)
    factor = rng.normal(size=(n, 1))
    noise = rng.normal(size=(n, len(loadings)))
    return factor * loadings + noise * np.sqrt(1 - loadings**2)


def exact_scores(n, k, seed):
    """(n, k) centred scores whose sample covariance (ddof=1) is exactly the identity."""
    z = np.random.default_rng(seed).normal(size=(n, k))
    q, _ = np.linalg.qr(z - z.mean(axis=0))
    return q * np.sqrt(n - 1)


def exact_one_factor(loadings, unique, n=60, seed=0):
    """Raw items whose sample covariance is exactly loadings loadings' + diag(unique)."""
    loadings, unique = np.asarray(loadings, float), np.asarray(unique, float)
    scores = exact_scores(n, len(loadings) + 1, seed)
    return scores[:, :1] * loadings + scores[:, 1:] * np.sqrt(unique) + np.arange(len(loadings))


def standardised(items):
    return (items - items.mean(axis=0)) / items.std(axis=0, ddof=1)


# Three items correlated .8, .8 and .5: one factor would need item 0 to load sqrt(.8 * .8 / .5)
# = 1.13 on it, a communality of 1.28 (a Heywood case).
HEYWOOD = (
    exact_scores(200, 3, 12)
    @ np.linalg.cholesky(np.array([[1, 0.8, 0.8], [0.8, 1, 0.5], [0.8, 0.5, 1]])).T
)


def likert(values):
    """Continuous scores to answers on 1..5."""
    return np.clip(np.round(3 + values), 1, 5)


def quality(scored, low=1.0, high=5.0, raw=None):
    """construct_quality of unreversed answers (raw = scored unless given)."""
    k = scored.shape[1]
    return construct_quality(
        scored if raw is None else raw,
        scored,
        np.full(k, low),
        np.full(k, high),
        [f"i{i}" for i in range(k)],
    )


# --- alpha ----------------------------------------------------------------------------------


def test_alpha_by_hand():
    assert cronbach_alpha(HAND) == pytest.approx(HAND_ALPHA, abs=1e-12)


def test_alpha_agrees_with_covariance_and_anova_formulas():
    """Two independent routes: k/(k-1) (1 - trace(C) / sum(C)), and Hoyt's ANOVA
    1 - MS(residual) / MS(people)."""
    rng = np.random.default_rng(3)
    matrix = likert(one_factor([0.7, 0.6, 0.5, 0.8], 40, 3) + rng.normal(0, 0.2, (40, 4)))
    n, k = matrix.shape
    cov = np.cov(matrix, rowvar=False)
    by_covariance = k / (k - 1) * (1 - np.trace(cov) / cov.sum())
    grand = matrix.mean()
    people = k * ((matrix.mean(axis=1) - grand) ** 2).sum() / (n - 1)
    residual = matrix - matrix.mean(axis=1, keepdims=True) - matrix.mean(axis=0) + grand
    hoyt = 1 - (residual**2).sum() / ((n - 1) * (k - 1)) / people
    assert cronbach_alpha(matrix) == pytest.approx(by_covariance, abs=1e-12)
    assert cronbach_alpha(matrix) == pytest.approx(hoyt, abs=1e-12)
    assert cronbach_alpha(HAND) == pytest.approx(
        3 / 2 * (1 - np.trace(np.cov(HAND.T)) / np.cov(HAND.T).sum()), abs=1e-12
    )


def test_alpha_uses_complete_rows_only():
    with_gaps = np.vstack([HAND, [[5, np.nan, 1], [np.nan, np.nan, np.nan]]])
    assert cronbach_alpha(with_gaps) == pytest.approx(HAND_ALPHA, abs=1e-12)


def test_parallel_items_have_alpha_one():
    true = np.random.default_rng(1).normal(size=(50, 1))
    parallel = true + np.array([0.0, 1.0, -2.0, 0.5])  # same item, shifted
    assert cronbach_alpha(parallel) == pytest.approx(1.0, abs=1e-12)
    assert mcdonald_omega(parallel) == pytest.approx(1.0, abs=1e-3)


def test_independent_items_have_alpha_near_zero():
    noise = np.random.default_rng(2).normal(size=(20000, 6))
    assert abs(cronbach_alpha(noise)) < 0.03


def test_alpha_refuses_what_it_cannot_compute():
    with pytest.raises(ValueError, match="2 items"):
        cronbach_alpha(HAND[:, :1])
    with pytest.raises(ValueError, match="complete rows"):
        cronbach_alpha(HAND[:1])
    with pytest.raises(ValueError, match="variance"):
        cronbach_alpha(np.full((5, 3), 3.0))


# --- Feldt interval -------------------------------------------------------------------------


@pytest.mark.parametrize("alpha", [-0.2, 0.3, 0.7, 0.85, 0.97])
def test_feldt_interval_contains_alpha_and_narrows_with_n(alpha):
    widths = []
    for n in (20, 100, 1000):
        lower, upper = alpha_interval(alpha, n, 6)
        assert lower < alpha < upper < 1
        widths.append(upper - lower)
    assert widths[0] > widths[1] > widths[2]


def test_feldt_interval_is_wider_at_higher_level():
    lower90, upper90 = alpha_interval(0.8, 60, 5, level=0.90)
    lower99, upper99 = alpha_interval(0.8, 60, 5, level=0.99)
    assert lower99 < lower90 < 0.8 < upper90 < upper99


def test_feldt_interval_covers_the_population_alpha():
    """Parallel items (true score + independent error, the model behind Feldt's interval):
    item reliability .5, so population alpha = 5 * .5 / (1 + 4 * .5) = 5/6."""
    rng = np.random.default_rng(4)
    replicates, n, k = 1000, 40, 5
    data = rng.normal(size=(replicates, n, 1)) + rng.normal(size=(replicates, n, k))
    covered = 0
    for sample in data:
        lower, upper = alpha_interval(cronbach_alpha(sample), n, k)
        covered += lower <= 5 / 6 <= upper
    assert 0.93 <= covered / replicates <= 0.97


# --- omega ----------------------------------------------------------------------------------


def test_omega_exceeds_alpha_for_unequal_loadings_and_matches_population():
    """Population omega = (sum l)^2 / ((sum l)^2 + sum(1 - l^2)) = 7.29 / 10.46 = .697;
    population alpha (standardised) = .6525, lower because tau-equivalence fails."""
    loadings = np.array([0.9, 0.8, 0.5, 0.3, 0.2])
    items = one_factor(loadings, 20000, 5)
    population = loadings.sum() ** 2 / (loadings.sum() ** 2 + (1 - loadings**2).sum())
    omega, alpha = mcdonald_omega(items), cronbach_alpha(items)
    assert omega == pytest.approx(population, abs=0.02)
    assert omega > alpha + 0.02


def test_omega_is_close_to_alpha_for_equal_loadings():
    items = one_factor([0.7] * 6, 20000, 6)
    population = 4.2**2 / (4.2**2 + 6 * 0.51)
    assert mcdonald_omega(items) == pytest.approx(population, abs=0.02)
    assert mcdonald_omega(items) == pytest.approx(cronbach_alpha(items), abs=0.01)


def test_omega_does_not_depend_on_the_factor_sign_item_shifts_or_a_common_scale():
    items = one_factor([0.8, 0.6, 0.7, 0.5], 500, 7)
    omega = mcdonald_omega(items)
    assert mcdonald_omega(-items) == pytest.approx(omega, abs=1e-9)
    assert mcdonald_omega(items * 3 + [10, -2, 0, 5]) == pytest.approx(omega, abs=1e-9)


def test_omega_and_alpha_describe_the_same_raw_score():
    """Tau-equivalent raw items (equal loadings on their own scales) with unequal error
    variances: the raw mean's omega is its alpha, 16 / (16 + 7.3); the sum of standardised
    items, whose loadings differ, is another score with another reliability."""
    items = exact_one_factor([1.0, 1.0, 1.0, 1.0], [0.3, 1.0, 2.0, 4.0])
    assert mcdonald_omega(items) == pytest.approx(16 / 23.3, abs=1e-6)
    assert mcdonald_omega(items) == pytest.approx(cronbach_alpha(items), abs=1e-6)
    assert mcdonald_omega(standardised(items)) > cronbach_alpha(items) + 0.05


@settings(max_examples=60, deadline=None)
@given(
    st.integers(3, 7).flatmap(
        lambda k: st.tuples(
            # standardised loadings .28 to .96: weaker or stronger items make the factoring
            # creep past its iteration limit (which is reported, and tested below)
            st.lists(st.floats(0.5, 2.0), min_size=k, max_size=k),
            st.lists(st.floats(0.3, 3.0), min_size=k, max_size=k),
        )
    ),
    st.integers(0, 1000),
)
def test_omega_recovers_the_raw_scores_reliability_from_an_exact_one_factor_covariance(model, seed):
    loadings, unique = (np.array(values) for values in model)
    items = exact_one_factor(loadings, unique, seed=seed)
    fit = fit_omega(items)
    common = loadings.sum() ** 2
    assert fit.omega == pytest.approx(common / (common + unique.sum()), abs=1e-5)
    assert fit.loadings == pytest.approx(loadings, abs=1e-4)
    assert fit.heywood == () and fit.converged
    # alpha is a lower bound, reached when the loadings are equal
    assert cronbach_alpha(items) <= fit.omega + 1e-6
    equal = exact_one_factor(np.full(len(unique), loadings.mean()), unique, seed=seed)
    assert mcdonald_omega(equal) == pytest.approx(cronbach_alpha(equal), abs=1e-5)


def test_omega_and_every_item_statistic_come_with_an_interval_that_narrows_with_people():
    """No figure without its uncertainty: omega (a seeded bootstrap, the same each time), the
    corrected item-total correlations (Fisher's z) and alpha if deleted (Feldt), at 95%."""
    widths = []
    for n in (200, 2000):
        report = quality(likert(one_factor([0.8, 0.7, 0.6, 0.5], n, 11)))
        low, high = report["omega_ci"]
        assert low < report["omega"] < high
        answers = likert(one_factor([0.8, 0.7, 0.6, 0.5], n, 11))
        assert report == quality(answers[::-1])  # the same people in another order
        for stats in report["item_stats"]:
            for key in ("corrected_item_total", "alpha_if_deleted"):
                low_i, high_i = stats[f"{key}_ci"]
                assert low_i < stats[key] < high_i
        widths.append(high - low)
    assert widths[1] < widths[0] / 2  # ten times the people: about a third of the width


def test_a_heywood_case_is_reported_not_hidden():
    fit = fit_omega(HEYWOOD)
    assert fit.heywood == (0,) and fit.converged
    assert 0 < fit.unique_variances[0] < 0.01 < fit.unique_variances[1]
    report = quality(HEYWOOD, low=-10, high=10)
    assert report["omega"] == round(fit.omega, 4)
    assert report["omega_problem"].startswith("Heywood case: the one-factor model gives i0 a")
    assert "i1" not in report["omega_problem"] and report["note"] is None


def test_factoring_that_does_not_settle_is_reported():
    assert fit_omega(HEYWOOD, max_iterations=1).converged is False
    assert fit_omega(HEYWOOD, max_iterations=1).heywood == ()
    assert fit_omega(one_factor([0.8, 0.6, 0.7], 300, 13)).converged is True


def test_omega_refuses_too_few_items():
    with pytest.raises(ValueError, match="3 items"):
        mcdonald_omega(HAND[:, :2])


# --- item statistics ------------------------------------------------------------------------


def test_miskeyed_item_is_negative_and_weak_and_deleting_it_helps():
    """Item i2 was answered in reverse (people who agree with the construct disagree with it)
    but is not marked reverse-keyed."""
    items = likert(one_factor([0.8, 0.75, 0.7, 0.8, 0.7], 800, 8))
    items[:, 2] = 6 - items[:, 2]
    report = quality(items)
    stats = {s["item"]: s for s in report["item_stats"]}
    assert stats["i2"]["corrected_item_total"] < 0
    assert "i2" in report["negative_items"]
    assert "i2" in report["weak_items"]
    assert report["negative_items"] == ["i2"]
    assert stats["i2"]["alpha_if_deleted"] > report["alpha"]
    for item in ("i0", "i1", "i3", "i4"):
        assert stats[item]["corrected_item_total"] >= WEAK_ITEM
        assert stats[item]["alpha_if_deleted"] < report["alpha"]


def test_item_statistics_match_direct_computation():
    items = likert(one_factor([0.8, 0.5, 0.6, 0.3], 300, 9))
    report = quality(items)
    assert report["alpha"] == round(cronbach_alpha(items), 4)
    for i, stats in enumerate(report["item_stats"]):
        rest = np.delete(items, i, axis=1)
        r = np.corrcoef(items[:, i], rest.sum(axis=1))[0, 1]
        assert stats["corrected_item_total"] == pytest.approx(r, abs=1e-4)
        assert stats["alpha_if_deleted"] == pytest.approx(cronbach_alpha(rest), abs=1e-4)


def test_floor_ceiling_and_missing_rates():
    nan = np.nan
    raw = np.array(
        [
            [1, 3, nan],
            [1, nan, nan],
            [5, nan, nan],
            [nan, 2, nan],
        ]
    )
    report = quality(raw)
    a, b, c = report["item_stats"]
    assert (a["floor"], a["ceiling"], a["missing"]) == (round(2 / 3, 4), round(1 / 3, 4), 0.25)
    assert (b["floor"], b["ceiling"], b["missing"]) == (0.0, 0.0, 0.5)
    assert (c["floor"], c["ceiling"], c["missing"]) == (None, None, 1.0)
    # no complete rows: nothing reliability-related can be computed, and the note says why
    assert report["n"] == 0
    assert report["alpha"] is report["alpha_ci"] is report["omega"] is report["light"] is None
    assert a["corrected_item_total"] is None
    assert a["alpha_if_deleted"] is None
    assert "complete responses" in report["note"]


def test_floor_and_ceiling_use_the_raw_answer():
    raw = np.array([[1.0, 5.0], [2.0, 4.0], [1.0, 5.0], [3.0, 2.0]])
    scored = raw.copy()
    scored[:, 1] = 6 - raw[:, 1]  # item 1 is reverse-keyed
    report = construct_quality(raw, scored, np.ones(2), np.full(2, 5.0), ["fwd", "rev"])
    fwd, rev = report["item_stats"]
    assert (fwd["floor"], fwd["ceiling"]) == (0.5, 0.0)
    assert (rev["floor"], rev["ceiling"]) == (0.0, 0.5)
    assert report["alpha"] > 0.9  # scored values agree
    assert report["omega"] is None
    assert "3 items" in report["note"]
    assert [s["alpha_if_deleted"] for s in report["item_stats"]] == [None, None]


def test_report_shape_and_rounding():
    report = quality(likert(one_factor([0.8, 0.7, 0.6], 200, 10)))
    assert set(report) == {
        "n",
        "responses",
        "incomplete",
        "items",
        "alpha",
        "alpha_ci",
        "omega",
        "omega_ci",
        "omega_problem",
        "light",
        "item_stats",
        "weak_items",
        "constant_items",
        "copied_items",
        "negative_items",
        "note",
    }
    assert (report["n"], report["items"], report["note"]) == (200, 3, None)
    assert report["omega_problem"] is None
    lower, upper = report["alpha_ci"]
    assert lower <= report["alpha"] <= upper
    for value in (report["alpha"], report["omega"], lower, upper):
        assert value == round(value, 4)


def test_zero_variance_gives_none_with_a_note():
    report = quality(np.full((10, 3), 4.0))
    assert report["alpha"] is None
    assert report["omega"] is None
    assert all(s["corrected_item_total"] is None for s in report["item_stats"])
    assert "no variance" in report["note"]
    assert report["weak_items"] == report["constant_items"] and len(report["weak_items"]) == 3
    assert report["negative_items"] == []


def test_items_answered_the_same_by_everyone_are_named_as_copies():
    """Found from outside: one answer copied into three columns of an upload gave omega 0.94
    and no word (their communality stays below 1, so it is no Heywood case)."""
    answers = likert(one_factor([0.8, 0.7, 0.6, 0.5, 0.6], 200, 11))
    answers[:, 2] = answers[:, 0]
    answers[:, 4] = answers[:, 0]
    report = quality(answers)
    ids = [s["item"] for s in report["item_stats"]]
    assert report["copied_items"] == [[ids[0], ids[2], ids[4]]]
    assert report["omega_problem"] is None  # not a Heywood case: a copy, said as one
    answers[5, 4] = 1 if answers[5, 4] != 1 else 2  # one person answered the third otherwise
    assert quality(answers)["copied_items"] == [[ids[0], ids[2]]]
    assert quality(likert(one_factor([0.8, 0.7, 0.6], 200, 11)))["copied_items"] == []
    # six people repeated seven times: items may match by chance, and say nothing of copies
    few = likert(one_factor([0.8, 0.7, 0.6], 6, 3))
    few[:, 1] = few[:, 0]
    assert quality(np.tile(few, (7, 1)))["copied_items"] == []


def test_an_item_everyone_answered_alike_is_named_weak():
    answers = likert(one_factor([0.8, 0.7, 0.6], 200, 11))
    answers[:, 1] = 4.0
    report = quality(answers)
    item = report["item_stats"][1]["item"]
    assert report["constant_items"] == [item] and item in report["weak_items"]
    others = {s["item"] for s in report["item_stats"]} - {item}
    assert not others & set(report["constant_items"])


@pytest.mark.parametrize(
    ("alpha", "light"),
    [(0.6999, "red"), (0.70, "amber"), (0.7999, "amber"), (0.80, "green"), (-0.3, "red")],
)
def test_traffic_lights(alpha, light):
    """Parallel items with a chosen alpha: two items with correlation r have alpha 2r/(1+r)."""
    r = alpha / (2 - alpha)
    rng = np.random.default_rng(11)
    base = rng.normal(size=(400, 2))
    base -= base.mean(axis=0)
    q, _ = np.linalg.qr(base)  # orthonormal, centred columns
    x, y = q[:, 0], r * q[:, 0] + np.sqrt(1 - r**2) * q[:, 1]
    report = quality(np.column_stack([x, y]), low=-10, high=10)
    assert report["alpha"] == pytest.approx(alpha, abs=1e-4)
    assert report["light"] == light


# --- properties -----------------------------------------------------------------------------

answer_matrices = st.integers(3, 30).flatmap(
    lambda n: st.integers(2, 6).flatmap(
        lambda k: arrays(np.float64, (n, k), elements=st.integers(1, 5).map(float))
    )
)


def _has_variance(matrix):
    return matrix.sum(axis=1).var() > 0


@settings(max_examples=200, deadline=None)
@given(answer_matrices, st.data())
def test_alpha_is_invariant_to_item_shifts_and_order(matrix, data):
    assume(_has_variance(matrix))
    k = matrix.shape[1]
    alpha = cronbach_alpha(matrix)
    item = data.draw(st.integers(0, k - 1))
    shifted = matrix.copy()
    shifted[:, item] += data.draw(st.integers(-100, 100))
    order = data.draw(st.permutations(range(k)))
    assert cronbach_alpha(shifted) == pytest.approx(alpha, rel=1e-9, abs=1e-9)
    assert cronbach_alpha(matrix[:, order]) == pytest.approx(alpha, rel=1e-9, abs=1e-9)


@settings(max_examples=200, deadline=None)
@given(answer_matrices)
def test_corrected_item_totals_are_correlations(matrix):
    report = quality(matrix)
    for stats in report["item_stats"]:
        r = stats["corrected_item_total"]
        assert r is None or -1 <= r <= 1
        assert (r is not None and r < 0) == (stats["item"] in report["negative_items"])
    if report["alpha"] is not None:
        assert report["light"] in LIGHTS
        lower, upper = report["alpha_ci"]
        assert lower <= report["alpha"] <= upper


# --- whole questionnaire --------------------------------------------------------------------


@pytest.fixture(scope="module")
def synthetic(engineering):
    outcomes, profiles = synthetic_profiles(engineering, 2000, 2026)
    flagged = np.any([profiles.flags[flag] for flag in FLAG_IDS], axis=0)
    return outcomes.answers, flagged


def test_engineering_pack_quality_on_synthetic_answers(engineering, synthetic):
    raw, flagged = synthetic
    assert 0 < flagged.sum() < len(raw)  # careless respondents are flagged
    report = questionnaire_quality(engineering, raw, flagged)
    layout = scoring_layout(engineering)
    assert report["responses"] == len(raw)
    assert report["flagged"] == flagged.sum()
    assert report["flagged_share"] == round(flagged.mean(), 4)
    assert list(report["constructs"]) == list(engineering.questionnaire.construct_ids)
    for column, (construct_id, construct) in enumerate(report["constructs"].items()):
        members = layout.constructs[:, column] == 1
        kept = raw[~flagged][:, members]
        assert construct["n"] == (~np.isnan(kept).any(axis=1)).sum(), construct_id
        assert construct["responses"] == len(kept)
        assert construct["incomplete"] == len(kept) - construct["n"] > 0
        assert construct["n"] < (~np.isnan(raw[:, members]).any(axis=1)).sum()
        assert construct["items"] == members.sum()
        assert construct["light"] in LIGHTS
        # the generator's items are parallel and noisy-but-consistent
        assert construct["alpha"] > 0.8
        assert construct["omega"] == pytest.approx(construct["alpha"], abs=0.02)
        assert construct["negative_items"] == []
        ids = [s["item"] for s in construct["item_stats"]]
        assert ids == [i for i, m in zip(layout.item_ids, members, strict=True) if m]
        assert all(s["text"] for s in construct["item_stats"])


def test_flagged_rows_are_left_out(engineering, synthetic):
    raw, flagged = synthetic
    everyone = questionnaire_quality(engineering, raw, np.zeros(len(raw), dtype=bool))
    unflagged = questionnaire_quality(engineering, raw[~flagged], np.zeros((~flagged).sum(), bool))
    with_flags = questionnaire_quality(engineering, raw, flagged)
    assert everyone["flagged"] == 0
    assert with_flags["constructs"] == unflagged["constructs"]
    assert with_flags["constructs"] != everyone["constructs"]


def test_reverse_keyed_items_are_reversed_before_scoring(tiny, make_answers):
    """la2 is reverse-keyed: consistent people answer it opposite to la1 and la3."""
    people = [
        make_answers(f"p{i}", lead=lead)
        for i, lead in enumerate([(5, 1, 5), (4, 2, 4), (2, 4, 2), (1, 5, 1), (3, 3, 3)])
    ]
    report = questionnaire_quality(tiny, answer_matrix(tiny, people), np.zeros(5, dtype=bool))
    lead = report["constructs"]["lead_affective"]
    assert lead["alpha"] == pytest.approx(1.0)
    assert lead["negative_items"] == []
    la2 = lead["item_stats"][1]
    assert (la2["item"], la2["floor"], la2["ceiling"]) == ("la2", 0.2, 0.2)
    assert list(report["constructs"]) == ["lead_affective", "craft_depth", "extrinsic_motive"]


def test_questionnaire_quality_checks_shapes(tiny):
    items = len(scoring_layout(tiny).item_ids)
    with pytest.raises(ValueError, match="scoring layout"):
        questionnaire_quality(tiny, np.ones((3, items + 1)), np.zeros(3, dtype=bool))
    with pytest.raises(ValueError, match="flagged"):
        questionnaire_quality(tiny, np.ones((3, items)), np.zeros(4, dtype=bool))


def test_a_response_that_skipped_an_item_is_counted_as_left_out_of_that_construct_alone():
    """Alpha and omega use people who answered every item of the construct; the report says
    how many others there were, and they still count towards floor, ceiling and missing."""
    answers = likert(one_factor([0.8, 0.7, 0.6], 200, 10))
    answers[:15, 1] = np.nan  # fifteen people skipped the second item
    report = quality(answers)
    assert (report["responses"], report["n"], report["incomplete"]) == (200, 185, 15)
    assert report["alpha"] == round(cronbach_alpha(answers[15:]), 4)
    assert report["item_stats"][1]["missing"] == 0.075
    complete = quality(answers[:, [0, 2]])  # the same people on the items they all answered
    assert (complete["n"], complete["incomplete"]) == (200, 0)


def test_omega_of_many_responses_has_the_interval_of_every_response_from_a_sample(monkeypatch):
    """Beyond OMEGA_BOOTSTRAP_PEOPLE responses the interval comes from resampling a sample,
    narrowed to all of them (a file of 170,000 rows took 3.5 s a construct, the page over a
    minute): the same interval as resampling everyone, to a few thousandths."""
    rng = np.random.default_rng(1)
    latent = rng.normal(size=(30_000, 1))
    responses = np.clip(np.round(3 + 0.8 * latent + rng.normal(size=(30_000, 5))), 1, 5)
    omega = mcdonald_omega(responses)
    resampled = []  # how many people each batch of resamples is drawn from (counted, not timed)
    weighted = reliability._weighted_omegas
    monkeypatch.setattr(
        reliability,
        "_weighted_omegas",
        lambda rows, weights: resampled.append(len(rows)) or weighted(rows, weights),
    )
    low, high = omega_interval(responses)
    assert set(resampled) == {reliability.OMEGA_BOOTSTRAP_PEOPLE}
    assert low < omega < high
    monkeypatch.setattr(reliability, "OMEGA_BOOTSTRAP_PEOPLE", 10**9)  # everyone resampled
    every_low, every_high = omega_interval(responses)
    assert abs(low - every_low) < 0.002 and abs(high - every_high) < 0.002
    assert high - low == pytest.approx(every_high - every_low, rel=0.2)


def test_a_minus_zero_answer_is_the_same_answer_as_zero_when_rows_are_counted():
    """Rows differing only in -0.0 against 0.0 are one response, as np.unique(axis=0) has it
    (a 0-4 scale read from JSON keeps a -0.0 it was given)."""
    rows = np.array([[0.0, 1.0], [-0.0, 1.0], [2.0, 3.0]])
    assert _distinct_rows(rows) == len(np.unique(rows, axis=0)) == 2
