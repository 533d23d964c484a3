"""Importing outcome data: every bad row and column named, nothing half-imported."""

from __future__ import annotations

import csv
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from recommender.answer.scoring import scoring_layout
from recommender.learn.outcomes import (
    PROBLEMS_LISTED,
    OutcomesInvalid,
    parse_outcome_links,
    parse_outcomes,
    read_outcomes,
)
from recommender.learn.synthetic import generate_outcomes, write_outcome_csv
from recommender.learn.training import training_shortfalls

ROOT = Path(__file__).resolve().parents[3]
SURVEY = ROOT.parent / "shared/data/so-survey-2025-sample/survey_results_public_first1000.csv"


def _write(path, header, rows, encoding="utf-8"):
    with path.open("w", encoding=encoding, newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _valid(engineering, tmp_path, n=50, extra=None):
    outcomes = generate_outcomes(engineering, n, seed=2)
    header, rows = outcomes.to_csv_rows()
    if extra:
        name, values = extra
        header = [*header, name]
        rows = [[*row, values[i % len(values)]] for i, row in enumerate(rows)]
    return header, rows, outcomes


def _problems(path, pack, sensitive=()):
    with pytest.raises(OutcomesInvalid) as refused:
        read_outcomes(path, pack, sensitive)
    return [str(problem) for problem in refused.value.problems]


def test_a_valid_file_imports_exactly(engineering, tmp_path):
    header, rows, outcomes = _valid(engineering, tmp_path)
    data = read_outcomes(_write(tmp_path / "o.csv", header, rows), engineering)
    np.testing.assert_array_equal(data.answers, outcomes.answers)
    np.testing.assert_array_equal(data.success, outcomes.success)
    assert list(data.track_taken) == list(outcomes.track_taken)
    assert len(data.data_hash) == 64
    assert len(data.profiles()) == 50


def test_every_bad_cell_is_named_by_line_and_column(engineering, tmp_path):
    header, rows, _ = _valid(engineering, tmp_path)
    col = header.index
    rows[0][col("track_taken")] = "boss"
    rows[1][col("success")] = "yes"
    rows[2][col("la1")] = "9"
    rows[3][col("la2")] = "agree"
    rows[4][col("current_level")] = "L9"
    rows[5][col("employee_id")] = rows[6][col("employee_id")]
    rows[7][col("years_experience")] = "-3"
    problems = _problems(_write(tmp_path / "o.csv", header, rows), engineering)
    expected = [
        "o.csv:2: track_taken: 'boss' is not one of ic, manager",
        "o.csv:3: success: 'yes' is not 0 or 1",
        "o.csv:4: la1: 9 is outside the allowed whole numbers 1 to 5",
        "o.csv:5: la2: 'agree' is not a number",
        "o.csv:6: current_level: 'L9' is not one of",
        "o.csv:8: employee_id:",
        "o.csv:9: years_experience: -3 is outside",
    ]
    for fragment in expected:
        assert any(fragment in p for p in problems), (fragment, problems)
    assert [p.split(":")[1] for p in problems] == ["2", "3", "4", "5", "6", "8", "9"]


def test_a_success_saved_as_a_spreadsheet_may_save_it_reads_as_its_whole_number(
    engineering, tmp_path
):
    """An item's 4.0 was read as 4, but a success of 1.0 refused the file."""
    header, rows, outcomes = _valid(engineering, tmp_path)
    for row in rows:
        row[header.index("success")] = f"{row[header.index('success')]}.0"
    data = read_outcomes(_write(tmp_path / "o.csv", header, rows), engineering)
    np.testing.assert_array_equal(data.success, outcomes.success)
    rows[0][header.index("success")] = "1.5"
    problems = _problems(_write(tmp_path / "o.csv", header, rows), engineering)
    assert problems == ["o.csv:2: success: '1.5' is not 0 or 1"]


def test_missing_columns_and_misspelt_items_are_named(engineering, tmp_path):
    header, rows, _ = _valid(engineering, tmp_path)
    header = [h.replace("success", "succes").replace("la1", "la_1") for h in header]
    problems = " ".join(_problems(_write(tmp_path / "o.csv", header, rows), engineering))
    assert "required columns missing: success" in problems
    assert "'la_1'; did you mean 'la1'?" in problems


@pytest.mark.skipif(not SURVEY.is_file(), reason="needs ../shared/data beside the clone")
def test_a_real_survey_file_is_refused_clearly(engineering):
    problems = _problems(SURVEY, engineering)
    assert len(problems) == 2
    assert "required columns missing: employee_id, track_taken, success" in problems[0]
    assert "170 columns are not items" in problems[1]
    assert "none of the file's columns is an item of the pack" in problems[1]


def test_not_utf8_is_refused_with_its_line(engineering, tmp_path):
    path = tmp_path / "latin.csv"
    path.write_bytes("employee_id,track_taken,success\nZoë,ic,1\n".encode("latin-1"))
    assert (
        "latin.csv:2: employee_id: is not UTF-8 text (byte 0xEB after 'Zo')"
        in (_problems(path, engineering)[0])
    )


def test_a_byte_order_mark_is_fine(engineering, tmp_path):
    header, rows, _ = _valid(engineering, tmp_path)
    path = _write(tmp_path / "bom.csv", header, rows, encoding="utf-8-sig")
    assert len(read_outcomes(path, engineering).employee_ids) == 50


def test_sensitive_columns_are_kept_apart_and_never_reach_a_profile(engineering, tmp_path):
    header, rows, _ = _valid(engineering, tmp_path, extra=("gender", ["f", "m", ""]))
    path = _write(tmp_path / "o.csv", header, rows)
    data = read_outcomes(path, engineering, ["gender"])
    assert list(data.sensitive["gender"][:3]) == ["f", "m", None]
    profiles = data.profiles()
    assert "gender" not in profiles.context
    without = read_outcomes(
        _write(tmp_path / "plain.csv", header[:-1], [row[:-1] for row in rows]), engineering
    )
    np.testing.assert_array_equal(profiles.constructs, without.profiles().constructs)


def test_a_sensitive_column_may_not_be_a_feature(engineering, tmp_path):
    header, rows, _ = _valid(engineering, tmp_path)
    problems = _problems(
        _write(tmp_path / "o.csv", header, rows), engineering, ["years_experience", "gender"]
    )
    assert any(
        "'years_experience' is a context field: the model reads it, and a sensitive attribute "
        "must never become a model feature" in p
        for p in problems
    )
    assert any("'gender' is not in the file" in p for p in problems)


def test_missing_item_columns_are_named(engineering, tmp_path):
    header, rows, _ = _valid(engineering, tmp_path)
    keep = [i for i, name in enumerate(header) if name not in ("la2", "ls2")]
    path = _write(
        tmp_path / "o.csv", [header[i] for i in keep], [[r[i] for i in keep] for r in rows]
    )
    (problem,) = _problems(path, engineering)
    assert "item columns missing: 2 of the" in problem and "have no column: la2, ls2 (" in problem


def test_a_short_file_given_to_training_is_named_as_one(engineering, tmp_path):
    short = _write(tmp_path / "s.csv", ["employee_id", "track_taken", "success"], [["e1", "ic", 1]])
    (problem,) = _problems(short, engineering)
    assert "no item columns: this is a short outcome file" in problem
    assert "upload it there" in problem
    context_only = _write(
        tmp_path / "c.csv", ["employee_id", "track_taken", "success", "years_experience"], []
    )
    problems = _problems(context_only, engineering)
    (problem,) = [p for p in problems if "no item columns" in p]
    assert "no item columns: a full outcome file has a column per item" in problem
    assert problem.endswith("from the stored assessment (remove 'years_experience')")


def test_a_short_files_sensitive_column_may_not_be_a_feature_or_required(engineering):
    data = b"employee_id,track_taken,success,years_experience,la1\ne1,ic,1,3,4\n"
    with pytest.raises(OutcomesInvalid) as refused:
        parse_outcome_links("s.csv", data, ("years_experience", "la1", "success"), engineering)
    problems = [str(problem) for problem in refused.value.problems]
    assert any("'years_experience' is a context field" in p for p in problems)
    assert any("'la1' is an item of the questionnaire" in p for p in problems)
    assert any("'success' is a required column of every outcome file" in p for p in problems)


def test_an_unnamed_extra_column_is_refused(engineering, tmp_path):
    header, rows, _ = _valid(engineering, tmp_path, extra=("gender", ["f"]))
    problems = _problems(_write(tmp_path / "o.csv", header, rows), engineering)
    assert "1 column is not an item of pack" in problems[0] and "'gender'" in problems[0]


def test_large_files_import(engineering, tmp_path):
    outcomes = generate_outcomes(engineering, 20000, seed=4)
    path = tmp_path / "big.csv"
    write_outcome_csv(outcomes, path)
    assert len(read_outcomes(path, engineering).employee_ids) == 20000


def _short_file(rows: list[tuple[str, str, str]]) -> bytes:
    lines = ["employee_id,track_taken,success", *(",".join(row) for row in rows)]
    return ("\n".join(lines) + "\n").encode()


def test_a_short_files_bad_cells_are_named_in_line_order_and_its_rows_still_read():
    links = parse_outcome_links(
        "s.csv",
        _short_file(
            [("e1", "ic", "yes"), ("e2", "boss", "1"), ("", "manager", "0"), ("e1", "ic", "1")]
        ),
    )
    assert [str(p) for p in links.problems] == [
        "s.csv:2: success: 'yes' is not 0 or 1",
        "s.csv:3: track_taken: 'boss' is not one of ic, manager",
        "s.csv:4: employee_id: is blank",
        "s.csv:5: employee_id: 'e1' already appeared on line 2",
    ]
    assert links.employee_ids == ["e1", "e2", "", "e1"] and links.lines == [2, 3, 4, 5]


def test_a_short_file_with_the_wrong_columns_is_refused_whole():
    with pytest.raises(OutcomesInvalid, match="required columns missing: success"):
        parse_outcome_links("s.csv", b"employee_id,track_taken\ne1,ic\n")


SHORT_ROWS = st.lists(
    st.tuples(
        st.sampled_from(["e1", "e2", "e3", "E-4", " e1 ", ""]),
        st.sampled_from(["ic", "manager", " ic", "boss", ""]),
        st.sampled_from(["0", "1", "yes", "", "2", "1.0", "0.00", "1.", "01", "2.0"]),
    ),
    min_size=1,
    max_size=12,
)


@given(SHORT_ROWS)
def test_every_short_file_row_is_read_and_every_bad_one_named_by_its_line(rows):
    # a row of empty cells (a spreadsheet's ",,,") is skipped, as a blank line is
    kept = [(line, row) for line, row in enumerate(rows, start=2) if any(c.strip() for c in row)]
    if not kept:
        with pytest.raises(OutcomesInvalid, match="the header is the only line"):
            parse_outcome_links("s.csv", _short_file(rows))
        return
    links = parse_outcome_links("s.csv", _short_file(rows))
    ids = [row[0].strip() for _, row in kept]
    bad = {
        line
        for index, (line, row) in enumerate(kept)
        if ids[index] == ""
        or ids[index] in ids[:index]
        or row[1].strip() not in ("ic", "manager")
        or row[2] not in ("0", "1", "1.0", "0.00")  # 1.0: as a spreadsheet may save 1
    }
    assert links.lines == [line for line, _ in kept] and links.employee_ids == ids
    assert {p.line for p in links.problems} == bad
    assert [p.line for p in links.problems] == sorted(p.line for p in links.problems)
    assert all(str(p).startswith(f"s.csv:{p.line}: ") for p in links.problems)


@given(st.binary(max_size=200))
def test_any_bytes_are_read_as_a_short_file_or_refused_with_a_reason(data):
    try:
        links = parse_outcome_links("s.csv", data)
    except OutcomesInvalid as refused:
        assert all(str(p).startswith("s.csv") for p in refused.problems)
    else:
        assert len(links.employee_ids) == len(links.lines) == len(links.success)


# Hostile and careless files: every problem named in one pass, in line order, cheaply


def _refused(data: bytes, pack=None, sensitive=()) -> OutcomesInvalid:
    with pytest.raises(OutcomesInvalid) as refused:
        if pack is None:
            parse_outcome_links("s.csv", data, sensitive)
        else:
            parse_outcomes("o.csv", data, pack, sensitive)
    return refused.value


def test_a_column_named_twice_is_named_not_a_crash(engineering, tmp_path):
    header, rows, _ = _valid(engineering, tmp_path)
    full = _write(tmp_path / "o.csv", [*header, " success "], [[*r, "1"] for r in rows])
    problems = _problems(full, engineering)
    assert problems == [
        f"o.csv:1: column {len(header) + 1}: 'success' is also column "
        f"{header.index('success') + 1}; each column once"
    ]
    short = _refused(b"employee_id,track_taken,success,employee_id\ne1,ic,1,e1\n")
    assert [str(p) for p in short.problems] == [
        "s.csv:1: column 4: 'employee_id' is also column 1; each column once"
    ]


def test_a_group_label_with_a_character_nobody_can_see_is_named(engineering, tmp_path):
    """A direction override shows "woman" as "namow"; a zero-width space makes a second group
    that looks like the first. Both are refused by line and column, as in an id."""
    data = (
        "employee_id,track_taken,success,gender\n"
        "e1,ic,1,woman\n"
        "e2,ic,0,\u202ewoman\n"
        "e3,manager,1,wo\u200bman\n"
        "e4,manager,0, man \n"
        "e5,ic,1,ترجیح می\u200cدهم نگویم\n"  # Persian spells with a zero-width non-joiner
    ).encode()
    links = parse_outcome_links("s.csv", data, ("gender",))
    assert [str(p) for p in links.problems] == [
        "s.csv:3: gender: '\\u202ewoman' has an invisible character, U+202E RIGHT-TO-LEFT "
        "OVERRIDE, at character 1; remove it (groups that look the same must be the same group)",
        "s.csv:4: gender: 'wo\\u200bman' has an invisible character, U+200B ZERO WIDTH SPACE, at "
        "character 3; remove it (groups that look the same must be the same group)",
    ]
    header, rows, _ = _valid(engineering, tmp_path, extra=("gender", ["f", "\u2066m", ""]))
    problems = _problems(_write(tmp_path / "o.csv", header, rows), engineering, ["gender"])
    assert problems[0] == (
        "o.csv:3: gender: '\\u2066m' has an invisible character, U+2066 LEFT-TO-RIGHT ISOLATE, "
        "at character 1; remove it (groups that look the same must be the same group)"
    )
    assert all(": gender: '\\u2066m' has an invisible character" in p for p in problems)


def test_group_labels_that_only_look_alike_are_named_not_made_two_groups():
    """'Woman' beside 'woman', 'woman' in full-width letters, or with a Cyrillic 'a', would
    be groups of their own that look like 'woman' (and too small to show, so their people would
    drop out of every table): each is refused by line, naming the spelling met first."""
    data = (
        "employee_id,track_taken,success,gender\n"
        "e1,ic,1,woman\n"
        "e2,ic,0,Woman\n"
        "e3,manager,1,wom\u0430n\n"
        "e4,manager,0,\uff57\uff4f\uff4d\uff41\uff4e\n"
        "e5,ic,1,man\n"
        "e6,ic,1,\u0416\u0435\u043d\u0449\u0438\u043d\u0430\n"  # all Cyrillic: a label
        "e7,ic,0,\u0386\u03bd\u03c4\u03c1\u03b1\u03c2\n"
        "e8,ic,0,WOMAN\n"
        "e9,ic,0, woman \n"  # spaces around a value: the same group, as always
    ).encode()
    links = parse_outcome_links("s.csv", data, ("gender",))
    written = "written another way (capitals, or another form of the same characters)"
    assert [str(p) for p in links.problems] == [
        f"s.csv:3: gender: 'Woman' is 'woman' (line 2) {written}; write each group one way, "
        "or they count as two groups that look alike",
        "s.csv:4: gender: 'wom\u0430n' mixes Latin and Cyrillic letters; a letter of another "
        "alphabet that looks like a Latin one makes a second group that looks like the first: "
        "retype it",
        f"s.csv:5: gender: '\uff57\uff4f\uff4d\uff41\uff4e' is 'woman' (line 2) {written}; "
        "write each group one way, or they count as two groups that look alike",
        f"s.csv:9: gender: 'WOMAN' is 'woman' (line 2) {written}; write each group one way, "
        "or they count as two groups that look alike",
    ]


def test_a_spreadsheets_empty_rows_and_trailing_empty_column_are_not_problems():
    """Excel saves a row of only commas for a row it once used, and a trailing comma for a
    column it once used: neither holds anything, so neither is refused."""
    data = (
        "\ufeffemployee_id,track_taken,success,gender,\r\n"
        "e1,ic,1,f,\r\n"
        "e2,manager,0,m,\r\n"
        ",,,,\r\n"
        " , ,,,\r\n"
    ).encode()
    links = parse_outcome_links("s.csv", data, ("gender",))
    assert links.problems == [] and links.employee_ids == ["e1", "e2"] and links.lines == [2, 3]


def test_a_trailing_comma_on_the_header_alone_or_on_some_rows_alone_is_not_a_problem():
    """A header ending "...,gender," over rows that do not (found from outside: 200 problems of
    "has 4 cells; the header has 5 columns", the empty column never named), and a row with a
    trailing comma the header lacks: the cells missing or added hold nothing."""
    data = "employee_id,track_taken,success,gender,\ne1,ic,1,f\ne2,manager,0,m,\ne3,ic,0,f,,\n"
    links = parse_outcome_links("s.csv", data.encode(), ("gender",))
    assert links.problems == [] and links.employee_ids == ["e1", "e2", "e3"]
    data = "employee_id,track_taken,success,gender\ne1,ic,1,f,\ne2,manager,0,m, \n"
    links = parse_outcome_links("s.csv", data.encode(), ("gender",))
    assert links.problems == [] and links.employee_ids == ["e1", "e2"]


def test_header_problems_come_first_then_every_row_problem_in_line_order():
    data = (
        b"employee_id,track_taken,success,,gender\n"
        b"e1,ic,yes,x,f\n"
        b"e2,ic,1\n"  # too few cells
        b"\n"
        b"e3,boss,2,,m\n"
        b"e2,ic,1,,f,extra\n"  # too many
    )
    problems = [str(p) for p in _refused(data, sensitive=("gender",)).problems]
    assert problems == [
        "s.csv:1: column 4: has no name, and cells below it hold values",
        "s.csv:2: success: 'yes' is not 0 or 1",
        "s.csv:3: has 3 cells; the header has 5 columns",
        "s.csv:5: track_taken: 'boss' is not one of ic, manager",
        "s.csv:5: success: '2' is not 0 or 1",
        "s.csv:6: has 6 cells; the header has 5 columns",
    ]


def test_a_full_file_missing_a_column_still_has_its_rows_checked(engineering, tmp_path):
    header, rows, _ = _valid(engineering, tmp_path)
    at = header.index("success")
    rows[3][header.index("la1")] = "9"
    path = _write(
        tmp_path / "o.csv", header[:at] + header[at + 1 :], [r[:at] + r[at + 1 :] for r in rows]
    )
    problems = _problems(path, engineering)
    assert problems[0] == "o.csv: required columns missing: success"
    assert problems[1].startswith("o.csv:5: la1: 9 is outside")


def test_a_fraction_of_a_direct_report_is_refused_in_an_outcome_file(engineering, tmp_path):
    header, rows, _ = _valid(engineering, tmp_path)
    rows[1][header.index("direct_reports")] = "2.5"
    rows[2][header.index("la1")] = "3.5"
    rows[3][header.index("la1")] = "5.5"
    problems = _problems(_write(tmp_path / "o.csv", header, rows), engineering)
    # 2.5 lies between 0 and 500: it is refused for being a fraction, and said so
    assert problems == [
        "o.csv:3: direct_reports: 2.5 is not a whole number (allowed: whole numbers 0 to 500)",
        "o.csv:4: la1: 3.5 is not a whole number (allowed: whole numbers 1 to 5)",
        "o.csv:5: la1: 5.5 is outside the allowed whole numbers 1 to 5",
    ]


def test_a_number_pandas_reads_and_python_does_not_is_refused_without_a_crash(
    engineering, tmp_path
):
    # pandas reads '+1e 1' as 10 and '+.5e 1' as 5.0; telling a fraction from a number out of
    # range by float() of the cell raised ValueError: a traceback, a 500 on HR > Outcomes
    header, rows, _ = _valid(engineering, tmp_path)
    rows[1][header.index("la1")] = "+1e 1"
    rows[2][header.index("direct_reports")] = "+.25e 1"
    problems = _problems(_write(tmp_path / "o.csv", header, rows), engineering)
    assert problems == [
        "o.csv:3: la1: +1e 1 is outside the allowed whole numbers 1 to 5",
        "o.csv:4: direct_reports: +.25e 1 is not a whole number (allowed: whole numbers 0 to 500)",
    ]


def test_a_context_choice_in_the_wrong_case_says_how_to_write_it(engineering, tmp_path):
    # track_taken 'IC' said "(write it in lower case)"; current_track 'IC' said nothing
    header, rows, _ = _valid(engineering, tmp_path)
    rows[1][header.index("current_track")] = "IC"
    rows[2][header.index("current_level")] = "l3"
    rows[3][header.index("current_level")] = "L99"
    problems = _problems(_write(tmp_path / "o.csv", header, rows), engineering)
    assert (
        problems[0] == "o.csv:3: current_track: 'IC' is not one of ic, manager (write it as 'ic')"
    )
    assert problems[1].startswith("o.csv:4: current_level: 'l3' is not one of L1, L2, ")
    assert problems[1].endswith(" (write it as 'L3')")
    assert problems[2].startswith("o.csv:5: current_level: 'L99' is not one of L1, L2, ")
    assert problems[2].endswith(", M7")


def test_more_years_at_the_level_than_in_all_is_refused_as_answers_are(engineering, tmp_path):
    """The same check as a line of answers JSONL: 30 years at the level held in 5 of work."""
    header, rows, _ = _valid(engineering, tmp_path)
    rows[0][header.index("years_experience")] = "5"
    rows[0][header.index("years_at_level")] = "30"
    rows[2][header.index("years_experience")] = ""  # blank: nothing to compare with
    rows[2][header.index("years_at_level")] = "30"
    problems = _problems(_write(tmp_path / "o.csv", header, rows), engineering)
    assert problems == [
        "o.csv:2: years_at_level: 30 years at the current level is more than the 5 years of "
        "experience in all (years_experience)"
    ]


def test_a_level_of_the_other_track_is_refused_with_the_ladder_as_answers_are(
    engineering, tmp_path
):
    header, rows, _ = _valid(engineering, tmp_path)
    rows[0][header.index("current_track")] = "ic"
    rows[0][header.index("current_level")] = "M4"
    problems = _problems(_write(tmp_path / "o.csv", header, rows), engineering)
    assert problems == [
        "o.csv:2: current_level: M4 is not a level of the ic track (its levels: L1, L2, L3, L4, "
        "L5, L6, L7)"
    ]


@pytest.mark.parametrize("newline", ["\r", "\r\n", "\n"])
def test_any_line_ends_read_the_same(engineering, tmp_path, newline):
    header, rows, outcomes = _valid(engineering, tmp_path)
    text = newline.join(",".join(map(str, row)) for row in [header, *rows]) + newline
    data = parse_outcomes("o.csv", text.encode(), engineering)
    np.testing.assert_array_equal(data.answers, outcomes.answers)
    rows[0][header.index("track_taken")] = "boss"
    bad = newline.join(",".join(map(str, row)) for row in [header, *rows]) + newline
    problems = [str(p) for p in _refused(bad.encode(), engineering).problems]
    assert problems == ["o.csv:2: track_taken: 'boss' is not one of ic, manager"]


def test_ids_that_differ_only_in_case_are_one_person_twice():
    links = parse_outcome_links("s.csv", b"employee_id,track_taken,success\nzz9,ic,1\nZZ9,ic,0\n")
    assert [str(p) for p in links.problems] == [
        "s.csv:3: employee_id: 'ZZ9' already appeared on line 2 as 'zz9' (ids are the same "
        "whatever their case)"
    ]


def test_a_person_named_by_a_long_email_is_read_one_past_its_limit_is_not():
    """A row may name its person by email, which may be far longer than an HR id."""
    local = "maria-fernanda.rodriguez-hernandez"
    fits = f"{local}@emea-subsidiary.example-company.com"  # 70 characters
    too_long = f"{'m' * 109}@example.com"  # 121: past the stored id's 120
    data = (
        "employee_id,track_taken,success\n"
        f"{fits},ic,1\n"
        f"{too_long},ic,1\n"
        f"{'ü' * 70},ic,1\n"  # not an email: an HR id's limit
    ).encode()
    links = parse_outcome_links("s.csv", data, ())
    assert [str(p) for p in links.problems] == [
        "s.csv:3: employee_id: is 121 characters long; at most 120 (an email address)",
        "s.csv:4: employee_id: is 70 characters long; at most 64",
    ]


def test_a_cell_longer_than_its_column_or_with_a_nul_is_named_briefly():
    long, huge = "x" * 100_000, "x" * 20_000_000
    data = (
        "employee_id,track_taken,success,gender\n"
        f"{'e' * 65},ic,1,f\n"
        f"e2,ic,1,{'g' * 121}\n"
        f"e3,ic\x00,1,{long}\n"
        f"e4,{long},1,f\n"
        f"e5,ic,1,{huge}\n"
        "e6,ic,x,f\n"
    ).encode()
    links = parse_outcome_links("s.csv", data, ("gender",))
    assert [str(p) for p in links.problems] == [
        "s.csv:2: employee_id: is 65 characters long; at most 64",
        "s.csv:3: gender: is 121 characters long; at most 120",
        "s.csv:4: track_taken: has a NUL character (\\x00)",
        "s.csv:4: gender: is 100,000 characters long; at most 120",
        "s.csv:5: track_taken: is 100,000 characters long; at most 200",
        "s.csv:6: gender: is 20,000,000 characters long; at most 120",
        "s.csv:7: success: 'x' is not 0 or 1",
    ]


def test_a_file_of_bad_cells_lists_the_first_and_counts_the_rest(engineering):
    header = ["employee_id", "track_taken", "success", *scoring_layout(engineering).item_ids]
    rows = 3000
    data = (",".join(header) + "\n" + (",".join(["x"] * len(header)) + "\n") * rows).encode()
    refused = _refused(data, engineering)
    assert len(refused.problems) == PROBLEMS_LISTED
    # every cell, less the first id (the others repeat it)
    assert len(refused.problems) + refused.more == rows * len(header) - 1
    lines = [p.line for p in refused.problems]
    assert lines == sorted(lines) and lines[0] == 2
    assert refused.report().endswith(f"… and {refused.more:,} more problems")
    assert f"{rows * len(header) - 1:,} problems" in refused.report().splitlines()[0]


def test_short_file_ids_are_read_in_standard_form_and_look_alikes_are_one_id():
    links = parse_outcome_links(
        "s.csv",
        _short_file(
            [
                ("\u00e9004", "ic", "1"),
                ("e\u0301004", "ic", "0"),  # the same, with a combining accent
                ("\uff45005", "manager", "1"),  # a full-width e
                ("e005\u200b", "ic", "1"),  # a zero-width space
                ("e\u00a0006", "ic", "1"),  # a no-break space
            ]
        ),
    )
    assert [str(p) for p in links.problems] == [
        # quoted as each cell writes it: the same letters, the accent combined on line 3
        "s.csv:3: employee_id: 'e\u0301004' already appeared on line 2 as '\u00e9004' (ids that "
        "look the same are the same id)",
        "s.csv:5: employee_id: 'e005\\u200b' has an invisible character, U+200B ZERO WIDTH "
        "SPACE, at character 5; remove it (ids that look the same are the same id)",
        "s.csv:6: employee_id: 'e\\xa0006' has an invisible character, U+00A0 NO-BREAK SPACE, "
        "at character 2; remove it (ids that look the same are the same id)",
    ]
    assert links.employee_ids == ["\u00e9004", "\u00e9004", "e005", "", ""]


def test_a_repeated_id_is_quoted_as_each_of_its_cells_writes_it():
    """Found from outside: a full-width id on line 4 was quoted in its standard form, as if
    line 4 said what line 2 does."""
    data = "employee_id,track_taken,success\nsyn-3-5,ic,1\n\uff53\uff59\uff4e-3-5,ic,0\n".encode()
    assert [str(p) for p in parse_outcome_links("s.csv", data).problems] == [
        "s.csv:3: employee_id: '\uff53\uff59\uff4e-3-5' already appeared on line 2 as "
        "'syn-3-5' (ids that look the same are the same id)"
    ]


def test_a_full_outcome_files_ids_are_read_in_standard_form(engineering, tmp_path):
    header, rows, _ = _valid(engineering, tmp_path, n=30)
    rows[0][0] = "e\u0301-full"
    path = _write(tmp_path / "o.csv", header, rows)
    assert read_outcomes(path, engineering).employee_ids[0] == "\u00e9-full"


def test_a_short_files_column_not_named_sensitive_is_named_with_what_to_do(engineering, tmp_path):
    short = _write(
        tmp_path / "s.csv",
        ["employee_id", "track_taken", "success", "Age_band"],
        [["e1", "ic", 1, "x"]],
    )
    problems = _problems(short, engineering, ["age_band"])
    assert "sensitive column 'age_band' is not in the file; did you mean 'Age_band'?" in problems[0]
    assert (
        "name these as sensitive, exactly as the header writes them, or remove them"
        in (problems[1])
    )


def test_a_track_in_capitals_is_told_to_be_written_in_lower_case():
    links = parse_outcome_links("s.csv", _short_file([("e1", "IC", "1"), ("e2", "Manager", "0")]))
    assert [str(p) for p in links.problems] == [
        "s.csv:2: track_taken: 'IC' is not one of ic, manager (write it in lower case)",
        "s.csv:3: track_taken: 'Manager' is not one of ic, manager (write it in lower case)",
    ]


@pytest.mark.parametrize(("n", "short"), [(20, {"ic", "manager"}), (1000, set())])
def test_a_refused_file_also_says_whether_its_readable_rows_are_too_few(
    engineering, tmp_path, n, short
):
    header, rows, _ = _valid(engineering, tmp_path, n)
    rows[0][header.index("success")] = "yes"  # unreadable: its track's count leaves it out
    rows[1][1] = 9  # an answer out of range: the row still counts
    with pytest.raises(OutcomesInvalid) as refused:
        read_outcomes(_write(tmp_path / "o.csv", header, rows), engineering)
    invalid = refused.value
    assert len(invalid.problems) == 2
    assert {reason.split(":")[0].removeprefix("track ") for reason in invalid.shortfall} == short
    taken = np.array([row[header.index("track_taken")] for row in rows[1:]])
    for reason in invalid.shortfall:
        track = reason.split(":")[0].removeprefix("track ")
        assert reason.startswith(f"track {track}: {int((taken == track).sum())} people")
    report = invalid.report()
    assert ("too few to train on even once its rows are mended" in report) == bool(short)


def test_a_file_at_the_threshold_whose_bad_cell_hides_a_row_is_not_called_too_small(
    engineering, tmp_path
):
    header, rows, _ = _valid(engineering, tmp_path, 400)
    track = header.index("track_taken")
    kept = [r for r in rows if r[track] == "ic"][:25] + [r for r in rows if r[track] == "manager"][
        :30
    ]
    read_outcomes(_write(tmp_path / "ok.csv", header, kept), engineering)  # trains as it is
    kept[0] = [*kept[0]]
    kept[0][header.index("success")] = "yes"  # mended, it is the 25th IC row again
    with pytest.raises(OutcomesInvalid) as refused:
        read_outcomes(_write(tmp_path / "o.csv", header, kept), engineering)
    assert len(refused.value.problems) == 1 and refused.value.shortfall == []


@pytest.mark.parametrize(
    ("successes", "failures", "unread", "short"),
    [
        (20, 5, 0, False),
        (20, 4, 0, True),
        (20, 4, 1, False),  # the unread row may be the missing failure
        (3, 3, 3, True),  # two successes and two failures lacking: three rows cannot
        (3, 3, 4, True),  # four could, but 6 + 4 people are still fewer than 25
        (20, 3, 2, False),
        (22, 0, 2, True),
    ],
)
def test_unread_rows_count_as_whatever_a_track_lacks(successes, failures, unread, short):
    taken = np.array(["ic"] * (successes + failures) + ["manager"] * 40, dtype=object)
    success = np.array([1] * successes + [0] * failures + [1, 0] * 20)
    reasons = training_shortfalls(taken, success, unread=unread)
    assert [r.split(":")[0] for r in reasons] == (["track ic"] if short else [])
    if short and unread:
        assert f"the {unread} row" in reasons[0] and "could not make up for it" in reasons[0]


@pytest.mark.parametrize("opened", [2, 30, 61])  # the first row, the middle, the last
def test_a_quote_left_open_is_named_where_it_opens_and_the_rows_it_took_are_not_counted(
    engineering, tmp_path, opened
):
    header, rows, _ = _valid(engineering, tmp_path, 60)
    path = _write(tmp_path / "o.csv", header, rows)
    lines = path.read_text().splitlines(keepends=True)
    lines[opened - 1] = '"' + lines[opened - 1]  # line `opened` begins a quoted cell, never closed
    path.write_text("".join(lines))
    with pytest.raises(OutcomesInvalid) as refused:
        read_outcomes(path, engineering)
    (problem,) = [str(p) for p in refused.value.problems]
    assert problem.startswith(f"o.csv:{opened}: a quoted cell opens on this line and is never")
    last = len(lines)
    if opened < last:
        assert f"{'lines' if last > opened + 1 else 'line'} {opened + 1}" in problem
    else:
        assert "the file ends inside it" in problem
    # the lines it swallowed may be rows: no "too few to train on even once mended"
    assert refused.value.shortfall == []


@pytest.mark.parametrize(
    ("separator", "named"), [(";", "semicolons"), ("\t", "tabs"), ("|", "vertical bars")]
)
def test_a_file_saved_with_another_separator_is_told_how_to_save_it(engineering, separator, named):
    # as Excel saves "CSV" where the decimal mark is a comma: a byte order mark, CRLF, ';'
    text = separator.join(["employee_id", "track_taken", "success"]) + "\r\n"
    text += separator.join(["E1", "ic", "1"]) + "\r\n"
    data = "\ufeff".encode() + text.encode()
    for parse in (
        lambda: parse_outcome_links("x.csv", data),
        lambda: parse_outcomes("x.csv", data, engineering),
    ):
        with pytest.raises(OutcomesInvalid) as refused:
            parse()
        (problem,) = refused.value.problems
        assert str(problem) == (
            f"x.csv:1: the columns are separated by {named}, not commas: save the file as "
            "comma-separated CSV (in Excel: Save As, 'CSV UTF-8 (Comma delimited)') and upload "
            "it again"
        )


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        # one column name far too long: the header's problem, never "a short outcome file"
        (
            b"a" * 1000 + b"\n1\n",
            ["o.csv:1: column 1: ", "o.csv: required columns missing"],
        ),
        # a first line larger than the csv module's limit for a cell: a column name too long
        (b"a" * 200_000 + b"\n1\n", ["o.csv:1: column 1: ", "o.csv: required columns missing"]),
        # lines of empty cells only, as a spreadsheet saves an emptied sheet
        (
            b",,,\n,,\n",
            [
                "o.csv: has no header: every line is blank or holds only empty cells",
                "o.csv: required columns missing",
            ],
        ),
    ],
    ids=["name-too-long", "cell-beyond-csv", "empty-cells"],
)
def test_a_file_without_a_column_name_says_so_and_nothing_else(
    engineering, tmp_path, content, expected
):
    path = tmp_path / "o.csv"
    path.write_bytes(content)
    problems = _problems(path, engineering)
    assert len(problems) == len(expected)
    for start in expected:
        assert any(problem.startswith(start) for problem in problems), (start, problems)
    assert not any("short outcome file" in problem for problem in problems)


def test_a_header_alone_is_named_as_a_file_without_rows():
    with pytest.raises(OutcomesInvalid) as refused:
        parse_outcome_links("h.csv", b"employee_id,track_taken,success\n")
    assert [str(p) for p in refused.value.problems] == [
        "h.csv:1: the header is the only line of the file: it has no rows of people"
    ]


def test_a_file_not_in_utf8_says_how_to_save_it():
    data = "employee_id,track_taken,success,g\nE1,ic,1,é\n".encode("latin-1")
    with pytest.raises(OutcomesInvalid) as refused:
        parse_outcome_links("l.csv", data, ["g"])
    assert str(refused.value.problems[0]).startswith(
        "l.csv:2: g: is not UTF-8 text (byte 0xE9 at the start of the cell): save the file as "
        "UTF-8 (in Excel: Save As"
    )


def test_every_line_not_in_utf8_is_named_and_the_rest_of_the_file_still_checked():
    data = (
        "employee_id,track_taken,success,g\r\n"
        "Zoë,ic,1,x\r\n"
        "E2,ic,9,y\r\n"
        'E3,manager,1,"Bogotá, D.C."\r\n'
        "é,boss,1,z\r\n"
    ).encode("cp1252")
    with pytest.raises(OutcomesInvalid) as refused:
        parse_outcome_links("l.csv", data, ["g"])
    assert [str(p) for p in refused.value.problems] == [
        "l.csv:2: employee_id: is not UTF-8 text (byte 0xEB after 'Zo'): save the file as UTF-8 "
        "(in Excel: Save As, 'CSV UTF-8 (Comma delimited)') and upload it again",
        "l.csv:4: g: is not UTF-8 text (byte 0xE1 after 'Bogot')",
        "l.csv:5: employee_id: is not UTF-8 text (byte 0xE9 at the start of the cell)",
        "l.csv:3: success: '9' is not 0 or 1",
        "l.csv:5: track_taken: 'boss' is not one of ic, manager",
    ]


def test_bytes_not_in_utf8_are_named_by_record_whatever_the_line_ends():
    """Old Mac Excel ends lines with CR alone; a quoted cell may run over several lines. The
    record is named by the line it begins on and the column the byte is in."""
    mac = "employee_id,track_taken,success,g\rZoë,ic,1,x\rE2,ic,9,y\rE3,manager,1,Bogotá\r"
    with pytest.raises(OutcomesInvalid) as refused:
        parse_outcome_links("mac.csv", mac.encode("cp1252"), ["g"])
    assert [str(p).split(" (in Excel")[0] for p in refused.value.problems] == [
        "mac.csv:2: employee_id: is not UTF-8 text (byte 0xEB after 'Zo'): save the file as UTF-8",
        "mac.csv:4: g: is not UTF-8 text (byte 0xE1 after 'Bogot')",
        "mac.csv:3: success: '9' is not 0 or 1",
    ]
    spanning = 'employee_id,track_taken,success,note\nE1,ic,1,"one\ntwo, caf\xe9"\nE2,ic,0,y\n'
    with pytest.raises(OutcomesInvalid) as refused:
        parse_outcome_links("ml.csv", spanning.encode("latin-1"), ["note"])
    assert str(refused.value.problems[0]).startswith(
        "ml.csv:2: note: is not UTF-8 text (byte 0xE9 after 'one\\ntwo, caf')"
    )


def test_a_file_in_utf16_is_named_as_one_once():
    data = "employee_id,track_taken,success\r\nE1,ic,1\r\n".encode("utf-16")
    with pytest.raises(OutcomesInvalid) as refused:
        parse_outcome_links("u.csv", data)
    assert [str(p) for p in refused.value.problems] == [
        "u.csv: is saved as UTF-16 text, not UTF-8: save the file as UTF-8 (in Excel: Save As, "
        "'CSV UTF-8 (Comma delimited)') and upload it again"
    ]


def test_every_record_not_in_utf8_is_counted_beyond_those_listed():
    rows = "".join(f"E{i},ic,1,caf\xe9\n" for i in range(PROBLEMS_LISTED + 100))
    with pytest.raises(OutcomesInvalid) as refused:
        parse_outcome_links(
            "many.csv", f"employee_id,track_taken,success,g\n{rows}".encode("latin-1"), ["g"]
        )
    assert (len(refused.value.problems), refused.value.more) == (PROBLEMS_LISTED, 100)


def test_a_file_neither_utf8_nor_comma_separated_hears_both_at_once():
    data = "employee_id;track_taken;success;g\r\nE1;ic;1;é\r\n".encode("latin-1")
    with pytest.raises(OutcomesInvalid) as refused:
        parse_outcome_links("both.csv", data)
    texts = [str(p) for p in refused.value.problems]
    assert len(texts) == 2
    assert texts[0].startswith("both.csv:1: the columns are separated by semicolons")
    assert texts[1].startswith("both.csv:2: is not UTF-8 text")


def test_a_header_ending_in_many_commas_costs_its_size_not_its_size_times_its_rows():
    """A header ending in 200,000 commas over 400 rows (found by fuzzing with wide lines):
    every row was padded to the header's width and each trailing column looked for in every
    row, 9 s and 780 MB for a 200 KB file; the cells that hold nothing are not kept."""
    data = "employee_id,track_taken,success" + "," * 200_000 + "\n"
    data += "".join(f"e{i},ic,1\n" for i in range(400))
    # measured in memory, not time (a time flakes on a loaded machine): 780 MB before
    tracemalloc.start()
    try:
        links = parse_outcome_links("s.csv", data.encode())
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 64 * 2**20, f"{peak / 2**20:.0f} MiB"
    assert links.problems == [] and len(links.employee_ids) == 400
    data = "employee_id,track_taken,success" + "," * 100_000 + "\ne1,ic,1\ne2,ic,1" + ",1" * 2
    problems = [str(p) for p in _refused(data.encode()).problems]
    assert problems == [
        "s.csv:1: column 4: has no name, and cells below it hold values",
        "s.csv:1: column 5: has no name, and cells below it hold values",
    ]


def test_a_header_naming_more_columns_than_any_file_has_is_refused_at_its_line(engineering):
    """50,000 column names (found by fuzzing: 300,000 took 44 s on the upload page, and the
    refusal listed every one of them); one line says how many, and the most a file has."""
    data = ("\n\n" + ",".join(f"c{i}" for i in range(50_000)) + "\ne1,ic,1\n").encode()
    for pack in (None, engineering):
        problems = [str(p) for p in _refused(data, pack).problems]
        name = "s.csv" if pack is None else "o.csv"
        assert problems == [
            f"{name}:3: the header names 50,000 columns; an outcome file has at most 2,000 "
            "(employee_id, track_taken, success, the questionnaire's items, context fields and "
            "sensitive columns)"
        ]


def test_a_short_files_unknown_columns_are_ten_named_and_the_rest_counted():
    """Found by fuzzing with wide lines: every unknown column was listed in one problem."""
    header = ",".join(["employee_id", "track_taken", "success", *(f"c{i}" for i in range(1_500))])
    problems = [str(p) for p in _refused(f"{header}\ne1,ic,1\n".encode()).problems]
    names = ", ".join(f"'c{i}'" for i in range(10))
    assert problems[0].startswith(f"s.csv: columns {names} and 1,490 more are neither ")
    assert "'c10'" not in problems[0]


def test_a_one_column_header_is_counted_in_the_singular():
    """An outside review: a binary file's first line read as one column said "the header has
    1 columns"."""
    problems = [str(p) for p in _refused(b"gibberish\nx,y\n").problems]
    assert "s.csv:2: has 2 cells; the header has 1 column" in problems, problems
