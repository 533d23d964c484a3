"""Checking and storing an uploaded outcome file: the short file (joined to the assessments
already stored) or the full outcome CSV of DESIGN.md. A file with any problem stores nothing;
short-file rows of people with no account or no finished assessment are not problems but rows
that cannot be used, listed for HR, who confirms training on the rest."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

import numpy as np
from sqlalchemy import insert, select, update

from webapp import learning
from webapp.accounts.models import User
from webapp.answering import Pack, employee_id_key, scoring_layout
from webapp.assessment.models import Assessment, discipline_of_ref
from webapp.database import utcnow
from webapp.extensions import db
from webapp.hr.outcomes.models import FULL, SHORT, OutcomeRecord, OutcomeUpload, SensitiveValue
from webapp.hr.outcomes.training import IDS_PER_QUERY, linked_profiles

NO_ACCOUNT, NO_ASSESSMENT = "no_account", "no_assessment"
OTHER_VERSION, OTHER_DISCIPLINE = "other_version", "other_discipline"
# Why a short-file row cannot be used (the person left, never took the assessment, or took it
# only in another version of the questionnaire or another discipline), as the report says it.
NOT_USABLE = {
    NO_ACCOUNT: "no account with this employee id or email",
    NO_ASSESSMENT: "no finished assessment",
    OTHER_VERSION: "finished assessments only in another version of this questionnaire",
    OTHER_DISCIPLINE: "finished assessments only in another discipline",
}


@dataclass(frozen=True)
class Match:
    """The one person a short-file id names, and their newest finished assessment of the pack
    (its id), or why there is none (a key of NOT_USABLE)."""

    user_id: int
    email: str
    assessment: int | str


@dataclass
class UploadCheck:
    """What an uploaded file would add, the rows it cannot use, or every problem that stops
    it."""

    kind: str
    # whether its first line names an outcome file's columns; if not, it is called "this file"
    recognised: bool = True
    problems: list[str] = field(default_factory=list)  # the first ones, in line order
    more_problems: int = 0  # counted, not listed
    records: list[dict] = field(default_factory=list)  # rows of OutcomeRecord, as dicts
    sensitive: dict[str, list] = field(default_factory=dict)  # row for row with records
    not_usable: list[dict] = field(default_factory=list)  # {"line", "employee_id", "reason"}
    data_hash: str = ""  # SHA-256 of the file's bytes
    content_hash: str = ""  # of the rows it trains on (`content_digest`)
    # why the rows that can be used are too few to train on, track by track (training's own
    # rule: a full file's rows with response-quality flags do not count), or nothing; for a
    # file with problems, whether even every row whose outcome reads (and, in a short file,
    # joins an assessment) is too few, so that mending the rows alone would not do
    shortfall: list[str] = field(default_factory=list)
    flagged: int = 0  # rows whose responses carry a quality flag: training leaves them out


def sensitive_names(text: str | None) -> list[str]:
    """The sensitive column names typed in the form, each once, in the order typed."""
    return list(dict.fromkeys(name.strip() for name in (text or "").split(",") if name.strip()))


def check_upload(filename: str, data: bytes, pack: Pack, sensitive: list[str]) -> UploadCheck:
    """Check a file whole; return its records, or its problems by line and column."""
    recognised = learning.looks_like_outcomes(data)
    # a file naming no item of the pack is a short one, whatever else its header holds (a
    # column not named as sensitive, a column name that cannot be read): checked as one, it
    # is told so, not that it lacks a full file's items and belongs on this very page
    short = learning.is_short_file(data, sensitive) or (
        recognised and not learning.names_items(data, pack)
    )
    kind = SHORT if short else FULL
    check = UploadCheck(kind, recognised=recognised)
    try:
        if kind == SHORT:
            _short(check, filename, data, pack, sensitive)
        else:
            _full(check, filename, data, pack, sensitive)
    except learning.OutcomesInvalid as invalid:
        check.problems = [str(problem) for problem in invalid.problems]
        check.more_problems = invalid.more
        check.shortfall = invalid.shortfall
    if not check.problems:
        check.content_hash = content_digest(check.kind, check.records, check.sensitive)
    return check


def content_digest(kind: str, records: list[dict], sensitive: dict[str, list]) -> str:
    """SHA-256 of the rows an upload trains on, each with its sensitive values, in a canonical
    form: sorted by person (ids read the same whatever their case), keys sorted, so that the
    same rows saved again with other line ends, quoting or row order give the same digest."""
    names = sorted(sensitive)
    rows = sorted(
        json.dumps(
            [
                # a short file's row is the assessment it joins, however it named the person
                "" if record["assessment_id"] else record["employee_id"].lower(),
                record["assessment_id"],
                record["answers"],
                record["context"],
                record["track_taken"],
                record["success"],
                [sensitive[name][row] for name in names],
            ],
            sort_keys=True,
            default=_typed,
        )
        for row, record in enumerate(records)
    )
    digest = hashlib.sha256(json.dumps([kind, names]).encode())
    for row in rows:
        digest.update(b"\n" + row.encode())
    return digest.hexdigest()


def _short(check: UploadCheck, filename: str, data: bytes, pack: Pack, sensitive) -> None:
    links = learning.parse_outcome_links(filename, data, sensitive, pack)
    check.data_hash = links.data_hash
    problems = [(problem.line, str(problem)) for problem in links.problems]
    latest = _latest_assessments([e for e in links.employee_ids if e], pack)
    used, readable = [], []
    named_on: dict[int, tuple[int, str]] = {}  # user id -> (line, id) of the row that named them
    for row, employee_id in enumerate(links.employee_ids):
        if not employee_id:
            continue  # a problem already
        found = latest.get(employee_id.lower(), NO_ACCOUNT)
        line = links.lines[row]
        if isinstance(found, tuple):
            problems.append(
                (
                    line,
                    f"{filename}:{line}: employee_id: '{employee_id}' names more than one person "
                    f"({', '.join(found)}): ids are the same whatever their case; give each "
                    "person their own in the org chart",
                )
            )
            continue
        if isinstance(found, Match):
            if found.user_id in named_on:
                first_line, first_id = named_on[found.user_id]
                if first_id.lower() == employee_id.lower():
                    continue  # the same id twice: reading the file named it already
                problems.append(
                    (
                        line,
                        f"{filename}:{line}: employee_id: '{employee_id}' "
                        + (
                            "is the email of the person"
                            if employee_id.lower() == found.email.lower()
                            else f"is {found.email},"
                        )
                        + f" already named on line {first_line} as '{first_id}': one row per "
                        "person (remove one of the two)",
                    )
                )
                continue
            named_on[found.user_id] = (line, employee_id)
            found = found.assessment
        if found in NOT_USABLE:
            check.not_usable.append({"line": line, "employee_id": employee_id, "reason": found})
            continue
        used.append(row)
        readable.append(bool(links.readable[row]))
        check.records.append(
            {
                "employee_id": employee_id,
                "assessment_id": found,
                "answers": None,
                "context": None,
                "track_taken": links.track_taken[row],
                "success": bool(links.success[row]),
            }
        )
    problems.sort(key=lambda problem: problem[0])  # stable: in column order within a line
    listed = problems[: learning.PROBLEMS_LISTED]
    check.problems = [text for _, text in listed]
    check.more_problems = links.more_problems + len(problems) - len(listed)
    check.sensitive = {
        name: [values[row] for row in used] for name, values in links.sensitive.items()
    }
    if check.problems:
        # a refused file is not scored: are even its rows that join and read too few?
        if any(readable) and links.whole:
            check.shortfall = learning.training_shortfalls(
                [r["track_taken"] for r, ok in zip(check.records, readable, strict=True) if ok],
                [r["success"] for r, ok in zip(check.records, readable, strict=True) if ok],
                unread=readable.count(False),
            )
        return
    profiles = linked_profiles(check.records, pack) if check.records else None
    check.flagged = 0 if profiles is None else int(profiles.flagged.sum())
    check.shortfall = learning.training_shortfalls(
        [record["track_taken"] for record in check.records],
        [record["success"] for record in check.records],
        profiles,
    )


def _latest_assessments(employee_ids: list[str], pack: Pack) -> dict[str, Match | tuple]:
    """Per id of the file (read in standard form: its lower case is its `employee_id_key`),
    the person it names, matched by HR's employee id (however it is stored) or by email,
    whatever the case, with their newest finished assessment of `pack` or why they have none
    (NO_ASSESSMENT, or finished ones only in another version or discipline); the emails of
    everyone it names when it names more than one person.

    The file's ids are matched here, not in an `IN (...)` list: a file may hold millions of
    ids, far more than a statement takes parameters, while the people are as many as the
    company has (one query whatever the file's length)."""
    wanted = {e.lower() for e in employee_ids}  # as `employee_id_key`, for standard ids
    people = [
        person
        for person in db.session.execute(select(User.id, User.employee_id, User.email))
        if (person.employee_id and employee_id_key(person.employee_id) in wanted)
        or employee_id_key(person.email) in wanted
    ]
    newest: dict[int, tuple] = {}  # user id -> (completed_at, id) of their newest assessment
    elsewhere: dict[int, str] = {}  # user id -> why their finished assessments are not of pack
    user_ids = sorted(person.id for person in people)
    for start in range(0, len(user_ids), IDS_PER_QUERY):
        rows = db.session.execute(
            select(
                Assessment.user_id, Assessment.pack, Assessment.completed_at, Assessment.id
            ).where(
                Assessment.user_id.in_(user_ids[start : start + IDS_PER_QUERY]),
                Assessment.completed_at.is_not(None),
            )
        )
        for user_id, taken_in, *finished in rows:
            if taken_in == pack.ref:
                newest[user_id] = max(newest.get(user_id, finished), finished)
            elif discipline_of_ref(taken_in) == pack.id:
                elsewhere[user_id] = OTHER_VERSION
            else:
                elsewhere.setdefault(user_id, OTHER_DISCIPLINE)
    named: dict[str, dict[int, str]] = {}  # id -> the people it names, by user id
    for user_id, employee_id, email in people:
        for key in (employee_id, email):
            if key and employee_id_key(key) in wanted:
                named.setdefault(employee_id_key(key), {})[user_id] = email
    latest: dict[str, Match | tuple] = {}
    for key, users in named.items():
        if len(users) > 1:
            latest[key] = tuple(sorted(users.values()))
            continue
        ((user_id, email),) = users.items()
        if user_id in newest:
            latest[key] = Match(user_id, email, newest[user_id][1])
        else:
            latest[key] = Match(user_id, email, elsewhere.get(user_id, NO_ASSESSMENT))
    return latest


def _full(check: UploadCheck, filename: str, data: bytes, pack: Pack, sensitive) -> None:
    outcomes = learning.parse_outcomes(filename, data, pack, sensitive)
    check.data_hash = outcomes.data_hash
    item_ids = scoring_layout(pack).item_ids
    context_names = [n for n in outcomes.context if n != "current_grade"]
    for row, employee_id in enumerate(outcomes.employee_ids):
        answers = {
            item_id: int(value)
            for item_id, value in zip(item_ids, outcomes.answers[row], strict=True)
            if not np.isnan(value)
        }
        context = {}
        for name in context_names:
            value = outcomes.context[name][row]
            if value is None or (isinstance(value, float) and np.isnan(value)):
                continue
            context[name] = value.item() if hasattr(value, "item") else value
        check.records.append(
            {
                "employee_id": employee_id,
                "assessment_id": None,
                "answers": answers,
                "context": context,
                "track_taken": outcomes.track_taken[row],
                "success": bool(outcomes.success[row]),
            }
        )
    check.sensitive = {name: list(values) for name, values in outcomes.sensitive.items()}
    profiles = outcomes.profiles()
    check.flagged = int(profiles.flagged.sum())
    check.shortfall = learning.training_shortfalls(outcomes.track_taken, outcomes.success, profiles)


def _typed(value) -> str:
    """A value JSON has no form for (a numpy number, should one arrive), with its type, so that
    it never reads as the string of the same digits."""
    return f"{type(value).__name__}:{value}"


def store_upload(
    check: UploadCheck,
    filename: str,
    pack: Pack,
    sensitive: list[str],
    uploaded_by: int,
    *,
    confirmed: bool,
    from_active: bool = True,
) -> OutcomeUpload:
    """Store a checked file: its usable rows, the list of rows it cannot use, and its sensitive
    values in their own table. An unconfirmed upload waits for HR to confirm training.
    `from_active`: whether its candidate may shrink toward the active version."""
    if check.problems:
        raise ValueError("a file with problems is never stored")
    upload = OutcomeUpload(
        uploaded_by=uploaded_by,
        filename=filename[:255],
        kind=check.kind,
        pack=pack.ref,
        rows=len(check.records),
        flagged=check.flagged,
        sha256=check.data_hash,
        content_sha256=check.content_hash or None,
        sensitive_columns=sensitive,
        not_usable=check.not_usable,
        confirmed_at=utcnow() if confirmed else None,
        from_active=from_active,
    )
    db.session.add(upload)
    db.session.flush()
    # Core bulk inserts: tens of thousands of rows in one statement each, not one ORM object
    # per row (about ten times faster for a 20,000-person file).
    if check.records:
        db.session.execute(
            insert(OutcomeRecord),
            [{"upload_id": upload.id, **record} for record in check.records],
        )
    values = [
        {
            "upload_id": upload.id,
            "employee_id": record["employee_id"],
            "attribute": name,
            "value": groups[row],
        }
        for name, groups in check.sensitive.items()
        for row, record in enumerate(check.records)
    ]
    if values:
        db.session.execute(insert(SensitiveValue), values)
    return upload


def confirm_upload(upload: OutcomeUpload) -> bool:
    """Mark an upload confirmed for training, once: False when it already was (a second or a
    concurrent confirmation), so that one confirmation starts one run. Not committed."""
    marked = db.session.execute(
        update(OutcomeUpload)
        .where(OutcomeUpload.id == upload.id, OutcomeUpload.confirmed_at.is_(None))
        .values(confirmed_at=utcnow())
    )
    return marked.rowcount == 1
