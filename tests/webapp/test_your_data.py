"""Your data: only yours, exported as JSON and CSV, deleted after a confirmation."""

import csv
import io
import json

from sqlalchemy import func, select

from webapp.accounts.models import User
from webapp.assessment.models import Assessment
from webapp.extensions import db


def _count(app, model):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def test_json_export_has_the_account_answers_and_recommendations(
    client, ada, people, make_assessment
):
    make_assessment("ada@example.com", people[0])
    response = client.get("/my-data/export.json")
    assert response.headers["Content-Disposition"] == 'attachment; filename="trackfit-my-data.json"'
    data = json.loads(response.get_data(as_text=True))
    assert data["account"]["email"] == "ada@example.com"
    (assessment,) = data["assessments"]
    assert assessment["answers"] == people[0]["answers"]
    assert assessment["context"] == people[0]["context"]
    assert assessment["recommendation"]["track"] == "ic"
    assert "password" not in json.dumps(data["account"])


def test_csv_export_has_a_row_per_assessment_and_every_answer(client, ada, people, make_assessment):
    make_assessment("ada@example.com", people[0])
    make_assessment("ada@example.com", people[1])
    rows = list(
        csv.DictReader(io.StringIO(client.get("/my-data/export.csv").get_data(as_text=True)))
    )
    assert len(rows) == 2
    assert {row["track"] for row in rows} == {"ic", "manager"}
    assert rows[0]["la1"] == str(people[0]["answers"]["la1"])
    assert rows[0]["ic_target"] == "L4"


def test_csv_cells_that_look_like_formulas_are_neutralised(
    app, client, ada, people, make_assessment
):
    make_assessment("ada@example.com", people[0])
    with app.app_context():
        assessment = db.session.scalars(select(Assessment)).one()
        assessment.pack = '=HYPERLINK("http://evil")'
        db.session.commit()
    body = client.get("/my-data/export.csv").get_data(as_text=True)
    assert "'=HYPERLINK" in body


def test_exports_hold_only_your_own_data(client, ada, people, make_assessment):
    make_assessment("ada@example.com", people[0])
    client.logout()
    client.register(email="eve@example.com", name="Eve")
    data = json.loads(client.get("/my-data/export.json").get_data(as_text=True))
    assert data["assessments"] == []


def test_deleting_an_assessment_asks_first_then_removes_it(
    app, client, ada, people, make_assessment
):
    number = make_assessment("ada@example.com", people[0])
    location = f"/results/{number}"
    confirm = client.get(f"/my-data/assessments/{number}/delete")
    assert "cannot be undone" in confirm.get_data(as_text=True)
    assert _count(app, Assessment) == 1
    response = client.submit(f"/my-data/assessments/{number}/delete")
    assert response.status_code == 302
    assert _count(app, Assessment) == 0
    assert client.get(location).status_code == 404


def test_nobody_can_delete_someone_elses_assessment(app, client, ada, people, make_assessment):
    make_assessment("ada@example.com", people[0])
    client.logout()
    client.register(email="eve@example.com", name="Eve")
    assert client.get("/my-data/assessments/1/delete").status_code == 404
    assert _count(app, Assessment) == 1


def test_delete_all_assessments_keeps_the_account(app, client, ada, people, make_assessment):
    make_assessment("ada@example.com", people[0])
    make_assessment("ada@example.com", people[1], pages_done=2)
    client.submit("/my-data/assessments/delete")
    assert _count(app, Assessment) == 0
    assert _count(app, User) == 1


def test_deleting_the_account_needs_the_password_and_removes_everything(
    app, ada, people, make_assessment, password
):
    make_assessment("ada@example.com", people[0])
    wrong = ada.submit("/my-data/account/delete", {"password": "not my password"})
    assert wrong.status_code == 422
    assert _count(app, User) == 1
    ada.submit("/my-data/account/delete", {"password": password})
    assert _count(app, User) == 0
    assert _count(app, Assessment) == 0
    assert ada.login().status_code == 422
