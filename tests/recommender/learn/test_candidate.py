"""Training a candidate: judged beside the active version on held-out people, with the
fairness report of each, and sensitive attributes never features."""

from __future__ import annotations

import json

import numpy as np
import pytest

from recommender.answer.features import feature_matrix
from recommender.answer.profile import ProfileBatch
from recommender.learn.candidate import advice_outcomes, train_candidate
from recommender.learn.default_model import build_default_model
from recommender.learn.publishing import RegistryWriter
from recommender.learn.synthetic import generate_outcomes, synthetic_profiles
from recommender.learn.training import (
    MIN_EACH_OUTCOME,
    MIN_ROWS_PER_TRACK,
    TrainingDataTooSmall,
    usable_rows,
)
from recommender.pack.loading import load_pack


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """Two candidates in a fresh registry: the first promoted, the second compared with it."""
    pack = load_pack("engineering")
    registry = RegistryWriter(tmp_path_factory.mktemp("registry"))
    outcomes, profiles = synthetic_profiles(pack, 3000, 41)
    sensitive = generate_outcomes(pack, 3000, 41).sensitive
    arguments = {"registry": registry, "data": {"synthetic": True}, "sensitive": sensitive}
    first = train_candidate(profiles, outcomes.track_taken, outcomes.success, **arguments)
    registry.promote(first["version"])
    second = train_candidate(profiles, outcomes.track_taken, outcomes.success, **arguments)
    return registry, profiles, first, second


def test_every_usable_row_is_learnt_from_and_judged_by_cross_fitting(trained):
    registry, _, first, second = trained
    manifest = registry.manifest(second["version"])
    holdout = manifest["holdout"]
    assert holdout["active"]["version"] == first["version"]
    assert holdout["rows"] == manifest["data"]["rows_used"] > 2800
    assert (
        manifest["data"]["rows_used"] + manifest["data"]["rows_left_out_for_quality_flags"] == 3000
    )
    assert holdout["method"] == "5-fold cross-fitting"
    for side in (holdout["candidate"], holdout["active"]):
        for track in ("ic", "manager"):
            metrics = side["tracks"][track]
            assert 0.5 < metrics["auc"] < 1 and 0 < metrics["brier"] < 0.3
            assert sum(row["n"] for row in metrics["calibration"]) == metrics["rows"]
            assert metrics["roc"][0] == [0.0, 0.0] and metrics["roc"][-1] == [1.0, 1.0]
    # the active version learnt from these very people, so it looks better than the
    # cross-fitted candidate on the same people; the paired intervals say how much
    comparison = manifest["comparison"]
    for track in ("ic", "manager"):
        entry = comparison["tracks"][track]
        low, high = entry["auc"]["interval"]
        assert low <= entry["auc"]["difference"] <= high
        assert entry["auc"]["candidate"] == holdout["candidate"]["tracks"][track]["auc"]
    assert comparison["verdict"]["summary"] == second["verdict"]["summary"]


def test_the_fairness_report_flags_what_the_data_put_there_and_nothing_else(trained):
    registry, _, _, second = trained
    report = registry.manifest(second["version"])["fairness"]
    flagged = {(f["attribute"], f["outcome"]) for f in report["flagged"]}
    # the made-up age band follows experience, which moves targets and tracks; gender does not
    assert ("age_band", "target_above_current") in flagged
    assert not any(attribute == "gender" for attribute, _ in flagged)
    names = [entry["attribute"] for entry in report["attributes"]]
    assert names == ["gender", "age_band", "gender × age_band"]
    gender = report["attributes"][0]
    assert gender["unknown"] > 0 and gender["known"] + gender["unknown"] == 3000
    json.dumps(report, allow_nan=False)


def test_sensitive_attributes_never_become_features(trained):
    registry, _, _, second = trained
    manifest = registry.manifest(second["version"])
    assert manifest["sensitive_columns"] == ["age_band", "gender"]
    assert not any("gender" in f or "age" in f for f in manifest["features"])


def test_the_model_card_carries_the_held_out_comparison_and_the_fairness_tables(trained):
    registry, _, first, second = trained
    card = (registry.root / second["version"] / "card.md").read_text()
    assert f"{first['version']} ROC AUC" in card
    assert "### age_band" in card and "**flagged**" in card


def test_a_candidate_may_shrink_toward_the_active_version_and_says_whether_it_did(trained):
    registry, _, first, second = trained
    assert "prior" not in registry.manifest(first["version"])["metrics"]["tracks"]["ic"]
    tracks = registry.manifest(second["version"])["metrics"]["tracks"]
    card = (registry.root / second["version"] / "card.md").read_text()
    for track in ("ic", "manager"):
        assert tracks[track]["prior"] == first["version"]
        assert tracks[track]["prior_weight"] in (0.0, 1.0)
        assert {row["prior_weight"] for row in tracks[track]["search"]} == {0.0, 1.0}
        toward = f"shrinking toward {first['version']} (the active version then)"
        assert toward in card


def test_an_active_version_that_learnt_this_very_file_is_no_prior(tmp_path):
    pack = load_pack("engineering")
    registry = RegistryWriter(tmp_path)
    outcomes, profiles = synthetic_profiles(pack, 1200, 44)
    data = {"synthetic": True, "sha256": "ab" * 32}
    arguments = {"registry": registry, "data": data, "folds": 2}
    first = train_candidate(profiles, outcomes.track_taken, outcomes.success, **arguments)
    registry.promote(first["version"])
    again = train_candidate(profiles, outcomes.track_taken, outcomes.success, **arguments)
    # its held-out people would be in the prior: nothing cross-fitted would be held out
    assert not any("prior" in again["metrics"]["tracks"][t] for t in ("ic", "manager"))
    assert registry.manifest(again["version"])["comparison"]["active_learnt_these"]


def test_the_default_model_never_shrinks_toward_what_is_active(tmp_path):
    pack = load_pack("engineering")
    registry = RegistryWriter(tmp_path)
    first = build_default_model(registry, pack, people=2500, seed=5)
    second = build_default_model(registry, pack, people=2500, seed=5)
    assert registry.active(pack) == second != first
    one, two = (registry.manifest(v)["metrics"]["tracks"] for v in (first, second))
    assert "prior" not in two["ic"] and "prior" not in two["manager"]
    assert one == two


def test_advice_outcomes_agree_with_the_recommendation_json(trained):
    registry, profiles, _, _ = trained
    from recommender.answer.recommendation import Recommender  # noqa: PLC0415

    recommender = Recommender.open(profiles.pack, str(registry.root))
    records = recommender.recommend_profiles(profiles)
    outcomes = advice_outcomes(recommender.model.model, profiles, feature_matrix(profiles))
    tracks = np.array([record["track"] for record in records])
    assert np.array_equal(outcomes["manager_recommended"], tracks == "manager")


def test_the_smallest_file_training_accepts_is_also_judged(tmp_path):
    """At exactly the minimum (25 people on a track, 5 of them failing), every training share
    of the cross-fitting still has enough people to learn from."""
    pack = load_pack("engineering")
    outcomes, profiles = synthetic_profiles(pack, 1500, 43)
    usable = usable_rows(profiles)
    manager = np.flatnonzero(usable & (outcomes.track_taken == "manager"))
    failed = manager[outcomes.success[manager] == 0][:MIN_EACH_OUTCOME]
    succeeded = manager[outcomes.success[manager] == 1][: MIN_ROWS_PER_TRACK - MIN_EACH_OUTCOME]
    keep = np.concatenate(
        [np.flatnonzero(usable & (outcomes.track_taken == "ic")), failed, succeeded]
    )
    subset = ProfileBatch(
        pack=pack,
        employee_ids=[profiles.employee_ids[i] for i in keep],
        constructs=profiles.constructs[keep],
        competencies=profiles.competencies[keep],
        context={name: values[keep] for name, values in profiles.context.items()},
        flags={flag: raised[keep] for flag, raised in profiles.flags.items()},
        answered=profiles.answered[keep],
        asked=profiles.asked,
        items=profiles.items[keep],
    )
    summary = train_candidate(
        subset,
        outcomes.track_taken[keep],
        outcomes.success[keep],
        registry=RegistryWriter(tmp_path),
        data={"synthetic": True},
    )
    assert summary["cross_fitted"]["manager"]["rows"] == MIN_ROWS_PER_TRACK
    assert summary["verdict"]["summary"].startswith("Nothing to compare with")


def test_too_few_people_names_every_short_track_and_the_rows_flags_left_out(tmp_path):
    pack = load_pack("engineering")
    outcomes, profiles = synthetic_profiles(pack, 400, 43)
    skipped = profiles.flags["too_many_skipped"].copy()
    skipped[outcomes.track_taken == "ic"] = True  # every IC's answers mostly skipped
    flagged = ProfileBatch(
        **{**vars(profiles), "flags": {**profiles.flags, "too_many_skipped": skipped}}
    )
    manager = outcomes.track_taken == "manager"
    success = np.where(manager, 1, outcomes.success)  # every manager succeeded
    with pytest.raises(TrainingDataTooSmall) as refused:
        train_candidate(
            flagged, outcomes.track_taken, success, registry=RegistryWriter(tmp_path), data={}
        )
    ic, manager_reason = str(refused.value).split(". ")
    ic_rows = int((~manager).sum())
    assert ic.startswith(
        f"track ic: 0 people with 0 successes ({ic_rows} of the {ic_rows} rows of this track "
        "left out for response-quality flags: "
    )
    assert f"too many skipped {ic_rows})" in ic
    assert manager_reason.startswith(f"track manager: {int(manager.sum())} people with ")
    assert manager_reason.endswith("at least 5 successes and 5 failures")
    assert not list(tmp_path.iterdir())  # nothing written
