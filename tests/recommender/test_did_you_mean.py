"""A mistyped name is answered with the closest one, whatever its case."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from recommender.errors import did_you_mean

CHOICES = ("age_band", "gender", "years_experience")


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("Gender", "; did you mean 'gender'?"),
        ("AGE_BAND", "; did you mean 'age_band'?"),  # an outside review got nothing here
        ("age-band", "; did you mean 'age_band'?"),
        ("salary", ""),
        (3, ""),
    ],
)
def test_the_closest_choice_is_named_whatever_its_case(typed, said):
    assert did_you_mean(typed, CHOICES) == said


@given(st.text(max_size=30), st.lists(st.text(min_size=1, max_size=12), max_size=8))
def test_a_suggestion_is_always_one_of_the_choices_as_written(typed, choices):
    said = did_you_mean(typed, choices)
    assert said == "" or any(said == f"; did you mean '{choice}'?" for choice in choices)
