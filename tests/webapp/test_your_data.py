"""Your data: only yours, exported as JSON and CSV, deleted after a confirmation; the page
says truthfully who can see each assessment."""

import csv
import io
import json
import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from tests.webapp.browsing import log_in
from tests.webapp.page_text import words_of
from tests.webapp.screens import look_at_every_width
from webapp.accounts.models import User
from webapp.assessment.models import Assessment
from webapp.audit import AuditEvent
from webapp.extensions import db


def _count(app, model):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def test_json_export_has_the_account_answers_and_recommendations(
    client, ada, people, make_assessment
):
    make_assessment("ada@example.com", people[0])
    response = client.get("/my-data/export.json")
    assert response.headers["Content-Disposition"] == 'attachment; filename="trackfit-my-data.json"'
    data = json.loads(response.get_data(as_text=True))
    assert data["account"]["email"] == "ada@example.com"
    (assessment,) = data["assessments"]
    assert assessment["answers"] == people[0]["answers"]
    assert assessment["context"] == people[0]["context"]
    assert assessment["recommendation"]["track"] == "ic"
    assert "password" not in json.dumps(data["account"])


def test_csv_export_has_a_row_per_assessment_and_every_answer(client, ada, people, make_assessment):
    make_assessment("ada@example.com", people[0])
    make_assessment("ada@example.com", people[1])
    rows = list(
        csv.DictReader(io.StringIO(client.get("/my-data/export.csv").get_data(as_text=True)))
    )
    assert len(rows) == 2
    assert {row["track"] for row in rows} == {"ic", "manager"}
    assert rows[0]["la1"] == str(people[0]["answers"]["la1"])
    assert rows[0]["ic_target"] == "L4"


def test_csv_export_names_the_notes_on_each_result(client, ada, people, make_assessment):
    """An outside review: a straight-lined assessment's row read like any other."""
    careless = dict(people[0]) | {"answers": dict.fromkeys(people[0]["answers"], 5)}
    make_assessment("ada@example.com", careless)
    make_assessment("ada@example.com", people[0], seconds_per_page=120)
    export = client.get("/my-data/export.csv").get_data(as_text=True)
    flags = [
        set(filter(None, row["flags"].split("; "))) for row in csv.DictReader(io.StringIO(export))
    ]
    assert "straight_lining" in flags[0] and "straight_lining" not in flags[1]


def test_csv_export_gives_each_chance_with_its_range_and_the_level_supported(
    app, client, ada, people, make_assessment
):
    """The CSV held each chance bare (p_success_ic 0.92) and, of the levels, only the one you
    hold and the target: not the range the result page gives each chance, nor the level your
    answers support, the result's finding."""
    make_assessment("ada@example.com", people[0])
    with app.app_context():
        kept = db.session.scalars(select(Assessment)).one().recommendation
    (row,) = csv.DictReader(io.StringIO(client.get("/my-data/export.csv").get_data(as_text=True)))
    for track in ("ic", "manager"):
        low, high = kept["p_success_interval"][track]
        assert row[f"p_success_{track}_low"] == str(low)
        assert row[f"p_success_{track}_high"] == str(high)
        assert row[f"{track}_supported"] == (kept["levels"][track]["supported"] or "")
    assert row["interval_level"] == str(kept["interval_level"])
    assert row["ic_supported"] == "L3"


def test_csv_cells_that_look_like_formulas_are_neutralised(
    app, client, ada, people, make_assessment
):
    make_assessment("ada@example.com", people[0])
    with app.app_context():
        assessment = db.session.scalars(select(Assessment)).one()
        assessment.pack = '=HYPERLINK("http://evil")'
        db.session.commit()
    body = client.get("/my-data/export.csv").get_data(as_text=True)
    assert "'=HYPERLINK" in body


def test_exports_hold_only_your_own_data(client, ada, people, make_assessment):
    make_assessment("ada@example.com", people[0])
    client.logout()
    client.register(email="eve@example.com", name="Eve")
    data = json.loads(client.get("/my-data/export.json").get_data(as_text=True))
    assert data["assessments"] == []


def test_deleting_an_assessment_asks_first_then_removes_it(
    app, client, ada, people, make_assessment
):
    number = make_assessment("ada@example.com", people[0])
    location = f"/results/{number}"
    confirm = client.get(f"/my-data/assessments/{number}/delete")
    assert "cannot be undone" in confirm.get_data(as_text=True)
    assert _count(app, Assessment) == 1
    response = client.submit(f"/my-data/assessments/{number}/delete")
    assert response.status_code == 302
    assert _count(app, Assessment) == 0
    assert client.get(location).status_code == 404


def test_two_assessments_of_one_day_are_told_apart_on_the_page_that_deletes_one(
    app, client, ada, people, make_assessment
):
    """An outside review: the page named only the day, so of two taken that day nobody
    could tell which was about to go."""
    first = make_assessment("ada@example.com", people[0])
    second = make_assessment("ada@example.com", people[1])
    with app.app_context():  # the same day and hour, half an hour apart
        earlier = db.session.get(Assessment, first)
        minute = (earlier.completed_at.minute + 30) % 60
        earlier.completed_at = earlier.completed_at.replace(minute=minute)
        db.session.commit()
    said = [
        re.search(r"Your assessment of (.*?), with its answers", words_of(client.get(page))).group(
            1
        )
        for page in (f"/my-data/assessments/{n}/delete" for n in (first, second))
    ]
    assert said[0] != said[1] and all(re.search(r"\d\d:\d\d", day) for day in said)


def test_nobody_can_delete_someone_elses_assessment(app, client, ada, people, make_assessment):
    make_assessment("ada@example.com", people[0])
    client.logout()
    client.register(email="eve@example.com", name="Eve")
    assert client.get("/my-data/assessments/1/delete").status_code == 404
    assert _count(app, Assessment) == 1


def test_delete_all_assessments_keeps_the_account(app, client, ada, people, make_assessment):
    make_assessment("ada@example.com", people[0])
    make_assessment("ada@example.com", people[1], pages_done=2)
    client.submit("/my-data/assessments/delete")
    assert _count(app, Assessment) == 0
    assert _count(app, User) == 1


def test_deleting_the_account_needs_the_password_and_removes_everything(
    app, ada, people, make_assessment, password
):
    make_assessment("ada@example.com", people[0])
    wrong = ada.submit("/my-data/account/delete", {"password": "not my password"})
    assert wrong.status_code == 422
    assert _count(app, User) == 1
    page = words_of(ada.get("/my-data/account/delete"))
    # what stays is said before: the audit log's record of what the account did
    assert "The audit log keeps its record of what this account did" in page
    deleted = ada.submit("/my-data/account/delete", {"password": password})
    assert "The audit log keeps its record of what the account did" in words_of(
        ada.get(deleted.headers["Location"])
    )
    assert _count(app, User) == 0
    assert _count(app, Assessment) == 0
    assert ada.login().status_code == 422


def test_a_manager_deleting_their_account_is_told_who_reports_to_them_and_hr_reads_it(
    app, team, signed_in, password
):
    mo = signed_in("mo@example.com")
    page = words_of(mo.get("/my-data/account/delete"))
    assert "1 person reports to you" in page
    assert "Ada will have no manager in trackfit until HR gives them one" in page
    assert "the notes you wrote for their 1:1s are deleted with your account" in page
    assert "reports to you" not in words_of(
        signed_in("ada@example.com").get("/my-data/account/delete")
    )
    mo.submit("/my-data/account/delete", {"password": password})
    with app.app_context():
        assert User.by_email("ada@example.com").manager_id is None
    log = words_of(signed_in("hr@example.com").get("/hr/audit"))
    assert "now without a manager: ada@example.com" in log


def test_wrong_passwords_on_account_deletion_are_throttled_like_logins_and_recorded(
    app, ada, form_client, password
):
    """The deletion page checks the password: without the login's throttle, anyone holding a
    signed-in session (a cookie copied from a shared computer) could guess it there without
    end, unrecorded."""
    for attempt in range(5):
        wrong = ada.submit("/my-data/account/delete", {"password": f"guess number {attempt}"})
        assert wrong.status_code == 422
    response = ada.submit("/my-data/account/delete", {"password": password})  # even the right one
    assert response.status_code == 429
    assert "Too many attempts" in response.text
    assert _count(app, User) == 1
    assert form_client().login().status_code == 429  # a guess is a guess on either form
    with app.app_context():
        failures = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "account_delete_failed")
        ).all()
        assert [(e.actor_email, e.subject) for e in failures] == [("ada@example.com",) * 2] * 5


# Who can see what: the page says it, and it is what the app does.


def _who_sees(html: str) -> list[str]:
    """The line of each assessment in 'Who can see your assessments', newest first, as text."""
    found = re.search(r'<ul class="who-sees">(.*?)</ul>', html, re.S)
    items = re.findall(r"<li>(.*?)</li>", found.group(1), re.S) if found else []
    return [" ".join(re.sub(r"<[^>]+>", "", item).split()) for item in items]


def test_an_unshared_assessment_is_seen_only_by_you(team, signed_in, people, make_assessment):
    own = make_assessment("ada@example.com", people[0])
    lines = _who_sees(signed_in("ada@example.com").get("/my-data/").text)
    assert len(lines) == 1
    assert "only you; it is not shared." in lines[0]
    assert signed_in("mo@example.com").get(f"/team/assessments/{own}").status_code == 404


def test_a_shared_assessment_names_the_manager_who_sees_it_and_since_when(
    team, signed_in, people, make_assessment, share
):
    shared = make_assessment("ada@example.com", people[0])
    share(shared)
    make_assessment("ada@example.com", people[1])
    html = signed_in("ada@example.com").get("/my-data/").text
    newest, older = _who_sees(html)
    assert "only you" in newest
    assert re.search(r"you and Mo, your manager, with whom you shared it on \d+ \w+ \d{4}", older)
    assert "Only you can see them" not in html
    assert signed_in("mo@example.com").get(f"/team/assessments/{shared}").status_code == 200


def test_hr_is_said_to_see_only_aggregates(team, signed_in, people, make_assessment):
    make_assessment("ada@example.com", people[0])
    client = signed_in("ada@example.com")
    html = client.get("/my-data/").text
    assert "HR</strong> never sees your answers or results one by one" in html
    # and what HR keeps by your employee id is said, not silently kept past a deletion
    assert "Records HR keeps</strong>" in html and "not deleted with your account" in html
    # a short outcome file is joined to the person's own newest assessment here
    assert "together with the answers of your newest assessment here" in html
    assert "are not deleted with your account" in client.get("/my-data/account/delete").text
    (kept,) = [n for n in client.get("/my-data/export.json").json["not_included"] if "HR" in n]
    assert "the track you took, whether it worked out" in kept


def test_a_share_you_stopped_is_said_to_have_ended(team, signed_in, people, make_assessment):
    own = make_assessment("ada@example.com", people[0])
    ada = signed_in("ada@example.com")
    ada.submit(f"/results/{own}", action_url=f"/results/{own}/share")
    ada.submit(f"/results/{own}", action_url=f"/results/{own}/revoke")
    (line,) = _who_sees(ada.get("/my-data/").text)
    assert "only you; it is not shared." in line
    assert re.search(r"Shared with Mo from \d+ \w+ \d{4} until .* \(you stopped sharing\)", line)
    assert signed_in("mo@example.com").get(f"/team/assessments/{own}").status_code == 404


@pytest.fixture
def shared(team, people, make_assessment, share):
    """Ada's finished assessment, shared with Mo, her manager; its id."""
    own = make_assessment("ada@example.com", people[0])
    share(own)
    return own


def test_a_share_with_someone_no_longer_your_manager_is_not_said_to_let_them_see(
    shared, signed_in, set_manager
):
    own = shared
    set_manager("ada@example.com", "max@example.com")
    (line,) = _who_sees(signed_in("ada@example.com").get("/my-data/").text)
    assert "only you" in line
    assert "Mo, who is no longer your manager and so cannot open it" in line
    assert signed_in("mo@example.com").get(f"/team/assessments/{own}").status_code == 404


@pytest.fixture
def live(team, serve, shared):
    """The team's app served over HTTP, Ada's assessment shared with Mo."""
    return serve(team)


def test_who_sees_your_data_in_the_browser_at_every_width(page, live, password, assert_accessible):
    url = live
    page.goto(f"{url}/account/login?next=/my-data/")
    page.get_by_label("Email").fill("ada@example.com")
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Who can see your assessments")).to_be_visible()
    expect(page.locator(".who-sees").get_by_text("you and Mo")).to_be_visible()
    assert_accessible(page, "your data")
    look_at_every_width(page, "your-data")


def test_an_unfinished_assessment_is_seen_only_by_you(team, signed_in, people, make_assessment):
    make_assessment("ada@example.com", people[0], pages_done=2)
    (line,) = _who_sees(signed_in("ada@example.com").get("/my-data/").text)
    assert line.startswith("Unfinished, started")
    assert "only you; an assessment can be shared once it is finished." in line


def test_the_json_export_holds_what_a_1_to_1_recorded_but_not_private_notes(
    team, people, make_assessment, signed_in
):
    ada = signed_in("ada@example.com")
    number = make_assessment("ada@example.com", people[0])
    ada.submit(f"/results/{number}", action_url=f"/results/{number}/share")
    mo = signed_in("mo@example.com")
    page = f"/team/assessments/{number}"
    notes = {"private_notes": "MO'S OWN", "shared_notes": "platform migration"}
    mo.submit(page, notes, action_url=f"{page}/notes")
    mo.submit(page, {"track": "ic", "target_level": "L4", "reason": "Craft"}, f"{page}/decision")
    ada.agree(number)
    exported = ada.get("/my-data/export.json").get_data(as_text=True)
    (assessment,) = json.loads(exported)["assessments"]
    mo_named = {"name": "Mo", "email": "mo@example.com"}
    (shared,) = assessment["shares"]
    assert shared["manager"] == mo_named and shared["ended_at"] is None
    (review,) = assessment["manager_reviews"]
    assert review["manager"] == mo_named and review["shared_notes"] == "platform migration"
    (decision,) = assessment["decisions"]
    assert (decision["track"], decision["target_level"], decision["recorded_by"]) == (
        "ic", "L4", mo_named,
    )  # fmt: skip
    assert decision["you_confirmed_at"] is not None
    assert "MO'S OWN" not in exported and "private notes" in exported
    # where the shared notes are, said the same whether or not the file holds any (an outside
    # review: an empty export said they were "above")
    (said,) = [n for n in json.loads(exported)["not_included"] if "private notes" in n]
    assert "the notes they shared with you are in each assessment's manager_reviews" in said


@pytest.mark.usefixtures("team")
def test_a_managers_name_written_right_to_left_keeps_to_its_own_run(
    app, signed_in, people, make_assessment, share
):
    """A name in Arabic or Hebrew set beside "since 5 Dec 2026" without a bidirectional
    isolate can carry the date's digits into its own run and read them in the wrong order:
    every other page isolates names, the result page and My data did not."""
    with app.app_context():
        db.session.scalar(select(User).filter_by(email="mo@example.com")).name = "מוריה"
        db.session.commit()
    shared = make_assessment("ada@example.com", people[0])
    share(shared)
    ada = signed_in("ada@example.com")
    assert (
        "Shared with <strong><bdi>מוריה</bdi></strong> since" in ada.get(f"/results/{shared}").text
    )
    on_my_data = ada.get("/my-data/").text
    assert "<strong><bdi>מוריה</bdi>, your manager,</strong>" in on_my_data
    assert "<strong>you and <bdi>מוריה</bdi></strong>, your manager" in on_my_data
    ada.submit(f"/results/{shared}", action_url=f"/results/{shared}/revoke")
    assert "Shared with <bdi>מוריה</bdi> from" in ada.get("/my-data/").text  # a past share


def test_a_manager_deleting_their_account_reads_who_reports_to_them_at_every_width(
    page, live, assert_accessible
):
    log_in(page, live, "mo@example.com")
    page.goto(f"{live}/my-data/account/delete")
    note = page.get_by_role("note")
    expect(note.get_by_role("heading", name="1 person reports to you")).to_be_visible()
    expect(note).to_contain_text("Ada will have no manager in trackfit until HR gives them one")
    assert_accessible(page, "deleting a manager's account")
    look_at_every_width(page, "delete-account-manager")
