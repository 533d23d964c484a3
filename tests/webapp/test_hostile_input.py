"""Hostile input at the forms, the uploads and the audit filters: a NUL character or a value
longer than its column is named (the field, or the file's line and column) before it reaches
the database, numbers of any size are refused with their range, and filters of any kind are
a named 400 or ignored. Never a 500, on SQLite or PostgreSQL."""

from __future__ import annotations

import html
import io
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.registry_forgery import forged_version
from webapp.accounts.models import User
from webapp.extensions import db
from webapp.manager.models import ManagerReview

NUL = "\x00"


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request):
    """Every test here runs on both databases (PostgreSQL refuses NUL and over-long text)."""
    return request.param


@pytest.fixture
def hr(app, make_user, signed_in):
    """A client logged in as Hana from HR."""
    make_user("hr@example.com", "hr", "Hana")
    return signed_in("hr@example.com")


def text_of(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def users(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(User))


def post_file(client, url: str, page: str, body: bytes, **fields):
    return client.post(
        url,
        data={"csrf_token": client.token(page), "file": (io.BytesIO(body), "f.csv"), **fields},
        content_type="multipart/form-data",
    )


# Forms

REGISTER = {"name": "Ada", "email": "ada@example.com", "password": "a" * 12, "confirm": "a" * 12}


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "Ada" + NUL, "Your name: remove the NUL character (\\x00)"),
        ("email", "ada@exa" + NUL + "mple.com", "Work email: remove the NUL character"),
        ("password", "a" * 11 + NUL, "Password: remove the NUL character"),
        ("name", "A" * 121, "Your name: at most 120 characters (this is 121)."),
        ("email", "a" * 250 + "@example.com", "Work email: at most 254 characters (this is 262)"),
        ("password", "a" * 201, "Password: at most 200 characters (this is 201)."),
    ],
)
def test_register_names_a_nul_or_an_overlong_field(app, form_client, field, value, message):
    data = REGISTER | {field: value}
    if field == "password":
        data["confirm"] = value
    response = form_client().submit("/account/register", data)
    assert response.status_code == 422
    assert message in text_of(response)
    assert users(app) == 0


@pytest.mark.parametrize(
    ("email", "password", "message"),
    [
        ("ada@example.com" + NUL, "x" * 12, "Email: remove the NUL character"),
        ("a" * 300 + "@example.com", "x" * 12, "Email: at most 254 characters"),
        ("ada@example.com", "x" + NUL, "Password: remove the NUL character"),
    ],
)
def test_login_names_a_nul_or_an_overlong_field(make_user, form_client, email, password, message):
    make_user("ada@example.com", "employee", "Ada")
    response = form_client().login(email, password)
    assert response.status_code == 422
    assert message in text_of(response)


def test_a_password_with_a_nul_is_named_when_changing_or_deleting(app, make_user, signed_in):
    make_user("ada@example.com", "employee", "Ada")
    ada = signed_in("ada@example.com")
    changed = ada.submit(
        "/account/password", {"current": "x" + NUL, "password": "b" * 12, "confirm": "b" * 12}
    )
    assert changed.status_code == 422
    assert "Current password: remove the NUL character" in text_of(changed)
    deleted = ada.submit("/my-data/account/delete", {"password": NUL})
    assert deleted.status_code == 422
    assert "Your password: remove the NUL character" in text_of(deleted)
    assert users(app) == 1


def test_a_form_body_that_is_not_utf8_is_named_not_called_expired(app, make_user, signed_in):
    make_user("ada@example.com", "employee", "Ada")
    ada = signed_in("ada@example.com")
    token = ada.token("/account/password").encode()
    changed = ada.post(
        "/account/password",
        data=b"csrf_token=" + token + b"&current=\xff\xfe&password=" + b"b" * 12,
        content_type="application/x-www-form-urlencoded",
    )
    assert changed.status_code == 400
    assert "could not be read as a form: it is not UTF-8 text" in text_of(changed)
    assert "expired" not in text_of(changed)
    # a form with no token at all is still the expired form it usually is
    stale = ada.post("/account/password", data={"current": "x"})
    assert stale.status_code == 400
    assert "This form has expired" in text_of(stale)
    assert ada.get("/account/password").status_code == 200  # still signed in, nothing changed


@pytest.mark.parametrize("digits", [400, 5000])
def test_a_number_of_any_size_is_refused_with_its_range(client, ada, digits):
    first = client.submit("/assessment/", action_url="/assessment/start").headers["Location"]
    response = client.submit(first, {"years_experience": "9" * digits, "action": "next"})
    assert response.status_code == 422
    page = text_of(response)
    assert "Enter a whole number from 0 to 60." in page or "Not a valid integer value" in page


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("E" + NUL, "Employee id: remove the NUL character"),
        ("E" * 65, "Employee id: at most 64 characters (this is 65)."),
    ],
)
def test_hr_editing_a_person_names_a_bad_employee_id(app, hr, value, message):
    with app.app_context():
        number = User.by_email("hr@example.com").id
    response = hr.submit(
        f"/hr/people/{number}", {"manager_email": "", "role": "hr", "employee_id": value}
    )
    assert response.status_code == 422
    assert message in text_of(response)


@pytest.mark.parametrize(
    ("sensitive", "message"),
    [
        ("gender" + NUL, "Sensitive columns: remove the NUL character"),
        ("g" * 65, "A sensitive column name has at most 64 characters"),
        ("g," * 200, "Sensitive columns: at most 300 characters"),
    ],
)
def test_the_outcome_form_names_bad_sensitive_column_names(hr, sensitive, message):
    body = b"employee_id,track_taken,success\ne1,ic,1\n"
    response = post_file(hr, "/hr/outcomes", "/hr/outcomes", body, sensitive=sensitive)
    assert response.status_code == 422
    assert message in text_of(response)


@pytest.fixture
def shared(team, people, make_assessment, signed_in):
    """Ada's finished assessment, shared with her manager Mo; (Mo's client, its page)."""
    ada = signed_in("ada@example.com")
    assessment_id = make_assessment("ada@example.com", people[0])
    ada.submit(f"/results/{assessment_id}", action_url=f"/results/{assessment_id}/share")
    return signed_in("mo@example.com"), f"/team/assessments/{assessment_id}"


@pytest.mark.parametrize(
    ("notes", "message"),
    [
        ({"private_notes": "ok" + NUL}, "remove the NUL character"),
        ({"shared_notes": "x" * 10_001}, "at most 10,000 characters (this is 10,001)."),
    ],
)
def test_manager_notes_with_a_nul_or_too_long_are_named(app, shared, notes, message):
    mo, page = shared
    data = {"private_notes": "", "shared_notes": ""} | notes
    response = mo.submit(page, data, action_url=f"{page}/notes")
    assert response.status_code == 422
    assert message in text_of(response)
    with app.app_context():
        assert not db.session.scalar(
            select(func.count()).select_from(ManagerReview).where(ManagerReview.private_notes != "")
        )


# Files: the cell is named by line and column


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("gus@example.com,Gus\x00,,employee,G1", "f.csv:2: name: has a NUL character (\\x00)"),
        ("gus@example.com,Gus,,employee," + "G" * 65, "f.csv:2: employee_id: is 65 characters"),
        ("gus@example.com," + "N" * 121 + ",,employee,", "f.csv:2: name: is 121 characters"),
    ],
)
def test_an_org_chart_cell_with_a_nul_or_too_long_is_named(app, hr, row, message):
    body = f"email,name,manager_email,role,employee_id\n{row}\n".encode()
    response = post_file(hr, "/hr/people/import", "/hr/people", body)
    assert response.status_code == 422
    assert message in text_of(response)
    assert users(app) == 1


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("e1,ic,1,wo\x00man", "f.csv:2: gender: has a NUL character (\\x00)"),
        ("e1,ic,1," + "g" * 121, "f.csv:2: gender: is 121 characters long; at most 120"),
        ("e" * 65 + ",ic,1,woman", "f.csv:2: employee_id: is 65 characters long; at most 64"),
        ("e1\x00,ic,1,woman", "f.csv:2: employee_id: has a NUL character (\\x00)"),
    ],
)
def test_an_outcome_cell_with_a_nul_or_too_long_is_named(hr, row, message):
    body = f"employee_id,track_taken,success,gender\n{row}\n".encode()
    response = post_file(hr, "/hr/outcomes", "/hr/outcomes", body, sensitive="gender")
    assert response.status_code == 422
    assert message in text_of(response)


# Audit filters


@pytest.mark.parametrize(
    "query",
    [
        "endpoint=x",
        "_method=POST",
        "_external=1&_anchor=x&_scheme=javascript",
        "until=9999-12-31",
        "since=0001-01-01&until=0001-01-01",
        "since=2026-13-45",
        "until=10000-01-01",
        "action=no-such-action",
        "action=login&action=logout",
        "actor=" + "%00",
        "actor=" + "a" * 300,
        "page=" + "9" * 400,
        "since=%ff%fe",
    ],
)
def test_audit_filters_of_any_kind_are_never_a_500(hr, query):
    for url in ("/hr/audit", "/hr/audit.csv"):
        response = hr.get(f"{url}?{query}")
        assert response.status_code in (200, 400), (url, query, response.status_code)


def test_the_last_day_there_is_is_a_valid_until(hr):
    response = hr.get("/hr/audit?until=9999-12-31")
    assert response.status_code == 200
    assert "hr@example.com" in text_of(response)  # the login, made before that day


def test_a_bad_filter_is_named_and_the_download_link_keeps_only_the_filters_that_apply(hr):
    response = hr.get("/hr/audit?since=2026-13-45&endpoint=x&actor=hr")
    assert response.status_code == 400
    page = text_of(response)
    assert "Enter a date like 2026-11-23." in page
    # the refused date is named, not kept: the link downloads what the page shows
    assert 'href="/hr/audit.csv?actor=hr"' in page


@pytest.mark.parametrize(
    "where",
    [
        ("/hr/outcomes", "/hr/outcomes", b"employee_id,track_taken,success\ne1,ic,x\n"),
        ("/hr/people/import", "/hr/people", b"email,name,manager_email,role\nx,X,,boss\n"),
    ],
)
@pytest.mark.parametrize(
    ("filename", "message"),
    [
        ("a\x00b.csv", "CSV file: its name: remove the NUL character"),
        ("n" * 300 + ".csv", "CSV file: its name: at most 255 characters (this is 304)."),
    ],
)
def test_an_upload_whose_name_has_a_nul_or_is_too_long_is_named(hr, where, filename, message):
    url, page, body = where
    response = hr.post(
        url,
        data={"csrf_token": hr.token(page), "file": (io.BytesIO(body), filename)},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert message in text_of(response)


@pytest.mark.parametrize(
    ("justification", "message"),
    [
        ("Reviewed with the works council" + NUL, "Justification: remove the NUL character"),
        ("x" * 4001, "Justification: at most 4,000 characters (this is 4,001)."),
    ],
    ids=["nul", "too-long"],
)
def test_a_promotion_justification_with_a_nul_or_too_long_is_named(app, hr, justification, message):
    models = Path(app.config["TRACKFIT_MODELS"])
    version = forged_version(models, lambda arrays: None)  # a sound copy of v1
    for step in ("promote", "promote/confirm"):
        response = hr.submit(
            f"/hr/models/{version}",
            {"justification": justification},
            action_url=f"/hr/models/{version}/{step}",
        )
        assert response.status_code == 422
        assert message in text_of(response)
    assert (models / "active" / "engineering").read_text().strip() == "v1"
