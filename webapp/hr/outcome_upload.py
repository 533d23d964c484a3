"""Checking and storing an uploaded outcome file: the short file (joined to the assessments
already stored) or the full outcome CSV of DESIGN.md. A file with any problem stores nothing."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from sqlalchemy import func, insert, or_, select

from recommender import Pack
from recommender.outcomes import (
    OutcomesInvalid,
    is_short_file,
    parse_outcome_links,
    parse_outcomes,
)
from recommender.scoring import scoring_layout
from webapp.accounts.models import User
from webapp.assessment.models import Assessment
from webapp.extensions import db
from webapp.hr.models import FULL, SHORT, OutcomeRecord, OutcomeUpload, SensitiveValue


@dataclass
class UploadCheck:
    """What an uploaded file would add, or every problem that stops it."""

    kind: str
    problems: list[str] = field(default_factory=list)
    records: list[dict] = field(default_factory=list)  # rows of OutcomeRecord, as dicts
    sensitive: dict[str, list] = field(default_factory=dict)
    data_hash: str = ""


def sensitive_names(text: str | None) -> list[str]:
    """The sensitive column names typed in the form."""
    return [name.strip() for name in (text or "").split(",") if name.strip()]


def check_upload(filename: str, data: bytes, pack: Pack, sensitive: list[str]) -> UploadCheck:
    """Check a file whole; return its records, or its problems by line and column."""
    kind = SHORT if is_short_file(data, sensitive) else FULL
    check = UploadCheck(kind)
    try:
        if kind == SHORT:
            _short(check, filename, data, pack, sensitive)
        else:
            _full(check, filename, data, pack, sensitive)
    except OutcomesInvalid as invalid:
        check.problems = [str(problem) for problem in invalid.problems]
    return check


def _short(check: UploadCheck, filename: str, data: bytes, pack: Pack, sensitive) -> None:
    links = parse_outcome_links(filename, data, sensitive)
    check.data_hash = links.data_hash
    if links.problems:
        raise OutcomesInvalid(links.problems)
    latest = _latest_assessments(links.employee_ids, pack)
    for row, employee_id in enumerate(links.employee_ids):
        line = links.lines[row]
        found = latest.get(employee_id.lower())
        if found is None:
            check.problems.append(
                f"{filename}:{line}: employee_id: '{employee_id}' matches no person's employee "
                "id or email"
            )
        elif found == "no assessment":
            check.problems.append(
                f"{filename}:{line}: employee_id: '{employee_id}' has no finished assessment in "
                f"pack {pack.ref} to join the outcome to"
            )
        else:
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
    check.sensitive = {name: list(values) for name, values in links.sensitive.items()}


def _latest_assessments(employee_ids: list[str], pack: Pack) -> dict[str, int | str]:
    """Per id (lower case), the newest finished assessment of the person it names, matched by
    HR's employee id or by email; 'no assessment' when the person has none."""
    wanted = {e.lower() for e in employee_ids}
    people = db.session.execute(
        select(User.id, User.employee_id, User.email).where(
            or_(func.lower(User.employee_id).in_(wanted), User.email.in_(wanted))
        )
    ).all()
    newest: dict[int, int] = {}
    rows = db.session.execute(
        select(Assessment.user_id, Assessment.id)
        .where(
            Assessment.user_id.in_([p.id for p in people]),
            Assessment.completed_at.is_not(None),
            Assessment.pack == pack.ref,
        )
        .order_by(Assessment.completed_at, Assessment.id)
    )
    for user_id, assessment_id in rows:
        newest[user_id] = assessment_id
    found: dict[str, int | str] = {}
    for user_id, employee_id, email in people:
        for key in (employee_id, email):
            if key and key.lower() in wanted:
                found[key.lower()] = newest.get(user_id, "no assessment")
    return found


def _full(check: UploadCheck, filename: str, data: bytes, pack: Pack, sensitive) -> None:
    outcomes = parse_outcomes(filename, data, pack, sensitive)
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


def store_upload(
    check: UploadCheck, filename: str, pack: Pack, sensitive: list[str], uploaded_by: int
) -> OutcomeUpload:
    """Store a checked file: its rows, and its sensitive values in their own table."""
    if check.problems:
        raise ValueError("a file with problems is never stored")
    upload = OutcomeUpload(
        uploaded_by=uploaded_by,
        filename=filename[:255],
        kind=check.kind,
        pack=pack.ref,
        rows=len(check.records),
        sha256=check.data_hash,
        sensitive_columns=sensitive,
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
