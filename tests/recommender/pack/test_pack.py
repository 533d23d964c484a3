"""Pack loading and validation: every problem listed with file, line, path and a hint."""

from __future__ import annotations

import os
import re

import pytest

from recommender.errors import PackInvalid
from recommender.pack.loading import load_pack, resolve_pack_path

DESIGN_CONSTRUCTS = {
    "lead_affective",
    "lead_social_normative",
    "lead_noncalculative",
    "develop_others",
    "craft_depth",
    "org_influence",
    "hands_on_time",
    "interruptions_tolerance",
    "conflict_comfort",
    "extrinsic_motive",
}
DESIGN_COMPETENCIES = {
    "technical_depth",
    "system_design",
    "delivery",
    "communication",
    "collaboration_influence",
    "mentoring",
    "people_leadership",
    "strategy",
    "hiring_team_building",
}


def _problems(folder):
    with pytest.raises(PackInvalid) as refused:
        load_pack(folder)
    return refused.value.problems


def _edit(path, old, new, count=1):
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def test_the_bundled_packs_are_valid():
    assert load_pack("engineering").ref == "engineering@1"
    assert load_pack("product-design").ref == "product-design@2"


def test_engineering_has_the_designed_constructs_and_competencies(engineering):
    assert set(engineering.questionnaire.construct_ids) == DESIGN_CONSTRUCTS
    assert set(engineering.framework.competency_ids) == DESIGN_COMPETENCIES


def test_engineering_questionnaire_meets_its_brief(engineering):
    likert = engineering.questionnaire.items_of_kind("likert")
    for construct in DESIGN_CONSTRUCTS:
        assert sum(item.construct == construct for item in likert) >= 5, construct
    reverse_share = sum(item.reverse for item in likert) / len(likert)
    assert 0.25 <= reverse_share <= 0.45
    assert len(engineering.questionnaire.items_of_kind("attention")) >= 2
    assert all(
        len(item.anchors) == 5 for item in engineering.questionnaire.items_of_kind("anchored")
    )


def test_engineering_ladders_have_trunk_branch_and_equivalent_grades(engineering):
    framework = engineering.framework
    ic = [level.id for level in framework.ladder("ic")]
    manager = [level.id for level in framework.ladder("manager")]
    assert len(ic) == 7
    assert ic[:2] == manager[:2]  # the shared trunk
    assert framework.branch_grade == framework.level("L3").grade == framework.level("M3").grade
    assert framework.level("L4").grade == framework.level("M4").grade  # Staff ~ Senior Manager
    assert framework.level("L5").grade == framework.level("M5").grade  # Principal ~ Director


def test_product_design_converges_at_the_top():
    framework = load_pack("product-design").framework
    assert framework.ladder("ic")[-1] is framework.ladder("manager")[-1]


def test_an_unknown_construct_is_named_with_file_line_and_a_hint(pack_copy):
    folder = pack_copy()
    _edit(folder / "questionnaire.yaml", "construct: lead_affective", "construct: lead_afective")
    problems = _problems(folder)
    assert len(problems) == 1
    message = str(problems[0])
    assert re.match(r"questionnaire\.yaml:\d+: sections\[\d+\]\.items\[\d+\]\.construct: ", message)
    assert (
        "'lead_afective' is not a construct of this pack; did you mean 'lead_affective'?" in message
    )


@pytest.mark.parametrize(
    ("file", "field"), [("framework.yaml", "tracks"), ("framework.yaml", "levels")]
)
def test_a_required_field_misspelt_is_named_missing_once(pack_copy, file, field):
    folder = pack_copy()
    _edit(folder / file, f"\n{field}:", f"\n{field}z:")
    said = [str(problem) for problem in _problems(folder)]
    assert any(f"'{field}' is required" in line for line in said)
    assert any(
        f"{field}z: is not a known field here; did you mean '{field}'?" in line for line in said
    )
    assert not any(f"{field}: must be" in line for line in said), said  # not again as nothing


def test_three_problems_are_all_listed(pack_copy):
    folder = pack_copy()
    _edit(folder / "questionnaire.yaml", "construct: craft_depth", "construct: craft_dept")
    _edit(folder / "framework.yaml", "grade: 4", "grade: four")
    _edit(folder / "pack.yaml", "version: 1", "version: 0")
    problems = [str(problem) for problem in _problems(folder)]
    assert len(problems) == 3, problems
    assert any(p.startswith("questionnaire.yaml:") and "craft_dept" in p for p in problems)
    assert any(p.startswith("framework.yaml:") and "whole number" in p for p in problems)
    assert any(p.startswith("pack.yaml:") and "version" in p for p in problems)


def test_yaml_syntax_errors_give_the_line(pack_copy):
    folder = pack_copy()
    (folder / "rules.yaml").write_text("rules:\n  - id: x\n    when: {field: [\n", encoding="utf-8")
    problems = [str(p) for p in _problems(folder)]
    assert problems[0].startswith("rules.yaml:") and "not valid YAML" in problems[0]


def test_missing_and_non_utf8_files_are_reported(pack_copy):
    folder = pack_copy()
    (folder / "rules.yaml").unlink()
    (folder / "pack.yaml").write_bytes(b"title: \xff\xfe\n")
    problems = [str(p) for p in _problems(folder)]
    assert "rules.yaml: file is missing" in problems
    assert (
        "pack.yaml:1: is not UTF-8 text (byte 7, 0xFF, at column 8); save the file as UTF-8"
        in problems
    )


def test_duplicate_keys_are_not_silently_overwritten(pack_copy):
    folder = pack_copy()
    _edit(folder / "pack.yaml", "version: 1", "version: 1\nversion: 2")
    assert any("appears twice" in str(p) for p in _problems(folder))


@pytest.mark.parametrize(
    ("elsewhere", "hides_nothing"),
    [
        (("title: Engineer I", "title: Engineer I\n    title: Engineer One"), True),
        (("summary: Learns the codebase", "summary: [not, text]\n    x: Learns"), True),
        (("title: Engineer II\n", "title: ''\n"), True),  # a problem inside another level
        (("label: Delivery\n", "label: ''\n"), True),  # a competency's label, not its id
        (("branch_grade: 3", "branch_grade: three"), False),  # no branch: the ladders wait
    ],
)
def test_a_problem_elsewhere_in_the_framework_does_not_hide_the_ladders(
    pack_copy, elsewhere, hides_nothing
):
    folder = pack_copy()
    _edit(folder / "framework.yaml", *elsewhere)
    _edit(
        folder / "framework.yaml",
        "title: Staff Engineer\n    grade: 4",
        "title: Staff Engineer\n    grade: 2",
    )
    problems = " ".join(str(p) for p in _problems(folder))
    assert ("track ic has two levels at grade 2 (L2 and L4)" in problems) is hides_nothing
    assert "grade 0" not in problems


def test_ladders_that_cannot_be_checked_yet_are_said_to_be_unchecked(pack_copy):
    folder = pack_copy()
    _edit(folder / "framework.yaml", "technical_depth: 2,", "technical_depth: 9,")
    with pytest.raises(PackInvalid) as refused:
        load_pack(folder)
    assert "(not checked yet: framework.yaml's ladders (grades, trunk, steps), until every " in (
        refused.value.report()
    )


def test_a_level_listing_a_track_twice_is_refused(pack_copy):
    """[manager, manager] would pass for a level on both tracks and skip the trunk's rules."""
    folder = pack_copy("tiny")
    _edit(folder / "framework.yaml", "tracks: [manager]", "tracks: [manager, manager]")
    assert [str(problem) for problem in _problems(folder)] == [
        "framework.yaml:13: levels[3].tracks[1]: lists track manager twice; list each track once"
    ]


def test_a_ladder_that_breaks_a_rule_still_checks_the_questionnaire_and_rules(pack_copy):
    folder = pack_copy()
    _edit(
        folder / "framework.yaml",
        "title: Staff Engineer\n    grade: 4",
        "title: Staff Engineer\n    grade: 3",
    )
    _edit(folder / "rules.yaml", "field: constructs.lead_affective", "field: constructs.nope")
    problems = " ".join(str(p) for p in _problems(folder))
    assert "track ic has two levels at grade 3 (L3 and L4)" in problems
    assert "unknown field 'constructs.nope'" in problems


def _rename_competency(folder, old, new):
    for name in ("framework.yaml", "questionnaire.yaml"):
        path = folder / name
        renamed = re.sub(rf"\b{old}\b", new, path.read_text(encoding="utf-8"))
        path.write_text(renamed, encoding="utf-8")


@pytest.mark.parametrize(
    ("name", "said"),
    [
        ("lead_affective", "construct 'lead_affective' has the name of a competency"),
        ("direct_reports", "'direct_reports' is the name of a context field trackfit asks"),
        ("current_grade", "'current_grade' is the name of a context field trackfit asks"),
        ("managing_now", "'managing_now' is the name of a context field trackfit asks"),
    ],
)
def test_a_competency_named_like_a_construct_or_context_field_is_named_once(pack_copy, name, said):
    """An explanation names each factor by its id alone: two of one name would be one line."""
    folder = pack_copy("tiny")
    _rename_competency(folder, "craft", name)
    problems = [str(p) for p in _problems(folder)]
    assert len(problems) == 1 and said in problems[0], problems


@pytest.mark.parametrize(
    ("old", "new", "said"),
    [
        (
            "options_from: tracks}",
            "options: [{value: ic, label: I}, {value: boss, label: B}]}",
            "the options of 'current_track' are the framework's tracks: write options_from: tracks",
        ),
        (
            "options_from: levels}",
            "options_from: tracks}",
            "'current_level' is answered from the framework's levels, not its tracks",
        ),
        ("labels: [Strongly disagree,", "labels: [~,", "labels[0]: must not be empty"),
        ("agree5", "Agree 5!", "'Agree 5!' is not a valid id"),
    ],
)
def test_choices_and_scales_people_see_are_checked(pack_copy, old, new, said):
    folder = pack_copy("tiny")
    _edit(folder / "questionnaire.yaml", old, new, -1)
    problems = [str(p) for p in _problems(folder)]
    assert len(problems) == 1 and said in problems[0], problems


def test_a_junior_manager_level_is_refused(pack_copy):
    folder = pack_copy()
    _edit(folder / "framework.yaml", "branch_grade: 3", "branch_grade: 4")
    problems = " ".join(str(p) for p in _problems(folder))
    assert "below the branch grade 4: no junior managers" in problems


def test_a_level_that_asks_nothing_more_than_the_one_below_is_refused(pack_copy):
    folder = pack_copy("tiny")
    _edit(
        folder / "framework.yaml",
        "expects: {craft: 5, leading: 2, talking: 3}",
        "expects: {craft: 3, leading: 2, talking: 2}",
    )
    problems = " ".join(str(p) for p in _problems(folder))
    assert "T3 asks too little over T2" in problems


def test_expectations_may_not_fall_along_a_ladder(pack_copy):
    folder = pack_copy("tiny")
    _edit(
        folder / "framework.yaml",
        "expects: {craft: 5, leading: 2, talking: 3}",
        "expects: {craft: 5, leading: 4, talking: 1}",
    )
    assert "T3 expects less than T2 in talking" in " ".join(map(str, _problems(folder)))


def test_unknown_fields_are_named_with_a_hint(pack_copy):
    folder = pack_copy("tiny")
    _edit(
        folder / "questionnaire.yaml",
        "construct: craft_depth, text: I love depth.}",
        "construct: craft_depth, text: I love depth., reversed: true}",
    )
    assert "is not a known field here; did you mean 'reverse'?" in str(_problems(folder)[0])


def test_a_construct_with_too_few_items_is_refused(pack_copy):
    folder = pack_copy("tiny")
    _edit(
        folder / "questionnaire.yaml",
        "      - {id: ex3, kind: likert, scale: agree5, construct: extrinsic_motive, "
        "text: Status appeals to me.}\n",
        "",
    )
    assert "construct 'extrinsic_motive' is measured by 2 Likert items" in str(_problems(folder)[0])


def test_a_format_it_does_not_know_is_refused(pack_copy):
    folder = pack_copy()
    _edit(folder / "pack.yaml", "format: 1", "format: 2")
    assert "format 2 is not one this trackfit reads" in str(_problems(folder)[0])


def test_pack_names_resolve_to_the_questionnaires_folder():
    assert resolve_pack_path("engineering").name == "engineering"
    assert resolve_pack_path(None).name == "engineering"


def test_an_edited_pack_is_read_again(pack_copy):
    folder = pack_copy()
    first = load_pack(folder)
    _edit(folder / "pack.yaml", "version: 1", "version: 7")
    os.utime(folder / "pack.yaml", ns=(0, 1))  # a different mtime, whatever the clock
    assert first.version == 1
    assert load_pack(folder).version == 7


def _report_with_a_misspelt_construct(folder, name: str, old: str, new: str) -> str:
    """The refusal of the pack at `folder` with `name` edited and a construct misspelt in
    questionnaire.yaml: two files with problems."""
    _edit(folder / name, old, new)
    _edit(folder / "questionnaire.yaml", "construct: org_influence", "construct: org_inflence")
    with pytest.raises(PackInvalid) as refused:
        load_pack(folder)
    return refused.value.report()


def test_a_problem_in_one_file_never_hides_another_files(pack_copy):
    """pack.yaml's, framework.yaml's and questionnaire.yaml's problems in one pass; what
    cannot be checked until a file reads is said, not silently skipped."""
    report = _report_with_a_misspelt_construct(pack_copy(), "pack.yaml", "version: 1", "version: 0")
    assert "pack.yaml:" in report and "'org_inflence' is not a construct" in report
    assert (
        "(not checked yet: rules.yaml's construct fields, until questionnaire.yaml reads)" in report
    )
    assert report.startswith("pack is invalid: 2 problems")


def test_a_framework_that_does_not_read_says_what_waits_for_it(pack_copy):
    report = _report_with_a_misspelt_construct(
        pack_copy(), "framework.yaml", "- id: L2", "- id: L 2"
    )
    assert "'L 2' is not a valid id" in report and "'org_inflence' is not a construct" in report
    assert "questionnaire.yaml's competencies and levels, until framework.yaml reads" in report
    assert "rules.yaml's construct fields, until questionnaire.yaml reads" in report
    assert (
        "rules.yaml's competency fields, levels and target moves, until framework.yaml reads"
    ) in report


def test_a_rules_problem_is_named_beside_a_framework_that_does_not_read(pack_copy):
    """What rules.yaml says that needs no framework is checked in the same pass (an outside
    check found a flag of 7 and a track 'icc' named only once the framework was mended)."""
    folder = pack_copy()
    _edit(folder / "framework.yaml", "- id: L2", "- id: L 2")
    _edit(folder / "rules.yaml", "add_flag: not_yet_manager", "add_flag: 7")
    _edit(folder / "rules.yaml", "choose_track: ic", "choose_track: icc")
    _edit(folder / "rules.yaml", "field: context.current_grade", "field: context.curent_grade")
    report = "\n".join(str(problem) for problem in _problems(folder))
    assert "'L 2' is not a valid id" in report
    assert "add_flag takes a flag id" in report and "not 7" in report
    assert "'icc' is not a track (ic, manager)" in report
    assert "unknown field 'context.curent_grade'; did you mean 'context.current_grade'?" in report


def test_a_cap_below_the_grade_held_is_named_while_the_framework_does_not_read(pack_copy):
    """With framework.yaml not reading, a negative cap is still refused (its message named
    the top grade as "None")."""
    folder = pack_copy()
    _edit(folder / "framework.yaml", "- id: L2", "- id: L 2")
    _edit(
        folder / "rules.yaml",
        "add_flag: not_yet_manager",
        "cap_target: {track: ic, grades_above_current: -1}",
    )
    report = "\n".join(str(problem) for problem in _problems(folder))
    assert (
        "grades_above_current: rule 'not-yet-manager': is -1; a target is capped from the "
        in report
    )
    assert "None" not in report


def test_a_framework_with_no_levels_is_named_not_a_traceback(pack_copy):
    folder = pack_copy()
    text = (folder / "framework.yaml").read_text(encoding="utf-8")
    head, _, _ = text.partition("\nlevels:")
    (folder / "framework.yaml").write_text(head + "\nlevels: []\n", encoding="utf-8")
    report = "\n".join(str(problem) for problem in _problems(folder))
    assert "levels: must have at least 1 entry, has 0" in report


def test_a_link_loop_is_a_problem_of_its_file_beside_the_others(pack_copy):
    folder = pack_copy()
    (folder / "rules.yaml").unlink()
    (folder / "rules.yaml").symlink_to("rules.yaml")
    (folder / "pack.yaml").unlink()
    problems = [str(problem) for problem in _problems(folder)]
    assert "pack.yaml: file is missing" in problems
    assert any(p.startswith("rules.yaml: cannot be read (") for p in problems), problems
