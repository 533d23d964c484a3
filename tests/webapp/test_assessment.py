"""The assessment: pages from the pack, saved as you go, resumable, validated inline."""

import re

import pytest

from recommender.pack.loading import load_pack
from webapp.assessment import routes
from webapp.assessment.models import Assessment
from webapp.extensions import db


def _start(client):
    return client.submit("/assessment/", action_url="/assessment/start").headers["Location"]


def test_one_section_per_page_with_progress(client, ada):
    first = _start(client)
    html = client.get(first).get_data(as_text=True)
    sections = load_pack("engineering").questionnaire.sections
    assert f"Step 1 of {len(sections)}" in html
    assert f'<progress value="1" max="{len(sections)}"' in html
    assert sections[0].title in html


def test_the_start_page_says_who_sees_the_answers(client, ada):
    html = client.get("/assessment/").get_data(as_text=True)
    assert "Only you see your answers and result, and your manager too if you share" in html
    assert "Only you see your answers and result." not in html  # untrue once shared
    # the outcome files HR uploads are joined to people's stored answers to retrain the model
    assert "your answers may be among those it learns from" in html


def test_every_input_has_a_label_or_legend(client, ada):
    first = _start(client)
    html = client.get(first).get_data(as_text=True)
    ids = re.findall(r'<(?:input|select)[^>]*\bid="([^"]+)"', html)
    assert ids
    for field_id in ids:
        if field_id == "csrf_token":
            continue
        assert f'for="{field_id}"' in html, field_id


def test_next_without_answers_names_each_question_inline(client, ada):
    first = _start(client)
    response = client.submit(first, {"action": "next"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Please check 5 answers" in html
    assert html.count('class="error"') >= 5
    assert 'aria-invalid="true"' in html


def test_out_of_range_numbers_are_refused_with_the_range(client, ada):
    first = _start(client)
    response = client.submit(first, {"years_experience": "200", "action": "next"})
    assert "Enter a whole number from 0 to 60." in response.get_data(as_text=True)


def test_answers_are_saved_when_leaving_and_resumed_after_logging_out(client, ada, people):
    person = people[0]
    client.answer_all(person, stop_after=2)
    client.logout()
    client.login()
    start = client.get("/assessment/").get_data(as_text=True)
    assert "Resume at step 3 of 7" in start
    page2 = re.search(r'href="(/assessment/\d+/)3"', start).group(1) + "2"
    html = client.get(page2).get_data(as_text=True)
    chosen = re.findall(
        r'<input checked id="([a-z0-9_]+)-\d+" name="\1" type="radio" value="(\d)"', html
    )
    assert chosen
    for item_id, value in chosen:
        assert person["answers"][item_id] == int(value)


def test_save_and_finish_later_keeps_partial_answers(client, ada):
    first = _start(client)
    response = client.submit(first, {"years_experience": "7", "action": "save"})
    assert response.headers["Location"] == "/"
    assert 'value="7"' in client.get(first).get_data(as_text=True)
    assert "Resume where you left off" in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize("action", ["save", "back"])
@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("70", "Enter a whole number from 0 to 60."),
        ("3.5", "Enter a whole number from 0 to 60."),
        ("1e309", "Enter a whole number from 0 to 60."),
    ],
)
def test_an_answer_that_cannot_be_saved_is_shown_not_dropped(client, ada, action, typed, said):
    first = _start(client)
    client.submit(first, {"years_experience": "5", "years_at_level": "2", "action": "save"})
    response = client.submit(
        first, {"years_experience": typed, "years_at_level": "3", "action": action}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Your other answers are saved; this one is not. Correct or clear it" in html
    assert said in html and f'value="{typed}"' in html  # what was typed, to correct
    again = client.get(first).get_data(as_text=True)
    assert 'value="5"' in again and 'value="3"' in again  # the earlier one stands; the other saved


def test_a_choice_not_offered_is_named_as_such(client, ada):
    first = _start(client)
    response = client.submit(first, {"current_track": "boss", "action": "save"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "Choose one of the answers listed." in html
    assert "Not a valid" not in html


def test_back_keeps_what_was_typed_on_the_page(client, ada, people):
    client.answer_all(people[0], stop_after=1)
    start = client.get("/assessment/").get_data(as_text=True)
    second = re.search(r'href="(/assessment/\d+/2)"', start).group(1)
    response = client.submit(second, {"la1": "4", "action": "back"})
    assert response.headers["Location"].endswith("/1")
    assert 'checked id="la1-3"' in client.get(second).get_data(as_text=True)


def test_pages_cannot_be_skipped(client, ada):
    first = _start(client)
    response = client.get(first[:-1] + "5")
    assert response.headers["Location"] == first


def test_attention_checks_look_like_any_other_question(client, ada, people):
    client.answer_all(people[0], stop_after=1)
    start = client.get("/assessment/").get_data(as_text=True)
    second = re.search(r'href="(/assessment/\d+/2)"', start).group(1)
    html = client.get(second).get_data(as_text=True)
    assert 'name="att1"' in html
    assert "attention" not in html.lower()
    assert (
        "check"
        not in re.search(r'<fieldset[^>]*id="att1".*?</fieldset>', html, re.S).group(0).lower()
    )


def test_finishing_stores_the_recommendation_with_model_and_pack(app, client, ada, people):
    response = client.answer_all(people[0])
    assert re.fullmatch(r"/results/\d+", response.headers["Location"])

    with app.app_context():
        stored = db.session.scalars(db.select(Assessment)).one()
        assert stored.model_version == stored.recommendation["model_version"] == "v1"
        assert stored.pack == stored.recommendation["pack"] == "engineering@1"
        assert set(stored.timings) == {
            s.id for s in load_pack("engineering").questionnaire.sections
        }


def test_a_finished_assessment_cannot_be_edited(client, ada, people):
    result = client.answer_all(people[0]).headers["Location"]
    number = result.rsplit("/", 1)[1]
    assert client.get(f"/assessment/{number}/1").headers["Location"] == result


def test_a_page_sent_from_a_tab_opened_before_finishing_says_its_answers_were_not_kept(
    client, ada, people
):
    client.answer_all(people[0], stop_after=1)
    start = client.get("/assessment/").get_data(as_text=True)
    second = re.search(r'href="(/assessment/\d+/2)"', start).group(1)
    stale_token = client.token(second)  # the second tab, still open on page 2
    result = client.answer_all(people[0]).headers["Location"]  # finished in the first tab
    response = client.post(second, data={"csrf_token": stale_token, "la1": "1", "action": "next"})
    assert response.status_code == 303 and response.headers["Location"] == result
    html = client.get(result).get_data(as_text=True)
    assert re.search(
        r"This assessment was already finished on \d+ \w+ \d{4}, \d\d:\d\d UTC \(in another "
        r"tab or window, or on this page before you went back to it\), so the answers you just "
        r"sent from this page were not saved\.",
        html,
    )
    assert "start a new assessment" in html
    assert "already finished" not in client.get(result).get_data(as_text=True)  # said once


def test_a_page_sent_from_a_tab_left_open_after_a_retake_began_points_to_the_new_one(
    client, ada, people
):
    """Finished in one tab, a new assessment started, then a page of the old one sent from a
    tab left open: the message said to start a new assessment, which there already was."""
    client.answer_all(people[0], stop_after=1)
    second = re.search(
        r'href="(/assessment/\d+/2)"', client.get("/assessment/").get_data(as_text=True)
    ).group(1)
    stale_token = client.token(second)
    result = client.answer_all(people[0]).headers["Location"]
    client.submit("/assessment/", action_url="/assessment/start")  # a new one, in progress
    client.post(second, data={"csrf_token": stale_token, "la1": "1", "action": "next"})
    html = client.get(result).get_data(as_text=True)
    assert "you have a newer one in progress: carry on with it from Assessment" in html
    assert "start a new assessment" not in html


def test_see_my_results_clicked_twice_says_nothing_was_lost(client, ada, people):
    """The last page sent again as it was (a double click): it lands on the result, with no
    word of answers not saved, for they were the ones the result was made from."""
    answers = {**people[0]["answers"], **people[0]["context"]}
    sections = len(load_pack("engineering").questionnaire.sections)
    client.answer_all(people[0], stop_after=sections - 1)
    start = client.get("/assessment/").get_data(as_text=True)
    last = re.search(rf'href="(/assessment/\d+/{sections})"', start).group(1)
    html = client.get(last).get_data(as_text=True)
    names = set(re.findall(r'name="([a-z_0-9]+)"', html)) - {"csrf_token", "action"}
    form = {name: str(answers[name]) for name in names if name in answers} | {"action": "next"}
    form["csrf_token"] = client.token(last)
    first = client.post(last, data=form)
    assert re.fullmatch(r"/results/\d+", first.headers["Location"])
    again = client.post(last, data=form)
    assert again.status_code == 303 and again.headers["Location"] == first.headers["Location"]
    assert "already finished" not in client.get(first.headers["Location"]).text


def test_someone_elses_assessment_is_not_found(app, client, ada, people):
    client.answer_all(people[0], stop_after=1)
    client.logout()
    client.register(email="eve@example.com", name="Eve")
    assert client.get("/assessment/1/1").status_code == 404
    assert client.get("/results/1").status_code == 404


class _Clock:
    """The assessment's clock, moved by hand."""

    def __init__(self):
        self.now = 1_000_000.0

    def time(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch):
    clock = _Clock()
    monkeypatch.setattr(routes, "time", clock)
    return clock


def _timing(app, section: str) -> float:
    with app.app_context():
        return db.session.scalars(db.select(Assessment)).one().timings.get(section, 0.0)


def test_time_spent_correcting_a_refused_page_counts_as_time_on_it(app, client, ada, clock):
    """Time on each page feeds the "answered too fast" note, which makes the advice less sure:
    the minute spent correcting a page sent back with an error was not counted at all."""
    first = _start(client)
    token = client.token(first)  # the page on screen at 0 s
    clock.now += 30
    refused = client.post(first, data={"csrf_token": token, "years_experience": "200"})
    assert refused.status_code == 422
    clock.now += 60
    client.post(first, data={"csrf_token": token, "years_experience": "6", "action": "save"})
    section = load_pack("engineering").questionnaire.sections[0].id
    assert _timing(app, section) == 90.0


def test_a_page_left_open_in_one_tab_keeps_its_time_while_another_tab_opens_a_page(
    app, client, ada, people, clock
):
    page_two = client.answer_all(people[0], stop_after=1)  # page 2 on screen at 0 s
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page_two.text).group(1)
    assessment = page_two.request.path.rsplit("/", 1)[0]
    clock.now += 10
    assert client.get(f"{assessment}/1").status_code == 200  # page 1 opened in another tab
    clock.now += 90
    client.post(f"{assessment}/2", data={"csrf_token": token, "action": "save"})
    section = load_pack("engineering").questionnaire.sections[1].id
    assert _timing(app, section) == 100.0


def test_a_question_cleared_before_finishing_is_marked_on_the_page_finishing_sends_you_to(
    client, ada, people
):
    """An outside review: the last page sent Bob back to page 1 saying some questions were not
    answered, with nothing on the page to say which."""
    client.answer_all(people[0], stop_after=1)
    first = re.search(r'href="(/assessment/\d+)/2"', client.get("/assessment/").text).group(1)
    page_one = f"{first}/1"
    html = client.get(page_one).text
    names = set(re.findall(r'name="([a-z_0-9]+)"', html)) - {"csrf_token", "action"}
    values = {**people[0]["answers"], **people[0]["context"]}
    kept = {name: str(values[name]) for name in names if name in values}
    cleared = "years_experience"  # a number every page-one asks
    saved = client.submit(page_one, kept | {cleared: "", "action": "save"})
    assert saved.status_code == 302
    location = f"{first}/2"  # on from page 2, where the assessment stands
    while f"{first}/" in location and "unanswered" not in location:
        html = client.get(location).text
        names = set(re.findall(r'name="([a-z_0-9]+)"', html)) - {"csrf_token", "action"}
        data = {name: str(values[name]) for name in names if name in values}
        last = client.submit(location, data | {"action": "next"})
        location = last.headers["Location"]
    assert last.status_code == 302 and "unanswered=1" in last.headers["Location"]
    sent_back = client.get(last.headers["Location"])
    assert "are not answered yet" in sent_back.text
    marked = re.findall(r'<(?:input|select)[^>]*aria-invalid="true"[^>]*>', sent_back.text)
    assert marked and all(f'name="{cleared}"' in tag for tag in marked)
