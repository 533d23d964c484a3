"""The calibration chart says how sure each bin's observed rate is: a bin of thirty people that
sees 48% succeed may well hold a true rate of 34% or 62%."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from scipy.stats import binomtest

from recommender.learn.observed_rates import observed_range
from webapp.hr.governance.charts import calibration_chart


@given(st.integers(1, 5000).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
def test_the_observed_range_is_the_wilson_interval_at_90_percent(counts):
    successes, people = counts
    low, high = observed_range(successes / people, people)
    expected = binomtest(successes, people).proportion_ci(confidence_level=0.9, method="wilson")
    assert abs(low - expected.low) < 1e-9 and abs(high - expected.high) < 1e-9
    assert low <= successes / people <= high


def test_each_bin_says_its_people_and_its_range_and_draws_it():
    table = [
        {"n": 32, "predicted": 0.58, "observed": 0.48},
        {"n": 3000, "predicted": 0.7, "observed": 0.71},
    ]
    chart = str(calibration_chart("IC", {"candidate": table}, {"candidate": "v4"}))
    assert "0.58 → 0.48 (32 people, likely 0.34 to 0.62)" in chart
    assert "0.70 → 0.71 (3,000 people, likely 0.70 to 0.72)" in chart
    assert chart.count('opacity="0.6"') == 2  # a line for each bin's range


def test_a_table_stored_without_counts_is_drawn_without_ranges():
    chart = str(
        calibration_chart(
            "IC", {"candidate": [{"predicted": 0.5, "observed": 0.4}]}, {"candidate": "v1"}
        )
    )
    assert "0.50 → 0.40." in chart and "people, likely" not in chart
