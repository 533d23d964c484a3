"""Importing a ladder spreadsheet: the template becomes a valid pack; a broken sheet names
every problem by sheet, row and column; whatever the file holds, the import makes a pack or
lists problems, never a traceback; nothing is written unless the whole pack is valid."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from datetime import datetime
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from recommender.pack.framework_sheet import MAX_CELL_CHARACTERS, FrameworkSheetInvalid
from recommender.pack.loading import load_pack
from recommender.pack.skeleton import import_framework, write_pack

ROOT = Path(__file__).resolve().parents[3]
TEMPLATES = ROOT / "questionnaires" / "templates"
DATA_SCIENCE = ROOT / "questionnaires" / "data-science"
TEMPLATE_CSV = (TEMPLATES / "framework-template.csv").read_bytes()
PLACE = re.compile(r"^[^!]+![A-Z]+[0-9]+$")  # Ladder!D7
FUZZ = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None
)


def template_rows() -> list[list[str]]:
    return [list(row) for row in csv.reader(io.StringIO(TEMPLATE_CSV.decode("utf-8-sig")))]


def row_of(rows: list[list[str]], key: str) -> int:
    """The 0-based index of the row whose column A is `key`."""
    return next(i for i, row in enumerate(rows) if row and row[0] == key)


def as_csv(rows: list[list[object]]) -> bytes:
    stream = io.StringIO()
    csv.writer(stream, lineterminator="\n").writerows(rows)
    return stream.getvalue().encode("utf-8")


def as_xlsx(rows: list[list[object]], sheet: str = "Ladder") -> bytes:
    workbook = Workbook()
    workbook.active.title = sheet
    for row in rows:
        workbook.active.append([None if cell == "" else cell for cell in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def problems_of(data: bytes, name: str = "ladder.csv", pack_id: str = "example") -> list[str]:
    with pytest.raises(FrameworkSheetInvalid) as refused:
        import_framework(data, name, pack_id, None)
    report = refused.value.report()
    assert "Traceback" not in report
    return [str(problem) for problem in refused.value.problems]


def imported_pack(tmp_path: Path, data: bytes, name: str, pack_id: str = "example"):
    files = import_framework(data, name, pack_id, "Example discipline")
    write_pack(files, tmp_path / pack_id)
    return load_pack(tmp_path / pack_id)


# The template and the bundled third discipline


@pytest.mark.parametrize("name", ["framework-template.xlsx", "framework-template.csv"])
def test_the_template_becomes_a_valid_pack(tmp_path, name):
    pack = imported_pack(tmp_path, (TEMPLATES / name).read_bytes(), name)
    assert pack.ref == "example@1" and pack.title == "Example discipline"
    assert [level.id for level in pack.framework.ladder("ic")] == ["E1", "E2", "E3", "E4"]
    assert [level.id for level in pack.framework.ladder("manager")] == ["E1", "E2", "EM3", "EM4"]
    assert pack.framework.track("manager").branch_grade == 3
    rules = {rule.id for rule in pack.rules.rules}
    assert rules == {"not-yet-manager", "needs-interest", "pay-or-status", "close-call"}


def test_the_workbook_and_the_csv_template_make_the_same_pack():
    from_xlsx = import_framework(
        (TEMPLATES / "framework-template.xlsx").read_bytes(), "t.xlsx", "example", None
    )
    from_csv = import_framework(TEMPLATE_CSV, "t.csv", "example", None)
    assert from_xlsx == from_csv


def test_cells_become_the_ratings_anchors_leftmost_first_then_more_statements(tmp_path):
    pack = imported_pack(tmp_path, TEMPLATE_CSV, "t.csv")
    anchors = {
        item.competency: [anchor.label for anchor in item.anchors]
        for item in pack.questionnaire.items
        if item.kind == "anchored"
    }
    # proficiency 3 of craft: only EM3 expects it; people_leadership 3: E4 is left of EM3
    assert (
        anchors["craft"][2] == "I know the craft well enough to judge my team's work and coach it."
    )
    assert anchors["people_leadership"][2] == "I mentor several people and lead a project group."
    # no level expects communication 5: the 'more statements' column gives it
    assert anchors["communication"][4] == (
        "I explain the organisation's direction to the whole company."
    )


def test_the_about_section_and_rules_use_the_ladders_words(tmp_path):
    files = import_framework(TEMPLATE_CSV, "t.csv", "data-science", "Data science")
    questionnaire = yaml.safe_load(files["questionnaire.yaml"])
    about = questionnaire["sections"][0]
    assert about["id"] == "about"
    assert about["items"][0]["text"] == "How many years have you worked in data science?"
    rules = {rule["id"]: rule for rule in yaml.safe_load(files["rules.yaml"])["rules"]}
    assert rules["not-yet-manager"]["when"] == {"field": "context.current_grade", "lt": 3}
    assert "Manager sits beside Senior" in rules["not-yet-manager"]["message"]
    assert "Staff is the equal of Senior Manager" in rules["needs-interest"]["message"]


def test_the_motivation_sections_are_the_engineering_packs(tmp_path):
    engineering = load_pack(ROOT / "questionnaires" / "engineering").questionnaire
    pack = imported_pack(tmp_path, TEMPLATE_CSV, "t.csv")
    likert = [item.id for item in pack.questionnaire.items if item.kind in ("likert", "attention")]
    expected = [item.id for item in engineering.items if item.kind in ("likert", "attention")]
    assert likert == expected
    assert [c.id for c in pack.questionnaire.constructs] == [c.id for c in engineering.constructs]


def test_the_data_science_pack_is_what_its_spreadsheet_imports_to():
    files = import_framework(
        (DATA_SCIENCE / "framework.xlsx").read_bytes(),
        "framework.xlsx",
        "data-science",
        "Data science",
    )
    for name in ("framework.yaml", "questionnaire.yaml", "rules.yaml"):
        assert (DATA_SCIENCE / name).read_text(encoding="utf-8") == files[name], name
    pack = load_pack(DATA_SCIENCE)
    assert len(pack.framework.competencies) == 8
    assert pack.framework.track("manager").branch_grade == 3


# Broken spreadsheets, each problem named by its place


def test_an_empty_cell_is_named_by_row_and_column():
    rows = template_rows()
    craft = row_of(rows, "craft")
    rows[craft][4] = ""
    assert problems_of(as_csv(rows)) == [
        f"ladder.csv:{craft + 1}, column E: is empty: write the proficiency level E2 expects, "
        "1-5, then its description (e.g. '3: I design experiments for my team')"
    ]


def test_a_workbook_names_the_sheet_and_cell():
    rows = template_rows()
    craft = row_of(rows, "craft")
    rows[craft][4] = "seven: does it all"
    (problem,) = problems_of(as_xlsx(rows), "ladder.xlsx")
    assert problem.startswith(f"Ladder!E{craft + 1}: 'seven: does it all' does not start with")


def test_every_problem_is_listed_in_one_pass_in_sheet_order():
    rows = template_rows()
    rows[row_of(rows, "grade")][5] = "three"
    communication = row_of(rows, "communication")
    rows[communication][3] = "9: far too much"
    rows[communication][6] = True
    rows[row_of(rows, "tracks")][8] = "managers"
    rows.append(["bad id", "Label", "", "1", "2", "3", "4", "3", "4"])
    problems = problems_of(as_csv(rows))
    places = [problem.split(": ", 1)[0] for problem in problems]
    grade, tracks = row_of(rows, "grade") + 1, row_of(rows, "tracks") + 1
    assert places == [
        f"ladder.csv:{grade}, column F",
        f"ladder.csv:{tracks}, column I",
        f"ladder.csv:{communication + 1}, column D",
        f"ladder.csv:{communication + 1}, column G",
        *[f"ladder.csv:{len(rows)}, column {column}" for column in "AADEFG"],
    ]
    assert "proficiency 9 is outside 1-5" in problems[2]
    assert "'bad id' is not a competency id" in problems[4]
    # the row of a refused id is still read: its numbers without a statement are named too
    assert "'bad id': no level expects proficiency 5" in problems[5]
    assert "'bad id': proficiency 1 has no description" in problems[6]


def test_a_competency_named_as_a_shared_construct_is_named_at_its_row_with_the_rest():
    """Every imported pack takes in the shared motivation questionnaire, whose construct ids a
    competency cannot have; the row says so, beside the sheet's other problems."""
    rows = template_rows()
    craft = row_of(rows, "craft")
    rows[craft][0] = "craft_depth"
    rows[row_of(rows, "grade")][5] = "three"
    for name, data in (("ladder.csv", as_csv(rows)), ("ladder.xlsx", as_xlsx(rows))):
        problems = problems_of(data, name)
        assert len(problems) == 2, problems
        clash = (
            f"ladder.csv:{craft + 1}, column A" if name == "ladder.csv" else f"Ladder!A{craft + 1}"
        )
        assert problems[1].startswith(
            f"{clash}: competency 'craft_depth' has the id of a construct"
        )
        assert "motivation questionnaire (motivation@1)" in problems[1]
        assert "give the competency another id" in problems[1]


def test_a_negative_grade_is_named_as_out_of_range_not_as_text():
    rows = template_rows()
    rows[row_of(rows, "grade")][5] = "-4"
    (problem,) = problems_of(as_csv(rows))
    assert "-4 is not" in problem and "a whole number from 1 to 100" in problem
    assert "'-4'" not in problem


def test_a_proficiency_without_any_statement_is_named_at_the_competency():
    rows = template_rows()
    communication = row_of(rows, "communication")
    rows[communication][9] = ""  # the 'more statements' line for proficiency 5
    (problem,) = problems_of(as_csv(rows))
    assert problem == (
        f"ladder.csv:{communication + 1}, column A: communication: no level expects proficiency "
        "5, so the rating has no statement for it; write one in a 'more statements' column "
        "(e.g. '5: …')"
    )


def test_a_more_statement_for_a_described_proficiency_is_refused():
    rows = template_rows()
    craft = row_of(rows, "craft")
    rows[craft].extend([""] * (10 - len(rows[craft])))
    rows[craft][9] = "2: Something else"
    (problem,) = problems_of(as_csv(rows))
    assert problem.startswith(f"ladder.csv:{craft + 1}, column J: proficiency 2 is already")


def test_an_expectation_that_falls_along_a_ladder_is_named_at_its_cell():
    rows = template_rows()
    craft = row_of(rows, "craft")
    rows[craft][6] = "3"  # E4 (Staff) would expect less craft than E3 (Senior)
    problems = problems_of(as_csv(rows))
    # and, in the same pass, no level describes craft 5 any more
    level = row_of(rows, "level")
    assert problems == [
        f"ladder.csv:{level + 1}, column G: on track ic, E4 asks too little over E3: someone "
        "exactly meeting E3 would also meet E4 under level_rule (raise one competency by 2 or "
        "the total by 3)",
        f"ladder.csv:{craft + 1}, column A: craft: no level expects proficiency 5, so the "
        "rating has no statement for it; write one in a 'more statements' column (e.g. '5: …')",
        f"ladder.csv:{craft + 1}, column G: on track ic, E4 expects less than E3 in craft",
    ]


def test_two_levels_at_one_grade_on_a_track_are_named_at_the_grade():
    rows = template_rows()
    grade = row_of(rows, "grade")
    rows[grade][6] = "3"  # E4 at grade 3, beside E3
    problems = problems_of(as_csv(rows))
    assert any(
        problem.startswith(f"ladder.csv:{grade + 1}, column ")
        and "two levels at grade 3" in problem
        for problem in problems
    ), problems


def test_missing_rows_and_unknown_keywords_are_each_named():
    rows = [row for row in template_rows() if row and row[0] not in ("branch grade", "title")]
    rows.insert(0, ["levels", "x"])
    problems = problems_of(as_csv(rows))
    assert "ladder.csv: has no 'branch grade' row" in problems[0]
    assert any("has no 'title' row" in problem for problem in problems)
    assert any(
        problem.startswith("ladder.csv:1, column A: 'levels' is not a row") for problem in problems
    )


def test_a_value_in_a_column_with_no_level_is_not_silently_dropped():
    rows = template_rows()
    craft = row_of(rows, "craft")
    rows[craft].extend([""] * (12 - len(rows[craft])))
    rows[craft][11] = "5: stray"
    (problem,) = problems_of(as_csv(rows))
    assert problem.startswith(f"ladder.csv:{craft + 1}, column L: has a value but no level id")


@pytest.mark.parametrize("written", ["{first}", "not a level!"], ids=["repeated", "malformed"])
def test_a_level_id_refused_is_named_once_not_again_at_every_cell_below_it(written):
    """A level id written twice was named, then each of its column's 17 cells below was named
    as a value with no level id above it."""
    rows = template_rows()
    level = row_of(rows, "level")
    first = next(cell for cell in rows[level][1:] if cell)
    last = max(i for i, cell in enumerate(rows[level]) if cell)
    rows[level][last] = written.format(first=first)
    problems = problems_of(as_csv(rows))
    column = chr(ord("A") + last)
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"ladder.csv:{level + 1}, column {column}: ")


def test_a_formula_without_a_saved_value_and_an_error_value_are_named():
    rows = template_rows()
    craft, communication = row_of(rows, "craft"), row_of(rows, "communication")
    rows[craft][3] = (
        "=1+0"  # openpyxl saves no calculated value, as a program that never calculated
    )
    rows[communication][3] = "#REF!"
    problems = problems_of(as_xlsx(rows), "ladder.xlsx")
    assert problems[0].startswith(f"Ladder!D{craft + 1}: holds the formula =1+0 but no value")
    assert problems[1].startswith(f"Ladder!D{communication + 1}: holds the spreadsheet error #REF!")


def test_a_date_where_a_grade_belongs_is_named():
    rows = template_rows()
    grade = row_of(rows, "grade")
    rows[grade][3] = datetime(2026, 1, 1)
    (problem,) = problems_of(as_xlsx(rows), "ladder.xlsx")
    assert problem == f"Ladder!D{grade + 1}: a date is not level E1's grade: a whole number"


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"PK\x03\x04 not really", "ladder.xlsx", "is not an Excel workbook"),
        (b"hello", "ladder.xlsx", "is not an Excel workbook"),
        (b"\xff\xfe\x00l\x00e", "ladder.csv", "is not UTF-8 text"),
        (b"level", "ladder.ods", "give an Excel workbook (.xlsx) or a CSV file"),
        (b"x" * (5 * 1024 * 1024 + 1), "ladder.csv", "a ladder spreadsheet is at most 5 MB"),
    ],
)
def test_files_that_are_not_ladders_are_refused_with_a_message(data, name, message):
    (problem,) = problems_of(data, name)
    assert problem.startswith(name) and message in problem


def test_a_zip_that_is_not_a_workbook_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "not a workbook")
    (problem,) = problems_of(buffer.getvalue(), "ladder.xlsx")
    assert "is not an Excel workbook trackfit can read" in problem


def test_a_workbook_without_a_ladder_sheet_names_its_sheets():
    workbook = Workbook()
    workbook.active.title = "One"
    workbook.create_sheet("Two")
    buffer = io.BytesIO()
    workbook.save(buffer)
    (problem,) = problems_of(buffer.getvalue(), "ladder.xlsx")
    assert problem == (
        "ladder.xlsx: has no visible sheet named 'Ladder' (its visible sheets: 'One', 'Two'); "
        "name the sheet that holds the ladder 'Ladder'"
    )


def test_a_hidden_sheet_is_never_read_as_the_ladder():
    """An old copy kept out of sight is not the ladder people see and edit."""
    old, edited = template_rows(), template_rows()
    title = row_of(edited, "title")
    edited[title][3] = "Senior (new)"
    workbook = Workbook()
    workbook.active.title = "Ladder"
    workbook.active.sheet_state = "hidden"
    for row in old:
        workbook.active.append([None if cell == "" else cell for cell in row])
    visible = workbook.create_sheet("Ladder 2027")
    for row in edited:
        visible.append([None if cell == "" else cell for cell in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    files = import_framework(buffer.getvalue(), "ladder.xlsx", "example", None)
    assert "title: Senior (new)" in files["framework.yaml"]
    workbook.create_sheet("Notes")  # two visible sheets, neither named Ladder
    buffer = io.BytesIO()
    workbook.save(buffer)
    (problem,) = problems_of(buffer.getvalue(), "ladder.xlsx")
    assert "(its visible sheets: 'Ladder 2027', 'Notes'; hidden, and not read: 'Ladder')" in problem


def test_a_semicolon_csv_with_an_unquoted_comma_in_a_cell_reads_the_same():
    """Excel with a semicolon separator leaves a comma in a cell unquoted: the separator is the
    one that splits the lines, not the first line's lack of a comma."""
    rows = list(csv.reader(io.StringIO(TEMPLATE_CSV.decode("utf-8-sig"))))
    rows[0][3] = "Grows by the depth, and reach, of their own work."
    comma = io.StringIO()
    csv.writer(comma, lineterminator="\r\n").writerows(rows)
    text = "\r\n".join(";".join(row) for row in rows) + "\r\n"  # unquoted, as Excel writes
    assert import_framework(text.encode(), "t.csv", "example", None) == (
        import_framework(comma.getvalue().encode(), "t.csv", "example", None)
    )


def test_sizes_are_bounded():
    rows = template_rows()
    long_rows = rows + [["x"]] * 200
    assert "more than 100 rows" in problems_of(as_csv(long_rows))[0]
    wide = template_rows()
    wide[0] = wide[0] + [""] * 60 + ["far"]
    assert "more than 50 columns" in problems_of(as_csv(wide))[0]
    big = template_rows()
    craft = row_of(big, "craft")
    big[craft][3] = "1: " + "x" * MAX_CELL_CHARACTERS
    (problem,) = problems_of(as_xlsx(big), "ladder.xlsx")
    assert problem.startswith(f"Ladder!D{craft + 1}: has 503 characters")
    # past the csv module's own limit for a cell (131,072): named by its cell all the same,
    # where it was "is not CSV trackfit can read (field larger than field limit (131072))"
    big[craft][3] = "1: " + "x" * 200_000
    (problem,) = problems_of(as_csv(big))
    assert problem.startswith(f"ladder.csv:{craft + 1}, column D: has 200,003 characters")


def test_a_semicolon_csv_from_a_european_excel_reads_the_same():
    text = TEMPLATE_CSV.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    stream = io.StringIO()
    csv.writer(stream, delimiter=";", lineterminator="\r\n").writerows(rows)
    assert import_framework(stream.getvalue().encode(), "t.csv", "example", None) == (
        import_framework(TEMPLATE_CSV, "t.csv", "example", None)
    )


def test_a_pack_id_that_is_not_an_id_is_refused():
    (problem,) = problems_of(TEMPLATE_CSV, pack_id="Data Science")
    assert problem.startswith("--id: 'Data Science' is not a pack id")


# Properties: whatever the file holds, a pack or a list of placed problems


CELLS = st.one_of(
    st.none(),
    st.text(max_size=30),
    st.integers(-10, 10),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.booleans(),
    st.sampled_from(["1: a", "3", "ic, manager", "manager", "level", "competency", "track", "ic"]),
)
GRIDS = st.lists(st.lists(CELLS, max_size=12), max_size=25)


def _placed_or_valid(data: bytes, name: str) -> None:
    try:
        files = import_framework(data, name, "fuzz", None)
    except FrameworkSheetInvalid as refused:
        assert refused.problems, "a refusal names at least one problem"
        for problem in refused.problems:
            assert PLACE.match(problem.where) or problem.where.startswith(name), problem
        return
    assert set(files) == {"pack.yaml", "framework.yaml", "questionnaire.yaml", "rules.yaml"}


@FUZZ
@given(GRIDS)
def test_any_grid_as_csv_gives_a_pack_or_placed_problems(grid):
    rows = [["" if cell is None else cell for cell in row] for row in grid]
    _placed_or_valid(as_csv(rows), "ladder.csv")


@FUZZ
@given(GRIDS)
def test_any_grid_as_a_workbook_gives_a_pack_or_placed_problems(grid):
    rows = [[_excel_safe(cell) for cell in row] for row in grid]
    _placed_or_valid(as_xlsx(rows), "ladder.xlsx")


def _excel_safe(cell):
    """openpyxl refuses to write control characters; a workbook cannot hold them anyway."""
    if isinstance(cell, str):
        return "".join(c for c in cell if c >= " " or c in "\t\n")
    return cell


@FUZZ
@given(st.data())
def test_the_template_with_any_cell_changed_gives_a_pack_or_placed_problems(data):
    rows = template_rows()
    row = data.draw(st.integers(0, len(rows) - 1))
    width = max(len(rows[row]), 1)
    column = data.draw(st.integers(0, width))
    rows[row].extend([""] * (column + 1 - len(rows[row])))
    rows[row][column] = data.draw(CELLS.map(lambda cell: "" if cell is None else cell))
    _placed_or_valid(as_csv(rows), "ladder.csv")


@FUZZ
@given(st.binary(max_size=2000), st.sampled_from(["ladder.csv", "ladder.xlsx"]))
def test_any_bytes_give_placed_problems(data, name):
    _placed_or_valid(data, name)


def test_a_workbook_whose_zip_claims_a_version_python_cannot_read_is_named():
    """Found by the fuzz test below: a damaged header claiming "zip file version 6.4" raised
    NotImplementedError, a traceback."""
    data = bytearray((TEMPLATES / "framework-template.xlsx").read_bytes())
    for header in re.finditer(rb"PK\x01\x02", data):  # each central directory entry's
        data[header.start() + 6] = 64  # version needed to extract: 6.4
    (problem,) = problems_of(bytes(data), "ladder.xlsx")
    assert problem.startswith("ladder.xlsx: is not an Excel workbook")


@FUZZ
@given(st.data())
def test_a_damaged_template_workbook_gives_placed_problems(data):
    original = bytearray((TEMPLATES / "framework-template.xlsx").read_bytes())
    for _ in range(data.draw(st.integers(1, 5))):
        at = data.draw(st.integers(0, len(original) - 1))
        original[at] = data.draw(st.integers(0, 255))
    _placed_or_valid(bytes(original), "ladder.xlsx")


# The command line


def test_the_command_writes_a_valid_pack(trackfit, tmp_path):
    out = tmp_path / "example"
    code, out_text, err = trackfit(
        "pack",
        "import-framework",
        str(TEMPLATES / "framework-template.xlsx"),
        "--id",
        "example",
        "--out",
        str(out),
    )
    assert (code, err) == (0, "")
    assert "example@1 written and valid" in out_text
    code, out_text, _ = trackfit("validate", str(out))
    assert code == 0 and "pack example@1 is valid" in out_text
    assert sorted(path.name for path in tmp_path.iterdir()) == ["example"]


def test_a_broken_sheet_exits_2_with_every_problem_and_writes_nothing(trackfit, tmp_path):
    rows = template_rows()
    rows[row_of(rows, "craft")][4] = ""
    rows[row_of(rows, "grade")][3] = "x"
    sheet = tmp_path / "ladder.csv"
    sheet.write_bytes(as_csv(rows))
    out = tmp_path / "example"
    code, out_text, err = trackfit(
        "pack", "import-framework", str(sheet), "--id", "example", "--out", str(out)
    )
    assert code == 2 and out_text == ""
    assert err.startswith("spreadsheet cannot be imported: 2 problems\n")
    grade, craft = row_of(rows, "grade") + 1, row_of(rows, "craft") + 1
    assert f"ladder.csv:{grade}, column D:" in err and f"ladder.csv:{craft}, column E:" in err
    assert "Traceback" not in err
    assert sorted(path.name for path in tmp_path.iterdir()) == ["ladder.csv"]


@pytest.mark.parametrize(
    ("out", "message"),
    [
        ("full/example", "is not empty; nothing was written"),
        ("elsewhere", "must be a folder named 'example'"),
        ("missing/example", "is not a folder that exists"),
    ],
)
def test_the_command_refuses_an_out_folder_it_must_not_write(trackfit, tmp_path, out, message):
    (tmp_path / "full" / "example").mkdir(parents=True)
    (tmp_path / "full" / "example" / "keep.txt").write_text("mine", encoding="utf-8")
    code, _, err = trackfit(
        "pack",
        "import-framework",
        str(TEMPLATES / "framework-template.csv"),
        "--id",
        "example",
        "--out",
        str(tmp_path / out),
    )
    assert code == 2 and message in err
    assert (tmp_path / "full" / "example" / "keep.txt").read_text(encoding="utf-8") == "mine"


def test_a_bad_out_folder_and_the_spreadsheets_problems_are_named_in_one_pass(trackfit, tmp_path):
    rows = template_rows()
    grade = row_of(rows, "grade")
    rows[grade][3] = "senior"  # not a grade
    sheet = tmp_path / "ladder.csv"
    sheet.write_bytes(as_csv(rows))
    code, _, err = trackfit(
        "pack", "import-framework", str(sheet), "--id", "BAD", "--out", str(tmp_path / "out"),
    )  # fmt: skip
    assert code == 2 and "3 problems" in err
    assert "--id: 'BAD' is not a pack id" in err and "must be a folder named 'BAD'" in err
    assert f"ladder.csv:{grade + 1}, column D:" in err  # the sheet was read all the same
    assert sorted(path.name for path in tmp_path.iterdir()) == ["ladder.csv"]


def test_the_command_fills_an_empty_out_folder(trackfit, tmp_path):
    (tmp_path / "example").mkdir()
    code, _, _ = trackfit(
        "pack",
        "import-framework",
        str(TEMPLATES / "framework-template.csv"),
        "--id",
        "example",
        "--out",
        str(tmp_path / "example"),
    )
    assert code == 0
    assert (tmp_path / "example" / "framework.yaml").is_file()


def test_the_command_names_a_spreadsheet_that_is_not_there(trackfit, tmp_path):
    code, _, err = trackfit(
        "pack",
        "import-framework",
        str(tmp_path / "nope.xlsx"),
        "--id",
        "x",
        "--out",
        str(tmp_path / "x"),
    )
    assert code == 2 and "nope.xlsx: cannot be read" in err


def test_a_workbook_that_would_expand_past_the_limit_is_refused_before_reading():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (51 * 1024 * 1024))
    (problem,) = problems_of(buffer.getvalue(), "ladder.xlsx")
    assert problem == "ladder.xlsx: expands to more than 50 MB; a ladder workbook is far smaller"


def test_merged_cells_leave_the_cells_they_cover_empty_and_named():
    rows = template_rows()
    craft = row_of(rows, "craft")
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Ladder"
    for row in rows:
        sheet.append([None if cell == "" else cell for cell in row])
    sheet.merge_cells(f"D{craft + 1}:E{craft + 1}")
    buffer = io.BytesIO()
    workbook.save(buffer)
    (problem,) = problems_of(buffer.getvalue(), "ladder.xlsx")
    assert problem.startswith(
        f"Ladder!E{craft + 1}: is inside the merged cells D{craft + 1}:E{craft + 1}, whose "
        f"value only D{craft + 1} holds"
    )


def test_a_missing_spreadsheet_and_a_missing_out_folder_are_named_together(trackfit, tmp_path):
    code, _, err = trackfit(
        "pack", "import-framework", str(tmp_path / "nope.xlsx"),
        "--id", "x", "--out", str(tmp_path / "gone" / "x"),
    )  # fmt: skip
    assert code == 2 and "2 problems" in err
    assert f"--out: {tmp_path / 'gone'} is not a folder that exists" in err
    assert f"  {tmp_path / 'nope.xlsx'}: cannot be read" in err  # no placeholder before it
    # and a bad id, and every problem of the folder, with them
    code, _, err = trackfit(
        "pack", "import-framework", str(tmp_path / "nope.xlsx"),
        "--id", "BAD", "--out", str(tmp_path / "gone" / "other"),
    )  # fmt: skip
    assert code == 2 and "4 problems" in err
    assert "--id: 'BAD' is not a pack id" in err
    assert "must be a folder named 'BAD'" in err and "gone is not a folder that exists" in err


def test_a_pack_written_here_under_a_bundled_packs_id_is_validated_by_its_path(
    trackfit, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    template = ROOT / "questionnaires" / "templates" / "framework-template.csv"
    code, out, err = trackfit("pack", "import-framework", str(template), "--id", "engineering")
    assert code == 0, err
    assert "then run `trackfit validate ./engineering`" in out
    # the folder here is validated by its path; the name is still the installed pack
    code, out, _ = trackfit("validate", "./engineering")
    assert code == 0 and out.startswith("./engineering: pack engineering@1 is valid: 66 items")
    code, out, _ = trackfit("validate", "engineering")
    assert code == 0 and "72 items" in out
    samples = ROOT / "questionnaires" / "engineering" / "sample-answers.jsonl"
    code, _, err = trackfit("recommend", "--pack", "engineering", "--input", str(samples))
    assert code == 0, err


def test_a_formula_with_no_value_saved_is_named_as_such_not_as_empty():
    """openpyxl, like other programs, writes a formula without calculating it: the cell reads
    as empty, and the message says why and what to do."""
    rows = template_rows()
    grade = row_of(rows, "grade")
    rows[grade][3] = "=0+1"  # E1's grade as a formula
    problems = problems_of(as_xlsx(rows), "ladder.xlsx")
    assert problems == [
        f"Ladder!D{grade + 1}: holds the formula =0+1 but no value saved with it (the file was "
        "written by a program, or saved without calculating): open it in Excel and save it, or "
        "type the value"
    ]


def test_a_ladder_that_does_not_read_names_the_hidden_sheets_not_read():
    workbook = Workbook()
    workbook.active.title = "Ladder"
    workbook.active.sheet_state = "hidden"
    for row in template_rows():
        workbook.active.append([None if cell == "" else cell for cell in row])
    workbook.create_sheet("Notes").append(["notes", "for the works council"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    problems = problems_of(buffer.getvalue(), "ladder.xlsx")
    assert (
        "ladder.xlsx, sheet Notes: the sheet 'Notes' was read as the ladder; the hidden sheet "
        "'Ladder' was not: if the ladder is on one, unhide it and hide or delete the others"
    ) in problems


def test_a_cell_inside_merged_cells_is_named_as_such_not_as_empty():
    """A merge shows its first cell's value across the others, which the file holds empty:
    two levels' grades merged into one read as a missing grade, and the message says why. An
    empty cell that is the first of its merge, or in no merge, is still just empty."""
    rows = template_rows()
    grade, title = row_of(rows, "grade"), row_of(rows, "title")
    rows[title][5] = ""  # F's title, in no merge
    workbook = Workbook()
    workbook.active.title = "Ladder"
    for row in rows:
        workbook.active.append([None if cell == "" else cell for cell in row])
    workbook.active.merge_cells(f"D{grade + 1}:E{grade + 1}")  # E1 and E2 "share" a grade
    buffer = io.BytesIO()
    workbook.save(buffer)
    problems = problems_of(buffer.getvalue(), "ladder.xlsx")
    assert (
        f"Ladder!E{grade + 1}: is inside the merged cells D{grade + 1}:E{grade + 1}, whose value "
        f"only D{grade + 1} holds: unmerge them and write the value in each cell that needs it"
    ) in problems
    assert any(p.startswith(f"Ladder!F{title + 1}: is empty") for p in problems)


def test_a_broken_shared_part_in_the_packs_folder_is_named_by_its_own_path(tmp_path, monkeypatch):
    """The motivation questionnaire is not made from the sheet: its problem is its file's."""
    shared = tmp_path / "packs" / "shared" / "motivation@1.yaml"
    shared.parent.mkdir(parents=True)
    shared.write_text("id: motivation\nversion: [1\n", encoding="utf-8")
    monkeypatch.setenv("TRACKFIT_PACKS", str(tmp_path / "packs"))
    (problem,) = problems_of(TEMPLATE_CSV)
    assert problem.startswith(f"{shared}:3: is not valid YAML")


def test_a_refused_competency_id_does_not_hide_the_ladders_problems():
    """Its row is still read, so an expectation that falls along a ladder, on that row or
    another, is named in the same pass, the row called by its id as written."""
    rows = template_rows()
    craft, communication = row_of(rows, "craft"), row_of(rows, "communication")
    rows[craft][0] = "Craft!"
    rows[craft][3:5] = ["2: I complete whole pieces of work.", "1: I complete scoped tasks."]
    rows[communication][0] = "craft_depth"  # a construct's id
    problems = problems_of(as_csv(rows))
    at = {problem.split(": ", 1)[0] for problem in problems}
    assert f"ladder.csv:{craft + 1}, column A" in at
    assert f"ladder.csv:{communication + 1}, column A" in at
    falls = [p for p in problems if "E2 expects less than E1 in 'Craft!'" in p]
    assert len(falls) == 2  # on each track, at the cell where it falls
    assert all(p.startswith(f"ladder.csv:{craft + 1}, column E: on track ") for p in falls)
    assert not any("competency_on_row" in problem for problem in problems)


def test_a_competency_named_like_a_stand_in_is_never_taken_for_one():
    rows = template_rows()
    craft, communication = row_of(rows, "craft"), row_of(rows, "communication")
    rows[craft][0] = "Craft!"
    rows[communication][0] = f"competency_on_row_{craft + 1}"  # an id of its own, and valid
    (problem,) = problems_of(as_csv(rows))
    assert problem.startswith(f"ladder.csv:{craft + 1}, column A: 'Craft!' is not a competency")


def test_bytes_that_are_not_utf8_are_named_by_cell_with_the_sheets_other_problems(
    trackfit, tmp_path
):
    """A CSV saved in Latin-1 names each cell holding a byte that is not UTF-8 (not a byte
    offset nobody can find in a spreadsheet), and the ladder's other problems in the same
    pass; one saved as UTF-16 is named so."""
    rows = template_rows()
    title, grade = row_of(rows, "title"), row_of(rows, "grade")
    craft = row_of(rows, "craft")
    rows[grade][3] = "x"
    data = as_csv(rows)
    data = data.replace(b"Associate", b"Associ\xe9te").replace(
        b"with help from others", b"with help from \xabothers\xbb"
    )
    sheet = tmp_path / "ladder.csv"
    command = ("pack", "import-framework", str(sheet), "--id", "example")
    sheet.write_bytes(data)
    code, out, err = trackfit(*command, "--out", str(tmp_path / "example"))
    assert code == 2 and out == "" and "Traceback" not in err
    assert f"ladder.csv:{title + 1}, column D: is not UTF-8 text (byte 0xE9 after 'Associ')" in err
    assert f"ladder.csv:{craft + 1}, column D: is not UTF-8 text (byte 0xAB" in err
    assert f"ladder.csv:{grade + 1}, column D: 'x' is not" in err
    assert "byte 2" not in err and not (tmp_path / "example").exists()
    for encoding in ("utf-16", "utf-16-le"):  # with its byte order mark, and without
        sheet.write_bytes(TEMPLATE_CSV.decode("utf-8-sig").encode(encoding))
        code, _, err = trackfit(*command, "--out", str(tmp_path / "example"))
        assert code == 2 and "ladder.csv: is not UTF-8 text but UTF-16" in err


def _template_with(part: str, before: bytes, added: bytes) -> bytes:
    """The template workbook with `added` written into `part` before `before`, and the part
    listed in the workbook when it is new (shared strings)."""
    with zipfile.ZipFile(TEMPLATES / "framework-template.xlsx") as template:
        parts = {entry.filename: template.read(entry) for entry in template.infolist()}
    if part not in parts:
        parts[part] = before
        parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
            b"</Types>",
            b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
            b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
        )
        parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(
            b"</Relationships>",
            b'<Relationship Id="rIdStrings" Type="http://schemas.openxmlformats.org/'
            b'officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
            b"</Relationships>",
        )
    parts[part] = parts[part].replace(before, added + before)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("part", "before", "written"),
    [
        # a row of 3 million empty cells past the ladder's columns: 12 MB of XML, 30 s before
        (
            "xl/worksheets/sheet2.xml",
            b"</sheetData>",
            (b'<row r="95">', b"<c/>", 3_000_000, b"</row>"),
        ),
        # 2.8 million shared strings, none of them used: 124 KB zipped, 138 s before
        (
            "xl/sharedStrings.xml",
            b"</sst>",
            (
                b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">',
                b"<si><t>a</t></si>",
                2_800_000,
                b"",
            ),
        ),
    ],
)
def test_a_small_workbook_of_millions_of_cells_or_strings_is_refused_at_once(part, before, written):
    """Found by fuzzing the import with workbooks under the size limits: openpyxl reads every
    cell of a row and every shared string, however few are asked for (55 s and 138 s on the
    import page); the parts' XML elements are counted first, and the file refused."""
    opened, repeated, times, closed = written  # built here, not held by the collection
    data = _template_with(part, before, opened + repeated * times + closed)
    (problem,) = problems_of(data, "ladder.xlsx")
    assert problem == (
        "ladder.xlsx: holds more than 100,000 cells, strings and other parts (XML elements; "
        f"passed in '{part}'); a ladder workbook has a few thousand: delete the rows and "
        "columns past the ladder, or save it as CSV"
    )


def test_a_workbook_part_declaring_a_document_type_is_refused_before_it_is_read():
    """An Office Open XML part never declares a DTD; one whose entities expand a few hundred
    KB into gigabytes of text holds no element to count (found reading the change), so any
    declaration is refused before openpyxl parses the part."""
    entities = b'<!DOCTYPE x [<!ENTITY a "' + b"a" * 1000 + b'">]>'
    with zipfile.ZipFile(TEMPLATES / "framework-template.xlsx") as template:
        parts = {entry.filename: template.read(entry) for entry in template.infolist()}
    sheet = "xl/worksheets/sheet2.xml"
    parts[sheet] = entities + parts[sheet]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    (problem,) = problems_of(buffer.getvalue(), "ladder.xlsx")
    assert problem == (
        f"ladder.xlsx: is not an Excel workbook as Excel saves one: its part '{sheet}' declares "
        "a document type (DTD), which a workbook never does; open it in Excel and save it again"
    )
