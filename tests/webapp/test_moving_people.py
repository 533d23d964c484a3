"""A share is with a named manager: when HR moves a person to another manager (on the person's
page or by the org chart) the share ends, the person's result says so and offers to share with
the new manager, and moving back does not silently share again."""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import select

from tests.webapp.conftest import hidden_fields
from tests.webapp.page_text import words_of
from webapp.accounts.models import User
from webapp.extensions import db


@pytest.fixture
def shared(team, people, make_assessment, signed_in):
    """Ada's finished assessment, shared with Mo; (ada, hr, assessment id)."""
    ada = signed_in("ada@example.com")
    assessment_id = make_assessment("ada@example.com", people[0])
    ada.submit(f"/results/{assessment_id}", action_url=f"/results/{assessment_id}/share")
    return ada, signed_in("hr@example.com"), assessment_id


def user_id(app, email: str) -> int:
    with app.app_context():
        return db.session.scalar(select(User.id).where(User.email == email))


def move(app, hr, email: str, manager_email: str):
    """HR gives the person another manager on their page."""
    data = {"manager_email": manager_email, "role": "employee", "employee_id": ""}
    response = hr.submit(f"/hr/people/{user_id(app, email)}", data)
    assert response.status_code == 302
    return response


def opens(app, signed_in, manager_email: str, assessment_id: int) -> int:
    return signed_in(manager_email).get(f"/team/assessments/{assessment_id}").status_code


def test_moving_ends_the_share_and_the_result_says_so(app, shared, signed_in):
    ada, hr, assessment_id = shared
    move(app, hr, "ada@example.com", "max@example.com")
    page = words_of(ada.get(f"/results/{assessment_id}"))
    assert "That sharing ended when Mo stopped being your manager" in page
    assert "Only you can see this result" in page
    assert "Share with Max" in page
    assert "Shared with Max" not in page
    assert opens(app, signed_in, "mo@example.com", assessment_id) == 404
    assert opens(app, signed_in, "max@example.com", assessment_id) == 404


def test_after_a_move_share_shares_with_the_new_manager(app, shared, signed_in):
    ada, hr, assessment_id = shared
    move(app, hr, "ada@example.com", "max@example.com")
    ada.submit(f"/results/{assessment_id}", action_url=f"/results/{assessment_id}/share")
    assert opens(app, signed_in, "max@example.com", assessment_id) == 200
    assert "Shared with Max since" in words_of(ada.get(f"/results/{assessment_id}"))


def test_moving_back_does_not_share_again(app, shared, signed_in):
    ada, hr, assessment_id = shared
    move(app, hr, "ada@example.com", "max@example.com")
    move(app, hr, "ada@example.com", "mo@example.com")
    assert opens(app, signed_in, "mo@example.com", assessment_id) == 404
    assert "Share with Mo" in words_of(ada.get(f"/results/{assessment_id}"))


def test_an_org_chart_that_moves_a_person_ends_their_share(app, shared, signed_in):
    ada, hr, assessment_id = shared
    chart = (
        "email,name,manager_email,role\n"
        "hr@example.com,Hana,,hr\n"
        "mo@example.com,Mo,,manager\n"
        "max@example.com,Max,,manager\n"
        "ada@example.com,Ada,max@example.com,employee\n"
        "bob@example.com,Bob,max@example.com,employee\n"
    )
    response = hr.submit(
        "/hr/people",
        {"file": (io.BytesIO(chart.encode()), "chart.csv")},
        action_url="/hr/people/import",
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    assert opens(app, signed_in, "mo@example.com", assessment_id) == 404
    assert "stopped being your manager" in ada.get(f"/results/{assessment_id}").get_data(
        as_text=True
    )


def test_an_unchanged_manager_keeps_the_share(app, shared, signed_in):
    _, hr, assessment_id = shared
    move(app, hr, "ada@example.com", "mo@example.com")  # saved, manager as before
    assert opens(app, signed_in, "mo@example.com", assessment_id) == 200


def test_the_new_manager_is_not_told_they_recorded_the_former_managers_decision(
    app, shared, signed_in
):
    """Mo records a decision; Ada moves to Max and shares again. Max's 1:1 page said "What
    you recorded, for Ada to confirm" of Mo's decision, which Max never made: it names Mo."""
    ada, hr, assessment_id = shared
    page = f"/team/assessments/{assessment_id}"
    mo = signed_in("mo@example.com")
    with app.app_context():
        from webapp.assessment.models import Assessment  # noqa: PLC0415

        advised = db.session.get(Assessment, assessment_id).recommendation
    decision = {
        "track": advised["track"],
        "target_level": advised["levels"][advised["track"]]["target"],
    }
    assert mo.submit(page, decision, f"{page}/decision").status_code == 302
    assert "What you recorded, for <bdi>Ada</bdi> to confirm" in mo.get(page).text
    move(app, hr, "ada@example.com", "max@example.com")
    ada.submit(f"/results/{assessment_id}", action_url=f"/results/{assessment_id}/share")
    seen_by_max = signed_in("max@example.com").get(page).text
    assert "What you recorded" not in seen_by_max
    assert "What <bdi>Mo</bdi> recorded, for <bdi>Ada</bdi> to confirm" in seen_by_max
    assert "by <bdi>Mo</bdi>" in seen_by_max
    # and Max's home, listing it among the decisions waiting for Ada, says whose it is
    waiting = words_of(signed_in("max@example.com").get("/"))
    assert re.search(r"Ada: [a-z ]+ track, [^,]+, recorded \d+ \w+ \d{4} by Mo\.", waiting)


def test_a_share_button_naming_a_former_manager_shares_with_nobody(
    app, team, people, make_assessment, signed_in
):
    ada = signed_in("ada@example.com")
    assessment_id = make_assessment("ada@example.com", people[0])
    page = ada.get(f"/results/{assessment_id}").get_data(as_text=True)
    assert "Share with Mo" in words_of(ada.get(f"/results/{assessment_id}"))
    form = hidden_fields(page)  # the page's form, as the button sends it
    move(app, signed_in("hr@example.com"), "ada@example.com", "max@example.com")
    answer = ada.post(f"/results/{assessment_id}/share", data=form)
    assert answer.status_code == 302
    result = words_of(ada.get(f"/results/{assessment_id}"))
    assert "Nothing was shared: your manager changed since that page was shown" in result
    assert "Share with Max" in result  # asked again, naming the new one
    assert opens(app, signed_in, "max@example.com", assessment_id) == 404
    assert opens(app, signed_in, "mo@example.com", assessment_id) == 404
    # the button of the page shown now shares with Max
    form = hidden_fields(ada.get(f"/results/{assessment_id}").get_data(as_text=True))
    ada.post(f"/results/{assessment_id}/share", data=form)
    assert opens(app, signed_in, "max@example.com", assessment_id) == 200
