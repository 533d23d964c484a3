"""In a real browser: a manager runs a 1:1 from an assessment their report shared and prints
it on one page; HR uploads outcomes, follows training, reads the candidate's comparison and
fairness report, is refused promoting a candidate judged worse without a justification,
confirms the promotion on its own step, rolls back and finds it all in the audit
log. Both journeys pass axe-core without serious or critical violations."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from recommender.learn.synthetic import generate_outcomes, write_outcome_csv
from recommender.pack.loading import load_pack
from tests.webapp.browsing import log_in
from tests.webapp.screens import DESKTOP, PHONE, look_at, look_at_every_width, printed_pages

RESULT_PRINT_PAGES = 9  # a result with shared notes and a decision: 8 pages of A4 (was 11)


@pytest.fixture
def live(team, serve):
    """The team's app served over HTTP, everyone with the test password."""
    return serve(team)


def test_a_manager_runs_a_one_to_one_from_a_shared_assessment_and_prints_it(
    page, live, people, make_assessment, assert_accessible
):
    result = f"/results/{make_assessment('ada@example.com', people[0])}"

    log_in(page, live, "ada@example.com")
    page.goto(live + result)
    page.get_by_role("button", name="Share with Mo").click()
    expect(page.get_by_text("Shared with Mo.")).to_be_visible()
    page.get_by_role("button", name="Log out").click()

    log_in(page, live, "mo@example.com")
    page.get_by_role("link", name="My team").click()
    page.get_by_role("link", name=re.compile("Assessment of")).click()
    expect(page.get_by_role("heading", name="1:1 with Ada")).to_be_visible()
    assert_accessible(page, "1:1 page")
    for question in page.locator("fieldset.question").all():
        question.locator("input").first.check()  # Mo rates every skill at 1
    page.get_by_role("button", name="Save your ratings").click()
    expect(page.get_by_text("Your ratings are saved")).to_be_visible()
    assert page.locator("tr.differs").count() >= 1
    expect(page.get_by_text("Ask for a recent example").first).to_be_visible()
    page.get_by_label("Private notes").fill("Ask about the on-call rota")
    # with a link far wider than a phone, as notes often hold: it wraps, on screen and paper
    link = "https://wiki.example.com/incident_reviews/" + "postmortem" * 30
    page.get_by_label("Notes shared with the employee").fill(
        f"Lead the next incident review\n{link}"
    )
    page.get_by_role("button", name="Save notes").click()
    expect(page.get_by_text("Notes saved.")).to_be_visible()
    page.get_by_label("Agreed track").select_option("manager")
    page.get_by_label("Agreed target level").select_option("M3")
    page.get_by_role("button", name="Record the decision").click()
    expect(page.locator("#reason-error")).to_contain_text("say why")  # differs from the advice
    page.get_by_label("Why, when it differs from the advice").fill("Wants to try leading")
    page.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_text("Ada has not confirmed it yet")).to_be_visible()

    page.get_by_role("link", name="Print a one-page summary").click()
    expect(page.get_by_role("heading", name="1:1 summary: Ada")).to_be_visible()
    expect(page.get_by_text("Lead the next incident review")).to_be_visible()
    assert page.get_by_text("Ask about the on-call rota").count() == 0
    look_at(page, "one-to-one-print-long-link", PHONE)
    page.set_viewport_size({"width": DESKTOP, "height": 900})
    page.emulate_media(media="print")
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
    expect(page.locator("header.site")).to_be_hidden()
    assert printed_pages(page) == 1, "the summary is not one page"
    page.get_by_role("button", name="Log out").click()

    log_in(page, live, "ada@example.com")
    page.goto(live + result)
    expect(page.get_by_text("Lead the next incident review")).to_be_visible()
    look_at(page, "result-shared-notes-long-link", PHONE)
    page.set_viewport_size({"width": DESKTOP, "height": 900})
    page.get_by_role("button", name="I agree with this").click()
    expect(page.get_by_text("You confirmed this")).to_be_visible()
    # on paper the result runs on from section to section: no page left mostly empty because
    # the next section would not fit whole (it took 11 pages, about half of them white)
    assert printed_pages(page) <= RESULT_PRINT_PAGES


def fill_in_alone(page, data) -> None:
    """Fill in the upload form with `data` and its sensitive columns, and untick "Start from
    the active version", ticked by default (what a company with a few hundred people wants),
    so the candidate learns from the file's people alone."""
    page.get_by_label("CSV file").set_input_files(str(data))
    page.get_by_label("Sensitive columns").fill("gender, age_band")
    start_from_active = page.get_by_label("Start from the active version where that pays")
    expect(start_from_active).to_be_checked()
    start_from_active.uncheck()


def what_the_folds_chose(page, version: str) -> None:
    """On a candidate's page: open what each cross-fitting fold's search chose (folded away
    until asked for), beside the version's own choice, and look at it at every width."""
    page.get_by_text(re.compile(r"What each of the 15 cross-fitting folds chose")).click()
    expect(page.get_by_role("columnheader", name="People scored")).to_be_visible()
    expect(page.get_by_role("rowheader", name=version, exact=True)).to_be_visible()
    look_at_every_width(page, "hr-model-fold-choices")
    page.set_viewport_size({"width": DESKTOP, "height": 900})


def read_its_card(page) -> None:
    """From a version's page: its model card, then back."""
    page.get_by_role("link", name="Read the model card").click()
    expect(page.get_by_role("heading", name="Intended use")).to_be_visible()
    page.go_back()


def the_model_pages_figures_read_on_a_phone_and_a_desktop(page) -> None:
    """The paired comparison's differences come with their intervals; at a phone's width no
    table of figures runs past its box (the cross-fitted table's six columns did), and at a
    desktop's every interval of the page's tables reads on one line (the paired comparison
    had folded each "(0.6845 to 0.7334)" over three)."""
    expect(
        page.get_by_role("columnheader", name=re.compile("Difference \\(90% interval\\)"))
    ).to_be_visible()
    page.set_viewport_size({"width": PHONE, "height": 900})
    overflowing = page.evaluate(
        """() => [...document.querySelectorAll('.table-scroll')]
             .filter(box => box.querySelector('span.interval'))
             .filter(box => box.scrollWidth > box.clientWidth + 1)
             .map(box => box.getAttribute('aria-label') || box.getAttribute('aria-labelledby'))"""
    )
    assert overflowing == [], f"tables of figures wider than a phone: {overflowing}"
    page.set_viewport_size({"width": DESKTOP, "height": 900})
    expect(page.locator("table.paired span.interval").first).to_be_visible()
    folded = page.evaluate(
        """() => [...document.querySelectorAll('table span.interval')]
             .filter(s => s.getClientRects().length > 1)
             .map(s => s.textContent)"""
    )
    assert folded == [], f"intervals folded over lines on a desktop: {folded}"


def test_hr_trains_compares_promotes_and_rolls_back_a_model(
    page, live, tmp_path, assert_accessible
):
    data = tmp_path / "outcomes.csv"
    # 300 people of the same simulation v1 learnt from 20,000 of, learnt from alone (the box
    # "Start from the active version" unticked): the cross-fitted candidate is genuinely worse
    # (paired intervals: on the manager track at least, where 300 people hold about 45
    # managers), so promoting it needs a justification
    write_outcome_csv(generate_outcomes(load_pack("engineering"), 300, 21), data, True)

    log_in(page, live, "hr@example.com")
    page.get_by_role("link", name="HR").click()
    page.get_by_role("link", name="Outcomes and training").click()
    assert_accessible(page, "outcomes page")
    fill_in_alone(page, data)
    page.get_by_role("button", name="Check, store and train").click()
    expect(page.get_by_role("heading", name=re.compile("Training run"))).to_be_visible()
    # nested cross-validation and cross-fitting: minutes on a busy two-core machine
    expect(page.locator("#status")).to_have_text("succeeded", timeout=300_000)
    compare = page.get_by_role("link", name=re.compile(r"Compare v\d+ with Software engineering's"))
    new = re.search(r"v\d+", compare.inner_text()).group(0)  # the next number in the registry
    compare.click()
    verdict = page.get_by_role("region", name="Verdict against v1")
    expect(verdict).to_contain_text(
        re.compile(
            r"Worse (than the active version on both tracks|on the manager track).* — keep v1"
        )
    )
    the_model_pages_figures_read_on_a_phone_and_a_desktop(page)
    expect(page.get_by_role("heading", name="Cross-fitted comparison")).to_be_visible()
    expect(page.get_by_role("img", name=re.compile("Calibration on the"))).to_have_count(2)
    expect(page.get_by_role("img", name=re.compile("ROC curve on the"))).to_have_count(2)
    expect(page.get_by_text("gender × age_band").first).to_be_visible()
    assert_accessible(page, "model comparison page")
    what_the_folds_chose(page, new)
    read_its_card(page)

    page.get_by_role("button", name=f"Promote {new}").click()
    refusal = page.locator("#justification-error")
    expect(refusal).to_contain_text("because the comparison judged it worse")
    expect(refusal).to_be_in_viewport()
    expect(page.get_by_label("Justification")).to_be_in_viewport()
    page.get_by_label("Justification").fill(
        "The age-band gap follows experience; reviewed with the works council."
    )
    page.get_by_role("button", name=f"Promote {new}").click()
    expect(
        page.get_by_role("heading", name=f"Promote {new} for Software engineering?")
    ).to_be_visible()
    expect(
        page.get_by_text(f"{new} will answer every new assessment instead of v1")
    ).to_be_visible()
    expect(page.get_by_text("reviewed with the works council")).to_be_visible()
    assert_accessible(page, "promotion confirmation")
    page.get_by_role("button", name=f"Yes, promote {new}").click()
    expect(page.get_by_text(f"{new} is now the active model")).to_be_visible()
    page.get_by_role("link", name="Roll back to v1…").click()
    asking = page.get_by_role("heading", name="Roll back to v1 for Software engineering?")
    expect(asking).to_be_visible()
    page.get_by_label("Why roll back?").fill("Roll back while the works council reviews it.")
    page.get_by_role("button", name="Yes, roll back to v1").click()
    expect(page.get_by_text("v1 is the active model again")).to_be_visible()

    page.get_by_role("link", name="Audit log").click()
    for action in ("uploaded outcome data", "promoted a model version", "rolled back"):
        expect(page.get_by_role("cell", name=action).first).to_be_visible()
    page.get_by_label("Action").select_option("promote")
    page.get_by_role("button", name="Filter").click()
    # the justification in full under the details, which fold to one line: replaced,
    # discipline, flagged groups, calibration by group and verdict
    expect(
        page.locator("tr", has_text="promoted a model version").first.locator(".reason")
    ).to_contain_text(re.compile("^justification: “.*works council"))
    page.get_by_text("replaced: v1 + 4 details").click()
    expect(page.get_by_role("listitem").filter(has_text="calibration by group:")).to_be_visible()
    assert_accessible(page, "audit log")
