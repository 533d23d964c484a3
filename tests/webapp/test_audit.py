"""The audit log: what is recorded, that nobody can change it (not the app, not raw SQL), and
HR's filtered view and CSV export, safe to open in a spreadsheet."""

import csv
import io
import re
from datetime import datetime

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, text
from sqlalchemy.exc import SQLAlchemyError

from webapp import audit
from webapp.accounts.models import User
from webapp.answering import FORMULA_STARTS, spreadsheet_text
from webapp.audit import AuditEvent
from webapp.extensions import db


def events(app, action: str | None = None) -> list[AuditEvent]:
    """The recorded events (of one action), oldest first."""
    with app.app_context():
        query = select(AuditEvent).order_by(AuditEvent.id)
        if action:
            query = query.where(AuditEvent.action == action)
        found = db.session.scalars(query).all()
        db.session.expunge_all()
        return found


def add_event(app, at: datetime, action: str, subject: str, actor: str | None = None) -> None:
    with app.app_context():
        db.session.add(AuditEvent(at=at, action=action, subject=subject, actor_email=actor))
        db.session.commit()


@pytest.fixture
def hr(app, make_user, signed_in):
    """A client logged in as Hana from HR."""
    make_user("hr@example.com", "hr", "Hana")
    return signed_in("hr@example.com")


def shown(response) -> list[str]:
    """The subjects of the events in the audit page's table, in order."""
    body = response.get_data(as_text=True)
    return re.findall(
        r'data-action="[^"]+">[^<]*</td>\s*<td[^>]*class="subject">([^<]*)</td>', body
    )


# What is recorded


def test_a_login_is_recorded_with_the_persons_email(app, make_user, form_client):
    make_user("ada@example.com", "employee", "Ada")
    form_client().login("ada@example.com")
    (event,) = events(app)
    assert (event.action, event.actor_email, event.subject) == (
        "login",
        "ada@example.com",
        "ada@example.com",
    )
    assert event.actor_id is not None
    assert event.address == "127.0.0.1"


def test_a_failed_login_on_an_existing_account_is_recorded_with_its_email(
    app, make_user, form_client
):
    make_user("ada@example.com", "employee", "Ada")
    response = form_client().login("ADA@example.com", "not the password")
    assert response.status_code == 422
    (event,) = events(app)
    assert event.action == "login_failed"
    assert event.subject == "ada@example.com"
    assert event.actor_email is None  # whoever typed the password is not known


def test_a_failed_login_for_an_unknown_email_records_nothing(app, form_client):
    form_client().login("nobody@example.com", "whatever it is")
    assert events(app) == []


def test_a_logout_is_recorded_with_the_persons_email(app, make_user, signed_in):
    make_user("ada@example.com", "employee", "Ada")
    ada = signed_in("ada@example.com")
    ada.logout()
    assert [(e.action, e.actor_email) for e in events(app)] == [
        ("login", "ada@example.com"),
        ("logout", "ada@example.com"),
    ]


def test_an_org_chart_import_is_recorded_with_its_counts(app, hr):
    body = b"email,name,manager_email,role\ncleo@example.com,Cleo,,manager\n"
    hr.post(
        "/hr/people/import",
        data={"csrf_token": hr.token("/hr/people"), "file": (io.BytesIO(body), "org.csv")},
        content_type="multipart/form-data",
    )
    (event,) = events(app, "org_import")
    assert (event.actor_email, event.subject) == ("hr@example.com", "org.csv")
    assert event.detail == {"created": 1, "updated": 0, "unchanged": 0}


def test_a_refused_org_chart_import_records_no_import(app, hr):
    body = b"email,name,manager_email,role\ncleo@example.com,Cleo,,boss\n"
    hr.post(
        "/hr/people/import",
        data={"csrf_token": hr.token("/hr/people"), "file": (io.BytesIO(body), "org.csv")},
        content_type="multipart/form-data",
    )
    assert events(app, "org_import") == []


def test_editing_a_person_is_recorded_with_before_and_after(app, hr, make_user):
    make_user("ada@example.com", "employee", "Ada")
    with app.app_context():
        ada = User.by_email("ada@example.com").id
    hr.submit(f"/hr/people/{ada}", {"manager_email": "", "role": "manager", "employee_id": ""})
    (event,) = events(app, "org_edit")
    assert (event.actor_email, event.subject) == ("hr@example.com", "ada@example.com")
    assert event.detail["before"] == {"manager": None, "role": "employee", "employee_id": None}
    assert event.detail["after"] == {"manager": None, "role": "manager", "employee_id": None}


# Append-only


def test_the_app_refuses_to_change_or_delete_an_event(app):
    with app.app_context():
        event = audit.record("export", "my data")
        db.session.commit()
        event.subject = "something else"
        with pytest.raises(PermissionError):
            db.session.commit()
        db.session.rollback()
        db.session.delete(event)
        with pytest.raises(PermissionError):
            db.session.commit()
        db.session.rollback()
    assert [(e.action, e.subject) for e in events(app)] == [("export", "my data")]


def test_recording_an_unknown_action_is_refused(app):
    with app.app_context(), pytest.raises(ValueError, match="unknown audit action"):
        audit.record("rewrite_history")


@pytest.mark.parametrize(
    ("backend", "statement"),
    [
        ("sqlite", "UPDATE audit_events SET action = 'x'"),
        ("sqlite", "DELETE FROM audit_events"),
        ("postgresql", "UPDATE audit_events SET action = 'x'"),
        ("postgresql", "DELETE FROM audit_events"),
        ("postgresql", "TRUNCATE audit_events"),
    ],
)
def test_the_database_refuses_to_change_or_delete_events(app, backend, statement):
    with app.app_context():
        assert db.engine.dialect.name == backend
        audit.record("export", "my data")
        db.session.commit()
        with pytest.raises(SQLAlchemyError, match="append-only"):
            db.session.execute(text(statement))
            db.session.commit()
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == 1
        assert db.session.scalar(select(AuditEvent.action)) == "export"


# HR's audit page


@pytest.fixture
def history(app, make_user, signed_in):
    """Events at known moments, with HR logged in (which adds a login event of today)."""
    add_event(app, datetime(2025, 1, 1, 0, 0), "export", "new-year", "ada@example.com")
    add_event(app, datetime(2025, 1, 15, 12, 0), "share", "mid-january", "bob@example.com")
    add_event(app, datetime(2025, 1, 31, 23, 59), "export", "end-of-january", "bob@example.com")
    add_event(app, datetime(2025, 2, 1, 0, 0), "promote", "first-of-february", "ada@example.com")
    add_event(app, datetime(2024, 12, 31, 23, 59), "login", "new-years-eve", "ada@example.com")
    make_user("hr@example.com", "hr", "Hana")
    return signed_in("hr@example.com")


def test_the_audit_page_shows_every_event_newest_first(history):
    response = history.get("/hr/audit")
    assert response.status_code == 200
    assert shown(response) == [
        "hr@example.com",
        "first-of-february",
        "end-of-january",
        "mid-january",
        "new-year",
        "new-years-eve",
    ]
    assert "6 events" in response.get_data(as_text=True)


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_the_audit_page_names_who_acted_where_their_account_still_says_so(
    app, backend, history, make_user
):
    """An actor is named where the account that acted still has the email recorded; an
    account deleted since, renamed to another email, or an id another account took, leaves
    the email recorded alone."""
    make_user("ada@example.com", "employee", "Ada Lovelace")
    with app.app_context():
        hana = User.by_email("hr@example.com").id
        ada = User.by_email("ada@example.com").id
        for actor_id, email, subject in (
            (hana, "hr@example.com", "by-hana"),
            (ada, "ada.old@example.com", "ada-before-her-email-changed"),
            (hana + ada + 100, "gone@example.com", "by-someone-deleted"),
        ):
            db.session.add(
                AuditEvent(action="export", subject=subject, actor_id=actor_id, actor_email=email)
            )
        db.session.commit()
    body = history.get("/hr/audit?action=export").get_data(as_text=True)
    who = dict(
        (subject, re.sub(r"<[^>]+>", " ", cell).split())
        for cell, subject in re.findall(
            r'<td data-label="Who">(.*?)</td>.*?class="subject">([^<]*)</td>', body, re.S
        )
    )
    assert who["by-hana"] == ["Hana", "hr@example.com"]
    assert who["ada-before-her-email-changed"] == ["ada.old@example.com"]
    assert who["by-someone-deleted"] == ["gone@example.com"]
    assert who["new-year"] == ["ada@example.com"]  # recorded without an account id
    rows = read_csv(history.get("/hr/audit.csv?action=export"))[1:]
    assert {row[4]: row[7] for row in rows} == {
        "by-hana": "Hana",
        "ada-before-her-email-changed": "",
        "by-someone-deleted": "",
        "new-year": "",
        "end-of-january": "",
    }


def test_folded_details_are_counted_as_details_not_as_more_of_the_first(app, history):
    # "1 person added and 2 more" read as three people added, "412 rows and 3 more" as 415
    with app.app_context():
        db.session.add(
            AuditEvent(
                at=datetime(2025, 3, 1),
                action="org_import",
                subject="org.csv",
                detail={"created": 1, "updated": 2, "unchanged": 230},
            )
        )
        db.session.commit()
    page = history.get("/hr/audit").get_data(as_text=True)
    assert '1 person added</bdi> <span class="more">+ 2 details</span>' in page


def test_the_audit_page_filters_by_action(history):
    assert shown(history.get("/hr/audit?action=export")) == ["end-of-january", "new-year"]
    assert shown(history.get("/hr/audit?action=login")) == ["hr@example.com", "new-years-eve"]


def test_the_audit_page_filters_by_actor(history):
    assert shown(history.get("/hr/audit?actor=bob@example.com")) == [
        "end-of-january",
        "mid-january",
    ]
    # Part of the email will do, and case does not matter.
    assert shown(history.get("/hr/audit?actor= ADA")) == [
        "first-of-february",
        "new-year",
        "new-years-eve",
    ]


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_the_person_filter_finds_a_subject_whatever_its_alphabets_case(app, backend, history):
    add_event(app, datetime(2025, 3, 1), "export", "İlkay Şahin")
    add_event(app, datetime(2025, 3, 2), "export", "ΝΙΚΟΣ Παππάς")
    add_event(app, datetime(2025, 3, 3), "export", "Élodie Martin")
    for typed, found in [
        ("İlkay", "İlkay Şahin"),
        ("ilkay şahin", "İlkay Şahin"),
        ("νικοσ", "ΝΙΚΟΣ Παππάς"),
        ("ÉLODIE", "Élodie Martin"),
        (" élodie ", "Élodie Martin"),
    ]:
        assert shown(history.get(f"/hr/audit?actor={typed}")) == [found], typed


def test_a_filter_of_spaces_filters_nothing_and_is_not_called_a_filter(history):
    everything = shown(history.get("/hr/audit"))
    for query in ("action=%20", "actor=%20%20", "since=%20", "until=%20"):
        response = history.get(f"/hr/audit?{query}")
        assert response.status_code == 200, query
        assert shown(response) == everything, query
        assert "matching the filters" not in response.get_data(as_text=True), query


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_like_wildcards_in_the_person_filter_are_plain_characters(app, backend, history):
    add_event(app, datetime(2025, 3, 1), "export", "percent", "ca%t@example.com")
    add_event(app, datetime(2025, 3, 2), "export", "underscore", "emp_1@example.com")
    add_event(app, datetime(2025, 3, 3), "export", "backslash", "back\\slash@example.com")
    assert shown(history.get("/hr/audit?actor=%25")) == ["percent"]
    assert shown(history.get("/hr/audit?actor=_")) == ["underscore"]
    assert shown(history.get("/hr/audit?actor=emp_@example.com")) == []
    assert shown(history.get("/hr/audit?actor=emp_1@")) == ["underscore"]
    assert shown(history.get("/hr/audit?actor=k%5Cs")) == ["backslash"]
    assert history.get("/hr/audit.csv?actor=%25").get_data(as_text=True).count("\n") == 2


def test_the_person_filter_finds_failed_logins_on_their_account(
    app, history, make_user, form_client
):
    make_user("cy@example.com", "employee", "Cy")
    form_client().login("cy@example.com", "not the password")
    response = history.get("/hr/audit?actor=cy@example.com")
    assert shown(response) == ["cy@example.com"]
    assert 'data-action="login_failed"' in response.get_data(as_text=True)


def test_the_audit_page_filters_by_dates_including_both_days(history):
    response = history.get("/hr/audit?since=2025-01-01&until=2025-01-31")
    assert response.status_code == 200
    assert shown(response) == ["end-of-january", "mid-january", "new-year"]
    assert shown(history.get("/hr/audit?until=2024-12-31")) == ["new-years-eve"]
    assert shown(history.get("/hr/audit?since=2025-02-01&action=promote")) == ["first-of-february"]


def test_filters_combine(history):
    url = "/hr/audit?action=export&actor=bob&since=2025-01-01&until=2025-01-31"
    assert shown(history.get(url)) == ["end-of-january"]


@pytest.mark.parametrize("field", ["since", "until"])
@pytest.mark.parametrize("value", ["2025-13-01", "yesterday", "31/01/2025"])
def test_a_bad_date_is_a_400_with_a_hint(history, field, value):
    response = history.get(f"/hr/audit?{field}={value}")
    assert response.status_code == 400
    assert "Enter a date like" in response.get_data(as_text=True)


def test_a_printed_filtered_log_says_what_it_was_filtered_by(history):
    page = history.get("/hr/audit?action=export&actor=bob&since=2025-01-01").text
    assert (
        '<p class="print-only">Filtered by Action: exported data; Person (name or email): bob; '
        "From (YYYY-MM-DD): 2025-01-01.</p>"
    ) in page
    assert "Filtered by" not in history.get("/hr/audit").text


def test_each_bad_date_in_the_summary_names_its_field(history):
    response = history.get("/hr/audit?since=yesterday&until=tomorrow")
    assert response.status_code == 400
    summary = response.text.split('class="error-summary"')[1].split("</div>")[0]
    # two problems, two links that say which box each is about (they read the same before)
    for field, label in (("since", "From"), ("until", "Until")):
        assert (
            f'<a href="#{field}">{label} (YYYY-MM-DD) — Enter a date like 2026-11-23.</a>'
        ) in summary


def test_an_end_date_before_the_start_date_is_named_not_an_empty_log(history):
    response = history.get("/hr/audit?since=2025-02-01&until=2025-01-01")
    assert response.status_code == 400
    assert "The end date is before the start date (2025-02-01)" in response.get_data(as_text=True)
    assert history.get("/hr/audit.csv?since=2025-02-01&until=2025-01-01").status_code == 400
    assert history.get("/hr/audit?since=2025-01-01&until=2025-01-01").status_code == 200


def test_an_unknown_action_filter_is_a_400(history):
    assert history.get("/hr/audit?action=rewrite_history").status_code == 400


# The CSV export


def read_csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def test_the_csv_export_has_a_header_and_a_row_per_event(app, history):
    response = history.get("/hr/audit.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    header, *rows = read_csv(response)
    assert header == [
        "at",
        "actor_email",
        "action",
        "description",
        "subject",
        "detail",
        "address",
        "actor_name",
    ]
    assert len(rows) == 6
    # HR's own login names her (her account has the email recorded); the seeded events were
    # recorded without an account id, so they name nobody
    assert (rows[0][1], rows[0][7]) == ("hr@example.com", "Hana")
    assert all(row[7] == "" for row in rows[1:])
    assert [row[4] for row in rows][1:] == [
        "first-of-february",
        "end-of-january",
        "mid-january",
        "new-year",
        "new-years-eve",
    ]
    assert rows[-1][:4] == ["2024-12-31T23:59:00Z", "ada@example.com", "login", "logged in"]


def test_the_csv_export_follows_the_filters(history):
    rows = read_csv(history.get("/hr/audit.csv?action=export&since=2025-01-02"))[1:]
    assert [row[4] for row in rows] == ["end-of-january"]


def test_exporting_the_audit_log_is_itself_recorded(app, history):
    history.get("/hr/audit.csv?action=export")
    (event,) = events(app, "audit_export")
    assert event.actor_email == "hr@example.com"
    assert event.detail == {"filters": {"action": "export"}}
    rows = read_csv(history.get("/hr/audit.csv?action=audit_export"))[1:]
    assert len(rows) == 1


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_csv_cells_that_a_spreadsheet_would_run_are_neutralised(app, hr, start):
    subject = start + 'HYPERLINK("http://evil.example","x")'
    actor = start + "cmd@example.com"
    add_event(app, datetime(2025, 1, 1), "export", subject, actor)
    rows = read_csv(hr.get("/hr/audit.csv?since=2025-01-01&until=2025-01-01"))[1:]
    (row,) = rows
    assert row[1] == "'" + actor
    assert row[4] == "'" + subject


def test_harmless_cells_are_exported_as_they_are(app, hr):
    add_event(app, datetime(2025, 1, 1), "export", "plain 'quoted' text", "a=b@example.com")
    rows = read_csv(hr.get("/hr/audit.csv?until=2025-01-01"))[1:]
    (row,) = rows
    assert (row[1], row[4]) == ("a=b@example.com", "plain 'quoted' text")


def test_a_bad_date_in_the_csv_export_is_a_400(history):
    response = history.get("/hr/audit.csv?since=2025-13-01")
    assert response.status_code == 400
    assert "Enter a date like" in response.get_data(as_text=True)


def test_a_refused_csv_export_shows_the_log_as_the_page_does_not_an_empty_one(history):
    # it said "0 events." beside the date's error, of a log holding six
    refused = history.get("/hr/audit.csv?since=2025-13-01")
    page = history.get("/hr/audit?since=2025-13-01")
    assert refused.status_code == page.status_code == 400
    assert "0 events" not in refused.get_data(as_text=True)
    assert shown(refused) == shown(page) and len(shown(page)) == 6


@settings(database=None)
@given(st.text())
@example("=1+1")
@example("'=already quoted")
@example("\r\n")
@example("")
def test_neutralise_never_leaves_a_formula_and_only_ever_adds_a_quote(cell):
    out = spreadsheet_text(cell)
    assert not out.startswith(FORMULA_STARTS)
    added = out != cell
    if added:
        assert out.startswith("'")
    assert (out[1:] if added else out) == cell


def test_neutralise_turns_anything_into_text():
    assert spreadsheet_text(None) == ""
    assert spreadsheet_text(-3) == "'-3"
    assert spreadsheet_text(42) == "42"


# Only HR


@pytest.mark.parametrize("email", ["ada@example.com", "mo@example.com"])
@pytest.mark.parametrize("url", ["/hr/audit", "/hr/audit.csv"])
def test_only_hr_sees_the_audit_log(team, email, url, signed_in):
    response = signed_in(email).get(url)
    assert response.status_code == 403
    assert "audit_export" not in [e.action for e in events(team)]


def test_anonymous_visitors_are_sent_to_log_in_for_the_audit_log(app, form_client):
    response = form_client().get("/hr/audit")
    assert response.status_code == 302
    assert "/account/login" in response.headers["Location"]


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_the_person_filter_finds_events_by_the_name_of_who_acted_or_whom_it_was_about(
    app, backend, history, make_user
):
    make_user("maria@example.com", name="Μαρία Κωνσταντίνου")
    make_user("layla@example.com", name="ليلى")
    add_event(app, datetime(2025, 3, 1), "org_edit", "maria@example.com", "hr@example.com")
    add_event(app, datetime(2025, 3, 2), "export", "her data", "layla@example.com")
    assert shown(history.get("/hr/audit?actor=μαρια")) == ["maria@example.com"]  # about her
    assert shown(history.get("/hr/audit?actor=ليلى")) == ["her data"]  # she acted
    assert shown(history.get("/hr/audit?actor=bob@example.com")) == [
        "end-of-january",
        "mid-january",
    ]
