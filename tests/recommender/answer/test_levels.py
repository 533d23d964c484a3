"""The level engine: the level held, the level the evidence supports (gated) and the next step
per track; a change of track is a sideways move; gaps, the branch point, equivalence."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from recommender.answer.answers import Answers
from recommender.answer.assessment import assess
from recommender.answer.levels import assess_levels, next_anchor
from recommender.answer.scoring import score_many
from recommender.pack.loading import load_pack


def _levels(pack, answers):
    return assess(score_many(pack, [answers])).levels_report(0)


def _meeting_exactly(pack, level_id, context=None):
    """Answers whose competency ratings are exactly the level's expectations."""
    level = pack.framework.level(level_id)
    ratings = {}
    for item in pack.questionnaire.items_of_kind("anchored"):
        ratings[item.id] = float(level.expects[item.competency])
    return Answers("exact", ratings, dict(context or {}))


def test_meeting_exactly_l4_supports_l4_targets_l5_and_no_gap_at_l4(engineering):
    answers = _meeting_exactly(engineering, "L4")
    ic = _levels(engineering, answers)["ic"]
    assert (ic["current"], ic["supported"], ic["target"]) == (None, "L4", "L5")
    assert ic["status"] == "supported"
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
    assert manager["current"] is manager["supported"] is None
    assert manager["target"] == "M3"
    assert "leadership experience" in manager["reason"]
    assert manager["gaps"]


def test_equivalent_level_on_the_other_track_is_by_grade(engineering):
    held = {"current_track": "manager", "current_level": "M4"}
    levels = _levels(engineering, _meeting_exactly(engineering, "M4", held))
    assert levels["manager"]["current"] == "M4"
    assert levels["manager"]["equivalent"]["current"] == "L4"  # Senior Manager ~ Staff
    assert engineering.framework.equivalent("L5", "manager").id == "M5"  # Principal ~ Director


def test_levels_are_gated_a_gap_low_on_the_ladder_holds_everything_back(tiny, make_answers):
    # craft 5 and talking 4 would meet T3 on their own, but leading 1 is fine for T1..T3 ...
    assert _levels(tiny, make_answers(ratings=(5, 2, 3)))["ic"]["supported"] == "T3"
    # ... while a missing craft rating fails T2 (needs 3, evidence 0), so T3 cannot count
    levels = _levels(tiny, make_answers(ratings=(None, 5, 5)))["ic"]
    assert levels["supported"] == "T1"
    assert {"competency": "craft", "have": None, "need": 3} in levels["gaps"]


def test_one_step_below_is_forgiven_but_not_two(tiny, make_answers):
    # T2 expects craft 3, leading 1, talking 2
    assert _levels(tiny, make_answers(ratings=(2, 1, 2)))["ic"]["supported"] == "T2"
    assert _levels(tiny, make_answers(ratings=(1, 1, 2)))["ic"]["supported"] == "T1"


def test_the_shortfalls_may_add_up_to_at_most_the_pack_limit(tiny, make_answers):
    # T3 expects craft 5, leading 2, talking 3: three single steps short is 3 > 2
    assert _levels(tiny, make_answers(ratings=(4, 1, 2)))["ic"]["supported"] == "T2"
    assert _levels(tiny, make_answers(ratings=(4, 1, 3)))["ic"]["supported"] == "T3"


def test_top_of_the_ladder_stays_the_target(tiny, make_answers):
    ic = _levels(tiny, make_answers(ratings=(5, 5, 5)))["ic"]
    assert (ic["supported"], ic["target"], ic["gaps"]) == ("T3", "T3", [])
    held = make_answers(ratings=(5, 5, 5), context={"current_track": "ic", "current_level": "T3"})
    assert _levels(tiny, held)["ic"]["target"] == "T3"


def test_nobody_meets_nothing(tiny, make_answers):
    ic = _levels(tiny, make_answers(ratings=(None, None, None)))["ic"]
    assert (ic["supported"], ic["target"], ic["status"]) == (None, "T1", "none")


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.none(), st.integers(1, 5)), min_size=3, max_size=3))
def test_better_ratings_never_lower_a_level(tiny, ratings):
    base = {"rate_craft": ratings[0], "rate_leading": ratings[1], "rate_talking": ratings[2]}
    answers = Answers("a", {k: float(v) for k, v in base.items() if v is not None})
    improved = {k: float(min(5, (v or 0) + 1)) for k, v in base.items()}
    profiles = score_many(tiny, [answers, Answers("b", improved)])
    for track, levels in assess_levels(tiny.framework, profiles.competencies).items():
        assert levels.supported[1] >= levels.supported[0], track


def test_levels_report_is_the_same_for_one_person_and_a_batch(engineering):
    people = [_meeting_exactly(engineering, lv) for lv in ("L1", "L3", "M3", "L6")]
    batch = assess(score_many(engineering, people))
    for row, person in enumerate(people):
        single = assess(score_many(engineering, [person]))
        assert batch.levels_report(row) == single.levels_report(0)
    # an exact M3 is within the one-step tolerance of L3 (technical depth, design: 2 vs 3)
    assert np.array_equal(batch.levels["ic"].supported, [0, 2, 2, 5])


# --- the level held, and changing track ------------------------------------------------------


def test_the_level_held_is_current_only_on_the_track_the_person_is_on(engineering):
    held = {"current_track": "ic", "current_level": "L3", "direct_reports": 0}
    levels = _levels(engineering, _meeting_exactly(engineering, "M4", held))
    assert levels["ic"]["current"] == "L3"
    assert levels["manager"]["current"] is None
    assert levels["manager"]["supported"] == "M4"  # the evidence is shown as it is ...
    assert levels["manager"]["target"] == "M3"  # ... but the move is sideways, not M4 or M5
    assert levels["ic"]["target"] == "L4"  # on the IC track: the next step up from L3


def test_a_senior_engineer_with_little_leadership_is_offered_a_sideways_move(engineering):
    # the case: L3, no reports, people leadership 2 of 5
    ratings = {**_meeting_exactly(engineering, "L3").answers}
    ratings["rate_people_leadership"] = 2.0
    answers = Answers("s", ratings, {"current_track": "ic", "current_level": "L3"})
    manager = _levels(engineering, answers)["manager"]
    assert manager["current"] is None
    assert manager["target"] == "M3"
    assert {"competency": "people_leadership", "have": 2, "need": 3} in manager["gaps"]


def test_a_manager_moving_to_the_ic_track_moves_at_most_to_the_same_grade(engineering):
    held = {"current_track": "manager", "current_level": "M5"}
    levels = _levels(engineering, _meeting_exactly(engineering, "L6", held))
    assert levels["manager"]["current"] == "M5"
    assert levels["manager"]["target"] == "M6"
    assert levels["ic"]["current"] is None
    assert levels["ic"]["supported"] == "L6"
    assert levels["ic"]["target"] == "L5"  # Principal ~ Director: not Distinguished


def test_a_sideways_move_is_no_higher_than_the_evidence_supports_plus_one(engineering):
    held = {"current_track": "manager", "current_level": "M6"}
    ic = _levels(engineering, _meeting_exactly(engineering, "L3", held))["ic"]
    assert (ic["supported"], ic["target"]) == ("L3", "L4")


def test_the_manager_track_entry_is_the_sideways_move_from_the_trunk(engineering):
    held = {"current_track": "ic", "current_level": "L2"}
    levels = _levels(engineering, _meeting_exactly(engineering, "L2", held))
    assert (levels["ic"]["current"], levels["ic"]["target"]) == ("L2", "L3")
    assert (levels["manager"]["current"], levels["manager"]["target"]) == (None, "M3")


def test_a_trunk_level_without_a_track_is_held_on_both_ladders(engineering):
    levels = _levels(engineering, _meeting_exactly(engineering, "L2", {"current_level": "L2"}))
    assert levels["ic"]["current"] == levels["manager"]["current"] == "L2"
    assert (levels["ic"]["target"], levels["manager"]["target"]) == ("L3", "M3")


def test_a_rule_cannot_shift_a_sideways_target_into_a_promotion(engineering):
    held = {"current_track": "ic", "current_level": "L4"}
    person = score_many(engineering, [_meeting_exactly(engineering, "M6", held)])
    levels = assess(person).levels["manager"]
    moved = levels.with_targets(levels.target + 3)
    assert moved.target[0] == levels.ceiling[0]
    assert levels.ladder[moved.target[0]].id == "M4"


def test_the_next_step_is_the_next_anchor_up_from_the_rating():
    assert next_anchor(2, 4) == 3
    assert next_anchor(2.67, 4) == 3
    assert next_anchor(3.5, 4) == 4
    assert next_anchor(None, 3) == 1
    assert next_anchor(1, 2) == 2


# --- properties over any answers and any stated level ----------------------------------------

RATING = st.one_of(st.none(), st.integers(1, 5), st.sampled_from([1.5, 2.33, 2.67, 3.5, 4.25]))


def _engineering_people(draw_ratings, held):
    return [
        Answers(f"p{row}", {k: float(v) for k, v in ratings.items() if v is not None}, context)
        for row, (ratings, context) in enumerate(zip(draw_ratings, held, strict=True))
    ]


ENGINEERING = load_pack("engineering")


@st.composite
def _population(draw):
    """A few people of the engineering pack: any ratings, any stated level and track."""
    pack = ENGINEERING
    items = [item.id for item in pack.questionnaire.items_of_kind("anchored")]
    levels = [level.id for level in pack.framework.levels]
    size = draw(st.integers(1, 12))
    ratings = [draw(st.fixed_dictionaries({i: RATING for i in items})) for _ in range(size)]
    held = []
    for _ in range(size):
        level = draw(st.one_of(st.none(), st.sampled_from(levels)))
        track = None
        if level is not None:
            tracks = pack.framework.level(level).tracks
            track = draw(st.one_of(st.none(), st.sampled_from(sorted(tracks))))
        context = {"direct_reports": draw(st.integers(0, 12))}
        if level is not None:
            context["current_level"] = level
        if track is not None:
            context["current_track"] = track
        held.append(context)
    return _engineering_people(ratings, held)


@settings(max_examples=80, deadline=None)
@given(people=_population())
def test_levels_hold_their_promises_for_anyone(people):
    engineering = ENGINEERING
    framework = engineering.framework
    batch = assess(score_many(engineering, people))
    for row, person in enumerate(people):
        report = batch.levels_report(row)
        held_track = person.context.get("current_track")
        held_level = person.context.get("current_level")
        for track, levels in report.items():
            ladder = [level.id for level in framework.ladder(track)]
            grade = {level.id: level.grade for level in framework.ladder(track)}
            on_track = held_level is not None and held_track in (track, None)
            on_track = on_track and held_level in ladder
            # current: the level held, and only on the track the person is on
            assert levels["current"] == (held_level if on_track else None)
            target = levels["target"]
            entry_index = batch.levels[track].entry
            if held_level in ladder:  # held here (or on the shared trunk): the next step up
                position = ladder.index(held_level)
                step = min(position + 1, len(ladder) - 1)
                assert target == ladder[step if on_track else max(step, entry_index)]
            elif held_level is not None:  # a sideways move: never a promotion on top
                entry = framework.ladder(track)[entry_index].grade
                held_grade = framework.level(held_level).grade
                assert grade[target] <= max(held_grade, entry)
            for gap in levels["gaps"]:  # every gap is a real shortfall against the target
                need = framework.level(target).expects[gap["competency"]]
                assert gap["need"] == need
                assert gap["have"] is None or gap["have"] < need
                step = next_anchor(gap["have"], gap["need"])
                assert step <= gap["need"]
                assert gap["have"] is None or gap["have"] < step <= gap["have"] + 1


IC_LEVELS = [level.id for level in ENGINEERING.framework.ladder("ic")]


@settings(max_examples=60, deadline=None)
@given(people=_population(), held=st.lists(st.sampled_from(IC_LEVELS), min_size=12))
def test_an_ic_with_no_reports_is_never_placed_on_the_manager_ladder(people, held):
    engineering = ENGINEERING
    people = [
        Answers(
            p.employee_id,
            p.answers,
            {"current_track": "ic", "current_level": level, "direct_reports": 0},
        )
        for p, level in zip(people, held, strict=False)
    ]
    batch = assess(score_many(engineering, people))
    for row, person in enumerate(people):
        manager = batch.levels_report(row)["manager"]
        held = engineering.framework.level(person.context["current_level"]).grade
        target = engineering.framework.level(manager["target"]).grade
        assert manager["current"] is None
        assert target <= max(held, engineering.framework.branch_grade)


def test_a_shared_level_held_while_naming_the_other_track_steps_up_from_it(engineering):
    held = {"current_track": "manager", "current_level": "L2", "direct_reports": 2}
    levels = _levels(engineering, _meeting_exactly(engineering, "L3", held))
    assert (levels["manager"]["current"], levels["manager"]["target"]) == ("L2", "M3")
    # not on the IC track by name, but L2 is on its ladder: the next step, not L2 again
    assert (levels["ic"]["current"], levels["ic"]["target"]) == (None, "L3")
