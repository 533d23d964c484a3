"""Importing outcome data (DESIGN.md, "Outcome data"): checked whole, refused whole.

Every problem is named by file, CSV line (the header is line 1) and column, in line order;
the first PROBLEMS_LISTED are listed and the rest counted. A file with any problem imports
nothing. Every cell is checked against its column's length and for NUL characters before
anything else reads it. Sensitive columns are kept apart and never reach a profile.
"""

from __future__ import annotations

import csv
import hashlib
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from recommender.answer.employee_ids import (
    EmployeeIdRefused,
    invisible_character,
    read_employee_id,
    repeated_employee_id,
)
from recommender.answer.profile import ProfileBatch
from recommender.answer.scoring import score_matrix, scoring_layout
from recommender.answer.written_text import lookalike_scripts
from recommender.errors import (
    NAMES_SHOWN,
    Problem,
    TrackfitError,
    did_you_mean,
    first_named,
    quoted,
)
from recommender.learn.people import person_order
from recommender.learn.training import training_shortfalls
from recommender.pack.framework import TRACK_IDS
from recommender.pack.loading import Pack
from recommender.pack.questionnaire import CHOICE_CONTEXT, NUMBER_CONTEXT, WHOLE_CONTEXT
from recommender.pack.saved_text import (
    LINE_ENDS,
    SAVE_AS,
    csv_records,
    named_width,
    saved_as_utf16,
    undecodable_records,
)

REQUIRED = ("employee_id", "track_taken", "success")
# Problems named per file; the rest are counted, so that a file whose every cell is wrong costs a
# count, not millions of messages.
PROBLEMS_LISTED = 200
# The longest cell of each kind: an employee id and a sensitive value as long as the columns
# they are stored in, anything else (a number, a choice, a column name) far longer than any
# valid value. Longer cells are refused before any other check looks at them.
EMPLOYEE_ID_LENGTH = 64
EMAIL_LENGTH = 120  # a row may name its person by email: as long as the stored id may be
SENSITIVE_VALUE_LENGTH = 120
CELL_LENGTH = 200
# Named columns of a file: a pack's items, its context fields and sensitive columns are a few
# hundred at most.
MAX_COLUMNS = 2_000
NUL = "\x00"
# a whole number's decimal zeros, as a spreadsheet may write 1 (1.0, 1.00): taken off
WHOLE_DECIMALS = r"(?<=^[01])\.0+$"


class OutcomesInvalid(TrackfitError):
    """An outcome file with problems; nothing of it was imported. `problems` lists the first
    PROBLEMS_LISTED of them in line order; `more` counts the rest; `shortfall` says, track by
    track, when even every row whose track_taken and success read (problems elsewhere in the
    row or not) is too few to train on, so that mending the rows alone would not do."""

    headline = "outcome data is invalid (nothing of it was used)"

    def __init__(self, problems, more: int = 0, shortfall: list[str] | None = None):
        self.more = more
        self.shortfall = list(shortfall or [])
        super().__init__(problems)

    def report(self) -> str:
        """Every problem listed, then a count of the rest, then the shortfall."""
        count = len(self.problems) + self.more
        lines = [f"{self.headline}: {count:,} {'problem' if count == 1 else 'problems'}"]
        lines += [f"  {problem}" for problem in self.problems]
        if self.more:
            lines.append(f"  … and {self.more:,} more problems")
        if self.shortfall:
            lines.append(f"and {SHORTFALL_BESIDE_PROBLEMS}:")
            lines += [f"  {reason}" for reason in self.shortfall]
        return "\n".join(lines)


SHORTFALL_BESIDE_PROBLEMS = (
    "too few to train on even once its rows are mended (counting every row whose track_taken "
    "and success read, problems elsewhere in the row or not, and every other row as what the "
    "track lacks)"
)


@dataclass
class OutcomeData:
    """A validated outcome file, laid out for scoring and training."""

    pack: Pack
    employee_ids: list[str]
    answers: np.ndarray
    context: dict[str, np.ndarray]
    track_taken: np.ndarray
    success: np.ndarray
    sensitive: dict[str, np.ndarray]
    data_hash: str

    def in_person_order(self) -> OutcomeData:
        """The same rows in the order of their people (`person_order`), not the file's."""
        order = person_order(self.employee_ids)
        return replace(
            self,
            employee_ids=[self.employee_ids[row] for row in order],
            answers=self.answers[order],
            context={name: column[order] for name, column in self.context.items()},
            track_taken=self.track_taken[order],
            success=self.success[order],
            sensitive={name: column[order] for name, column in self.sensitive.items()},
        )

    def profiles(self) -> ProfileBatch:
        """Profiles of everyone in the file (sensitive columns play no part)."""
        timings = np.full(
            (len(self.employee_ids), len(scoring_layout(self.pack).section_ids)), np.nan
        )
        return score_matrix(self.pack, self.answers, timings, self.context, self.employee_ids)


def read_outcomes(
    path: str | Path, pack: Pack, sensitive: tuple[str, ...] | list[str] = ()
) -> OutcomeData:
    """Read and check an outcome CSV; raise OutcomesInvalid listing every problem."""
    path = Path(path)
    try:
        raw_bytes = path.read_bytes()
    except OSError as error:
        raise OutcomesInvalid(f"{path}: cannot be read ({error.strerror})") from None
    return parse_outcomes(path.name, raw_bytes, pack, sensitive)


def parse_outcomes(
    name: str, raw_bytes: bytes, pack: Pack, sensitive: tuple[str, ...] | list[str] = ()
) -> OutcomeData:
    """Check the bytes of a full outcome file (answers, context and outcome per person)."""
    checker = _Checker(name, pack, _table(name, raw_bytes), tuple(sensitive))
    data = checker.check()
    checker.raise_problems()
    data.data_hash = hashlib.sha256(raw_bytes).hexdigest()
    return data


@dataclass
class OutcomeLinks:
    """A short outcome file: for each person, the track taken and success there, to be joined
    to the assessment already stored for them. `problems` names the first PROBLEMS_LISTED bad
    cells in line order and `more_problems` counts the rest; a file with any is refused, but
    its rows are still read so that joining them can be reported in the same pass."""

    employee_ids: list[str]
    lines: list[int]
    track_taken: np.ndarray
    success: np.ndarray
    sensitive: dict[str, np.ndarray]
    data_hash: str
    problems: list[Problem] = field(default_factory=list)
    more_problems: int = 0
    # rows whose track_taken and success both read (the others' outcomes are unknown)
    readable: np.ndarray | None = None
    # False when a record could not be read as CSV (an unclosed quote takes the lines after
    # it into one cell): how many rows the mended file holds is then unknown
    whole: bool = True


def is_short_file(raw_bytes: bytes, sensitive: tuple[str, ...] | list[str] = ()) -> bool:
    """Whether a file has only the short file's columns (and named sensitive ones)."""
    columns = _first_line_columns(raw_bytes)
    return bool(columns) and columns <= set(REQUIRED) | set(sensitive)


def looks_like_outcomes(raw_bytes: bytes) -> bool:
    """Whether a file's first line names any column every outcome file has: else it is no
    outcome file of either kind (empty, another separator, another table)."""
    return bool(_first_line_columns(raw_bytes) & set(REQUIRED))


def names_items(raw_bytes: bytes, pack: Pack) -> bool:
    """Whether a file's first line names any item of the pack, as a full file's does."""
    return bool(_first_line_columns(raw_bytes) & set(scoring_layout(pack).item_ids))


def pack_of_columns(raw_bytes: bytes, pack: Pack, others: list[Pack]) -> Pack | None:
    """The other pack whose items a refused file's columns are, when they are every item of
    that pack and not of `pack`'s: the file was given for the wrong discipline."""
    columns = _first_line_columns(raw_bytes)
    if set(scoring_layout(pack).item_ids) <= columns:
        return None
    for other in others:
        if other.id != pack.id and set(scoring_layout(other).item_ids) <= columns:
            return other
    return None


def _first_line_columns(raw_bytes: bytes) -> set[str]:
    first = LINE_ENDS.split(raw_bytes[:65536].decode("utf-8-sig", errors="replace"), 1)[0]
    return {c.strip().strip('"') for c in first.split(",") if c.strip()}


def parse_outcome_links(
    name: str,
    raw_bytes: bytes,
    sensitive: tuple[str, ...] | list[str] = (),
    pack: Pack | None = None,
) -> OutcomeLinks:
    """Read a short outcome file: `employee_id`, `track_taken`, `success` and the named
    sensitive columns (none of which may be an item of `pack` or a context field). A file that
    is not such a table raises OutcomesInvalid listing every problem; bad cells are listed in
    the result's `problems`."""
    items = scoring_layout(pack).item_ids if pack is not None else ()
    table = _table(name, raw_bytes)
    checker = _Checker(name, None, table, tuple(sensitive))
    columns = table.columns
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        checker.problem(f"required columns missing: {', '.join(missing)}")
    for column in sensitive:
        if column in REQUIRED or column in CONTEXT_FIELDS or column in items:
            checker.problem(_not_sensitive(column, items))
        elif column not in columns:
            checker.problem(
                f"sensitive column '{column}' is not in the file{did_you_mean(column, columns)}"
            )
    unknown = [c for c in columns if c not in REQUIRED and c not in sensitive]
    if unknown:
        one = len(unknown) == 1
        listed = first_named([repr(c) for c in unknown])
        checker.problem(
            f"{'column' if one else 'columns'} {listed} "
            f"{'is' if one else 'are'} neither employee_id, track_taken, success nor "
            f"{'a named sensitive column' if one else 'named sensitive columns'}: name "
            f"{'it' if one else 'them'} as sensitive, exactly as the header writes "
            f"{'it' if one else 'them'}, or remove {'it' if one else 'them'} (a full outcome "
            "file has item columns)",
        )
    ids, track, success = checker.outcome_columns()
    sensitive_values = checker.sensitive_columns()
    if checker.file_problems:
        checker.raise_problems()
    listed, more = checker.listed()
    return OutcomeLinks(
        employee_ids=list(ids),
        lines=[int(line) for line in table.lines],
        track_taken=track.to_numpy(dtype=object),
        success=(success == "1").to_numpy(dtype=np.int8),
        sensitive=sensitive_values,
        data_hash=hashlib.sha256(raw_bytes).hexdigest(),
        problems=listed,
        more_problems=more,
        readable=_readable(track, success),
        whole=not table.broken,
    )


CONTEXT_FIELDS = NUMBER_CONTEXT + CHOICE_CONTEXT


def _not_sensitive(column: str, items) -> str:
    """Why a column named as sensitive cannot be: it is one the model or the file needs."""
    if column in REQUIRED:
        return f"sensitive column '{column}' is a required column of every outcome file"
    what = "an item of the questionnaire" if column in items else "a context field"
    return (
        f"sensitive column '{column}' is {what}: the model reads it, and a sensitive "
        "attribute must never become a model feature"
    )


@dataclass
class _Table:
    """A file's cells as text, a column per distinct header name, and each row's line in the
    file (the header is line 1; blank lines and line breaks in quoted cells count)."""

    columns: list[str]
    cells: dict[str, pd.Series]
    lines: np.ndarray
    file_problems: list[Problem]
    row_problems: list[Problem]  # rows that are not part of the table, in line order
    # a record was not CSV: the lines it took may hold rows, so the rows read are not all
    broken: bool = False

    def __len__(self) -> int:
        return len(self.lines)


def _table(name: str, raw_bytes: bytes) -> _Table:
    """The file as a table of strings, with the problems of its header and of rows that do not
    fit it; OutcomesInvalid when it is not a table at all."""
    if saved_as_utf16(raw_bytes):
        # Excel's "Unicode Text": every other byte a NUL, no cell of it reads as UTF-8
        raise OutcomesInvalid(
            [Problem(name, f"is saved as UTF-16 text, not UTF-8: save the file as UTF-8 {SAVE_AS}")]
        )
    try:
        text, encoding = raw_bytes.decode("utf-8-sig"), []
    except UnicodeDecodeError:
        text, encoding = undecodable_records(name, raw_bytes)
    if not text.strip():
        raise OutcomesInvalid(f"{name}: is empty")
    reader = csv_records(text, strict=True)
    header: list[str] | None = None
    header_line, named = 1, 0
    rows: list[list[str]] = []
    lines: list[int] = []
    row_problems: list[Problem] = []
    broken = False
    while True:
        start = reader.line_num + 1  # the line this record begins on
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            # A stray quote: this record is not read, the next ones are (each record read
            # consumes a line, so this ends).
            row_problems.append(_not_csv(name, start, reader.line_num, error))
            broken = True
            continue
        if not any(cell.strip() for cell in row):
            continue  # a blank line, or one of empty cells (a spreadsheet's ",,,")
        if header is None:
            header, header_line = row, start
            where = f"{name}:{header_line}"
            refused = _other_separator(where, header) or _too_many_columns(where, header)
            if refused:
                # the same Save As mends its encoding too: say so now, not after a second try
                raise OutcomesInvalid([refused, *encoding[:1]])
            named = named_width(header)
        elif _fits(row, header, named):
            # never padded to the header: the cells it lacks are under columns with no name
            # (a header ending in commas), which are never read (a header of a million commas
            # made each row a million cells)
            rows.append(row[: len(header)])
            lines.append(start)
        else:
            row_problems.append(
                Problem(
                    f"{name}:{start}",
                    f"has {len(row):,} {'cell' if len(row) == 1 else 'cells'}; the header "
                    f"has {len(header):,} {'column' if len(header) == 1 else 'columns'}",
                    start,
                )
            )
    columns, file_problems, positions = _header(f"{name}:{header_line}", header or [], rows)
    file_problems[:0] = encoding
    if header is None and not row_problems:
        file_problems.append(
            Problem(name, "has no header: every line is blank or holds only empty cells")
        )
    if header is not None and not rows and not row_problems:
        file_problems.append(
            Problem(
                f"{name}:{header_line}",
                "the header is the only line of the file: it has no rows of people",
            )
        )
    cells = {
        column: pd.Series([row[position] for row in rows], dtype=object)
        for column, position in zip(columns, positions, strict=True)
    }
    lines_read = np.array(lines, dtype=np.int64)
    return _Table(columns, cells, lines_read, file_problems, row_problems, broken)


def _fits(row: list[str], header: list[str], named: int) -> bool:
    """Whether a row fits the header but for what a spreadsheet or hand edit leaves at the end
    of a line: cells beyond the header with nothing in them (a trailing comma), or no cells
    for trailing header columns that have no name (a header ending "...,gender,"); `named` is
    how many of the header's cells there are up to its last name."""
    if len(row) >= len(header):
        return not any(cell.strip() for cell in row[len(header) :])
    return len(row) >= named


# Separators a spreadsheet may save "CSV" with, and how to name them
OTHER_SEPARATORS = {";": "semicolons", "\t": "tabs", "|": "vertical bars"}


def _other_separator(where: str, header: list[str]) -> Problem | None:
    """The problem of a header read as one column that another separator would split: the
    file was saved with that separator (Excel does so with semicolons where the decimal mark
    is a comma), and not a single cell of it can be read as meant. None for any other."""
    if len(header) != 1:
        return None
    for separator, name in OTHER_SEPARATORS.items():
        if len([part for part in header[0].split(separator) if part.strip()]) > 1:
            return Problem(
                "",
                f"{where}: the columns are separated by {name}, not commas: save the file as "
                f"comma-separated CSV {SAVE_AS}",
            )
    return None


def _too_many_columns(where: str, header: list[str]) -> Problem | None:
    """A header naming more columns than any outcome file has: refused before a column of the
    table is made for each (a header of 300,000 names was 44 s, its refusal every name)."""
    named = sum(bool(name.strip()) for name in header)
    if named <= MAX_COLUMNS:
        return None
    return Problem(
        where,
        f"the header names {named:,} columns; an outcome file has at most {MAX_COLUMNS:,} "
        "(employee_id, track_taken, success, the questionnaire's items, context fields and "
        "sensitive columns)",
    )


def _not_csv(name: str, start: int, end: int, error: csv.Error) -> Problem:
    """The problem of a record that is not CSV, named by the line it begins on: where a quote
    is left open, the csv module reads on to the end of the file and only fails there."""
    if "unexpected end of data" in str(error):
        if end > start + 1:
            swallowed = f"lines {start + 1}-{end} were read as part of that cell"
        elif end > start:
            swallowed = f"line {end} was read as part of that cell"
        else:
            swallowed = "the file ends inside it"
        message = (
            f"a quoted cell opens on this line and is never closed ({swallowed}): close the "
            'quote (a quote inside a quoted cell is written twice: "")'
        )
    else:
        message = f"is not well-formed CSV ({error})"
    return Problem(f"{name}:{start}", message, start)


def _header(
    where_header: str, header: list[str], rows: list[list[str]]
) -> tuple[list[str], list[Problem], list[int]]:
    """The distinct column names (trimmed), the header's problems, and where each name is. A
    column with neither a name nor a value (a spreadsheet's trailing comma) is no column."""
    problems, columns, positions, first = [], [], [], {}
    filled = _filled(rows, [position for position, raw in enumerate(header) if not raw.strip()])
    for position, raw in enumerate(header):
        column = raw.strip()
        where = f"{where_header}: column {position + 1}"
        if NUL in column or len(column) > CELL_LENGTH:
            problems.append(
                Problem(where, f"{quoted(column)} is not a column name (too long or a NUL)")
            )
        elif not column and position in filled:
            problems.append(Problem(where, "has no name, and cells below it hold values"))
        elif not column:
            continue
        elif column in first:
            problems.append(
                Problem(where, f"'{column}' is also column {first[column] + 1}; each column once")
            )
        else:
            first[column] = position
            columns.append(column)
            positions.append(position)
    return columns, problems, positions


def _filled(rows: list[list[str]], unnamed: list[int]) -> set[int]:
    """Which of the unnamed columns (positions, in order) hold a value in any row: each row
    looked at only as far as its own cells go (a header of a million unnamed columns was
    each of them looked for in every row)."""
    filled: set[int] = set()
    for row in rows:
        for position in unnamed:
            if position >= len(row):
                break
            if row[position].strip():
                filled.add(position)
    return filled


def _readable(track: pd.Series, success: pd.Series) -> np.ndarray:
    return (track.isin(TRACK_IDS) & success.isin(("0", "1"))).to_numpy()


def readable_shortfall(track: pd.Series, success: pd.Series) -> list[str]:
    """`training_shortfalls` of the rows whose track_taken and success read, short even were
    every other row (whose track or outcome is unknown) what the track lacks; empty when no
    row reads, as in a file without its outcome columns."""
    readable = _readable(track, success)
    if not readable.any():
        return []
    return training_shortfalls(
        track[readable].to_numpy(dtype=object),
        success[readable].astype(int).to_numpy(),
        unread=int((~readable).sum()),
    )


def _distinct(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """A column as codes into its distinct values: a check of each distinct value, spread back
    by the codes, costs what the column's variety costs, not its length."""
    codes, distinct = pd.factorize(values, use_na_sentinel=False)
    return codes, np.asarray(distinct, dtype=object)


def _lookalikes(values: list[str], codes: np.ndarray) -> list[tuple[str, str, int | None] | None]:
    """Per distinct value (in order of first appearance): None, or why it is a group that
    looks like another: (value, the first spelling met of the same text, the row it is first
    met on) when the two differ only in case or Unicode form; (value, "Latin and Cyrillic",
    None) when it mixes letters of alphabets that look alike."""
    first_rows = np.full(len(values), -1, dtype=np.int64)
    met, first = np.unique(codes, return_index=True)
    first_rows[met] = first  # each distinct value's first row
    found: list[tuple[str, str, int | None] | None] = [None] * len(values)
    spelled: dict[str, int] = {}
    for index, value in enumerate(values):
        if not value:
            continue
        scripts = lookalike_scripts(value)  # a second group that looks like the first
        if scripts:
            found[index] = (value, " and ".join(scripts), None)
            continue
        key = unicodedata.normalize("NFKC", value).casefold()
        if key in spelled:
            earlier = spelled[key]
            if values[earlier] != value:  # " woman" and "woman" are one group, as read
                found[index] = (value, values[earlier], int(first_rows[earlier]))
        else:
            spelled[key] = index
    return found


def _plain(values: np.ndarray) -> np.ndarray:
    """Which texts are printable ASCII only (in standard form, with nothing hidden)."""
    return np.fromiter(
        (value.isascii() and value.isprintable() for value in values), bool, len(values)
    )


def _as_written(value: str, options: list[str]) -> str:
    """How to write a value that is one of the options but for its case ('IC', 'l3')."""
    written = {option.lower(): option for option in options}.get(str(value).strip().lower())
    return f" (write it as '{written}')" if written else ""


@dataclass
class _CellCheck:
    """Bad cells of one column found by one vectorised check; messages are made on demand."""

    column: str
    position: int
    bad: np.ndarray
    message: Callable[[int], str]


class _Checker:
    """Vectorised checks over the whole table, collecting every problem: those of the file
    first, then those of rows and cells in line order."""

    def __init__(self, name: str, pack: Pack | None, table: _Table, sensitive: tuple[str, ...]):
        self.name, self.pack, self.table, self.sensitive = name, pack, table, sensitive
        self.file_problems: list[Problem] = list(table.file_problems)
        self.checks: list[_CellCheck] = []
        self.layout = scoring_layout(pack) if pack is not None else None
        self._sound: dict[str, np.ndarray] = {}
        self.shortfall: list[str] = []

    def problem(self, message: str) -> None:
        """A problem of the whole file (its header, its columns)."""
        self.file_problems.append(Problem(self.name, message))

    def cells(self, column: str, bad, message: Callable[[str], str], *, of_row=False) -> None:
        """A problem per bad cell, named by line and column, its message made from the cell's
        value (or from its row's index, `of_row`). Only cells that passed the length and NUL
        checks are judged again; a column the file lacks has no cells to judge."""
        if column not in self.table.cells:
            return
        bad = np.asarray(bad, dtype=bool) & self.sound(column)
        values = self.table.cells[column]
        self.checks.append(
            _CellCheck(
                column,
                self.table.columns.index(column),
                bad,
                message if of_row else lambda index: message(values.iat[index]),
            )
        )

    def sound(self, column: str) -> np.ndarray:
        """Which cells of a column have no NUL and fit its length; the others are problems."""
        if column not in self._sound:
            codes, distinct = _distinct(self.table.cells[column])
            limit = (
                EMPLOYEE_ID_LENGTH
                if column == "employee_id"
                else SENSITIVE_VALUE_LENGTH
                if column in self.sensitive
                else CELL_LENGTH
            )
            lengths = np.fromiter(map(len, distinct), np.int64, len(distinct))[codes]
            nul = np.array([NUL in value for value in distinct], dtype=bool)[codes]
            limits = np.full(len(codes), limit)
            email = np.zeros(len(codes), dtype=bool)
            if column == "employee_id":
                email = np.array(["@" in value for value in distinct], dtype=bool)[codes]
                limits[email] = EMAIL_LENGTH
            long = ~nul & (lengths > limits)
            position = self.table.columns.index(column)
            self.checks.append(
                _CellCheck(column, position, nul, lambda _: "has a NUL character (\\x00)")
            )
            self.checks.append(
                _CellCheck(
                    column,
                    position,
                    long,
                    lambda index: (
                        f"is {lengths[index]:,} characters long; at most "
                        f"{limits[index]}" + (" (an email address)" if email[index] else "")
                    ),
                )
            )
            hidden = np.zeros(len(codes), dtype=bool)
            if column in self.sensitive:
                # a label's hidden character makes a second group that looks like the first,
                # or shows it backwards (a direction override): named, as an id's would be
                found = [invisible_character(value.strip(), spelling=True) for value in distinct]
                hidden = ~nul & ~long & np.array([f is not None for f in found], bool)[codes]
                self.checks.append(
                    _CellCheck(
                        column,
                        position,
                        hidden,
                        lambda index: (
                            f"{quoted(self.table.cells[column].iloc[index].strip())} has "
                            f"{found[codes[index]]}; remove it (groups that look the same "
                            "must be the same group)"
                        ),
                    )
                )
                lookalike = _lookalikes([value.strip() for value in distinct], codes)
                alike = (
                    ~nul
                    & ~long
                    & ~hidden
                    & np.array([said is not None for said in lookalike], bool)[codes]
                )
                self.checks.append(
                    _CellCheck(
                        column,
                        position,
                        alike,
                        lambda index: self._lookalike_said(lookalike[codes[index]]),
                    )
                )
                hidden = hidden | alike
            self._sound[column] = ~(nul | long | hidden)
        return self._sound[column]

    def _lookalike_said(self, found: tuple[str, str, int | None]) -> str:
        """A sensitive value that would make a second group looking like another, said."""
        value, other, row = found
        if row is None:  # letters of two alphabets
            return (
                f"{quoted(value)} mixes {other} letters; a letter of another alphabet that looks "
                "like a Latin one makes a second group that looks like the first: retype it"
            )
        return (
            f"{quoted(value)} is {quoted(other)} (line {self.table.lines[row]}) written another "
            "way (capitals, or another form of the same characters); write each group one way, "
            "or they count as two groups that look alike"
        )

    def stripped(self, column: str) -> pd.Series:
        """A column's cells without surrounding spaces; unsound cells blank (and every cell of
        a column the file lacks)."""
        if column not in self.table.cells:
            return pd.Series([""] * len(self.table), dtype=object)
        codes, distinct = _distinct(self.table.cells[column])
        stripped = np.array([value.strip() for value in distinct] + [""], dtype=object)
        return pd.Series(stripped[np.where(self.sound(column), codes, -1)], dtype=object)

    def listed(self) -> tuple[list[Problem], int]:
        """The first PROBLEMS_LISTED problems in line order (the file's own first, then by
        line, then by column), and how many more there are."""
        per_row = np.zeros(len(self.table), dtype=np.int64)
        for check in self.checks:
            per_row += check.bad
        total = len(self.file_problems) + len(self.table.row_problems) + int(per_row.sum())
        # Only the rows holding the first PROBLEMS_LISTED cell problems get messages.
        rows = int(np.searchsorted(np.cumsum(per_row), PROBLEMS_LISTED)) + 1
        found = []
        for order, check in enumerate(self.checks):
            for index in np.flatnonzero(check.bad[:rows]):
                line = int(self.table.lines[index])
                found.append(
                    (
                        line,
                        check.position,
                        order,
                        Problem(f"{self.name}:{line}: {check.column}", check.message(index), line),
                    )
                )
        found += [
            (problem.line, -1, -1, problem) for problem in self.table.row_problems[:PROBLEMS_LISTED]
        ]
        found.sort(key=lambda item: item[:3])
        listed = [*self.file_problems, *(item[3] for item in found)][:PROBLEMS_LISTED]
        return listed, total - len(listed)

    def raise_problems(self) -> None:
        """Refuse the file when it has any problem (with the shortfall of its rows, when the
        outcome columns could be read)."""
        listed, more = self.listed()
        if listed:
            raise OutcomesInvalid(listed, more, self.shortfall)

    def check(self) -> OutcomeData | None:
        columns = self.table.columns
        items = set(self.layout.item_ids)
        context = set(NUMBER_CONTEXT + CHOICE_CONTEXT)
        features = items | context | set(REQUIRED)
        missing = [c for c in REQUIRED if c not in columns]
        if missing:
            self.problem(f"required columns missing: {', '.join(missing)}")
        for column in self.sensitive:
            if column in features:
                self.problem(_not_sensitive(column, items))
            elif column not in columns:
                self.problem(
                    f"sensitive column '{column}' is not in the file{did_you_mean(column, columns)}"
                )
        unknown = [c for c in columns if c not in features and c not in self.sensitive]
        present = [c for c in self.layout.item_ids if c in columns]
        if not columns:
            pass  # no column was read: the header's own problems say why
        elif not present and set(columns) <= set(REQUIRED) | set(self.sensitive):
            self.problem(
                "no item columns: this is a short outcome file (employee_id, track_taken, "
                "success), whose people's answers are the assessments stored in the web app; "
                "upload it there (HR > Outcomes). Training and evaluating here need the full "
                f"file, with a column per item of pack {self.pack.ref}"
            )
        elif not present and not unknown:
            extra = [c for c in columns if c in context]
            self.problem(
                "no item columns: a full outcome file has a column per item of pack "
                f"{self.pack.ref}; a short file has only employee_id, track_taken, success and "
                "columns named as sensitive, and takes everything else from the stored "
                f"assessment (remove {', '.join(map(repr, extra))})"
            )
        elif present and len(present) < len(self.layout.item_ids):
            absent = [c for c in self.layout.item_ids if c not in columns]
            self.problem(
                f"item columns missing: {len(absent)} of the {len(self.layout.item_ids)} items "
                f"of pack {self.pack.ref} {'has' if len(absent) == 1 else 'have'} no column: "
                f"{first_named(absent)}"
                " (a column per item; leave a cell blank where the person skipped it)"
            )
        if unknown:
            # the hint looked for only for the names shown
            hinted = [f"{c!r}{did_you_mean(c, features)}" for c in unknown[:NAMES_SHOWN]]
            shown = first_named(hinted + unknown[NAMES_SHOWN:])
            if present:
                none_known = ""
            elif set(REQUIRED) <= set(columns):
                none_known = (
                    "; none of the file's columns is an item of the pack (a short file has "
                    "only employee_id, track_taken, success and columns named as sensitive: "
                    "name these as sensitive, exactly as the header writes them, or remove "
                    "them)"
                )
            else:
                none_known = "; none of the file's columns is an item of the pack"
            self.problem(
                (
                    f"1 column is not an item of pack {self.pack.ref}, a context field or a "
                    f"named sensitive column: {shown}"
                    if len(unknown) == 1
                    else f"{len(unknown)} columns are not items of pack {self.pack.ref}, "
                    f"context fields or named sensitive columns: {shown}"
                )
                + none_known,
            )
        for column in self.sensitive:
            if column in columns and column not in features:
                self.sound(column)
        return self._rows(columns)

    def employee_ids(self) -> pd.Series:
        """The employee_id column in standard form (`read_employee_id`); blank where a cell is
        blank or refused (each named as a problem)."""
        ids = self.stripped("employee_id")
        if "employee_id" not in self.table.cells:
            return ids
        blank = (ids == "") & self.sound("employee_id")
        self.cells("employee_id", blank, lambda v: "is blank")
        codes, distinct = _distinct(ids)
        standard = distinct.copy()  # plain ASCII ids (most) are standard already
        refusals: dict[str, str] = {}  # by stripped cell
        for code in np.flatnonzero(~_plain(distinct)):
            try:
                longest = EMAIL_LENGTH if "@" in distinct[code] else EMPLOYEE_ID_LENGTH
                standard[code] = read_employee_id(distinct[code], longest)
            except EmployeeIdRefused as refused:
                standard[code], refusals[distinct[code]] = "", str(refused)
        if refusals:
            refused = np.array([value in refusals for value in distinct], dtype=bool)[codes]
            self.cells("employee_id", refused, lambda v: refusals[v.strip()])
        return pd.Series(standard[codes], dtype=object)

    def outcome_columns(self) -> tuple[pd.Series, pd.Series, pd.Series]:
        """employee_id, track_taken and success, each cell checked. Employee ids are the same
        whatever their case and however they are written (`read_employee_id`): two that
        differ only so are one person twice."""
        ids = self.employee_ids()
        if "employee_id" not in self.table.cells:
            return ids, ids, ids  # a missing column: named once, as a problem of the file
        keys = ids.str.lower()
        duplicated = (keys.duplicated(keep="first") & (ids != "")).to_numpy()
        written = self.stripped("employee_id")  # as each cell writes it
        first: dict[str, tuple[int, str]] = {}  # by lower-case id: its first line, as written
        if duplicated.any():
            firsts = ~keys.duplicated(keep="first").to_numpy()
            first = {
                key: (line, cell)
                for key, line, cell in zip(
                    keys[firsts], self.table.lines[firsts].tolist(), written[firsts], strict=True
                )
            }
        self.cells(
            "employee_id",
            duplicated,
            lambda index: repeated_employee_id(written.iat[index], *first[keys.iat[index]]),
            of_row=True,
        )
        track = self.stripped("track_taken")
        self.cells(
            "track_taken",
            ~track.isin(TRACK_IDS),
            lambda v: (
                f"{quoted(v)} is not one of ic, manager"
                + (" (write it in lower case)" if str(v).strip().lower() in TRACK_IDS else "")
            ),
        )
        # 0 or 1, or as a spreadsheet may save it, 1.0 (an item's 4.0 is read as 4 too)
        success = self.stripped("success").str.replace(WHOLE_DECIMALS, "", regex=True)
        self.cells("success", ~success.isin(("0", "1")), lambda v: f"{quoted(v)} is not 0 or 1")
        return ids, track, success

    def sensitive_columns(self) -> dict[str, np.ndarray]:
        """The named sensitive columns, blank as None; kept apart from everything else."""
        return {
            c: np.array([v.strip() or None for v in self.stripped(c)], dtype=object)
            for c in self.sensitive
            if c in self.table.cells
        }

    def _rows(self, columns: list[str]) -> OutcomeData | None:
        n = len(self.table)
        ids, track, success = self.outcome_columns()
        answers = np.full((n, len(self.layout.item_ids)), np.nan)
        questionnaire = self.pack.questionnaire
        for column, item_id in enumerate(self.layout.item_ids):
            if item_id not in columns:
                continue
            item = questionnaire.item_by_id[item_id]
            answers[:, column] = self._numbers(item_id, item.min, item.max, whole=True)
        context = self._context(columns)
        if self.file_problems or self.table.row_problems or any(c.bad.any() for c in self.checks):
            # rows taken into a broken record are not counted: no shortfall can be told
            self.shortfall = [] if self.table.broken else readable_shortfall(track, success)
            return None
        return OutcomeData(
            pack=self.pack,
            employee_ids=list(ids),
            answers=answers,
            context=context,
            track_taken=track.to_numpy(dtype=object),
            success=success.astype(int).to_numpy(dtype=np.int8),
            sensitive=self.sensitive_columns(),
            data_hash="",
        )

    def _numbers(self, column: str, low: float, high: float, *, whole: bool) -> np.ndarray:
        text = self.stripped(column)
        blank = (text == "").to_numpy()
        codes, distinct = _distinct(text)
        values = pd.to_numeric(pd.Series(distinct, dtype=object), errors="coerce").to_numpy(
            dtype=float
        )[codes]
        self.cells(column, ~blank & np.isnan(values), lambda v: f"{quoted(v)} is not a number")
        with np.errstate(invalid="ignore"):
            outside = ~np.isnan(values) & ((values < low) | (values > high))
            # in the range, but a fraction: "outside" would mislead. Told apart by the value
            # read, not by float() of the cell, which refuses some cells pandas reads ('+1e 1')
            fraction = ~np.isnan(values) & ~outside & whole & (values != np.round(values))
        kind = "whole numbers" if whole else "numbers"
        self.cells(
            column,
            outside,
            lambda v: f"{v.strip()} is outside the allowed {kind} {low:g} to {high:g}",
        )
        self.cells(
            column,
            fraction,
            lambda v: f"{v.strip()} is not a whole number (allowed: {kind} {low:g} to {high:g})",
        )
        return values

    def _context(self, columns: list[str]) -> dict[str, np.ndarray]:
        items = self.pack.questionnaire.context_items
        framework = self.pack.framework
        n = len(self.table)
        context: dict[str, np.ndarray] = {}
        for name in NUMBER_CONTEXT:
            context[name] = (
                self._numbers(name, items[name].min, items[name].max, whole=name in WHOLE_CONTEXT)
                if name in columns
                else np.full(n, np.nan)
            )
        years, at_level = context["years_experience"], context["years_at_level"]

        def allowed(name: str, values: np.ndarray) -> np.ndarray:  # refused already if not
            return (values >= items[name].min) & (values <= items[name].max)

        with np.errstate(invalid="ignore"):  # false where either is blank
            more = (
                (at_level > years)
                & allowed("years_experience", years)
                & allowed("years_at_level", at_level)
            )
        self.cells(
            "years_at_level",
            more,
            lambda index: (
                f"{at_level[index]:g} years at the current level is more than the "
                f"{years[index]:g} years of experience in all (years_experience)"
            ),
            of_row=True,
        )
        for name in CHOICE_CONTEXT:
            if name not in columns:
                context[name] = np.full(n, None, dtype=object)
                continue
            text = self.stripped(name)
            options = [option.value for option in items[name].options]
            self.cells(
                name,
                (text != "") & ~text.isin(options),
                lambda v, o=options: (
                    f"{quoted(v)} is not one of {', '.join(o)}" + _as_written(v, o)
                ),
            )
            context[name] = text.where(text != "", None).to_numpy(dtype=object)
        tracks, levels = context["current_track"], context["current_level"]
        if "current_level" in columns:
            of_track = {
                (track, level)
                for level in framework.level_ids
                for track in framework.level(level).tracks
            }
            mismatched = [
                track in framework.track_ids
                and level in framework.level_ids
                and (track, level) not in of_track
                for track, level in zip(tracks, levels, strict=True)
            ]
            self.cells(
                "current_level",
                mismatched,
                lambda index: framework.not_on_ladder(levels[index], tracks[index]),
                of_row=True,
            )
        context["current_grade"] = np.array(
            [framework.level(lv).grade if lv in framework.level_ids else np.nan for lv in levels],
            dtype=float,
        )
        return context
