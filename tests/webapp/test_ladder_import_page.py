"""HR imports a ladder spreadsheet: the template downloads; a good sheet comes back as a pack
zip to review (nothing is installed); a broken one lists every problem by its cell; a refused
form keeps CSRF and names each field; only HR may use the page."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import pytest
from playwright.sync_api import expect
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from recommender.pack.loading import load_pack
from tests.webapp.browsing import log_in
from tests.webapp.screens import landed_on_errors, look_at_every_width

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "questionnaires" / "templates"
TEMPLATE_XLSX = (TEMPLATES / "framework-template.xlsx").read_bytes()
TEMPLATE_CSV = (TEMPLATES / "framework-template.csv").read_bytes()
PAGE = "/hr/packs/import"


@pytest.fixture
def hr(client, make_user):
    """The test client, logged in as HR."""
    make_user("hr@example.com", "hr", "Hana")
    client.login("hr@example.com")
    return client


def send(client, data: bytes, filename: str, pack_id: str = "data-science", title: str = ""):
    token = client.token(PAGE)
    return client.post(
        PAGE,
        data={
            "csrf_token": token,
            "file": (io.BytesIO(data), filename),
            "pack_id": pack_id,
            "title": title,
        },
        content_type="multipart/form-data",
    )


def broken_csv() -> bytes:
    """The template with an empty cell and a grade that is not a number."""
    rows = list(csv.reader(io.StringIO(TEMPLATE_CSV.decode("utf-8-sig"))))
    craft = next(i for i, row in enumerate(rows) if row and row[0] == "craft")
    grade = next(i for i, row in enumerate(rows) if row and row[0] == "grade")
    rows[craft][4] = ""
    rows[grade][3] = "first"
    stream = io.StringIO()
    csv.writer(stream, lineterminator="\n").writerows(rows)
    return stream.getvalue().encode("utf-8")


def test_a_good_sheet_comes_back_as_a_valid_pack_zip_and_nothing_is_installed(hr, app, tmp_path):
    response = send(hr, TEMPLATE_XLSX, "ladder.xlsx", title="Data science")
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    assert "filename=data-science.zip" in response.headers["Content-Disposition"]
    with zipfile.ZipFile(io.BytesIO(response.get_data())) as archive:
        assert sorted(archive.namelist()) == [
            "data-science/framework.yaml",
            "data-science/pack.yaml",
            "data-science/questionnaire.yaml",
            "data-science/rules.yaml",
        ]
        archive.extractall(tmp_path)
    pack = load_pack(tmp_path / "data-science")
    assert (pack.ref, pack.title) == ("data-science@1", "Data science")
    assert not (Path(app.instance_path) / "packs").exists()
    assert "engineering@1" in hr.get("/hr/packs").get_data(as_text=True)


def test_a_broken_sheet_lists_every_problem_by_its_cell(hr):
    response = send(hr, broken_csv(), "ladder.csv")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "The ladder was not imported: 2 problems" in html
    assert "ladder.csv:7, column D: &#39;first&#39; is not level E1&#39;s grade" in html
    assert "ladder.csv:12, column E: is empty" in html
    assert "This spreadsheet has 2 problems, listed above" in html  # beside the file field


def test_a_cell_past_the_csv_modules_own_limit_is_named_by_its_cell_not_a_500(hr):
    """A line of 200,000 characters among the lines that tell the separator (131,072 is the
    csv module's limit for a cell) was read by a reader the import did not guard: a 500."""
    rows = list(csv.reader(io.StringIO(TEMPLATE_CSV.decode("utf-8-sig"))))
    rows[2][0] = "x" * 200_000
    stream = io.StringIO()
    csv.writer(stream, lineterminator="\n").writerows(rows)
    response = send(hr, stream.getvalue().encode(), "ladder.csv")
    assert response.status_code == 422
    assert "ladder.csv:3, column A: has 200,000 characters" in response.get_data(as_text=True)


def test_a_file_that_is_not_a_spreadsheet_is_named(hr):
    response = send(hr, b"not a zip", "ladder.xlsx")
    assert response.status_code == 422
    assert "ladder.xlsx: is not an Excel workbook" in response.get_data(as_text=True)


def test_the_form_names_each_field_it_refuses_in_one_pass(hr):
    token = hr.token(PAGE)
    response = hr.post(
        PAGE,
        data={"csrf_token": token, "pack_id": "Data Science", "title": "x" * 200},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Choose a spreadsheet." in html
    assert "Use lower-case letters, digits" in html
    assert "A title has at most 120 characters." in html
    wrong_kind = send(hr, b"x", "ladder.ods")
    assert "Upload an Excel workbook (.xlsx) or a CSV file." in wrong_kind.get_data(as_text=True)


def test_the_form_needs_its_csrf_token(hr):
    response = hr.post(
        PAGE,
        data={"file": (io.BytesIO(TEMPLATE_CSV), "t.csv"), "pack_id": "x"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert response.mimetype == "text/html"


def test_a_sheet_over_the_size_limit_is_refused_with_its_size(hr):
    # the body encoded here: the test client spools a large one to a file it never closes
    boundary, body = encode_multipart(
        {
            "csrf_token": hr.token(PAGE),
            "file": FileStorage(io.BytesIO(b"x" * (5 * 1024 * 1024 + 10)), "ladder.csv"),
            "pack_id": "data-science",
        }
    )
    response = hr.post(PAGE, data=body, content_type=f'multipart/form-data; boundary="{boundary}"')
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "a ladder spreadsheet is at most 5 MB" in html


def test_the_templates_download(hr):
    xlsx = hr.get("/hr/packs/import/template.xlsx")
    assert xlsx.status_code == 200 and xlsx.get_data() == TEMPLATE_XLSX
    assert "ladder-template.xlsx" in xlsx.headers["Content-Disposition"]
    assert hr.get("/hr/packs/import/template.csv").get_data() == TEMPLATE_CSV
    assert hr.get("/hr/packs/import/template.ods").status_code == 404


def test_the_packs_page_links_to_the_import(hr):
    assert f'href="{PAGE}"' in hr.get("/hr/packs").get_data(as_text=True)


def test_only_hr_may_import(client, make_user, signed_in):
    make_user("emp@example.com", "employee", "Eli")
    make_user("mgr@example.com", "manager", "Mo")
    for email in ("emp@example.com", "mgr@example.com"):
        assert signed_in(email).get(PAGE).status_code == 403
    assert client.get(PAGE).status_code == 302


# In a real browser


def test_hr_imports_a_broken_ladder_lands_on_its_problems_then_downloads_the_pack(
    page, team, serve, assert_accessible, tmp_path
):
    live = serve(team)
    log_in(page, live, "hr@example.com")
    page.goto(f"{live}/hr/packs")
    page.get_by_role("link", name="Import a ladder from a spreadsheet").click()
    expect(page.get_by_role("heading", name="Import a ladder from a spreadsheet")).to_be_visible()
    assert_accessible(page, "the ladder import page")
    look_at_every_width(page, "framework-import")

    broken = tmp_path / "ladder.csv"
    broken.write_bytes(broken_csv())
    page.get_by_label("Ladder spreadsheet (.xlsx or .csv)").set_input_files(str(broken))
    page.get_by_label("Pack id").fill("data-science")
    page.get_by_role("button", name="Check and download the pack").click()
    assert landed_on_errors(page)
    summary = page.locator(".error-summary")
    expect(summary).to_contain_text("The ladder was not imported: 2 problems")
    expect(summary).to_contain_text("ladder.csv:12, column E: is empty")
    assert_accessible(page, "the ladder import page with problems")
    look_at_every_width(page, "framework-import-problems")

    page.get_by_label("Pack id").fill("")
    page.get_by_role("button", name="Check and download the pack").click()
    assert landed_on_errors(page)
    expect(page.locator(".error-summary")).to_contain_text("Give the pack an id.")
    look_at_every_width(page, "framework-import-refused-form")

    good = tmp_path / "ladder.xlsx"
    good.write_bytes(TEMPLATE_XLSX)
    page.get_by_label("Ladder spreadsheet (.xlsx or .csv)").set_input_files(str(good))
    page.get_by_label("Pack id").fill("data-science")
    page.get_by_label("Title (optional)").fill("Data science")
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Check and download the pack").click()
    download = download_info.value
    assert download.suggested_filename == "data-science.zip"
    saved = tmp_path / "data-science.zip"
    download.save_as(saved)
    with zipfile.ZipFile(saved) as archive:
        archive.extractall(tmp_path / "unzipped")
    assert load_pack(tmp_path / "unzipped" / "data-science").ref == "data-science@1"
