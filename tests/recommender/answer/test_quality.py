"""Response-quality flags lower confidence; they never change answers."""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from recommender.answer.quality import CONTRADICTION_GAP, CONTRADICTION_MIN_CONSTRUCTS
from recommender.answer.scoring import score, score_matrix, scoring_layout


def test_considered_answers_raise_no_flag(tiny, make_answers):
    profile = score(tiny, make_answers(lead=(4, 2, 5), craft=(2, 4, 1), status=(3, 3, 2)))
    assert profile.flags == ()


def test_straight_liner_is_flagged_and_answers_are_kept(tiny, make_answers):
    answers = make_answers(lead=(5, 5, 5), craft=(5, 5, 5), status=(5, 5, 5), attention=5)
    profile = score(tiny, answers)
    assert "straight_lining" in profile.flags
    assert "contradictory_reverse_keyed" in profile.flags
    # the flag never edits the answers: lead_affective is still (5 + 1 + 5) / 3
    assert abs(profile.constructs["lead_affective"] - 11 / 3) < 1e-12


def test_failed_attention_check_is_flagged(tiny, make_answers):
    assert "failed_attention_check" in score(tiny, make_answers(attention=4)).flags


def test_skipped_attention_check_is_not_a_failure(tiny, make_answers):
    assert "failed_attention_check" not in score(tiny, make_answers(attention=None)).flags


def test_too_many_skipped(tiny, make_answers):
    profile = score(tiny, make_answers(lead=(None, None, 4), craft=(None, 2, None)))
    assert "too_many_skipped" in profile.flags


def test_too_fast_only_when_timings_are_given(tiny, make_answers):
    # the motives page shows 10 items: 12 seconds is 1.2 s an item
    assert "too_fast" in score(tiny, make_answers(timings={"motives": 12})).flags
    assert "too_fast" not in score(tiny, make_answers(timings={"motives": 60})).flags
    assert "too_fast" not in score(tiny, make_answers()).flags


def test_flags_carry_a_message_in_json(tiny, make_answers):
    flags = score(tiny, make_answers(attention=1)).to_json()["flags"]
    assert flags[0]["id"] == "failed_attention_check"
    assert "particular answer" in flags[0]["message"]


def _exact_mean_gap(scored_row, answered_row, layout) -> tuple[int, Fraction]:
    """Constructs with both keys answered, and their mean gap, in exact fractions."""
    gaps, counted = Fraction(0), 0
    for construct in range(layout.n_constructs):
        members = (layout.construct_of == construct) & answered_row
        forward = [Fraction(v) for v in scored_row[members & ~layout.reverse]]
        backward = [Fraction(v) for v in scored_row[members & layout.reverse]]
        if forward and backward:
            gap = abs(sum(forward) / len(forward) - sum(backward) / len(backward))
            gaps += gap / Fraction(layout.span[construct])
            counted += 1
    return counted, gaps / counted if counted else Fraction(0)


def test_contradiction_flag_agrees_with_exact_arithmetic_at_the_threshold(engineering):
    layout = scoring_layout(engineering)
    rng = np.random.default_rng(0)
    raw = rng.integers(1, 6, size=(3000, len(layout.item_ids))).astype(float)
    raw[rng.random(raw.shape) < 0.3] = np.nan
    profiles = score_matrix(
        engineering, raw, np.full((len(raw), len(layout.section_ids)), np.nan), {}, []
    )
    flagged = profiles.flags["contradictory_reverse_keyed"]
    answered = ~np.isnan(raw)
    scored = np.where(layout.reverse, layout.low + layout.high - raw, raw)
    threshold = Fraction(str(CONTRADICTION_GAP))
    gaps = [_exact_mean_gap(scored[r], answered[r], layout.quality) for r in range(len(raw))]
    exact = [n >= CONTRADICTION_MIN_CONSTRUCTS and gap >= threshold for n, gap in gaps]
    assert flagged.tolist() == exact
    # the sample holds people exactly on the threshold, where rounding used to decide
    assert any(n >= CONTRADICTION_MIN_CONSTRUCTS and gap == threshold for n, gap in gaps)
