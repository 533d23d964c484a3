"""Home pages: a visitor reads what trackfit is; a signed-in person sees what waits for them.
A manager sees the assessments their reports shared that wait for a 1:1 and the decisions
waiting for the report's confirmation; an employee sees their unfinished assessment, their
latest result, what they shared that waits for their manager and decisions to confirm."""

from __future__ import annotations

import re

import pytest


def home(client) -> str:
    """The home page's main content."""
    html = client.get("/").get_data(as_text=True)
    return html.split("<main", 1)[1].split("</main>", 1)[0]


def section(html: str, title: str) -> str:
    """The card whose heading starts with `title` (empty when there is none)."""
    for card in html.split('<section class="card"')[1:]:
        heading = re.search(r"<h2[^>]*>(.*?)</h2>", card, re.S)
        if heading and re.sub(r"<[^>]+>", "", heading.group(1)).startswith(title):
            return card.split("</section>", 1)[0]
    return ""


def decide(mo, assessment_id: int, track: str, level: str, reason: str = "Agreed in our 1:1"):
    page = f"/team/assessments/{assessment_id}"
    response = mo.submit(
        page,
        {"track": track, "target_level": level, "reason": reason},
        action_url=f"{page}/decision",
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:500]


@pytest.fixture
def shared(team, people, make_assessment, share, signed_in):
    """Ada's finished assessment shared with Mo; (ada, mo, id)."""
    assessment_id = make_assessment("ada@example.com", people[0])
    share(assessment_id)
    return signed_in("ada@example.com"), signed_in("mo@example.com"), assessment_id


def test_a_visitor_reads_what_trackfit_is(client):
    html = home(client)
    assert "Which career track fits you" in html and "never a decision about you" in html


def test_someone_new_is_told_what_to_do_first(team, signed_in):
    html = home(signed_in("bob@example.com"))
    assert "Take the self-assessment" in html
    assert "Waiting for you" not in html and "Your team" not in html


def test_an_unfinished_assessment_is_offered_to_resume(team, people, make_assessment, signed_in):
    make_assessment("ada@example.com", people[0], pages_done=2)
    html = home(signed_in("ada@example.com"))
    assert "Resume where you left off" in html


def test_an_unshared_result_comes_with_how_to_share_it(team, people, make_assessment, signed_in):
    assessment_id = make_assessment("ada@example.com", people[0])
    card = section(home(signed_in("ada@example.com")), "Talk it over with Mo")
    assert "yours alone" in card and f"/results/{assessment_id}#one-to-one" in card


def test_a_manager_without_reports_is_told_where_reports_come_from(app, make_user, signed_in):
    make_user("new@example.com", "manager", "Nia")
    team = section(home(signed_in("new@example.com")), "Your team")
    assert "Nobody reports to you in trackfit yet" in team


def test_a_shared_assessment_waits_on_both_home_pages_until_a_decision_is_recorded(shared):
    ada, mo, assessment_id = shared
    mine = section(home(ada), "Shared with your manager")
    assert "is shared with <bdi>Mo</bdi> since" in mine and f"/results/{assessment_id}" in mine
    team = section(home(mo), "Your team")
    assert 'waiting for a 1:1: <span class="count">1</span>' in team
    assert f'href="/team/assessments/{assessment_id}"' in team
    assert 'Decisions waiting for confirmation: <span class="count">0</span>' in team

    decide(mo, assessment_id, "ic", "L7")
    team = section(home(mo), "Your team")
    assert 'waiting for a 1:1: <span class="count">0</span>' in team
    assert 'Decisions waiting for confirmation: <span class="count">1</span>' in team
    assert "Waiting for <bdi>Ada</bdi> to confirm it" in team
    assert section(home(ada), "Shared with your manager") == ""
    to_confirm = section(home(ada), "Waiting for you")
    assert "1</span> decision to confirm" in to_confirm
    # not "what you agreed": it is agreed once confirmed
    said = "<bdi>Mo</bdi> recorded the decision from your 1:1 on"
    assert said in to_confirm and "for you to confirm" in to_confirm
    assert "aiming for Fellow (L7)" in to_confirm  # the level by name, not a code
    assert f"/results/{assessment_id}#one-to-one" in to_confirm


def test_a_confirmed_decision_leaves_both_home_pages(shared):
    ada, mo, assessment_id = shared
    decide(mo, assessment_id, "ic", "L7")
    ada.agree(assessment_id)
    assert section(home(ada), "Waiting for you") == ""
    team = section(home(mo), "Your team")
    assert "None: every decision you recorded has been confirmed." in team


def test_only_the_newest_decision_counts(shared):
    ada, mo, assessment_id = shared
    decide(mo, assessment_id, "ic", "L7")
    ada.agree(assessment_id)
    decide(mo, assessment_id, "ic", "L6")  # changed after Ada confirmed the first
    to_confirm = section(home(ada), "Waiting for you")
    assert "aiming for Distinguished Engineer (L6)" in to_confirm
    assert "(L7)" not in to_confirm


def test_after_sharing_ends_the_manager_no_longer_sees_it_waiting(shared):
    ada, mo, assessment_id = shared
    ada.submit(f"/results/{assessment_id}", action_url=f"/results/{assessment_id}/revoke")
    team = section(home(mo), "Your team")
    assert 'waiting for a 1:1: <span class="count">0</span>' in team
    assert "Nothing waiting." in team
    assert "Talk it over with <bdi>Mo</bdi>" in home(ada)  # and Ada is told how to share again


def test_another_manager_sees_nothing_of_it(shared, signed_in):
    _, _, assessment_id = shared
    team = section(home(signed_in("max@example.com")), "Your team")
    assert f"/team/assessments/{assessment_id}" not in team
    assert "Nothing waiting." in team


def test_a_former_manager_no_longer_sees_it_after_a_move(shared, set_manager):
    ada, mo, assessment_id = shared
    set_manager("ada@example.com", "max@example.com")
    assert f"/team/assessments/{assessment_id}" not in home(mo)
    assert "is shared with" not in home(ada)  # a share with Mo does not wait on Max


def test_nobody_sees_another_employees_waiting_items(shared, people, make_assessment, share):
    ada, mo, assessment_id = shared
    bob_assessment = make_assessment("bob@example.com", people[1])
    share(bob_assessment)  # with Max, Bob's manager
    decide(mo, assessment_id, "ic", "L7")
    assert f"/results/{bob_assessment}" not in home(ada)
    assert f"/team/assessments/{bob_assessment}" not in home(mo)


def test_a_newer_shared_assessment_replaces_the_older_one_in_waiting(
    shared, people, make_assessment, share
):
    ada, mo, first = shared
    second = make_assessment("ada@example.com", people[2])
    share(second)
    team = section(home(mo), "Your team")
    assert 'waiting for a 1:1: <span class="count">1</span>' in team
    assert f"/team/assessments/{second}" in team and f'/team/assessments/{first}"' not in team
    mine = section(home(ada), "Shared with your manager")
    assert f"/results/{second}" in mine and f'/results/{first}"' not in mine
