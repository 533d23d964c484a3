"""HR answers a person who asks what the outcome uploads hold about them, and removes it:
found by either of their ids whatever the case, taken from every upload at once with each
upload's counts and digest brought up to date, refused while a run may be reading the rows,
recorded in the audit log; at the same moment from two tabs, removed once (on SQLite and on
PostgreSQL)."""

from __future__ import annotations

import json
import re
import threading
from html import unescape
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import func, select, update

from recommender.answer.registry import PEOPLE_FILE, file_sha256
from recommender.learn.people import people_learnt, person_keys
from recommender.learn.synthetic import generate_outcomes, write_outcome_csv
from recommender.pack.loading import load_pack
from tests.concurrency import all_at_once
from tests.registry_forgery import forged_version
from tests.webapp import factories
from tests.webapp.conftest import hidden_fields
from tests.webapp.factories import PASSWORD
from tests.webapp.test_races import LiveBrowser
from tests.webapp.test_retraining import short_file, upload
from webapp import jobs
from webapp.accounts.models import User
from webapp.audit import AuditEvent
from webapp.extensions import db
from webapp.hr.outcomes import person_records
from webapp.hr.outcomes.models import OutcomeRecord, OutcomeUpload, SensitiveValue, TrainingRun
from webapp.hr.outcomes.person_records import records_of, remove_records
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
        # the track named as the pack names it, not "the IC track"
        assert re.search(r"took the (individual contributor|people manager) track", words)
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
    assert f"No upload holds anything under {person}" in said
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
    assert detail["rows_not_used"] == 1 and "outcome_rows" not in detail


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
    # one removal recorded: the others found nothing left to remove
    removed = [detail["outcome_rows"] for _, detail in _audit(app, "outcome_records_removed")]
    assert removed == [1]


def _version_learnt_from(app, *employee_ids: str) -> str:
    """A new version of the test registry whose list of people learnt from holds these ids."""
    models = Path(app.config["TRACKFIT_MODELS"])
    version = forged_version(models, lambda arrays: None)
    np.save(models / version / PEOPLE_FILE, people_learnt(person_keys(list(employee_ids))))
    manifest = json.loads((models / version / "manifest.json").read_text())
    manifest["sha256"][PEOPLE_FILE] = file_sha256(models / version / PEOPLE_FILE)
    (models / version / "manifest.json").write_text(json.dumps(manifest))
    return version


def test_the_page_names_the_versions_that_learnt_from_the_person(team, two_uploads):
    hr, lines = two_uploads
    person, other = (line.split(",")[0] for line in lines[1:3])
    learnt = _version_learnt_from(team, person.lower(), "someone-else")
    not_them = _version_learnt_from(team, other)
    broken = _version_learnt_from(team, person)
    (Path(team.config["TRACKFIT_MODELS"]) / broken / PEOPLE_FILE).write_bytes(b"changed")
    # found by the account's email too: the web app keys a person by their account's id
    html = hr.get(f"{PAGE}?employee_id={person.lower()}@example.com").get_data(as_text=True)
    listed = re.search(r'<p id="learnt-by">([^<]*?) learnt from this person', html)
    assert listed and listed.group(1) == learnt, not_them
    words = _words(html)
    assert f"The list of people of {broken} could not be read" in words
    assert "Removing records here does not change a version" in words


def test_an_id_that_names_two_accounts_is_shown_but_nothing_is_removed(team, two_uploads):
    hr, lines = two_uploads
    first, second = (line.split(",")[0] for line in lines[1:3])
    with team.app_context():  # one person's employee id is another's email
        db.session.execute(
            update(User)
            .where(User.employee_id == first)
            .values(employee_id=f"{second.lower()}@example.com")
        )
        db.session.commit()
    asked = f"{second.lower()}@example.com"
    words = _words(hr.get(f"{PAGE}?employee_id={asked}").get_data(as_text=True))
    assert f"{asked} names more than one account" in words
    assert "Remove everything held" not in words
    token = hr.token(f"{PAGE}?employee_id={asked}")
    form = {"csrf_token": token, "employee_id": asked, "understood": "y"}
    response = hr.post(f"{PAGE}/remove", data=form)
    said = _words(hr.get(response.headers["Location"]).get_data(as_text=True))
    assert "Nothing was removed" in said and "names more than one account" in said
    assert _held(team, first) == (2, 2) and _held(team, second) == (2, 2)


def test_an_id_with_a_letter_beyond_a_to_z_is_found_and_removed_on_sqlite_too(
    team, signed_in, tmp_path, runs_stay_queued
):
    outcomes = generate_outcomes(load_pack("engineering"), 300, 33)
    outcomes.employee_ids[7] = "ÖZ-3"
    outcomes.employee_ids[8] = "ﬁrst-Ü"  # a ligature: NFKC writes it "first-Ü"
    path = tmp_path / "full.csv"
    write_outcome_csv(outcomes, path, True)
    hr = signed_in("hr@example.com")
    assert upload(hr, path.read_bytes(), "gender, age_band", "full.csv").status_code == 302
    for asked, stored in (("öz-3", "ÖZ-3"), ("FIRST-ü", "first-Ü")):
        words = _words(hr.get(PAGE, query_string={"employee_id": asked}).get_data(as_text=True))
        assert "full.csv" in words and "age_band (sensitive" in words, asked
        token = hr.token(f"{PAGE}?employee_id=x")
        form = {"csrf_token": token, "employee_id": asked, "understood": "y"}
        with team.app_context():
            db.session.execute(update(TrainingRun).values(status="failed"))
            db.session.commit()
        assert hr.post(f"{PAGE}/remove", data=form).status_code == 303
        with team.app_context():
            left = db.session.scalars(
                select(SensitiveValue.employee_id).where(SensitiveValue.employee_id == stored)
            ).all()
            assert left == [], asked


def test_an_id_pasted_with_a_character_nobody_can_see_is_refused_by_name(team, signed_in):
    hr = signed_in("hr@example.com")
    page = hr.get(PAGE, query_string={"employee_id": "E31-0004\u200b"})
    assert page.status_code == 422
    assert "U+200B ZERO WIDTH SPACE" in page.get_data(as_text=True)


def test_after_a_removal_hr_confirms_training_again_on_the_rows_held_now(team, two_uploads):
    hr, lines = two_uploads
    with team.app_context():
        db.session.execute(update(TrainingRun).values(status="succeeded"))
        db.session.commit()
        trained = db.session.scalar(select(OutcomeUpload).order_by(OutcomeUpload.id))
        trained_id, key_before = trained.id, trained.training_key
    person = lines[9].split(",")[0]
    token = hr.token(f"{PAGE}?employee_id={person}")
    form = {"csrf_token": token, "employee_id": person, "understood": "y"}
    done = hr.post(f"{PAGE}/remove", data=form)
    said = _words(hr.get(done.headers["Location"]).get_data(as_text=True))
    assert "wait for your confirmation to train again" in said
    page = _words(hr.get(f"/hr/outcomes/{trained_id}").get_data(as_text=True))
    assert "Rows were removed from this upload since" in page
    assert "Train on 299 rows" in page and "(on 300 rows)" not in page  # the run never ran
    response = hr.confirm_training(f"/hr/outcomes/{trained_id}")
    assert response.status_code == 302
    with team.app_context():
        runs = db.session.scalars(
            select(TrainingRun).where(TrainingRun.upload_id == trained_id).order_by(TrainingRun.id)
        ).all()
        assert len(runs) == 2 and runs[-1].training_key != key_before


def _runs(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(TrainingRun))


def test_a_confirmation_shown_before_a_removal_trains_on_nothing_until_given_again(
    team, signed_in, runs_stay_queued
):
    """HR's upload lists a leaver and offers "Train on 400 rows"; in another tab HR removes
    one person's records (the upload now holds 399). The form shown before starts nothing:
    the page again says what the upload holds now (409), and its own form starts the run."""
    lines = factories.people_with_assessments(team, 400, 36)
    hr = signed_in("hr@example.com")
    page = upload(hr, short_file([*lines, "E-left,ic,1,man"]), "gender").headers["Location"]
    shown = hr.get(page).get_data(as_text=True)
    assert "Train on 400 rows" in shown
    stale = hidden_fields(shown)
    person = lines[7].split(",")[0]
    form = {"csrf_token": hr.token(f"{PAGE}?employee_id={person}"), "employee_id": person}
    assert hr.post(f"{PAGE}/remove", data=form | {"understood": "y"}).status_code == 303

    refused = hr.post(f"{page}/train", data=stale)
    said = _words(refused.get_data(as_text=True))
    assert refused.status_code == 409
    assert "Nothing was trained The rows are not the ones the page you confirmed on showed" in (
        said
    )
    assert "The upload now holds 399 rows; check them below and confirm again" in said
    assert "Train on 399 rows" in said
    assert _runs(team) == 0 and _audit(team, "outcomes_confirmed") == []
    with team.app_context():
        assert db.session.scalar(select(OutcomeUpload.confirmed_at)) is None

    fresh = hidden_fields(refused.get_data(as_text=True))  # the form the refusal showed
    started = hr.post(f"{page}/train", data=fresh)
    assert started.status_code == 302 and "/hr/training/" in started.headers["Location"]
    with team.app_context():
        (run,) = db.session.scalars(select(TrainingRun)).all()
        assert run.training_key == db.session.scalar(select(OutcomeUpload)).training_key


@pytest.mark.parametrize(
    ("digest", "status"), [(None, 400), ("", 400), ("0" * 64, 409), ("f" * 65, 400)]
)
def test_a_confirmation_without_the_digest_of_the_rows_shown_trains_nothing(
    team, signed_in, runs_stay_queued, digest, status
):
    lines = factories.people_with_assessments(team, 300, 37)
    hr = signed_in("hr@example.com")
    page = upload(hr, short_file([*lines, "E-left,ic,1,man"]), "gender").headers["Location"]
    form = {"csrf_token": hr.token(page)}
    if digest is not None:
        form["rows_digest"] = digest
    assert hr.post(f"{page}/train", data=form).status_code == status
    assert _runs(team) == 0 and _audit(team, "outcomes_confirmed") == []
    assert "Train on 300 rows" in hr.get(page).get_data(as_text=True)


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_two_people_removed_from_one_upload_at_once_are_both_removed(app, team, serve):
    lines = factories.people_with_assessments(app, 300, 34)
    leavers = [f"LEFT-{n}" for n in range(4)]
    rows = [*lines, *(f"{leaver},ic,1,man" for leaver in leavers)]
    hr = LiveBrowser(serve(app)).login("hr@example.com", PASSWORD)
    status, _, _ = hr.request(
        "POST",
        "/hr/outcomes",
        {"csrf_token": hr.token("/hr/outcomes"), "sensitive": "gender"},
        {"file": (short_file(rows), "short.csv")},
    )
    assert status == 302
    token = hr.token(f"{PAGE}?employee_id=x")
    results = all_at_once(
        len(leavers),
        lambda i: hr.copy().request(
            "POST",
            f"{PAGE}/remove",
            {"csrf_token": token, "employee_id": leavers[i], "understood": "y"},
        )[0],
    )
    assert results == [303] * len(leavers), results
    ((*_, left),) = _uploads(app)
    assert left == 0  # every leaver's line gone: none written back by another removal


@pytest.mark.parametrize("backend", ["postgresql"])
def test_a_training_launched_during_a_removal_waits_and_trains_on_what_it_left(
    app, team, signed_in, runs_stay_queued
):
    """PostgreSQL: a removal holds its uploads' rows until it commits; a run launched on one of
    them meanwhile waits, then is recorded under the digest of the rows the removal left, and
    reads no removed row. (Launched first, the run is seen by the removal, which removes
    nothing: the test above.)"""
    lines = factories.people_with_assessments(app, 300, 35)
    hr = signed_in("hr@example.com")
    assert upload(hr, short_file([*lines, "E-late,ic,1,man"]), "gender").status_code == 302
    person = lines[4].split(",")[0]
    launched = {}
    with app.app_context():
        upload_id = db.session.scalar(select(OutcomeUpload.id))
        removal = remove_records(records_of(person))  # not committed: its locks are held
        assert removal.outcomes == {upload_id: 1}

        def launch():
            with app.app_context():
                waiting = db.session.get(OutcomeUpload, upload_id)
                launched["run"] = jobs.launch_training(waiting, User.by_email("hr@example.com"))
                launched["key"] = launched["run"].training_key

        thread = threading.Thread(target=launch)
        thread.start()
        thread.join(1.0)
        assert thread.is_alive(), "the launch did not wait for the removal"
        db.session.commit()
        thread.join(30)
        assert not thread.is_alive()
        left = db.session.get(OutcomeUpload, upload_id)
        db.session.refresh(left)
        assert left.rows == 299
        assert launched["key"] == left.training_key  # the digest of what the removal left


def test_a_removal_refused_for_a_run_under_way_is_refused_before_it_writes(
    team, two_uploads, monkeypatch
):
    """A review's finding: a removal refused because a run was training on the upload first
    deleted the rows and recounted the upload (scoring every row: 85 s for a file of 168,562
    people) under SQLite's write lock, and only then asked about runs; the run's heartbeat and
    stage could not be written meanwhile, and a twenty-minute training died of "database is
    locked". A run already under way is now asked about before anything is written."""
    hr, lines = two_uploads
    person = lines[5].split(",")[0]
    recounted = []
    monkeypatch.setattr(person_records, "_recount", lambda upload: recounted.append(upload.id))
    token = hr.token(f"{PAGE}?employee_id={person}")
    form = {"csrf_token": token, "employee_id": person, "understood": "y"}
    refused = hr.post(f"{PAGE}/remove", data=form)
    assert refused.status_code == 303
    said = _words(hr.get(refused.headers["Location"]).get_data(as_text=True))
    assert "Nothing was removed: training is under way" in said
    assert recounted == []
    assert _held(team, person) == (2, 2)
