"""HR downloads the people behind a candidate's verdict from its page and recomputes the
verdict's figures; each person's row is kept where their removal reaches it: HR removing what
is held about them, or their deleting the assessment it was computed from, takes it (on SQLite
and on PostgreSQL); a version trained elsewhere says why it has none."""

from __future__ import annotations

import csv
import io
import re
import shutil
from html import unescape
from pathlib import Path

import pytest
from sklearn.metrics import roc_auc_score
from sqlalchemy import delete, func, select

from recommender.answer.registry import Registry
from recommender.cli import main as cli
from tests.webapp import factories
from tests.webapp.test_retraining import finished, short_file, upload
from webapp import jobs
from webapp.assessment.models import Assessment
from webapp.audit import AuditEvent
from webapp.extensions import db
from webapp.hr.outcomes.models import OutcomeRecord, TrainingRun, VerdictRow
from webapp.hr.outcomes.verdict_rows import keep_verdict_rows

PERSON_PAGE = "/hr/outcomes/person"
ROOT = Path(__file__).resolve().parents[2]


def _words(html: str) -> str:
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


def _rows(response) -> list[dict[str, str]]:
    assert response.status_code == 200 and response.mimetype == "text/csv"
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def _trained(app, signed_in, seed: int):
    """HR, the short file's lines and the version trained on them from HR's pages."""
    lines = factories.people_with_assessments(app, 300, seed)
    hr = signed_in("hr@example.com")
    response = upload(hr, short_file(lines), "gender", "short.csv")
    assert response.status_code == 302
    status = finished(hr, response.headers["Location"])
    assert status["status"] == "succeeded", status
    return hr, lines, status["version"]


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_the_people_behind_a_verdict_recompute_it_and_go_with_their_records(app, team, signed_in):
    hr, lines, version = _trained(team, signed_in, 51)
    page = _words(hr.get(f"/hr/models/{version}").get_data(as_text=True))
    comparison = Registry(team.config["TRACKFIT_MODELS"]).manifest(version)["comparison"]
    assert "Download the people behind this verdict" in page
    assert f"(CSV, 300 rows, {comparison['rows']} of them judged)" in page
    assert "from which the figures above recompute" in page

    response = hr.get(f"/hr/models/{version}/verdict-people.csv")
    assert f"trackfit-{version}-verdict-people.csv" in response.headers["Content-Disposition"]
    rows = _rows(response)
    assert [row["employee_id"] for row in rows] == [line.split(",")[0] for line in lines[1:]]
    judged = [row for row in rows if row["judged"] == "yes"]
    assert len(judged) == comparison["rows"]
    for track in ("ic", "manager"):
        mine = [row for row in judged if row["track_taken"] == track]
        stored = comparison["tracks"][track]
        assert len(mine) == stored["rows"]
        outcome = [int(row["success"]) for row in mine]
        for model in ("candidate", "active"):
            chance = [float(row[f"{model}_p_success_{track}"]) for row in mine]
            brier = sum((p - y) ** 2 for p, y in zip(chance, outcome, strict=True)) / len(mine)
            assert roc_auc_score(outcome, chance) == pytest.approx(stored["auc"][model], abs=5e-5)
            assert brier == pytest.approx(stored["brier"][model], abs=5e-5)
    with team.app_context():
        downloads = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "verdict_people_export")
        ).all()
        assert [(e.subject, e.detail["rows"]) for e in downloads] == [(version, 300)]

    # HR removes what is held about one judged person: their row goes with the records
    person = judged[0]["employee_id"]
    held = _words(hr.get(PERSON_PAGE, query_string={"employee_id": person}).get_data(True))
    assert f"Behind the verdict of {version}" in held
    token = hr.token(f"{PERSON_PAGE}?employee_id={person}")
    form = {"csrf_token": token, "employee_id": person, "understood": "y"}
    assert hr.post(f"{PERSON_PAGE}/remove", data=form).status_code == 303
    after = _rows(hr.get(f"/hr/models/{version}/verdict-people.csv"))
    assert person not in [row["employee_id"] for row in after] and len(after) == 299
    page = _words(hr.get(f"/hr/models/{version}").get_data(as_text=True))
    assert "1 person judged is no longer kept, so the figures recompute only roughly" in page

    # a person deletes the assessment the chances were computed from: theirs goes too
    other = after[0]["employee_id"]
    with team.app_context():
        taken = db.session.scalar(
            select(OutcomeRecord.assessment_id).where(OutcomeRecord.employee_id == other)
        )
        db.session.execute(delete(Assessment).where(Assessment.id == taken))
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(VerdictRow)) == 298
    left = _rows(hr.get(f"/hr/models/{version}/verdict-people.csv"))
    assert other not in [row["employee_id"] for row in left]


def test_a_version_trained_elsewhere_says_why_no_people_are_kept(team, signed_in):
    hr = signed_in("hr@example.com")
    response = hr.get("/hr/models/v1/verdict-people.csv")
    assert response.status_code == 404
    words = _words(response.get_data(as_text=True))
    assert "No people are kept behind the verdict of v1" in words
    assert "trackfit train --evidence FILE.csv" in words
    assert "Download the people behind" not in hr.get("/hr/models/v1").get_data(as_text=True)
    assert hr.get("/hr/models/v999/verdict-people.csv").status_code == 404


def test_rows_whose_records_went_while_training_are_not_kept(team, signed_in):
    _trained(team, signed_in, 52)
    with team.app_context():
        stored = db.session.scalars(select(VerdictRow).order_by(VerdictRow.id)).all()
        run, record_id = db.session.get(TrainingRun, stored[0].run_id), stored[0].record_id
        again = [
            {
                key: getattr(row, key)
                for key in ("record_id", "assessment_id", "judged", "not_judged_because")
            }
            | {"learnt_by_active": None, "candidate_ic": 0.5, "candidate_manager": 0.5}
            | {"active_ic": None, "active_manager": None}
            for row in stored[:3]
        ]
        db.session.execute(delete(VerdictRow))
        db.session.execute(delete(OutcomeRecord).where(OutcomeRecord.id == record_id))
        db.session.commit()
        assert keep_verdict_rows(run, again) == 2  # the removed person's row is not kept
        assert db.session.scalar(select(func.count()).select_from(VerdictRow)) == 2


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_an_assessment_deleted_while_the_run_trains_leaves_no_row(
    app, team, signed_in, monkeypatch
):
    """The person deletes the assessment while their training run is fitting: what it
    computed from it is not kept (its record then names no assessment, and was read before)."""
    lines = factories.people_with_assessments(team, 300, 53)
    person = lines[1].split(",")[0]
    fitting, deleted = jobs._stage, []

    def stage(run, text):
        if text.startswith("choosing the capacity") and not deleted:
            with db.engine.begin() as connection:  # as "Delete this assessment" does
                taken = connection.scalar(
                    select(OutcomeRecord.assessment_id).where(OutcomeRecord.employee_id == person)
                )
                connection.execute(delete(Assessment).where(Assessment.id == taken))
            deleted.append(taken)
        fitting(run, text)

    monkeypatch.setattr(jobs, "_stage", stage)
    hr = signed_in("hr@example.com")
    response = upload(hr, short_file(lines), "gender", "short.csv")
    status = finished(hr, response.headers["Location"])
    assert status["status"] == "succeeded" and deleted, status
    rows = _rows(hr.get(f"/hr/models/{status['version']}/verdict-people.csv"))
    assert len(rows) == 299 and person not in [row["employee_id"] for row in rows]


def test_another_version_of_the_same_name_shows_none_of_them(app, team, signed_in, tmp_path):
    """A registry made anew gives the web run's version name to a version trained from the
    command line: its page offers no download, and the download is the page saying why."""
    hr, _, version = _trained(team, signed_in, 54)
    models = Path(team.config["TRACKFIT_MODELS"])
    shutil.rmtree(models)
    shutil.copytree(ROOT / "models", models)
    data = tmp_path / "other.csv"
    assert cli(["synth", "--n", "400", "--seed", "9", "--out", str(data)]) == 0
    assert cli(["--models", str(models), "train", "--data", str(data), "--synthetic"]) == 0
    assert Registry(models).versions()[-1] == version
    assert "Download the people behind" not in hr.get(f"/hr/models/{version}").get_data(True)
    response = hr.get(f"/hr/models/{version}/verdict-people.csv")
    assert response.status_code == 404
    assert f"No people are kept behind the verdict of {version}" in _words(response.get_data(True))


def test_a_run_that_kept_none_says_so_rather_than_that_people_were_removed(app, team, signed_in):
    """From before the rows were kept, or when keeping them failed: no count in the run's
    summary, so no download and no word of removals."""
    hr, _, version = _trained(team, signed_in, 55)
    with team.app_context():
        run = db.session.scalars(select(TrainingRun)).one()
        run.summary = {k: v for k, v in run.summary.items() if k != "verdict_rows"}
        db.session.execute(delete(VerdictRow))
        db.session.commit()
    page = _words(hr.get(f"/hr/models/{version}").get_data(as_text=True))
    assert "Download the people behind" not in page and "no longer kept" not in page
    assert hr.get(f"/hr/models/{version}/verdict-people.csv").status_code == 404
