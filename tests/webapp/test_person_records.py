"""HR answers a person who asks what the outcome uploads hold about them, and removes it:
found by either of their ids whatever the case, taken from every upload at once with each
upload's counts and digest brought up to date, refused while a run may be reading the rows,
recorded in the audit log; at the same moment from two tabs, removed once (on SQLite and on
PostgreSQL)."""

from __future__ import annotations

import re
from html import unescape

import pytest
from sqlalchemy import func, select, update

from tests.concurrency import all_at_once
from tests.webapp import factories
from tests.webapp.factories import PASSWORD
from tests.webapp.test_races import LiveBrowser
from tests.webapp.test_retraining import short_file, upload
from webapp.accounts.models import User
from webapp.audit import AuditEvent
from webapp.extensions import db
from webapp.hr.outcomes.models import OutcomeRecord, OutcomeUpload, SensitiveValue, TrainingRun
from webapp.hr.outcomes.upload import content_digest

PAGE = "/hr/outcomes/person"


def _uploads(app) -> list[tuple[int, int, int | None, str, int]]:
    """(id, rows, flagged, digest, rows not used) of every upload, in order."""
    with app.app_context():
        return [
            (u.id, u.rows, u.flagged, u.content_sha256, len(u.not_usable))
            for u in db.session.scalars(select(OutcomeUpload).order_by(OutcomeUpload.id))
        ]


def _held(app, employee_id: str) -> tuple[int, int]:
    """Outcome rows and sensitive values stored under an id, whatever its case."""
    with app.app_context():
        return tuple(
            db.session.scalar(
                select(func.count()).where(func.lower(model.employee_id) == employee_id.lower())
            )
            for model in (OutcomeRecord, SensitiveValue)
        )


def _audit(app, action: str) -> list[AuditEvent]:
    with app.app_context():
        events = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        ).all()
        return [(event.subject, event.detail) for event in events]


def _digest_of_stored(app, upload_id: int) -> str:
    """`content_digest` of the rows an upload holds now, as a file of them would have."""
    with app.app_context():
        stored = db.session.get(OutcomeUpload, upload_id)
        records = [
            {
                "employee_id": r.employee_id,
                "assessment_id": r.assessment_id,
                "answers": r.answers,
                "context": r.context,
                "track_taken": r.track_taken,
                "success": r.success,
            }
            for r in db.session.scalars(
                select(OutcomeRecord).where(OutcomeRecord.upload_id == upload_id)
            )
        ]
        genders = dict(
            db.session.execute(
                select(SensitiveValue.employee_id, SensitiveValue.value).where(
                    SensitiveValue.upload_id == upload_id
                )
            ).all()
        )
        sensitive = {"gender": [genders[r["employee_id"]] for r in records]}
        return content_digest(stored.kind, records, sensitive)


def _words(html: str) -> str:
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


@pytest.fixture
def two_uploads(team, signed_in, runs_stay_queued):
    """Two short files naming the same 300 people (the second, the first 250 of them, with a
    leaver); the first one's run stays queued. Returns (hr client, lines of the first file)."""
    lines = factories.people_with_assessments(team, 300, 31)
    hr = signed_in("hr@example.com")
    assert upload(hr, short_file(lines), "gender", "spring.csv").status_code == 302
    second = [*lines[:251], "E-left,manager,1,woman"]
    assert upload(hr, short_file(second), "gender", "autumn.csv").status_code == 302
    return hr, lines


def test_hr_finds_everything_held_about_one_person_and_removes_it_from_every_upload(
    team, two_uploads
):
    hr, lines = two_uploads
    person = lines[5].split(",")[0]  # E31-0004, in both files
    before = _uploads(team)
    assert _held(team, person) == (2, 2)

    # found however the id is written, and by the email of the account it names
    for asked in (person.lower(), f"{person.lower()}@example.com".upper()):
        page = hr.get(f"{PAGE}?employee_id={asked}")
        assert page.status_code == 200
        words = _words(page.get_data(as_text=True))
        assert "spring.csv" in words and "autumn.csv" in words
        assert words.count("joined to their finished assessment") == 2
        assert "gender (sensitive: fairness report only)" in words
    assert [subject for subject, _ in _audit(team, "outcome_records_viewed")] == [
        person.lower(),
        f"{person.lower()}@example.com".upper(),
    ]
    leaver = _words(hr.get(f"{PAGE}?employee_id=e-LEFT").get_data(as_text=True))
    assert "Row not used line 252 (E-left): no account with this employee id" in leaver

    # a run is queued on the first upload: it may read the rows at any moment
    token = hr.token(f"{PAGE}?employee_id={person}")
    form = {"csrf_token": token, "employee_id": person, "understood": "y"}
    refused = hr.post(f"{PAGE}/remove", data=form)
    assert refused.status_code == 303
    said = _words(hr.get(refused.headers["Location"]).get_data(as_text=True))
    assert "Nothing was removed: training is under way" in said and "(queued)" in said
    assert _held(team, person) == (2, 2) and _uploads(team) == before

    with team.app_context():
        db.session.execute(update(TrainingRun).values(status="failed"))
        db.session.commit()
    # not without the box ticked, nor without the form's token
    unticked = hr.post(f"{PAGE}/remove", data={**form, "understood": ""})
    assert unticked.status_code == 422
    assert "Tick the box to say you read what removing does not undo" in unticked.get_data(
        as_text=True
    )
    assert hr.post(f"{PAGE}/remove", data={**form, "csrf_token": "forged"}).status_code == 400
    assert _held(team, person) == (2, 2)

    done = hr.post(f"{PAGE}/remove", data=form)
    assert done.status_code == 303
    said = _words(hr.get(done.headers["Location"]).get_data(as_text=True))
    assert f"Removed {person}'s records from 2 uploads: 2 outcome rows, 2 sensitive values" in said
    assert f"No upload holds anything under {person.lower()}" in said
    assert _held(team, person) == (0, 0)
    after = _uploads(team)
    for (upload_id, rows, flagged, digest, left), (_, rows2, flagged2, digest2, left2) in zip(
        before, after, strict=True
    ):
        assert rows2 == rows - 1 and left2 == left, upload_id
        assert flagged2 in (flagged, flagged - 1) and digest2 != digest
    # the digest is the one an upload of the same rows would have had: training on it again
    # is a new training, and an identical file uploaded later is known as the same
    assert after[0][3] == _digest_of_stored(team, after[0][0])
    ((subject, detail),) = _audit(team, "outcome_records_removed")
    assert subject == person and detail["outcome_rows"] == 2 and detail["sensitive_values"] == 2
    assert detail["uploads"] == [after[0][0], after[1][0]]

    # the leaver's line among the rows not used goes too
    token = hr.token(f"{PAGE}?employee_id=E-left")
    form = {"csrf_token": token, "employee_id": "E-left", "understood": "y"}
    assert hr.post(f"{PAGE}/remove", data=form).status_code == 303
    assert [left for *_, left in _uploads(team)] == [0, 0]
    _, detail = _audit(team, "outcome_records_removed")[-1]
    assert detail["rows_not_used"] == 1 and detail["outcome_rows"] == 0


def test_a_persons_page_links_to_what_the_uploads_hold_about_them(team, signed_in, two_uploads):
    hr, lines = two_uploads
    person = lines[2].split(",")[0]
    with team.app_context():
        user_id = db.session.scalar(select(User.id).where(User.employee_id == person))
    page = hr.get(f"/hr/people/{user_id}").get_data(as_text=True)
    link = re.search(r'href="(/hr/outcomes/person\?[^"]+)">Outcome records held about', page)
    assert link, "no link to the person's outcome records"
    words = _words(hr.get(unescape(link.group(1))).get_data(as_text=True))
    assert "spring.csv" in words and "autumn.csv" in words


def test_only_hr_looks_people_up(team, signed_in, two_uploads):
    ada = signed_in("ada@example.com")
    assert ada.get(f"{PAGE}?employee_id=E31-0001").status_code == 403
    form = {"csrf_token": ada.token("/"), "employee_id": "E31-0001", "understood": "y"}
    assert ada.post(f"{PAGE}/remove", data=form).status_code == 403
    assert _held(team, "E31-0001") == (2, 2)


@pytest.mark.parametrize(
    ("asked", "status", "message"),
    [
        ("", 422, "Enter the employee id or email to look up."),
        ("   ", 422, "Enter the employee id or email to look up."),
        ("x" * 255, 422, "at most 254"),
        ("E\x00", 422, "Employee id or email:"),
        ("nobody-here", 200, "No upload holds anything under nobody-here"),
    ],
)
def test_a_lookup_says_what_is_wrong_with_the_id(team, signed_in, asked, status, message):
    hr = signed_in("hr@example.com")
    page = hr.get(PAGE, query_string={"employee_id": asked})
    assert page.status_code == status
    assert message in page.get_data(as_text=True)


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_one_person_removed_from_two_tabs_at_once_is_removed_once(
    app, team, serve, runs_stay_queued
):
    lines = factories.people_with_assessments(app, 300, 32)
    hr = LiveBrowser(serve(app)).login("hr@example.com", PASSWORD)
    token = hr.token("/hr/outcomes")
    status, _, _ = hr.request(
        "POST",
        "/hr/outcomes",
        {"csrf_token": token, "sensitive": "gender"},
        {"file": (short_file(lines), "short.csv")},
    )
    assert status == 302
    with app.app_context():
        db.session.execute(update(TrainingRun).values(status="failed"))
        db.session.commit()
    person = lines[1].split(",")[0]
    token = hr.token(f"{PAGE}?employee_id={person}")
    form = {"csrf_token": token, "employee_id": person, "understood": "y"}
    results = all_at_once(6, lambda _: hr.copy().request("POST", f"{PAGE}/remove", form)[0])
    assert results == [303] * 6, results
    ((_, rows, *_),) = _uploads(app)
    assert rows == 299
    removed = [detail["outcome_rows"] for _, detail in _audit(app, "outcome_records_removed")]
    assert sorted(removed) == [0] * 5 + [1]
