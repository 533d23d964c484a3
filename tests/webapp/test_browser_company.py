"""In a real browser, a company with two disciplines from start to end: HR's org chart puts an
engineer and a data scientist under one manager; each takes their own discipline's assessment
and shares it; the manager opens both 1:1s; HR trains and promotes a new model for data science
only, and the engineer's result, engineering's model and the data scientist's earlier result
are exactly as they were."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import update

from recommender.answer.registry import Registry
from recommender.learn.synthetic import generate_outcomes, write_outcome_csv
from recommender.pack.loading import load_pack
from tests.webapp.browsing import give_a_reason_if_asked, log_in
from tests.webapp.factories import password_hash, sample_people
from tests.webapp.screens import DESKTOP, look_at_every_width
from tests.webapp.test_browser_disciplines import take_and_share
from webapp.accounts.models import User
from webapp.extensions import db

CHART = (
    "email,name,manager_email,role,discipline\n"
    "mo@example.com,Mo Manager,,manager,\n"
    "ada@example.com,Ada Engineer,mo@example.com,employee,engineering\n"
    "sam@example.com,Sam Scientist,mo@example.com,employee,data-science\n"
)
SCIENCE = load_pack("data-science")
TRAINING_SECONDS = 300  # a run is niced to the lowest priority: minutes on a busy machine


@pytest.fixture(scope="module")
def science_outcomes(tmp_path_factory):
    """Outcomes of 800 synthetic data scientists, on disk for the file picker."""
    path = tmp_path_factory.mktemp("science") / "data-science-outcomes.csv"
    write_outcome_csv(generate_outcomes(SCIENCE, 800, 17), path)
    return path


def own_result(page, live: str, email: str) -> str:
    """The line of a person's latest result that names the model and pack behind it."""
    log_in(page, live, email)
    page.goto(f"{live}/results/history")
    page.locator("main h2 a").first.click()
    line = page.get_by_text("Produced by model version").inner_text()
    page.get_by_role("button", name="Log out").click()
    return line


@pytest.fixture
def live(app, make_user, serve, tmp_path):
    """The app served over HTTP, with Hana from HR, and the org chart on disk."""
    make_user("hr@example.com", "hr", "Hana")
    (tmp_path / "org-chart.csv").write_text(CHART)
    return serve(app)


def import_the_chart(page, live: str, app, chart) -> None:
    """HR imports the org chart; everyone then has a password, as from their invitation."""
    log_in(page, live, "hr@example.com")
    page.goto(f"{live}/hr/people")
    page.get_by_label("CSV file").set_input_files(str(chart))
    page.get_by_role("button", name="Check and import").click()
    expect(page.get_by_text("Org chart imported: 3 people added")).to_be_visible()
    page.get_by_role("button", name="Log out").click()
    with app.app_context():
        db.session.execute(update(User).values(password_hash=password_hash()))
        db.session.commit()


def manager_opens_both_one_to_ones(page, live: str, assert_accessible) -> None:
    """Mo sees each report's own discipline's competencies, and only those."""
    log_in(page, live, "mo@example.com")
    for name, own, other in (
        ("Ada Engineer", "System design", "Machine learning"),
        ("Sam Scientist", "Machine learning", "System design"),
    ):
        page.goto(f"{live}/team/")
        card = page.locator("section.card", has=page.get_by_role("heading", name=name))
        card.get_by_role("link", name=re.compile("Assessment of")).click()
        expect(page.get_by_role("heading", name=f"1:1 with {name}")).to_be_visible()
        compare = page.locator("table.compare")
        expect(compare.get_by_role("rowheader", name=own)).to_be_visible()
        assert compare.get_by_role("rowheader", name=other).count() == 0
    assert_accessible(page, "1:1 of a data scientist")
    look_at_every_width(page, "company-one-to-one-data-science")
    page.get_by_role("button", name="Log out").click()


def hr_trains_and_promotes_for_data_science(page, live: str, outcomes) -> str:
    """HR uploads data science's outcomes, waits for the candidate and promotes it."""
    log_in(page, live, "hr@example.com")
    page.set_viewport_size({"width": DESKTOP, "height": 900})
    page.goto(f"{live}/hr/outcomes?discipline=data-science")
    page.get_by_label("CSV file").set_input_files(outcomes)
    page.get_by_role("button", name="Check, store and train").click()
    compare = page.get_by_role("link", name=re.compile(r"Compare v\d+ with Data science's"))
    expect(compare).to_be_visible(timeout=TRAINING_SECONDS * 1000)
    version = re.search(r"v\d+", compare.inner_text()).group(0)
    compare.click()
    give_a_reason_if_asked(
        page, version, "A trial of the retrained model, agreed with the works council."
    )
    page.get_by_role("button", name=f"Promote {version}…").click()
    page.get_by_role("button", name=f"Yes, promote {version}").click()
    expect(page.get_by_text(f"{version} is now the active model")).to_be_visible()
    page.get_by_role("button", name="Log out").click()
    return version


def test_an_engineer_and_a_data_scientist_their_manager_and_hr_retraining_one_discipline(
    app, page, live, science_outcomes, assert_accessible
):
    before = Registry(app.config["TRACKFIT_MODELS"]).pointers()
    import_the_chart(page, live, app, Path(app.instance_path).parent / "org-chart.csv")
    take_and_share(page, live, "ada@example.com", sample_people()[0], "Software engineering")
    take_and_share(page, live, "sam@example.com", sample_people("data-science")[0], "Data science")
    ada_before = own_result(page, live, "ada@example.com")
    sam_before = own_result(page, live, "sam@example.com")
    assert f"model version {before['engineering']} " in ada_before
    assert f"model version {before['data-science']} " in sam_before
    assert SCIENCE.ref in sam_before

    manager_opens_both_one_to_ones(page, live, assert_accessible)
    version = hr_trains_and_promotes_for_data_science(page, live, science_outcomes)

    after = Registry(app.config["TRACKFIT_MODELS"]).pointers()
    assert after == before | {"data-science": version}
    assert own_result(page, live, "ada@example.com") == ada_before
    assert own_result(page, live, "sam@example.com") == sam_before  # kept as it was computed
