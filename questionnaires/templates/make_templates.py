"""Writes the ladder spreadsheet templates (framework-template.xlsx and .csv) from one table.

Run `python questionnaires/templates/make_templates.py` after changing the example; the layout
is documented in ../FORMAT.md, "A ladder in a spreadsheet".
"""

from __future__ import annotations

import csv
import re
import sys
import zipfile
from datetime import datetime
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill

HERE = Path(__file__).resolve().parent
FIXED_TIME = datetime(2026, 1, 1)  # document times, so that the same rows make the same file

# A small but complete ladder: a trunk of two levels, an IC and a manager branch at grade 3,
# three competencies, every proficiency 1-5 described, and a "more statements" column for the
# proficiencies no level expects.
EXAMPLE = [
    ["track", "ic", "Individual contributor", "Grows by the depth and reach of their own work."],
    ["track", "manager", "People manager", "Grows by building teams and the people in them."],
    ["branch grade", 3],
    [],
    ["level", None, None, "E1", "E2", "E3", "E4", "EM3", "EM4", "more statements"],
    [
        "title",
        None,
        None,
        "Associate",
        "Practitioner",
        "Senior",
        "Staff",
        "Manager",
        "Senior Manager",
    ],
    ["grade", None, None, 1, 2, 3, 4, 3, 4],
    ["tracks", None, None, "ic, manager", "ic, manager", "ic", "ic", "manager", "manager"],
    [
        "summary",
        None,
        None,
        "Learns the work with guidance.",
        "Works on their own.",
        "Owns a large area of the work.",
        "Sets direction across several teams.",
        "Runs one team.",
        "Leads several teams through their leads.",
    ],
    [],
    ["competency", "label", "description"],
    [
        "craft",
        "Craft",
        "The quality of the work you make yourself.",
        "1: I complete well-scoped tasks with help from others.",
        "2: I complete whole pieces of work without help.",
        "4: People from several teams bring me their hardest problems.",
        "5: My work changes how the whole organisation does its craft.",
        "3: I know the craft well enough to judge my team's work and coach it.",
        "3",
    ],
    [
        "communication",
        "Communication",
        "Making ideas, plans and problems clear.",
        "1: I explain my own work to my team when asked.",
        "2: I present my work and handle questions about it.",
        "3: I explain plans and trade-offs to partner teams.",
        "4: I win support for a direction from senior leaders.",
        "3",
        "4",
        "5: I explain the organisation's direction to the whole company.",
    ],
    [
        "people_leadership",
        "People leadership",
        "Running a team: 1:1s, feedback, careers.",
        "1: I have not yet been responsible for other people's work.",
        "2: I lead a small piece of work with one or two others.",
        "2",
        "3: I mentor several people and lead a project group.",
        "3: I run 1:1s, give feedback and handle performance for a team.",
        "5: I lead several teams through their leads and grow those leads.",
        "4: I manage a large team or lead a few other leads.",
    ],
]

# The data science ladder (questionnaires/data-science/framework.xlsx), made into that pack with
# `trackfit pack import-framework`. Only the first cell of each proficiency carries its
# statement (the leftmost is the one used); later cells of the same proficiency hold the number.
DATA_SCIENCE = [
    [
        "track",
        "ic",
        "Individual contributor",
        "Grows by the depth and reach of their own analysis and modelling.",
    ],
    ["track", "manager", "People manager", "Grows by building data teams and the people in them."],
    ["branch grade", 3],
    [],
    [
        "level",
        None,
        None,
        "DS1",
        "DS2",
        "DS3",
        "DS4",
        "DS5",
        "DSM3",
        "DSM4",
        "DSM5",
        "more statements",
    ],
    [
        "title",
        None,
        None,
        "Data Scientist I",
        "Data Scientist II",
        "Senior Data Scientist",
        "Staff Data Scientist",
        "Principal Data Scientist",
        "Data Science Manager",
        "Senior Data Science Manager",
        "Head of Data Science",
    ],
    ["grade", None, None, 1, 2, 3, 4, 5, 3, 4, 5],
    [
        "tracks",
        None,
        None,
        "ic, manager",
        "ic, manager",
        "ic",
        "ic",
        "ic",
        "manager",
        "manager",
        "manager",
    ],
    [
        "summary",
        None,
        None,
        "Answers well-framed questions with data, with guidance.",
        "Owns analyses and models for a team's questions from start to finish.",
        "Owns the data science of a product area and raises the team's bar.",
        "Sets the direction of methods and models across several teams.",
        "Shapes how the company learns from data and builds with models.",
        "Runs one data science team: its people, its work and its health.",
        "Leads several data teams or a large one, and grows other leads.",
        "Leads data science for the company through its managers.",
    ],
    [],
    ["competency", "label", "description"],
    [
        "statistics",
        "Statistics and experimentation",
        "Choosing sound methods, designing experiments and saying how sure a result is.",
        "1: I run analyses others have designed and check my numbers with a colleague.",
        "2: I choose a sound method for my own analyses and say how sure the result is.",
        "3: I design and read the experiments for a product area, pitfalls included.",
        "4: People from several teams bring me their hardest questions of inference and design.",
        "5: I set how the company experiments and decides from evidence.",
        3,
        3,
        4,
    ],
    [
        "machine_learning",
        "Machine learning",
        "Building, evaluating and running models that hold up in use.",
        "1: I train and evaluate standard models on prepared data with guidance.",
        "2: I build, evaluate and explain a model for a well-defined problem on my own.",
        "3: I take models from idea to production for my team and watch how they behave.",
        "4: I shape the modelling approach across several teams and catch flawed evaluations.",
        "5: I set the company's direction in machine learning and am known for it outside it.",
        2,
        3,
        3,
    ],
    [
        "data_engineering",
        "Data engineering judgement",
        "Knowing how data is collected, moved and stored, and when to trust it.",
        "1: I write queries and notebooks that others can rerun.",
        "2: I build reliable pipelines for my own work and test the data they read.",
        "3: I decide how my team's data is modelled, stored and checked.",
        "4: I steer data platform choices across several teams.",
        4,
        2,
        3,
        3,
        "5: I shape how the whole company collects, stores and trusts its data.",
    ],
    [
        "product_impact",
        "Product impact",
        "Turning analysis and models into better decisions and products.",
        "1: I answer well-defined questions that others have framed.",
        "2: I turn a vague product question into one my analysis can answer.",
        "3: My work changes what my product area builds.",
        "4: I find the questions that change the plans of several teams.",
        "5: My work shapes the company's product and business strategy.",
        3,
        4,
        5,
    ],
    [
        "communication",
        "Communication",
        "Making findings, their limits and what to do about them clear.",
        "1: I explain my own analyses to my team.",
        "2: I present findings and their limits to partners outside data science.",
        "3: I tell the story behind the numbers so that decision-makers act on it.",
        "4: I win support from senior leaders for conclusions they did not expect.",
        "5: I explain what the data says about the company's direction to the whole company.",
        3,
        4,
        5,
    ],
    [
        "collaboration",
        "Collaboration",
        "Moving work forward with engineers, product people and other teams.",
        "1: I work well with the engineers and product people on my tasks.",
        1,
        "2: I agree priorities and hand-offs with engineering and product partners.",
        "3: I bring other teams along on changes to shared data or methods.",
        "4: I get several departments to agree on shared metrics and definitions.",
        3,
        4,
        "5: I change how the whole company works with data.",
    ],
    [
        "people_leadership",
        "People leadership",
        "Running a team: 1:1s, feedback, performance, hiring and careers.",
        "1: I have not yet been responsible for other people's work.",
        1,
        1,
        "2: I mentor other data scientists and review their work.",
        2,
        "3: I run 1:1s, give feedback and handle performance for a team of data scientists.",
        "4: I manage other managers or a large team, and grow its leads.",
        "5: I lead a data organisation through its managers.",
    ],
    [
        "strategy",
        "Strategy",
        "Choosing what to work on and why, over quarters and years.",
        "1: I work on the priorities I am given.",
        1,
        "2: I suggest what my team should work on next, and why.",
        "3: I shape my product area's plans for the next few quarters.",
        "4: I set the direction of data science methods for the year ahead.",
        2,
        3,
        "5: I set the data strategy the company runs on.",
    ],
]

READ_ME = [
    "How to describe a career ladder for trackfit",
    "",
    "Fill in the sheet 'Ladder' (keep its name), then run:",
    "    trackfit pack import-framework ladder.xlsx --id your-discipline --title 'Your discipline'",
    "or upload it on HR > Packs > Import a ladder. trackfit lists every problem by its cell.",
    "",
    "Column A says what each row holds:",
    "  track         two rows: track | ic | title | description, and track | manager | ...",
    "  branch grade  the grade of the first level on the manager track alone (no junior managers)",
    "  level         one level id per column from column D on (e.g. E1, EM3)",
    "  title         each level's title",
    "  grade         each level's grade: equal grades on the two tracks are equivalent levels",
    "  tracks        'ic, manager' for the shared trunk (and a converged top), else ic or manager",
    "  summary       optional: each level in one sentence",
    "  competency    a header row; below it one row per competency:",
    "                id (lower_case) | label | description | one cell per level",
    "",
    "Each competency cell: the proficiency that level expects, 1-5, then what it looks like,",
    "written as the person would say it:",
    "    3: I explain plans and trade-offs to partner teams.",
    "Those descriptions become the statements people pick from in the self-assessment, one per",
    "proficiency. When several levels expect the same proficiency, the leftmost cell's",
    "description is used, so later cells may hold the number alone.",
    "A proficiency no level expects still needs a statement: put it in the 'more statements'",
    "column, one line per proficiency ('5: ...').",
    "",
    "Along each ladder no expectation may go down, and each step up must ask for at least two",
    "more steps in one competency, or three in total.",
    "",
    "A CSV holds the same rows as the 'Ladder' sheet (save as 'CSV UTF-8').",
    "The advice trackfit gives from a ladder is advice to a person, never a decision.",
]


def write_workbook(rows: list[list[object]], path: Path, read_me: list[str] = READ_ME) -> None:
    """An XLSX with a 'Read me' sheet and the 'Ladder' sheet holding `rows`."""
    workbook = Workbook()
    notes = workbook.active
    notes.title = "Read me"
    notes.column_dimensions["A"].width = 100
    for line in read_me:
        notes.append([line])
    notes["A1"].font = Font(bold=True, size=14)
    ladder = workbook.create_sheet("Ladder")
    for row in rows:
        ladder.append(row)
    keyword_fill = PatternFill("solid", start_color="DDE7F0")
    for cells in ladder.iter_rows():
        if cells and cells[0].value in ("level", "competency"):
            for cell in cells:
                cell.font = Font(bold=True)
        if cells and cells[0].value:
            cells[0].fill = keyword_fill
        for cell in cells:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    ladder.column_dimensions["A"].width = 20
    ladder.column_dimensions["B"].width = 24
    ladder.column_dimensions["C"].width = 32
    for letter in "DEFGHIJKLMNOPQRSTUVWXYZ":
        ladder.column_dimensions[letter].width = 30
    ladder.freeze_panes = "D1"
    workbook.active = 1
    workbook.properties.creator = "trackfit"
    workbook.properties.created = FIXED_TIME
    workbook.save(path)
    _fix_zip_times(path)


def _fix_zip_times(path: Path) -> None:
    """Rewrite the zip with one fixed time on every entry: openpyxl stamps the time of saving,
    and a template committed to git should change only when its content does."""
    with zipfile.ZipFile(path) as archive:
        entries = [(info.filename, archive.read(info)) for info in archive.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, stamped in entries:
            content = stamped
            if name == "docProps/core.xml":  # openpyxl stamps the saving time as 'modified'
                content = re.sub(
                    rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>2026-01-01T00:00:00Z", stamped
                )
            info = zipfile.ZipInfo(name, date_time=FIXED_TIME.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, content)


def write_csv(rows: list[list[object]], path: Path) -> None:
    """The same rows as one CSV sheet, UTF-8 with the byte-order mark Excel looks for."""
    with path.open("w", encoding="utf-8-sig", newline="") as stream:
        csv.writer(stream, lineterminator="\n").writerows(
            [["" if cell is None else cell for cell in row] for row in rows]
        )


def main() -> int:
    write_workbook(EXAMPLE, HERE / "framework-template.xlsx")
    write_csv(EXAMPLE, HERE / "framework-template.csv")
    write_workbook(DATA_SCIENCE, HERE.parent / "data-science" / "framework.xlsx")
    return 0


if __name__ == "__main__":
    sys.exit(main())
