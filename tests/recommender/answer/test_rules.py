"""The rule layer: a safe declarative language, validated with the rule named, applied in order."""

from __future__ import annotations

import json

import numpy as np
import pytest

from recommender.answer.assessment import assess
from recommender.answer.scoring import score_many
from recommender.errors import PackInvalid
from recommender.pack.loading import load_pack


def _assess(pack, *people, p_success=None):
    return assess(score_many(pack, list(people)), p_success)


def _rule_ids(result, row=0):
    return [rule["id"] for rule in result.rules_report(row)]


def test_a_rule_fires_when_its_condition_holds_and_says_why(tiny, make_answers):
    result = _assess(tiny, make_answers(lead=(1, 5, 2)))
    assert "needs-interest" in _rule_ids(result)
    assert result.rule_track[0] == "ic"
    assert result.rules_report(0)[-1]["message"]


def test_no_rule_fires_without_its_condition(tiny, make_answers):
    result = _assess(tiny, make_answers(lead=(5, 1, 5)))
    assert _rule_ids(result) == []
    assert result.rule_track[0] is None


def test_higher_priority_wins_a_track_choice_and_both_are_reported(tiny, make_answers):
    # status-seeker (90, manager) and needs-interest (80, ic) both fire
    result = _assess(tiny, make_answers(lead=(1, 5, 1), status=(5, 1, 5), craft=(2, 4, 2)))
    assert _rule_ids(result) == ["status-seeker", "needs-interest"]
    assert result.rule_track[0] == "manager"
    assert result.rule_flags(0) == [
        {"id": "check_motives", "message": "Talk about what draws you."}
    ]


def test_not_inverts_and_all_requires_every_part(tiny, make_answers):
    deep_craft = make_answers(lead=(5, 1, 5), status=(5, 1, 5), craft=(5, 1, 5))
    assert "status-seeker" not in _rule_ids(_assess(tiny, deep_craft))


def test_missing_values_make_comparisons_false(tiny, make_answers):
    # lead_affective unanswered: "lead_affective < 3" must not fire
    result = _assess(tiny, make_answers(lead=(None, None, None)))
    assert "needs-interest" not in _rule_ids(result)


def test_model_fields_are_missing_until_a_model_runs(tiny, make_answers):
    assert "close-call" not in _rule_ids(_assess(tiny, make_answers()))
    close = {"ic": np.array([0.61]), "manager": np.array([0.63])}
    assert "close-call" in _rule_ids(_assess(tiny, make_answers(), p_success=close))


def test_the_level_engine_already_keeps_targets_one_step_from_the_level_held(tiny, make_answers):
    answers = make_answers(
        ratings=(5, 5, 5), context={"current_track": "ic", "current_level": "T1"}
    )
    result = _assess(tiny, answers)
    levels = result.levels_report(0)
    assert "one-step" not in _rule_ids(result)  # nothing left for the guardrail to catch
    assert (levels["ic"]["supported"], levels["ic"]["target"]) == ("T3", "T2")
    assert levels["manager"]["target"] == "M2"  # the manager track's entry: sideways


def test_a_cap_target_rule_caps_at_grades_above_the_level_held(pack_copy, make_answers):
    folder = pack_copy("tiny")
    cap = {
        **RULE,
        "id": "stay",
        "when": {"field": "context.current_grade", "ge": 1},
        "then": {"cap_target": {"track": "all", "grades_above_current": 0}},
    }
    _write_rules(folder, [cap])
    answers = make_answers(
        ratings=(5, 5, 5), context={"current_track": "ic", "current_level": "T2"}
    )
    result = _assess(load_pack(folder), answers)
    levels = result.levels_report(0)
    assert _rule_ids(result) == ["stay"]
    assert levels["ic"]["target"] == "T2"  # capped at the grade held
    assert levels["manager"]["target"] == "M2"  # and the sideways move is still allowed


def test_cap_does_not_fire_when_the_target_is_already_close(tiny, make_answers):
    answers = make_answers(
        ratings=(3, 1, 2), context={"current_track": "ic", "current_level": "T2"}
    )
    assert "one-step" not in _rule_ids(_assess(tiny, answers))


def _write_rules(folder, rules):
    """Written as JSON (which is YAML): PyYAML's dump would make anchors and aliases of the
    parts the rules share, which packs refuse."""
    (folder / "rules.yaml").write_text(json.dumps({"rules": rules}, indent=2), encoding="utf-8")


RULE = {"id": "r1", "priority": 1, "message": "m", "then": {"add_flag": "f"}}
WHEN = {"field": "flags.too_fast", "eq": False}


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        (
            {"field": "constructs.lead_afective", "lt": 3},
            "rule 'broken': unknown field 'constructs.lead_afective'; did you mean "
            "'constructs.lead_affective'?",
        ),
        ({"field": "constructs.lead_affective", "below": 3}, "rule 'broken': a comparison needs"),
        ({"field": "constructs.lead_affective", "lt": "high"}, "is a number; 'high' is not"),
        ({"field": "context.current_track", "eq": "boss"}, "'boss' is not a value of"),
        ({"field": "context.current_track", "gt": "ic"}, "is not a number"),
        ({"every": []}, "a condition is one of all, any, not"),
        ({"all": []}, "must be a non-empty list"),
        ("lead_affective < 3", "a condition must be a mapping"),
        ({"field": ["constructs.lead_affective"], "eq": 1}, "field takes a field's name, not a"),
        ({"field": {"a": 1}, "eq": 1}, "field takes a field's name, not a"),
    ],
)
def test_a_malformed_rule_is_refused_with_its_id_named(pack_copy, when, expected):
    folder = pack_copy("tiny")
    _write_rules(folder, [{**RULE, "id": "broken", "when": when}])
    with pytest.raises(PackInvalid) as refused:
        load_pack(folder)
    report = refused.value.report()
    assert "rules.yaml:" in report
    assert "rule 'broken'" in report
    assert expected in report


@pytest.mark.parametrize(
    ("then", "expected"),
    [
        ({"choose_track": "boss"}, "'boss' is not a track (ic, manager)"),
        ({"cap_target": {"track": "all"}}, "takes {track: <track or all>, grades_above_current"),
        ({"shift_target": {"track": "ic", "by": "up"}}, "must be a whole number"),
        ({"promote": True}, "unknown effect 'promote'"),
        # a ladder here has at most 3 levels, and its top grade is 3
        ({"shift_target": {"track": "ic", "by": 10**19}}, "use a number from -3 to 3"),
        ({"shift_target": {"track": "ic", "by": -4}}, "use a number from -3 to 3"),
        ({"cap_target": {"track": "all", "grades_above_current": -1}}, "is -1; a target is"),
        ({"cap_target": {"track": "all", "grades_above_current": 4}}, "up to 3 grades above"),
        ({"add_flag": "Not an id <b>"}, "add_flag takes a flag id (lower-case letters"),
        ({"add_flag": "too_fast"}, "is the flag of trackfit's own response-quality check"),
    ],
)
def test_malformed_effects_are_refused(pack_copy, then, expected):
    folder = pack_copy("tiny")
    _write_rules(
        folder,
        [
            {
                **RULE,
                "id": "bad-effect",
                "when": {"field": "flags.too_fast", "eq": True},
                "then": then,
            }
        ],
    )
    with pytest.raises(PackInvalid, match="rule 'bad-effect'") as refused:
        load_pack(folder)
    assert expected in refused.value.report()


def test_every_broken_rule_is_reported_at_once(pack_copy):
    folder = pack_copy("tiny")
    _write_rules(
        folder,
        [
            {**RULE, "id": "a", "when": {"field": "nope", "eq": 1}},
            {
                **RULE,
                "id": "b",
                "when": {"field": "constructs.craft_depth", "gt": 3},
                "then": {"choose_track": "x"},
            },
            {**RULE, "id": "a", "when": {"field": "flags.too_fast", "eq": True}},
        ],
    )
    with pytest.raises(PackInvalid) as refused:
        load_pack(folder)
    report = refused.value.report()
    assert report.startswith("pack is invalid: 3 problems")
    assert "rule 'a'" in report and "rule 'b'" in report and "used twice" in report


def test_a_shift_or_cap_at_its_bounds_is_a_rule(pack_copy):
    folder = pack_copy("tiny")
    _write_rules(
        folder,
        [
            {**RULE, "id": "a", "when": WHEN, "then": {"shift_target": {"track": "ic", "by": -3}}},
            {
                **RULE,
                "id": "b",
                "when": WHEN,
                "then": {"cap_target": {"track": "all", "grades_above_current": 0}},
            },
        ],
    )
    assert len(load_pack(folder).rules.rules) == 2


def test_two_rules_choosing_different_tracks_at_one_priority_are_refused(pack_copy):
    """Priority settles which track wins: at one priority, only the file's order would."""
    folder = pack_copy("tiny")
    always = WHEN
    choose = [
        {**RULE, "id": "to-ic", "priority": 50, "when": always, "then": {"choose_track": "ic"}},
        {**RULE, "id": "also-ic", "priority": 50, "when": always, "then": {"choose_track": "ic"}},
        {
            **RULE,
            "id": "to-mgr",
            "priority": 50,
            "when": always,
            "then": {"choose_track": "manager"},
        },
        {
            **RULE,
            "id": "later",
            "priority": 40,
            "when": always,
            "then": {"choose_track": "manager"},
        },
    ]
    _write_rules(folder, choose)
    with pytest.raises(PackInvalid) as refused:
        load_pack(folder)
    assert [str(problem) for problem in refused.value.problems] == [
        "rules.yaml:29: rules[2].priority: rule 'to-mgr' chooses manager and rule 'to-ic' "
        "chooses ic, both at priority 50: when both fire, nothing says which wins; give them "
        "different priorities"
    ]


def test_rules_are_data_not_code(pack_copy):
    folder = pack_copy("tiny")
    _write_rules(folder, [{**RULE, "when": {"field": "__import__('os').system('x')", "eq": 1}}])
    with pytest.raises(PackInvalid, match="unknown field"):
        load_pack(folder)


@pytest.mark.parametrize("operand", [".nan", ".inf", "-.inf"])
def test_a_comparison_with_nan_or_infinity_is_refused(pack_copy, operand):
    """`.nan` compares false with every answer and `.inf` one way with every answer: a rule
    that could never, or would always, fire."""
    folder = pack_copy("tiny")
    (folder / "rules.yaml").write_text(
        "rules:\n"
        "  - id: broken\n"
        "    priority: 1\n"
        "    message: m\n"
        f"    when: {{field: constructs.lead_affective, lt: {operand}}}\n"
        "    then: {add_flag: f}\n",
        encoding="utf-8",
    )
    with pytest.raises(PackInvalid) as refused:
        load_pack(folder)
    assert "rules.yaml:5: rules[0].when.lt: rule 'broken'" in refused.value.report()
    assert "use a finite number" in refused.value.report()


CLOSE_CALL = {"field": "model.close_call", "eq": True}


@pytest.mark.parametrize(
    ("when", "then", "expected"),
    [
        (CLOSE_CALL, {"add_flag": "toss_up"}, "fires only on a close call (model.close_call)"),
        (
            {"all": [CLOSE_CALL, {"field": "context.years_experience", "lt": 3}]},
            {"add_flag": "toss_up"},
            "add_flag: close_call",
        ),
        (
            {"field": "context.years_experience", "lt": 3},
            {"add_flag": "close_call"},
            "its condition can hold when model.close_call is false",
        ),
        (  # a close call, or anyone with a year's experience: clear fits called close calls
            {"any": [CLOSE_CALL, {"field": "context.years_experience", "gt": 1}]},
            {"add_flag": "close_call"},
            "its condition can hold when model.close_call is false",
        ),
        (
            {"not": CLOSE_CALL},
            {"add_flag": "close_call"},
            "fire it on {field: model.close_call, eq: true}",
        ),
    ],
)
def test_a_close_call_rule_and_the_close_call_flag_go_together(pack_copy, when, then, expected):
    """Pages call a result "a close call" exactly when it carries the `close_call` flag: a rule
    that fires only on a close call under another flag, or one adding that flag on something
    else, would put its note under a headline that says the opposite."""
    folder = pack_copy("tiny")
    _write_rules(folder, [{**RULE, "id": "close", "when": when, "then": then}])
    with pytest.raises(PackInvalid) as refused:
        load_pack(folder)
    report = refused.value.report()
    assert "rules.yaml:" in report and "rule 'close'" in report
    assert expected in report


@pytest.mark.parametrize(
    ("when", "then"),
    [
        ({"not": {"field": "model.close_call", "eq": False}}, {"add_flag": "close_call"}),
        (
            {"all": [CLOSE_CALL, {"field": "context.years_experience", "lt": 3}]},
            {"add_flag": "close_call"},
        ),
        ({"any": [CLOSE_CALL, {"field": "model.p_gap", "lt": 0.03}]}, {"add_flag": "near"}),
        ({"not": CLOSE_CALL}, {"add_flag": "clear"}),
        (CLOSE_CALL, {"choose_track": "ic"}),
    ],
)
def test_other_rules_on_the_close_call_are_allowed(pack_copy, when, then):
    folder = pack_copy("tiny")
    _write_rules(folder, [{**RULE, "id": "other", "when": when, "then": then}])
    assert load_pack(folder).rules.rules[0].id == "other"
