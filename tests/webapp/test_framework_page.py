"""The framework for everyone (/framework): both ladders with equal grades on one row, each
level's expectations in words, what changes from one level to another, and a person's own
latest ratings against a level (never anyone else's); signed-in only; unknown levels are a
helpful 404 and an unknown comparison is refused next to its field."""

from __future__ import annotations

import html
import re

import pytest

from webapp.assessment.models import Assessment
from webapp.extensions import db


def words(markup: str) -> str:
    """Markup as it reads: inline tags dropped, other tags a space, entities read, spaces
    squeezed."""
    inline = re.sub(r"</?(a|strong|span)\b[^>]*>", "", markup)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", inline)))


def text_of(response) -> str:
    """The page as it reads."""
    return words(response.get_data(as_text=True))


def row_of(response, wanted: str) -> str:
    """The text of the table row that holds `wanted`."""
    page = response.get_data(as_text=True)
    for row in re.findall(r"<tr[^>]*>.*?</tr>", page, re.S):
        text = words(row).strip()
        if wanted in text:
            return text
    raise AssertionError(f"no row holds {wanted!r}")


def section(response, heading_id: str) -> str:
    """The text of the page's <section> labelled by `heading_id`."""
    page = response.get_data(as_text=True)
    found = re.search(rf'<section aria-labelledby="{heading_id}".*?</section>', page, re.S)
    assert found, f"no section {heading_id}"
    return words(found.group(0))


@pytest.mark.parametrize("url", ["/framework/", "/framework/L4", "/framework/nothing"])
def test_anonymous_visitors_are_asked_to_log_in(form_client, url):
    response = form_client().get(url)
    assert response.status_code == 302
    assert "/account/login" in response.headers["Location"]


def test_signed_in_people_find_the_framework_in_the_main_navigation(ada):
    page = ada.get("/").get_data(as_text=True)
    assert re.search(r'<a href="/framework/">Framework</a>', page)


def test_both_ladders_stand_side_by_side_with_equal_grades_on_one_row(ada):
    response = ada.get("/framework/")
    assert response.status_code == 200
    assert row_of(response, "Staff Engineer") == (
        "4 L4 Staff Engineer Sets technical direction across several teams and unblocks hard "
        "problems. M4 Senior Engineering Manager Leads several teams or a large one, and grows "
        "other leads."
    )
    page = response.get_data(as_text=True)
    # the shared trunk below the branch grade spans both tracks
    assert re.search(r'<td colspan="2" class="shared">\s*<a href="/framework/L2">', page)
    assert '<a href="/framework/M7">' in page
    grades = re.findall(r'<th scope="row" class="grade">(\d+)</th>', page)
    assert grades == ["7", "6", "5", "4", "3", "2", "1"]


def test_a_converged_top_spans_both_tracks_and_compares_with_the_level_below(
    make_app, make_user, signed_in
):
    design = make_app(TRACKFIT_PACK="product-design")
    make_user("dee@example.com", "employee", "Dee", app=design)
    client = signed_in("dee@example.com", app=design)

    page = client.get("/framework/").get_data(as_text=True)
    assert re.search(r'<td colspan="2" class="shared">\s*<a href="/framework/D5">', page)
    top = client.get("/framework/D5")
    assert "What changes from D5 to D4 Staff Designer" in text_of(top)
    assert "D4 is one level below D5." in text_of(top)


def test_a_level_page_says_each_expectation_in_the_words_of_the_assessment(ada):
    response = ada.get("/framework/L4")
    assert response.status_code == 200
    expected = section(response, "expects-heading")
    assert (
        "System design 4 of 5 “I design systems that several teams' services depend on and "
        "steer the designs of those teams.”"
    ) in expected
    assert "People leadership 1 of 5" in expected
    assert "Grade 4" in text_of(response)


def test_the_comparison_defaults_to_the_next_level_up_and_lists_only_what_changes(ada):
    response = ada.get("/framework/L3")
    changes = section(response, "compare-heading")
    assert "What changes from L3 Senior Engineer to L4 Staff Engineer" not in changes
    assert "What changes from L3 to L4 Staff Engineer" in changes
    assert "L4 is the next level up from L3." in changes
    assert (
        "Technical depth: 3 → 4 expects more At L3 “Teammates bring me their hard problems"
    ) in changes
    assert "At L4 “People from several teams ask me about my area" in changes
    changed, _, same = changes.partition("What stays the same")
    assert "Communication" not in changed
    assert "Communication: 3 of 5 at both" in same
    assert "(2 competencies)" in same  # communication and people leadership stay
    assert re.search(
        r'<option selected value="L4">L4 Staff Engineer \(next level up\)</option>',
        response.get_data(as_text=True),
    )


def test_the_equivalent_level_on_the_other_track_is_offered_as_a_sideways_move(ada):
    page = ada.get("/framework/L4").get_data(as_text=True)
    offered = '<option value="M4">M4 Senior Engineering Manager (same grade, other track)</option>'
    assert offered in page

    response = ada.get("/framework/L4?compare=M4")
    changes = section(response, "compare-heading")
    assert "What changes from L4 to M4 Senior Engineering Manager" in changes
    assert "a change of track, a sideways move, not a promotion" in changes
    assert "People leadership: 1 → 4 expects more" in changes
    assert "Technical depth: 4 → 3 expects less" in changes


def test_a_shared_level_offers_the_next_level_up_on_each_track(ada):
    page = html.unescape(ada.get("/framework/L2").get_data(as_text=True))
    assert "L3 Senior Engineer (next level up on the individual contributor track)" in page
    assert "M3 Engineering Manager (next level up on the people manager track)" in page
    assert '<optgroup label="Shared by both tracks">' in page
    assert '<a href="/framework/L2?compare=M3">compare with M3 Engineering Manager</a>' in page


def test_the_top_level_compares_with_the_same_grade_on_the_other_track(ada):
    changes = section(ada.get("/framework/L7"), "compare-heading")
    assert "What changes from L7 to M7 VP of Engineering" in changes


@pytest.mark.parametrize("asked", ["Z9", "<b>x</b>", "L4"])
def test_a_comparison_with_no_such_level_is_refused_next_to_its_field(ada, asked):
    response = ada.get("/framework/L4", query_string={"compare": asked})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'class="error-summary"' in page
    assert re.search(r'<p class="error" id="compare-error">[^<]+</p>', page)
    assert "<b>x</b>" not in page
    message = "This page is L4" if asked == "L4" else "There is no level"
    assert message in text_of(response)
    assert "What changes from" not in text_of(response)
    assert '<option selected value="L5">' in page  # the usual choice, ready to send again


def test_an_unknown_level_is_a_404_that_shows_every_level(ada):
    response = ada.get("/framework/Z9")
    assert response.status_code == 404
    assert "There is no level “Z9”" in text_of(response)
    assert '<a href="/framework/L1">' in response.get_data(as_text=True)


def test_a_level_asked_in_the_wrong_case_is_suggested(ada):
    response = ada.get("/framework/l4")
    assert response.status_code == 404
    assert "Did you mean L4 Staff Engineer?" in text_of(response)


def test_an_unknown_level_is_not_echoed_as_markup(ada):
    response = ada.get("/framework/%3Cscript%3Ealert(1)%3C%2Fscript%3E")
    assert response.status_code == 404
    assert "<script>" not in response.get_data(as_text=True)


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_your_own_latest_ratings_are_set_against_the_level(
    team, people, make_assessment, signed_in
):
    make_assessment("ada@example.com", people[1])
    make_assessment("ada@example.com", people[0])  # the latest
    make_assessment("bob@example.com", people[1])

    ada = signed_in("ada@example.com").get("/framework/L4")
    mine = section(ada, "you-heading")
    assert "meet 4 of the 9 expectations of L4" in mine
    assert row_of(ada, "Technical depth 4 4") == "Technical depth 4 4 meets it"
    assert row_of(ada, "System design 3") == "System design 3 4 1 below"
    assert "<svg" in ada.get_data(as_text=True)

    bob = signed_in("bob@example.com").get("/framework/L4")
    assert row_of(bob, "Technical depth 3") == "Technical depth 3 4 1 below"
    assert row_of(bob, "Communication 4") == "Communication 4 3 1 above"


def test_a_manager_never_sees_a_reports_ratings_only_their_own(
    team, people, make_assessment, share, signed_in
):
    share(make_assessment("ada@example.com", people[0]))
    mo = signed_in("mo@example.com").get("/framework/L4")
    mine = section(mo, "you-heading")
    assert "When you finish an assessment, your own competency ratings appear here" in mine
    assert '<table class="standing">' not in mo.get_data(as_text=True)


def test_an_unfinished_assessment_draws_nothing(ada, people, make_assessment):
    make_assessment("ada@example.com", people[0], pages_done=3)
    mine = section(ada.get("/framework/L3"), "you-heading")
    assert "When you finish an assessment" in mine


def test_the_ladders_mark_the_level_you_hold(ada, people, make_assessment):
    make_assessment("ada@example.com", people[2])  # holds L4
    response = ada.get("/framework/")
    assert "Your current level" in row_of(response, "Staff Engineer")
    assert "Your current level" not in row_of(response, "Senior Engineer Owns")


def test_the_ladders_mark_the_levels_your_answers_support(app, ada, people, make_assessment):
    stored_id = make_assessment("ada@example.com", people[0])
    with app.app_context():  # a result stored with `supported`, the level the evidence supports
        stored = db.session.get(Assessment, stored_id)
        levels = {track: dict(raw) for track, raw in stored.recommendation["levels"].items()}
        levels["ic"]["supported"], levels["manager"]["supported"] = "L3", "L2"
        stored.recommendation = {**stored.recommendation, "levels": levels}
        db.session.commit()
    response = ada.get("/framework/")
    assert "Your answers support this level (individual contributor)" in row_of(
        response, "Senior Engineer Owns"
    )
    assert "Your answers support this level (people manager)" in row_of(response, "Engineer II")
    assert "Your answers support" not in row_of(response, "Staff Engineer")


def test_the_framework_pages_need_no_inline_script_or_style(ada, people, make_assessment):
    make_assessment("ada@example.com", people[0])
    for url in ("/framework/", "/framework/L4", "/framework/L4?compare=M4", "/framework/Z9"):
        page = ada.get(url).get_data(as_text=True)
        assert "<script" not in page
        assert "<style" not in page
        assert " style=" not in page
