"""The org chart: HR imports a CSV checked whole (every problem named, nothing half-applied),
edits one person at a time, and hands invitation links to people added without a password."""

import html
import io
import re

import pytest
from sqlalchemy import func, select

from webapp.accounts.models import User
from webapp.audit.models import AuditEvent
from webapp.extensions import db
from webapp.hr.people.org_chart import read_chart

HEADER = "email,name,manager_email,role,employee_id\n"
CHART = (
    HEADER + "dan@example.com,Dan,cleo@example.com,employee,E2\n"
    "cleo@example.com,Cleo,,manager,E1\n"
    "eve@example.com,Eve,dan@example.com,hr,\n"
)
GOOD_ROW = "gus@example.com,Gus,,employee,G1\n"
LINK = re.compile(r'value="(http://localhost/account/activate/[^"]+)"')


@pytest.fixture
def hr(app, make_user, signed_in):
    """A client logged in as Hana from HR."""
    make_user("hr@example.com", "hr", "Hana")
    return signed_in("hr@example.com")


def upload(client, body, filename="org.csv", page="/hr/people"):
    """POST a file to the org chart import, with the CSRF token of `page`."""
    data = body.encode() if isinstance(body, str) else body
    return client.post(
        "/hr/people/import",
        data={"csrf_token": client.token(page), "file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


def text_of(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def chart(app) -> dict:
    """Everyone as email -> (name, role, manager's email, employee id, has a password)."""
    with app.app_context():
        users = db.session.scalars(select(User)).all()
        email_of = {user.id: user.email for user in users}
        return {
            user.email: (
                user.name,
                user.role,
                email_of.get(user.manager_id),
                user.employee_id,
                user.has_password,
            )
            for user in users
        }


def user_id(app, email: str) -> int:
    with app.app_context():
        return User.by_email(email).id


def user_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(User))


# Importing a chart


def test_a_valid_chart_creates_people_with_managers_roles_and_employee_ids(app, hr):
    response = upload(hr, CHART)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/hr/people")
    assert chart(app) == {
        "hr@example.com": ("Hana", "hr", None, None, True),
        "cleo@example.com": ("Cleo", "manager", None, "E1", False),
        "dan@example.com": ("Dan", "employee", "cleo@example.com", "E2", False),
        "eve@example.com": ("Eve", "hr", "dan@example.com", None, False),
    }
    page = text_of(hr.get("/hr/people"))
    assert "Org chart imported: 3 people added, 0 updated, 0 unchanged." in page
    assert "4 people" in page
    assert '<td data-label="Email">dan@example.com</td>' in page
    assert '<td data-label="Employee id">E2</td>' in page


def test_a_file_name_holding_characters_nobody_sees_is_shown_as_it_was_sent(app, hr):
    """Found from outside: a direction override made "\u202egnp.csv" read "vsc.png" in the
    report's heading and the audit log; each such character is shown by its code point."""
    sent = "\u202egnp\u200b.csv"
    shown = "[U+202E]gnp[U+200B].csv"
    refused = text_of(upload(hr, "email,name\n", sent))
    assert shown in refused and sent not in refused
    assert upload(hr, CHART, sent).status_code == 302
    log = text_of(hr.get("/hr/audit?action=org_import"))
    assert shown in log and "\u202e" not in log and "\u200b" not in log


def test_importing_the_same_chart_again_adds_nothing_and_reports_everyone_unchanged(app, hr):
    upload(hr, CHART)
    hr.get("/hr/people")  # shows (and clears) the first import's message
    before = chart(app)
    assert upload(hr, CHART).status_code == 302
    assert "0 people added, 0 updated, 3 unchanged." in text_of(hr.get("/hr/people"))
    assert chart(app) == before


def test_a_changed_row_is_counted_as_updated_and_applied(app, hr):
    upload(hr, CHART)
    hr.get("/hr/people")
    upload(hr, CHART.replace("Eve,dan@example.com,hr", "Eve,cleo@example.com,manager"))
    assert "0 people added, 1 updated, 2 unchanged." in text_of(hr.get("/hr/people"))
    assert chart(app)["eve@example.com"][1:3] == ("manager", "cleo@example.com")


def test_people_added_by_the_chart_cannot_log_in_before_choosing_a_password(
    app, hr, form_client, password
):
    upload(hr, CHART)
    for tried in (password, "!", "not a password"):
        response = form_client().login("dan@example.com", tried)
        assert response.status_code == 422
        assert "The email or password is not right." in text_of(response)


def test_a_manager_already_in_trackfit_but_not_in_the_file_is_accepted(app, hr, make_user):
    make_user("mo@example.com", "manager", "Mo")
    response = upload(hr, HEADER + "dan@example.com,Dan,MO@example.com,employee,\n")
    assert response.status_code == 302
    assert chart(app)["dan@example.com"][2] == "mo@example.com"


# Files with problems: each named with file, line and column; nothing changes


PROBLEM_FILES = {
    "columns separated by semicolons": (
        HEADER.replace(",", ";") + GOOD_ROW.replace(",", ";"),
        "org.csv:1: the columns are separated by semicolons: save the file with commas",
    ),
    "an email mixing alphabets that look alike": (
        HEADER + GOOD_ROW + "\u0430lice@example.com,Alice,,employee,\n",  # a Cyrillic a
        "org.csv:3: email: \u0430lice@example.com mixes Latin and Cyrillic letters, which look "
        "alike: type it again in one alphabet",
    ),
    "unknown manager": (
        HEADER + GOOD_ROW + "dan@example.com,Dan,nobody@example.com,employee,\n",
        "org.csv:3: manager_email: nobody@example.com is not in the file and has no account",
    ),
    "two people managing each other": (
        HEADER
        + GOOD_ROW
        + "ann@example.com,Ann,bea@example.com,manager,\n"
        + "bea@example.com,Bea,ann@example.com,manager,\n",
        "org.csv:3: manager_email: reporting lines loop: "
        "ann@example.com → bea@example.com → ann@example.com",
    ),
    "a longer loop": (
        HEADER
        + GOOD_ROW
        + "ann@example.com,Ann,bea@example.com,manager,\n"
        + "bea@example.com,Bea,cat@example.com,manager,\n"
        + "cat@example.com,Cat,ann@example.com,manager,\n",
        "org.csv:3: manager_email: reporting lines loop: "
        "ann@example.com → bea@example.com → cat@example.com → ann@example.com",
    ),
    "a duplicate email": (
        HEADER + GOOD_ROW + "dan@example.com,Dan,,employee,\n" + " Gus@Example.com ,Gus,,hr,\n",
        "org.csv:4: email: gus@example.com already appeared on line 2",
    ),
    "a bad role": (
        HEADER + GOOD_ROW + "dan@example.com,Dan,,boss,\n",
        "org.csv:3: role: 'boss' is not one of employee, manager, hr",
    ),
    "a missing required column": (
        "email,name,role\ngus@example.com,Gus,employee\n",
        "org.csv: required columns missing: manager_email",
    ),
    "someone as their own manager": (
        HEADER + GOOD_ROW + "dan@example.com,Dan,dan@example.com,employee,\n",
        "org.csv:3: manager_email: a person cannot be their own manager",
    ),
    "a non-UTF-8 file": (
        (HEADER + GOOD_ROW).encode() + "jörg@example.com,Jörg,,employee,\n".encode("latin-1"),
        "org.csv:3: email: is not UTF-8 text (byte 0xF6 after 'j')",
    ),
    "a name with a direction override": (
        HEADER + GOOD_ROW + "dan@example.com,\u202eDan,,employee,\n",
        "org.csv:3: name: The name has an invisible character, U+202E RIGHT-TO-LEFT OVERRIDE",
    ),
    "a name of zero-width spaces": (
        HEADER + GOOD_ROW + "dan@example.com,\u200b\u200b,,employee,\n",
        "org.csv:3: name: Enter a name people can read",
    ),
    "a loop beside a repeated email": (
        HEADER + "ann@example.com,Ann,bea@example.com,employee,\n"
        "bea@example.com,Bea,ann@example.com,manager,\n"
        "ann@example.com,Ann again,,employee,\n",
        "reporting lines loop: ann@example.com → bea@example.com → ann@example.com",
    ),
    "a UTF-16 file": (
        (HEADER + GOOD_ROW).encode("utf-16"),
        "org.csv: is saved as UTF-16 text, not UTF-8: save the file as UTF-8 (in Excel: Save As",
    ),
    # without a byte order mark: it was named as unknown columns full of NULs
    "a UTF-16 file without its byte order mark": (
        (HEADER + GOOD_ROW).encode("utf-16-le"),
        "org.csv: is saved as UTF-16 text, not UTF-8: save the file as UTF-8 (in Excel: Save As",
    ),
    # past the csv module's own limit for a cell (131,072 characters): named by its column,
    # as a long cell under it is, where it was "has a cell of more than 131,072 characters"
    "a name of 200,000 characters": (
        HEADER + GOOD_ROW + f"dan@example.com,{'D' * 200_000},,employee,\n",
        "org.csv:3: name: is 200,000 characters long; at most 120",
    ),
    "an employee id twice": (
        HEADER + GOOD_ROW + "dan@example.com,Dan,,employee,G1\n",
        "org.csv:3: employee_id: 'G1' already appeared on line 2",
    ),
}


@pytest.mark.parametrize("problem", PROBLEM_FILES)
def test_a_file_with_a_problem_names_it_and_changes_nothing(app, hr, problem):
    body, message = PROBLEM_FILES[problem]
    response = upload(hr, body)
    assert response.status_code == 422
    page = text_of(response)
    assert "The org chart was not imported" in page
    assert "nothing was changed" in page
    assert message in page
    assert chart(app) == {"hr@example.com": ("Hana", "hr", None, None, True)}


def test_a_rejected_file_leaves_the_existing_chart_exactly_as_it_was(app, hr):
    upload(hr, CHART)
    before = chart(app)
    moves_everyone = (
        HEADER + "cleo@example.com,Cleo,eve@example.com,employee,E9\n"
        "dan@example.com,Dan,,manager,E2\n"
        "new@example.com,New,dan@example.com,employee,\n"
        "bad@example.com,Bad,,chief,\n"
    )
    response = upload(hr, moves_everyone)
    assert response.status_code == 422
    assert "org.csv:5: role: 'chief'" in text_of(response)
    assert chart(app) == before


def test_a_loop_through_people_already_in_trackfit_is_refused(app, hr):
    upload(hr, CHART)  # Cleo manages Dan, who manages Eve
    before = chart(app)
    response = upload(hr, HEADER + "cleo@example.com,Cleo,eve@example.com,manager,E1\n")
    assert response.status_code == 422
    assert (
        "org.csv:2: manager_email: reporting lines loop: "
        "cleo@example.com → eve@example.com → dan@example.com → cleo@example.com"
    ) in text_of(response)
    assert chart(app) == before


def test_an_employee_id_of_someone_else_in_trackfit_is_refused(app, hr):
    upload(hr, CHART)
    response = upload(hr, HEADER + "gus@example.com,Gus,,employee,E1\n")
    assert response.status_code == 422
    assert "org.csv:2: employee_id: 'E1' already belongs to cleo@example.com" in text_of(response)
    assert "gus@example.com" not in chart(app)


def test_every_problem_of_a_file_is_listed_at_once(hr):
    body = HEADER + "x,Dan,,employee,\n" + "ann@example.com,,,boss,\n"
    page = text_of(upload(hr, body))
    assert "3 problems — nothing was changed" in page
    assert "org.csv:2: email: 'x' is not an email address" in page
    assert "org.csv:3: name: is blank" in page
    assert "org.csv:3: role: 'boss'" in page


def test_the_problems_name_the_uploaded_file(hr):
    response = upload(hr, HEADER + "dan@example.com,Dan,,boss,\n", filename="march.csv")
    assert "march.csv:2: role: 'boss'" in text_of(response)


def test_a_file_that_is_not_csv_is_refused_by_the_form(app, hr):
    response = upload(hr, CHART, filename="org.xlsx")
    assert response.status_code == 422
    assert "Upload a .csv file (from Excel: Save As, " in text_of(response)
    assert user_count(app) == 1


def test_line_numbers_count_blank_lines_in_the_file(hr):
    response = upload(hr, HEADER + GOOD_ROW + "\n" + "dan@example.com,Dan,,boss,\n")
    assert "org.csv:4: role: 'boss'" in text_of(response)


def test_line_numbers_count_line_breaks_inside_quoted_cells(hr):
    body = HEADER + 'gus@example.com,"Gus\nGuthrie",,employee,\n' + "dan@example.com,Dan,,boss,\n"
    assert "org.csv:4: role: 'boss'" in text_of(upload(hr, body))


def test_a_bad_byte_after_a_byte_order_mark_is_reported_on_its_own_line(hr):
    body = (
        b"\xef\xbb\xbf"
        + (HEADER + GOOD_ROW).encode()
        + "Ådne@example.com,Å,,hr,\n".encode("latin-1")
    )
    page = text_of(upload(hr, body))
    assert "org.csv:3: email: is not UTF-8 text (byte 0xC5 at the start of the cell)" in page


def test_every_row_of_a_latin_1_chart_is_named_by_its_column_and_the_text_before_the_byte(hr):
    """An outside review: 'org.csv:2: is not UTF-8 text (byte 0xE9)', the first only, where
    an outcome file names each row's column and what comes before the byte."""
    body = HEADER + "jose@example.com,José,,employee,\nana@example.com,Ana,,manager,Zoë1\n"
    page = re.sub(r"\s+", " ", text_of(upload(hr, body.encode("latin-1"))))
    assert "org.csv:2: name: is not UTF-8 text (byte 0xE9 after 'Jos'): save the file as" in page
    assert "org.csv:3: employee_id: is not UTF-8 text (byte 0xEB after 'Zo')" in page


def test_a_refused_manager_row_does_not_make_its_reports_unknown_managers(hr):
    body = (
        HEADER
        + "cleo@example.com,Cleo,,boss,\n"
        + "dan@example.com,Dan,cleo@example.com,employee,\n"
    )
    page = text_of(upload(hr, body))
    assert "1 problem — nothing was changed" in page
    assert "org.csv:2: role: 'boss'" in page
    assert "cleo@example.com is not in the file" not in page


def test_a_chart_without_the_optional_employee_id_column_keeps_existing_ids(app, hr):
    upload(hr, CHART)
    hr.get("/hr/people")
    response = upload(hr, "email,name,manager_email,role\ncleo@example.com,Cleo,,manager\n")
    assert response.status_code == 302
    assert chart(app)["cleo@example.com"][3] == "E1"
    assert "0 people added, 0 updated, 1 unchanged." in text_of(hr.get("/hr/people"))


def test_an_import_cannot_take_away_the_importers_own_hr_role(app, hr):
    response = upload(hr, HEADER + GOOD_ROW + "hr@example.com,Hana,,employee,\n")
    assert response.status_code == 422
    assert "org.csv:3: role: this row takes away your own HR role" in text_of(response)
    assert "gus@example.com" not in chart(app)
    assert chart(app)["hr@example.com"][1] == "hr"


# Hostile and careless files: every problem at once, in line order; never a 500


def test_every_problem_is_reported_in_one_pass_in_line_order(hr):
    body = (
        "email,name,manager_email,role,employee_id, name \n"
        "ann@example.com,Ann,nobody@example.com,boss,zz9,x\n"
        "ann@example.com,Ann,,employee,ZZ9,x\n"
        "bea@example.com,Bea,,employee,B1\n"
        "x,,ann@example.com,hr,B2,x\n"
        "y@example,Yan,boss@example.com,employee,B3,x\n"
    )
    page = text_of(upload(hr, body))
    expected = [
        "org.csv:1: column 6: 'name' is also column 2; each column once",
        "org.csv:2: manager_email: nobody@example.com is not in the file and has no account",
        "org.csv:2: role: 'boss' is not one of employee, manager, hr",
        "org.csv:3: email: ann@example.com already appeared on line 2",
        "org.csv:3: employee_id: 'ZZ9' already appeared on line 2 as 'zz9' (ids are the same "
        "whatever their case)",
        "org.csv:4: has 5 cells; the header has 6 columns",
        "org.csv:5: email: 'x' is not an email address",
        "org.csv:5: name: is blank",
        # a row whose email is unsound still has its unknown manager named
        "org.csv:6: email: 'y@example' is not an email address",
        "org.csv:6: manager_email: boss@example.com is not in the file and has no account",
    ]
    assert f"{len(expected)} problems — nothing was changed" in page
    assert [page.index(problem) for problem in expected] == sorted(
        page.index(problem) for problem in expected
    )


@pytest.mark.parametrize("newline", ["\r", "\r\n", "\n"])
def test_any_line_ends_a_byte_order_mark_and_blank_lines_are_read(app, hr, newline):
    body = ("\ufeff" + CHART.replace("\n", newline) + newline + newline).encode()
    assert upload(hr, body).status_code == 302
    assert chart(app)["dan@example.com"][2:4] == ("cleo@example.com", "E2")


def test_an_employee_id_already_here_in_another_case_is_refused(app, hr):
    upload(hr, CHART)
    response = upload(hr, HEADER + "gus@example.com,Gus,,employee,e1\n")
    assert response.status_code == 422
    assert "org.csv:2: employee_id: 'e1' already belongs to cleo@example.com" in text_of(response)
    assert "gus@example.com" not in chart(app)


@pytest.mark.parametrize(
    ("cell", "value", "message"),
    [
        ("name", "N" * 121, "name: is 121 characters long; at most 120"),
        ("employee_id", "E" * 65, "employee_id: is 65 characters long; at most 64"),
        ("email", "a" * 250 + "@example.com", "email: is 262 characters long; at most 254"),
        ("name", "Gus\x00", "name: has a NUL character (\\x00)"),
        ("employee_id", "G\x001", "employee_id: has a NUL character (\\x00)"),
    ],
)
def test_a_cell_longer_than_its_column_or_with_a_nul_is_named(app, hr, cell, value, message):
    row = {"email": "gus@example.com", "name": "Gus", "employee_id": "G1"} | {cell: value}
    body = HEADER + f"{row['email']},{row['name']},,employee,{row['employee_id']}\n"
    response = upload(hr, body)
    assert response.status_code == 422
    assert f"org.csv:2: {message}" in text_of(response)
    assert user_count(app) == 1


def test_a_file_of_bad_rows_lists_the_first_problems_and_counts_the_rest(hr):
    body = HEADER + "x,,,boss,\n" * 5000
    page = text_of(upload(hr, body))
    assert "15,000 problems — nothing was changed" in page
    assert page.count("<li>org.csv:") == 200
    assert "… and 14,800 more problems." in page


def test_a_file_beyond_the_row_limit_is_counted_not_read_whole(hr):
    # (kept under 500 kB: the test client spools larger bodies to a file it leaves open)
    body = HEADER + "".join(f"{i}@e.io,P,,hr,\n" for i in range(20_003))
    page = text_of(upload(hr, body))
    assert "org.csv: has 20,003 rows; at most 20,000 at once" in page


def test_one_reporting_line_of_twenty_thousand_people_is_walked_once(app):
    """Each person's chain was walked to its end, with a list search at every step: a file
    of one long reporting line took minutes."""
    n = 20_000
    body = HEADER + "".join(f"p{i}@e.io,P,p{i + 1}@e.io,employee,\n" for i in range(n - 1))
    body += f"p{n - 1}@e.io,P,,manager,\n"
    with app.app_context():
        report = read_chart("org.csv", body.encode())
    assert report.problems == [] and report.created == n


# Editing one person


@pytest.fixture
def hr_and_team(team, make_user, signed_in, set_manager):
    """The conftest team (Mo manages Ada, Max manages Bob), plus Zed under Ada; HR logged in."""
    make_user("zed@example.com", "employee", "Zed")
    set_manager("zed@example.com", "ada@example.com")
    return signed_in("hr@example.com")


def edit(client, app, email: str, **fields):
    number = user_id(app, email)
    data = {"manager_email": "", "role": "employee", "employee_id": ""} | fields
    return client.submit(f"/hr/people/{number}", data)


def test_hr_sets_a_persons_manager_role_and_employee_id(app, hr_and_team):
    response = edit(
        hr_and_team, app, "bob@example.com", manager_email=" MO@example.com ", employee_id="B7"
    )
    assert response.status_code == 302
    assert chart(app)["bob@example.com"][1:4] == ("employee", "mo@example.com", "B7")
    assert "Bob's details are saved: manager mo@example.com, employee id B7." in text_of(
        hr_and_team.get("/hr/people")
    )
    response = edit(hr_and_team, app, "bob@example.com", role="manager")
    assert response.status_code == 302
    assert chart(app)["bob@example.com"][1:4] == ("manager", None, None)


def test_the_form_shows_the_current_managers_email_and_lists_no_one(app, hr_and_team):
    page = hr_and_team.get(f"/hr/people/{user_id(app, 'ada@example.com')}").get_data(as_text=True)
    assert re.search(r'name="manager_email"[^>]*value="mo@example.com"', page)
    # a company of thousands is not a list of thousands on every person's page
    assert "<option" not in page.split('name="manager_email"')[0].rsplit("<form", 1)[-1]
    assert "max@example.com" not in page


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("nobody@example.com", "No one in trackfit has the email nobody@example.com."),
        ("mo@example.com", "A person cannot be their own manager."),
        ("Max", "Type the manager's email address (like name@example.com), not their name"),
    ],
)
def test_a_manager_who_cannot_be_is_named(app, hr_and_team, typed, message):
    before = chart(app)
    response = edit(hr_and_team, app, "mo@example.com", manager_email=typed, role="manager")
    assert response.status_code == 422
    assert message in text_of(response)
    assert chart(app) == before


@pytest.mark.parametrize("report", ["ada@example.com", "zed@example.com"])
def test_choosing_someone_who_reports_to_the_person_is_refused(app, hr_and_team, report):
    before = chart(app)
    response = edit(hr_and_team, app, "mo@example.com", manager_email=report, role="manager")
    assert response.status_code == 422
    assert "reports to Mo, directly or through others" in text_of(response)
    assert "reporting lines may not loop" in text_of(response)
    assert chart(app) == before


def test_an_edit_is_audited_by_email_and_id_and_a_save_without_change_is_not(app, hr_and_team):
    response = edit(
        hr_and_team, app, "bob@example.com", manager_email="mo@example.com", employee_id="B7"
    )
    assert response.status_code == 302
    log = text_of(hr_and_team.get("/hr/audit?action=org_edit"))
    assert "manager: max@example.com → mo@example.com" in log
    assert "employee id: none → B7" in log
    again = edit(
        hr_and_team, app, "bob@example.com", manager_email="MO@example.com ", employee_id="B7"
    )
    assert again.status_code == 302
    page = text_of(hr_and_team.get("/hr/audit?action=org_edit"))
    assert "Nothing changed: Bob's details were already these." in page
    assert page.count("bob@example.com") == 1  # one edit recorded, not two


def test_saving_goes_back_to_the_list_as_it_was_filtered(app, hr_and_team):
    bob = user_id(app, "bob@example.com")
    url = f"/hr/people/{bob}?text=bo&role=employee&page=2&evil=https://x.example"
    page = hr_and_team.get(url).get_data(as_text=True)
    assert 'href="/hr/people?text=bo&amp;role=employee&amp;page=2">Cancel</a>' in page
    data = {"manager_email": "", "role": "employee", "employee_id": "B8"}
    response = hr_and_team.submit(url, data)
    assert response.status_code == 302
    assert response.headers["Location"] == "/hr/people?text=bo&role=employee&page=2"


def test_every_problem_of_the_form_is_named_at_once(app, hr_and_team):
    edit(hr_and_team, app, "ada@example.com", manager_email="mo@example.com", employee_id="A1")
    response = edit(
        hr_and_team, app, "bob@example.com", manager_email="Mo", role="boss", employee_id="a1"
    )
    assert response.status_code == 422
    page = text_of(response)
    assert "Type the manager's email address (like name@example.com), not their name" in page
    assert "Choose one of the roles listed." in page
    assert "Already the id of ada@example.com." in page


def test_anyone_with_reports_finds_their_team_whatever_their_role(app, hr_and_team, signed_in):
    """Zed reports to Ada, an employee; Bob is given to Hana from HR: both find My team."""
    assert 'href="/team/">My team</a>' not in hr_and_team.get("/").get_data(as_text=True)
    edit(hr_and_team, app, "bob@example.com", manager_email="hr@example.com")
    assert 'href="/team/">My team</a>' in hr_and_team.get("/").get_data(as_text=True)
    assert "Bob" in text_of(hr_and_team.get("/team/"))
    ada = signed_in("ada@example.com")
    assert 'href="/team/">My team</a>' in ada.get("/").get_data(as_text=True)
    assert "Zed" in text_of(ada.get("/team/"))
    bob = signed_in("bob@example.com")
    assert "My team" not in bob.get("/").get_data(as_text=True)


def test_hr_cannot_take_away_their_own_hr_role(app, hr_and_team):
    response = edit(hr_and_team, app, "hr@example.com", role="manager")
    assert response.status_code == 422
    assert "You cannot take away your own HR role." in text_of(response)
    assert chart(app)["hr@example.com"][1] == "hr"
    assert hr_and_team.get("/hr/people").status_code == 200


def test_an_employee_id_already_used_by_someone_else_is_refused(app, hr_and_team):
    assert edit(hr_and_team, app, "ada@example.com", employee_id="E1").status_code == 302
    response = edit(hr_and_team, app, "bob@example.com", employee_id="E1")
    assert response.status_code == 422
    assert "Already the id of ada@example.com." in text_of(response)
    assert chart(app)["bob@example.com"][3] is None
    # Keeping one's own id is fine.
    assert edit(hr_and_team, app, "ada@example.com", employee_id="E1").status_code == 302


def test_an_employee_id_differing_only_in_case_is_the_same_id(app, hr_and_team):
    assert edit(hr_and_team, app, "ada@example.com", employee_id="zz9").status_code == 302
    response = edit(hr_and_team, app, "bob@example.com", employee_id="ZZ9")
    assert response.status_code == 422
    assert "Already the id of ada@example.com." in text_of(response)
    assert chart(app)["bob@example.com"][3] is None


def test_editing_someone_who_does_not_exist_is_not_found(hr):
    assert hr.get("/hr/people/999").status_code == 404


# Invitations


def invite(client, app, email: str):
    return client.submit("/hr/people", action_url=f"/hr/people/{user_id(app, email)}/invitation")


def invitation_link(client, app, email: str) -> str:
    response = invite(client, app, email)
    assert response.status_code == 200
    found = LINK.search(response.get_data(as_text=True))
    assert found, "no invitation link on the page"
    return found.group(1).removeprefix("http://localhost")


def test_an_invited_person_chooses_a_password_once_and_is_logged_in(app, hr, form_client):
    upload(hr, CHART)
    assert "Invitation link" in hr.get("/hr/people").get_data(as_text=True)
    link = invitation_link(hr, app, "dan@example.com")
    dan = form_client()
    form = dan.get(link)
    assert form.status_code == 200
    assert "Welcome, <bdi>Dan</bdi>" in form.get_data(as_text=True)
    assert 'name="password"' in form.get_data(as_text=True)
    response = dan.submit(link, {"password": "dans new password", "confirm": "dans new password"})
    assert response.status_code == 302
    assert dan.get("/account/password").status_code == 200  # logged in
    assert chart(app)["dan@example.com"][4] is True
    # The link worked once.
    again = form_client().get(link)
    assert again.status_code == 404
    assert "This link does not work" in again.get_data(as_text=True)
    # Dan logs in with the password he chose.
    later = form_client()
    assert later.login("dan@example.com", "dans new password").status_code == 302


def test_a_too_short_or_mistyped_password_keeps_the_invitation_open(app, hr, form_client):
    upload(hr, CHART)
    link = invitation_link(hr, app, "dan@example.com")
    dan = form_client()
    response = dan.submit(link, {"password": "short", "confirm": "short"})
    assert response.status_code == 422
    response = dan.submit(link, {"password": "long enough 1", "confirm": "long enough 2"})
    assert response.status_code == 422
    assert "The passwords differ." in text_of(response)
    assert chart(app)["dan@example.com"][4] is False
    assert dan.get(link).status_code == 200


def test_a_tampered_invitation_link_is_not_found(app, hr, form_client):
    upload(hr, CHART)
    link = invitation_link(hr, app, "dan@example.com")
    # (Not the last character: its low bits are padding, so changing it may change nothing.)
    character = link[-5]
    tampered = link[:-5] + ("A" if character != "A" else "B") + link[-4:]
    visitor = form_client()
    assert visitor.get(tampered).status_code == 404
    assert visitor.get("/account/activate/not-a-token").status_code == 404
    assert "This link does not work" in visitor.get(tampered).get_data(as_text=True)
    assert visitor.get(link).status_code == 200


def test_an_invitation_for_someone_with_a_password_redirects_with_a_message(app, hr, make_user):
    make_user("ada@example.com", "employee", "Ada")
    response = invite(hr, app, "ada@example.com")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/hr/people")
    assert "Ada has already chosen a password." in text_of(hr.get("/hr/people"))


# Only HR


def test_an_employee_is_refused_the_people_pages_and_the_import(app, make_user, signed_in):
    make_user("ada@example.com", "employee", "Ada")
    ada = signed_in("ada@example.com")
    assert ada.get("/hr/people").status_code == 403
    assert ada.get(f"/hr/people/{user_id(app, 'ada@example.com')}").status_code == 403
    assert upload(ada, CHART, page="/").status_code == 403
    assert user_count(app) == 1


def test_a_manager_is_refused_the_people_pages(app, make_user, signed_in):
    make_user("mo@example.com", "manager", "Mo")
    mo = signed_in("mo@example.com")
    assert mo.get("/hr/people").status_code == 403
    assert upload(mo, CHART, page="/").status_code == 403
    assert mo.submit("/", action_url="/hr/people/1/invitation").status_code == 403


def test_anonymous_visitors_are_sent_to_log_in(app, form_client):
    visitor = form_client()
    response = visitor.get("/hr/people")
    assert response.status_code == 302
    assert "/account/login" in response.headers["Location"]
    assert visitor.get("/hr/people/1").status_code == 302


# Employee ids that look the same

NFC, NFD, FULL_WIDTH = "\u00e9004", "e\u0301004", "\uff45004"


def test_a_chart_giving_look_alike_ids_to_two_people_is_refused(app, hr):
    body = (
        "email,name,manager_email,role,employee_id\n"
        f"ada@example.com,Ada,,employee,{NFC}\n"
        f"bob@example.com,Bob,,employee,{NFD}\n"
        "cy@example.com,Cy,,employee,e004\n"
        f"di@example.com,Di,,employee,{FULL_WIDTH}\n"
    )
    response = upload(hr, body)
    assert response.status_code == 422
    shown = text_of(response)
    # each quoted as its cell writes it, with the first as that one does
    assert (
        f"org.csv:3: employee_id: '{NFD}' already appeared on line 2 as '{NFC}' (ids that look "
        "the same are the same id)"
    ) in shown
    assert (
        f"org.csv:5: employee_id: '{FULL_WIDTH}' already appeared on line 4 as 'e004' (ids that "
        "look the same are the same id)"
    ) in shown
    assert user_count(app) == 1  # only HR


def test_a_chart_id_with_an_invisible_character_is_refused_by_name(app, hr):
    body = f"email,name,manager_email,role,employee_id\nada@example.com,Ada,,employee,{NFC}\u200b\n"
    response = upload(hr, body)
    assert response.status_code == 422
    assert (
        "org.csv:2: employee_id: 'é004\\u200b' has an invisible character, U+200B ZERO WIDTH "
        "SPACE, at character 5" in text_of(response)
    )
    assert user_count(app) == 1


def test_chart_ids_are_stored_in_standard_form(app, hr):
    body = (
        "email,name,manager_email,role,employee_id\n"
        f"ada@example.com,Ada,,employee,{NFD}\n"
        f"bob@example.com,Bob,,employee,{FULL_WIDTH.replace('004', '005')}\n"
    )
    assert upload(hr, body).status_code == 302
    people = chart(app)
    assert people["ada@example.com"][3] == NFC
    assert people["bob@example.com"][3] == "e005"


def test_a_chart_id_written_like_one_stored_before_is_that_id(app, hr, make_user):
    make_user("ada@example.com", "employee", "Ada")
    with app.app_context():  # stored as typed, before ids were read in standard form
        User.by_email("ada@example.com").employee_id = FULL_WIDTH
        db.session.commit()
    body = "email,name,manager_email,role,employee_id\nbob@example.com,Bob,,employee,E004\n"
    response = upload(hr, body)
    assert response.status_code == 422
    assert "'E004' already belongs to ada@example.com" in text_of(response)


def test_hr_giving_a_look_alike_id_is_told_whose_it_is(app, hr_and_team):
    assert edit(hr_and_team, app, "ada@example.com", employee_id=NFC).status_code == 302
    for look_alike in (NFD, "\u00c9004"):
        response = edit(hr_and_team, app, "bob@example.com", employee_id=look_alike)
        assert response.status_code == 422
        assert "Already the id of ada@example.com" in text_of(response)
    response = edit(hr_and_team, app, "bob@example.com", employee_id=FULL_WIDTH)
    assert response.status_code == 302
    assert chart(app)["bob@example.com"][3] == "e004"


@pytest.mark.parametrize(
    ("typed", "named"),
    [("e004\u200b", "U+200B ZERO WIDTH SPACE"), ("e\u00a0004", "U+00A0 NO-BREAK SPACE")],
)
def test_hr_typing_an_id_with_an_invisible_character_is_told_which(app, hr_and_team, typed, named):
    response = edit(hr_and_team, app, "bob@example.com", employee_id=typed)
    assert response.status_code == 422
    assert named in text_of(response)
    assert chart(app)["bob@example.com"][3] is None


@pytest.mark.parametrize(
    ("body", "said"),
    [
        (b"", "org.csv: is empty: the first line names the columns"),
        (b'"email,name\n', "org.csv: has no line that reads as CSV: the first line names"),
    ],
)
def test_a_file_without_a_header_says_whether_it_is_empty_or_unreadable(hr, body, said):
    page = text_of(upload(hr, body))
    assert said in page
    if body:
        assert "org.csv:1: is not well-formed CSV" in page
        assert "is empty" not in page


def test_a_first_line_of_one_long_name_is_named_briefly(hr):
    page = text_of(upload(hr, b"a" * 200_000))
    assert "unknown columns: 'aaaaaaaa" in page and "(200,000 characters)" in page
    assert "required columns missing: email, name, manager_email, role" in page
    assert "a" * 1000 not in page


def test_a_header_of_50000_unknown_names_names_ten_and_counts_the_rest(hr):
    """Found by fuzzing with wide lines: every unknown column was listed, so a header of
    300,000 names was one problem of 3 MB on the page."""
    header = ",".join(["email", "name", "manager_email", "role", *(f"c{i}" for i in range(50_000))])
    page = text_of(upload(hr, f"{header}\na@example.com,Al,,manager\n"))
    names = ", ".join(f"'c{i}'" for i in range(10))
    assert f"org.csv: unknown columns: {names} and 49,990 more (expected email," in page
    assert "'c10'" not in page


def test_a_file_that_is_not_csv_is_refused_where_the_page_opens(app, hr):
    """A spreadsheet saved as .xlsx is refused before it is read; the summary saying so
    stands at the top of the page, not under the list of everyone (5,000 people pushed it
    about 4,900 px down), and leads to the file field."""
    response = upload(hr, b"PK\x03\x04 a spreadsheet", filename="org.xlsx")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    summary = page.index("The org chart was not imported")
    assert summary < page.index('id="everyone-heading"')
    assert 'href="#file">Upload a .csv file' in page[summary:]


def test_rows_of_empty_cells_a_spreadsheet_leaves_are_skipped(app, hr):
    response = upload(hr, HEADER + GOOD_ROW + ",,,,\n , , ,,\n")
    assert response.status_code == 302
    assert "gus@example.com" in chart(app)


def test_trailing_commas_a_spreadsheet_leaves_are_no_columns(app, hr):
    """A header ending in a comma (Excel leaves one where a cell past the table was ever
    touched), on the rows or not, reads as the table, as in outcome files: each was refused
    ("column 6 has no name", "has 6 cells; the header has 5 columns")."""
    body = (
        "email,name,manager_email,role,employee_id,,\n"
        "gus@example.com,Gus,,employee,G1,,\n"
        "dan@example.com,Dan,gus@example.com,employee,D1\n"
        "eve@example.com,Eve,gus@example.com,employee,E1,\n"
    )
    response = upload(hr, body)
    assert response.status_code == 302, text_of(response)
    assert {"gus@example.com", "dan@example.com", "eve@example.com"} <= set(chart(app))
    # a value past the header's names is named on its own row, and only there
    refused = upload(
        hr,
        HEADER.rstrip("\n") + ",\n"
        "gus@example.com,Gus,,employee,G1,x\n"
        "dan@example.com,Dan,gus@example.com,employee,D1,\n",
    )
    assert refused.status_code == 422
    shown = text_of(refused)
    assert "org.csv:2: has 6 cells; the header has 5 columns" in shown
    assert "org.csv:3:" not in shown and "no name" not in shown


# Accounts registered on the site: nothing proves the address is the person's


def test_an_address_registered_before_the_chart_names_it_is_not_handed_its_place(
    app, hr, form_client
):
    """An outside review: someone registered the addresses HR was about to import as HR and
    as a manager, and the import gave their accounts, with the passwords they chose, the HR
    role and a team. trackfit sends no email, so such an account is taken back: its sign-in
    ends and it is used again only through the invitation link HR hands to the person."""
    intruder = form_client()
    assert intruder.register("eve@example.com", "Eve?", "the intruder's pass").status_code == 302
    bystander = form_client()  # registered too, named by the chart as an employee
    assert bystander.register("dan@example.com", "Dan", "dans own password").status_code == 302
    response = upload(hr, CHART)
    assert response.status_code == 302
    said = re.sub(r"\s+", " ", text_of(hr.get("/hr/people")))
    assert (
        "2 accounts the chart names had been registered on the site, where nothing proves the "
        "address is the person's: dan@example.com, eve@example.com can sign in again only "
        "through an invitation link" in said
    )
    # the intruder's session ended with the import, and their password opens nothing
    assert intruder.get("/hr/people").status_code == 302
    assert form_client().login("eve@example.com", "the intruder's pass").status_code == 422
    assert chart(app)["eve@example.com"][1:] == ("hr", "dan@example.com", None, False)
    with app.app_context():
        [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "org_import"))
        assert event.detail["reclaimed"] == ["dan@example.com", "eve@example.com"]
    found = re.sub(r"\s+", " ", text_of(hr.get("/hr/audit?actor=eve@example.com")))
    assert "registered on the site: signed out until invited" in found
    assert "role: employee → hr" in found
    # Dan, given the link by HR, keeps the assessment he made while registered
    link = invitation_link(hr, app, "dan@example.com")
    dan = form_client()
    assert dan.submit(link, {"password": "dans new password", "confirm": "dans new password"})
    assert dan.get("/account/password").status_code == 200
    with app.app_context():
        assert User.by_email("dan@example.com").address_unconfirmed is False
    # importing the chart again leaves Dan's account and Eve's waiting link as they are
    eve_link = invitation_link(hr, app, "eve@example.com")
    assert upload(hr, CHART).status_code == 302
    assert dan.get("/account/password").status_code == 200
    assert form_client().get(eve_link).status_code == 200
    assert "registered on the site" not in text_of(hr.get("/hr/people"))


def test_a_registered_account_given_a_role_that_sees_others_results_is_taken_back(
    app, hr_and_team, form_client
):
    someone = form_client()
    assert someone.register("kim@example.com", "Kim", "kims own password").status_code == 302
    page = re.sub(
        r"<[^>]+>", "", text_of(hr_and_team.get(f"/hr/people/{user_id(app, 'kim@example.com')}"))
    )
    assert "registered on the site, where nothing proves kim@example.com is Kim's" in page
    # a manager for an employee account: that changes nothing of its sign-in
    assert edit(hr_and_team, app, "kim@example.com", manager_email="mo@example.com")
    assert someone.get("/account/password").status_code == 200
    # the manager role: taken back, and HR told why and where the link is
    response = edit(hr_and_team, app, "kim@example.com", role="manager")
    assert response.status_code == 302
    said = re.sub(r"\s+", " ", text_of(hr_and_team.get("/hr/people")))
    assert "it can be used again only through an invitation link, which you hand to them" in said
    assert someone.get("/account/password").status_code == 302
    assert chart(app)["kim@example.com"][1] == "manager"
    assert chart(app)["kim@example.com"][4] is False


def test_registering_is_in_the_audit_log(app, form_client):
    assert form_client().register("kim@example.com", "Kim").status_code == 302
    with app.app_context():
        [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "registered"))
        assert event.actor_email == event.subject == "kim@example.com"


def test_an_import_records_each_person_it_adds_or_changes_findable_by_their_email(app, hr_and_team):
    """An outside review: a chart that made someone HR left one event, 'updated: 1', that no
    search for the person found; an edit on screen records before and after."""
    body = (
        HEADER + "bob@example.com,Bob,,hr,B1\n"  # Bob made HR, away from Max, given an id
        "ada@example.com,Ada,mo@example.com,employee,\n"  # as she is: no event
        "new@example.com,Nell,bob@example.com,manager,N1\n"
    )
    assert upload(hr_and_team, body).status_code == 302
    bob = re.sub(r"\s+", " ", text_of(hr_and_team.get("/hr/audit?actor=bob@example.com")))
    assert "gave or changed a person's details by the org chart" in bob
    assert "role: employee → hr" in bob and "manager: max@example.com → none" in bob
    assert "employee id: none → B1" in bob and "file: org.csv" in bob
    nell = re.sub(r"\s+", " ", text_of(hr_and_team.get("/hr/audit?actor=new@example.com")))
    assert "role: none → manager" in nell and "manager: none → bob@example.com" in nell
    with app.app_context():
        people = db.session.scalars(
            select(AuditEvent.subject).where(AuditEvent.action == "org_import_person")
        ).all()
    assert sorted(people) == ["bob@example.com", "new@example.com"]


def test_a_registered_account_named_only_as_someones_manager_is_taken_back(
    app, hr_and_team, form_client
):
    """An outside review: the chart's manager_email, or the manager field of a person's page,
    gave a registered account a team (the team page is anyone's with reports) and kept its
    registrant's password."""
    boss = form_client()
    assert boss.register("boss@example.com", "Boss?", "the boss's own pass").status_code == 302
    body = HEADER + "dana@example.com,Dana D,boss@example.com,employee,\n"
    assert upload(hr_and_team, body).status_code == 302
    said = re.sub(r"\s+", " ", text_of(hr_and_team.get("/hr/people")))
    assert "1 account the chart names had been registered on the site" in said
    assert "boss@example.com can sign in again only through an invitation link" in said
    assert boss.get("/team/").status_code == 302
    assert chart(app)["boss@example.com"][4] is False
    # and on a person's page
    boss2 = form_client()
    assert boss2.register("boss2@example.com", "Boss 2", "the boss's own pass").status_code == 302
    assert edit(hr_and_team, app, "zed@example.com", manager_email="boss2@example.com")
    said = re.sub(r"\s+", " ", text_of(hr_and_team.get("/hr/people")))
    assert "Boss 2's account, now given a team, was registered on the site" in said
    assert boss2.get("/team/").status_code == 302
    assert chart(app)["zed@example.com"][2] == "boss2@example.com"
