"""Races, on SQLite and on PostgreSQL, with real concurrent requests to a live server: the
database itself keeps one active share per assessment, one unfinished assessment per person and
pack, and employee ids unique whatever their case; the loser of a race gets the winner's
outcome or a clear 409, never a 500; a confirmation racing a new decision confirms only the one
its page showed; one email registered at once makes one account, one invitation link sets one
password. The login throttle, which also counts wrong current passwords
on the password page, is one step under a burst."""

from __future__ import annotations

import http.client
import io
import re
from urllib.parse import urlencode, urlsplit

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from recommender.learn.synthetic import generate_outcomes, write_outcome_csv
from recommender.pack.loading import load_pack
from tests.concurrency import all_at_once
from tests.webapp import factories
from tests.webapp.factories import PASSWORD
from webapp import answering, jobs
from webapp.accounts import models as accounts
from webapp.accounts.invitation import invitation_link
from webapp.accounts.models import User
from webapp.assessment.models import Assessment
from webapp.audit.models import AuditEvent
from webapp.extensions import db
from webapp.hr.outcomes.models import OutcomeRecord, OutcomeUpload, TrainingRun
from webapp.manager.models import Decision
from webapp.sharing.models import Share

BURST = 32
CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request):
    """Every test here runs on both databases."""
    return request.param


class LiveBrowser:
    """A browser of its own against a live server: cookies kept, redirects not followed, a new
    connection per request (so concurrent threads never share one)."""

    def __init__(self, base_url: str, cookies: dict | None = None):
        self.netloc = urlsplit(base_url).netloc
        self.cookies = dict(cookies or {})

    def request(self, method: str, path: str, form: dict | None = None, files: dict | None = None):
        """(status, Location header, body text). `files`: {field: (bytes, filename)}, posted
        with `form` as multipart/form-data."""
        connection = http.client.HTTPConnection(self.netloc, timeout=60)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if files is not None:
            fields = dict(form or {})
            fields |= {
                name: FileStorage(io.BytesIO(data), filename)
                for name, (data, filename) in files.items()
            }
            boundary, body = encode_multipart(fields)
            headers["Content-Type"] = f"multipart/form-data; boundary={boundary}"
        elif form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        text = response.read().decode()
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, value = header.split(";", 1)[0].partition("=")
            self.cookies[name] = value
        connection.close()
        return response.status, response.headers.get("Location"), text

    def token(self, path: str) -> str:
        """The CSRF token of the form on a page."""
        return CSRF.search(self.request("GET", path)[2]).group(1)

    def login(self, email: str, password: str) -> LiveBrowser:
        """Log in; the browser, signed in."""
        status, _, _ = self.request(
            "POST",
            "/account/login",
            {"csrf_token": self.token("/account/login"), "email": email, "password": password},
        )
        assert status == 302
        return self

    def copy(self) -> LiveBrowser:
        """Another tab of the same browser (the same cookies)."""
        return LiveBrowser(f"http://{self.netloc}", self.cookies)


def count(app, query) -> int:
    with app.app_context():
        return db.session.scalar(query)


def test_simultaneous_shares_make_one_share_and_revoke_ends_access(
    app, team, people, make_assessment, serve
):
    password = PASSWORD
    assessment_id = make_assessment("ada@example.com", people[0])
    base = serve(app)
    ada = LiveBrowser(base).login("ada@example.com", password)
    token = ada.token(f"/results/{assessment_id}")

    def share(_):
        return ada.copy().request("POST", f"/results/{assessment_id}/share", {"csrf_token": token})[
            0
        ]

    assert all_at_once(BURST, share) == [302] * BURST
    active = select(func.count(Share.id)).where(Share.revoked_at.is_(None))
    assert count(app, active) == 1
    mo = LiveBrowser(base).login("mo@example.com", password)
    assert mo.request("GET", f"/team/assessments/{assessment_id}")[0] == 200
    ada.request("POST", f"/results/{assessment_id}/revoke", {"csrf_token": token})
    assert mo.request("GET", f"/team/assessments/{assessment_id}")[0] == 404


def test_one_decision_sent_many_times_at_once_is_recorded_once(
    team, people, make_assessment, share, serve
):
    app = team
    assessment_id = make_assessment("ada@example.com", people[0])
    share(assessment_id)
    mo = LiveBrowser(serve(app)).login("mo@example.com", PASSWORD)
    page = f"/team/assessments/{assessment_id}"
    form = {"csrf_token": mo.token(page), "track": "ic", "target_level": "L4", "reason": "Craft"}

    def decide(_):
        return mo.copy().request("POST", f"{page}/decision", form)[0]

    assert all_at_once(BURST, decide) == [302] * BURST
    assert count(app, select(func.count(Decision.id))) == 1


def test_a_confirmation_and_a_new_decision_at_once_never_confirm_the_unseen_one(
    team, people, make_assessment, share, serve
):
    """The employee confirms the decision their page shows while the manager records another:
    whichever comes first, the new decision is never the one confirmed, and the confirmation
    either confirms the one shown (302) or says it changed (409), never a 500."""
    app = team
    assessment_id = make_assessment("ada@example.com", people[0])
    share(assessment_id)
    base = serve(app)
    mo = LiveBrowser(base).login("mo@example.com", PASSWORD)
    ada = LiveBrowser(base).login("ada@example.com", PASSWORD)
    page = f"/team/assessments/{assessment_id}"
    token = mo.token(page)
    levels = ["L3", "L5", "L4", "L6", "L2", "L7"]
    for level in levels:
        reason = f"We agreed on {level} after a long talk about the next year."
        form = {"csrf_token": token, "track": "ic", "target_level": level, "reason": reason}
        assert mo.request("POST", f"{page}/decision", form)[0] == 302
        shown = ada.request("GET", f"/results/{assessment_id}")[2]
        agree = {
            "csrf_token": CSRF.search(shown).group(1),
            "decision": re.search(r'name="decision" value="(\d+)"', shown).group(1),
        }
        newer = dict(form, target_level="M3", track="manager")

        def at_once(index, newer=newer, agree=agree):
            if index == 0:
                return mo.copy().request("POST", f"{page}/decision", newer)[0]
            return ada.copy().request("POST", f"/results/{assessment_id}/agree", agree)[0]

        decided, confirmed = all_at_once(2, at_once)
        assert decided == 302 and confirmed in (302, 409)
        with app.app_context():
            latest = Decision.latest(assessment_id)
            # the newer decision was never shown, so it is never the one confirmed
            assert latest.track == "manager" and latest.employee_agreed_at is None
            seen = db.session.get(Decision, int(agree["decision"]))
            assert (seen.employee_agreed_at is not None) == (confirmed == 302)


def test_a_page_saved_as_another_tab_finishes_never_changes_the_answers_of_the_result(
    team, people, make_assessment, serve
):
    """Tab A sends the last page (the assessment is finished) while tab B saves page 2 with
    other answers: whichever comes first, the answers kept are the ones the result was
    computed from (B's before the finish, or none of B's after it), never B's under a
    result made from A's."""
    app = team
    pack = load_pack("engineering")
    sections = len(pack.questionnaire.sections)
    ada = LiveBrowser(serve(app)).login("ada@example.com", PASSWORD)
    given = {**people[0]["answers"], **people[0]["context"]}
    for _ in range(6):
        number = make_assessment("ada@example.com", people[0], pages_done=sections - 1)
        last, second = f"/assessment/{number}/{sections}", f"/assessment/{number}/2"
        fields = {
            page: set(re.findall(r'name="([a-z_0-9]+)"', ada.request("GET", page)[2])) & set(given)
            for page in (last, second)
        }
        finish = {name: str(given[name]) for name in fields[last]} | {"action": "next"}
        other = {name: str(6 - given[name]) for name in fields[second]} | {"action": "save"}
        finish["csrf_token"] = other["csrf_token"] = ada.token(second)

        def at_once(index, finish=finish, other=other, last=last, second=second):
            if index == 0:
                return ada.copy().request("POST", last, finish)[0]
            return ada.copy().request("POST", second, other)[0]

        finished, saved = all_at_once(2, at_once)
        assert finished in (302, 303) and saved in (302, 303), (finished, saved)
        with app.app_context():
            kept = db.session.get(Assessment, number)
            assert kept.complete
            again = answering.recommend(kept.answers_json(), pack)
            assert again["p_success"] == kept.recommendation["p_success"]


def test_simultaneous_starts_make_one_unfinished_assessment(app, team, serve, password):
    ada = LiveBrowser(serve(app)).login("ada@example.com", password)
    token = ada.token("/assessment/")

    def start(_):
        status, location, _ = ada.copy().request("POST", "/assessment/start", {"csrf_token": token})
        return status, location

    results = all_at_once(BURST, start)
    assert {status for status, _ in results} == {302}
    assert len({location for _, location in results}) == 1  # everyone goes on with the same one
    assert count(app, select(func.count(Assessment.id))) == 1


def test_the_database_refuses_a_second_unfinished_assessment_or_active_share(
    app, team, people, make_assessment, share
):
    finished = make_assessment("ada@example.com", people[0])
    share(finished)
    make_assessment("ada@example.com", people[0], pages_done=1)
    with pytest.raises(IntegrityError):
        share(finished)
    with pytest.raises(IntegrityError):
        make_assessment("ada@example.com", people[0], pages_done=2)
    # Finished ones are not limited, nor revoked shares.
    make_assessment("ada@example.com", people[1])
    with app.app_context():
        db.session.get(Share, 1).revoked_at = db.func.now()
        db.session.commit()
    share(finished)


def test_one_file_uploaded_at_once_from_many_tabs_trains_once_and_is_stored_once(
    app, team, serve, tmp_path, runs_stay_queued
):
    path = tmp_path / "outcomes.csv"
    write_outcome_csv(generate_outcomes(load_pack("engineering"), 300, 5), path)
    data = path.read_bytes()
    hr = LiveBrowser(serve(app)).login("hr@example.com", PASSWORD)
    token = hr.token("/hr/outcomes")

    def send(_):
        status, location, _ = hr.copy().request(
            "POST", "/hr/outcomes", {"csrf_token": token}, {"file": (data, "outcomes.csv")}
        )
        return status, location

    results = all_at_once(8, send)
    assert {status for status, _ in results} == {302}, results
    assert len({location for _, location in results}) == 1  # everyone follows the same run
    assert count(app, select(func.count(TrainingRun.id))) == 1
    assert count(app, select(func.count(OutcomeUpload.id))) == 1
    stored = count(app, select(func.count(OutcomeRecord.id)))
    assert 0 < stored <= 300  # one upload's rows, not several


def test_one_upload_confirmed_at_once_from_many_tabs_is_said_to_be_confirmed(
    app, team, serve, runs_stay_queued
):
    hr = LiveBrowser(serve(app)).login("hr@example.com", PASSWORD)
    for runs, seed in enumerate((21, 22, 23), start=1):  # a race: three times over
        short = factories.people_with_assessments(app, 300, seed)
        short.append("E-left,manager,1,woman")  # a leaver: the upload waits for HR to confirm
        status, report, _ = hr.request(
            "POST",
            "/hr/outcomes",
            {"csrf_token": hr.token("/hr/outcomes"), "sensitive": "gender"},
            {"file": ("\n".join(short).encode() + b"\n", "short.csv")},
        )
        assert status == 302
        page = hr.request("GET", report)[2]
        form = {
            "csrf_token": CSRF.search(page).group(1),
            "rows_digest": re.search(r'name="rows_digest" type="hidden" value="(\w+)"', page)[1],
        }

        def confirm(_, report=report, form=form):
            tab = hr.copy()
            status, location, _ = tab.request("POST", f"{report}/train", form)
            return status, location, tab.request("GET", location)[2]

        results = all_at_once(8, confirm)
        assert {status for status, _, _ in results} == {302}, results
        assert len({location for _, location, _ in results}) == 1  # all follow the one run
        assert count(app, select(func.count(TrainingRun.id))) == runs
        # the tabs that did not start it are told the upload is confirmed, never that it
        # waits: the run there is is this upload's own, started by another tab at once
        for _, _, shown in results:
            assert "stays unconfirmed" not in shown
        assert sum("already confirmed" in shown for _, _, shown in results) == 7


def test_a_second_launch_of_one_training_is_refused_by_the_database_and_stores_nothing(
    app, team, runs_stay_queued
):
    with app.app_context():
        hr = User.by_email("hr@example.com")

        def upload_of_the_same_file():
            upload = OutcomeUpload(
                filename="outcomes.csv", sha256="1" * 64, kind="full", pack="engineering@1", rows=0
            )
            db.session.add(upload)
            db.session.flush()
            return upload

        first = jobs.launch_training(upload_of_the_same_file(), hr)
        # the route's own look for a run in progress missed it (both posted at once): the
        # database refuses the second run, and the upload it came with goes with it
        with pytest.raises(jobs.AlreadyTraining) as refused:
            jobs.launch_training(upload_of_the_same_file(), hr)
        assert refused.value.run.id == first.id
        assert db.session.scalar(select(func.count(TrainingRun.id))) == 1
        assert db.session.scalar(select(func.count(OutcomeUpload.id))) == 1


def test_the_database_refuses_a_second_run_of_one_training_in_progress(app, team):
    with app.app_context():
        hr = User.by_email("hr@example.com")
        upload = OutcomeUpload(
            filename="outcomes.csv", sha256="0" * 64, kind="full", pack="engineering@1", rows=0
        )
        db.session.add(upload)
        db.session.flush()

        def run(status):
            db.session.add(
                TrainingRun(
                    upload_id=upload.id,
                    started_by=hr.id,
                    status=status,
                    training_key=upload.training_key,
                )
            )
            db.session.commit()

        run("succeeded")
        run("failed")  # ended runs are not limited
        run("queued")
        for status in ("queued", "running"):
            with pytest.raises(IntegrityError):
                run(status)
            db.session.rollback()


def test_employee_ids_are_unique_whatever_their_case(app, make_user):
    make_user("ada@example.com")
    make_user("bob@example.com")
    with app.app_context():
        User.by_email("ada@example.com").employee_id = "zz9"
        db.session.commit()
        User.by_email("bob@example.com").employee_id = "ZZ9"
        with pytest.raises(IntegrityError):
            db.session.commit()


def test_hr_is_told_an_id_is_taken_whatever_its_case(app, team, signed_in):
    hr = signed_in("hr@example.com")
    ada_id, bob_id = (
        count(app, select(User.id).where(User.email == e))
        for e in ("ada@example.com", "bob@example.com")
    )
    form = {"manager_email": "", "role": "employee"}
    assert hr.submit(f"/hr/people/{ada_id}", form | {"employee_id": "zz9"}).status_code == 302
    response = hr.submit(f"/hr/people/{bob_id}", form | {"employee_id": "ZZ9"})
    assert response.status_code == 422
    assert "Already the id of ada@example.com" in response.get_data(as_text=True)


def test_two_people_given_one_id_at_once_get_it_once_and_no_500(app, team, serve, password):
    ids = [
        count(app, select(User.id).where(User.email == f"{name}@example.com"))
        for name in ("ada", "bob")
    ]
    hr = LiveBrowser(serve(app)).login("hr@example.com", password)
    token = hr.token(f"/hr/people/{ids[0]}")

    def give_id(index):
        person = ids[index % 2]
        form = {"csrf_token": token, "manager_email": "", "role": "employee"}
        return hr.copy().request(
            "POST", f"/hr/people/{person}", form | {"employee_id": ("zz9", "ZZ9")[index % 2]}
        )[0]

    statuses = all_at_once(8, give_id)
    assert set(statuses) <= {302, 409, 422}, statuses
    assert 302 in statuses
    owners = select(func.count(User.id)).where(func.lower(User.employee_id) == "zz9")
    assert count(app, owners) == 1


def test_a_burst_of_wrong_passwords_checks_only_the_allowed_number(
    app, make_user, serve, monkeypatch
):
    make_user("ada@example.com")
    checked = []
    original = accounts.check_password_hash
    monkeypatch.setattr(
        accounts, "check_password_hash", lambda *args: checked.append(1) or original(*args)
    )
    base = serve(app)
    visitor = LiveBrowser(base)
    token = visitor.token("/account/login")

    def guess(index):
        form = {"csrf_token": token, "email": "ada@example.com", "password": f"guess {index:04d}"}
        return visitor.copy().request("POST", "/account/login", form)[0]

    statuses = all_at_once(40, guess)
    allowed = app.config["LOGIN_FAILURES_ALLOWED"]
    assert set(statuses) <= {422, 429}, statuses
    # A request counts the attempts committed before it, its own included: never more than
    # `allowed` get through (fewer when many are recorded before any is counted; on a busy
    # machine all 40 were recorded first, once, and none got through, which is as safe)
    assert statuses.count(422) <= allowed
    assert len(checked) == statuses.count(422)


def test_an_org_chart_giving_one_id_to_two_people_changes_nothing(app, team, signed_in):
    hr = signed_in("hr@example.com")
    chart = (
        "email,name,manager_email,role,employee_id\n"
        "hr@example.com,Hana,,hr,h1\n"
        "ada@example.com,Ada,mo@example.com,employee,zz9\n"
        "bob@example.com,Bob,max@example.com,employee,ZZ9\n"
        "new@example.com,Nia,mo@example.com,employee,n1\n"
    )
    response = hr.submit(
        "/hr/people",
        {"file": (io.BytesIO(chart.encode()), "chart.csv")},
        action_url="/hr/people/import",
        content_type="multipart/form-data",
    )
    assert response.status_code in (409, 422)  # a named problem, whichever check finds it
    assert "ZZ9" in response.get_data(as_text=True)  # the clash is named
    assert count(app, select(func.count(User.id))) == 5  # nobody added
    assert count(app, select(func.count(User.id)).where(User.employee_id.is_not(None))) == 0


def loops(app) -> list[int]:
    """The people whose reporting line comes back to them."""
    with app.app_context():
        manager_of = dict(db.session.execute(select(User.id, User.manager_id)).all())
    looping = []
    for person, manager in manager_of.items():
        seen, current = set(), manager
        while current is not None and current not in seen:
            seen.add(current)
            current = manager_of.get(current)
        if current == person:
            looping.append(person)
    return looping


def ids_of(app, *names: str) -> list[int]:
    return [count(app, select(User.id).where(User.email == f"{n}@example.com")) for n in names]


def set_managers(app, managers: dict[int, int | None]) -> None:
    with app.app_context():
        for person, manager in managers.items():
            db.session.get(User, person).manager_id = manager
        db.session.commit()


ROUNDS = 6  # the race is lost in some rounds only, without the lock


def test_making_two_managers_each_others_manager_at_once_never_makes_a_loop(
    app, team, serve, password
):
    mo, max_ = ids_of(app, "mo", "max")
    hr = LiveBrowser(serve(app)).login("hr@example.com", password)
    token = hr.token(f"/hr/people/{mo}")
    # (person, their new manager's email)
    edits = [(mo, "max@example.com"), (max_, "mo@example.com")]

    def edit(index):
        person, manager = edits[index]
        form = {"csrf_token": token, "manager_email": manager, "role": "manager"}
        return hr.copy().request("POST", f"/hr/people/{person}", form)

    for _ in range(ROUNDS):
        set_managers(app, {mo: None, max_: None})
        results = all_at_once(2, edit)
        statuses = sorted(status for status, _, _ in results)
        assert statuses == [302, 422], results
        assert loops(app) == []
        refused = next(body for status, _, body in results if status == 422)
        assert "reporting lines may not loop" in refused


def test_an_org_chart_import_and_an_edit_at_once_never_make_a_loop(app, team, serve, password):
    mo, max_ = ids_of(app, "mo", "max")
    hr = LiveBrowser(serve(app)).login("hr@example.com", password)
    token = hr.token("/hr/people")
    chart = (
        "email,name,manager_email,role\n"
        "hr@example.com,Hana,,hr\n"
        "mo@example.com,Mo,max@example.com,manager\n"
    )
    boundary = "chart-boundary"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="chart.csv"\r\n'
        f"Content-Type: text/csv\r\n\r\n{chart}\r\n--{boundary}--\r\n"
    )

    def send(index):
        browser = hr.copy()
        if index == 0:  # Mo reports to Max, by the chart
            connection = http.client.HTTPConnection(browser.netloc, timeout=60)
            headers = {
                "Cookie": "; ".join(f"{k}={v}" for k, v in browser.cookies.items()),
                "Content-Type": f"multipart/form-data; boundary={boundary}",
            }
            connection.request("POST", "/hr/people/import", body=body.encode(), headers=headers)
            response = connection.getresponse()
            text = response.read().decode()
            connection.close()
            return response.status, text
        form = {"csrf_token": token, "manager_email": "mo@example.com", "role": "manager"}
        status, _, text = browser.request("POST", f"/hr/people/{max_}", form)
        return status, text

    for _ in range(ROUNDS):
        set_managers(app, {mo: None, max_: None})
        results = all_at_once(2, send)
        assert loops(app) == [], results
        statuses = [status for status, _ in results]
        assert sorted(statuses) == [302, 422], statuses
        refused = next(text for status, text in results if status == 422)
        assert "loop" in refused


def test_simultaneous_registrations_of_one_email_make_one_account(app, serve):
    base = serve(app)
    visitors = [LiveBrowser(base) for _ in range(16)]
    tokens = [visitor.token("/account/register") for visitor in visitors]

    def register(index):
        email = "race@example.com" if index % 2 else "RACE@example.com"
        form = {"name": "Rae", "email": email, "password": PASSWORD, "confirm": PASSWORD}
        status, _, body = visitors[index].request(
            "POST", "/account/register", form | {"csrf_token": tokens[index]}
        )
        return status, "There is already an account with this email" in body

    results = all_at_once(16, register)
    # the others are told the address is taken, as a failed login of it is counted: at most
    # five from one address, then the throttle (recording before counting, requests at once
    # may each count the others' rows: fewer may be told, never more)
    told = results.count((422, True))
    assert sorted(results) == [(302, False)] + [(422, True)] * told + [(429, False)] * (15 - told)
    assert told <= 5, results
    assert count(app, select(func.count(User.id))) == 1


def test_one_invitation_link_submitted_at_once_sets_one_password(app, serve):
    with app.app_context(), app.test_request_context():
        invited = User(email="ivy@example.com", name="Ivy", role="employee")
        invited.set_password(None)
        db.session.add(invited)
        db.session.commit()
        link = urlsplit(invitation_link(invited)).path
    base = serve(app)
    visitors = [LiveBrowser(base) for _ in range(8)]
    tokens = [visitor.token(link) for visitor in visitors]

    def activate(index):
        chosen = f"password number {index}"
        form = {"csrf_token": tokens[index], "password": chosen, "confirm": chosen}
        status, _, body = visitors[index].request("POST", link, form)
        return status, "This link does not work" in body

    results = all_at_once(8, activate)
    assert sorted(results) == [(302, False)] + [(404, True)] * 7, results
    winner = results.index((302, False))
    assert visitors[winner].request("GET", "/account/password")[0] == 200  # signed in
    for loser in set(range(8)) - {winner}:
        assert visitors[loser].request("GET", "/account/password")[0] == 302  # to log in
    with app.app_context():
        ivy = User.by_email("ivy@example.com")
        assert ivy.check_password(f"password number {winner}")


def test_a_burst_of_wrong_current_passwords_checks_only_the_allowed_number(
    app, make_user, serve, monkeypatch
):
    make_user("ada@example.com")
    ada = LiveBrowser(serve(app)).login("ada@example.com", PASSWORD)
    token = ada.token("/account/password")
    checked = []
    original = accounts.check_password_hash
    monkeypatch.setattr(
        accounts, "check_password_hash", lambda *args: checked.append(1) or original(*args)
    )

    def guess(index):
        new = "a new long password"
        form = {"csrf_token": token, "current": f"guess {index:04d}", "password": new}
        return ada.copy().request("POST", "/account/password", form | {"confirm": new})[0]

    statuses = all_at_once(40, guess)
    allowed = app.config["LOGIN_FAILURES_ALLOWED"]
    assert set(statuses) <= {422, 429}, statuses
    assert 0 < statuses.count(422) <= allowed
    assert len(checked) == statuses.count(422)


def actions(app, action: str) -> int:
    with app.app_context():
        return count(app, select(func.count(AuditEvent.id)).where(AuditEvent.action == action))


def failed_attempts(app) -> int:
    with app.app_context():
        return count(
            app,
            select(func.count(accounts.LoginAttempt.id)).where(
                accounts.LoginAttempt.succeeded.is_(False)
            ),
        )


@pytest.mark.parametrize("clicks", [2, 4])
def test_the_password_change_button_pressed_again_at_once_changes_it_once(
    app, make_user, serve, clicks
):
    make_user("ada@example.com")
    ada = LiveBrowser(serve(app)).login("ada@example.com", PASSWORD)
    new = "a new long password"
    form = {"csrf_token": ada.token("/account/password"), "current": PASSWORD, "password": new}
    tabs = [ada.copy() for _ in range(clicks)]

    def click(index):
        return tabs[index].request("POST", "/account/password", form | {"confirm": new})[:2]

    answers = all_at_once(clicks, click)
    # each click is sent on to a page; none is an error, none a "too many attempts"
    assert all(status == 302 for status, _ in answers), answers
    assert actions(app, "password_changed") == 1
    assert failed_attempts(app) == 0  # a click that did nothing is no wrong guess
    # the click that changed it is signed in under its new session; the old one is ended
    signed_in = [tab.request("GET", "/account/password")[0] for tab in tabs]
    assert signed_in.count(200) == 1, signed_in
    assert LiveBrowser(serve(app)).login("ada@example.com", new)


@pytest.mark.parametrize("second", ["password", "delete"])
def test_two_devices_of_one_account_changing_it_at_once_take_turns(app, make_user, serve, second):
    """Two sessions of one account (a laptop and a phone) at once: one changes the password,
    the other changes it too or deletes the account. On PostgreSQL each claimed its own
    session and then waited for the other's (a deadlock, a 500); now one goes first."""
    make_user("ada@example.com")
    base = serve(app)
    laptop = LiveBrowser(base).login("ada@example.com", PASSWORD)
    phone = LiveBrowser(base).login("ada@example.com", PASSWORD)
    new = "a new long password"
    change = {"csrf_token": laptop.token("/account/password"), "current": PASSWORD}
    change |= {"password": new, "confirm": new}
    if second == "password":
        other = ("/account/password", {**change, "csrf_token": phone.token("/account/password")})
    else:
        page = "/my-data/account/delete"
        other = (page, {"csrf_token": phone.token(page), "password": PASSWORD})
    sends = [(laptop, "/account/password", change), (phone, *other)]
    answers = all_at_once(2, lambda i: sends[i][0].request("POST", sends[i][1], sends[i][2])[:2])
    assert all(status == 302 for status, _ in answers), answers
    done = actions(app, "password_changed") + actions(app, "delete_account")
    assert done == 1  # the other found its session ended by the first, and did nothing
    assert failed_attempts(app) == 0
    loser = next(location for status, location in answers if "ended=1" in location)
    assert (
        "You were signed out while the form you sent was on its way"
        in LiveBrowser(base).request("GET", loser)[2]
    )


@pytest.mark.parametrize("clicks", [2, 4])
def test_the_delete_account_button_pressed_again_at_once_is_no_error(app, make_user, serve, clicks):
    make_user("ada@example.com")
    ada = LiveBrowser(serve(app)).login("ada@example.com", PASSWORD)
    form = {"csrf_token": ada.token("/my-data/account/delete"), "password": PASSWORD}
    tabs = [ada.copy() for _ in range(clicks)]

    def click(index):
        return tabs[index].request("POST", "/my-data/account/delete", form)[:2]

    answers = all_at_once(clicks, click)
    assert all(status == 302 for status, _ in answers), answers
    assert actions(app, "delete_account") == 1
    with app.app_context():
        assert User.by_email("ada@example.com") is None
    assert failed_attempts(app) == 0


@pytest.mark.parametrize("clicks", [2, 4])
def test_one_assessment_deleted_at_once_from_many_tabs_is_deleted_once_and_said_so(
    team, people, make_assessment, serve, clicks
):
    app = team  # HR, Mo managing Ada, Max managing Bob
    assessment_id = make_assessment("ada@example.com", people[0])
    ada = LiveBrowser(serve(app)).login("ada@example.com", PASSWORD)
    page = f"/my-data/assessments/{assessment_id}/delete"
    form = {"csrf_token": ada.token(page)}
    tabs = [ada.copy() for _ in range(clicks)]
    answers = all_at_once(clicks, lambda index: tabs[index].request("POST", page, form)[:2])
    assert all(status == 302 for status, _ in answers), answers
    assert actions(app, "delete_assessment") == 1
    # pressed again later, from a page left open: said to be gone, not "page not found"
    status, location, _ = ada.request("POST", page, form)
    assert status == 302 and location.endswith("/results/history")
    assert "That assessment was deleted already" in ada.request("GET", location)[2]
    # and someone else's id is still no page at all
    bob = LiveBrowser(serve(app)).login("bob@example.com", PASSWORD)
    assert bob.request("POST", page, {"csrf_token": bob.token("/my-data/")})[0] == 404
