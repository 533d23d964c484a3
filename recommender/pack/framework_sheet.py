"""Reading a career ladder kept in a spreadsheet (XLSX or CSV), every problem named by its cell."""

from __future__ import annotations

import codecs
import csv
import io
import re
import warnings
import zipfile
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from recommender.errors import Problem, TrackfitError, quoted
from recommender.pack.framework import PROFICIENCY_MAX, PROFICIENCY_MIN, TRACK_IDS
from recommender.pack.saved_text import csv_records, saved_as_utf16
from recommender.pack.source import HIDDEN_CHARACTERS, ID_PATTERN, LEVEL_ID_PATTERN

# Limits far above a real ladder (the bundled ones have 12 levels and 9 competencies) that
# keep a hostile file cheap: a generated questionnaire stays under the pack loader's 256 KB.
MAX_FILE_BYTES = 5 * 1024 * 1024  # an XLSX with styles is tens of KB
MAX_UNZIPPED_BYTES = 50 * 1024 * 1024  # what an XLSX may expand to before openpyxl reads it
MAX_ZIP_ENTRIES = 500
# XML elements (cells, strings, styles) in a workbook's parts: the template has 816, and a
# ladder of 100 rows of 50 cells with its strings tens of thousands. openpyxl reads every cell
# of a row and every shared string, however many are asked for, at about 25 us an element:
# 45 MB of cells compress to 96 KB and were 55 s, 2.8 million shared strings 138 s
MAX_XML_ELEMENTS = 100_000
MAX_ROWS = 100
MAX_COLUMNS = 50
# Columns of a workbook read to find content past MAX_COLUMNS: read-only openpyxl pads each row
# to the width asked for, and the width a workbook claims (up to 16,384) is not to be trusted
XLSX_COLUMNS_READ = 4 * MAX_COLUMNS
MAX_LEVELS = 40
MAX_COMPETENCIES = 40
MAX_CELL_CHARACTERS = 500
MAX_PROBLEMS = 100
SHEET = "Ladder"
UNREADABLE = "\x00unreadable"  # a column A cell whose problem is already listed
MORE_STATEMENTS = "more statements"
LEVEL_ROWS = ("title", "grade", "tracks", "summary")
REQUIRED_LEVEL_ROWS = ("title", "grade", "tracks")
KEYWORDS = ("track", "branch grade", "level", *LEVEL_ROWS, "competency")
FIRST_LEVEL_COLUMN = 3  # D: columns A-C name the row (keyword or competency id, label, description)
PROFICIENCY_CELL = re.compile(r"\s*(\d+)(?:\s*[:.)\u2013\u2014-]\s*|\s+|$)(.*)", re.DOTALL)
SPREADSHEET_ERROR = re.compile(r"#(?:NULL!|DIV/0!|VALUE!|REF!|NAME\?|NUM!|N/A|GETTING_DATA|SPILL!)")
XLSX_SUFFIXES = (".xlsx", ".xlsm")
CSV_SUFFIXES = (".csv",)
# What openpyxl may raise on a file that is a zip but not a workbook it can read: it has no
# single error type, and the file is a stranger's. Our own code never runs inside this call.
UNREADABLE_WORKBOOK = (Exception,)
# A zip, or a part of one, that Python's zipfile cannot read: damaged (a bad header, CRC or
# stream), cut short, or claiming a version or method it does not read ("zip file version 6.4")
UNREADABLE_ZIP = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    NotImplementedError,
    RuntimeError,
    OSError,
    EOFError,
    ValueError,
    zlib.error,
)


PlacedProblem = tuple[tuple[int, int], Problem]  # ((row, column), problem), to sort by place


class FrameworkSheetInvalid(TrackfitError):
    """A ladder spreadsheet that cannot become a pack, with every problem by sheet, row and
    column."""

    headline = "spreadsheet cannot be imported"

    @classmethod
    def at(cls, where: str, message: str) -> FrameworkSheetInvalid:
        """A refusal for one problem at one place."""
        return cls(Problem(where, message))


@dataclass(frozen=True)
class SheetTrack:
    """One track row: `track | ic | title | description`."""

    id: str
    title: str
    description: str
    place: str


@dataclass(frozen=True)
class SheetLevel:
    """One level column."""

    id: str
    title: str
    grade: int
    tracks: tuple[str, ...]
    summary: str
    column: int  # 0-based


@dataclass(frozen=True)
class SheetCompetency:
    """One competency row: its expectation per level id and its statement per proficiency."""

    id: str
    label: str
    description: str
    expects: dict[str, int]
    statements: dict[int, str]  # proficiency -> behavioural statement, 1..5
    row: int  # 0-based
    refused: str = ""  # the id as written, where it cannot be one (`id` is then a stand-in)


@dataclass
class Ladder:
    """Everything a ladder spreadsheet says, read and checked, with where each part came from."""

    tracks: list[SheetTrack]
    branch_grade: int
    levels: list[SheetLevel]
    competencies: list[SheetCompetency]
    grid: Grid = field(repr=False)
    # Problems that leave the ladder readable (the rating statements; competency ids refused,
    # their rows read under a stand-in id): the framework can still be checked, so that its
    # problems are listed in the same pass
    deferred: list[PlacedProblem] = field(default_factory=list)


class Grid:
    """One sheet's cells as rows of values, and how its places are named in messages."""

    def __init__(self, rows: list[list[object]], file_name: str, sheet: str | None):
        self.rows = rows
        self.file_name = file_name
        self.sheet = sheet  # None for a CSV, which is one sheet with no name
        self.hidden: list[str] = []  # a workbook's hidden sheets, never read
        self.part: str | None = None  # a workbook sheet's XML inside the zip, when known
        self.undecoded: list[PlacedProblem] = []  # a CSV's cells holding bytes not UTF-8

    def place(self, row: int, column: int | None = None) -> str:
        """`Ladder!D7` for a workbook, `ladder.csv:7, column D` for a CSV (0-based in)."""
        if self.sheet is None:
            where = f"{self.file_name}:{row + 1}"
            return where if column is None else f"{where}, column {column_letter(column)}"
        sheet = self.sheet if re.fullmatch(r"\w+", self.sheet) else f"'{self.sheet}'"
        return f"{sheet}!{column_letter(column or 0)}{row + 1}"

    def whole(self) -> str:
        """The sheet itself, for a problem that has no one cell."""
        return self.file_name if self.sheet is None else f"{self.file_name}, sheet {self.sheet}"

    def value(self, row: int, column: int) -> object:
        cells = self.rows[row]
        return cells[column] if column < len(cells) else None


def column_letter(column: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    column += 1
    while column:
        column, rest = divmod(column - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def read_ladder(data: bytes, file_name: str, taken: Mapping[str, str] | None = None) -> Ladder:
    """Read a ladder from an XLSX or CSV file's bytes; raise FrameworkSheetInvalid naming
    every problem by its place. `taken` maps the ids a competency cannot have to what has
    them ("a context field trackfit asks itself")."""
    grid = read_grid(data, file_name)
    reader = _LadderReader(grid, taken or {})
    ladder = reader.read()
    if reader.found or grid.undecoded or ladder is None:
        if grid.hidden:  # the ladder may be on a sheet nobody sees: say which were not read
            named = ", ".join(map(repr, grid.hidden[:10]))
            which = f"sheet {named} was" if len(grid.hidden) == 1 else f"sheets {named} were"
            reader.sheet_problem(
                f"the sheet {grid.sheet!r} was read as the ladder; the hidden {which} not: if "
                "the ladder is on one, unhide it and hide or delete the others"
            )
        found = _formulas_named(grid.undecoded + reader.found + reader.deferred, data, grid)
        raise refusal(_merges_named(found, data, grid))
    return ladder


def _formulas_named(found: list[PlacedProblem], data: bytes, grid: Grid) -> list[PlacedProblem]:
    """The problems, each "is empty" of a cell that holds a formula with no value saved with
    it said as such: a file a program wrote, or one saved without calculating, reads as empty
    there (looked for only in a workbook that is refused, and only if a cell is empty)."""
    empty = [place for place, problem in found if problem.message.startswith("is empty")]
    unsaved = _unsaved_formulas(data, grid) if grid.sheet is not None and empty else {}
    return [
        (
            place,
            Problem(
                problem.where,
                f"holds the formula {unsaved[place]} but no value saved with it (the file was "
                "written by a program, or saved without calculating): open it in Excel and "
                "save it, or type the value",
            ),
        )
        if place in unsaved and problem.message.startswith("is empty")
        else (place, problem)
        for place, problem in found
    ]


def _merges_named(found: list[PlacedProblem], data: bytes, grid: Grid) -> list[PlacedProblem]:
    """The problems, each "is empty" of a cell inside merged cells (but not the first of them,
    which holds their value) said as such: a merge shows one value across its cells, and every
    cell but the first is empty in the file (looked for only in a refused workbook with an
    empty cell)."""
    if grid.part is None or not any(p.message.startswith("is empty") for _, p in found):
        return found
    merges = _merged_ranges(data, grid.part)
    named = []
    for (row, column), problem in found:
        merge = next(
            (
                (top, left, bottom, right)
                for top, left, bottom, right in merges
                if top <= row <= bottom and left <= column <= right and (row, column) != (top, left)
            ),
            None,
        )
        said = problem
        if merge and problem.message.startswith("is empty"):
            first = f"{column_letter(merge[1])}{merge[0] + 1}"
            last = f"{column_letter(merge[3])}{merge[2] + 1}"
            said = Problem(
                problem.where,
                f"is inside the merged cells {first}:{last}, whose value only {first} holds: "
                "unmerge them and write the value in each cell that needs it",
            )
        named.append(((row, column), said))
    return named


def _merged_ranges(data: bytes, part: str) -> list[tuple[int, int, int, int]]:
    """The sheet's merged ranges as 0-based (first row, first column, last row, last column),
    read from its XML; none when it cannot be read (the values stand, only the hint is lost)."""
    from xml.etree.ElementTree import ParseError, iterparse  # noqa: PLC0415 - refusals only

    from openpyxl.utils.cell import range_boundaries  # noqa: PLC0415 - only an XLSX needs it

    ranges = []
    try:
        with (
            zipfile.ZipFile(io.BytesIO(data)) as archive,
            archive.open(part.lstrip("/")) as xml,
        ):
            for _, element in iterparse(xml):
                if element.tag.rsplit("}", 1)[-1] == "mergeCell":
                    left, top, right, bottom = range_boundaries(element.get("ref", ""))
                    ranges.append((top - 1, left - 1, bottom - 1, right - 1))
                element.clear()
    except (KeyError, ParseError, TypeError, *UNREADABLE_ZIP):
        return []  # the merged cells are a hint beside problems already found
    return ranges


def refusal(found: list[PlacedProblem]) -> FrameworkSheetInvalid:
    """Every problem in sheet order, as a person fixes them: the sheet as a whole first, then
    row by row, left to right."""
    ordered = [problem for _, problem in sorted(found, key=lambda entry: entry[0])]
    return FrameworkSheetInvalid(ordered[:MAX_PROBLEMS], max(0, len(ordered) - MAX_PROBLEMS))


def read_grid(data: bytes, file_name: str) -> Grid:
    """The ladder sheet's cells, within the size limits, or FrameworkSheetInvalid."""
    lowered = file_name.lower()
    if len(data) > MAX_FILE_BYTES:
        raise FrameworkSheetInvalid.at(
            file_name,
            f"is {len(data):,} bytes; a ladder spreadsheet is at most "
            f"{MAX_FILE_BYTES // (1024 * 1024)} MB",
        )
    if lowered.endswith(XLSX_SUFFIXES):
        return _read_workbook(data, file_name)
    if lowered.endswith(CSV_SUFFIXES):
        return _read_csv(data, file_name)
    raise FrameworkSheetInvalid.at(file_name, "give an Excel workbook (.xlsx) or a CSV file (.csv)")


DELIMITER_LINES = 20  # lines of a CSV file read to tell its separator


SAVE_AS_UTF8 = "in Excel save it as 'CSV UTF-8 (comma delimited)'"
UNDECODED = re.compile("[\udc80-\udcff]")  # a byte that is not UTF-8, as Python keeps it


def _read_csv(data: bytes, file_name: str) -> Grid:
    if saved_as_utf16(data):
        raise FrameworkSheetInvalid.at(file_name, f"is not UTF-8 text but UTF-16; {SAVE_AS_UTF8}")
    # Excel's "CSV UTF-8" starts with a byte-order mark; a byte that is not UTF-8 is kept, to
    # be named by its cell with the sheet's other problems
    text = data.removeprefix(codecs.BOM_UTF8).decode("utf-8", errors="surrogateescape")
    delimiter = _delimiter(text)
    rows: list[list[object]] = []
    reader = csv_records(text, delimiter=delimiter)
    try:
        for cells in reader:
            if len(rows) >= MAX_ROWS and any(cell.strip() for cell in cells):
                raise FrameworkSheetInvalid.at(*_too_many_rows(f"{file_name}:{reader.line_num}"))
            rows.append([cell if cell.strip() else None for cell in cells])
    except csv.Error as error:
        raise FrameworkSheetInvalid.at(
            f"{file_name}:{reader.line_num}", f"is not CSV trackfit can read ({error})"
        ) from None
    grid = _bounded(Grid(rows, file_name, None))
    for row, cells in enumerate(grid.rows):
        for column, cell in enumerate(cells):
            byte = UNDECODED.search(cell) if isinstance(cell, str) else None
            if byte is None:
                continue
            before = cell[: byte.start()].strip()[-20:]
            said = f"after {quoted(before)}" if before else "at the start of the cell"
            message = f"is not UTF-8 text (byte 0x{ord(byte.group()) - 0xDC00:02X} {said})"
            first = not grid.undecoded
            grid.undecoded.append(
                (
                    (row, column),
                    Problem(
                        grid.place(row, column), message + (f"; {SAVE_AS_UTF8}" if first else "")
                    ),
                )
            )
            cells[column] = UNDECODED.sub("\ufffd", cell)
    return grid


def _delimiter(text: str) -> str:
    """The separator of a CSV file: Excel in many European locales writes semicolons (the
    comma is their decimal mark) and leaves a comma in a cell unquoted, so one line is no
    guide. The one that splits more of the first lines into cells is the file's."""
    lines = [line for line in text.splitlines() if line.strip()][:DELIMITER_LINES]

    def splits(delimiter: str) -> int:
        """How many of the lines this separator splits; a line it cannot read splits none
        (the file's reader names it)."""
        records = csv_records("\n".join(lines), delimiter=delimiter)
        split = 0
        while True:
            try:
                split += len(next(records)) > 1
            except StopIteration:
                return split
            except csv.Error:
                continue

    return ";" if splits(";") > splits(",") else ","


def _read_workbook(data: bytes, file_name: str) -> Grid:
    _check_zip(data, file_name)
    with warnings.catch_warnings():
        # openpyxl warns of workbook features it drops (data validation, extensions, no default
        # style): none of them is a cell's value, so none matters to a ladder
        warnings.simplefilter("ignore")
        return _read_ladder_sheet(data, file_name)


def _read_ladder_sheet(data: bytes, file_name: str) -> Grid:
    from openpyxl import load_workbook  # noqa: PLC0415 - only an XLSX needs it, not a pack

    try:
        # read_only streams the sheet instead of building every cell; data_only gives the value
        # a formula last calculated to, never the formula
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except UNREADABLE_WORKBOOK as error:
        raise FrameworkSheetInvalid.at(
            file_name, f"is not an Excel workbook trackfit can read ({_reason(error)})"
        ) from None
    try:
        sheet, hidden = _ladder_sheet(workbook, file_name)
        rows: list[list[object]] = []
        try:
            for row_number, cells in enumerate(
                sheet.iter_rows(max_col=XLSX_COLUMNS_READ, values_only=True), start=1
            ):
                if len(rows) >= MAX_ROWS:
                    if any(_has_content(cell) for cell in cells):
                        raise FrameworkSheetInvalid.at(
                            *_too_many_rows(Grid([], file_name, sheet.title).place(row_number - 1))
                        )
                    if row_number > 20 * MAX_ROWS:
                        break  # only formatting this far down; what follows is not read
                    continue
                rows.append([cell if _has_content(cell) else None for cell in cells])
        except FrameworkSheetInvalid:
            raise
        except UNREADABLE_WORKBOOK as error:
            raise FrameworkSheetInvalid.at(
                file_name, f"sheet {sheet.title} cannot be read ({_reason(error)})"
            ) from None
        grid = _bounded(Grid(rows, file_name, sheet.title))
        grid.hidden = hidden
        # where openpyxl found the sheet's XML (not public; without it merges go unnamed)
        grid.part = getattr(sheet, "_worksheet_path", None)
    finally:
        workbook.close()
    return grid


def _unsaved_formulas(data: bytes, grid: Grid) -> dict[tuple[int, int], str]:
    """The cells that hold a formula but no value: a file a program wrote, or one saved
    without calculating, reads as empty there; the message should say why."""
    from openpyxl import load_workbook  # noqa: PLC0415 - only an XLSX needs it

    found: dict[tuple[int, int], str] = {}
    if not grid.rows:
        return found
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except UNREADABLE_WORKBOOK:  # read once already: the values stand, only the hint is lost
        return found
    try:
        rows = workbook[grid.sheet].iter_rows(
            max_row=len(grid.rows), max_col=MAX_COLUMNS, values_only=True
        )
        for row, cells in enumerate(rows):
            for column, cell in enumerate(cells):
                formula = isinstance(cell, str) and cell.startswith("=")
                if formula and grid.value(row, column) is None:
                    found[(row, column)] = cell if len(cell) <= 30 else cell[:29] + "…"
    except UNREADABLE_WORKBOOK:
        return {}
    finally:
        workbook.close()
    return found


def _check_zip(data: bytes, file_name: str) -> None:
    """An XLSX is a zip: refuse one that is not, or that would expand past the limit."""
    try:
        entries = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except UNREADABLE_ZIP:
        raise FrameworkSheetInvalid.at(
            file_name,
            "is not an Excel workbook (an .xlsx file is a zip, and this is not "
            "one); save the spreadsheet as 'Excel Workbook (.xlsx)' or as CSV",
        ) from None
    if len(entries) > MAX_ZIP_ENTRIES:
        raise FrameworkSheetInvalid.at(
            file_name, f"holds {len(entries):,} parts; a workbook has a few dozen"
        )
    if sum(entry.file_size for entry in entries) > MAX_UNZIPPED_BYTES:
        raise FrameworkSheetInvalid.at(
            file_name,
            f"expands to more than {MAX_UNZIPPED_BYTES // (1024 * 1024)} MB; "
            "a ladder workbook is far smaller",
        )
    _check_elements(data, file_name)


class _TooManyElements(Exception):
    """Raised from inside the XML parser's handler to stop counting at the limit."""


class _Doctype(Exception):
    """Raised from inside the XML parser's handler at a document type declaration."""


def _check_elements(data: bytes, file_name: str) -> None:
    """Refuse a workbook whose parts hold more than MAX_XML_ELEMENTS XML elements in all,
    counted by streaming each part (whatever its name: a part's name need not say it is XML)
    until the count is passed, or any part with a document type declaration (an Office Open
    XML part never has one; its entities could expand a few hundred KB into gigabytes of
    text, with no element to count, here and again in openpyxl); a part that is not XML, or
    cannot be unzipped, is left for openpyxl to refuse."""
    from xml.parsers import expat  # noqa: PLC0415 - only an XLSX needs it

    counted = 0

    def element(*_) -> None:
        nonlocal counted
        counted += 1
        if counted > MAX_XML_ELEMENTS:
            raise _TooManyElements

    def doctype(*_) -> None:
        raise _Doctype

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for entry in archive.infolist():
            parser = expat.ParserCreate()
            parser.StartElementHandler = element
            parser.StartDoctypeDeclHandler = doctype
            parser.EntityDeclHandler = doctype
            try:
                with archive.open(entry) as part:
                    while chunk := part.read(64 * 1024):
                        parser.Parse(chunk, False)
                    parser.Parse(b"", True)
            except _TooManyElements:
                raise FrameworkSheetInvalid.at(
                    file_name,
                    f"holds more than {MAX_XML_ELEMENTS:,} cells, strings and other parts "
                    f"(XML elements; passed in {quoted(entry.filename)}); a ladder workbook "
                    "has a few thousand: delete the rows and columns past the ladder, or save "
                    "it as CSV",
                ) from None
            except _Doctype:
                raise FrameworkSheetInvalid.at(
                    file_name,
                    f"is not an Excel workbook as Excel saves one: its part "
                    f"{quoted(entry.filename)} declares a document type (DTD), which a "
                    "workbook never does; open it in Excel and save it again",
                ) from None
            except (expat.ExpatError, *UNREADABLE_ZIP):
                continue  # not XML, or not readable: openpyxl names it if it needs the part


def _ladder_sheet(workbook, file_name: str):
    """The sheet named Ladder, or the one sheet besides Read me, and the hidden sheets: a
    hidden sheet is never read (an old copy kept out of sight is not the ladder people see and
    edit)."""
    hidden = [name for name in workbook.sheetnames if workbook[name].sheet_state != "visible"]
    names = [name for name in workbook.sheetnames if name not in hidden]
    for name in names:
        if name.strip().lower() == SHEET.lower():
            return workbook[name], hidden
    others = [name for name in names if name.strip().lower() != "read me"]
    if len(others) == 1:
        return workbook[others[0]], hidden
    listed = ", ".join(repr(name) for name in names[:10]) or "none"
    said = f"; hidden, and not read: {', '.join(map(repr, hidden[:10]))}" if hidden else ""
    raise FrameworkSheetInvalid.at(
        file_name,
        f"has no visible sheet named '{SHEET}' (its visible sheets: {listed}{said}); "
        f"name the sheet that holds the ladder '{SHEET}'",
    )


def _bounded(grid: Grid) -> Grid:
    """Refuse a sheet wider than any ladder; trim trailing empty rows and cells."""
    for row, cells in enumerate(grid.rows):
        beyond = [c for c in range(MAX_COLUMNS, len(cells)) if _has_content(cells[c])]
        if beyond:
            raise FrameworkSheetInvalid.at(
                grid.place(row, beyond[0]),
                f"the sheet has more than {MAX_COLUMNS} "
                f"columns; a ladder has at most {MAX_LEVELS} levels",
            )
        del cells[MAX_COLUMNS:]
        while cells and cells[-1] is None:
            cells.pop()
    while grid.rows and not grid.rows[-1]:
        grid.rows.pop()
    return grid


def _too_many_rows(place: str) -> tuple[str, str]:
    return place, f"the sheet has more than {MAX_ROWS} rows; a ladder needs far fewer"


def _has_content(cell: object) -> bool:
    return cell is not None and not (isinstance(cell, str) and not cell.strip())


def _reason(error: Exception) -> str:
    text = str(error).strip() or type(error).__name__
    return text if len(text) <= 120 else text[:117] + "..."


class _LadderReader:
    """Reads the layout (questionnaires/FORMAT.md, "A ladder in a spreadsheet") out of a grid."""

    def __init__(self, grid: Grid, taken: Mapping[str, str]):
        self.grid = grid
        self.taken = taken
        self.found: list[PlacedProblem] = []
        self.deferred: list[PlacedProblem] = []
        self._sink = self.found

    @property
    def problems(self) -> bool:
        return bool(self.found)

    def problem(self, row: int, column: int | None, message: str) -> None:
        self._sink.append(((row, column or 0), Problem(self.grid.place(row, column), message)))

    def sheet_problem(self, message: str) -> None:
        self.found.append(((-1, 0), Problem(self.grid.whole(), message)))

    def read(self) -> Ladder | None:
        keyword_rows, competency_rows = self._split_rows()
        tracks = self._tracks(keyword_rows.get("track", []))
        branch_grade = self._branch_grade(keyword_rows.get("branch grade", []))
        level_row = self._single(keyword_rows, "level")
        if level_row is None:
            return None
        columns, more_column = self._level_columns(level_row)
        levels = self._levels(keyword_rows, columns)
        if not competency_rows and not self.problems:
            self.sheet_problem("lists no competencies below its 'competency' header row")
        competencies = self._competencies(competency_rows, columns, more_column)
        if self.problems or branch_grade is None:
            return None
        return Ladder(tracks, branch_grade, levels, competencies, self.grid, self.deferred)

    def _split_rows(self) -> tuple[dict[str, list[int]], list[int]]:
        """Rows by keyword above the `competency` header; competency rows below it."""
        keyword_rows: dict[str, list[int]] = {}
        competency_rows: list[int] = []
        header = None
        for row, cells in enumerate(self.grid.rows):
            if not cells:
                continue
            key = self._key(row)
            if key is UNREADABLE:
                continue  # the cell's problem is listed already
            if key is None:
                self.problem(
                    row,
                    0,
                    "is empty, but the row is not: column A names what a row holds "
                    "(a keyword such as 'level', or a competency id)",
                )
            elif header is not None:
                competency_rows.append(row)
            elif key.lower() == "competency":
                header = row
            elif key.lower() in KEYWORDS:
                keyword_rows.setdefault(key.lower(), []).append(row)
            else:
                self.problem(
                    row,
                    0,
                    f"{quoted(key)} is not a row trackfit knows above the competencies "
                    f"(one of: {', '.join(KEYWORDS)})",
                )
        if header is None:
            self.sheet_problem(
                "has no 'competency' header row: write 'competency' in column A of the row "
                "above the first competency",
            )
        if len(competency_rows) > MAX_COMPETENCIES:
            self.problem(
                competency_rows[MAX_COMPETENCIES],
                0,
                f"more than {MAX_COMPETENCIES} competencies; a questionnaire that long would "
                "not be answered well",
            )
            del competency_rows[MAX_COMPETENCIES:]
        return keyword_rows, competency_rows

    def _key(self, row: int) -> str | None:
        value = self.grid.value(row, 0)
        if value is None:
            return None
        text = self._text(row, 0, value)
        return UNREADABLE if text is None else (" ".join(text.split()) or None)

    def _single(self, keyword_rows: dict[str, list[int]], keyword: str) -> int | None:
        rows = keyword_rows.get(keyword, [])
        for extra in rows[1:]:
            self.problem(extra, 0, f"a second '{keyword}' row; the sheet has one")
        if not rows:
            self.sheet_problem(f"has no '{keyword}' row (write '{keyword}' in column A)")
            return None
        return rows[0]

    # Tracks and the branch grade

    def _tracks(self, rows: list[int]) -> list[SheetTrack]:
        tracks: dict[str, SheetTrack] = {}
        for row in rows:
            track_id = self.text(row, 1, "a track id (ic or manager)")
            title = self.text(row, 2, "the track's title, e.g. 'People manager'")
            description = self.text(row, 3, None) or ""
            if track_id is None:
                continue
            if track_id not in TRACK_IDS:
                self.problem(
                    row,
                    1,
                    f"{quoted(track_id)} is not a track; the tracks are {' and '.join(TRACK_IDS)}",
                )
            elif track_id in tracks:
                self.problem(
                    row, 1, f"track {track_id} is already named in {tracks[track_id].place}"
                )
            elif title:
                tracks[track_id] = SheetTrack(track_id, title, description, self.grid.place(row, 1))
        missing = [t for t in TRACK_IDS if t not in tracks and not self._track_row_named(rows, t)]
        if missing:
            self.sheet_problem(
                f"has no 'track' row for {' and '.join(missing)} "
                "(write: track | ic | title | description)",
            )
        return [tracks[t] for t in TRACK_IDS if t in tracks]

    def _track_row_named(self, rows: list[int], track_id: str) -> bool:
        return any(self.grid.value(row, 1) == track_id for row in rows)

    def _branch_grade(self, rows: list[int]) -> int | None:
        for extra in rows[1:]:
            self.problem(extra, 0, "a second 'branch grade' row; the sheet has one")
        if not rows:
            self.sheet_problem(
                "has no 'branch grade' row: the grade of the first level on the manager track "
                "alone (write: branch grade | 3)",
            )
            return None
        return self.whole_number(rows[0], 1, "the branch grade", low=2)

    # Levels

    def _level_columns(self, level_row: int) -> tuple[list[tuple[int, str]], int | None]:
        """(column, level id) of every level, and the 'more statements' column if any."""
        columns: list[tuple[int, str]] = []
        more_column = None
        seen: dict[str, int] = {}
        headed: set[int] = set()
        cells = self.grid.rows[level_row]
        for column in range(1, FIRST_LEVEL_COLUMN):
            if column < len(cells) and cells[column] is not None:
                self.problem(
                    level_row,
                    column,
                    f"must be empty: level ids start in column {column_letter(FIRST_LEVEL_COLUMN)}",
                )
        for column in range(FIRST_LEVEL_COLUMN, len(cells)):
            level_id = self.text(level_row, column, None)
            if level_id is None:
                continue
            headed.add(column)
            if level_id.lower() == MORE_STATEMENTS:
                if more_column is not None:
                    self.problem(level_row, column, f"a second '{MORE_STATEMENTS}' column")
                more_column = column
            elif not LEVEL_ID_PATTERN.match(level_id):
                self.problem(
                    level_row,
                    column,
                    f"{quoted(level_id)} is not a level id: a letter, then "
                    "letters, digits, '-' or '_' (e.g. DS3)",
                )
            elif level_id in seen:
                self.problem(
                    level_row,
                    column,
                    f"level {level_id} is already in column {column_letter(seen[level_id])}",
                )
            else:
                seen[level_id] = column
                columns.append((column, level_id))
        # a column whose id was refused is no stray column: its id's problem is named once,
        # not again at every cell below it
        self._refused_columns = headed - {column for column, _ in columns} - {more_column}
        if not columns:
            self.problem(
                level_row,
                FIRST_LEVEL_COLUMN,
                "names no level: put one level id per "
                f"column from column {column_letter(FIRST_LEVEL_COLUMN)} on",
            )
        if len(columns) > MAX_LEVELS:
            self.problem(level_row, columns[MAX_LEVELS][0], f"more than {MAX_LEVELS} levels")
            del columns[MAX_LEVELS:]
        return columns, more_column

    def _levels(self, keyword_rows: dict[str, list[int]], columns) -> list[SheetLevel]:
        rows = {}
        for keyword in LEVEL_ROWS:
            if keyword in REQUIRED_LEVEL_ROWS or keyword in keyword_rows:
                rows[keyword] = self._single(keyword_rows, keyword)
        if any(row is None for row in rows.values()):
            return []
        levels = []
        for column, level_id in columns:
            title = self.text(rows["title"], column, f"level {level_id}'s title")
            grade = self.whole_number(rows["grade"], column, f"level {level_id}'s grade", low=1)
            tracks = self._level_tracks(rows["tracks"], column, level_id)
            summary = self.text(rows["summary"], column, None) if "summary" in rows else None
            if title and grade is not None and tracks:
                levels.append(SheetLevel(level_id, title, grade, tracks, summary or "", column))
        self._no_stray_cells(rows.values(), {column for column, _ in columns}, "level")
        return levels

    def _level_tracks(self, row: int, column: int, level_id: str) -> tuple[str, ...]:
        text = self.text(row, column, f"level {level_id}'s tracks (ic, manager, or both)")
        if text is None:
            return ()
        named = [word for word in re.split(r"[\s,;/+&]+", text.lower()) if word not in ("", "and")]
        unknown = [word for word in named if word not in TRACK_IDS]
        if unknown or not named:
            self.problem(
                row,
                column,
                f"{quoted(text)}: name the tracks this level is on: 'ic', "
                "'manager', or 'ic, manager' for a level on both (the shared trunk)",
            )
            return ()
        return tuple(track for track in TRACK_IDS if track in named)

    def _no_stray_cells(self, rows, columns: set[int], what: str) -> None:
        """A value in a column with no level id above it would be silently lost."""
        for row in rows:
            cells = self.grid.rows[row]
            for column in range(FIRST_LEVEL_COLUMN, len(cells)):
                if cells[column] is not None and column not in columns | self._refused_columns:
                    self.problem(
                        row,
                        column,
                        f"has a value but no {what} id in the 'level' row above this column",
                    )

    # Competencies

    def _competencies(self, rows: list[int], columns, more_column) -> list[SheetCompetency]:
        competencies = []
        seen: dict[str, int] = {}
        known_columns = {column for column, _ in columns} | {more_column} | self._refused_columns
        written_ids = {str(self.grid.value(row, 0)).strip() for row in rows}
        for row in rows:
            written = self.text(row, 0, "a competency id")
            if written is None:
                continue
            refused = self._refused_id(written, seen)
            if refused:
                # the row is still read, under a stand-in id, so that the ladder's own checks
                # see its expectations and come out in the same pass
                self._sink = self.deferred
                self.problem(row, 0, refused)
                self._sink = self.found
                competency_id = f"competency_on_row_{row + 1}"
                while competency_id in written_ids:  # never a competency's own id
                    competency_id += "_"
            else:
                seen[written] = row
                competency_id = written
            label = self.text(row, 1, "the competency's label, shown to people")
            description = self.text(row, 2, None) or ""
            cells = self._expectations(row, columns)
            self._sink = self.deferred
            more = self._more_statements(row, more_column)
            self._sink = self.found
            cells_by_column = self.grid.rows[row]
            for column in range(FIRST_LEVEL_COLUMN, len(cells_by_column)):
                if cells_by_column[column] is not None and column not in known_columns:
                    self.problem(
                        row,
                        column,
                        "has a value but no level id in the 'level' row above this column",
                    )
            if competency_id and label and cells is not None:
                self._sink = self.deferred
                shown = quoted(written) if refused else written
                statements = self._statements(row, shown, cells, more, more_column)
                self._sink = self.found
                expects = {level_id: parsed[0] for level_id, parsed in cells.items()}
                competencies.append(
                    SheetCompetency(
                        competency_id,
                        label,
                        description,
                        expects,
                        statements or {},
                        row,
                        written if refused else "",
                    )
                )
        return competencies

    def _refused_id(self, written: str, seen: dict[str, int]) -> str | None:
        """Why a competency id as written cannot be one, or None."""
        if not ID_PATTERN.match(written):
            return (
                f"{quoted(written)} is not a competency id: lower-case letters, digits, '_' "
                "and '-', starting with a letter (e.g. machine_learning)"
            )
        if written in seen:
            return f"competency '{written}' is already on row {seen[written] + 1}"
        if written in self.taken:
            return (
                f"competency '{written}' has the id of {self.taken[written]}; give the "
                "competency another id (explanations name each factor by its id alone)"
            )
        return None

    def _expectations(self, row: int, columns) -> dict[str, tuple[int, str, int]] | None:
        """Level id -> (proficiency, statement or '', column), left to right."""
        found = {}
        whole = True
        for column, level_id in columns:
            value = self.grid.value(row, column)
            if value is None:
                self.problem(
                    row,
                    column,
                    f"is empty: write the proficiency level {level_id} expects, "
                    "1-5, then its description (e.g. '3: I design experiments for my team')",
                )
                whole = False
                continue
            parsed = self._proficiency_cell(row, column, value)
            if parsed is None:
                whole = False
            else:
                found[level_id] = (*parsed, column)
        return found if whole else None

    def _proficiency_cell(self, row: int, column: int, value: object) -> tuple[int, str] | None:
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            self.problem(
                row, column, f"holds {_kind(value)}: write a proficiency 1-5 and a description"
            )
            return None
        if isinstance(value, int | float):
            if value != int(value) or not PROFICIENCY_MIN <= value <= PROFICIENCY_MAX:
                self.problem(row, column, f"{value:g} is not a proficiency: a whole number 1-5")
                return None
            return int(value), ""
        text = self._text(row, column, value)
        if text is None:
            return None
        match = PROFICIENCY_CELL.fullmatch(text)
        if match is None:
            self.problem(
                row,
                column,
                f"{quoted(text)} does not start with the expected proficiency: "
                "write a whole number 1-5 first (e.g. '3: I design experiments for my team')",
            )
            return None
        digits, statement = match.groups()
        if len(digits) > 2 or not PROFICIENCY_MIN <= int(digits) <= PROFICIENCY_MAX:
            self.problem(row, column, f"proficiency {digits[:5]} is outside 1-5")
            return None
        return int(digits), " ".join(statement.split())

    def _more_statements(self, row: int, column: int | None) -> dict[int, str] | None:
        """Proficiency -> statement from the 'more statements' cell: one 'N: text' per line."""
        if column is None or self.grid.value(row, column) is None:
            return {}
        text = self.text(row, column, None, keep_lines=True)
        if text is None:
            return None
        statements: dict[int, str] = {}
        for line in text.splitlines():
            if not line.strip():
                continue
            match = PROFICIENCY_CELL.fullmatch(line)
            statement = " ".join(match.group(2).split()) if match else ""
            digits = match.group(1) if match else ""
            if not match or not statement or len(digits) > 2 or not 1 <= int(digits) <= 5:
                self.problem(
                    row,
                    column,
                    f"line {quoted(line.strip())}: write one statement per line, "
                    "each starting with its proficiency 1-5 (e.g. '5: Sets how the company "
                    "experiments')",
                )
                return None
            if int(digits) in statements:
                self.problem(row, column, f"proficiency {digits} has two lines")
                return None
            statements[int(digits)] = statement
        return statements

    def _statements(
        self, row, competency_id, cells, more: dict[int, str] | None, more_column
    ) -> dict[int, str] | None:
        """One statement per proficiency 1..5: the leftmost level cell that expects it and
        describes it, else the 'more statements' line for it (FORMAT.md says why)."""
        from_levels: dict[int, tuple[str, int]] = {}
        for proficiency, statement, column in cells.values():
            if statement and proficiency not in from_levels:
                from_levels[proficiency] = (statement, column)
        statements = {}
        whole = more is not None
        more = more or {}
        for proficiency in more:
            if proficiency in from_levels:
                column = from_levels[proficiency][1]
                self.problem(
                    row,
                    more_column,
                    f"proficiency {proficiency} is already described in "
                    f"{self.grid.place(row, column)}; '{MORE_STATEMENTS}' is only for "
                    "proficiencies no level expects",
                )
                whole = False
        for proficiency in range(PROFICIENCY_MIN, PROFICIENCY_MAX + 1):
            if proficiency in from_levels:
                statements[proficiency] = from_levels[proficiency][0]
            elif proficiency in more:
                statements[proficiency] = more[proficiency]
            else:
                whole = False
                expected_without_text = [
                    column for p, text, column in cells.values() if p == proficiency and not text
                ]
                if expected_without_text:
                    self.problem(
                        row,
                        expected_without_text[0],
                        f"{competency_id}: proficiency "
                        f"{proficiency} has no description here or in any other level's cell; "
                        f"write it after the number (e.g. '{proficiency}: …')",
                    )
                elif not self._refused_columns:
                    # (with a level id refused, its column's statements are not read: the
                    # proficiency may be there, and the refused id is the problem to name)
                    self.problem(
                        row,
                        0,
                        f"{competency_id}: no level expects proficiency {proficiency}, "
                        "so the rating has no statement for it; write one in a "
                        f"'{MORE_STATEMENTS}' column (e.g. '{proficiency}: …')",
                    )
        return statements if whole else None

    # Cells

    def text(
        self, row: int, column: int, needed: str | None, *, keep_lines: bool = False
    ) -> str | None:
        """The cell as text (None when empty; a problem when `needed` names what belongs)."""
        value = self.grid.value(row, column)
        if value is None:
            if needed:
                self.problem(row, column, f"is empty: write {needed}")
            return None
        text = self._text(row, column, value)
        if text is None:
            return None
        return text.strip() if keep_lines else " ".join(text.split())

    def _text(self, row: int, column: int, value: object) -> str | None:
        if isinstance(value, bool | datetime | date | time | timedelta):
            self.problem(row, column, f"holds {_kind(value)}, not text")
            return None
        if isinstance(value, int | float):
            return f"{value:g}" if isinstance(value, float) else str(value)
        if not isinstance(value, str):
            self.problem(row, column, f"holds {_kind(value)}, not text")
            return None
        if len(value) > MAX_CELL_CHARACTERS:
            self.problem(
                row,
                column,
                f"has {len(value):,} characters; a cell holds at most "
                f"{MAX_CELL_CHARACTERS} (a statement people can read at a glance)",
            )
            return None
        if SPREADSHEET_ERROR.fullmatch(value.strip()):
            self.problem(
                row,
                column,
                f"holds the spreadsheet error {value.strip()}; fix the formula or type the value",
            )
            return None
        hidden = HIDDEN_CHARACTERS.search(
            value.replace("\r", "").replace("\n", "").replace("\t", "")
        )
        if hidden:
            self.problem(
                row,
                column,
                f"holds an invisible character (U+{ord(hidden.group()):04X}) that "
                "would make the text read differently from what you see; retype it",
            )
            return None
        return value.replace("\r\n", "\n").replace("\r", "\n")

    def whole_number(self, row: int, column: int, what: str, *, low: int) -> int | None:
        value = self.grid.value(row, column)
        if value is None:
            self.problem(row, column, f"is empty: write {what}, a whole number")
            return None
        if isinstance(value, str) and re.fullmatch(r"\s*[-+]?\d{1,4}\s*", value):
            value = int(value)  # a sign too: "-4" is a number out of range, not text
        if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value):
            shown = quoted(value) if isinstance(value, str) else _kind(value)
            self.problem(row, column, f"{shown} is not {what}: a whole number")
            return None
        if not low <= value <= 100:
            self.problem(row, column, f"{value:g} is not {what}: a whole number from {low} to 100")
            return None
        return int(value)


def _kind(value: object) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, datetime | date):
        return "a date"
    if isinstance(value, time | timedelta):
        return "a time"
    if isinstance(value, int | float):
        return f"the number {value:g}"
    return f"a {type(value).__name__}"
