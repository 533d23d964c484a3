"""Demo accounts for a local trial: one per role, random passwords kept in the instance folder,
labelled with the database they are for (every database served from one folder shares the file)."""

from __future__ import annotations

import json
import secrets
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import select
from sqlalchemy.engine import make_url

from webapp import answering
from webapp.accounts.models import User, password_matches
from webapp.answering import Answers
from webapp.assessment.models import Assessment
from webapp.audit import AuditEvent
from webapp.database import utcnow
from webapp.extensions import db
from webapp.sharing.models import Share

DEMO_FILE = "demo-accounts.json"
DEMO_PEOPLE = (
    ("employee", "employee@example.com", "Dana Employee"),
    ("manager", "manager@example.com", "Morgan Manager"),
    ("hr", "hr@example.com", "Harper HR"),
)
ROLE_ORDER = [role for role, _, _ in DEMO_PEOPLE]


def ensure_demo_accounts(app: Flask) -> list[dict[str, Any]]:
    """The demo accounts, created on first run: the employee reports to the manager and has one
    finished assessment, shared with the manager, so every role has something to look at. An
    account of a demo's email that is no demo account of this database is left as it is,
    listed with `kept` and no password."""
    path = Path(app.instance_path) / DEMO_FILE
    database = _database_label(app)
    kept = json.loads(path.read_text()) if path.exists() else []
    # a file from before the label holds one database's accounts: taken as this one's, as then
    # a demo account of this database is one the file's password still opens: a file from
    # before the label, or kept beside a database made again, names accounts it did not make
    mine = [
        a
        for a in kept
        if a.get("database", database) == database
        and password_matches(User.by_email(a["email"]), a.get("password", ""))
    ]
    demo_emails = {a["email"] for a in mine}
    own = [  # someone's own account of a demo's email (`trackfit users add`): never given a
        # new password, a manager or an assessment by a demo
        {"role": role, "email": email, "kept": True}
        for role, email, _ in DEMO_PEOPLE
        if email not in demo_emails and User.by_email(email) is not None
    ]
    if len(mine) + len(own) == len(DEMO_PEOPLE):
        if not own:  # the demo's own employee and manager: an assessment owed them is made
            _owed_demo_assessment(*(User.by_email(email) for _, email, _ in DEMO_PEOPLE[:2]))
        return sorted(mine + own, key=lambda a: ROLE_ORDER.index(a["role"]))
    others = [a for a in kept if a.get("database", database) != database]
    made = []
    for role, email, name in DEMO_PEOPLE:
        if any(a["email"] == email for a in own):
            continue
        user = User.by_email(email)
        if user is None:
            user = User(email=email, name=name, role=role)
            db.session.add(user)
        password = secrets.token_urlsafe(9)
        user.set_password(password)
        made.append({"role": role, "email": email, "password": password, "database": database})
    employee, manager = (User.by_email(email) for _, email, _ in DEMO_PEOPLE[:2])
    together = not any(a["email"] in (employee.email, manager.email) for a in own)
    if together:
        employee.manager_id = manager.id
    db.session.commit()
    # written as soon as the passwords are kept: a demo assessment that cannot be made (no
    # usable model yet) once left accounts whose passwords nobody was ever told
    path.touch(mode=0o600)
    path.write_text(json.dumps(others + made, indent=2))
    if together:
        _finished_demo_assessment(employee, manager)
    return sorted(made + own, key=lambda a: ROLE_ORDER.index(a["role"]))


def _database_label(app: Flask) -> str:
    """The database the demo accounts are for, as `trackfit serve` names it."""
    return database_shown(app.config["SQLALCHEMY_DATABASE_URI"])


SECRET_QUERY_KEYS = ("pass", "secret", "token")  # password=, sslpassword=, passfile= ...


def database_shown(uri: str) -> str:
    """A database URL as it may be shown or written down: its password hidden, in the address
    and in the query (libpq takes `?password=` as well as `user:password@`)."""
    url = make_url(uri)
    hidden = {
        key: "***" for key in url.query if any(part in key.lower() for part in SECRET_QUERY_KEYS)
    }
    return url.update_query_dict(hidden).render_as_string(hide_password=True)


def _owed_demo_assessment(employee: User, manager: User) -> None:
    """The demo assessment, when the accounts were made while no model could be used (a first
    start with no usable model): made at a later start, once the employee still reports to
    the demo manager and has never had an assessment here (one they deleted stays deleted)."""
    if employee.manager_id != manager.id:
        return
    had = select(Assessment.id).where(Assessment.user_id == employee.id)
    deleted = select(AuditEvent.id).where(
        AuditEvent.actor_id == employee.id, AuditEvent.action.in_(DELETIONS)
    )
    if db.session.scalar(had.limit(1)) is None and db.session.scalar(deleted.limit(1)) is None:
        _finished_demo_assessment(employee, manager)


DELETIONS = ("delete_assessment", "delete_all")


def _finished_demo_assessment(user: User, manager: User) -> None:
    """Give the demo employee a result to look at, from the pack's first sample person, shared
    with their manager."""
    if Assessment.completed(user.id):
        return
    pack = answering.current_pack()
    sample = pack.path / "sample-answers.jsonl"
    if not sample.is_file():
        return
    data = json.loads(sample.read_text(encoding="utf-8").splitlines()[0])
    answers = Answers.from_json(data, pack)
    now = utcnow()
    assessment = Assessment(
        user_id=user.id,
        pack=pack.ref,
        answers=answers.to_json()["answers"],
        context=dict(answers.context),
        timings=dict(answers.timings),
        started_at=now,
        updated_at=now,
        completed_at=now,
        step=len(pack.questionnaire.sections),
    )
    db.session.add(assessment)
    db.session.flush()
    try:
        assessment.finish()
    except answering.ModelRefused:
        # no usable model yet (`trackfit serve` says why): the accounts are there without it
        db.session.rollback()
        return
    db.session.add(Share(assessment_id=assessment.id, manager_id=manager.id))
    db.session.commit()
