"""The org chart: a CSV of people and their managers, checked whole and applied whole.

Columns: `email`, `name`, `manager_email`, `role` (employee, manager or hr), and optionally
`employee_id` (the id HR's systems use, as in outcome files). Every row is checked against the
file and the people already known: bad emails and roles, duplicates, managers nobody knows,
and reporting lines that loop. A file with any problem changes nothing.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from dataclasses import dataclass, field

from sqlalchemy import select

from webapp.accounts.models import ROLES, User, normalise_email
from webapp.extensions import db

REQUIRED = ("email", "name", "manager_email", "role")
OPTIONAL = ("employee_id",)
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MAX_ROWS = 20_000


@dataclass(frozen=True)
class Person:
    """One row of the chart, after checking."""

    line: int
    email: str
    name: str
    manager_email: str | None
    role: str
    employee_id: str | None


@dataclass
class ChartReport:
    """What a file would change, or every problem that stops it."""

    people: list[Person] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    # every email the file lists, refused rows too (they are not unknown managers)
    listed: set[str] = field(default_factory=set)
    has_employee_ids: bool = False
    created: int = 0
    updated: int = 0
    unchanged: int = 0


def read_chart(filename: str, data: bytes, importer: str | None = None) -> ChartReport:
    """Check an org chart file against itself and the people already in the database.

    `importer` is the email of the HR person importing: the file may not take away their own
    HR role (they would lock themselves out)."""
    report = ChartReport()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start + _bom(data)].count(b"\n") + 1
        report.problems.append(f"{filename}:{line}: is not UTF-8 text")
        return report
    reader = csv.DictReader(io.StringIO(text))
    columns = [c.strip() for c in reader.fieldnames or []]
    missing = [c for c in REQUIRED if c not in columns]
    unknown = [c for c in columns if c not in REQUIRED + OPTIONAL]
    if missing:
        report.problems.append(f"{filename}: required columns missing: {', '.join(missing)}")
    if unknown:
        report.problems.append(
            f"{filename}: unknown columns: {', '.join(unknown)} (expected "
            f"{', '.join(REQUIRED + OPTIONAL)})"
        )
    if report.problems:
        return report
    reader.fieldnames = columns
    report.has_employee_ids = "employee_id" in columns
    seen: dict[str, int] = {}
    seen_ids: dict[str, int] = {}
    try:  # line numbers as the file has them (blank lines and quoted line breaks count)
        rows = [(reader.line_num, row) for row in reader]
    except csv.Error as error:
        report.problems.append(f"{filename}:{reader.line_num}: is not well-formed CSV ({error})")
        return report
    if not rows:
        report.problems.append(f"{filename}: has no rows")
    if len(rows) > MAX_ROWS:
        report.problems.append(f"{filename}: has {len(rows)} rows; at most {MAX_ROWS} at once")
        return report
    for number, row in rows:
        report.listed.add(normalise_email(row.get("email") or ""))
        person = _person(filename, number, row, report.problems)
        if person is None:
            continue
        if person.email in seen:
            report.problems.append(
                f"{filename}:{number}: email: {person.email} already appeared on line "
                f"{seen[person.email]}"
            )
            continue
        seen[person.email] = number
        if importer and person.email == normalise_email(importer) and person.role != "hr":
            report.problems.append(
                f"{filename}:{number}: role: this row takes away your own HR role; another "
                "HR person must make that change"
            )
        if person.employee_id:
            if person.employee_id in seen_ids:
                report.problems.append(
                    f"{filename}:{number}: employee_id: {person.employee_id} already appeared "
                    f"on line {seen_ids[person.employee_id]}"
                )
            seen_ids[person.employee_id] = number
        report.people.append(person)
    _check_managers(filename, report)
    return report


def _person(filename: str, line: int, row: dict, problems: list[str]) -> Person | None:
    where = f"{filename}:{line}"
    values = {key: (value or "").strip() for key, value in row.items() if key is not None}
    if None in row:
        problems.append(f"{where}: has more cells than the header has columns")
        return None
    email = normalise_email(values.get("email", ""))
    manager = normalise_email(values.get("manager_email", ""))
    role = values.get("role", "").lower()
    ok = True
    if not EMAIL.match(email):
        problems.append(f"{where}: email: {values.get('email')!r} is not an email address")
        ok = False
    if manager and not EMAIL.match(manager):
        problems.append(
            f"{where}: manager_email: {values.get('manager_email')!r} is not an email address"
        )
        ok = False
    if not values.get("name"):
        problems.append(f"{where}: name: is blank")
        ok = False
    if role not in ROLES:
        problems.append(f"{where}: role: {values.get('role')!r} is not one of {', '.join(ROLES)}")
        ok = False
    if manager and manager == email:
        problems.append(f"{where}: manager_email: a person cannot be their own manager")
        ok = False
    if not ok:
        return None
    return Person(
        line, email, values["name"][:120], manager or None, role, values.get("employee_id") or None
    )


def _check_managers(filename: str, report: ChartReport) -> None:
    """Managers must be known (in the file or already here); reporting lines may not loop."""
    existing = {
        user.email: user for user in db.session.scalars(select(User)).all()
    }  # the chart as it stands
    ids = {user.id: user.email for user in existing.values()}
    id_owners = {user.employee_id: user.email for user in existing.values() if user.employee_id}
    manager_of = {
        email: ids.get(user.manager_id) for email, user in existing.items() if user.manager_id
    }
    for person in report.people:
        manager_of[person.email] = person.manager_email
        if person.manager_email and person.manager_email not in report.listed | existing.keys():
            report.problems.append(
                f"{filename}:{person.line}: manager_email: {person.manager_email} is not in the "
                "file and has no account"
            )
        taken = id_owners.get(person.employee_id) if person.employee_id else None
        if taken and taken != person.email:
            report.problems.append(
                f"{filename}:{person.line}: employee_id: {person.employee_id} already belongs to "
                f"{taken}"
            )
    reported: set[frozenset] = set()
    for person in report.people:
        chain, current = [person.email], manager_of.get(person.email)
        while current and current not in chain:
            chain.append(current)
            current = manager_of.get(current)
        if current and current in chain:
            loop = chain[chain.index(current) :]
            key = frozenset(loop)
            if key not in reported:
                reported.add(key)
                report.problems.append(
                    f"{filename}:{person.line}: manager_email: reporting lines loop: "
                    + " → ".join([*loop, current])
                )
    for person in report.people:
        user = existing.get(person.email)
        employee_id = (
            person.employee_id if report.has_employee_ids else getattr(user, "employee_id", None)
        )
        if user is None:
            report.created += 1
        elif (
            user.name,
            user.role,
            ids.get(user.manager_id),
            user.employee_id,
        ) == (person.name, person.role, person.manager_email, employee_id):
            report.unchanged += 1
        else:
            report.updated += 1


def apply_chart(report: ChartReport) -> None:
    """Create and update the people of a checked chart (the caller commits)."""
    if report.problems:
        raise ValueError("an org chart with problems is never applied")
    users = {user.email: user for user in db.session.scalars(select(User)).all()}
    for person in report.people:
        user = users.get(person.email)
        if user is None:
            user = User(email=person.email, name=person.name, role=person.role)
            user.set_password(None)
            db.session.add(user)
            users[person.email] = user
        user.name, user.role = person.name, person.role
        if report.has_employee_ids:  # an optional column: absent, the ids stay as they are
            user.employee_id = person.employee_id
    db.session.flush()
    for person in report.people:
        manager = users.get(person.manager_email) if person.manager_email else None
        users[person.email].manager_id = manager.id if manager else None


def _bom(data: bytes) -> int:
    """The length of a UTF-8 byte order mark at the start (decoding positions skip it)."""
    return len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
