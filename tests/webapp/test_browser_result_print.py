"""In a real browser, in print: the employee's result as it comes out on paper."""

from __future__ import annotations

import pytest

from tests.webapp.browsing import log_in
from tests.webapp.screens import look_at_every_width, printed_pages


@pytest.fixture
def result_url(app, serve, ada, people, make_assessment) -> str:
    """The app served over HTTP, and the address of Ada's result."""
    return f"{serve(app)}/results/{make_assessment('ada@example.com', people[0])}"


def test_the_factor_table_prints_its_sum_once_after_every_factor(page, result_url):
    """The table of every factor runs over a page break on A4. Its baseline and score rows
    were a table footer, which Chromium repeats at the foot of each page: the first page read
    "Hands-on time -1.017; Starting point -0.185; Score: baseline plus every effect -4.224",
    a sum of rows that are not there."""
    log_in(page, result_url.split("/results/")[0], "ada@example.com")
    page.goto(result_url)
    page.emulate_media(media="print")
    try:
        footers = page.locator("section table tfoot")
        assert footers.count() >= 1
        for index in range(footers.count()):
            shown = footers.nth(index).evaluate("e => getComputedStyle(e).display")
            assert shown != "table-footer-group", "a footer repeated on every printed page"
    finally:
        page.emulate_media(media="screen")


@pytest.mark.usefixtures("ada")
def test_the_printed_history_runs_each_assessment_on_across_pages(
    page, app, serve, people, make_assessment
):
    """An outside review: four assessments printed on five pages, some three quarters empty,
    each kept whole and so moved to the next page whenever it did not fit what was left. Each
    now runs on; its headings and each of its changes stay whole."""
    for person in people[:4]:
        make_assessment("ada@example.com", person, seconds_per_page=120)
    base = serve(app)
    log_in(page, base, "ada@example.com")
    page.goto(f"{base}/results/history")
    assert printed_pages(page) <= 4  # seven when each was kept whole
    look_at_every_width(page, "history-of-four")
