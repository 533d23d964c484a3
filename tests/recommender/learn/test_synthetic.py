"""The synthetic outcome generator: seeded, calibrated, and true to its written assumptions."""

from __future__ import annotations

import csv

import numpy as np
import pytest

from recommender.answer.scoring import score_matrix, scoring_layout
from recommender.learn.synthetic import (
    generate_outcomes,
    unknown_constructs,
    write_outcome_csv,
)
from recommender.pack.loading import load_pack


@pytest.fixture(scope="module")
def people(engineering):
    return generate_outcomes(engineering, 20000, seed=3)


def test_the_same_seed_gives_the_same_people(engineering):
    first, second = (generate_outcomes(engineering, 500, seed=9) for _ in range(2))
    np.testing.assert_array_equal(first.answers, second.answers)
    np.testing.assert_array_equal(first.success, second.success)
    other = generate_outcomes(engineering, 500, seed=10)
    assert not np.array_equal(np.nan_to_num(first.answers), np.nan_to_num(other.answers))


def test_answers_are_on_each_items_scale(engineering, people):
    layout = scoring_layout(engineering)
    answered = ~np.isnan(people.answers)
    assert people.answers.shape[1] == len(layout.item_ids)
    assert np.all((people.answers >= layout.low) | ~answered)
    assert np.all((people.answers <= layout.high) | ~answered)


def test_manager_share_rises_with_experience_as_in_the_survey(people):
    years = people.context["years_experience"]
    managers = people.track_taken == "manager"
    for low, high, survey in ((0, 5, 0.05), (5, 10, 0.09), (10, 99, 0.22)):
        band = (years >= low) & (years < high)
        assert abs(managers[band].mean() - survey) < 0.03, (low, managers[band].mean())


def test_people_who_manage_for_pay_or_status_mostly_struggle(people):
    managers = people.track_taken == "manager"
    for_status = (
        managers & (people.latents["extrinsic_motive"] > 1) & (people.latents["lead_affective"] < 0)
    )
    assert people.success[for_status].mean() < people.success[managers & ~for_status].mean() - 0.15


def test_choosing_well_matters(people):
    gap = np.abs(people.p_true["manager"] - people.p_true["ic"])
    assert (gap > 0.2).mean() > 0.3
    assert 0.5 < people.success.mean() < 0.7


def test_scored_constructs_track_the_latent_traits(engineering, people):
    n = len(people.employee_ids)
    timings = np.full((n, len(scoring_layout(engineering).section_ids)), np.nan)
    profiles = score_matrix(
        engineering, people.answers, timings, people.context, people.employee_ids
    )
    careful = ~profiles.flags["straight_lining"]
    for column, construct in enumerate(engineering.questionnaire.construct_ids):
        scores = profiles.constructs[careful, column]
        latent = people.latents[construct][careful]
        known = ~np.isnan(scores)
        assert np.corrcoef(scores[known], latent[known])[0, 1] > 0.8, construct


def test_the_csv_has_the_outcome_columns_and_blank_skips(engineering, tmp_path):
    outcomes = generate_outcomes(engineering, 200, seed=1)
    path = tmp_path / "outcomes.csv"
    write_outcome_csv(outcomes, path)
    with path.open(encoding="utf-8") as stream:
        rows = list(csv.reader(stream))
    header = rows[0]
    assert header[0] == "employee_id" and header[-2:] == ["track_taken", "success"]
    assert set(scoring_layout(engineering).item_ids) <= set(header)
    assert len(rows) == 201
    assert any("" in row for row in rows[1:])


def test_a_construct_of_the_packs_own_is_random_and_changes_nothing_else(
    tiny, pack_with_own_construct
):
    """A pack may measure something the generator has no trait for: its answers are drawn at
    random and play no part in success; the other traits, the track taken and success are as
    before."""
    own = load_pack(pack_with_own_construct)
    assert unknown_constructs(own) == ("user_empathy",)
    assert unknown_constructs(tiny) == ()

    before, after = generate_outcomes(tiny, 4000, seed=5), generate_outcomes(own, 4000, seed=5)
    for trait, values in before.latents.items():
        np.testing.assert_array_equal(after.latents[trait], values)
    items_after = list(scoring_layout(own).item_ids)
    np.testing.assert_array_equal(after.success, before.success)
    np.testing.assert_array_equal(after.track_taken, before.track_taken)

    empathy = np.nanmean(after.answers[:, [items_after.index(f"ue{i}") for i in (1, 2, 3)]], 1)
    assert np.nanstd(empathy) > 0.5  # answered, and not alike
    for track in ("ic", "manager"):
        assert abs(np.corrcoef(empathy, after.p_true[track])[0, 1]) < 0.06
