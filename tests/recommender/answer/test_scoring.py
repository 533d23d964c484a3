"""Scoring answers into profiles: reverse keys, missing answers, batch equals single."""

from __future__ import annotations

import math
import warnings
from dataclasses import replace

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from recommender.answer.answers import Answers, read_answers_jsonl
from recommender.answer.scoring import answer_matrix, given_answers, score, score_many


def test_reverse_keyed_items_are_flipped_before_scoring(tiny, make_answers):
    # la2 is reverse-keyed: disagreeing (1) with "I avoid leading" counts as 5.
    profile = score(tiny, make_answers(lead=(5, 1, 5)))
    assert profile.constructs["lead_affective"] == 5.0


def test_reverse_keys_use_the_items_own_scale(tiny, make_answers):
    profile = score(tiny, make_answers(lead=(4, 2, 4)))
    assert profile.constructs["lead_affective"] == 4.0


def test_construct_is_the_mean_of_the_answered_items(tiny, make_answers):
    profile = score(tiny, make_answers(craft=(5, None, 3)))
    assert profile.constructs["craft_depth"] == 4.0


def test_construct_with_fewer_than_half_its_items_answered_is_missing(tiny, make_answers):
    profile = score(tiny, make_answers(status=(5, None, None)))
    assert profile.constructs["extrinsic_motive"] is None
    assert profile.to_json()["constructs"]["extrinsic_motive"] is None


def test_missing_competency_rating_is_missing_not_guessed(tiny, make_answers):
    profile = score(tiny, make_answers(ratings=(4, None, 2)))
    assert profile.competencies == {"craft": 4.0, "leading": None, "talking": 2.0}


def test_nothing_answered_gives_an_empty_profile(tiny):
    profile = score(tiny, Answers("blank"))
    assert all(value is None for value in profile.constructs.values())
    assert all(value is None for value in profile.competencies.values())
    assert "too_many_skipped" in profile.flags


def test_context_and_current_grade_are_carried(tiny, make_answers):
    answers = make_answers(
        context={"years_experience": 7, "current_track": "ic", "current_level": "T2"}
    )
    profile = score(tiny, answers)
    assert profile.context == {
        "years_experience": 7,
        "current_track": "ic",
        "current_level": "T2",
        "current_grade": 2,
    }


ITEM_VALUES = st.one_of(st.none(), st.integers(1, 5))
TINY_ITEMS = (
    "la1",
    "la2",
    "la3",
    "cd1",
    "cd2",
    "cd3",
    "ex1",
    "ex2",
    "ex3",
    "att",
    "rate_craft",
    "rate_leading",
    "rate_talking",
)


@st.composite
def tiny_people(draw):
    count = draw(st.integers(1, 12))
    people = []
    for index in range(count):
        values = draw(st.fixed_dictionaries({item: ITEM_VALUES for item in TINY_ITEMS}))
        timings = draw(
            st.fixed_dictionaries(
                {}, optional={"motives": st.floats(0, 300), "work": st.floats(0, 300)}
            )
        )
        answers = {k: float(v) for k, v in values.items() if v is not None}
        people.append(Answers(f"p{index}", answers, {}, timings))
    return people


@settings(max_examples=150, deadline=None)
@given(tiny_people())
def test_batch_scoring_gives_exactly_the_single_person_result(tiny, people):
    batch = score_many(tiny, people).profiles()
    singles = [score(tiny, person) for person in people]
    assert batch == singles


@settings(max_examples=100, deadline=None)
@given(tiny_people())
def test_the_answers_given_come_back_from_the_profiles_exactly(tiny, people):
    """What reliability is computed on, read back from the scored profiles, is each answer as
    given (reverse-keyed ones turned back), blank where none was given."""
    given_back = given_answers(score_many(tiny, people))
    np.testing.assert_array_equal(given_back, answer_matrix(tiny, people))


@settings(max_examples=100, deadline=None)
@given(tiny_people())
def test_construct_scores_stay_on_the_items_scale(tiny, people):
    batch = score_many(tiny, people)
    values = batch.constructs[~np.isnan(batch.constructs)]
    assert np.all((values >= 1) & (values <= 5))


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(1, 5), min_size=3, max_size=3))
def test_flipping_every_answer_mirrors_a_fully_answered_construct(tiny, values):
    first = score(tiny, Answers("a", {f"la{i + 1}": float(v) for i, v in enumerate(values)}))
    mirrored = {f"la{i + 1}": float(6 - v) for i, v in enumerate(values)}
    second = score(tiny, Answers("b", mirrored))
    assert math.isclose(first.constructs["lead_affective"] + second.constructs["lead_affective"], 6)


def test_engineering_sample_answers_score_without_flags_except_the_careless_one(engineering):
    path = engineering.path / "sample-answers.jsonl"
    with path.open(encoding="utf-8") as stream:
        people = list(read_answers_jsonl(stream, engineering, path.name))
    profiles = score_many(engineering, people).profiles()
    flagged = [profile.employee_id for profile in profiles if profile.flags]
    assert len(flagged) == 1
    careless = next(p for p in profiles if p.flags)
    assert {"straight_lining", "failed_attention_check", "too_fast"} <= set(careless.flags)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.floats(0, 1.7976931348623157e308), min_size=1, max_size=10))
def test_any_finite_timings_are_read_without_overflow(engineering, seconds):
    """The API takes any finite non-negative timing: pages left open for ages (up to the
    largest float, on every page) are long enough, never an overflow."""
    path = engineering.path / "sample-answers.jsonl"
    with path.open(encoding="utf-8") as stream:
        person = next(iter(read_answers_jsonl(stream, engineering, path.name)))
    sections = [section.id for section in engineering.questionnaire.sections]
    timings = {section: seconds[i % len(seconds)] for i, section in enumerate(sections)}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        (profile,) = score_many(engineering, [replace(person, timings=timings)]).profiles()
    if min(seconds) >= 1e6:  # every page far longer than reading it takes
        assert "too_fast" not in profile.flags
