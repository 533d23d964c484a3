"""Test data built straight in the database: people, assessments and shares, without clicking
through the pages that make them (only the questionnaire's own tests do that)."""

from __future__ import annotations

import json
import math
from datetime import datetime
from functools import cache
from pathlib import Path

from flask import Flask
from sqlalchemy import insert, select
from werkzeug.security import generate_password_hash

from recommender.answer.scoring import scoring_layout
from recommender.learn.synthetic import generate_outcomes
from recommender.pack.loading import load_pack
from recommender.pack.questionnaire import CHOICE
from webapp import answering, audit
from webapp.accounts.models import User
from webapp.assessment.forms import pages
from webapp.assessment.models import Assessment
from webapp.database import utcnow
from webapp.extensions import db
from webapp.manager.models import Decision
from webapp.sharing.models import Share

PASSWORD = "correct horse battery"
PACKS = Path(__file__).resolve().parents[2] / "questionnaires"
SAMPLES = PACKS / "engineering/sample-answers.jsonl"


def sample_people(pack: str = "engineering") -> list[dict]:
    """The sample people of a bundled pack (its sample answers, one dict each)."""
    samples = PACKS / pack / "sample-answers.jsonl"
    return [json.loads(line) for line in samples.read_text().splitlines() if line.strip()]


# A real scrypt hash, at a cost for tests: the app's own (2**15) takes a tenth of a second to
# check, on every login of every test; accounts the app makes itself still use the app's.
TEST_HASH_METHOD = "scrypt:1024:8:1"


@cache
def password_hash() -> str:
    """PASSWORD hashed once per run."""
    return generate_password_hash(PASSWORD, method=TEST_HASH_METHOD)


def user(
    app: Flask,
    email: str,
    role: str = "employee",
    name: str = "Someone",
    manager: str | None = None,
    *,
    discipline: str | None = None,
) -> int:
    """An account with the test password (under `manager`, an email, if given; in
    `discipline`, a pack id, if given); its id."""
    with app.app_context():
        person = User(email=email, name=name, role=role, discipline=discipline)
        person.set_password(None)  # the new session token an account gets
        person.password_hash = password_hash()
        if manager is not None:
            person.manager_id = User.by_email(manager).id
        db.session.add(person)
        db.session.commit()
        return person.id


def reports(app: Flask, manager: str, size: int) -> None:
    """`size` employees under `manager` (an email), "Report 000" to "Report {size - 1}" at
    report000@example.com..., with the test password, in one commit."""
    with app.app_context():
        manager_id = User.by_email(manager).id
        for i in range(size):
            person = User(email=f"report{i:03d}@example.com", name=f"Report {i:03d}")
            person.set_password(None)  # the new session token an account gets
            person.role, person.manager_id = "employee", manager_id
            person.password_hash = password_hash()
            db.session.add(person)
        db.session.commit()


def decision(app: Flask, assessment_id: int, recorded_by: str | None = None) -> None:
    """A decision recorded for the assessment (IC, L4, as advised), by `recorded_by` (an
    email) or nobody."""
    with app.app_context():
        recorder = User.by_email(recorded_by).id if recorded_by else None
        db.session.add(
            Decision(
                assessment_id=assessment_id,
                recorded_by=recorder,
                track="ic",
                target_level="L4",
                recommended_track="ic",
                recommended_target="L4",
                overrides=False,
                reason="",
            )
        )
        db.session.commit()


def team(app: Flask) -> None:
    """HR; Mo manages Ada; Max manages Bob. Everyone has the test password."""
    user(app, "hr@example.com", "hr", "Hana")
    user(app, "mo@example.com", "manager", "Mo")
    user(app, "max@example.com", "manager", "Max")
    user(app, "ada@example.com", "employee", "Ada", manager="mo@example.com")
    user(app, "bob@example.com", "employee", "Bob", manager="max@example.com")


def set_manager(app: Flask, email: str, manager: str | None) -> None:
    """Put a person under a manager (or none) in the org chart."""
    with app.app_context():
        person = User.by_email(email)
        person.manager_id = User.by_email(manager).id if manager else None
        db.session.commit()


def assessment(
    app: Flask,
    email: str,
    person: dict,
    *,
    pages_done: int | None = None,
    seconds_per_page: float = 0.0,
) -> int:
    """This person's answers (a line of sample-answers.jsonl of their discipline's pack) stored
    for the account, in that pack, as the assessment pages save them; its id.

    Finished by default, with the recommendation the app computes and keeps when the last page
    is sent; with `pages_done`, only that many pages are saved and it is still in progress.
    Timings are `seconds_per_page` for each page saved: a test client sending every page at
    once leaves 0.0.
    """
    with app.app_context():
        owner = User.by_email(email)
        pack = answering.pack_for(owner)
        every_page = pages(pack)
        done = every_page if pages_done is None else every_page[:pages_done]
        given = {**person["answers"], **person["context"]}
        answers, context = {}, {}
        for page in done:
            for item in page.items:
                # What the page's fields give: the text of a choice, a whole number otherwise.
                value = str(given[item.id]) if item.kind == CHOICE else int(given[item.id])
                (context if item.context else answers)[item.context or item.id] = value
        stored = Assessment(
            user_id=owner.id,
            pack=pack.ref,
            answers=answers,
            context=context,
            timings={page.section.id: round(seconds_per_page, 1) for page in done},
            step=len(done),
            # Stored as finished from the start: the database allows one unfinished
            # assessment per person and pack, and the person may have one besides this.
            completed_at=utcnow() if pages_done is None else None,
        )
        db.session.add(stored)
        db.session.flush()
        if pages_done is None:
            stored.finish()  # what the last page does
        db.session.commit()
        return stored.id


def share(app: Flask, assessment_id: int) -> None:
    """The assessment shared with its owner's manager, audited as the share button does."""
    with app.app_context():
        owner = db.session.get(User, db.session.get(Assessment, assessment_id).user_id)
        manager = db.session.get(User, owner.manager_id)
        db.session.add(Share(assessment_id=assessment_id, manager_id=manager.id))
        audit.record("share", f"assessment {assessment_id}", actor=owner, manager=manager.email)
        db.session.commit()


def people_with_assessments(app, n: int, seed: int) -> list[str]:
    """n employees with HR ids `E{seed}-0000`... and a finished assessment each (synthetic
    answers, stored straight in the database); the lines of a short outcome file for them
    (header first, with their gender as a sensitive column)."""
    pack = load_pack("engineering")
    outcomes = generate_outcomes(pack, n, seed)
    item_ids = scoring_layout(pack).item_ids
    ids = [f"E{seed}-{i:04d}" for i in range(n)]
    with app.app_context():
        db.session.execute(
            insert(User),
            [
                {
                    "email": f"{e.lower()}@example.com",
                    "name": e,
                    "password_hash": "!",
                    "role": "employee",
                    "session_token": e,
                    "employee_id": e,
                    "created_at": datetime(2026, 1, 1),
                }
                for e in ids
            ],
        )
        users = dict(db.session.execute(select(User.employee_id, User.id)).all())
        rows = []
        for i, e in enumerate(ids):
            answers = {
                item: int(v)
                for item, v in zip(item_ids, outcomes.answers[i], strict=True)
                if not math.isnan(v)
            }
            context = {
                name: (value.item() if hasattr(value, "item") else value)
                for name in ("years_experience", "years_at_level", "direct_reports")
                if not math.isnan(value := outcomes.context[name][i])
            }
            context |= {
                "current_track": outcomes.context["current_track"][i],
                "current_level": outcomes.context["current_level"][i],
            }
            rows.append(
                {
                    "user_id": users[e],
                    "pack": pack.ref,
                    "answers": answers,
                    "context": context,
                    "timings": {},
                    "step": 7,
                    "started_at": datetime(2026, 1, 1),
                    "updated_at": datetime(2026, 1, 1),
                    "completed_at": datetime(2026, 1, 2),
                }
            )
        db.session.execute(insert(Assessment), rows)
        db.session.commit()
    short = ["employee_id,track_taken,success,gender"]
    short += [
        f"{e},{outcomes.track_taken[i]},{int(outcomes.success[i])},"
        f"{outcomes.sensitive['gender'][i]}"
        for i, e in enumerate(ids)
    ]
    return short
