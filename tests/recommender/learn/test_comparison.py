"""HR is told plainly which model is better: paired intervals and a verdict in words."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import roc_auc_score

from recommender.learn.comparison import (
    compare_paired,
    flattered_tracks,
    judgement_said,
    paired_auc,
    verdict,
)
from recommender.learn.justification import justification_reasons


def _people(n, seed):
    rng = np.random.default_rng(seed)
    taken = np.where(rng.random(n) < 0.4, "manager", "ic").astype(object)
    truth = rng.uniform(0.05, 0.95, n)
    success = (rng.random(n) < truth).astype(int)
    return taken, success, truth, rng


@settings(max_examples=40, deadline=None)
@given(st.integers(2, 60), st.integers(0, 10_000))
def test_the_paired_auc_is_the_roc_auc_with_ties_counted_half(n, seed):
    rng = np.random.default_rng(seed)
    y = np.r_[0, 1, rng.integers(0, 2, n)]
    scores = np.round(rng.random((y.size, 2)), 1)  # ties on purpose
    ours = paired_auc(y, scores, np.arange(y.size)[None, :])[0]
    for j in range(2):
        assert abs(ours[j] - roc_auc_score(y, scores[:, j])) < 1e-12


@settings(max_examples=40, deadline=None)
@given(st.integers(2, 80), st.integers(0, 10_000))
def test_the_paired_auc_of_a_resample_is_the_roc_auc_of_the_people_drawn(n, seed):
    rng = np.random.default_rng(seed)
    y = np.r_[0, 1, rng.integers(0, 2, n)]
    scores = np.round(rng.random((y.size, 2)), 1)
    samples = rng.integers(0, y.size, size=(6, y.size))  # people drawn again and again
    ours = paired_auc(y, scores, samples)
    for b, sample in enumerate(samples):
        if y[sample].min() == y[sample].max():
            assert np.isnan(ours[b]).all()
            continue
        for j in range(2):
            assert abs(ours[b, j] - roc_auc_score(y[sample], scores[sample, j])) < 1e-12


def test_a_candidate_that_learnt_nothing_is_worse_on_both_tracks_keep_the_active():
    taken, success, truth, rng = _people(3000, 1)
    active = {"ic": truth, "manager": truth}
    noise = {"ic": rng.uniform(0, 1, 3000), "manager": rng.uniform(0, 1, 3000)}
    report = compare_paired(noise, active, taken, success, active_name="v1")
    assert {report["tracks"][t]["judgement"] for t in ("ic", "manager")} == {"worse"}
    verdict = report["verdict"]
    assert verdict["summary"].startswith(
        "Worse than the active version on both tracks — keep v1; and the candidate's chances on "
        "both tracks rank people no better than a coin flip (IC ROC AUC 0."
    )
    assert verdict["summary"].endswith("so advice between the tracks would rest on little")
    assert verdict["worse"] and verdict["at_chance"] and verdict["recommendation"] == "keep"
    assert verdict["rows"] == 3000


def test_better_on_one_track_and_no_different_on_the_other_is_said_so():
    taken, success, truth, rng = _people(4000, 2)
    blurred = np.clip(truth + rng.normal(0, 0.35, truth.size), 0.01, 0.99)
    report = compare_paired(
        {"ic": truth, "manager": truth},
        {"ic": truth, "manager": blurred},
        taken,
        success,
        active_name="v3",
    )
    assert report["tracks"]["manager"]["judgement"] == "better"
    assert report["tracks"]["ic"]["judgement"] == "no different"
    assert report["verdict"]["summary"] == (
        "Better on the manager track, no different on the IC track — promoting it is supported"
    )
    assert not report["verdict"]["worse"]


def test_chances_that_rank_no_one_better_than_a_coin_are_no_reason_to_promote():
    taken, success, truth, rng = _people(1500, 6)
    rate = float(success[taken == "manager"].mean())
    flat = np.full(truth.size, rate) + rng.normal(0, 0.005, truth.size)
    upside_down = np.clip(1 - truth, 0.01, 0.99)
    report = compare_paired(
        {"ic": truth, "manager": flat},
        {"ic": truth, "manager": upside_down},
        taken,
        success,
        active_name="v2",
    )
    manager = report["tracks"]["manager"]
    assert manager["judgement"] == "better" and manager["chance_level"]
    assert report["tracks"]["ic"]["chance_level"] is False
    summary = report["verdict"]["summary"]
    assert summary.startswith("Better on the manager track, no different on the IC track; but ")
    assert (
        "the candidate's chances on the manager track rank people no better than a coin flip "
        "(manager ROC AUC 0."
    ) in summary
    assert summary.endswith("— review before promoting") and report["verdict"]["at_chance"]
    assert report["verdict"]["recommendation"] == "review"


def test_chances_that_rank_people_backwards_are_called_so():
    taken, success, truth, _ = _people(3000, 8)
    rate = float(success.mean())
    backwards = rate - 0.05 * (truth - 0.5)  # near the rate, ranking people the wrong way
    report = compare_paired(
        {"ic": backwards, "manager": backwards},
        {"ic": 1 - truth, "manager": 1 - truth},  # the same ranking, far worse calibrated
        taken,
        success,
        active_name="v5",
    )
    summary = report["verdict"]["summary"]
    assert summary.startswith("Better than the active version on both tracks (Brier only); but")
    assert "promoting it is supported" not in summary
    assert "chances on both tracks rank people worse than a coin flip, backwards, " in summary
    assert report["verdict"]["recommendation"] == "review"


def test_a_track_judged_by_one_measure_only_says_which():
    taken, success, truth, _ = _people(4000, 7)
    shifted = 0.8 * truth + 0.15  # the same ranking of people, worse calibrated
    report = compare_paired(
        {"ic": shifted, "manager": truth},
        {"ic": shifted, "manager": shifted},
        taken,
        success,
        active_name="v4",
    )
    assert report["tracks"]["manager"]["because"] == "Brier"
    assert report["verdict"]["summary"] == (
        "Better on the manager track (Brier only), no different on the IC track — promoting it "
        "is supported"
    )


def test_small_data_comes_with_a_warning_and_identical_models_are_no_different():
    taken, success, truth, _ = _people(120, 3)
    same = {"ic": truth, "manager": truth}
    report = compare_paired(same, same, taken, success, active_name="v1")
    verdict = report["verdict"]
    assert verdict["summary"].startswith("No different from the active version on either track")
    managers = report["tracks"]["manager"]["rows"]
    assert verdict["small_data"].startswith(
        f"Only {120 - managers} people on the IC track and {managers} on the manager track "
        "behind this comparison (120 people in all)"
    )


def test_the_small_data_warning_names_the_track_whose_people_are_few():
    taken, success, truth, _ = _people(6000, 9)
    few = np.flatnonzero(taken == "manager")[50:]
    taken[few] = "ic"  # 50 managers among 6,000 people
    same = {"ic": truth, "manager": truth}
    verdict = compare_paired(same, same, taken, success, active_name="v1")["verdict"]
    assert verdict["small_data"] == (
        "Only 50 people on the manager track behind this comparison (6,000 people in all): its "
        "ROC AUC interval is wider than 0.1, so only large differences can be seen."
    )


def test_a_sure_but_tiny_difference_is_no_difference():
    taken, success, truth, rng = _people(60_000, 10)
    nudged = np.clip(truth + rng.normal(0, 0.01, truth.size), 0.01, 0.99)
    report = compare_paired(
        {"ic": truth, "manager": truth},
        {"ic": nudged, "manager": nudged},
        taken,
        success,
        active_name="v1",
    )
    ic = report["tracks"]["ic"]
    # the interval is sure the candidate ranks better, and sure it is by less than 0.005
    assert 0 < ic["auc"]["interval"][0] <= ic["auc"]["interval"][1] < 0.005
    assert ic["judgement"] == "no different" and "ROC AUC" in ic["too_small"]
    verdict = report["verdict"]
    assert verdict["summary"].startswith("No different from the active version on either track")
    assert "too small to matter" in verdict["summary"]
    assert verdict["recommendation"] == "either" and not verdict["small_data"]


def test_a_worse_candidate_whose_chances_rank_no_one_says_both():
    taken, success, truth, rng = _people(1500, 6)
    rate = float(success[taken == "manager"].mean())
    flat = np.full(truth.size, rate) + rng.normal(0, 0.005, truth.size)
    report = compare_paired(
        {"ic": truth, "manager": flat},
        {"ic": truth, "manager": truth},
        taken,
        success,
        active_name="v2",
    )
    verdict = report["verdict"]
    assert verdict["summary"].startswith("Worse on the manager track")
    assert (
        "keep v2 unless you can justify the loss; and the candidate's chances on the "
        in (verdict["summary"])
    )
    assert "manager track rank people no better than a coin flip" in verdict["summary"]
    assert verdict["worse"] and verdict["at_chance"] and verdict["recommendation"] == "keep"
    assert justification_reasons({"comparison": report}) == [
        f"the comparison judged it worse (“{verdict['summary']}”)",
        "its chances on a track rank people no better than a coin flip",
    ]


def test_without_an_active_version_there_is_nothing_to_compare():
    taken, success, truth, _ = _people(500, 4)
    report = compare_paired({"ic": truth, "manager": truth}, None, taken, success, active_name=None)
    assert report["verdict"]["recommendation"] == "review"
    assert not report["verdict"]["worse"]
    assert report["verdict"]["summary"] == (
        "Nothing to compare with: there was no active version when this one was trained"
    )
    assert not report["verdict"]["at_chance"]
    manager = report["tracks"]["manager"]
    assert manager["auc"]["candidate"] == round(
        roc_auc_score(success[taken == "manager"], truth[taken == "manager"]), 4
    )
    low, high = manager["auc"]["candidate_interval"]
    assert 0.5 < low < manager["auc"]["candidate"] < high
    # its Brier too, with its interval from the same resamples: no figure without one
    brier = manager["brier"]
    on_track = taken == "manager"
    assert brier["candidate"] == round(
        float(((truth[on_track] - success[on_track]) ** 2).mean()), 4
    )
    low, high = brier["candidate_interval"]
    assert low < brier["candidate"] < high


def test_a_first_version_whose_chances_rank_no_one_is_still_no_ground_for_advice():
    taken, success, truth, rng = _people(1500, 6)
    flat = np.full(truth.size, success.mean()) + rng.normal(0, 0.005, truth.size)
    report = compare_paired({"ic": truth, "manager": flat}, None, taken, success, active_name=None)
    verdict = report["verdict"]
    assert verdict["at_chance"] and verdict["recommendation"] == "review"
    assert verdict["summary"].startswith(
        "Nothing to compare with: there was no active version when this one was trained; and "
        "the candidate's chances on the manager track rank people no better than a coin flip"
    )
    assert verdict["summary"].endswith("— review before promoting")
    assert report["tracks"]["ic"]["chance_level"] is False


def test_an_active_version_that_learnt_from_these_people_cannot_make_the_candidate_worse():
    taken, success, truth, rng = _people(3000, 5)
    noise = {"ic": rng.uniform(0, 1, 3000), "manager": rng.uniform(0, 1, 3000)}
    report = compare_paired(
        noise,
        {"ic": truth, "manager": truth},
        taken,
        success,
        active_name="v1",
        active_learnt_these=True,
    )
    verdict = report["verdict"]
    assert "v1 learnt from these same people" in verdict["summary"]
    assert not verdict["worse"] and verdict["recommendation"] == "review"


def test_a_difference_too_small_to_matter_is_said_of_its_own_track():
    taken, success, truth, rng = _people(60_000, 10)
    nudged = np.clip(truth + rng.normal(0, 0.01, truth.size), 0.01, 0.99)
    blurred = np.clip(truth + rng.normal(0, 0.3, truth.size), 0.01, 0.99)
    report = compare_paired(
        {"ic": nudged, "manager": blurred},
        {"ic": truth, "manager": truth},
        taken,
        success,
        active_name="v1",
    )
    assert report["tracks"]["ic"]["judgement"] == "no different"
    assert report["tracks"]["manager"]["judgement"] == "worse"
    assert report["verdict"]["summary"] == (
        "Worse on the manager track, no different on the IC track — keep v1 unless you can "
        "justify the loss (on the IC track, the differences found are, with their intervals, "
        "under 0.005 in ROC AUC and 0.001 in Brier: too small to matter)"
    )


def test_a_track_worse_by_one_measure_keeps_its_qualifier_beside_one_worse_by_both():
    taken, success, truth, rng = _people(20_000, 12)
    blurred = np.clip(truth + rng.normal(0, 0.3, truth.size), 0.01, 0.99)
    overstated = np.clip(truth + 0.2, 0.01, 0.99)  # the same order of people, chances too high
    report = compare_paired(
        {"ic": blurred, "manager": overstated},
        {"ic": truth, "manager": truth},
        taken,
        success,
        active_name="v1",
    )
    summary = report["verdict"]["summary"]
    assert summary.startswith("Worse on the IC track, worse on the manager track (Brier only)")
    # the same order of people: the manager track's ROC AUC is no different, its Brier worse
    assert summary.endswith(
        "— keep v1 unless you can justify the loss (on the manager track, the differences found "
        "are, with their intervals, under 0.005 in ROC AUC: too small to matter)"
    )


def _truth_and_a_blur(seed: int):
    """6,000 people: the tracks taken, the outcomes, the true chances, the same chances
    blurred (a worse model's), and how many took the manager track."""
    taken, success, truth, rng = _people(6000, seed)
    blurred = np.clip(truth + rng.normal(0, 0.4, truth.size), 0.01, 0.99)
    return taken, success, truth, blurred, int((taken == "manager").sum())


def test_a_candidate_better_even_where_the_active_version_is_flattered_is_better():
    taken, success, truth, blurred, managers = _truth_and_a_blur(14)
    report = compare_paired(
        {"ic": truth, "manager": truth},
        {"ic": blurred, "manager": blurred},
        taken,
        success,
        active_name="v1",
        learnt_by_active={"manager": managers},
    )
    summary = report["verdict"]["summary"]
    assert summary.startswith("Better than the active version on both tracks")
    assert summary.endswith(
        f"(on the manager track v1 learnt from {managers:,} of the {managers:,} people judged, "
        "and the candidate is better even so)"
    )
    assert report["verdict"]["recommendation"] == "promote"


def test_a_flattered_track_cannot_make_the_candidate_worse_and_the_other_still_can():
    taken, success, truth, blurred, managers = _truth_and_a_blur(15)
    report = compare_paired(
        {"ic": blurred, "manager": blurred},
        {"ic": truth, "manager": truth},
        taken,
        success,
        active_name="v1",
        learnt_by_active={"manager": managers},
        left_out_by_active={"ic": 700},
    )
    verdict = report["verdict"]
    ics = int((taken == "ic").sum())
    assert verdict["summary"] == (
        "Worse on the IC track, not judged fairly on the manager track — keep v1 unless you can "
        f"justify the loss (judged on the {ics:,} people v1 did not learn from on the IC track; "
        "the other 700, whom it learnt from, are left out of the comparison; on the manager "
        f"track v1 learnt from {managers:,} of the {managers:,} people judged (too few others to "
        "judge it without them), which flatters it: this comparison cannot judge the candidate "
        "worse there)"
    )
    assert verdict["worse"] and verdict["recommendation"] == "keep"
    # the table beside the verdict says the same of each track (it said "worse" of both)
    flattered = flattered_tracks(report)
    assert flattered == {"manager"}
    said = {
        t: judgement_said(report["tracks"][t], verdict["summary"], t in flattered)
        for t in report["tracks"]
    }
    assert said == {"manager": "lower, not judged fairly", "ic": "worse"}
    # and every track, where the active version's record of its people does not read
    report["active_people_unreadable"] = "people.npy: changed since training"
    assert flattered_tracks(report) == {"ic", "manager"}


@st.composite
def comparison_reports(draw) -> dict:
    """A comparison as compare_paired stores it, every combination of what a track can show."""
    tracks = {}
    for track in ("ic", "manager"):
        rows = draw(st.integers(30, 3000))
        entry: dict = {"rows": rows}
        if draw(st.booleans()) or track == "ic":
            judgement = draw(st.sampled_from(["better", "worse", "no different", "mixed"]))
            because = {
                "better": draw(st.sampled_from(["ROC AUC and Brier", "ROC AUC", "Brier"])),
                "worse": draw(st.sampled_from(["ROC AUC and Brier", "ROC AUC", "Brier"])),
                "mixed": "ROC AUC and Brier",
                "no different": "",
            }[judgement]
            low = draw(st.floats(0.3, 0.8))
            below, above = draw(st.floats(0.0, 0.2)), draw(st.floats(0.0, 0.2))
            difference = {  # an interval that says what the judgement says
                "better": [above / 10 + 0.001, above + 0.01],
                "worse": [-below - 0.01, -below / 10 - 0.001],
                "mixed": [-below, above],
                "no different": [-below, above],
            }[judgement]
            entry |= {
                "judgement": judgement,
                "because": because,
                "auc": {
                    "candidate": low + 0.05,
                    "candidate_interval": [low, low + 0.1],
                    "interval": difference,
                },
                "chance_level": draw(st.booleans()),
            }
            if judgement == "no different" and draw(st.booleans()):
                entry["too_small"] = draw(st.sampled_from([["ROC AUC"], ["ROC AUC", "Brier"]]))
            if draw(st.booleans()):
                entry["learnt_by_active"] = draw(st.integers(1, rows))
            elif draw(st.booleans()):
                entry["left_out"] = draw(st.integers(1, 2000))
        tracks[track] = entry
    learnt = draw(st.booleans())
    return {
        "active": "v4",
        "tracks": tracks,
        "active_learnt_these": learnt or any("learnt_by_active" in t for t in tracks.values()),
        "left_out_learnt_by_active": sum(t.get("left_out", 0) for t in tracks.values()),
        **({"active_people_unreadable": "people.npy: is missing"} if draw(st.booleans()) else {}),
    }


@settings(max_examples=400, deadline=None)
@given(comparison_reports())
def test_a_verdict_never_contradicts_itself(report):
    said = verdict(report)
    summary, recommendation = said["summary"], said["recommendation"]
    asks_review = summary.endswith("— review before promoting")
    assert asks_review == (recommendation == "review"), summary
    assert not ("promoting it is supported" in summary and asks_review), summary
    assert ("promoting it is supported" in summary) == (recommendation == "promote"), summary
    says_keep = " — keep v4" in summary.replace(
        " — keep v4 unless the candidate's data are newer or fairer", ""
    )
    assert says_keep == (recommendation == "keep"), summary
    assert said["worse"] == (recommendation == "keep")
    headline = re.split(r" \(| — |; ", summary)[0]
    for name in ("IC track", "manager track"):
        assert headline.count(name) <= 1, summary
    for clumsy in ("; ;", ") (", "((", ";;", " ,"):
        assert clumsy not in summary, summary


def _no_different_track(auc: list[float], brier: list[float]) -> dict:
    return {
        "rows": 400,
        "judgement": "no different",
        "because": "",
        "auc": {"candidate": 0.7, "candidate_interval": [0.66, 0.74], "interval": auc},
        "brier": {"interval": brier},
        "chance_level": False,
    }


@pytest.mark.parametrize(
    ("ic_auc", "said"),
    [
        ([-0.004, 0.004], "No different from the active version on either track"),
        # a loss of 0.004 that may be 0.008 is not shown to be no loss
        ([-0.008, 0.001], "No difference shown from the active version on either track"),
    ],
)
def test_no_different_is_said_only_where_every_interval_is_within_what_matters(ic_auc, said):
    report = {
        "active": "v1",
        "tracks": {
            "ic": _no_different_track(ic_auc, [-0.0005, 0.0005]),
            "manager": _no_different_track([-0.003, 0.002], [-0.0004, 0.0009]),
        },
    }
    assert verdict(report)["summary"].startswith(said)
    assert judgement_said(report["tracks"]["manager"]) == "no different"
    assert judgement_said(report["tracks"]["ic"]) == said.split(" from")[0].lower()
    # beside a verdict written before "no difference shown" was said, as that verdict said it
    assert judgement_said(report["tracks"]["ic"], "No different from v1 on either track") == (
        "no different"
    )
    stored = verdict(report)["summary"]
    assert judgement_said(report["tracks"]["ic"], stored) == said.split(" from")[0].lower()
    report["tracks"]["manager"] |= {"judgement": "worse", "because": "ROC AUC"}
    report["tracks"]["manager"]["auc"]["interval"] = [-0.05, -0.01]
    assert verdict(report)["summary"].startswith(
        f"Worse on the manager track (ROC AUC only), {said.split(' from')[0].lower()} on the IC "
        "track"
    )


@pytest.mark.parametrize(
    ("judged", "said"),
    [
        ([-0.025, 0.0003], "from 0.025 lower to 0.0003 higher than v1's"),
        ([-0.0004, 0.031], "from 0.0004 lower to 0.031 higher than v1's"),
        ([-0.025, 0.0], "from 0.025 lower to the same as v1's"),
    ],
)
def test_a_bound_near_zero_is_printed_with_the_digits_it_needs(judged, said):
    """A judged interval reaching far on one side and barely past zero on the other: the
    near bound is not rounded to "0.000 higher"."""
    ic = _no_different_track([-0.02, 0.0002], [-0.0005, 0.0005])
    ic["auc"]["judged_interval"] = judged
    report = {
        "active": "v1",
        "tracks": {
            "ic": ic,
            "manager": _no_different_track([-0.003, 0.002], [-0.0004, 0.0009]),
        },
    }
    summary = verdict(report)["summary"]
    assert f"the candidate's ROC AUC is {said}" in summary
    assert "0.000 " not in summary


def test_the_stored_judgement_tells_no_different_from_no_difference_shown():
    """`judgement` keeps "no different" for both, as it always did; `judgement_said` beside it
    says what the verdict says."""
    taken, success, truth, rng = _people(600, 7)
    same = {"ic": truth, "manager": truth}
    noisy = {t: np.clip(truth + rng.normal(0, 0.05, truth.size), 0.01, 0.99) for t in same}
    for candidate, words in ((same, {"no different"}), (noisy, None)):
        report = compare_paired(candidate, same, taken, success, active_name="v1")
        for entry in report["tracks"].values():
            assert entry["judgement_said"] == judgement_said(entry)
            if words:
                assert entry["judgement_said"] in words
    assert {e["judgement_said"] for e in report["tracks"].values()} & {"no difference shown"}


def test_two_equally_good_models_are_seldom_called_different():
    """Four differences are judged at once (ROC AUC and Brier on two tracks): read at 90%
    each, two equally good models were called better or worse on some track in 22% of 200
    comparisons (600 people each); the judgement reads them at 97.5%, and calls them
    different in under one in eight."""
    rng = np.random.default_rng(0)
    called = 0
    comparisons = 200
    for seed in range(comparisons):
        n = 600
        standing = rng.normal(size=n)
        taken = np.where(rng.random(n) < 0.35, "manager", "ic")
        success = (rng.random(n) < 1 / (1 + np.exp(-0.8 * standing))).astype(int)
        # the same truth, seen through noise of the same size: neither model is better
        one, other = (1 / (1 + np.exp(-(0.8 * standing + rng.normal(0, 0.5, n)))) for _ in range(2))
        report = compare_paired(
            {"ic": one, "manager": one},
            {"ic": other, "manager": other},
            taken,
            success,
            active_name="v1",
            seed=seed,
            samples=400,
        )
        said = {report["tracks"][t]["judgement"] for t in ("ic", "manager")}
        called += bool(said & {"better", "worse", "mixed"})
    assert called / comparisons < 0.125, called
    assert report["judged_level"] == 0.975
