"""A pack skeleton made from a ladder spreadsheet: written whole and valid, or not at all."""

from __future__ import annotations

import io
import os
import re
import shutil
import tempfile
import zipfile
from pathlib import Path

import yaml

from recommender.errors import PackInvalid, Problem, quoted
from recommender.pack.fields import CLOSE_CALL_FLAG
from recommender.pack.framework_sheet import (
    FrameworkSheetInvalid,
    Ladder,
    PlacedProblem,
    read_ladder,
    refusal,
)
from recommender.pack.loading import PACKS_DIR, load_pack, packs_dir
from recommender.pack.parsing.framework import parse_framework
from recommender.pack.parsing.shared import shared_folders
from recommender.pack.questionnaire import RESERVED_NAMES
from recommender.pack.source import ID_PATTERN, PackSource, ProblemLog

MOTIVATION_PART = "motivation@1"  # the shared part every imported pack takes in
ANCHORED = "anchored"
ABOUT = "about"
LEVEL_RULE = {"max_steps_below": 1, "max_total_shortfall": 2}  # the bundled packs' rule
MAX_PAIRS_NAMED = 2  # equivalent levels a rule's message names
PROBLEM_PATH = re.compile(r"^framework\.yaml(?::\d+)?: (tracks|levels|competencies)(?:\[(\d+)\])?")


def import_framework(data: bytes, file_name: str, pack_id: str, title: str | None) -> dict:
    """The pack files (name -> text) made from a ladder spreadsheet and checked as
    `trackfit validate` checks a pack; FrameworkSheetInvalid names every problem by cell."""
    problem = pack_id_problem(pack_id)
    if problem:
        raise FrameworkSheetInvalid.at("--id", problem)
    ladder = read_ladder(data, file_name, _taken_ids())
    framework_problems = _framework_problems(ladder)
    if ladder.deferred or framework_problems:
        raise refusal(ladder.deferred + framework_problems)
    files = pack_files(ladder, pack_id, title or title_from_id(pack_id))
    _check_valid(files, ladder, pack_id)
    return files


def pack_id_problem(pack_id: str) -> str | None:
    """Why `pack_id` cannot be a pack's id, or None."""
    if ID_PATTERN.match(pack_id) and len(pack_id) <= 64:
        return None
    return (
        f"{pack_id!r} is not a pack id: lower-case letters, digits, '-' and '_', starting with "
        "a letter, at most 64 characters (e.g. data-science)"
    )


def title_from_id(pack_id: str) -> str:
    """`data-science` -> `Data science`."""
    words = re.split(r"[-_]+", pack_id)
    return " ".join(words).capitalize()


def pack_files(ladder: Ladder, pack_id: str, title: str) -> dict[str, str]:
    """The four YAML files of the pack, as text."""
    return {
        "pack.yaml": _dump(
            "Made by `trackfit pack import-framework`; edit the description.",
            {
                "format": 1,
                "id": pack_id,
                "version": 1,
                "title": title,
                "description": _description(ladder, title),
            },
        ),
        "framework.yaml": _dump(
            "Imported from a ladder spreadsheet (format: ../FORMAT.md). Equal grade across "
            "tracks = equivalent level.",
            _framework(ladder),
        ),
        "questionnaire.yaml": _dump(
            "Competency ratings use the spreadsheet's cells as their anchors; the motivation "
            "questions are the shared part every discipline takes in (format: ../FORMAT.md).",
            _questionnaire(ladder, title),
        ),
        "rules.yaml": _dump(
            "The engineering pack's guardrails, at this ladder's branch grade (format: "
            "../FORMAT.md, 'rules.yaml').",
            {"rules": _rules(ladder)},
        ),
    }


def write_pack(files: dict[str, str], out: Path) -> None:
    """Write the pack folder `out` whole: into a temporary folder beside it, then renamed."""
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        folder = staging / out.name
        folder.mkdir()
        for name, text in files.items():
            (folder / name).write_text(text, encoding="utf-8")
        os.rename(folder, out)  # onto a missing or empty folder only; atomic on one disk
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def zipped_pack(files: dict[str, str], pack_id: str) -> bytes:
    """The pack as a zip of its folder, as HR's packs page takes it."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in files.items():
            archive.writestr(f"{pack_id}/{name}", text)
    return buffer.getvalue()


def motivation_parts() -> tuple[dict, list, list]:
    """The motivation questionnaire every discipline shares (scales, constructs, sections):
    none of its own, only the reference to the shared part (FORMAT.md, "Shared parts")."""
    return {}, [], [{"shared": MOTIVATION_PART}]


def _framework(ladder: Ladder) -> dict:
    tracks = []
    for track in ladder.tracks:
        entry = {"id": track.id, "title": track.title}
        if track.description:
            entry["description"] = track.description
        if track.id == "manager":
            entry["branch_grade"] = ladder.branch_grade
        tracks.append(entry)
    competencies = []
    for competency in ladder.competencies:
        entry = {"id": competency.id, "label": competency.label}
        if competency.description:
            entry["description"] = competency.description
        competencies.append(entry)
    levels = []
    for level in ladder.levels:
        entry = {"id": level.id, "title": level.title, "grade": level.grade}
        entry["tracks"] = list(level.tracks)
        if level.summary:
            entry["summary"] = level.summary
        entry["expects"] = {c.id: c.expects[level.id] for c in ladder.competencies}
        levels.append(entry)
    return {
        "tracks": tracks,
        "competencies": competencies,
        "level_rule": dict(LEVEL_RULE),
        "levels": levels,
    }


def _questionnaire(ladder: Ladder, title: str) -> dict:
    scales, constructs, motivation = motivation_parts()
    ratings = {
        "id": "work",
        "title": "Your work today",
        "intro": "Pick the statement that best describes what you actually do most weeks, "
        "not what you could do.",
        "items": [
            {
                "id": f"rate_{competency.id}",
                "kind": ANCHORED,
                "competency": competency.id,
                "text": f"{competency.label}: which statement best describes your typical work "
                "over the last six months?",
                "anchors": [
                    {"value": value, "text": competency.statements[value]}
                    for value in sorted(competency.statements)
                ],
            }
            for competency in ladder.competencies
        ],
    }
    parts = {"scales": scales, "constructs": constructs}  # none when the section is shared
    return {
        **{key: value for key, value in parts.items() if value},
        "sections": [_about(title), *motivation, ratings],
    }


def _about(title: str) -> dict:
    field = _in_sentence(title)
    return {
        "id": ABOUT,
        "title": "About you",
        "intro": "Your current role. This sets where your targets start.",
        "items": [
            {
                "id": "years_experience",
                "kind": "number",
                "context": "years_experience",
                "text": f"How many years have you worked in {field}?",
                "min": 0,
                "max": 60,
            },
            {
                "id": "years_at_level",
                "kind": "number",
                "context": "years_at_level",
                "text": "How many years have you been at your current level?",
                "min": 0,
                "max": 40,
            },
            {
                "id": "direct_reports",
                "kind": "number",
                "context": "direct_reports",
                "text": "How many people report to you directly?",
                "min": 0,
                "max": 500,
            },
            {
                "id": "current_track",
                "kind": "choice",
                "context": "current_track",
                "text": "Which track are you on today?",
                "options_from": "tracks",
            },
            {
                "id": "current_level",
                "kind": "choice",
                "context": "current_level",
                "text": f"What is your current level in {field}?",
                "options_from": "levels",
            },
        ],
    }


def _in_sentence(title: str) -> str:
    """A title inside a sentence: 'Data science' -> 'data science', 'UX research' kept."""
    if len(title) > 1 and title[0].isupper() and not title[1].isupper():
        return title[0].lower() + title[1:]
    return title


def _rules(ladder: Ladder) -> list[dict]:
    branch = ladder.branch_grade
    beside = _at_grade(ladder, branch)
    where = f" ({beside[1]} sits beside {beside[0]})" if beside[0] and beside[1] else ""
    pairs = []
    for grade in sorted({level.grade for level in ladder.levels if level.grade > branch}):
        ic, manager = _at_grade(ladder, grade)
        if ic and manager and ic != manager and len(pairs) < MAX_PAIRS_NAMED:
            pairs.append(f"{ic} is the equal of {manager}")
    equals = f": {', '.join(pairs)}" if pairs else ""
    return [
        {
            "id": "not-yet-manager",
            "priority": 90,
            "when": {"field": "context.current_grade", "lt": branch},
            "then": {"add_flag": "not_yet_manager"},
            "message": f"You are below the grade where the manager track begins{where}. Not "
            "yet: build leadership experience first by mentoring, leading a project end to "
            "end, and running a team ritual, then look at this again.",
        },
        {
            "id": "needs-interest",
            "priority": 80,
            "when": {"field": "constructs.lead_affective", "lt": 2},
            "then": {"choose_track": "ic"},
            "message": "The manager track needs real interest in leading people for its own "
            "sake, and your answers do not show it. The IC track reaches the same "
            f"grades{equals}.",
        },
        {
            "id": "pay-or-status",
            "priority": 70,
            "when": {
                "all": [
                    {"field": "constructs.extrinsic_motive", "ge": 4},
                    {"field": "constructs.lead_affective", "lt": 3.5},
                    {"field": "constructs.develop_others", "lt": 3.5},
                ]
            },
            "then": {"add_flag": "pay_or_status"},
            "message": "Pay, title or status seem to draw you to management more than the "
            "work of leading people does. Management is not a promotion here: the IC track "
            "reaches the same grades and pay bands.",
        },
        {
            "id": "close-call",
            "priority": 20,
            "when": {"field": "model.close_call", "eq": True},
            "then": {"add_flag": CLOSE_CALL_FLAG},
            "message": "Neither track is clearly the better fit: the difference "
            "between your chances on them is within what the model is unsure of. If both "
            "appeal, consider a trial before choosing: lead a project with two or three people "
            "for a quarter, or cover for a manager on leave.",
        },
    ]


def _at_grade(ladder: Ladder, grade: int) -> tuple[str | None, str | None]:
    """The titles of the IC and the manager level at a grade (None where a track has none)."""
    found: dict[str, str] = {}
    for level in ladder.levels:
        if level.grade == grade:
            for track in level.tracks:
                found.setdefault(track, level.title)
    return found.get("ic"), found.get("manager")


def _description(ladder: Ladder, title: str) -> str:
    ic = [level for level in ladder.levels if "ic" in level.tracks]
    manager = [level for level in ladder.levels if level.tracks == ("manager",)]
    if not ic or not manager:
        return f"For people in {_in_sentence(title)}."
    ic_span = f"{min(ic, key=_grade).title} to {max(ic, key=_grade).title}"
    manager_top = max(
        (level for level in ladder.levels if "manager" in level.tracks), key=_grade
    ).title
    manager_span = f"{min(manager, key=_grade).title} to {manager_top}"
    return (
        f"For people in {_in_sentence(title)}, in a company with parallel career tracks: an "
        f"individual-contributor ladder ({ic_span}) beside a people-manager ladder "
        f"({manager_span}) that branches at grade {ladder.branch_grade}."
    )


def _grade(level) -> int:
    return level.grade


def _dump(comment: str, data: dict) -> str:
    body = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
    return f"# {comment}\n{body}"


def _check_valid(files: dict[str, str], ladder: Ladder, pack_id: str) -> None:
    """Validate the pack as `trackfit validate` does, in a throwaway folder; name what is
    wrong with the ladder by the cells it came from."""
    staging = Path(tempfile.mkdtemp(prefix=".trackfit-import-"))
    try:
        folder = staging / pack_id
        folder.mkdir()
        for name, text in files.items():
            (folder / name).write_text(text, encoding="utf-8")
        try:
            load_pack(folder)
        except PackInvalid as invalid:
            raise refusal([_placed(problem, ladder) for problem in invalid.problems]) from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _framework_problems(ladder: Ladder) -> list[PlacedProblem]:
    """The ladder's shape checked as framework.yaml's is, each problem at its cell."""
    log = ProblemLog()
    parse_framework(PackSource("framework.yaml", _framework(ladder), {}, log))
    return [_placed(problem, ladder) for problem in log.listed()]


def _taken_ids() -> dict[str, str]:
    """The ids an imported competency cannot have, with what has them: the context fields
    trackfit asks itself, and the constructs of the shared motivation questionnaire every
    imported pack takes in."""
    taken = dict.fromkeys(RESERVED_NAMES, "a context field trackfit asks itself")
    construct = (
        f"a construct of the motivation questionnaire ({MOTIVATION_PART}) that every imported "
        "pack takes in"
    )
    return taken | dict.fromkeys(_shared_construct_ids(), construct)


def _shared_part_file(name: str) -> Path | None:
    """Where the shared part a problem names (`motivation@1.yaml`) is read from, or None for
    any other name (one of the files made from the sheet)."""
    if name != f"{MOTIVATION_PART}.yaml":
        return None
    for folder in shared_folders(packs_dir(), PACKS_DIR):
        if (folder / name).is_file():
            return folder / name
    return None


def _shared_construct_ids() -> set[str]:
    """The construct ids of the shared motivation part, as the pack will find it (the packs
    folder's copy first); none when it does not read (the pack's validation says why)."""
    path = _shared_part_file(f"{MOTIVATION_PART}.yaml")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) if path else None
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return set()
    constructs = raw.get("constructs") if isinstance(raw, dict) else None
    return {
        entry["id"]
        for entry in (constructs if isinstance(constructs, list) else ())
        if isinstance(entry, dict) and isinstance(entry.get("id"), str)
    }


def _placed(problem: Problem, ladder: Ladder) -> PlacedProblem:
    """A problem of the generated pack named by the spreadsheet cell it came from, a
    competency whose id was refused called as written."""
    place, named = _at_cell(problem, ladder)
    message = named.message
    for competency in ladder.competencies:
        if competency.refused:
            stand_in = re.compile(rf"\b{re.escape(competency.id)}\b")
            message = stand_in.sub(lambda _, c=competency: quoted(c.refused), message)
    return place, Problem(named.where, message)


def _at_cell(problem: Problem, ladder: Ladder) -> PlacedProblem:
    """The sheet's cell (or the file) a problem of the generated pack came from, with the
    problem named by it."""
    grid = ladder.grid
    match = PROBLEM_PATH.match(problem.where)
    whole = (-1, 0)
    name, colon, line = problem.where.partition(":")
    shared = _shared_part_file(name)
    if shared is not None:  # a shared part the pack takes in: its own file, not the sheet
        return whole, Problem(f"{shared}{colon}{line}", problem.message)
    if match is None:
        return whole, Problem(f"{grid.whole()} (generated {problem.where})", problem.message)
    kind, index = match.group(1), match.group(2)
    if kind == "levels" and index is not None and int(index) < len(ladder.levels):
        column = ladder.levels[int(index)].column
        row = _attribute_row(grid, problem, match.end(), ladder)
        return (row, column), Problem(grid.place(row, column), problem.message)
    if kind == "competencies" and index is not None and int(index) < len(ladder.competencies):
        row = ladder.competencies[int(index)].row
        return (row, 0), Problem(grid.place(row, 0), problem.message)
    if kind == "tracks":
        return whole, Problem(f"{grid.whole()}, 'track' and 'branch grade' rows", problem.message)
    return whole, Problem(grid.whole(), problem.message)


def _attribute_row(grid, problem: Problem, end: int, ladder: Ladder) -> int:
    """The row of the sheet a level's attribute (`.grade`, `.tracks`, `.expects.x`) is on; a
    problem with a level's expectations as a whole ("expects less than L3 in x, y") is put
    on the first competency it names."""
    attribute = problem.where[end:].lstrip(".").split(".")
    if attribute[0] == "expects":
        named = attribute[1:] or problem.message.rsplit(" in ", 1)[-1].split(", ")
        for competency in ladder.competencies:
            if competency.id in named:
                return competency.row
    keyword = {"grade": "grade", "tracks": "tracks", "title": "title"}.get(attribute[0], "level")
    for row, cells in enumerate(grid.rows):
        if cells and isinstance(cells[0], str) and cells[0].strip().lower() == keyword:
            return row
    return 0
