"""The level engine: gated levels per track, targets, gaps, the branch point, equivalence."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from recommender.answer.answers import Answers
from recommender.answer.assessment import assess
from recommender.answer.levels import assess_levels
from recommender.answer.scoring import score_many


def _levels(pack, answers):
    return assess(score_many(pack, [answers])).levels_report(0)


def _meeting_exactly(pack, level_id):
    """Answers whose competency ratings are exactly the level's expectations."""
    level = pack.framework.level(level_id)
    ratings = {}
    for item in pack.questionnaire.items_of_kind("anchored"):
        ratings[item.id] = float(level.expects[item.competency])
    return Answers("exact", ratings)


def test_meeting_exactly_l4_gives_current_l4_target_l5_and_no_gap_at_l4(engineering):
    answers = _meeting_exactly(engineering, "L4")
    ic = _levels(engineering, answers)["ic"]
    assert (ic["current"], ic["target"], ic["status"]) == ("L4", "L5", "supported")
    l4 = engineering.framework.level("L4").expects
    l5 = engineering.framework.level("L5").expects
    assert ic["gaps"], "L5 must ask for more than L4"
    for gap in ic["gaps"]:
        assert gap["have"] == l4[gap["competency"]]  # nothing is short of L4 ...
        assert gap["need"] == l5[gap["competency"]] > gap["have"]  # ... gaps are to L5


def test_below_the_branch_grade_the_manager_track_says_not_yet(engineering):
    answers = _meeting_exactly(engineering, "L2")
    manager = _levels(engineering, answers)["manager"]
    assert manager["status"] == "not_yet"
    assert manager["current"] is None
    assert manager["target"] == "M3"
    assert "leadership experience" in manager["reason"]
    assert manager["gaps"]


def test_equivalent_level_on_the_other_track_is_by_grade(engineering):
    levels = _levels(engineering, _meeting_exactly(engineering, "M4"))
    assert levels["manager"]["current"] == "M4"
    assert levels["manager"]["equivalent"]["current"] == "L4"  # Senior Manager ~ Staff
    assert engineering.framework.equivalent("L5", "manager").id == "M5"  # Principal ~ Director


def test_levels_are_gated_a_gap_low_on_the_ladder_holds_everything_back(tiny, make_answers):
    # craft 5 and talking 4 would meet T3 on their own, but leading 1 is fine for T1..T3 ...
    assert _levels(tiny, make_answers(ratings=(5, 2, 3)))["ic"]["current"] == "T3"
    # ... while a missing craft rating fails T2 (needs 3, evidence 0), so T3 cannot count
    levels = _levels(tiny, make_answers(ratings=(None, 5, 5)))["ic"]
    assert levels["current"] == "T1"
    assert {"competency": "craft", "have": None, "need": 3} in levels["gaps"]


def test_one_step_below_is_forgiven_but_not_two(tiny, make_answers):
    # T2 expects craft 3, leading 1, talking 2
    assert _levels(tiny, make_answers(ratings=(2, 1, 2)))["ic"]["current"] == "T2"
    assert _levels(tiny, make_answers(ratings=(1, 1, 2)))["ic"]["current"] == "T1"


def test_the_shortfalls_may_add_up_to_at_most_the_pack_limit(tiny, make_answers):
    # T3 expects craft 5, leading 2, talking 3: three single steps short is 3 > 2
    assert _levels(tiny, make_answers(ratings=(4, 1, 2)))["ic"]["current"] == "T2"
    assert _levels(tiny, make_answers(ratings=(4, 1, 3)))["ic"]["current"] == "T3"


def test_top_of_the_ladder_stays_the_target(tiny, make_answers):
    ic = _levels(tiny, make_answers(ratings=(5, 5, 5)))["ic"]
    assert (ic["current"], ic["target"], ic["gaps"]) == ("T3", "T3", [])


def test_nobody_meets_nothing(tiny, make_answers):
    ic = _levels(tiny, make_answers(ratings=(None, None, None)))["ic"]
    assert (ic["current"], ic["target"], ic["status"]) == (None, "T1", "none")


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.none(), st.integers(1, 5)), min_size=3, max_size=3))
def test_better_ratings_never_lower_a_level(tiny, ratings):
    base = {"rate_craft": ratings[0], "rate_leading": ratings[1], "rate_talking": ratings[2]}
    answers = Answers("a", {k: float(v) for k, v in base.items() if v is not None})
    improved = {k: float(min(5, (v or 0) + 1)) for k, v in base.items()}
    profiles = score_many(tiny, [answers, Answers("b", improved)])
    for track, levels in assess_levels(tiny.framework, profiles.competencies).items():
        assert levels.current[1] >= levels.current[0], track


def test_levels_report_is_the_same_for_one_person_and_a_batch(engineering):
    people = [_meeting_exactly(engineering, lv) for lv in ("L1", "L3", "M3", "L6")]
    batch = assess(score_many(engineering, people))
    for row, person in enumerate(people):
        single = assess(score_many(engineering, [person]))
        assert batch.levels_report(row) == single.levels_report(0)
    # an exact M3 is within the one-step tolerance of L3 (technical depth, design: 2 vs 3)
    assert np.array_equal(batch.levels["ic"].current, [0, 2, 2, 5])
