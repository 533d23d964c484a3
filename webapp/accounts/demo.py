"""Demo accounts for a local trial: one per role, random passwords kept in the instance folder,
labelled with the database they are for (every database served from one folder shares the file)."""

from __future__ import annotations

import json
import secrets
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy.engine import make_url

from webapp import answering
from webapp.accounts.models import User
from webapp.answering import Answers
from webapp.assessment.models import Assessment
from webapp.database import utcnow
from webapp.extensions import db
from webapp.sharing.models import Share

DEMO_FILE = "demo-accounts.json"
DEMO_PEOPLE = (
    ("employee", "employee@example.com", "Dana Employee"),
    ("manager", "manager@example.com", "Morgan Manager"),
    ("hr", "hr@example.com", "Harper HR"),
)


def ensure_demo_accounts(app: Flask) -> list[dict[str, Any]]:
    """The demo accounts, created on first run: the employee reports to the manager and has one
    finished assessment, shared with the manager, so every role has something to look at."""
    path = Path(app.instance_path) / DEMO_FILE
    database = _database_label(app)
    kept = json.loads(path.read_text()) if path.exists() else []
    # a file from before the label holds one database's accounts: taken as this one's, as then
    mine = [a for a in kept if a.get("database", database) == database]
    if mine and all(User.by_email(a["email"]) is not None for a in mine):
        return mine
    others = [a for a in kept if a.get("database", database) != database]
    accounts = []
    for role, email, name in DEMO_PEOPLE:
        user = User.by_email(email)
        password = secrets.token_urlsafe(9)
        if user is None:
            user = User(email=email, name=name, role=role)
            db.session.add(user)
        user.set_password(password)
        accounts.append({"role": role, "email": email, "password": password, "database": database})
    employee, manager = User.by_email(DEMO_PEOPLE[0][1]), User.by_email(DEMO_PEOPLE[1][1])
    employee.manager_id = manager.id
    db.session.commit()
    _finished_demo_assessment(employee, manager)
    path.touch(mode=0o600)
    path.write_text(json.dumps(others + accounts, indent=2))
    return accounts


def _database_label(app: Flask) -> str:
    """The database the demo accounts are for, as `trackfit serve` names it, without a password."""
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    return url.render_as_string(hide_password=True)


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
    assessment.finish()
    db.session.add(Share(assessment_id=assessment.id, manager_id=manager.id))
    db.session.commit()
