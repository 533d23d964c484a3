"""Training a candidate: judged beside the active version on held-out people, with the
fairness report of each, and sensitive attributes never features."""

from __future__ import annotations

import csv
import io
import json
import re

import numpy as np
import pytest

from recommender.answer.features import feature_matrix
from recommender.answer.profile import ProfileBatch
from recommender.answer.registry import PEOPLE_FILE
from recommender.learn.candidate import advice_outcomes, train_candidate
from recommender.learn.default_model import build_default_model
from recommender.learn.people import person_keys
from recommender.learn.publishing import RegistryWriter
from recommender.learn.synthetic import generate_outcomes, synthetic_profiles
from recommender.learn.training import (
    MIN_EACH_OUTCOME,
    MIN_ROWS_PER_TRACK,
    TrainingDataTooSmall,
    usable_rows,
)
from recommender.learn.verdict_evidence import LEARNT_BY_ACTIVE, QUALITY_FLAGGED
from recommender.pack.loading import load_pack


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """Two candidates in a fresh registry: the first promoted, the second, learnt from other
    people, compared with it."""
    pack = load_pack("engineering")
    registry = RegistryWriter(tmp_path_factory.mktemp("registry"))
    versions = []
    for seed in (41, 42):
        outcomes, profiles = synthetic_profiles(pack, 3000, seed)
        sensitive = generate_outcomes(pack, 3000, seed).sensitive
        arguments = {"registry": registry, "data": {"synthetic": True}, "sensitive": sensitive}
        versions.append(
            train_candidate(profiles, outcomes.track_taken, outcomes.success, **arguments)
        )
        if len(versions) == 1:
            registry.promote(versions[0]["version"])
    return registry, profiles, *versions


def test_every_usable_row_is_learnt_from_and_judged_by_cross_fitting(trained):
    registry, _, first, second = trained
    manifest = registry.manifest(second["version"])
    holdout = manifest["holdout"]
    assert holdout["active"]["version"] == first["version"]
    assert holdout["rows"] == manifest["data"]["rows_used"] > 2800
    assert (
        manifest["data"]["rows_used"] + manifest["data"]["rows_left_out_for_quality_flags"] == 3000
    )
    # on a few thousand people the folds are drawn three times (one draw moves the verdict)
    assert holdout["method"].startswith("5-fold cross-fitting drawn 3 times (each person's")
    assert sum(fold["scored"] for fold in holdout["fold_choices"]) == 3 * holdout["rows"]
    for side in (holdout["candidate"], holdout["active"]):
        for track in ("ic", "manager"):
            metrics = side["tracks"][track]
            assert 0.5 < metrics["auc"] < 1 and 0 < metrics["brier"] < 0.3
            assert sum(row["n"] for row in metrics["calibration"]) == metrics["rows"]
            assert metrics["roc"][0] == [0.0, 0.0] and metrics["roc"][-1] == [1.0, 1.0]
    # the paired intervals say how far apart the two are on the same people
    comparison = manifest["comparison"]
    for track in ("ic", "manager"):
        entry = comparison["tracks"][track]
        low, high = entry["auc"]["interval"]
        assert low <= entry["auc"]["difference"] <= high
        assert entry["auc"]["candidate"] == holdout["candidate"]["tracks"][track]["auc"]
    assert comparison["verdict"]["summary"] == second["verdict"]["summary"]
    # the summary `trackfit train` prints gives each cross-fitted figure with its interval,
    # the candidate's and the active version's on the same people
    for said in [
        *second["cross_fitted"].values(),
        *second["compared_with_active"]["tracks"].values(),
    ]:
        for measure in ("auc", "brier"):
            low, high = said[f"{measure}_interval"]
            assert low <= said[measure] <= high
    for track in ("ic", "manager"):
        assert (
            second["compared_with_active"]["tracks"][track]["brier"]
            == (comparison["tracks"][track]["brier"]["active"])
        )


def test_the_fairness_report_flags_what_the_data_put_there_and_nothing_else(trained):
    registry, profiles, _, second = trained
    report = registry.manifest(second["version"])["fairness"]
    flagged = {(f["attribute"], f["outcome"]) for f in report["flagged"]}
    # the made-up age band follows experience, which moves targets and tracks; gender does not
    assert ("age_band", "target_above_current") in flagged
    assert not any(attribute == "gender" for attribute, _ in flagged)
    names = [entry["attribute"] for entry in report["attributes"]]
    assert names == ["gender", "age_band", "gender × age_band"]
    gender = report["attributes"][0]
    assert gender["unknown"] > 0 and gender["known"] + gender["unknown"] == 3000
    # a target above the current level is counted among the people whose stated grade is
    # below the top grade (7): who counts follows the grade alone, never the advice, whose
    # counts the difference would otherwise give away
    at_top = int((profiles.context["current_grade"] >= 7).sum())
    for entry in report["attributes"]:
        cell = entry["outcomes"]["target_above_current"]
        assert cell["not_counted"] == at_top > 0 and cell["counted"] + cell["not_counted"] == 3000
        assert "counted" not in entry["outcomes"]["manager_recommended"]
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
    # every figure of both versions stands with its interval
    compared = registry.manifest(second["version"])["comparison"]["tracks"]["manager"]
    for side in ("candidate", "active"):
        for measure in ("auc", "brier"):
            low, high = compared[measure][f"{side}_interval"]
            assert f"{compared[measure][side]:.4f} ({low:.4f} to {high:.4f})" in card
    assert "each version's own figures have their intervals beside them above" in card
    assert "### age_band" in card and "**flagged**" in card


def test_a_candidate_may_shrink_toward_the_active_version_and_says_whether_it_did(trained):
    registry, _, first, second = trained
    assert "prior" not in registry.manifest(first["version"])["metrics"]["tracks"]["ic"]
    tracks = registry.manifest(second["version"])["metrics"]["tracks"]
    card = (registry.root / second["version"] / "card.md").read_text()
    for track in ("ic", "manager"):
        assert tracks[track]["prior"] == first["version"]
        weight = tracks[track]["prior_weight"]
        assert weight in (0.0, 0.5, 1.0)  # none, halfway or all the way
        assert {row["prior_weight"] for row in tracks[track]["search"]} == {0.0, 0.5, 1.0}
        how = "halfway " if weight == 0.5 else ""
        toward = f"shrinking {how}toward {first['version']} (the active version then)"
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
    first = build_default_model(registry, pack, people=1000, seed=5)
    second = build_default_model(registry, pack, people=1000, seed=5)
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
    subset = rows_of(profiles, keep)
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


def rows_of(profiles: ProfileBatch, keep: np.ndarray) -> ProfileBatch:
    """The profiles of the rows `keep` (indices or a mask), in that order."""
    keep = np.flatnonzero(keep) if keep.dtype == bool else keep
    return ProfileBatch(
        pack=profiles.pack,
        employee_ids=[profiles.employee_ids[i] for i in keep],
        constructs=profiles.constructs[keep],
        competencies=profiles.competencies[keep],
        context={name: values[keep] for name, values in profiles.context.items()},
        flags={flag: raised[keep] for flag, raised in profiles.flags.items()},
        answered=profiles.answered[keep],
        asked=profiles.asked,
        items=profiles.items[keep],
    )


def test_a_cumulative_file_is_judged_on_the_people_the_active_version_did_not_learn_from(
    tmp_path,
):
    """Last year's people again, with this year's: the active version learnt from them, so
    they are left out of the comparison (scored in-sample, it would look better than it is)
    and it is no prior (they would count twice), whatever the file's hash."""
    pack = load_pack("engineering")
    registry = RegistryWriter(tmp_path)
    outcomes, profiles = synthetic_profiles(pack, 2400, 44)
    last_year = np.arange(2400) < 1200
    usable = usable_rows(profiles)
    first = train_candidate(
        rows_of(profiles, last_year), outcomes.track_taken[last_year],
        outcomes.success[last_year], registry=registry, data={"source": "2025.csv"}, folds=2,
    )  # fmt: skip
    registry.promote(first["version"])
    assert registry.learnt_from(first["version"]).size == (usable & last_year).sum()

    # this year's file names last year's people again, their ids written in capitals
    ids = [i.upper() if old else i for i, old in zip(profiles.employee_ids, last_year, strict=True)]
    cumulative = ProfileBatch(**{**vars(profiles), "employee_ids": ids})
    kept = []
    second = train_candidate(
        cumulative, outcomes.track_taken, outcomes.success, registry=registry,
        data={"source": "2025-2026.csv"}, folds=2, on_evidence=kept.append,
    )  # fmt: skip
    manifest = registry.manifest(second["version"])
    seen, fresh = int((usable & last_year).sum()), int((usable & ~last_year).sum())
    assert manifest["holdout"]["rows"] == fresh
    assert manifest["holdout"]["left_out_learnt_by_active"] == seen
    assert manifest["comparison"]["rows"] == fresh
    assert not manifest["comparison"]["active_learnt_these"]
    assert (
        f"judged on the {fresh:,} people {first['version']} did not learn from"
        in (second["verdict"]["summary"])
    )
    assert f"the other {seen:,}, whom it learnt from, are left out" in second["verdict"]["summary"]
    assert not any("prior" in second["metrics"]["tracks"][t] for t in ("ic", "manager"))
    assert manifest["prior_declined"] == {"version": first["version"], "people_learnt": seen}
    card = (registry.root / second["version"] / "card.md").read_text()
    assert f"it learnt from {seen:,} of these people, who would count twice" in card
    assert registry.learnt_from(second["version"]).size == usable.sum()  # everyone usable

    # the people behind the verdict: who was judged, and why the others were not
    (evidence,) = kept
    rows = list(csv.DictReader(io.StringIO(_written_csv(evidence))))
    assert [row["employee_id"] for row in rows] == ids
    judged = np.array([row["judged"] == "yes" for row in rows])
    np.testing.assert_array_equal(judged, usable & ~last_year)
    because = np.array([row["not_judged_because"] for row in rows])
    assert set(because[~usable]) == {QUALITY_FLAGGED}
    assert set(because[usable & last_year]) == {LEARNT_BY_ACTIVE}
    learnt = np.array([row["learnt_by_active"] for row in rows])
    np.testing.assert_array_equal(learnt[usable], np.where(last_year, "yes", "no")[usable])
    for track in ("ic", "manager"):
        for model in ("candidate", "active"):
            given = np.array([row[f"{model}_p_success_{track}"] != "" for row in rows])
            np.testing.assert_array_equal(given, usable)


def _written_csv(evidence) -> str:
    stream = io.StringIO()
    csv.writer(stream).writerows(evidence.rows())
    return stream.getvalue()


def test_people_learnt_through_the_prior_count_as_learnt(tmp_path):
    pack = load_pack("engineering")
    registry = RegistryWriter(tmp_path)
    learnt = []
    for seed in (45, 46):
        outcomes, profiles = synthetic_profiles(pack, 800, seed)
        summary = train_candidate(
            profiles, outcomes.track_taken, outcomes.success, registry=registry,
            data={"source": f"{seed}.csv"}, folds=2,
        )  # fmt: skip
        registry.promote(summary["version"])
        learnt.append(person_keys(profiles.employee_ids)[usable_rows(profiles)])
    second = registry.manifest(summary["version"])["metrics"]["tracks"]
    took = any(second[t].get("prior_weight") for t in ("ic", "manager"))
    expected = np.union1d(*learnt) if took else np.unique(learnt[1])
    np.testing.assert_array_equal(registry.learnt_from(summary["version"]), expected)


def test_an_active_version_from_before_people_were_recorded_is_matched_by_its_file(tmp_path):
    pack = load_pack("engineering")
    registry = RegistryWriter(tmp_path)
    outcomes, profiles = synthetic_profiles(pack, 1200, 47)
    # the generator's made-up people are not recorded, as no version's were before
    data = {"sha256": "cd" * 32, "generator": {"seed": 47}}
    first = train_candidate(
        profiles, outcomes.track_taken, outcomes.success, registry=registry, data=data, folds=2
    )
    registry.promote(first["version"])
    assert registry.learnt_from(first["version"]) is None
    again = train_candidate(
        profiles, outcomes.track_taken, outcomes.success, registry=registry,
        data={"sha256": "cd" * 32}, folds=2,
    )  # fmt: skip
    assert registry.manifest(again["version"])["comparison"]["active_learnt_these"]
    assert not any("prior" in again["metrics"]["tracks"][t] for t in ("ic", "manager"))


def test_an_active_version_whose_record_of_people_does_not_read_is_no_prior_nor_judged_worse(
    tmp_path,
):
    pack = load_pack("engineering")
    registry = RegistryWriter(tmp_path)
    outcomes, profiles = synthetic_profiles(pack, 1200, 48)
    first = train_candidate(
        profiles, outcomes.track_taken, outcomes.success, registry=registry,
        data={"source": "2025.csv"}, folds=2,
    )  # fmt: skip
    registry.promote(first["version"])
    (tmp_path / first["version"] / "people.npy").unlink()  # gone since training
    others, other_profiles = synthetic_profiles(pack, 1200, 49)
    kept = []
    second = train_candidate(
        other_profiles, others.track_taken, others.success, registry=registry,
        data={"source": "2026.csv"}, folds=2, on_evidence=kept.append,
    )  # fmt: skip
    usable = usable_rows(other_profiles)
    said = [row[5] for row in list(kept[0].rows())[1:]]  # learnt_by_active
    assert set(np.array(said)[usable]) == {"unknown"} and set(np.array(said)[~usable]) == {""}
    manifest = registry.manifest(second["version"])
    assert "is missing; the manifest says" in manifest["prior_declined"]["people_unreadable"]
    verdict = manifest["comparison"]["verdict"]
    assert (
        f"{first['version']}'s record of the people it learnt from could not be read"
        in (verdict["summary"])
    )
    assert verdict["recommendation"] == "review" and not verdict["worse"]
    card = (tmp_path / second["version"] / "card.md").read_text()
    assert "was not offered as a prior: its record of the people it learnt from could not" in card


def test_whom_a_version_from_before_people_were_recorded_learnt_from_is_not_said_to_be_no_one(
    tmp_path,
):
    """It learnt from another file and kept no list of its people: the people behind the
    next verdict are neither "yes" nor "no" but "unknown"."""
    pack = load_pack("engineering")
    registry = RegistryWriter(tmp_path)
    outcomes, profiles = synthetic_profiles(pack, 1200, 50)
    first = train_candidate(
        profiles, outcomes.track_taken, outcomes.success, registry=registry,
        data={"source": "2024.csv", "sha256": "ab" * 32}, folds=2,
    )  # fmt: skip
    registry.promote(first["version"])
    folder = tmp_path / first["version"]
    (folder / PEOPLE_FILE).unlink()  # as versions from before the list was kept
    manifest = json.loads((folder / "manifest.json").read_text())
    del manifest["sha256"][PEOPLE_FILE]
    (folder / "manifest.json").write_text(json.dumps(manifest))
    assert registry.learnt_from(first["version"]) is None
    others, other_profiles = synthetic_profiles(pack, 1200, 51)
    kept = []
    train_candidate(
        other_profiles, others.track_taken, others.success, registry=registry,
        data={"source": "2026.csv", "sha256": "cd" * 32}, folds=2, on_evidence=kept.append,
    )  # fmt: skip
    said = np.array([row[5] for row in list(kept[0].rows())[1:]])  # learnt_by_active
    assert set(said[usable_rows(other_profiles)]) == {"unknown"}


def test_a_track_whose_new_people_are_too_few_is_judged_on_everyone_and_said_to_flatter(
    tmp_path,
):
    """This year's new people all took the IC track: the IC track is judged on them alone,
    the manager track on everyone (too few others), where the comparison flatters the active
    version and cannot judge the candidate worse."""
    pack = load_pack("engineering")
    registry = RegistryWriter(tmp_path)
    outcomes, profiles = synthetic_profiles(pack, 3000, 50)
    last_year = np.arange(3000) < 1500
    first = train_candidate(
        rows_of(profiles, last_year), outcomes.track_taken[last_year],
        outcomes.success[last_year], registry=registry, data={"source": "2025.csv"}, folds=2,
    )  # fmt: skip
    registry.promote(first["version"])
    keep = last_year | (outcomes.track_taken == "ic")  # new people: IC only
    second = train_candidate(
        rows_of(profiles, keep), outcomes.track_taken[keep], outcomes.success[keep],
        registry=registry, data={"source": "2025-2026.csv"}, folds=2,
    )  # fmt: skip
    comparison = registry.manifest(second["version"])["comparison"]
    usable = usable_rows(profiles)
    managers = usable & last_year & (outcomes.track_taken == "manager")
    assert comparison["tracks"]["manager"]["learnt_by_active"] == managers.sum()
    assert "learnt_by_active" not in comparison["tracks"]["ic"]
    ic_fresh = int((usable & keep & ~last_year).sum())
    summary = comparison["verdict"]["summary"]
    assert (
        f"judged on the {ic_fresh:,} people {first['version']} did not learn from on the IC "
        in (summary)
    )
    assert (
        f"on the manager track {first['version']} learnt from {managers.sum():,} of the "
        f"{managers.sum():,} people judged" in summary
    )
    assert "cannot judge the candidate worse there" in summary
    assert comparison["verdict"]["recommendation"] in ("keep", "review")  # never "promote"


def test_a_declined_active_version_gives_way_to_the_version_it_was_built_on(tmp_path):
    """Last year's model shrank toward the synthetic default; this year's cumulative file
    holds last year's people, so last year's model is declined as a prior, and the default it
    was built on (which learnt from none of them) is offered instead."""
    pack = load_pack("engineering")
    registry = RegistryWriter(tmp_path)
    default = build_default_model(registry, pack, people=2000, seed=7)
    outcomes, profiles = synthetic_profiles(pack, 1600, 51)
    last_year = np.arange(1600) < 800
    first = train_candidate(
        rows_of(profiles, last_year), outcomes.track_taken[last_year],
        outcomes.success[last_year], registry=registry, data={"source": "2025.csv"}, folds=2,
    )  # fmt: skip
    took = {t: m.get("prior_weight") for t, m in first["metrics"]["tracks"].items()}
    assert any(took.values()), took  # the premise: last year's model was built on the default
    registry.promote(first["version"])

    second = train_candidate(
        profiles, outcomes.track_taken, outcomes.success, registry=registry,
        data={"source": "2025-2026.csv"}, folds=2,
    )  # fmt: skip
    manifest = registry.manifest(second["version"])
    assert manifest["prior_declined"]["version"] == first["version"]
    assert manifest["prior_declined"]["instead"] == default
    assert {m["prior"] for m in manifest["metrics"]["tracks"].values()} == {default}
    card = (tmp_path / second["version"] / "card.md").read_text()
    assert f"{default}, a version it was built on, was offered instead" in card
    assert re.search(
        rf"shrinking (halfway )?toward {default} \(a version {first['version']} was built on\)",
        card,
    )


def test_a_version_with_interactions_is_published_read_back_and_explained(tmp_path):
    """The thresholds truth makes success as an IC rise with craft depth the more for those
    who want hands-on time: 4,000 people take that pair. The version is written, promoted
    (tried on sample people), read back by a recommender, and its factors still add up to the
    score, one per feature of the pack, the pair's effect shared between its two; the model
    card names the pair and the folds' choices record it."""
    from recommender.answer.recommendation import Recommender  # noqa: PLC0415

    pack = load_pack("engineering")
    registry = RegistryWriter(tmp_path)
    outcomes, profiles = synthetic_profiles(pack, 4000, 3, truth="thresholds")
    data = {"synthetic": True, "sha256": "cd" * 32}
    summary = train_candidate(
        profiles, outcomes.track_taken, outcomes.success, registry=registry, data=data, folds=2
    )
    pair = "constructs.craft_depth*constructs.hands_on_time"
    assert pair in summary["metrics"]["tracks"]["ic"]["pairs"]
    registry.promote(summary["version"])
    recommender = Recommender.open(pack, str(tmp_path))
    assert pair in recommender.model.model.feature_names
    for record in recommender.recommend_profiles(profiles):
        explanation = record["explanation"]
        factors = explanation["factors"]
        assert len(factors) == len(recommender.model.model.input_names)
        total = explanation["baseline"] + sum(f["effect"] for f in factors)
        assert abs(total - explanation["score"]) < 1e-6
    card = (tmp_path / summary["version"] / "card.md").read_text(encoding="utf-8")
    assert f"and the interaction {pair}" in card.replace("\\", "")  # * is escaped in Markdown
    folds = registry.manifest(summary["version"])["holdout"]["fold_choices"]
    assert any(pair in fold["ic"].get("pairs", []) for fold in folds)
