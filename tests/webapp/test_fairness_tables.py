"""The fairness tables on a model version's page: the reference group, groups too small to
compare, which test was used, p-values as people read them and what each outcome counts;
a report written before these rules still renders."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import numpy as np
import pytest

from recommender.learn.fairness import fairness_report
from recommender.learn.fairness_wording import (
    CHANCE_MARK,
    NO_REFERENCE,
    NOT_SHOWN,
    NOT_SHOWN_RULE,
    NOTHING_CHECKED,
    OUTCOME_MEANINGS,
    SMALL_GROUP_NOT_COMPARED,
    SMALL_GROUP_REASON,
    WITHHELD_REASONS,
    WITHHELD_WHOLE,
    shown_report,
)
from recommender.learn.model_card import fairness_lines


@pytest.fixture
def hr(app, client, make_user):
    make_user("hr@example.com", "hr", "Hana")
    client.login("hr@example.com")
    return client


def with_fairness(app, report: dict) -> None:
    """Give the bundled version v1 this fairness report (manifests are read without a check)."""
    path = Path(app.config["TRACKFIT_MODELS"]) / "v1" / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest["fairness"] = report
    path.write_text(json.dumps(manifest))


def with_a_small_group(report: dict, *, n: int, rate: float, p_value: float) -> dict:
    """A report stored before small groups' outcomes were withheld, with a group "g6" of `n`
    people and one chosen among them, its rate and p-value held."""
    cell = report["attributes"][0]["outcomes"]["manager_recommended"]
    cell["groups"].append(
        {"group": "g6", "n": n, "count": 1, "rate": rate, "impact_ratio": None,
         "flagged": False, "p_value": p_value, "small_group": True}
    )  # fmt: skip
    return report


def text_of(page: str) -> str:
    """The words of a page or cell: inline tags vanish, block tags become spaces."""
    inline = re.sub(r"</?(?:span|strong|a|em)\b[^>]*>", "", page)
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", inline)))


def rows(page: str) -> list[list[str]]:
    """Each fairness table row as its cells' text."""
    found = []
    for table in re.findall(r'<table class="fairness[^"]*">(.*?)</table>', page, re.S):
        for row in re.findall(r"<tbody>(.*?)</tbody>", table, re.S)[0].split("</tr>")[:-1]:
            cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
            found.append([text_of(RATE_RANGE.sub("", cell)).strip() for cell in cells])
    return found


RATE_RANGE = re.compile(r'<br><span class="hint">likely \d+% to \d+%</span>')


def rate_ranges(page: str) -> list[str]:
    """The 90% range said under each group's rate, in table order."""
    return re.findall(r'<span class="hint">(likely \d+% to \d+%)</span>', page)


def blocks(*spec: tuple[str, int, int]) -> tuple[np.ndarray, np.ndarray]:
    labels = np.array([label for label, n, _ in spec for _ in range(n)], dtype=object)
    chosen = np.array([i < k for _, n, k in spec for i in range(n)], dtype=bool)
    return labels, chosen


def test_the_page_names_the_reference_and_never_lets_a_small_group_set_it(app, hr):
    gender, chosen = blocks(("man", 1000, 500), ("woman", 1000, 300), ("x", 20, 20))
    with_fairness(app, fairness_report({"target_above_current": chosen}, {"gender": gender}))
    page = hr.get("/hr/models/v1").get_data(as_text=True)
    words = text_of(page)
    assert "among the groups with at least 41 people" in words
    assert "at least 2% of the 2,020 people assessed" in words
    assert SMALL_GROUP_REASON in words
    assert f"Target above current level: {OUTCOME_MEANINGS['target_above_current']}" in words
    assert rows(page) == [
        ["man (reference)", "1,000", "50%", "1.00", "–", ""],
        [
            "woman",
            "1,000",
            "30%",
            "0.60 likely 0.55 to 0.66",
            "< 0.001 adjusted < 0.001",
            "flagged",
        ],
        [
            "x",
            "20",
            "100%",
            "2.00 likely 1.76 to 2.11",
            "< 0.001 adjusted < 0.001",
            "small group: flagged only where the ratio is under 0.8 and p < 0.05",
        ],
    ]
    # each rate with how sure it is: the twenty's 100% is far less certain than the 1,000s'
    assert rate_ranges(page) == ["likely 47% to 53%", "likely 28% to 32%", "likely 88% to 100%"]
    assert "Do the rates differ across the groups? chi-square test, p < 0.001." in words
    assert NOTHING_CHECKED not in words


def test_a_ratio_over_a_reference_that_selected_nobody_reads_not_defined(app, hr):
    team, chosen = blocks(("x", 45, 0), ("y", 12, 10))
    with_fairness(app, fairness_report({"manager_recommended": chosen}, {"team": team}))
    page = hr.get("/hr/models/v1").get_data(as_text=True)
    (y,) = [row for row in rows(page) if row[0] == "y"]
    assert y[3] == "not defined: the reference's rate is 0%"
    assert y[5] == "small group: flagged only where the ratio is under 0.8 and p < 0.05"


def test_a_report_stored_before_undefined_ratios_reads_not_defined_too(app, hr):
    """Stored with 1.00 for a group selected beside a reference that selected nobody (before
    `ratio_undefined`), the page reads it as a report made now (found by an outside review)."""
    team, chosen = blocks(("x", 45, 0), ("y", 12, 10))
    report = fairness_report({"manager_recommended": chosen}, {"team": team})
    for group in report["attributes"][0]["outcomes"]["manager_recommended"]["groups"]:
        group.pop("ratio_undefined")
        group["impact_ratio"] = 1.0
    with_fairness(app, report)
    table = rows(hr.get("/hr/models/v1").get_data(as_text=True))
    assert [row[3] for row in table] == ["1.00", "not defined: the reference's rate is 0%"]


def test_a_target_above_the_top_of_the_ladder_is_counted_only_below_it(app, hr):
    """The people at the top of the ladder advised cannot be advised above it: the page and
    the model card say how many were left out, and their group is not flagged for it."""
    age, above = blocks(("under 50", 300, 120), ("50 and over", 100, 0))
    manager = np.arange(400) % 3 == 0
    outcomes = {"manager_recommended": manager, "target_above_current": above}
    below_top = age == "under 50"
    report = fairness_report(
        outcomes, {"age_band": age}, applies_to={"target_above_current": below_top}
    )
    with_fairness(app, report)
    page = hr.get("/hr/models/v1").get_data(as_text=True)
    assert (
        "Counted among the 300 people below the top grade of the ladders (or whose grade is "
        "not known); the 100 at the top grade (no target can be above the level they hold) are "
        "left out. No one in 50 and over is among them, so it has no row here."
    ) in text_of(page)
    # nobody below the top: no table to read, and the page says why
    nobody = fairness_report(
        outcomes,
        {"age_band": age},
        applies_to={"target_above_current": np.zeros(age.size, dtype=bool)},
    )
    with_fairness(app, nobody)
    assert "No test of the difference: no group to compare (nobody it can happen to)." in (
        text_of(hr.get("/hr/models/v1").get_data(as_text=True))
    )
    card = "\n".join(fairness_lines(shown_report(json.loads(json.dumps(report)))))
    assert "Counted among the 300 people below the top grade of the ladders" in card
    assert "No one in 50 and over is among them, so it has no row here." in card
    assert [row[:3] for row in rows(page)] == [
        ["50 and over (reference)", "100", "34%"],
        ["under 50", "300", "33%"],
        ["under 50 (reference)", "300", "40%"],  # alone: nobody of 50 and over is below the top
    ]


def test_a_small_group_far_below_the_reference_is_flagged_and_a_chance_gap_is_not(app, hr):
    gender, chosen = blocks(("man", 100, 50), ("woman", 100, 45), ("x", 20, 1), ("y", 8, 2))
    with_fairness(app, fairness_report({"manager_recommended": chosen}, {"gender": gender}))
    page = hr.get("/hr/models/v1").get_data(as_text=True)
    mark = "small group: flagged only where the ratio is under 0.8 and p < 0.05"
    assert [[row[0], row[-1]] for row in rows(page)] == [
        ["man (reference)", ""],
        ["woman", ""],
        ["x", f"flagged, {mark}"],  # 5% against 50% of 100: no chance
        ["y", mark],  # 25% of 8: a ratio of 0.5, as chance gives so few
    ]


def test_a_report_made_while_small_groups_had_no_ratio_renders_as_it_was_made(app, hr):
    gender, chosen = blocks(("man", 1000, 500), ("woman", 1000, 300), ("x", 20, 20))
    report = fairness_report({"target_above_current": chosen}, {"gender": gender})
    del report["small_group_alpha"], report["comparisons"]
    for group in report["attributes"][0]["outcomes"]["target_above_current"]["groups"]:
        del group["p_adjusted"], group["impact_ratio_interval"]
    x = report["attributes"][0]["outcomes"]["target_above_current"]["groups"][2]
    x.update(impact_ratio=None, flagged=False)
    with_fairness(app, report)
    page = hr.get("/hr/models/v1").get_data(as_text=True)
    assert SMALL_GROUP_NOT_COMPARED in text_of(page)
    assert rows(page)[2] == ["x", "20", "100%", "–", "< 0.001", "too few to compare"]


def test_with_no_group_big_enough_the_page_says_so_and_names_fishers_test(app, hr):
    gender, chosen = blocks(("a", 20, 6), ("b", 20, 1))
    with_fairness(app, fairness_report({"manager_recommended": chosen}, {"gender": gender}))
    page = hr.get("/hr/models/v1").get_data(as_text=True)
    words = text_of(page)
    assert NO_REFERENCE in words
    assert "Fisher's exact test, p = 0.091." in words
    assert f"Manager track recommended: {OUTCOME_MEANINGS['manager_recommended']}" in words
    assert [row[3:] for row in rows(page)] == [["–", "–", "too few to compare"]] * 2
    assert NOTHING_CHECKED in words  # not a pass


def test_a_report_written_before_these_rules_still_renders(app, hr, older_fairness_report):
    with_fairness(app, older_fairness_report)
    response = hr.get("/hr/models/v1")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    words = text_of(page)
    assert "Groups under 30 people are marked small" in words
    assert "chi-square test, p < 0.001." in words
    assert rows(page) == [
        ["man (reference)", "15", "60%", "1.00", "–", "small group"],
        ["woman", "10", "20%", "0.33", "0.042", "flagged, small group"],
    ]


def test_a_group_of_fewer_than_five_is_listed_without_its_outcomes(app, hr):
    """A rate among two people discloses their advice: the group keeps its row and its size,
    the page says why its rate and p-value are not shown; a group of five is shown in full."""
    gender, chosen = blocks(("man", 60, 30), ("woman", 60, 20), ("five", 5, 1), ("g6", 2, 1))
    with_fairness(app, fairness_report({"manager_recommended": chosen}, {"gender": gender}))
    page = hr.get("/hr/models/v1").get_data(as_text=True)
    words = text_of(page)
    assert NOT_SHOWN_RULE in words
    table = {row[0]: row[1:] for row in rows(page)}
    set_aside = WITHHELD_REASONS["set_aside"]
    assert table["g6"] == ["2", "–", "–", "–", set_aside]
    assert table["five"][:2] == ["5", "20%"] and table["five"][3] != "–"
    # flagged on the ratio; Fisher's p of 0.095 against the reference could be chance
    assert table["woman"] == [
        "60",
        "33%",
        "0.67 likely 0.46 to 0.96",
        "0.095 adjusted 0.190",
        f"flagged, {CHANCE_MARK}",
    ]
    assert "Groups not shown are left out of it." in words
    assert (
        "127 people with the attribute known, 0 unknown; 2 people left out of every count" in words
    )


def test_a_small_cell_of_two_attributes_is_withheld_with_a_complement(app, hr):
    """(woman, old) has three people; its row and column totals are on the page, so another
    cell of each is withheld too, each saying why."""
    cells = [("man", "young", 40, 20), ("man", "old", 40, 10), ("woman", "young", 40, 12),
             ("woman", "old", 3, 1)]  # fmt: skip
    gender = np.concatenate([np.full(n, g, dtype=object) for g, _, n, _ in cells])
    age = np.concatenate([np.full(n, a, dtype=object) for _, a, n, _ in cells])
    chosen = np.concatenate([np.arange(n) < k for _, _, n, k in cells])
    with_fairness(
        app, fairness_report({"manager_recommended": chosen}, {"gender": gender, "age": age})
    )
    page = hr.get("/hr/models/v1").get_data(as_text=True)
    table = {row[0]: row[1:] for row in rows(page)}
    assert table["woman × old"][-1] == NOT_SHOWN
    complement = WITHHELD_REASONS["complement"]
    withheld = [name for name, row in table.items() if row[-1].endswith(complement)]
    assert sorted(withheld) == ["man × old", "man × young", "woman × young"]
    assert all(table[name][1:4] == ["–", "–", "–"] for name in withheld)
    assert table["woman"][1] == "30%" and table["old"][1] == "26%"  # one-attribute tables whole
    assert "No test of the difference: fewer than two groups are shown." in text_of(page)


def test_a_report_stored_before_the_rule_is_shown_without_a_small_groups_outcomes(
    app, hr, older_fairness_report
):
    with_fairness(app, with_a_small_group(older_fairness_report, n=2, rate=0.5, p_value=0.6))
    page = hr.get("/hr/models/v1").get_data(as_text=True)
    words = text_of(page)
    assert rows(page)[-1] == ["g6", "2", "–", "–", "–", NOT_SHOWN]
    assert "50%" not in page and "0.600" not in words
    assert "The test across groups is not shown" in words
    assert "chi-square test, p < 0.001." not in words
    # made before small groups were set aside: the others' rates would give g6's away
    assert WITHHELD_WHOLE in words
    assert all(row[2] == "–" for row in rows(page))


def test_a_card_written_before_the_rule_is_drawn_again_without_a_small_groups_outcomes(
    app, hr, older_fairness_report
):
    older = with_a_small_group(older_fairness_report, n=3, rate=0.3333, p_value=0.6123)
    with_fairness(app, older)
    card = Path(app.config["TRACKFIT_MODELS"]) / "v1" / "card.md"
    stored = card.read_text(encoding="utf-8") + "\n| g6 | 3 | 1 | 33.3% | 0.612 |\n"
    card.write_text(stored, encoding="utf-8")  # as a card of then showed the group
    page = hr.get("/hr/models/v1/card")
    words = text_of(page.get_data(as_text=True))
    assert page.status_code == 200
    assert "33.3%" not in words and "0.612" not in words
    assert "This card was written before groups of fewer than 5 people were fully" in words
    assert NOT_SHOWN_RULE in words and "Model card" in words
    assert card.read_text(encoding="utf-8") == stored  # the version itself is unchanged

    # a card whose report withholds them already is shown as stored
    gender, chosen = blocks(("man", 60, 30), ("g6", 3, 1))
    with_fairness(app, fairness_report({"manager_recommended": chosen}, {"gender": gender}))
    words = text_of(hr.get("/hr/models/v1/card").get_data(as_text=True))
    assert "33.3%" in words and "drawn again" not in words


def test_the_page_says_how_many_comparisons_and_which_flags_they_could_explain(app, hr):
    """Twenty teams, one small one at p = 0.04 alone: still flagged, and the page says that
    among nineteen comparisons such a p could be chance, with the adjusted p beside it."""
    spec = [("big", 400, 200), ("small", 20, 4)] + [(f"t{i:02}", 40, 20) for i in range(18)]
    team, chosen = blocks(*spec)
    with_fairness(app, fairness_report({"manager_recommended": chosen}, {"team": team}))
    page = hr.get("/hr/models/v1").get_data(as_text=True)
    words = text_of(page)
    assert (
        "This report makes 19 comparisons of a group with its reference. Even if no group "
        "differed, up to 1 in 20 such p-values would fall under 0.05 by chance alone; 1 does, "
        "and none still does once each p is adjusted for the 19 comparisons" in words
    )
    table = {row[0]: row[1:] for row in rows(page)}
    p_cell, warning = table["small"][3], table["small"][4]
    assert re.fullmatch(r"0\.0[0-4]\d adjusted (0\.[1-9]\d\d|1\.000)", p_cell), p_cell
    assert warning.startswith("flagged, though among the report's 19 comparisons a p this small")
    assert "look again with more people before acting on it" in warning


def test_an_attribute_nobody_has_known_shows_no_empty_table(app, hr):
    """Every value of age_band blank: no table of headers alone, a sentence saying why."""
    manager = np.arange(400) % 3 == 0
    gender = np.array(["man", "woman"] * 200, dtype=object)
    unknown = np.array([""] * 400, dtype=object)
    report = fairness_report(
        {"manager_recommended": manager}, {"gender": gender, "age_band": unknown}
    )
    with_fairness(app, report)
    page = hr.get("/hr/models/v1").get_data(as_text=True)
    words = text_of(page)
    assert "Manager track recommended: no group to show, as nobody's age_band is known." in words
    assert 'aria-label="age_band: manager track recommended"' not in page
    assert 'aria-label="gender: manager track recommended"' in page
