"""Sharing and the 1:1: an employee shares a result with their manager and can revoke it; the
manager rates the same statements, compares, gets prompts, keeps notes, records the decision
and prints a page; the employee sees the shared notes and confirms the decision."""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from datetime import datetime

import pytest
from sqlalchemy import select

from tests.webapp.conftest import hidden_fields
from tests.webapp.page_text import words_of
from webapp.assessment.models import Assessment
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
    assert "Share with Mo" in words_of(ada.get(result))


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


def test_stopping_a_share_from_a_page_left_open_after_it_ended_says_so(shared):
    """Two tabs on the result: stopping the share in one, then again in the other, said
    nothing at all the second time, as if the button did not work."""
    ada, _, assessment_id = shared
    page = f"/results/{assessment_id}"
    stale = {"csrf_token": ada.token(page)}
    ada.submit(page, action_url=f"{page}/revoke")
    again = ada.post(f"{page}/revoke", data=stale, follow_redirects=True)
    assert again.status_code == 200
    assert "This assessment is not shared, so nothing changed" in again.get_data(as_text=True)
    assert actions(ada.client.application).count("revoke") == 1  # ended once, audited once


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
    # the form stays open for the rest, and says how many are left
    html = mo.get(page).get_data(as_text=True)
    assert re.search(
        r'<details class="no-print" open>\s*<summary>Rate the remaining \d+ skills, or change', html
    )
    rate_all(mo, assessment_id, "3")
    html = mo.get(page).get_data(as_text=True)
    assert '<details class="no-print">\n    <summary>Change your ratings</summary>' in html


def test_prompts_come_from_differences_gaps_and_rules(shared):
    _, mo, assessment_id = shared
    rate_all(mo, assessment_id, "5")
    html = mo.get(f"/team/assessments/{assessment_id}").get_data(as_text=True)
    sources = set(re.findall(r'data-source="([a-z]+)"', html))
    assert "difference" in sources
    assert sources <= {"difference", "gap", "rule"}
    assert "Ask for a recent example" in html
    # said in full once, then in short: three alike took a paragraph of the one-page print
    assert html.count("Ask for a recent example") == 1
    differing = html.count('data-source="difference"')
    assert differing > 1 and html.count("Here too, compare an example") == differing - 1


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
    ada.agree(assessment_id)
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
    # one decision is one person's 1:1, not a rate of anything: counted, not shown
    assert re.search(
        r"<tr><th scope=\"row\">Software engineering</th><td[^>]*>[^<]+</td><td[^>]*>1</td>"
        r"<td colspan=\"3\"[^>]*>fewer than 5 decisions: not shown</td>",
        overview,
    ), overview
    # five more decisions on the same track, two of them another track: a rate and its range
    with team.app_context():
        from webapp.assessment.models import Assessment  # noqa: PLC0415
        from webapp.database import utcnow  # noqa: PLC0415
        from webapp.manager.models import Decision  # noqa: PLC0415

        pack_ref = db.session.get(Assessment, assessment_id).pack
        owner = db.session.get(Assessment, assessment_id).user_id
        other = "manager" if advised["track"] == "ic" else "ic"
        for number in range(5):
            extra = Assessment(
                user_id=owner, pack=pack_ref, answers={}, context={}, step=0, completed_at=utcnow()
            )
            db.session.add(extra)
            db.session.flush()
            agreed = other if number < 2 else advised["track"]
            db.session.add(
                Decision(
                    assessment_id=extra.id,
                    track=agreed,
                    target_level=target,
                    recommended_track=advised["track"],
                    recommended_target=target,
                    overrides=agreed != advised["track"],
                )
            )
        db.session.commit()
    overview = hr.get("/hr/").get_data(as_text=True)
    row = re.search(
        r"<tr><th scope=\"row\">Software engineering</th>.*?</tr>", overview, re.S
    ).group(0)
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
    assert cells[1:4] == ["6", "2", "2"], cells
    assert cells[4].startswith("33%<br>") and "likely 12% to 65%" in cells[4], cells


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


def advice_of(app, assessment_id: int) -> dict:
    with app.app_context():
        from webapp.assessment.models import Assessment  # noqa: PLC0415

        return db.session.get(Assessment, assessment_id).recommendation


@pytest.fixture
def share_sample(team, people, make_assessment, share, signed_in):
    """`share_sample(i)`: Ada shares an assessment answered as sample person i; (mo, id)."""

    def make(sample: int):
        assessment_id = make_assessment("ada@example.com", people[sample])
        share(assessment_id)
        return signed_in("mo@example.com"), assessment_id

    return make


@pytest.mark.parametrize("sample", range(6))  # every sample person: rules, flags, close calls
def test_the_manager_screens_speak_about_the_report_not_to_them(share_sample, sample):
    mo, assessment_id = share_sample(sample)
    team = mo.client.application
    page = f"/team/assessments/{assessment_id}"
    rate_all(mo, assessment_id, "2")
    with team.app_context():
        from webapp import answering  # noqa: PLC0415

        constructs = answering.current_pack().questionnaire.constructs
        told_to_employee = [c.high for c in constructs] + [c.low for c in constructs]
    for url in (page, f"{page}/print", "/team/"):
        html = mo.get(url).get_data(as_text=True).split("<main", 1)[1].split("</main>")[0]
        for sentence in told_to_employee:
            assert sentence not in html, f"{url} speaks to the employee: {sentence}"
        for words in ("You rated yourself", "your answers support", "for you", "You are in"):
            assert words not in html, f"{url}: {words}"
    html = mo.get(page).get_data(as_text=True)
    assert "The advice <bdi>Ada</bdi> received" in html
    if advice_of(team, assessment_id)["explanation"]["rules"]:
        assert "The rules told Ada:" in html


@pytest.mark.parametrize("sample", range(6))
def test_the_advice_in_brief_gives_what_pointed_to_each_track(share_sample, sample):
    """The 1:1 view listed only what pointed to the advised track: on a close call (50% sure)
    the manager read three reasons for the individual contributor track and none of the
    ratings of 4 in people leadership and hiring that pulled the other way, which the
    report's own result lists (found from outside)."""
    mo, assessment_id = share_sample(sample)
    advice = advice_of(mo.client.application, assessment_id)
    html = mo.get(f"/team/assessments/{assessment_id}").get_data(as_text=True)
    brief = html.split('id="advice-title"', 1)[1].split("</section>", 1)[0]
    # the score is the log-odds of success as a manager minus as an individual contributor
    for track, sign in (("individual contributor", -1), ("people manager", 1)):
        pushed = [f for f in advice["explanation"]["factors"] if sign * f["effect"] > 0]
        if not pushed:
            continue
        listed = brief.split(f"What pointed to the {track} track</h3>", 1)
        assert len(listed) == 2, f"nothing said of what pointed to the {track} track"
        # the strongest four, as on the report's result
        assert listed[1].split("</ul>", 1)[0].count("<li>") == min(4, len(pushed))


def test_the_agreed_level_list_groups_the_levels_by_track_and_lists_each_once(shared):
    _, mo, assessment_id = shared
    html = mo.get(f"/team/assessments/{assessment_id}").get_data(as_text=True)
    select = html.split('id="target_level"', 1)[1].split("</select>", 1)[0]
    groups = dict(re.findall(r'<optgroup label="([^"]+)">(.*?)</optgroup>', select, re.S))
    assert list(groups) == [
        "Both tracks (shared levels)",
        "Individual contributor",
        "People manager",
    ]
    values = {name: re.findall(r'value="([^"]+)"', options) for name, options in groups.items()}
    assert values["Both tracks (shared levels)"] == ["L1", "L2"]
    assert values["People manager"] == ["M3", "M4", "M5", "M6", "M7"]
    assert values["Individual contributor"] == ["L3", "L4", "L5", "L6", "L7"]


def test_a_level_of_another_track_is_refused_next_to_the_level_with_every_problem_at_once(shared):
    _, mo, assessment_id = shared
    page = f"/team/assessments/{assessment_id}"
    wrong = {"track": "manager", "target_level": "L5", "reason": ""}  # an IC level, no reason
    refused = mo.submit(page, wrong, action_url=f"{page}/decision")
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    level_error = re.search(r'<p class="error" id="target_level-error">([^<]*)</p>', html)
    assert level_error and "is not a level of the people manager track" in level_error.group(1)
    assert 'id="reason-error"' in html  # the missing reason in the same pass
    summary = html.split('class="error-summary"', 1)[1].split("</div>", 1)[0]
    assert "autofocus" in html.split('class="error-summary"', 1)[1][:200]
    assert "#target_level" in summary and "#reason" in summary
    with mo.client.application.app_context():
        assert db.session.scalar(select(Decision)) is None


def test_gaps_are_judged_on_both_ratings(shared, people):
    _, mo, assessment_id = shared
    page = f"/team/assessments/{assessment_id}"
    advice = advice_of(mo.client.application, assessment_id)
    target = advice["levels"][advice["track"]]["target"]
    before = mo.get(page).get_data(as_text=True)
    assert "you have not rated it" in before  # only Ada's ratings so far

    rate_all(mo, assessment_id, "5")  # Mo sees every need met
    html = mo.get(page).get_data(as_text=True)
    gaps = html.split('id="gaps"', 1)[1].split("</section>", 1)[0]
    own_gaps = advice["levels"][advice["track"]]["gaps"]
    assert gaps.count('data-judged="self"') == len(own_gaps)
    for gap in own_gaps:
        assert f"rates {gap['have']:g}, you rate 5, {target} needs {gap['need']}" in gaps
    assert "Ada sees a gap; your rating meets the need" in gaps or not own_gaps

    rate_all(mo, assessment_id, "1")  # Mo sees a gap wherever the level needs more than 1
    gaps = mo.get(page).get_data(as_text=True).split('id="gaps"', 1)[1].split("</section>")[0]
    assert gaps.count('data-judged="both"') == len(own_gaps)
    assert "a gap on both views" in gaps or not own_gaps
    assert f"you rate 1, {target} needs" in gaps


def test_the_notes_on_the_answers_are_the_quality_notes_not_the_rules_flags(shared, team):
    """A rule's flag is among the rules that applied; under "Notes on Ada's answers", which
    lower how sure the advice is, stand only the notes on the answers themselves."""
    from webapp.assessment.models import Assessment  # noqa: PLC0415

    _, mo, assessment_id = shared
    with team.app_context():
        assessment = db.session.get(Assessment, assessment_id)
        recommendation = dict(assessment.recommendation)
        recommendation["flags"] = [
            {"id": "close_call", "message": "Both tracks could fit: try before choosing."},
            {"id": "too_fast", "message": "Some pages were answered very quickly."},
        ]
        assessment.recommendation = recommendation
        db.session.commit()
    html = mo.get(f"/team/assessments/{assessment_id}").get_data(as_text=True)
    notes = html.split("Notes on <bdi>Ada</bdi>'s answers", 1)[1].split("</ul>", 1)[0]
    assert "Some pages were answered very quickly." in notes
    assert "Both tracks could fit" not in notes


def test_the_print_carries_the_notes_on_the_answers_to_ask_about(shared, team):
    from webapp.assessment.models import Assessment  # noqa: PLC0415

    _, mo, assessment_id = shared
    with team.app_context():
        assessment = db.session.get(Assessment, assessment_id)
        assessment.recommendation = dict(assessment.recommendation) | {
            "flags": [
                {"id": "close_call", "message": "Both tracks could fit: try before choosing."},
                {"id": "straight_lining", "message": "Almost every statement got one answer."},
                {"id": "too_fast", "message": "Some pages were answered very quickly."},
            ]
        }
        db.session.commit()
    printed = mo.get(f"/team/assessments/{assessment_id}/print").get_data(as_text=True)
    notes = printed.split("Notes on <bdi>Ada</bdi>'s answers", 1)[1].split("</p>", 1)[0]
    assert "ask <bdi>Ada</bdi> about them" in printed.split("Notes on <bdi>Ada</bdi>", 1)[1]
    # a phrase each, where the 1:1 page has the whole message: three took it past one page
    assert (
        "<p>Almost every statement got the same answer; the pages were answered faster than "
        "they can be read. These lower how sure the advice is"
    ) in notes
    assert "Both tracks could fit" not in notes


def test_the_team_list_and_the_history_say_how_sure_in_the_results_words(shared, team):
    from webapp.manager.one_to_one import sureness_about  # noqa: PLC0415

    _, mo, assessment_id = shared
    said = sureness_about(advice_of(team, assessment_id))
    assert said.startswith(("a ", "the ", "chosen"))  # words, not a figure
    listed = mo.get("/team/").get_data(as_text=True)
    assert re.search(rf"track advised, {re.escape(said)}\.", listed)
    page = mo.get(f"/team/assessments/{assessment_id}").get_data(as_text=True)
    history = page.split("over time", 1)[1]
    assert re.search(rf'<td data-label="How sure">{re.escape(said)} \(\d+%\)</td>', history)


def test_a_decision_is_headed_as_agreed_only_once_the_report_confirms_it(shared):
    ada, mo, assessment_id = shared
    page, result = f"/team/assessments/{assessment_id}", f"/results/{assessment_id}"
    assert "What you and <bdi>Ada</bdi> agree on</h2>" in mo.get(page).text
    agreed = {"track": "ic", "target_level": "L4", "reason": "Deep work suits her"}
    mo.submit(page, agreed, action_url=f"{page}/decision")
    assert "What you recorded, for <bdi>Ada</bdi> to confirm</h2>" in mo.get(page).text
    over_time = mo.get(page).text.split("over time", 1)[1]
    assert (
        "individual contributor, Staff Engineer (L4); not yet confirmed by <bdi>Ada</bdi></td>"
        in over_time
    )
    listed = words_of(mo.get("/team/"))
    assert "Recorded, for Ada to confirm: individual contributor, Staff Engineer (L4)." in listed
    assert "Agreed:" not in listed
    assert "<h2>Recorded, for <bdi>Ada</bdi> to confirm</h2>" in mo.get(f"{page}/print").text
    waiting = ada.get(result).text
    assert "What your manager recorded, for you to confirm" in waiting
    assert "What you agreed" not in waiting
    assert ada.agree(assessment_id).status_code == 302
    assert "What you agreed</h3>" in ada.get(result).text
    assert "What you and <bdi>Ada</bdi> agreed</h2>" in mo.get(page).text
    assert "<h2>Agreed</h2>" in mo.get(f"{page}/print").text
    over_time = mo.get(page).text.split("over time", 1)[1]
    assert (
        "individual contributor, Staff Engineer (L4), confirmed by <bdi>Ada</bdi></td>" in over_time
    )
    assert "Agreed: individual contributor, Staff Engineer (L4), confirmed by Ada." in words_of(
        mo.get("/team/")
    )


def test_the_home_page_words_the_latest_result_as_the_result_does(shared):
    from webapp.results.wording import sureness  # noqa: PLC0415

    ada, _, assessment_id = shared
    home = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", ada.get("/").get_data(as_text=True)))
    result = ada.get(f"/results/{assessment_id}").get_data(as_text=True)
    assert "came out as the better fit" not in home
    said = re.search(r"track \(([^)]+)\)\. It is advice for your development", home).group(1)
    assert said in re.sub(r"\s+", " ", result)
    assert said in {sureness({"confidence": c, "flags": []}) for c in (0.4, 0.55, 0.65, 0.8)} | {
        sureness({"confidence": 0.6, "flags": [{"id": "close_call"}]})
    }


def test_the_same_decision_sent_again_keeps_the_employees_confirmation(shared):
    ada, mo, assessment_id = shared
    page = f"/team/assessments/{assessment_id}"
    agreed = {"track": "ic", "target_level": "L4", "reason": "Deep work suits her"}
    mo.submit(page, agreed, action_url=f"{page}/decision")
    ada.agree(assessment_id)
    again = mo.submit(page, agreed, action_url=f"{page}/decision", follow_redirects=True)
    assert "already recorded and confirmed; nothing changed" in again.get_data(as_text=True)
    assert "You confirmed this" in ada.get(f"/results/{assessment_id}").get_data(as_text=True)
    with mo.client.application.app_context():
        assert len(db.session.scalars(select(Decision)).all()) == 1
    # a different decision is a new one, which Ada has not confirmed
    mo.submit(page, agreed | {"target_level": "L5"}, action_url=f"{page}/decision")
    assert "I agree with this" in ada.get(f"/results/{assessment_id}").get_data(as_text=True)
    with mo.client.application.app_context():
        assert len(db.session.scalars(select(Decision)).all()) == 2


def test_a_decision_from_a_page_opened_before_another_was_recorded_replaces_nothing(shared):
    """Mo leaves the 1:1 page open, records individual contributor L4 in another tab and Ada
    confirms it; a decision then sent from the page left open replaced it unannounced, and
    Ada's confirmation with it. Now nothing is recorded (409) until Mo sends it again."""
    ada, mo, assessment_id = shared
    page = f"/team/assessments/{assessment_id}"
    left_open = hidden_fields(mo.get(page).text)  # the CSRF token and the decision shown
    agreed = {"track": "ic", "target_level": "L4", "reason": "Deep work suits her"}
    mo.submit(page, agreed, action_url=f"{page}/decision")
    ada.agree(assessment_id)
    stale = left_open | agreed | {"target_level": "L5"}
    refused = mo.post(f"{page}/decision", data=stale)
    assert refused.status_code == 409
    said = words_of(refused)
    assert "The decision was not recorded" in said  # not "Please check 1 field"
    assert re.search(
        r"Another decision was recorded after this page was opened: the individual "
        r"contributor track, \w[\w ]* \(L4\), on \d+ \w+ \d{4}, and confirmed by the employee",
        said,
    )
    assert confirmed(mo.client.application) == {"ic L4": True}
    again = hidden_fields(refused.text) | agreed | {"target_level": "L5"}
    assert mo.post(f"{page}/decision", data=again).status_code == 302  # knowingly, this time
    assert confirmed(mo.client.application) == {"ic L4": True, "ic L5": False}


def test_a_reason_made_only_of_invisible_characters_is_no_reason(shared):
    _, mo, assessment_id = shared
    page = f"/team/assessments/{assessment_id}"
    with mo.client.application.app_context():
        from webapp.assessment.models import Assessment  # noqa: PLC0415

        advised = db.session.get(Assessment, assessment_id).recommendation["track"]
    other = "manager" if advised == "ic" else "ic"
    level = "M3" if other == "manager" else "L3"
    refused = mo.submit(
        page, {"track": other, "target_level": level, "reason": " \u200b\u2060 "},
        action_url=f"{page}/decision",
    )  # fmt: skip
    assert refused.status_code == 422
    assert "U+200B ZERO WIDTH SPACE, at character 1" in refused.get_data(as_text=True)


def test_notes_count_a_line_break_as_the_browser_does(shared):
    """A browser counts a line break as one character against maxlength and sends it as two
    (CR LF): 3,000 short lines are 8,999 characters typed, within the 10,000 allowed."""
    _, mo, assessment_id = shared
    page = f"/team/assessments/{assessment_id}"
    typed = "\r\n".join(["ok"] * 3000)
    saved = mo.submit(page, {"private_notes": "", "shared_notes": typed}, f"{page}/notes")
    assert saved.status_code == 302
    with mo.client.application.app_context():
        assert db.session.scalar(select(ManagerReview.shared_notes)) == "\n".join(["ok"] * 3000)


def test_rated_within_a_step_and_no_rule_the_page_says_so_not_rate_above(shared, people):
    _, mo, assessment_id = shared
    page = f"/team/assessments/{assessment_id}"
    own = {k: str(v) for k, v in people[0]["answers"].items() if k.startswith("rate_")}
    mo.submit(page, own, action_url=f"{page}/ratings")
    html = mo.get(page).get_data(as_text=True)
    # rated: never asked to rate; with nothing to raise, told why
    assert "skills above to see where your views differ" not in html
    assert 'class="prompts"' in html or "are within a step of each other" in html


# The employee confirms the decision they read


def confirmed(app) -> dict[str, bool]:
    """Each decision recorded, by track and level, and whether the employee confirmed it."""
    with app.app_context():
        return {
            f"{d.track} {d.target_level}": d.employee_agreed_at is not None
            for d in db.session.scalars(select(Decision).order_by(Decision.id))
        }


def test_a_confirmation_from_a_page_opened_before_a_newer_decision_confirms_nothing(shared):
    """Mo records people manager, M3; Ada opens her result and leaves it open; Mo records
    individual contributor, L5. "I agree with this" on the open page confirms neither: the
    page again (409) says the decision changed and shows the one in force, whose own form
    confirms it."""
    ada, mo, assessment_id = shared
    page = f"/team/assessments/{assessment_id}"
    manager = {"track": "manager", "target_level": "M3", "reason": "She wants to lead the team"}
    assert mo.submit(page, manager, f"{page}/decision").status_code == 302
    opened = ada.get(f"/results/{assessment_id}")
    assert "Track: people manager, aiming for Engineering Manager (M3)" in words_of(opened)
    ic = {"track": "ic", "target_level": "L5", "reason": "She would rather deepen her craft"}
    assert mo.submit(page, ic, f"{page}/decision").status_code == 302

    refused = ada.agree(assessment_id, opened.get_data(as_text=True))
    said = words_of(refused)
    assert refused.status_code == 409
    assert "Nothing was confirmed" in said
    assert "The decision changed since you opened this page" in said
    assert "Please read it again below" in said
    assert "Track: individual contributor, aiming for Principal Engineer (L5)" in said
    assert "(M3)" not in said
    assert confirmed(mo.client.application) == {"manager M3": False, "ic L5": False}
    assert "decision_agreed" not in actions(mo.client.application)

    agreed = ada.agree(assessment_id, refused.get_data(as_text=True))  # the form it showed
    assert agreed.status_code == 302
    assert confirmed(mo.client.application) == {"manager M3": False, "ic L5": True}


@pytest.mark.parametrize(
    "shown",
    [None, "", "first", "0", "-1", "1.0", "2147483648", pytest.param("9" * 5000, id="5000 nines")],
)
def test_a_confirmation_that_names_no_decision_is_refused(shared, shown):
    ada, mo, assessment_id = shared
    page = f"/team/assessments/{assessment_id}"
    ic = {"track": "ic", "target_level": "L5", "reason": "She would rather deepen her craft"}
    mo.submit(page, ic, f"{page}/decision")
    form = {"csrf_token": ada.token(f"/results/{assessment_id}")}
    if shown is not None:
        form["decision"] = shown
    response = ada.post(f"/results/{assessment_id}/agree", data=form)
    assert response.status_code == 400
    assert confirmed(mo.client.application) == {"ic L5": False}


def test_a_confirmation_naming_a_decision_on_another_assessment_is_refused(
    shared, people, make_assessment, share
):
    ada, mo, assessment_id = shared
    other = make_assessment("ada@example.com", people[1])
    share(other)
    ic = {"track": "ic", "target_level": "L5", "reason": "She would rather deepen her craft"}
    for number in (assessment_id, other):
        mo.submit(f"/team/assessments/{number}", ic, f"/team/assessments/{number}/decision")
    html = ada.get(f"/results/{other}").get_data(as_text=True)
    response = ada.post(f"/results/{assessment_id}/agree", data=hidden_fields(html))
    assert response.status_code == 400
    assert confirmed(mo.client.application) == {"ic L5": False}


# Reasons and notes hold nothing hidden

HIDDEN = {  # characters nobody sees, as the refusal names them
    "\u202e": "U+202E RIGHT-TO-LEFT OVERRIDE",
    "\u202d": "U+202D LEFT-TO-RIGHT OVERRIDE",
    "\u2067": "U+2067 RIGHT-TO-LEFT ISOLATE",
    "\u200f": "U+200F RIGHT-TO-LEFT MARK",
    "\u061c": "U+061C ARABIC LETTER MARK",
    "\u200b": "U+200B ZERO WIDTH SPACE",
    "\ufeff": "U+FEFF ZERO WIDTH NO-BREAK SPACE",
    "\u00ad": "U+00AD SOFT HYPHEN",
    "\x1b": "U+001B (a control character)",
    "\x08": "U+0008 (a control character)",
}


@pytest.mark.parametrize(
    ("hidden", "named"), HIDDEN.items(), ids=[f"U+{ord(c):04X}" for c in HIDDEN]
)
def test_a_reason_or_note_holding_a_character_nobody_sees_is_refused_by_name_and_place(
    shared, hidden, named
):
    """Shown on Ada's result or Mo's printout, an override would turn the words after it
    backwards; so would any of these hide or change what was written. Refused beside the
    field, whichever field, and nothing is kept."""
    _, mo, assessment_id = shared
    page = f"/team/assessments/{assessment_id}"
    written = f"  She would rather{hidden} deepen her craft"  # character 17 once trimmed
    said = f"it holds an invisible character, {named}, at character 17; remove it and try again."
    decision = {"track": "ic", "target_level": "L5", "reason": written}
    refused = mo.submit(page, decision, f"{page}/decision")
    assert refused.status_code == 422
    # in the error summary and beside the field
    assert words_of(refused).count(f"Why, when it differs from the advice: {said}") == 2
    for field in ("private_notes", "shared_notes"):
        notes = {"private_notes": "Fine", "shared_notes": "Fine"} | {field: written}
        refused = mo.submit(page, notes, f"{page}/notes")
        assert refused.status_code == 422
        assert words_of(refused).count(said) == 2
    with mo.client.application.app_context():
        assert db.session.scalars(select(Decision)).all() == []
        assert db.session.scalars(select(ManagerReview)).all() == []
    assert not {"decision", "manager_notes"} & set(actions(mo.client.application))


def test_a_reason_and_notes_stored_with_an_override_turn_only_themselves_around(shared):
    """Defence in depth, for text stored before such characters were refused: each reason
    and note is isolated (<bdi>), so trackfit's own words after it read as written."""
    ada, mo, assessment_id = shared
    page = f"/team/assessments/{assessment_id}"
    reason = "She would rather deepen her craft"
    mo.submit(page, {"track": "ic", "target_level": "L5", "reason": reason}, f"{page}/decision")
    mo.submit(page, {"private_notes": "", "shared_notes": "Talk again in June"}, f"{page}/notes")
    with mo.client.application.app_context():
        db.session.scalar(select(Decision)).reason = f"\u202e{reason}"
        db.session.scalar(select(ManagerReview)).shared_notes = "\u202eTalk again in June"
        db.session.commit()
    result = ada.get(f"/results/{assessment_id}").get_data(as_text=True)
    assert f"because: <bdi>\u202e{reason}</bdi>. Recorded " in result
    assert '<div class="notes"><bdi>\u202eTalk again in June</bdi></div>' in result
    printed = mo.get(f"{page}/print").get_data(as_text=True)
    assert f"differs from the advice: <bdi>\u202e{reason}</bdi>; not yet confirmed" in printed
    assert '<div class="notes"><bdi>\u202eTalk again in June</bdi></div>' in printed
    one_to_one = mo.get(page).get_data(as_text=True)
    assert f"(differs from the advice: <bdi>\u202e{reason}</bdi>). " in one_to_one


# A reason says why


def other_than_advised(app, assessment_id: int) -> dict:
    """A track and level the advice did not give."""
    with app.app_context():
        from webapp.assessment.models import Assessment  # noqa: PLC0415

        advised = db.session.get(Assessment, assessment_id).recommendation["track"]
    return {"track": "manager", "target_level": "M3"} if advised == "ic" else {
        "track": "ic", "target_level": "L3"
    }  # fmt: skip


@pytest.mark.parametrize(
    ("reason", "lacking"),
    [
        (".", "say why in words, in a sentence or two; this has no letters."),
        ("12 + 30 = 42 ?!", "say why in words, in a sentence or two; this has no letters."),
        ("x", "say why, in a sentence or two; this is 1 character, and a reason is at least 15."),
        ("Wants it", "this is 8 characters, and a reason is at least 15."),
        (
            "想先试试",
            "this is 4 characters, and a reason is at least 15 (a letter of Chinese, Japanese "
            "or Thai counts as two).",
        ),
    ],
    ids=["a full stop", "figures and signs", "a letter", "two words", "four Chinese letters"],
)
def test_a_reason_with_no_letters_or_under_fifteen_characters_is_refused(shared, reason, lacking):
    _, mo, assessment_id = shared
    page = f"/team/assessments/{assessment_id}"
    differing = other_than_advised(mo.client.application, assessment_id)
    refused = mo.submit(page, differing | {"reason": f" {reason} "}, f"{page}/decision")
    assert refused.status_code == 422
    said = words_of(refused)
    assert lacking in said and "The agreed track or level differs from the advice: say why" in said
    with mo.client.application.app_context():
        assert db.session.scalars(select(Decision)).all() == []


@pytest.mark.parametrize(
    ("reason", "lacking"),
    [
        ("xxxxxxxxxxxxxxx", "'xxxxxxxxxxxx…' reads as keys typed at random, not words"),
        ("a\tb\tc\td\te\tf\tg\th", "it has 0 different words"),
        ("asdfasdf jkljkl qwer", "'asdfasdf', 'jkljkl', 'qwer' read as keys typed at random"),
        ("TODO: write why later", "it is placeholder text ('TODO'), not a reason"),
    ],
    ids=["one key held", "letters apart", "keys mashed", "a placeholder"],
)
def test_a_reason_not_written_in_words_is_refused_as_justifications_are(shared, reason, lacking):
    _, mo, assessment_id = shared
    page = f"/team/assessments/{assessment_id}"
    differing = other_than_advised(mo.client.application, assessment_id)
    refused = mo.submit(page, differing | {"reason": reason}, f"{page}/decision")
    assert refused.status_code == 422
    said = html.unescape(words_of(refused))
    assert f"The agreed track or level differs from the advice: {lacking}" in said
    assert "a reason is written in at least 2 different words" in said or "placeholder" in lacking
    with mo.client.application.app_context():
        assert db.session.scalars(select(Decision)).all() == []


@pytest.mark.parametrize(
    "reason",
    [
        "Wants a trial first",
        "まずは試してみたい",
        "Tre anni, poi vediamo.",
        "잘 모르겠어요, 좀 더 봐요.",
    ],
    ids=["English", "Japanese", "Italian", "Korean"],
)
def test_a_reason_of_a_sentence_is_kept(shared, reason):
    _, mo, assessment_id = shared
    page = f"/team/assessments/{assessment_id}"
    differing = other_than_advised(mo.client.application, assessment_id)
    assert mo.submit(page, differing | {"reason": reason}, f"{page}/decision").status_code == 302
    with mo.client.application.app_context():
        assert db.session.scalar(select(Decision.reason)) == reason


def test_a_note_kept_from_before_hidden_characters_were_refused_never_blocks_the_other(shared):
    """A shared note stored with a zero-width space (before such characters were refused)
    comes back unchanged with every save: the private note is still saved beside it, and
    only a note changed to hold one is refused."""
    _, mo, assessment_id = shared
    page = f"/team/assessments/{assessment_id}"
    mo.submit(page, {"private_notes": "", "shared_notes": "Talk again in June"}, f"{page}/notes")
    with mo.client.application.app_context():
        db.session.scalar(select(ManagerReview)).shared_notes = "Talk again\u200b in June"
        db.session.commit()
    html = mo.get(page).get_data(as_text=True)
    kept = re.search(r'<textarea[^>]*name="shared_notes"[^>]*>(.*?)</textarea>', html, re.S)
    form = hidden_fields(html) | {
        "private_notes": "Ask about the June review",
        "shared_notes": kept.group(1).lstrip("\n"),
    }
    assert mo.post(f"{page}/notes", data=form).status_code == 302
    with mo.client.application.app_context():
        assert db.session.scalar(select(ManagerReview)).private_notes == "Ask about the June review"
    form = hidden_fields(mo.get(page).text) | {
        "private_notes": "Ask about\u200b the review",
        "shared_notes": "Talk again\u200b in June",
    }
    refused = mo.post(f"{page}/notes", data=form)
    assert refused.status_code == 422 and refused.text.count("U+200B") >= 1
    assert "Private notes (only you see these): it holds" in refused.text


def test_notes_saved_from_a_page_opened_before_a_later_save_replace_nothing(shared):
    """Two tabs (or a laptop and a phone) on the same 1:1: notes saved from one, then the
    older page of the other saved, replaced them without a word, the employee's shared note
    gone from their result. A note the older page sends back as it showed it was not edited
    there, so the later save stands beside what was typed; one edited on both is not saved
    (409), what was typed comes back in its box with the note as saved now beside it, and
    saving that page again is a choice made knowingly; the same notes sent twice (a double
    click) are no conflict."""
    ada, mo, assessment_id = shared
    page = f"/team/assessments/{assessment_id}"
    older = hidden_fields(_form(mo.get(page).text, "notes"))
    typed = {"private_notes": "", "shared_notes": "Try leading the rota"}
    assert mo.post(f"{page}/notes", data=older | typed).status_code == 302
    assert mo.post(f"{page}/notes", data=older | typed).status_code == 302  # a double click
    # saved once, audited once: the second changed nothing and says so
    assert "Your notes were already saved as they are: nothing changed." in mo.get(page).text
    assert actions(mo.client.application).count("manager_notes") == 1

    # the older page: a private note typed, the shared one sent back as it was shown (empty)
    kept = mo.post(
        f"{page}/notes", data=older | {"private_notes": "Ask about June", "shared_notes": ""}
    )
    assert kept.status_code == 302
    assert _notes(mo) == ("Ask about June", "Try leading the rota")

    # the older page again, now with the shared note edited there too
    edited = {"private_notes": "Ask about June", "shared_notes": "Lead the retro"}
    stale = mo.post(f"{page}/notes", data=older | edited)
    assert stale.status_code == 409
    assert "saved from another tab or window" in stale.text
    assert "Your notes were not saved</h2>" in stale.text
    assert ">\r\nLead the retro</textarea>" in stale.text  # what was typed, kept to save again
    assert '<div class="notes"><bdi>Try leading the rota</bdi></div>' in stale.text
    assert _notes(mo) == ("Ask about June", "Try leading the rota")
    assert "Try leading the rota" in ada.get(f"/results/{assessment_id}").text

    again = hidden_fields(_form(stale.text, "notes")) | edited
    assert mo.post(f"{page}/notes", data=again).status_code == 302
    assert _notes(mo) == ("Ask about June", "Lead the retro")


def _form(html: str, action: str) -> str:
    """The markup of the page's form posting to `action` (a browser sends only its own
    fields)."""
    return re.search(rf'<form[^>]*action="[^"]*/{action}".*?</form>', html, re.S).group(0)


def _notes(mo) -> tuple[str, str]:
    with mo.client.application.app_context():
        review = db.session.scalar(select(ManagerReview))
        return review.private_notes, review.shared_notes


def test_notes_sent_after_the_report_stopped_sharing_say_that_nothing_was_saved(shared):
    """Mo types notes in the 1:1 while Ada stops sharing; saving answered "There is no page
    here. It may have been deleted, or the address is mistyped", saying nothing of the notes
    just lost. It says nothing was saved and to copy what was typed, in the same words as for
    an assessment that never was Mo's, so it tells Mo nothing she could not see before."""
    ada, mo, assessment_id = shared
    page = f"/team/assessments/{assessment_id}"
    opened = hidden_fields(mo.get(page).text)
    ada.submit(f"/results/{assessment_id}", action_url=f"/results/{assessment_id}/revoke")
    typed = {"private_notes": "Ask about June", "shared_notes": ""}
    ended = mo.post(f"{page}/notes", data=opened | typed)
    never = mo.post(f"/team/assessments/{assessment_id + 1000}/notes", data=opened | typed)
    assert ended.status_code == never.status_code == 404
    assert "Nothing was saved" in ended.text and "copy anything you typed" in ended.text
    assert ended.text == never.text
    with mo.client.application.app_context():
        assert db.session.scalar(select(ManagerReview)) is None


def test_ratings_saved_from_a_page_opened_before_a_later_save_replace_nothing(shared):
    """Every skill rated from one tab, then one rated from a page opened before: the older
    page's form, holding no choice for the others, left one rating of nine without a word.
    A rating the older page sends back as it showed it (none) was not chosen there, so the
    later save stands; the one chosen there, different from the one saved since, is not
    saved (409) and is named beside its question; saving that page again is a choice made
    knowingly; the same ratings sent twice are no conflict."""
    _, mo, assessment_id = shared
    page = f"/team/assessments/{assessment_id}"
    html = mo.get(page).text
    older = hidden_fields(_form(html, "ratings"))
    names = sorted(set(re.findall(r'name="(rate_[a-z_]+)"', html)))
    every = dict.fromkeys(names, "3")
    assert mo.post(f"{page}/ratings", data=older | every).status_code == 302
    assert mo.post(f"{page}/ratings", data=older | every).status_code == 302  # a double click
    assert "Your ratings were already saved as they are: nothing changed." in mo.get(page).text
    assert actions(mo.client.application).count("manager_rating") == 1

    stale = mo.post(f"{page}/ratings", data=older | {names[0]: "5"})
    assert stale.status_code == 409
    assert "Your ratings were not saved</h2>" in stale.text
    named = re.findall(r'<p class="error"[^>]*>Your rating here was saved from another', stale.text)
    assert len(named) == 1  # the one chosen there; the eight it never showed keep theirs
    with mo.client.application.app_context():
        assert db.session.scalar(select(ManagerReview)).ratings == dict.fromkeys(names, 3)

    # the page as it came back: the eight shown as saved, the one chosen kept to save again
    again = hidden_fields(_form(stale.text, "ratings")) | every | {names[0]: "5"}
    assert mo.post(f"{page}/ratings", data=again).status_code == 302
    with mo.client.application.app_context():
        saved = db.session.scalar(select(ManagerReview)).ratings
        assert saved == dict.fromkeys(names, 3) | {names[0]: 5}


def test_a_confirmation_made_after_the_page_was_opened_is_not_replaced_unawares(shared):
    """The page said "Ada has not confirmed it yet"; Ada then confirmed it; a different
    decision from that page dropped her confirmation without a word."""
    ada, mo, assessment_id = shared
    page = f"/team/assessments/{assessment_id}"
    mo.submit(page, {"track": "ic", "target_level": "L4", "reason": ""}, f"{page}/decision")
    opened = hidden_fields(_form(mo.get(page).text, "decision"))
    ada.agree(assessment_id)
    other = {"track": "ic", "target_level": "L5", "reason": "She leads the platform work now."}
    refused = mo.post(f"{page}/decision", data=opened | other)
    assert refused.status_code == 409
    assert "The employee confirmed the decision shown above after this page was opened" in (
        words_of(refused)
    )
    assert confirmed(mo.client.application) == {"ic L4": True}


def test_the_decision_form_of_a_page_redrawn_after_another_form_names_the_decision_shown(
    shared,
):
    """A page redrawn after its notes or ratings were refused carried a decision form that
    named no decision, so a decision sent from it was never checked and replaced one
    recorded and confirmed since."""
    ada, mo, assessment_id = shared
    page = f"/team/assessments/{assessment_id}"
    mo.submit(page, {"track": "ic", "target_level": "L4", "reason": ""}, f"{page}/decision")
    notes = hidden_fields(_form(mo.get(page).text, "notes"))
    refused = mo.post(f"{page}/notes", data=notes | {"private_notes": "a\u202eb"})
    assert refused.status_code == 422  # a direction override, refused beside its field
    redrawn = hidden_fields(_form(refused.text, "decision"))
    assert redrawn["replaces"].endswith(":open")
    ada.agree(assessment_id)
    other = {"track": "ic", "target_level": "L5", "reason": "She leads the platform work now."}
    assert mo.post(f"{page}/decision", data=redrawn | other).status_code == 409
    assert confirmed(mo.client.application) == {"ic L4": True}


@pytest.mark.parametrize("forged", ["1", "abc", "9" * 3000, "999:open", "1:maybe"])
def test_a_decision_naming_one_the_page_could_not_have_shown_is_refused(shared, forged):
    _, mo, assessment_id = shared
    page = f"/team/assessments/{assessment_id}"
    opened = hidden_fields(_form(mo.get(page).text, "decision"))
    sent = opened | {"track": "ic", "target_level": "L4", "reason": "", "replaces": forged}
    assert mo.post(f"{page}/decision", data=sent).status_code == 400
    assert confirmed(mo.client.application) == {}


def test_the_one_to_one_says_what_the_ranges_cover_about_the_report(shared):
    """The ranges are those of people who answer like the report, as their own result says:
    the manager is told that the report's own chance may lie outside, in words and in the
    chart's legend, not that it is the range of the report's own chance."""
    ada, mo, assessment_id = shared
    page = mo.get(f"/team/assessments/{assessment_id}")
    said = words_of(page)
    assert "The range is for people who answer like Ada: the model is 90% sure their" in said
    assert "Ada's own also rests on what no questionnaire asks, so it may lie outside" in said
    assert "likely range for people who answer like Ada" in _legend(page)
    assert "Ada's chance" not in _legend(page)
    own = ada.get(f"/results/{assessment_id}")
    assert "likely range for people who answer like you" in _legend(own)
    assert "Your own also rests on what no questionnaire asks" in words_of(own)


def _legend(page) -> str:
    """The words of the chances chart's legend, its wrapped lines read as one."""
    chances = re.search(r"<svg.*?</svg>", page.get_data(as_text=True), re.S).group()
    legend = ET.fromstring(chances).find("{http://www.w3.org/2000/svg}g[@class='legend']")
    return " ".join("".join(t.itertext()) for t in legend.iter("{http://www.w3.org/2000/svg}text"))


def test_two_assessments_of_one_day_are_told_apart_by_their_time(
    shared, people, make_assessment, app
):
    """A report who shares two assessments of the same day: the team page and the 1:1 give
    each its time (both read "Assessment of 5 December 2026"); one of another day keeps its
    day alone."""
    ada, mo, first = shared
    second = make_assessment("ada@example.com", people[1])
    ada.submit(f"/results/{second}", action_url=f"/results/{second}/share")
    with app.app_context():
        one, two = (db.session.get(Assessment, n) for n in (first, second))
        one.completed_at = datetime(2026, 12, 5, 9, 30)
        two.completed_at = datetime(2026, 12, 5, 14, 5)
        db.session.commit()
    team_page = words_of(mo.get("/team/"))
    assert "Assessment of 5 December 2026, 09:30 UTC" in team_page
    assert "Assessment of 5 December 2026, 14:05 UTC" in team_page
    one_to_one = words_of(mo.get(f"/team/assessments/{second}"))
    assert "5 December 2026, 14:05 UTC (this one)" in one_to_one
    assert "Assessment of 5 December 2026, 14:05 UTC on the" in one_to_one
    assert "5 December 2026, 09:30 UTC" in one_to_one
    # the report's own result names the one before it by its time too
    own = words_of(ada.get(f"/results/{second}"))
    assert "Since your assessment of 5 December 2026, 09:30 UTC" in own
    with app.app_context():  # within one minute: to the second
        db.session.get(Assessment, second).completed_at = datetime(2026, 12, 5, 9, 30, 41)
        db.session.commit()
    team_page = words_of(mo.get("/team/"))
    assert "Assessment of 5 December 2026, 09:30:00 UTC" in team_page
    assert "Assessment of 5 December 2026, 09:30:41 UTC" in team_page
    with app.app_context():
        db.session.get(Assessment, first).completed_at = datetime(2026, 11, 20, 9, 30)
        db.session.commit()
    team_page = words_of(mo.get("/team/"))
    assert "Assessment of 20 November 2026:" in team_page
    assert "Assessment of 5 December 2026:" in team_page
