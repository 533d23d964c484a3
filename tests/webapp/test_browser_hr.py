"""In a real browser, at a phone's width and a desktop's: HR is refused promoting a flagged
candidate without a reason and lands on the message, promotes it, rolls back on a
confirmation step of its own; reads the audit log a page at a time, one line per event on a
desktop, stacked on a phone; finds one person among hundreds; and every HR page fits the
screen and passes axe-core."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from playwright.sync_api import expect

from recommender.learn.fairness import fairness_report
from recommender.learn.group_calibration import calibration_by_group
from tests.registry_forgery import forged_version
from tests.webapp import factories
from tests.webapp.browsing import log_in
from tests.webapp.screens import DESKTOP, PHONE, landed_on_errors, look_at, look_at_every_width
from tests.webapp.test_retraining import finished, short_file, upload
from webapp.accounts.models import User
from webapp.audit import AuditEvent
from webapp.extensions import db
from webapp.hr.outcomes.models import TrainingRun

JUSTIFICATION = "The gap follows experience; reviewed with the works council on 2 December."


@pytest.fixture
def live(team, serve):
    """The team's app served over HTTP, everyone with the test password."""
    return serve(team)


@pytest.fixture
def hr_page(page, live):
    """The browser tab, logged in as HR; `hr_page.url_of(path)`."""
    log_in(page, live, "hr@example.com")
    return page


def next_version(team, **manifest_fields) -> str:
    """A working next version whose manifest has these fields."""
    registry = Path(team.config["TRACKFIT_MODELS"])
    version = forged_version(registry, lambda arrays: None)
    path = registry / version / "manifest.json"
    path.write_text(json.dumps(json.loads(path.read_text()) | manifest_fields))
    return version


@pytest.fixture
def flagged_candidate(team) -> str:
    """The next version: a working candidate whose fairness report flags two groups and whose
    comparison judged it worse, so promoting it needs a written reason."""
    fairness = {
        "flagged": [{"group": "a"}, {"group": "b"}],
        "attributes": [],
        "impact_ratio_flag": 0.8,
        "small_group": 30,
    }
    verdict = {"worse": True, "summary": "worse than the active version", "rows": 240}
    return next_version(team, fairness=fairness, comparison={"verdict": verdict})


def test_hr_is_refused_a_promotion_lands_on_the_reason_then_promotes_and_rolls_back(
    hr_page, live, flagged_candidate, assert_accessible
):
    page = hr_page
    page.goto(f"{live}/hr/models")
    expect(page.get_by_text("Nothing to roll back to")).to_be_visible()
    expect(page.get_by_role("link", name="Roll back to")).to_have_count(0)
    expect(page.locator(".warning-text", has_text="2 flagged groups")).to_be_visible()
    look_at_every_width(page, "hr-models")
    assert_accessible(page, "models page")

    new = flagged_candidate
    page.set_viewport_size({"width": DESKTOP, "height": 900})
    page.get_by_role("link", name=new, exact=True).click()
    expect(page.locator(".notice.warning", has_text="2 flagged groups")).to_be_visible()
    page.get_by_role("button", name=f"Promote {new}…").click()
    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    assert landed_on_errors(page), "the refused promotion did not open at its message"
    expect(summary).to_contain_text(f"{new} was not promoted")
    expect(summary).to_contain_text("the fairness report flags 2 groups")
    expect(page.get_by_label("Justification")).to_be_in_viewport()
    look_at(page, "hr-promote-refused", DESKTOP)
    assert_accessible(page, "refused promotion")
    refused_at_a_phones_width(page, new)

    page.get_by_label("Justification").fill(JUSTIFICATION)
    page.get_by_role("button", name=f"Promote {new}…").click()
    asked = page.get_by_role("heading", name=f"Promote {new} for Software engineering?")
    expect(asked).to_be_visible()
    # a second tab left on the same confirmation, to be confirmed after a promotion and a
    # rollback have brought v1 back
    stale = a_confirmation_in_another_tab(page, live, new)
    page.get_by_role("button", name=f"Yes, promote {new}").click()
    promoted = f"{new} is now the active model (it was v1) for Software engineering"
    expect(page.get_by_text(promoted)).to_be_visible()

    rolled_back_with_a_reason(page, new, assert_accessible)
    expect(page.get_by_role("link", name="Roll back to")).to_have_count(0)
    expect(page.get_by_text("Nothing to roll back to")).to_be_visible()

    # the stale tab's confirmation no longer holds: asked again, nothing moved
    stale.get_by_role("button", name=f"Yes, promote {new}").click()
    notice = stale.locator(".error-summary")
    expect(notice).to_be_focused()
    expect(notice).to_contain_text("Nothing was promoted")
    expect(notice).to_contain_text("v1 is active again, after other moves")
    look_at(stale, "hr-promote-moved", PHONE)
    assert_accessible(stale, "promotion asked again")
    stale.get_by_role("button", name=f"Yes, promote {new}").click()  # confirmed now
    expect(stale.get_by_text(promoted)).to_be_visible()


def rolled_back_with_a_reason(page, new: str, assert_accessible) -> None:
    """From the models page with `new` active: ask to roll back to v1, be refused without a
    reason (a rollback changes everyone's advice), then give one and see it kept."""
    page.get_by_role("link", name="Roll back to v1…").click()
    asking = page.get_by_role("heading", name="Roll back to v1 for Software engineering?")
    expect(asking).to_be_visible()
    expect(
        page.get_by_text(f"v1 will answer every new assessment instead of {new}.")
    ).to_be_visible()
    look_at_every_width(page, "hr-rollback-confirm")
    assert_accessible(page, "rollback confirmation")
    page.emulate_media(media="print")  # on paper the question and its reason, no button
    expect(asking).to_be_visible()
    expect(page.get_by_label("Why roll back?")).to_be_visible()
    expect(page.get_by_role("button", name="Yes, roll back to v1")).to_be_hidden()
    page.emulate_media(media="screen")
    page.get_by_role("button", name="Yes, roll back to v1").click()
    expect(page.get_by_text("a rollback needs a written reason")).to_be_visible()
    expect(page.get_by_text("Say why going back is right, in words")).to_be_visible()
    # a reason as HR writes one when it matters: long, with a link that does not break
    reason = (
        "The new version scores engineers on parental leave too low, by about ten points on "
        "the manager track; the works council asked us to go back to v1 until we have "
        "checked the outcome data again with the people analytics team. Minutes: "
        "https://intranet.example.com/hr/works-council/2026-12-03/minutes-of-the-model-review"
        "-meeting-with-the-people-analytics-team.pdf"
    )
    page.get_by_label("Why roll back?").fill(reason)
    page.get_by_role("button", name="Yes, roll back to v1").click()
    rolled_back = (
        f"Rolled back: v1 is the active model again (it was {new}) for Software engineering"
    )
    expect(page.get_by_text(rolled_back)).to_be_visible()
    # kept beside the move in the pointer history, folded after its first words
    page.get_by_text("“The new version scores engineers on parental leave").first.click()
    expect(page.get_by_text(f"“{reason}”", exact=True)).to_be_visible()
    look_at_every_width(page, "hr-models-rollback-reason")


def refused_at_a_phones_width(page, version: str) -> None:
    """Back on the version's page at a phone's width, the refusal opens at its message too."""
    page.go_back()
    page.set_viewport_size({"width": PHONE, "height": 800})
    page.get_by_role("button", name=f"Promote {version}…").click()
    expect(page.locator(".error-summary")).to_be_focused()
    assert landed_on_errors(page), "at a phone's width the refusal did not open at its message"
    look_at(page, "hr-promote-refused", PHONE)


def a_confirmation_in_another_tab(page, live: str, version: str):
    """A new tab at a phone's width, showing the confirmation of promoting `version`."""
    tab = page.context.new_page()
    tab.set_viewport_size({"width": PHONE, "height": 800})
    tab.goto(f"{live}/hr/models/{version}")
    tab.get_by_label("Justification").fill(JUSTIFICATION)
    tab.get_by_role("button", name=f"Promote {version}…").click()
    heading = tab.get_by_role("heading", name=f"Promote {version} for Software engineering?")
    expect(heading).to_be_visible()
    return tab


def add_events(app, count: int) -> None:
    """`count` events of several kinds, a minute apart, with the details HR's actions keep."""
    upload = {
        "rows": 412,
        "not_usable": 3,
        "kind": "short",
        "sensitive_columns": ["gender", "age_band"],
    }
    edit = {
        "before": {"manager_id": 3, "role": "employee"},
        "after": {"manager_id": 3, "role": "manager"},
    }
    kinds = [
        ("outcomes_upload", "outcomes-2026-q3.csv", upload),
        ("promote", "v3", {"previous": "v2", "flagged_groups": 1, "justification": JUSTIFICATION}),
        ("login_failed", "harper.hughes@example.com", {}),
        ("org_import", "org-chart.csv", {"created": 1, "updated": 12, "unchanged": 230}),
        ("org_edit", "ada@example.com", edit),
    ]
    start = datetime(2026, 11, 1, 9, 0)
    with app.app_context():
        for n in range(count):
            action, subject, detail = kinds[n % len(kinds)]
            db.session.add(
                AuditEvent(
                    at=start + timedelta(minutes=n),
                    action=action,
                    subject=subject,
                    actor_email=None if action == "login_failed" else "hr@example.com",
                    detail=detail,
                    address="2001:db8:85a3::8a2e:370:7334" if n % 2 else "203.0.113.9",
                )
            )
        db.session.commit()


# rows but those with words written by HR (a promotion's justification, shown whole)
ROW_HEIGHTS = """() => [...document.querySelectorAll('table.audit-log tbody tr')]
  .filter(row => !row.querySelector('.reason'))
  .map(row => Math.round(row.getBoundingClientRect().height))"""
LINE_HEIGHT = """() => parseFloat(
  getComputedStyle(document.querySelector('table.audit-log td')).lineHeight)"""


DATE_FILTERS = ("From (YYYY-MM-DD)", "Until (YYYY-MM-DD)")


def filters_stand_in_one_row(page) -> None:
    """The filters after the action stand in one row: the person filter's hint does not push
    its box below the dates' boxes, and each date's label stays over its own box."""
    boxes = [
        page.get_by_label(label).bounding_box()
        for label in ("Person (name or email)", *DATE_FILTERS)
    ]
    assert len({round(box["y"]) for box in boxes}) == 1, f"filter boxes at {boxes}"
    for label in DATE_FILTERS:
        above = page.locator("label", has_text=label).bounding_box()
        gap = page.get_by_label(label).bounding_box()["y"] - (above["y"] + above["height"])
        assert 0 <= gap < 8, f"{label}: {gap} px between the label and its box"


def test_hr_reads_the_audit_log_a_page_at_a_time_one_line_per_event(
    team, hr_page, live, assert_accessible
):
    add_events(team, 74)  # with HR's login: 75 events, two pages
    page = hr_page
    page.goto(f"{live}/hr/audit")
    expect(page.get_by_text("Events 1–50 of 75, page 1 of 2.")).to_be_visible()
    look_at_every_width(page, "hr-audit")
    assert_accessible(page, "audit log")
    # on paper (a sheet about 720 px wide) every detail has the line's whole width: six
    # columns squeezed them to a few letters a line ("engine/ering@/1")
    page.set_viewport_size({"width": 720, "height": 1000})
    page.emulate_media(media="print")
    details = page.locator("tr", has_text="uploaded outcome data").first.locator("td.details")
    assert details.evaluate("cell => cell.getBoundingClientRect().width") > 600
    expect(details.locator(".print-only")).to_contain_text("sensitive columns: gender, age band")
    page.emulate_media(media="screen")

    page.set_viewport_size({"width": DESKTOP, "height": 900})
    filters_stand_in_one_row(page)
    heights, line = page.evaluate(ROW_HEIGHTS), page.evaluate(LINE_HEIGHT)
    # one line of text per event, plus the cell's padding, and below it the words HR wrote
    assert max(heights) < 2 * line, f"rows of {heights} px with {line} px lines"
    promotion = page.locator("tr", has_text="promoted").first
    expect(promotion.locator(".reason")).to_have_text(f"justification: “{JUSTIFICATION}”")
    assert page.locator("td.when time").first.get_attribute("datetime").endswith("Z")
    expect(page.get_by_text("role: employee → manager").first).to_be_visible()
    expect(page.get_by_text("2001:db8:85a3::8a2e:370:7334").first).to_be_visible()
    # longer details fold into their first phrase, and open on a click
    upload = page.locator("tr", has_text="uploaded outcome data").first
    upload.get_by_text("412 rows + 3 details").click()
    expect(
        upload.get_by_role("listitem").filter(has_text="sensitive columns: gender, age band")
    ).to_be_visible()
    imported = page.locator("tr", has_text="imported the org chart").first
    imported.get_by_text("1 person added + 2 details").click()
    expect(imported.get_by_role("listitem").filter(has_text="230 people unchanged")).to_be_visible()
    look_at(page, "hr-audit-details-open", PHONE)

    page.get_by_label("Action").select_option("promote")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_text("15 events matching the filters.")).to_be_visible()
    page.get_by_label("Action").select_option("")
    page.get_by_label("Person (name or email)").fill("hr@")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_text("Events 1–50 of 60 matching the filters, page 1 of 2.")).to_be_visible()
    page.get_by_role("navigation", name="Pages of the audit log, bottom").get_by_role(
        "link", name="Older"
    ).click()
    expect(
        page.get_by_text("Events 51–60 of 60 matching the filters, page 2 of 2.")
    ).to_be_visible()
    expect(page.get_by_label("Person (name or email)")).to_have_value("hr@")
    expect(page.get_by_role("link", name="Page 2", exact=True).first).to_have_attribute(
        "aria-current", "page"
    )
    look_at(page, "hr-audit-page-2", PHONE)
    assert_accessible(page, "audit log, page 2")

    # a subject far longer than usual wraps in its cell: neither the page nor the table scrolls
    with team.app_context():
        db.session.add(AuditEvent(at=datetime(2027, 1, 1), action="export", subject="x" * 200))
        db.session.commit()
    page.goto(f"{live}/hr/audit")
    look_at(page, "hr-audit-long-subject", DESKTOP)
    log = page.get_by_role("region", name="Audit events")
    assert log.evaluate("box => box.scrollWidth <= box.clientWidth")
    look_at(page, "hr-audit-long-subject", PHONE)


def test_hr_finds_one_person_among_hundreds_and_opens_their_page(
    team, hr_page, live, assert_accessible
):
    with team.app_context():
        for number in range(230):
            person = User(
                email=f"person{number:03d}@example.com",
                name=f"{'Élodie' if number == 117 else 'Sam'} Martin {number:03d}",
                role="employee",
                employee_id=f"E{number:03d}",
            )
            person.set_password(None)  # not activated yet: an invitation link each
            db.session.add(person)
        # a name of 120 letters with no space, and right-to-left names, on the last page
        for number, name in enumerate(["Wolfeschlegelsteinhausenbergerdorff" * 3 + "x" * 15,
                                       "أحمد حداد", "יעל כהן"]):  # fmt: skip
            person = User(email=f"wide{number}@example.com", name=name, role="employee")
            person.set_password(None)
            db.session.add(person)
        db.session.commit()
    page = hr_page
    page.goto(f"{live}/hr/people?page=3")
    for width in (390, 1280):  # the table keeps to its box: every column in view
        look_at(page, "people-list-long-names", width)
        table, box = page.evaluate(
            "() => { const t = document.querySelector('table.people');"
            " return [t.scrollWidth, t.parentElement.clientWidth]; }"
        )
        assert table <= box, f"at {width} px the list is {table} px wide in {box} px"
    page.goto(f"{live}/hr/people")
    expect(page.get_by_text("People 1–100 of 238, page 1 of 3.")).to_be_visible()
    page.get_by_role("navigation", name="Pages of the people list, bottom").get_by_role(
        "link", name="Next"
    ).click()
    expect(page.get_by_text("People 101–200 of 238, page 2 of 3.")).to_be_visible()
    look_at_every_width(page, "hr-people-page-2")
    assert_accessible(page, "people, page 2")

    page.get_by_label("Name, email or employee id").fill("ÉLODIE")
    page.get_by_label("Account").select_option("invited")
    page.get_by_role("button", name="Find").click()
    expect(page.get_by_text("1 person matching the filters.")).to_be_visible()
    look_at_every_width(page, "hr-people-found")
    page.emulate_media(media="print")  # on paper the list, not the invitation buttons
    expect(page.get_by_role("button", name="Invitation link")).to_be_hidden()
    page.emulate_media(media="screen")
    expect(page.get_by_role("button", name="Invitation link")).to_be_visible()
    page.get_by_role("link", name="Élodie Martin 117").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Élodie Martin 117")
    page.go_back()
    page.get_by_label("Name, email or employee id").fill("nobody-like-this")
    page.get_by_role("button", name="Find").click()
    expect(page.get_by_text("Nobody matches these filters.")).to_be_visible()


@pytest.mark.usefixtures("runs_stay_queued")
def test_hr_looks_up_one_person_and_removes_what_the_uploads_hold_about_them(
    team, hr_page, live, signed_in, assert_accessible
):
    lines = factories.people_with_assessments(team, 300, 41)
    posted = signed_in("hr@example.com")
    response = upload(posted, short_file([*lines, "E-gone,ic,1,woman"]), "gender")
    assert response.status_code == 302
    upload_page = response.headers["Location"]
    assert posted.confirm_training(upload_page).status_code == 302
    person = lines[3].split(",")[0]
    page = hr_page
    page.goto(f"{live}/hr/outcomes")
    page.get_by_role("link", name="Records held about one person").click()
    page.get_by_label("Employee id or email").fill(person.lower())
    page.get_by_role("button", name="Look up").click()
    held = page.locator("article.held-upload")
    expect(held).to_have_count(1)
    expect(held).to_contain_text("joined to their finished assessment")
    expect(held).to_contain_text("gender (sensitive: fairness report only)")
    look_at_every_width(page, "hr-person-records")
    assert_accessible(page, "one person's records")

    remove = page.get_by_role("button", name=f"Remove everything held about {person.lower()}")
    remove.click()  # without the box ticked
    expect(page.get_by_role("alert")).to_contain_text("Tick the box")
    assert landed_on_errors(page)
    page.get_by_label("I understand that removing cannot be undone").check()
    remove.click()  # the run confirmed above is queued: it may read the rows at any moment
    expect(page.get_by_text("Nothing was removed: training is under way")).to_be_visible()
    with team.app_context():
        db.session.execute(db.update(TrainingRun).values(status="succeeded"))
        db.session.commit()
    page.get_by_label("I understand that removing cannot be undone").check()
    remove.click()
    expect(page.get_by_text(f"Removed {person.lower()}'s records from 1 upload")).to_be_visible()
    expect(page.get_by_text(f"No upload holds anything under {person.lower()}")).to_be_visible()
    page.goto(live + upload_page)  # trained on the person: HR confirms training again
    expect(page.locator("#changed-since-training")).to_contain_text("Rows were removed")
    expect(page.get_by_role("button", name="Train on 299 rows")).to_be_visible()
    look_at_every_width(page, "hr-upload-after-removal")
    page.goto(f"{live}/hr/audit?action=outcome_records_removed")
    expect(page.locator("tbody tr")).to_have_count(1)


def test_hr_downloads_the_people_behind_a_verdict_from_the_version_page(
    team, hr_page, live, signed_in, assert_accessible
):
    lines = factories.people_with_assessments(team, 300, 43)
    posted = signed_in("hr@example.com")
    response = upload(posted, short_file(lines), "gender")
    assert response.status_code == 302
    status = finished(posted, response.headers["Location"])
    assert status["status"] == "succeeded", status
    version = status["version"]
    page = hr_page
    page.goto(f"{live}/hr/models/{version}")
    said = page.locator("#verdict-people")
    expect(said).to_contain_text("(CSV, 300 rows,")
    with page.expect_download() as started:
        page.get_by_role("link", name="Download the people behind this verdict").click()
    download = started.value
    assert download.suggested_filename == f"trackfit-{version}-verdict-people.csv"
    header, *rows = Path(download.path()).read_text(encoding="utf-8").splitlines()
    assert header.startswith("employee_id,track_taken,success,judged,") and len(rows) == 300
    look_at_every_width(page, "hr-model-verdict-people")
    page.emulate_media(media="print")  # on paper it says they are kept, with no link
    expect(said.get_by_role("link")).to_be_hidden()
    expect(said).to_contain_text("The people behind this verdict are kept")
    page.emulate_media(media="screen")
    assert_accessible(page, "a version trained here, with the people behind its verdict")


HR_PAGES = {
    "hr-overview": "/hr/",
    "hr-people": "/hr/people",
    "hr-outcomes": "/hr/outcomes",
    "hr-model-v1": "/hr/models/v1",
    "hr-model-card-v1": "/hr/models/v1/card",
    "hr-model-card-v3": "/hr/models/v3/card",  # another discipline's, with its evaluation
    "hr-packs": "/hr/packs",
    "hr-pack-1": "/hr/packs/1",
    "hr-quality": "/hr/quality",
    "hr-nothing-to-roll-back": "/hr/models/rollback",
}


def test_every_hr_page_fits_a_phone_and_a_desktop_and_passes_axe(
    team, hr_page, live, assert_accessible
):
    with team.app_context():
        ada = db.session.scalar(db.select(User.id).where(User.email == "ada@example.com"))
    pages = {**HR_PAGES, "hr-person": f"/hr/people/{ada}"}
    for name, path in pages.items():
        hr_page.goto(live + path)
        look_at_every_width(hr_page, name)
        assert_accessible(hr_page, name)


@pytest.fixture
def protected_fairness(team) -> str:
    """The next version, with a fairness report of a nonbinary group of three (set aside from
    every table) and a woman aged 50 and over alone enough to need a complement."""
    cells = [("man", "under 30", 40, 20), ("man", "50 and over", 40, 10),
             ("woman", "under 30", 40, 12), ("woman", "50 and over", 3, 1),
             ("nonbinary", "under 30", 3, 2)]  # fmt: skip
    gender = np.concatenate([np.full(n, g, dtype=object) for g, _, n, _ in cells])
    age = np.concatenate([np.full(n, a, dtype=object) for _, a, n, _ in cells])
    chosen = np.concatenate([np.arange(n) < k for _, _, n, k in cells])
    report = fairness_report({"manager_recommended": chosen}, {"gender": gender, "age_band": age})
    return next_version(team, fairness=report)


def test_a_fairness_report_says_why_each_withheld_group_is_withheld_at_every_width(
    hr_page, live, protected_fairness, assert_accessible
):
    page = hr_page
    page.goto(f"{live}/hr/models/{protected_fairness}")
    nonbinary = page.locator("tr", has=page.get_by_role("rowheader", name="nonbinary", exact=True))
    expect(nonbinary).to_contain_text("fewer than 5 people, left out of every table")
    expect(page.get_by_text("3 people left out of every count").first).to_be_visible()
    complement = page.locator(
        "tr", has=page.get_by_role("rowheader", name="man × 50 and over", exact=True)
    )
    expect(complement).to_contain_text("it would let a smaller group be worked out")
    look_at_every_width(page, "hr-fairness-withheld")
    assert_accessible(page, "fairness report with withheld groups")


@pytest.fixture
def miscalibrated(team) -> str:
    """The next version, whose chances run high for one team on the manager track (its people
    succeed 15 points less often than the model said), with a team too small to judge."""
    rng = np.random.default_rng(5)
    n = 3000
    chance = rng.uniform(0.2, 0.8, n)
    team_of = np.where(rng.random(n) < 0.5, "Platform engineering", "Mobile").astype(object)
    team_of[:12] = "Data"
    success = rng.random(n) < chance - 0.15 * (team_of == "Mobile")
    taken = np.where(np.arange(n) % 2 == 0, "ic", "manager")
    report = calibration_by_group(
        {"ic": chance, "manager": chance}, taken, success, {"team": team_of}
    )
    registry = Path(team.config["TRACKFIT_MODELS"])
    version = forged_version(registry, lambda arrays: None)
    path = registry / version / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest["sensitive_columns"] = ["team"]
    manifest.setdefault("holdout", {})["calibration_by_group"] = report
    path.write_text(json.dumps(manifest))
    return version


def test_calibration_by_group_names_the_team_the_model_overrates_at_every_width(
    hr_page, live, miscalibrated, assert_accessible
):
    page = hr_page
    page.goto(f"{live}/hr/models/{miscalibrated}")
    section = page.locator("section", has=page.get_by_role("heading", name="Calibration by group"))
    expect(section.locator(".notice.warning")).to_contain_text(
        "Mobile (team) on the people manager track, whose chances run high"
    )
    table = section.get_by_role("region", name="Calibration by team: people manager track")
    row = table.locator("tr", has=page.get_by_role("rowheader", name="◆ Mobile", exact=True))
    expect(row).to_contain_text("chances run high")
    expect(section).to_contain_text("6 people in groups of fewer than 30, not named")
    look_at_every_width(page, "hr-calibration-by-group")
    assert_accessible(page, "calibration by group")
    # the models list says it of the version too, and leads to the tables
    page.goto(f"{live}/hr/models")
    versions = page.get_by_role("region", name="Model versions")
    row = versions.locator("tr", has=page.get_by_role("link", name=miscalibrated, exact=True))
    expect(row).to_contain_text("Calibration by group: chances run high or low for 2 groups")
    look_at_every_width(page, "hr-models-calibration")
    row.get_by_role("link", name="chances run high or low for 2 groups").click()
    expect(page.get_by_role("heading", name="Calibration by group")).to_be_in_viewport()


def test_a_short_file_with_leavers_waits_for_hr_and_fits_a_phone(
    team, hr_page, live, tmp_path, assert_accessible
):
    short = factories.people_with_assessments(team, 300, 41)
    short += ["E-left,ic,1,woman", "someone.who.left@example.com,manager,0,man"]
    data = tmp_path / "short.csv"
    data.write_text("\n".join(short) + "\n")
    page = hr_page
    page.goto(f"{live}/hr/outcomes")
    page.get_by_label("CSV file").set_input_files(str(data))
    page.get_by_label("Sensitive columns").fill("gender")
    page.get_by_role("button", name="Check, store and train").click()
    expect(page.get_by_role("heading", name="2 rows will not be used")).to_be_visible()
    flagged = page.locator("#rows-flagged")
    expect(flagged).to_contain_text("the candidate learns from")
    expect(page.get_by_role("button", name="Train on 300 rows")).to_be_visible()
    look_at_every_width(page, "hr-short-file-leavers")
    page.emulate_media(media="print")  # on paper the rows and leavers, not the button
    expect(page.get_by_role("button", name="Train on 300 rows")).to_be_hidden()
    expect(page.get_by_role("heading", name="2 rows will not be used")).to_be_visible()
    page.emulate_media(media="screen")
    assert_accessible(page, "a short file's leavers, waiting for HR")


def test_how_often_the_advice_is_overridden_reads_at_every_width(team, hr_page, live):
    """The overview's table by discipline and track: a rate with its range from five
    decisions on, a count alone below (it would tell one person's 1:1)."""
    people = factories.sample_people()
    with team.app_context():
        from webapp.database import utcnow  # noqa: PLC0415
        from webapp.manager.models import Decision  # noqa: PLC0415

        ada = User.by_email("ada@example.com")
        for number, (advised, agreed) in enumerate(
            [("ic", "ic")] * 4 + [("ic", "manager")] * 2 + [("manager", "manager")] * 2
        ):
            from webapp.assessment.models import Assessment  # noqa: PLC0415

            stored = Assessment(
                user_id=ada.id,
                pack="engineering@1",
                answers=people[number % len(people)]["answers"],
                context={},
                step=0,
                completed_at=utcnow(),
            )
            db.session.add(stored)
            db.session.flush()
            db.session.add(
                Decision(
                    assessment_id=stored.id,
                    track=agreed,
                    target_level="L3",
                    recommended_track=advised,
                    recommended_target="L3",
                    overrides=agreed != advised,
                )
            )
        db.session.commit()
    hr_page.goto(f"{live}/hr/")
    table = hr_page.get_by_role("region", name="Overrides by discipline and recommended track")
    expect(table).to_contain_text("33%")
    expect(table).to_contain_text("likely 12% to 65%")
    expect(table).to_contain_text("fewer than 5 decisions: not shown")
    look_at_every_width(hr_page, "hr-overview-overrides")
