"""A manager of a large team: the team page finds reports by name or email and by what they
shared, a page of cards at a time, and says how many shared and how many wait for a 1:1; the
home page lists the ten waiting longest and links to the rest (an outside review: a manager of
300 had one card each, 87,000 px tall on a phone and 75 printed pages, and every filter
typed into the address ignored)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

from tests.webapp import factories
from tests.webapp.page_text import words_of

TEAM = 120  # Mo's reports besides Ada: three pages of 50


def shared_by(app, people, numbers) -> dict[int, int]:
    """Each numbered report's finished assessment, shared with Mo: number -> assessment id."""
    ids = {}
    for number in numbers:
        ids[number] = factories.assessment(
            app, f"report{number:03d}@example.com", people[number % len(people)]
        )
        factories.share(app, ids[number])
    return ids


def cards(page: str) -> list[str]:
    """The names on the team page's cards, in order."""
    return re.findall(r"<h2><bdi>([^<]*)</bdi></h2>", page)


@pytest.fixture
def large_team(team, people):
    """Mo manages Ada and 120 more; reports 5, 17 and 40 shared (40's has a decision), and
    Ada did too."""
    factories.reports(team, "mo@example.com", TEAM)
    shared = shared_by(team, people, (5, 17, 40))
    factories.decision(team, shared[40], "mo@example.com")
    factories.share(team, factories.assessment(team, "ada@example.com", people[0]))
    return shared


def test_a_large_team_is_shown_fifty_to_a_page_with_what_it_shared_counted(
    team, large_team, signed_in
):
    mo = signed_in("mo@example.com")
    response = mo.get("/team/")
    first, said = response.get_data(as_text=True), words_of(response)
    assert "121 people report to you: 4 have shared an assessment with you; 3 wait for a 1:1" in (
        said
    )
    assert "People 1–50 of 121, page 1 of 3." in said
    assert cards(first)[:2] == ["Ada", "Report 000"] and len(cards(first)) == 50
    response = mo.get("/team/?page=3")
    last = response.get_data(as_text=True)
    assert cards(last) == [f"Report {i:03d}" for i in range(99, 120)]
    assert "People 101–121 of 121, page 3 of 3." in words_of(response)
    # every card is on one page or another, once
    middle = cards(mo.get("/team/?page=2").get_data(as_text=True))
    assert sorted(cards(first) + middle + cards(last)) == sorted(
        ["Ada"] + [f"Report {i:03d}" for i in range(TEAM)]
    )


@pytest.mark.parametrize(
    ("shown", "expected"),
    [
        ("shared", ["Ada", "Report 005", "Report 017", "Report 040"]),
        ("waiting", ["Ada", "Report 005", "Report 017"]),
        ("nothing", [f"Report {i:03d}" for i in range(TEAM) if i not in (5, 17, 40)][:50]),
    ],
)
def test_the_team_is_filtered_by_what_each_shared(team, large_team, signed_in, shown, expected):
    page = signed_in("mo@example.com").get(f"/team/?shared={shown}").get_data(as_text=True)
    assert cards(page) == expected


def test_a_report_is_found_by_part_of_their_name_or_email_in_any_case_and_accents(
    team, large_team, signed_in
):
    factories.user(team, "elodie@example.com", name="Élodie Ñúñez", manager="mo@example.com")
    # someone else's report is never found on Mo's page
    factories.user(team, "elodie2@example.com", name="Élodie Other", manager="max@example.com")
    mo = signed_in("mo@example.com")
    assert cards(mo.get("/team/?text=elodie").get_data(as_text=True)) == ["Élodie Ñúñez"]
    assert cards(mo.get("/team/?text=REPORT017@").get_data(as_text=True)) == ["Report 017"]
    found = mo.get("/team/?text=report 01&shared=shared").get_data(as_text=True)
    assert cards(found) == ["Report 017"]
    nobody = mo.get("/team/?text=Bob")
    assert cards(nobody.get_data(as_text=True)) == []
    assert "Nobody in your team matches the filters." in words_of(nobody)


def test_a_filter_that_is_not_one_of_the_choices_is_named_and_left_out(team, large_team, signed_in):
    page = signed_in("mo@example.com").get("/team/?shared=everyone-else&text=Report 005")
    assert page.status_code == 400
    said = words_of(page)
    assert "The filters were not applied" in said and "Choose one of the choices listed." in said
    assert cards(page.get_data(as_text=True)) == ["Report 005"]


def test_page_links_keep_the_filters(team, large_team, signed_in):
    page = signed_in("mo@example.com").get("/team/?shared=nothing").get_data(as_text=True)
    links = {urlsplit(link).query for link in re.findall(r'href="(/team/\?[^"]*)"', page)}
    assert "page=2&amp;shared=nothing" in links or "shared=nothing&amp;page=2" in links


def test_a_small_team_has_no_filters_or_page_count(team, signed_in):
    response = signed_in("mo@example.com").get("/team/")
    page, said = response.get_data(as_text=True), words_of(response)
    assert cards(page) == ["Ada"] and 'class="filters"' not in page
    assert "1 person reports to you: nobody has shared an assessment with you yet" in said
    assert "page 1 of" not in said


def test_the_home_page_lists_the_ten_waiting_longest_and_links_to_all(team, people, signed_in):
    factories.reports(team, "mo@example.com", 14)
    shared = shared_by(team, people, range(12))
    response = signed_in("mo@example.com").get("/")
    home, said = response.get_data(as_text=True), words_of(response)
    assert "Shared with you, waiting for a 1:1: 12" in said
    listed = re.findall(r'href="/team/assessments/(\d+)"', home)
    assert [int(i) for i in listed] == [shared[i] for i in range(10)]  # shared first, first
    assert "All 12 waiting for a 1:1 (the 10 waiting longest are above)" in said
    assert 'href="/team/?shared=waiting#team-count"' in home
