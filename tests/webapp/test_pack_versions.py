"""Pack versions: HR sees the installed versions and uploads a new one; new assessments use
the newest version, while an assessment keeps the version it was started in; an upload that
does not validate, is not newer, is another pack or cannot be read by the active model is
refused with its reasons and nothing is installed."""

import io
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import select

from recommender.learn.default_model import build_default_model
from recommender.learn.publishing import RegistryWriter
from recommender.pack.loading import load_pack
from tests.conftest import with_shared_part_inline
from webapp.assessment.models import Assessment
from webapp.audit import AuditEvent
from webapp.extensions import db

ROOT = Path(__file__).resolve().parents[2]
BUNDLED = ROOT / "questionnaires" / "engineering"
PACK_FILES = ("pack.yaml", "framework.yaml", "questionnaire.yaml", "rules.yaml")
# A question of the engineering pack's own (its motivation items are a shared part's, which a
# pack version cannot reword), and how many pages come before the one that asks it.
OLD_TEXT = (
    "Which statement best describes your typical work in technical depth over the last six months?"
)
NEW_TEXT = "Over the last six months, which statement best describes your work in technical depth?"
BEFORE_IT = [s.id for s in load_pack(BUNDLED).questionnaire.sections].index("work_craft")


def pack_files(version: int = 2, **replace: tuple[str, str]) -> dict[str, str]:
    """The engineering pack's files as `version`, with a question reworded (so the version
    shows);
    `replace` maps a file (dots as underscores, `rules_yaml`) to (old, new) text."""
    files = {name: (BUNDLED / name).read_text(encoding="utf-8") for name in PACK_FILES}
    files["pack.yaml"] = _swap(files["pack.yaml"], "version: 1\n", f"version: {version}\n")
    files["questionnaire.yaml"] = _swap(files["questionnaire.yaml"], OLD_TEXT, NEW_TEXT)
    for key, (old, new) in replace.items():
        name = key.replace("_yaml", ".yaml")
        files[name] = _swap(files[name], old, new)
    return files


def _swap(text: str, old: str, new: str) -> str:
    assert old in text, f"{old!r} is not in the pack file"
    return text.replace(old, new, 1)


def zipped(files: dict[str, str], folder: str = "") -> bytes:
    """The files as a zip, at its root or inside `folder`."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        if folder:
            archive.writestr(f"{folder}/", "")
        for name, text in files.items():
            archive.writestr(f"{folder}/{name}" if folder else name, text)
    return buffer.getvalue()


def upload(client, data: bytes, filename: str = "pack.zip"):
    """POST a file to the upload form, with the packs page's CSRF token."""
    token = client.token("/hr/packs")
    return client.post(
        "/hr/packs/upload",
        data={"csrf_token": token, "file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


def uploaded_folders(app) -> list[str]:
    """Everything in the instance's packs folder (uploaded versions and any leftovers)."""
    root = Path(app.instance_path) / "packs"
    return sorted(path.name for path in root.iterdir()) if root.is_dir() else []


@pytest.fixture
def hr(client, make_user):
    """The test client, logged in as HR."""
    make_user("hr@example.com", "hr", "Hana")
    client.login("hr@example.com")
    return client


@pytest.fixture
def employee(make_user, signed_in):
    """A second browser, logged in as an employee: `employee()`."""

    def sign_in(email: str = "emp@example.com"):
        make_user(email, "employee", "Eli")
        return signed_in(email)

    return sign_in


def _assessments(app) -> list[Assessment]:
    with app.app_context():
        rows = list(db.session.scalars(select(Assessment).order_by(Assessment.id)))
        db.session.expunge_all()
        return rows


def test_hr_sees_the_bundled_version_and_its_ladders_items_and_rules(hr):
    listing = hr.get("/hr/packs")
    assert listing.status_code == 200
    html = listing.get_data(as_text=True)
    assert "engineering@1" in html
    assert "used for new assessments" in html
    assert "kept for older assessments" not in html
    assert 'href="/hr/packs/1?discipline=engineering"' in html

    page = hr.get("/hr/packs/1").get_data(as_text=True)
    assert "Software engineering" in page
    assert "Staff Engineer (L4)" in page and "Senior Engineering Manager (M4)" in page
    assert "Engineering Manager (M3)" in page and "Fellow (L7)" in page
    assert "Hiring and team building" in page
    assert OLD_TEXT in page
    assert "ln1" in page and "(reverse-keyed)" in page
    assert "not-yet-manager" in page and "needs-interest" in page
    assert "close_call" in page  # rules.yaml as written
    assert hr.get("/hr/packs/2").status_code == 404


@pytest.mark.parametrize("folder", ["", "engineering"], ids=["files-at-root", "in-a-folder"])
def test_uploading_version_2_installs_it_for_new_assessments(app, hr, people, folder, employee):
    response = upload(hr, zipped(pack_files(), folder))
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/hr/packs/2?discipline=engineering")
    shown = hr.get(response.headers["Location"]).get_data(as_text=True)
    assert "Pack engineering@2 is installed; new assessments use it from now on." in shown
    assert NEW_TEXT in shown and OLD_TEXT not in shown
    assert uploaded_folders(app) == ["engineering@2"]

    listing = hr.get("/hr/packs").get_data(as_text=True)
    assert "engineering@1" in listing and "engineering@2" in listing
    assert "kept for older assessments" in listing
    old = hr.get("/hr/packs/1").get_data(as_text=True)
    assert "New assessments use engineering@2" in old

    with app.app_context():
        (event,) = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "pack_upload"))
        assert event.subject == "engineering@2"
        assert event.actor_email == "hr@example.com"
        assert event.detail == {"filename": "pack.zip"}

    # the active model learnt from answers to version 1: HR's overview says so beside it
    overview = " ".join(hr.get("/hr/").get_data(as_text=True).split())
    assert (
        "learnt from answers to engineering@1; new assessments use engineering@2, so retrain "
        "once outcomes of people who answered it come in"
    ) in overview

    someone = employee()
    second_page = someone.answer_all(people[0], stop_after=BEFORE_IT).get_data(as_text=True)
    assert NEW_TEXT in second_page and OLD_TEXT not in second_page
    result = someone.answer_all(people[0])
    assert "/results/" in result.headers["Location"]
    (assessment,) = _assessments(app)
    assert assessment.pack == "engineering@2"
    assert assessment.recommendation["pack"] == "engineering@2"


def test_an_assessment_started_before_an_upload_keeps_its_version(app, hr, people, employee):
    someone = employee()
    second_page = someone.answer_all(people[1], stop_after=BEFORE_IT)
    assert OLD_TEXT in second_page.get_data(as_text=True)
    page_url = second_page.request.path

    assert upload(hr, zipped(pack_files())).status_code == 302

    again = someone.get(page_url).get_data(as_text=True)
    assert OLD_TEXT in again and NEW_TEXT not in again
    finished = someone.answer_all(people[1])
    result_url = finished.headers["Location"]
    assert "/results/" in result_url
    (assessment,) = _assessments(app)
    assert assessment.pack == "engineering@1"
    assert assessment.recommendation["pack"] == "engineering@1"

    result = someone.get(result_url).get_data(as_text=True)
    assert "with questionnaire pack <strong>engineering@1</strong>" in result
    assert "this site now uses" not in result
    # (The answers the result page quotes are the motivation items, the shared part's, which a
    # pack version does not reword; the reworded rating prompt is not quoted there.)

    # The next assessment of the same person is in the new version.
    next_page = someone.answer_all(people[1], stop_after=BEFORE_IT).get_data(as_text=True)
    assert NEW_TEXT in next_page


def _refused(app, client, data: bytes, filename: str = "pack.zip") -> str:
    """Upload, expect a 422 that installs nothing, and return the page."""
    response = upload(client, data, filename)
    html = response.get_data(as_text=True)
    assert response.status_code == 422, html[:2000]
    assert "The pack was not installed" in html or "Upload a .zip file." in html
    assert uploaded_folders(app) == []
    listing = client.get("/hr/packs").get_data(as_text=True)
    assert "engineering@2" not in listing
    return html


def test_a_file_that_is_not_a_zip_is_refused(app, hr):
    html = _refused(app, hr, b"format: 1\nid: engineering\nversion: 2\n")
    assert "the upload is not a zip file" in html


def test_a_file_without_the_zip_extension_is_refused(app, hr):
    html = _refused(app, hr, zipped(pack_files()), filename="pack.yaml")
    assert "Upload a .zip file." in html


def test_a_zip_without_rules_yaml_is_refused_naming_it(app, hr):
    files = pack_files()
    del files["rules.yaml"]
    html = _refused(app, hr, zipped(files, "engineering"))
    assert "the zip lacks rules.yaml" in html


def test_a_rule_on_an_unknown_field_is_refused_naming_the_file(app, hr):
    files = pack_files(
        rules_yaml=("field: constructs.lead_affective", "field: constructs.lead_effective")
    )
    html = _refused(app, hr, zipped(files))
    assert "rules.yaml:25: rules[1].when.field" in html
    assert "unknown field &#39;constructs.lead_effective&#39;" in html
    assert ".staging-" not in html and app.instance_path not in html


def test_sample_answers_that_do_not_fit_the_pack_are_refused_as_validate_refuses_them(app, hr):
    files = pack_files()
    samples = (BUNDLED / "sample-answers.jsonl").read_text(encoding="utf-8").splitlines()
    samples[1] = samples[1].replace('"la1": ', '"zz": 1, "la1": ', 1)
    files["sample-answers.jsonl"] = "\n".join(samples) + "\n"
    html = _refused(app, hr, zipped(files))
    assert "its sample answers do not fit it: sample-answers.jsonl:2: answers.zz:" in html
    files["sample-answers.jsonl"] = (BUNDLED / "sample-answers.jsonl").read_text(encoding="utf-8")
    assert upload(hr, zipped(files)).status_code == 302  # answers that fit are no problem


def test_broken_yaml_in_the_questionnaire_is_refused_naming_the_file(app, hr):
    lines = (BUNDLED / "questionnaire.yaml").read_text(encoding="utf-8").splitlines()
    line = lines.index("sections:") + 1
    files = pack_files(questionnaire_yaml=("sections:\n", "sections: [\n"))
    html = _refused(app, hr, zipped(files))
    assert f"questionnaire.yaml:{line + 1}: is not valid YAML" in html
    assert ".staging-" not in html


def test_broken_yaml_in_pack_yaml_is_refused_naming_the_file(app, hr):
    files = pack_files(pack_yaml=("title: Software engineering", "title: [Software engineering"))
    html = _refused(app, hr, zipped(files))
    assert "pack.yaml:5: is not valid YAML" in html


def test_the_installed_version_again_is_refused_as_not_newer(app, hr):
    html = _refused(app, hr, zipped(pack_files(version=1)))
    assert "pack.yaml: version: 1 is not newer than the installed version 1" in html
    assert "versions are never replaced" in html


def test_an_older_version_than_an_upload_is_refused(app, hr):
    assert upload(hr, zipped(pack_files(version=3))).status_code == 302
    response = upload(hr, zipped(pack_files(version=2)))
    assert response.status_code == 422
    assert "version: 2 is not newer than the installed version 3" in response.get_data(as_text=True)
    assert uploaded_folders(app) == ["engineering@3"]


def test_a_pack_with_another_id_is_a_discipline_of_its_own_not_a_version_of_this_one(app, hr):
    files = pack_files(pack_yaml=("id: engineering", "id: platform_engineering"))
    files["pack.yaml"] = _swap(
        files["pack.yaml"], "title: Software engineering", "title: Platform engineering"
    )
    response = upload(hr, zipped(files, "platform_engineering"))
    assert response.status_code == 302
    assert response.headers["Location"].endswith("discipline=platform_engineering")
    assert uploaded_folders(app) == ["platform_engineering@2"]
    with app.app_context():
        assert load_pack(BUNDLED).ref == "engineering@1"  # engineering's versions untouched
    assert ">engineering@2<" not in hr.get("/hr/packs").get_data(as_text=True)


def test_a_discipline_titled_as_another_is_refused(app, hr):
    """People choose their discipline by its title and an org chart names it so: a new
    discipline, or a new version of one, may not take a title another discipline has."""
    files = pack_files(pack_yaml=("id: engineering", "id: platform_engineering"))
    files["pack.yaml"] = _swap(
        files["pack.yaml"], "title: Software engineering", "title: SOFTWARE Engineering"
    )
    html = _refused(app, hr, zipped(files, "platform_engineering"))
    assert (
        "pack.yaml: title: &#39;SOFTWARE Engineering&#39; is the title of the discipline "
        "&#39;engineering&#39; already; give this discipline a title of its own"
    ) in html
    renamed = pack_files(pack_yaml=("title: Software engineering", "title: Data science"))
    html = _refused(app, hr, zipped(renamed))
    assert "&#39;Data science&#39; is the title of the discipline &#39;data-science&#39;" in html
    # its own title again is no clash
    assert upload(hr, zipped(pack_files())).status_code == 302


def test_a_pack_the_active_model_cannot_read_is_refused(app, hr, tmp_path):
    """Without the construct `hands_on_time` (and its six items) the pack is valid, but the
    active model reads that construct as a feature."""
    inline = tmp_path / "questionnaire.yaml"
    inline.write_text((BUNDLED / "questionnaire.yaml").read_text(encoding="utf-8"))
    with_shared_part_inline(inline)  # a pack of its own motivation, one construct short
    text = inline.read_text(encoding="utf-8")
    construct = text.index("- id: hands_on_time")
    construct_end = text.index("- id: interruptions_tolerance")
    text = text[:construct] + text[construct_end:]
    items = text.split("\n  - id: ")
    kept = [item for item in items if "construct: hands_on_time" not in item]
    assert len(items) - len(kept) == 6
    files = pack_files()
    files["questionnaire.yaml"] = "\n  - id: ".join(kept).replace(OLD_TEXT, NEW_TEXT)
    assert "hands_on_time" not in files["questionnaire.yaml"]
    html = _refused(app, hr, zipped(files))
    assert "the active model cannot use this pack" in html
    assert "retrain first" in html


def test_only_hr_sees_the_packs_and_uploads(app, hr, employee):
    someone = employee()
    assert someone.get("/hr/packs").status_code == 403
    assert someone.get("/hr/packs/1").status_code == 403
    token = someone.token("/")
    response = someone.post(
        "/hr/packs/upload",
        data={"csrf_token": token, "file": (io.BytesIO(zipped(pack_files())), "pack.zip")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 403
    assert uploaded_folders(app) == []
    with app.app_context():
        assert db.session.scalars(select(AuditEvent.action)).all().count("pack_upload") == 0


def test_a_new_version_of_a_pack_with_a_kebab_case_id_can_be_uploaded(
    make_app, make_user, signed_in, tmp_path
):
    """A site configured for product-design (a kebab-case id, as FORMAT.md allows) with a
    model of its own takes product-design@3."""
    registry = tmp_path / "design-models"
    # Any model that reads the pack will do. 300 people train in about 4 s even on a busy
    # machine; 2,000 took 5 s on a quiet one and over a minute beside other work.
    build_default_model(RegistryWriter(registry), load_pack("product-design"), 300, 1)
    design = make_app(TRACKFIT_PACK="product-design", TRACKFIT_MODELS=str(registry))
    design.instance_path = str(tmp_path / "design-instance")
    make_user("hr@example.com", "hr", "Hana", app=design)
    client = signed_in("hr@example.com", app=design)
    source = ROOT / "questionnaires" / "product-design"
    files = {name: (source / name).read_text(encoding="utf-8") for name in PACK_FILES}
    files["pack.yaml"] = _swap(files["pack.yaml"], "version: 2\n", "version: 3\n")
    response = upload(client, zipped(files, "product-design"))
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    assert uploaded_folders(design) == ["product-design@3"]
