"""In a real browser, at a phone's width and a desktop's: HR chooses product design, uploads its
outcomes, follows the training run, compares the candidate with product design's active
model and promotes it; the overview's engineering line (its pack, model, people and last
training) is as it was. Every page passes axe-core and fits the screen."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from recommender.answer.registry import Registry
from recommender.learn.synthetic import generate_outcomes, write_outcome_csv
from recommender.pack.loading import load_pack
from tests.webapp.browsing import give_a_reason_if_asked, log_in
from tests.webapp.screens import DESKTOP, PHONE, look_at_every_width

DESIGN_REF = load_pack("product-design").ref
TRAINING_SECONDS = 300  # a run is niced to the lowest priority: minutes on a busy machine


@pytest.fixture(scope="module")
def design_file(tmp_path_factory):
    """A full outcome file of 800 synthetic product designers, on disk for the file picker."""
    path = tmp_path_factory.mktemp("design") / "design-outcomes.csv"
    write_outcome_csv(generate_outcomes(load_pack("product-design"), 800, 11), path)
    return path


def test_hr_trains_and_promotes_for_one_discipline_and_the_other_is_unchanged(
    page, team, serve, design_file, assert_accessible
):
    live = serve(team)
    log_in(page, live, "hr@example.com")
    page.goto(f"{live}/hr/")
    engineering = page.locator("#discipline-engineering")
    engineering_before = engineering.inner_text()
    engineering_active = Registry(team.config["TRACKFIT_MODELS"]).active("engineering")
    expect(engineering.locator(".active-model")).to_have_text(engineering_active)

    page.get_by_role("link", name="Outcomes and training").click()
    chooser = page.get_by_role("navigation", name="Discipline")
    expect(chooser.get_by_role("link", name="Software engineering")).to_have_attribute(
        "aria-current", "page"
    )
    chooser.get_by_role("link", name="Product design").click()
    expect(page).to_have_url(re.compile(r"/hr/outcomes\?discipline=product-design$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Outcomes and training: Product design"
    )
    look_at_every_width(page, "hr-discipline-outcomes")
    assert_accessible(page, "outcomes page of product design")

    page.set_viewport_size({"width": DESKTOP, "height": 900})
    page.get_by_label("CSV file").set_input_files(design_file)
    page.get_by_role("button", name="Check, store and train").click()
    expect(page.get_by_role("heading", name=re.compile(r"Training run \d+"))).to_be_visible()
    expect(page.get_by_text(f"Product design (pack {DESIGN_REF})")).to_be_visible()
    compare = page.get_by_role("link", name=re.compile(r"Compare v\d+ with Product design's"))
    expect(compare).to_be_visible(timeout=TRAINING_SECONDS * 1000)
    version = re.search(r"v\d+", compare.inner_text()).group(0)
    compare.click()

    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Model {version}: Product design")
    expect(page.get_by_text(f"Trained for Product design (pack {DESIGN_REF})")).to_be_visible()
    look_at_every_width(page, "hr-discipline-candidate")
    assert_accessible(page, "product design's candidate")
    page.set_viewport_size({"width": PHONE, "height": 900})  # the verdict's figures, all in view
    comparison = page.get_by_role("region", name=re.compile(r"per track: ROC AUC"))
    assert comparison.evaluate("box => box.scrollWidth <= box.clientWidth")
    for judgement in comparison.locator("td.judgement").all():
        box = judgement.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= PHONE

    page.set_viewport_size({"width": DESKTOP, "height": 900})
    give_a_reason_if_asked(page, version, "Product design's own outcomes, agreed with its leads.")
    page.get_by_role("button", name=f"Promote {version}…").click()
    expect(
        page.get_by_role("heading", name=f"Promote {version} for Product design?")
    ).to_be_visible()
    expect(page.get_by_text(re.compile(r"Software engineering.* not affected\."))).to_be_visible()
    look_at_every_width(page, "hr-discipline-promote-confirm")
    assert_accessible(page, "promotion confirmation for product design")
    page.get_by_role("button", name=f"Yes, promote {version}").click()
    flash = page.get_by_text(f"{version} is now the active model")
    expect(flash).to_contain_text("for Product design; other disciplines are not affected")

    page.get_by_role("link", name="Overview").click()
    expect(page.locator("#discipline-product-design .active-model")).to_have_text(version)
    expect(engineering).to_have_text(engineering_before)
    look_at_every_width(page, "hr-discipline-overview")
    assert_accessible(page, "HR overview with two disciplines")
    assert Registry(team.config["TRACKFIT_MODELS"]).active("engineering") == engineering_active


def test_the_packs_page_lists_each_discipline_and_quality_is_chosen_per_discipline(
    page, team, serve, assert_accessible
):
    live = serve(team)
    log_in(page, live, "hr@example.com")
    page.goto(f"{live}/hr/packs")
    for title in ("Software engineering", "Product design"):
        expect(page.get_by_role("heading", level=2, name=title)).to_be_visible()
    look_at_every_width(page, "hr-discipline-packs")
    assert_accessible(page, "packs of every discipline")

    page.get_by_role("link", name="Questionnaire quality").click()
    page.get_by_role("navigation", name="Discipline").get_by_role(
        "link", name="Product design"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Questionnaire quality: Product design"
    )
    look_at_every_width(page, "hr-discipline-quality")
    assert_accessible(page, "questionnaire quality of product design")
