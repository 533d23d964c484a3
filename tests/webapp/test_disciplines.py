"""People belong to a discipline: the org chart names it, HR moves people between them, and a
person's assessment, result, ladders, 1:1 and API answer use their discipline's pack and model,
while what was made before a move keeps the pack and model it was made with."""

from __future__ import annotations

import csv
import html
import io
import json
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from recommender.pack.loading import load_pack
from tests.webapp.factories import PACKS, assessment, sample_people
from webapp.accounts.models import User
from webapp.api.tokens import create_token
from webapp.assessment.models import Assessment
from webapp.audit.models import AuditEvent
from webapp.extensions import db

DESIGN = "product-design"
ENGINEERING_REF, DESIGN_REF = load_pack("engineering").ref, load_pack(DESIGN).ref
# Every bundled discipline: the default (engineering) first, then the others by title.
EVERY = ["engineering"] + [
    pack.id
    for pack in sorted(
        (load_pack(folder) for folder in PACKS.iterdir() if (folder / "pack.yaml").is_file()),
        key=lambda pack: pack.title,
    )
    if pack.id != "engineering"
]
LISTED = ", ".join(EVERY)
HEADER = "email,name,manager_email,role,discipline\n"
TWO_DISCIPLINES = (
    HEADER + "mo@example.com,Mo,,manager,\n"
    "ada@example.com,Ada,mo@example.com,employee,engineering\n"
    "dee@example.com,Dee,mo@example.com,employee,product-design\n"
)


@pytest.fixture
def hr(make_user, signed_in):
    """A client signed in as Hana from HR."""
    make_user("hr@example.com", "hr", "Hana")
    return signed_in("hr@example.com")


@pytest.fixture
def mixed_team(make_user):
    """Mo manages Ada (engineering, the default) and Dee (product design)."""
    make_user("mo@example.com", "manager", "Mo")
    make_user("ada@example.com", "employee", "Ada", "mo@example.com")
    make_user("dee@example.com", "employee", "Dee", "mo@example.com", DESIGN)


def upload(client, body: str, filename: str = "org.csv"):
    """POST a file to the org chart import with the people page's CSRF token."""
    return client.post(
        "/hr/people/import",
        data={
            "csrf_token": client.token("/hr/people"),
            "file": (io.BytesIO(body.encode()), filename),
        },
        content_type="multipart/form-data",
    )


def text_of(response) -> str:
    """A page's words: its text without tags, spaces run together."""
    text = re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))
    return re.sub(r"\s+", " ", html.unescape(text)).replace(" ,", ",").replace(" .", ".")


def without_tokens(response) -> str:
    """A page's text with its forms' CSRF tokens (signed afresh each time) left out."""
    return re.sub(r'name="csrf_token" value="[^"]*"', "", response.get_data(as_text=True))


def disciplines(app) -> dict[str, str | None]:
    """Everyone's stored discipline, by email."""
    with app.app_context():
        return {user.email: user.discipline for user in db.session.scalars(select(User))}


def stored(app, assessment_id: int) -> tuple[str, str, dict]:
    """An assessment's pack ref, model version and recommendation, as kept."""
    with app.app_context():
        found = db.session.get(Assessment, assessment_id)
        return found.pack, found.model_version, found.recommendation


def changes_recorded(app) -> list[str]:
    """Whom the recorded discipline changes were about, oldest first."""
    with app.app_context():
        return list(
            db.session.scalars(
                select(AuditEvent.subject)
                .where(AuditEvent.action == "discipline_changed")
                .order_by(AuditEvent.id)
            )
        )


def user_id(app, email: str) -> int:
    with app.app_context():
        return User.by_email(email).id


def move(client, person: int, discipline: str, confirmed: bool = True):
    """Ask to move a person, and (by default) confirm it as the confirmation page does."""
    page = f"/hr/people/{person}"
    data = {"discipline": discipline, **({"confirmed": "yes"} if confirmed else {})}
    return client.submit(page, data, action_url=f"{page}/discipline")


# The org chart


def test_an_org_chart_puts_people_in_two_disciplines(app, hr):
    response = upload(hr, TWO_DISCIPLINES)
    assert response.status_code == 302
    assert disciplines(app) == {
        "hr@example.com": None,
        "mo@example.com": None,  # empty: the default discipline
        "ada@example.com": "engineering",
        "dee@example.com": DESIGN,
    }
    page = text_of(hr.get("/hr/people"))
    assert "Product design" in page and "Software engineering" in page


def test_every_unknown_discipline_is_named_by_row_and_column_and_nothing_changes(app, hr):
    body = (
        HEADER + "ada@example.com,Ada,,employee,design\n"
        "dee@example.com,Dee,,employee,Product design\n"
        "eve@example.com,Eve,,boss,marketing\n"
        "gus@example.com,Gus,,employee,PRODUCT-DESIGN\n"
    )
    response = upload(hr, body)
    assert response.status_code == 422
    page = text_of(response)
    assert "org.csv:2: discipline: 'design' is not a discipline here" in page
    # a title is not an id, but it is recognised and the id suggested
    assert "org.csv:3: discipline: 'Product design' is not a discipline here; did you mean " in (
        page
    )
    assert "'product-design'?" in page
    assert "org.csv:4: role: 'boss' is not one of employee, manager, hr" in page
    assert "org.csv:4: discipline: 'marketing' is not a discipline here" in page
    assert f"the disciplines are {LISTED} (empty: engineering, the default)" in page
    assert "org.csv:5" not in page  # an id is read whatever its case
    assert set(disciplines(app)) == {"hr@example.com"}


def test_the_template_names_every_column_and_imports_as_it_is(app, hr):
    template = hr.get("/hr/people/org-chart-template.csv")
    assert template.status_code == 200
    assert template.headers["Content-Disposition"].endswith('filename="org-chart-template.csv"')
    body = template.get_data(as_text=True)
    assert body.splitlines()[0] == "email,name,manager_email,role,employee_id,discipline"
    rows = list(csv.DictReader(io.StringIO(body)))
    assert [row["discipline"] for row in rows] == ["", *EVERY]
    assert upload(hr, body).status_code == 302
    designer = next(row["email"] for row in rows if row["discipline"] == DESIGN)
    assert disciplines(app)[designer] == DESIGN


def test_without_the_column_everyone_keeps_their_discipline(app, hr, mixed_team):
    response = upload(hr, "email,name,manager_email,role\ndee@example.com,Dee,,employee\n")
    assert response.status_code == 302
    assert disciplines(app)["dee@example.com"] == DESIGN


def test_an_org_chart_moving_people_says_how_many_and_records_it(app, hr, mixed_team):
    body = HEADER + "dee@example.com,Dee,mo@example.com,employee,\n"
    response = upload(hr, body)
    assert response.status_code == 302
    assert disciplines(app)["dee@example.com"] is None
    page = text_of(hr.get("/hr/people"))
    assert "1 person moved to another discipline" in page
    assert "1 person moved to another discipline" in text_of(hr.get("/hr/audit"))


# HR moves a person


def test_hr_moves_a_person_after_reading_what_it_means(app, hr, mixed_team, make_assessment):
    ada = user_id(app, "ada@example.com")
    make_assessment("ada@example.com", sample_people()[0])
    page = text_of(hr.get(f"/hr/people/{ada}"))
    assert "Ada is in Software engineering" in page

    asked = move(hr, ada, DESIGN, confirmed=False)
    assert asked.status_code == 200
    told = text_of(asked)
    assert "Move Ada to Product design?" in told
    assert "1 finished result keeps the pack and model version it was made with" in told
    assert disciplines(app)["ada@example.com"] is None  # nothing changes before the yes

    done = move(hr, ada, DESIGN)
    assert done.status_code == 302
    assert disciplines(app)["ada@example.com"] == DESIGN
    assert changes_recorded(app) == ["ada@example.com"]
    log = text_of(hr.get("/hr/audit?action=discipline_changed"))
    assert "moved a person to another discipline" in log
    assert "discipline: engineering → product-design" in log


def test_the_confirmation_says_an_unfinished_assessment_keeps_its_pack(app, hr, mixed_team):
    assessment(app, "ada@example.com", sample_people()[0], pages_done=2)
    told = text_of(move(hr, user_id(app, "ada@example.com"), DESIGN, confirmed=False))
    assert "The assessment Ada has started and not finished stays in Software engineering" in told
    move(hr, user_id(app, "ada@example.com"), DESIGN)
    log = text_of(hr.get("/hr/audit?action=discipline_changed"))
    assert f"an unfinished assessment keeps: {ENGINEERING_REF}" in log


def test_moving_to_an_unknown_discipline_is_refused_next_to_the_field(app, hr, mixed_team):
    response = move(hr, user_id(app, "ada@example.com"), "marketing")
    assert response.status_code == 422
    page = text_of(response)
    assert "Ada was not moved" in page
    assert f"'marketing' is not a discipline here; choose one of {LISTED}." in page
    assert disciplines(app)["ada@example.com"] is None
    assert changes_recorded(app) == []


def test_a_move_without_the_form_token_changes_nothing(app, hr, mixed_team):
    ada = user_id(app, "ada@example.com")
    response = hr.post(
        f"/hr/people/{ada}/discipline", data={"discipline": DESIGN, "confirmed": "yes"}
    )
    assert response.status_code == 400
    assert disciplines(app)["ada@example.com"] is None


def test_only_hr_moves_people(app, mixed_team, signed_in):
    mo = signed_in("mo@example.com")
    response = mo.post(
        f"/hr/people/{user_id(app, 'dee@example.com')}/discipline",
        data={"csrf_token": mo.token("/"), "discipline": "engineering", "confirmed": "yes"},
    )
    assert response.status_code == 403
    assert disciplines(app)["dee@example.com"] == DESIGN


# Each person's assessment, in their own pack


def test_an_engineer_and_a_designer_each_answer_their_own_pack(app, mixed_team, signed_in):
    ada, dee = signed_in("ada@example.com"), signed_in("dee@example.com")
    assert "<h1>Software engineering</h1>" in ada.get("/assessment/").get_data(as_text=True)
    assert "<h1>Product design</h1>" in dee.get("/assessment/").get_data(as_text=True)

    ada.answer_all(sample_people()[0])
    dee.answer_all(sample_people(DESIGN)[0])
    with app.app_context():
        done = {
            db.session.get(User, a.user_id).email: (a.pack, a.recommendation)
            for a in db.session.scalars(select(Assessment))
        }
    ada_pack, ada_advice = done["ada@example.com"]
    dee_pack, dee_advice = done["dee@example.com"]
    assert (ada_pack, ada_advice["pack"]) == (ENGINEERING_REF, ENGINEERING_REF)
    assert (dee_pack, dee_advice["pack"]) == (DESIGN_REF, DESIGN_REF)
    # each pack's own active model answered
    assert ada_advice["model_version"] != dee_advice["model_version"]
    assert set(dee_advice["levels"]["ic"]) >= {"target"}
    assert dee_advice["levels"]["ic"]["target"].startswith("D")

    with app.app_context():
        dee_result = db.session.scalar(
            select(Assessment.id).where(Assessment.user_id == User.by_email("dee@example.com").id)
        )
    page = text_of(dee.get(f"/results/{dee_result}"))
    assert "on the Product design ladders" in page
    assert "Visual and interaction craft" in page and "System design" not in page


def test_without_a_model_for_their_discipline_a_person_is_told_and_keeps_their_answers(
    app, mixed_team, signed_in
):
    (Path(app.config["TRACKFIT_MODELS"]) / "active" / DESIGN).unlink(missing_ok=True)
    dee = signed_in("dee@example.com")
    assert "The advice for Product design is not available yet" in text_of(dee.get("/assessment/"))
    assert "not available yet" not in text_of(signed_in("ada@example.com").get("/assessment/"))
    with pytest.raises(AssertionError):  # the last page does not lead to a result
        dee.answer_all(sample_people(DESIGN)[0])
    with app.app_context():
        kept = db.session.scalar(select(Assessment))
        kept_id, last, answered = kept.id, kept.step + 1, len(kept.answers)
        assert kept.completed_at is None and kept.pack == DESIGN_REF
    person = sample_people(DESIGN)[0]
    values = {key: str(value) for key, value in {**person["answers"], **person["context"]}.items()}
    again = dee.submit(f"/assessment/{kept_id}/{last}", values | {"action": "next"})
    assert again.status_code == 503
    assert "Your answers are saved" in text_of(again)
    assert "the model for Product design is not ready" in text_of(again)
    assert answered == len(person["answers"])


def test_home_and_the_framework_say_which_ladder_a_person_is_on(app, mixed_team, signed_in):
    dee = signed_in("dee@example.com")
    assert "You are on the Product design ladders" in text_of(dee.get("/"))
    framework = text_of(dee.get("/framework/"))
    assert "These are the ladders of your discipline, Product design" in framework
    assert "Head of Design" in framework and "Staff Engineer" not in framework
    other = text_of(dee.get("/framework/?discipline=engineering"))
    assert "These are the Software engineering ladders. Yours are the" in other
    assert "Staff Engineer" in other
    level = dee.get("/framework/L4?discipline=engineering")
    assert level.status_code == 200
    assert dee.get("/framework/D4").status_code == 200  # their own ladders by default
    assert dee.get("/framework/L4").status_code == 404  # not a level of their discipline


def test_an_unknown_discipline_on_the_framework_is_a_404_naming_the_ones_there_are(
    app, mixed_team, signed_in
):
    response = signed_in("ada@example.com").get("/framework/?discipline=../../etc")
    assert response.status_code == 404
    assert "There is no discipline '../../etc' here; the disciplines are engineering, " in (
        text_of(response)
    )


# A move keeps what was made before it


def test_results_and_an_unfinished_assessment_keep_their_pack_after_a_move(
    app, hr, mixed_team, signed_in, make_assessment
):
    finished = make_assessment("ada@example.com", sample_people()[1])
    ada = signed_in("ada@example.com")
    before_page = without_tokens(ada.get(f"/results/{finished}"))
    before = stored(app, finished)

    move(hr, user_id(app, "ada@example.com"), DESIGN)
    assert stored(app, finished) == before
    after_page = without_tokens(ada.get(f"/results/{finished}"))
    assert after_page == before_page
    assert "on the Software engineering ladders" in after_page

    # an assessment started before the move is finished in its own pack, with its own model
    with app.app_context():
        User.by_email("ada@example.com").discipline = None
        db.session.commit()
    unfinished = assessment(app, "ada@example.com", sample_people()[2], pages_done=1)
    move(hr, user_id(app, "ada@example.com"), DESIGN)
    start = text_of(ada.get("/assessment/"))
    assert "You started this assessment on the Software engineering ladders" in start
    home = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", text_of(ada.get("/"))))
    assert (
        "It was started on the Software engineering ladders, before you moved to Product "
        "design, and keeps their questions" in home
    )
    ada.answer_all(sample_people()[2])  # resumes it: the engineering items are asked
    pack, model, _ = stored(app, unfinished)
    assert (pack, model) == (ENGINEERING_REF, before[1])

    # the next one is a product design assessment, not compared with the engineering one
    ada.answer_all(sample_people(DESIGN)[1])
    with app.app_context():
        newest = db.session.scalar(select(Assessment).order_by(Assessment.id.desc()).limit(1))
        newest_id, newest_pack = newest.id, newest.pack
    assert newest_pack == DESIGN_REF
    result = text_of(ada.get(f"/results/{newest_id}"))
    assert "was on the Software engineering ladders, so the two are not compared" in result
    history = text_of(ada.get("/results/history"))
    assert "the one before was on the Software engineering ladders, so the two are not" in history


# The manager of reports in two disciplines


def test_a_manager_sees_each_report_in_their_own_discipline(
    app, mixed_team, signed_in, make_assessment, share
):
    ada_result = make_assessment("ada@example.com", sample_people()[0])
    dee_result = make_assessment("dee@example.com", sample_people(DESIGN)[0])
    share(ada_result)
    share(dee_result)
    mo = signed_in("mo@example.com")
    team = text_of(mo.get("/team/"))
    assert "Discipline: Software engineering" in team
    assert "Discipline: Product design" in team

    ada_view = text_of(mo.get(f"/team/assessments/{ada_result}"))
    dee_view = text_of(mo.get(f"/team/assessments/{dee_result}"))
    assert "on the Software engineering ladders" in ada_view
    assert "System design" in ada_view and "Visual and interaction craft" not in ada_view
    assert "on the Product design ladders" in dee_view
    assert "Visual and interaction craft" in dee_view and "System design" not in dee_view
    printed = text_of(mo.get(f"/team/assessments/{dee_result}/print"))
    assert "on the Product design ladders" in printed and "User research" in printed

    # the manager rates Dee on product design's own competencies
    rated = mo.submit(
        f"/team/assessments/{dee_result}",
        {"rate_craft_quality": "3", "rate_user_research": "2"},
        action_url=f"/team/assessments/{dee_result}/ratings",
    )
    assert rated.status_code == 302
    compare = text_of(mo.get(f"/team/assessments/{dee_result}"))
    assert compare.count("not rated yet") == 4  # six competencies, two rated

    # the decision offers Dee's ladder's levels
    decided = mo.submit(
        f"/team/assessments/{dee_result}",
        {"track": "ic", "target_level": "L4", "reason": "x"},
        action_url=f"/team/assessments/{dee_result}/decision",
    )
    assert decided.status_code == 422


def test_a_designers_manager_track_is_named_as_product_design_names_it_on_every_page(
    app, mixed_team, signed_in, make_assessment, share
):
    """Product design calls its manager track "Design manager". The 1:1 page and its print
    said so, while the team page, both home pages and Dee's result said "people manager" (the
    engineering title, written into the pages) of the same advice and decision."""
    dee_result = make_assessment("dee@example.com", sample_people(DESIGN)[1])
    with app.app_context():
        assert db.session.get(Assessment, dee_result).track == "manager"
    share(dee_result)
    mo = signed_in("mo@example.com")
    page = f"/team/assessments/{dee_result}"
    decided = mo.submit(page, {"track": "manager", "target_level": "DM3"}, f"{page}/decision")
    assert decided.status_code == 302
    dee = signed_in("dee@example.com")
    pages = {
        "1:1": text_of(mo.get(page)),
        "team": text_of(mo.get("/team/")),
        "manager's home": text_of(mo.get("/")),
        "result": text_of(dee.get(f"/results/{dee_result}")),
        "employee's home": text_of(dee.get("/")),
    }
    for name, text in pages.items():
        assert "design manager" in text.lower(), name
        assert "people manager" not in text.lower(), name


@pytest.mark.usefixtures("mixed_team")
def test_hrs_table_of_overridden_advice_names_each_disciplines_track_as_it_does(
    hr, signed_in, make_assessment, share
):
    """The overview's "how often the advice is overridden" read "People manager" beside
    Product design, whose manager track is "Design manager"."""
    dee_result = make_assessment("dee@example.com", sample_people(DESIGN)[1])
    share(dee_result)
    mo = signed_in("mo@example.com")
    page = f"/team/assessments/{dee_result}"
    mo.submit(page, {"track": "manager", "target_level": "DM3"}, f"{page}/decision")
    overview = text_of(hr.get("/hr/"))
    assert re.search(r"Product design Design manager 1 fewer than \d+ decisions", overview)


# The JSON API


@pytest.fixture
def token(app, make_user):
    """A live API token owned by Hana from HR (in the default discipline)."""
    make_user("hana@example.com", "hr", "Hana")
    with app.app_context():
        return create_token("HRIS sync", "hana@example.com")[1]


def recommend(app, token, body, query=""):
    return app.test_client().post(
        f"/api/v1/recommendations{query}",
        data=json.dumps(body),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )


def test_the_api_recommends_in_the_token_owners_discipline_or_the_one_asked(app, token):
    engineer, designer = sample_people()[0], sample_people(DESIGN)[0]
    assert recommend(app, token, engineer).get_json()["pack"] == ENGINEERING_REF
    refused = recommend(app, token, designer)
    assert refused.status_code == 400  # design items are not the owner's pack's
    assert f"is not an item of pack {ENGINEERING_REF}" in refused.get_json()["error"]
    answered = recommend(app, token, designer, "?pack=product-design")
    assert answered.status_code == 200
    assert answered.get_json()["pack"] == DESIGN_REF

    with app.app_context():
        User.by_email("hana@example.com").discipline = DESIGN
        db.session.commit()
    assert recommend(app, token, designer).get_json()["pack"] == DESIGN_REF


def test_the_api_answers_404_for_an_unknown_pack(app, token):
    response = recommend(app, token, sample_people()[0], "?pack=marketing")
    assert response.status_code == 404
    assert "There is no discipline 'marketing' here" in response.get_json()["error"]
    document = app.test_client().get("/api/v1/openapi.json?pack=marketing")
    assert document.status_code == 404


def test_the_openapi_document_describes_the_pack_asked_for(app):
    client = app.test_client()
    default = client.get("/api/v1/openapi.json").get_json()
    design = client.get("/api/v1/openapi.json?pack=product-design").get_json()
    answers = design["components"]["schemas"]["Answers"]["properties"]["answers"]["properties"]
    assert "rate_craft_quality" in answers
    default_answers = default["components"]["schemas"]["Answers"]["properties"]["answers"]
    assert "rate_craft_quality" not in default_answers["properties"]
    (parameter,) = design["paths"]["/recommendations"]["post"]["parameters"]
    assert parameter["name"] == "pack"
    assert parameter["schema"]["enum"] == EVERY


# Everyone else keeps working


def test_your_data_export_names_the_discipline(app, mixed_team, signed_in):
    exported = signed_in("dee@example.com").get("/my-data/export.json").get_json()
    assert exported["account"]["discipline"] == DESIGN
