"""The org chart: a CSV of people and their managers, checked whole and applied whole.

Columns: `email`, `name`, `manager_email`, `role` (employee, manager or hr), and optionally
`employee_id` (the id HR's systems use, as in outcome files) and `discipline` (the pack id of
the person's discipline; empty: the default one). Every row is checked against the file and
the people already known: bad emails and roles, unknown disciplines, duplicates, managers
nobody knows, and reporting lines that loop. A file with any problem changes nothing.
"""

from __future__ import annotations

import csv
import difflib
import io
import re
from dataclasses import dataclass, field

from sqlalchemy import false, select, text, update

from webapp import answering
from webapp.accounts.models import ROLES, User, lookalike_letters, name_problem, normalise_email
from webapp.answering import (
    EmployeeIdRefused,
    Problem,
    employee_id_key,
    quoted,
    read_employee_id,
    repeated_employee_id,
)
from webapp.column_text import column_length
from webapp.counting import counted
from webapp.extensions import db

REQUIRED = ("email", "name", "manager_email", "role")
OPTIONAL = ("employee_id", "discipline")
COLUMNS = REQUIRED + OPTIONAL
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MAX_ROWS = 20_000
# Problems named per file; the rest are counted (a report of a broken file stays short).
PROBLEMS_LISTED = 200
# Each cell as long as the column it is stored in.
LENGTHS = {
    "email": column_length(User.email),
    "manager_email": column_length(User.email),
    "name": column_length(User.name),
    "role": column_length(User.role),
    "employee_id": column_length(User.employee_id),
    "discipline": column_length(User.discipline),
}
# The key of PostgreSQL's advisory lock on reporting lines (any number no other lock uses).
ORG_CHART_LOCK = 0x6F7267  # "org"

# what to do with a file a spreadsheet saved in another encoding (as outcome files say it)


def template_csv() -> str:
    """An org chart HR can fill in: every column, and example rows naming this site's
    disciplines (the first row leaves it empty: the default)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerow(["lee@example.com", "Lee Example", "", "manager", "E100", ""])
    for number, pack_id in enumerate(answering.discipline_ids(), start=1):
        writer.writerow(
            [
                f"person{number}@example.com",
                f"Person {number}",
                "lee@example.com",
                "employee",
                f"E{100 + number}",
                pack_id,
            ]
        )
    return buffer.getvalue()


def lock_org_chart() -> None:
    """Wait for, then hold until the transaction ends, the one lock every change of reporting
    lines takes before it reads them: two changes at the same moment (HR making each of two
    managers the other's) are made one after the other, and the second one's loop check sees
    the first one's committed change. Take it first, before reading anyone's manager.

    PostgreSQL: a transaction-level advisory lock. SQLite: the database's write lock, which a
    write statement takes even when it changes nothing (and readers never wait for it)."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ORG_CHART_LOCK})
    else:
        db.session.execute(update(User).where(false()).values(manager_id=User.manager_id))


@dataclass(frozen=True)
class Person:
    """One row of the chart, after checking."""

    line: int
    email: str
    name: str
    manager_email: str | None
    role: str
    employee_id: str | None
    discipline: str | None = None  # a pack id; None: the default discipline


@dataclass
class ChartReport:
    """What a file would change, or the problems that stop it: the first PROBLEMS_LISTED in
    line order, and a count of the rest."""

    people: list[Person] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    more_problems: int = 0
    # every email the file lists, refused rows too (they are not unknown managers)
    listed: set[str] = field(default_factory=set)
    has_employee_ids: bool = False
    has_disciplines: bool = False
    # people already here whose discipline the file changes
    moved: int = 0
    # accounts registered on the site that the file names, taken back for an invitation
    # (`User.require_invitation`) when the chart was applied
    reclaimed: list[str] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    unchanged: int = 0


class _Problems:
    """Problems of one file, put in line order (the file's own first) and listed up to
    PROBLEMS_LISTED at the end."""

    def __init__(self, filename: str):
        self.filename = filename
        self.found: list[tuple[int, int, str]] = []

    def add(self, line: int, message: str, column: str | None = None) -> None:
        """A problem of a line (0: of the whole file), in a column when given."""
        where = f"{self.filename}:{line}" if line else self.filename
        order = COLUMNS.index(column) if column in COLUMNS else -1
        where += f": {column}" if column else ""
        self.found.append((line, order, f"{where}: {message}"))

    def add_found(self, problem: Problem) -> None:
        """A problem located already, listed before the rows' own (as the file's own are)."""
        self.found.append((problem.line, -1, str(problem)))

    def __bool__(self) -> bool:
        return bool(self.found)

    def into(self, report: ChartReport) -> None:
        self.found.sort(key=lambda problem: problem[:2])
        report.problems = [text for _, _, text in self.found[:PROBLEMS_LISTED]]
        report.more_problems = max(0, len(self.found) - PROBLEMS_LISTED)


@dataclass
class _Row:
    """A row's cells that passed their own checks (None where a cell did not)."""

    line: int
    email: str | None
    manager_email: str | None
    employee_id: str | None
    person: Person | None
    written_id: str | None = None  # the employee id as its cell writes it, for messages


def read_chart(filename: str, data: bytes, importer: str | None = None) -> ChartReport:
    """Check an org chart file against itself and the people already in the database: every
    problem in one pass, in line order.

    `importer` is the email of the HR person importing: the file may not take away their own
    HR role (they would lock themselves out)."""
    report = ChartReport()
    problems = _Problems(filename)
    if answering.saved_as_utf16(data):
        # Excel's "Unicode Text": every other byte a NUL, no cell of it reads as UTF-8
        problems.add(
            0, f"is saved as UTF-16 text, not UTF-8: save the file as UTF-8 {answering.SAVE_AS}"
        )
        problems.into(report)
        return report
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # every record holding a byte that is not UTF-8, by line, column and the text before it
        for problem in answering.undecodable_records(filename, data)[1]:
            problems.add_found(problem)
        problems.into(report)
        return report
    header, rows = _without_trailing_commas(*_records(text, problems))
    positions = _columns(header, problems)
    report.has_employee_ids = "employee_id" in positions
    report.has_disciplines = "discipline" in positions
    if header is not None and not rows:
        problems.add(0, "has no rows")
    disciplines = _Disciplines() if report.has_disciplines else None
    checked = [
        _row(line, cells, header, positions, problems=problems, report=report, known=disciplines)
        for line, cells in rows
    ]
    _check_against_each_other(checked, problems, importer)
    report.people = [row.person for row in checked if row.person is not None]
    if {"email", "manager_email"} <= positions.keys():
        _check_managers(checked, problems, report)
    problems.into(report)
    return report


def _records(text: str, problems: _Problems) -> tuple[list[str] | None, list[tuple[int, list]]]:
    """The header and up to MAX_ROWS rows, each with its line in the file (blank lines and
    quoted line breaks count; rows with every cell empty are skipped); rows beyond are
    counted, not kept."""
    reader = answering.csv_records(text, strict=True)
    header, rows, beyond, unread = None, [], 0, 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as error:  # this record is not read; the next ones are
            problems.add(reader.line_num, _not_csv(error))
            unread += 1
            continue
        if not any(cell.strip() for cell in cells):
            continue  # a blank line, or a row of empty cells a spreadsheet leaves (",,,,")
        if header is None:
            header = cells
        elif len(rows) < MAX_ROWS:
            rows.append((reader.line_num, cells))
        else:
            beyond += 1
    if header is None:
        what = "has no line that reads as CSV" if unread else "is empty"
        problems.add(0, f"{what}: the first line names the columns " + ", ".join(COLUMNS))
    if beyond:
        problems.add(0, f"has {len(rows) + beyond:,} rows; at most {MAX_ROWS:,} at once")
    return header, rows


def _without_trailing_commas(
    header: list[str] | None, rows: list[tuple[int, list]]
) -> tuple[list[str] | None, list[tuple[int, list]]]:
    """The header and rows without the empty cells a spreadsheet leaves at the ends of lines
    (a trailing comma on the header, on the rows, or both), as outcome files are read: each
    was "column 6 has no name", and a row with one more cell than the header refused. Each
    row is trimmed where its cells past the header's last name are empty; a row with a value
    there keeps it, and is named as a row with more cells than the header has columns."""
    if header is None:
        return header, rows
    named = answering.named_width(header)
    return header[:named], [
        (line, cells[:named] if not any(cell.strip() for cell in cells[named:]) else cells)
        for line, cells in rows
    ]


def _not_csv(error: csv.Error) -> str:
    return f"is not well-formed CSV ({error})"


def _columns(header: list[str] | None, problems: _Problems) -> dict[str, int]:
    """Where each known column is; every problem of the header named."""
    if header is None:
        return {}
    positions: dict[str, int] = {}
    unknown = []
    for position, raw in enumerate(header):
        column = raw.strip()
        where = f"column {position + 1}"
        if not column:
            problems.add(1, f"{where} has no name")
        elif column in positions:
            problems.add(
                1, f"{where}: '{column}' is also column {positions[column] + 1}; each column once"
            )
        elif column in COLUMNS:
            positions[column] = position
        else:
            unknown.append(quoted(column))
    missing = [c for c in REQUIRED if c not in positions]
    if len(header) == 1 and ";" in header[0]:  # what a spreadsheet set to semicolons saves
        problems.add(
            1,
            "the columns are separated by semicolons: save the file with commas (from Excel: "
            "Save As, 'CSV UTF-8 (Comma delimited)')",
        )
        return positions
    if missing:
        problems.add(0, f"required columns missing: {', '.join(missing)}")
    if unknown:
        problems.add(
            0,
            f"unknown columns: {answering.first_named(unknown)} (expected {', '.join(COLUMNS)})",
        )
    return positions


def _row(line: int, cells: list[str], header: list[str], positions: dict[str, int], **into) -> _Row:
    """One row's cells checked on their own; a Person when the whole row is sound. `into`
    holds the problems, the report (which notes every email listed) and the disciplines."""
    problems, report = into["problems"], into["report"]
    if len(cells) != len(header):
        columns = counted(len(header), "column")
        problems.add(line, f"has {counted(len(cells), 'cell')}; the header has {columns}")
        return _Row(line, None, None, None, None)
    values = _cells(line, cells, positions, problems)
    if values.get("email") is not None:
        report.listed.add(normalise_email(values["email"]))
    email = _address(line, values, "email", problems)
    # None: not known (missing, unsound or not an address); "": no manager
    manager = values.get("manager_email")
    if manager:
        manager = _address(line, values, "manager_email", problems)
    name, role = values.get("name"), (values.get("role") or "").lower()
    if name == "":
        problems.add(line, "is blank", "name")
    elif name is not None and (unreadable := name_problem(name)):
        problems.add(line, unreadable, "name")
        name = None
    if values.get("role") is not None and role not in ROLES:
        problems.add(line, f"{quoted(values['role'])} is not one of {', '.join(ROLES)}", "role")
    if manager and manager == email:
        problems.add(line, "a person cannot be their own manager", "manager_email")
        manager = None
    employee_id = values.get("employee_id") or None
    discipline = values.get("discipline", "")
    if discipline:
        discipline = into["known"].read(line, discipline, problems)
    whole = (
        None not in (email, manager, name)
        and name
        and role in ROLES
        and values.get("employee_id", "") is not None
        and discipline is not None
    )
    person = (
        Person(line, email, name, manager or None, role, employee_id, discipline or None)
        if whole
        else None
    )
    written = cells[positions["employee_id"]].strip() if employee_id else None
    return _Row(line, email, manager, employee_id, person, written)


class _Disciplines:
    """The disciplines a chart's `discipline` cells may name, looked up once per file."""

    def __init__(self):
        self.ids = answering.discipline_ids()
        self.titles = {pack.title.casefold(): pack.id for pack in answering.disciplines()}

    def read(self, line: int, value: str, problems: _Problems) -> str | None:
        """The pack id a non-empty cell names (whatever its case); None when it names no
        discipline (named as a problem, with the ones there are)."""
        if value.lower() in self.ids:
            return value.lower()
        near = self.titles.get(value.casefold()) or next(
            iter(difflib.get_close_matches(value.lower(), self.ids, n=1, cutoff=0.6)), None
        )
        hint = f"did you mean '{near}'? " if near else ""
        problems.add(
            line,
            f"{quoted(value)} is not a discipline here; {hint}the disciplines are "
            f"{', '.join(self.ids)} (empty: {self.ids[0]}, the default)",
            "discipline",
        )
        return None


def _cells(
    line: int, cells: list[str], positions: dict[str, int], problems: _Problems
) -> dict[str, str | None]:
    """Each known column's cell, trimmed (an employee id also in its standard form); None when
    it has a NUL, is longer than its column or is an employee id with a character nobody can
    see (named as a problem)."""
    values: dict[str, str | None] = {}
    for column, position in positions.items():
        value = cells[position].strip()
        if "\x00" in value:
            problems.add(line, "has a NUL character (\\x00)", column)
            value = None
        elif len(value) > LENGTHS[column]:
            problems.add(
                line, f"is {len(value):,} characters long; at most {LENGTHS[column]}", column
            )
            value = None
        elif column == "employee_id" and value:
            try:
                value = read_employee_id(value, LENGTHS[column])
            except EmployeeIdRefused as refused:
                problems.add(line, str(refused), column)
                value = None
        values[column] = value
    return values


def _address(line: int, values: dict, column: str, problems: _Problems) -> str | None:
    """The column's email address, normalised; None when it is not one (named)."""
    raw = values.get(column)
    if raw is None:
        return None
    address = normalise_email(raw)
    if not EMAIL.match(address):
        problems.add(line, f"{quoted(raw)} is not an email address", column)
        return None
    lookalike = lookalike_letters(address)
    if lookalike:
        problems.add(line, lookalike, column)
        return None
    return address


def _check_against_each_other(rows: list[_Row], problems: _Problems, importer: str | None):
    """Emails and employee ids appear once (ids whatever their case); the importer keeps HR."""
    seen: dict[str, int] = {}
    seen_ids: dict[str, tuple[int, str]] = {}
    me = normalise_email(importer) if importer else None
    for row in rows:
        if row.email is not None:
            if row.email in seen:
                problems.add(
                    row.line, f"{row.email} already appeared on line {seen[row.email]}", "email"
                )
            else:
                seen[row.email] = row.line
        if row.employee_id:
            key = employee_id_key(row.employee_id)
            if key in seen_ids:
                problems.add(
                    row.line,
                    repeated_employee_id(row.written_id, *seen_ids[key]),
                    "employee_id",
                )
            else:
                seen_ids[key] = (row.line, row.written_id)
        if row.person and me and row.person.email == me and row.person.role != "hr":
            problems.add(
                row.line,
                "this row takes away your own HR role; another HR person must make that change",
                "role",
            )


def _check_managers(rows: list[_Row], problems: _Problems, report: ChartReport) -> None:
    """Managers must be known (in the file or already here); reporting lines may not loop;
    an employee id may not be someone else's already (whatever its case)."""
    existing = {user.email: user for user in db.session.scalars(select(User)).all()}
    ids = {user.id: user.email for user in existing.values()}
    id_owners = {  # ids stored before they were read in standard form match too
        employee_id_key(user.employee_id): user.email
        for user in existing.values()
        if user.employee_id
    }
    manager_of = {
        email: ids.get(user.manager_id) for email, user in existing.items() if user.manager_id
    }
    in_file = [row for row in rows if row.email is not None and row.manager_email is not None]
    first_rows: set[str] = set()
    for row in in_file:
        if row.email in first_rows:
            continue  # a repeated email is a problem of its own: its first row's line stands
        first_rows.add(row.email)
        manager_of[row.email] = row.manager_email or None
    known = report.listed | existing.keys()
    for row in rows:  # a row whose own email is unsound names an unknown manager too
        if row.manager_email and row.manager_email not in known:
            problems.add(
                row.line,
                f"{row.manager_email} is not in the file and has no account",
                "manager_email",
            )
    for row in rows:
        taken = id_owners.get(employee_id_key(row.employee_id)) if row.employee_id else None
        if taken and taken != row.email:
            problems.add(row.line, f"'{row.written_id}' already belongs to {taken}", "employee_id")
    _check_loops(in_file, manager_of, problems)
    _count_changes(report, existing, ids)


def _check_loops(rows: list[_Row], manager_of: dict[str, str | None], problems: _Problems):
    """Each loop of reporting lines once, on the line of the first row that leads into it.
    Every person is walked once (a long chain costs its length, not its length squared)."""
    done: set[str] = set()
    for row in rows:
        path: dict[str, int] = {}
        current: str | None = row.email
        while current and current not in done and current not in path:
            path[current] = len(path)
            current = manager_of.get(current)
        if current in path:
            loop = list(path)[path[current] :]
            problems.add(
                row.line, "reporting lines loop: " + " → ".join([*loop, current]), "manager_email"
            )
        done.update(path)


def _count_changes(report: ChartReport, existing: dict[str, User], ids: dict[int, str]):
    default = answering.default_discipline() if report.has_disciplines else None
    for person in report.people:
        user = existing.get(person.email)
        employee_id = (
            person.employee_id if report.has_employee_ids else getattr(user, "employee_id", None)
        )
        discipline = (
            person.discipline if report.has_disciplines else getattr(user, "discipline", None)
        )
        if user is None:
            report.created += 1
        elif (
            user.name,
            user.role,
            ids.get(user.manager_id),
            user.employee_id,
            user.discipline or None,
        ) == (person.name, person.role, person.manager_email, employee_id, discipline):
            report.unchanged += 1
        else:
            report.updated += 1
        if user is not None and (user.discipline or default) != (discipline or default):
            report.moved += 1


# A person's place as an import's audit event names it, before and after.
Place = dict[str, str | None]


def apply_chart(report: ChartReport) -> list[tuple[str, Place, Place]]:
    """Create and update the people of a checked chart (the caller commits); each person added,
    changed or taken back for an invitation, as (email, their place before, empty when new,
    their place after), for the audit log. An account registered on the site that the chart
    names is given its place only with an invitation: nothing proves that whoever registered
    it has the address (`report.reclaimed`)."""
    if report.problems:
        raise ValueError("an org chart with problems is never applied")
    users = {user.email: user for user in db.session.scalars(select(User)).all()}
    email_of = {user.id: user.email for user in users.values()}
    before = {
        person.email: _place(users[person.email], email_of)
        for person in report.people
        if person.email in users
    }
    for person in report.people:
        user = users.get(person.email)
        if user is None:
            user = User(email=person.email, name=person.name, role=person.role)
            user.set_password(None)
            db.session.add(user)
            users[person.email] = user
        elif user.require_invitation():  # registered on the site: the address is unproven
            report.reclaimed.append(user.email)
        user.name, user.role = person.name, person.role
        if report.has_employee_ids:  # an optional column: absent, the ids stay as they are
            user.employee_id = person.employee_id
        if report.has_disciplines:  # likewise: absent, everyone keeps their discipline
            user.discipline = person.discipline
    db.session.flush()
    for person in report.people:
        manager = users.get(person.manager_email) if person.manager_email else None
        users[person.email].manager_id = manager.id if manager else None
        # a manager the chart names but does not list is given a team: the same holds
        if manager is not None and manager.require_invitation():
            report.reclaimed.append(manager.email)
    email_of = {user.id: user.email for user in users.values()}
    changes = []
    for person in report.people:
        was, after = before.get(person.email, {}), _place(users[person.email], email_of)
        if was != after or person.email in report.reclaimed:
            changes.append((person.email, was, after))
    return changes


def _place(user: User, email_of: dict[int, str]) -> Place:
    return {
        "name": user.name,
        "role": user.role,
        "manager": email_of.get(user.manager_id),
        "employee_id": user.employee_id,
        "discipline": user.discipline,
    }
