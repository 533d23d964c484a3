"""Sharing and the 1:1: an employee shares a result with their manager and can revoke it; the
manager rates the same statements, compares, gets prompts, keeps notes, records the decision
and prints a page; the employee sees the shared notes and confirms the decision."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from webapp.audit import AuditEvent
from webapp.extensions import db
from webapp.manager.models import Decision, ManagerReview


@pytest.fixture
def shared(team, people, make_assessment, signed_in):
    """Ada has finished an assessment and shared it with Mo; returns (ada, mo, id)."""
    ada = signed_in("ada@example.com")
    assessment_id = make_assessment("ada@example.com", people[0])
    result = f"/results/{assessment_id}"
    response = ada.submit(result, action_url=f"/results/{assessment_id}/share")
    assert response.status_code == 302
    return ada, signed_in("mo@example.com"), assessment_id


def actions(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def test_nothing_is_visible_to_the_manager_until_it_is_shared(
    team, people, make_assessment, signed_in
):
    ada = signed_in("ada@example.com")
    assessment_id = make_assessment("ada@example.com", people[0])
    result = f"/results/{assessment_id}"
    mo = signed_in("mo@example.com")
    assert mo.get(f"/team/assessments/{assessment_id}").status_code == 404
    assert "Nothing shared with you" in mo.get("/team/").get_data(as_text=True)
    assert "Share with Mo" in ada.get(result).get_data(as_text=True)


def test_a_shared_assessment_opens_for_the_manager_and_the_opening_is_audited(shared):
    _, mo, assessment_id = shared
    page = mo.get(f"/team/assessments/{assessment_id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "1:1 with Ada" in html
    assert "not a decision" in html
    assert "Assessment of" in mo.get("/team/").get_data(as_text=True)
    assert {"share", "open_assessment"} <= set(actions(mo.client.application))


def test_another_manager_and_a_former_manager_cannot_open_it(shared, team, signed_in, set_manager):
    _, _, assessment_id = shared
    max_ = signed_in("max@example.com")
    assert max_.get(f"/team/assessments/{assessment_id}").status_code == 404
    set_manager("ada@example.com", "max@example.com")  # a reorganisation
    assert max_.get(f"/team/assessments/{assessment_id}").status_code == 404  # not shared
    mo = signed_in("mo@example.com")
    assert mo.get(f"/team/assessments/{assessment_id}").status_code == 404  # no longer hers


def test_revoking_ends_the_managers_access(shared):
    ada, mo, assessment_id = shared
    ada.submit(f"/results/{assessment_id}", action_url=f"/results/{assessment_id}/revoke")
    assert mo.get(f"/team/assessments/{assessment_id}").status_code == 404
    assert "revoke" in actions(mo.client.application)


def rate_all(mo, assessment_id: int, value: str):
    page = f"/team/assessments/{assessment_id}"
    names = set(re.findall(r'name="(rate_[a-z_]+)"', mo.get(page).get_data(as_text=True)))
    assert len(names) == 9  # every competency of the engineering pack
    return mo.submit(page, dict.fromkeys(names, value), action_url=f"{page}/ratings")


def test_ratings_side_by_side_mark_differences_of_a_step_or_more(shared, people):
    _, mo, assessment_id = shared
    assert rate_all(mo, assessment_id, "1").status_code == 302
    html = mo.get(f"/team/assessments/{assessment_id}").get_data(as_text=True)
    own = [v for k, v in people[0]["answers"].items() if k.startswith("rate_")]
    assert html.count('class="differs"') == sum(1 for v in own if abs(v - 1) >= 1)
    assert html.count('data-source="difference"') == min(3, sum(1 for v in own if v != 1))


@pytest.mark.parametrize("value", ["   ", "\u00a0", "\t", "6", "1.0"])
def test_a_rating_that_is_not_a_statement_is_refused_next_to_its_question(shared, value):
    _, mo, assessment_id = shared
    response = rate_all(mo, assessment_id, value)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert html.count("Choose one of the statements, or none to leave it unrated.") >= 9
    assert 'id="rate_delivery-error"' in html


def test_competencies_left_unrated_are_saved_as_not_rated(shared):
    _, mo, assessment_id = shared
    page = f"/team/assessments/{assessment_id}"
    response = mo.submit(
        page, {"rate_delivery": "3", "rate_craft_quality": ""}, action_url=f"{page}/ratings"
    )
    assert response.status_code == 302
    with mo.client.application.app_context():
        review = db.session.scalar(select(ManagerReview))
        assert review.ratings == {"rate_delivery": 3}


def test_prompts_come_from_differences_gaps_and_rules(shared):
    _, mo, assessment_id = shared
    rate_all(mo, assessment_id, "5")
    html = mo.get(f"/team/assessments/{assessment_id}").get_data(as_text=True)
    sources = set(re.findall(r'data-source="([a-z]+)"', html))
    assert "difference" in sources
    assert sources <= {"difference", "gap", "rule"}
    assert "Ask for a recent example" in html


def test_private_notes_stay_private_and_shared_notes_reach_the_employee(shared):
    ada, mo, assessment_id = shared
    page = f"/team/assessments/{assessment_id}"
    mo.submit(
        page,
        {"private_notes": "Thinking of the lead role", "shared_notes": "Try leading the rota"},
        action_url=f"{page}/notes",
    )
    result = ada.get(f"/results/{assessment_id}").get_data(as_text=True)
    assert "Try leading the rota" in result and "Thinking of the lead role" not in result
    printed = mo.get(f"{page}/print").get_data(as_text=True)
    assert "Try leading the rota" in printed and "Thinking of the lead role" not in printed


def test_a_decision_that_differs_from_the_advice_needs_a_reason(shared):
    ada, mo, assessment_id = shared
    page = f"/team/assessments/{assessment_id}"
    with mo.client.application.app_context():
        from webapp.assessment.models import Assessment  # noqa: PLC0415

        advised = db.session.get(Assessment, assessment_id).recommendation
    other = "manager" if advised["track"] == "ic" else "ic"
    level = "M3" if other == "manager" else "L3"
    refused = mo.submit(
        page, {"track": other, "target_level": level, "reason": ""}, action_url=f"{page}/decision"
    )
    assert refused.status_code == 422 and "say why" in refused.get_data(as_text=True)
    wrong_ladder = mo.submit(
        page,
        {"track": "manager", "target_level": "L5", "reason": "x"},
        action_url=f"{page}/decision",
    )
    assert "is not a level of the" in wrong_ladder.get_data(as_text=True)
    mo.submit(
        page,
        {"track": other, "target_level": level, "reason": "Wants a trial first"},
        action_url=f"{page}/decision",
    )
    with mo.client.application.app_context():
        decision = db.session.scalar(select(Decision))
        assert decision.overrides and decision.recommended_track == advised["track"]
    result = ada.get(f"/results/{assessment_id}").get_data(as_text=True)
    assert "Wants a trial first" in result and "I agree with this" in result
    ada.submit(f"/results/{assessment_id}", action_url=f"/results/{assessment_id}/agree")
    assert "You confirmed this" in ada.get(f"/results/{assessment_id}").get_data(as_text=True)
    assert {"decision", "decision_agreed"} <= set(actions(mo.client.application))


def test_hr_sees_how_often_advice_is_overridden_by_track(shared, team, signed_in):
    _, mo, assessment_id = shared
    page = f"/team/assessments/{assessment_id}"
    with mo.client.application.app_context():
        from webapp.assessment.models import Assessment  # noqa: PLC0415

        advised = db.session.get(Assessment, assessment_id).recommendation
    target = advised["levels"][advised["track"]]["target"]
    mo.submit(
        page,
        {"track": advised["track"], "target_level": target, "reason": ""},
        action_url=f"{page}/decision",
    )
    hr = signed_in("hr@example.com")
    overview = hr.get("/hr/").get_data(as_text=True)
    assert "How often the advice is overridden" in overview
    row = re.search(r"<tr><th scope=\"row\">[^<]+</th><td>1</td><td>0</td><td>0</td>", overview)
    assert row, overview


def test_the_print_view_is_one_page_of_summary(shared):
    _, mo, assessment_id = shared
    rate_all(mo, assessment_id, "3")
    printed = mo.get(f"/team/assessments/{assessment_id}/print")
    html = printed.get_data(as_text=True)
    assert printed.status_code == 200 and "1:1 summary: Ada" in html
    assert "<form" not in html.split("<main", 1)[1]  # nothing to fill in on paper
    assert "print_assessment" in actions(mo.client.application)


def test_the_history_lists_only_what_the_report_shared(shared, people, team, make_assessment):
    ada, mo, first = shared
    second = make_assessment("ada@example.com", people[1])  # not shared
    third_id = make_assessment("ada@example.com", people[2])
    ada.submit(f"/results/{third_id}", action_url=f"/results/{third_id}/share")
    html = mo.get(f"/team/assessments/{third_id}").get_data(as_text=True)
    history = html.split("over time", 1)[1]
    assert f"/team/assessments/{first}" in history
    assert f"/team/assessments/{second}" not in history


def test_someone_without_a_manager_is_told_so_and_cannot_share(
    team, people, make_assessment, signed_in, set_manager
):
    bob_client = signed_in("bob@example.com")
    set_manager("bob@example.com", None)
    assessment_id = make_assessment("bob@example.com", people[0])
    result = f"/results/{assessment_id}"
    assert "You have no manager" in bob_client.get(result).get_data(as_text=True)
    bob_client.submit(result, action_url=f"/results/{assessment_id}/share")
    assert "share" not in actions(team)
