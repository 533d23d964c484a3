"""Access control as a matrix: every route of the app, for an anonymous visitor, the employee
who owns the assessment, that employee's manager (it is shared with her), another manager and
HR; each request is allowed or denied as intended, including guessed ids of other people's
assessments. A route missing from the matrix fails the test, so new routes must be placed."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests.webapp import factories
from webapp.assessment.models import Assessment
from webapp.database import utcnow
from webapp.extensions import db
from webapp.hr.outcomes.models import OutcomeUpload, TrainingRun
from webapp.manager.models import Decision

PERSONAS = ("anonymous", "owner", "manager", "other_manager", "hr")
EMAILS = {
    "owner": "ada@example.com",
    "manager": "mo@example.com",
    "other_manager": "max@example.com",
    "hr": "hr@example.com",
}
OK, LOGIN, FORBIDDEN, HIDDEN, NO_TOKEN = "ok", "login", "403", "404", "401"


def expect(anonymous, owner, manager, other_manager, hr) -> dict[str, str]:
    return dict(zip(PERSONAS, (anonymous, owner, manager, other_manager, hr), strict=True))


SIGNED_IN = expect(LOGIN, OK, OK, OK, OK)
EVERYONE = expect(OK, OK, OK, OK, OK)
HR_ONLY = expect(LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK)
OWNER_ONLY = expect(LOGIN, OK, HIDDEN, HIDDEN, HIDDEN)
NOBODY_SIGNED_IN = expect(LOGIN, HIDDEN, HIDDEN, HIDDEN, HIDDEN)
MANAGER_ONLY = expect(LOGIN, HIDDEN, OK, HIDDEN, HIDDEN)
# Bob's assessment is shared with Max: the "other manager" opens it, nobody else.
MAX_ONLY = expect(LOGIN, HIDDEN, HIDDEN, OK, HIDDEN)


@dataclass(frozen=True)
class Request:
    """One request of the matrix: method, URL (with {own}, {guessed}, {user}, {run}, {upload}),
    rule."""

    method: str
    url: str
    rule: str
    allowed: dict[str, str]
    data: dict | None = None
    last: int = 0  # 1: changes what later requests see, sent after the others; 2: logs out


# {own}: Ada's finished assessment, shared with Mo; {guessed}: Bob's, shared with Max.
MATRIX = [
    Request("GET", "/", "/", EVERYONE),
    Request("GET", "/account/activate/not-a-token", "/account/activate/<token>", expect(*[HIDDEN] * 5)),
    Request("POST", "/account/activate/not-a-token", "/account/activate/<token>", expect(*[HIDDEN] * 5)),
    Request("GET", "/account/login", "/account/login", EVERYONE),
    Request("POST", "/account/login", "/account/login", EVERYONE),  # no email: asked again
    Request("POST", "/account/logout", "/account/logout", EVERYONE, last=2),
    Request("GET", "/account/password", "/account/password", SIGNED_IN),
    Request("POST", "/account/password", "/account/password", SIGNED_IN),
    Request("GET", "/account/register", "/account/register", EVERYONE),
    Request("POST", "/account/register", "/account/register", EVERYONE),  # nothing filled in
    Request("GET", "/api/v1/openapi.json", "/api/v1/openapi.json", EVERYONE),
    Request("POST", "/api/v1/recommendations", "/api/v1/recommendations", expect(*[NO_TOKEN] * 5)),
    Request("GET", "/assessment/", "/assessment/", SIGNED_IN),
    Request("POST", "/assessment/start", "/assessment/start", SIGNED_IN),
    Request("GET", "/assessment/{own}/1", "/assessment/<int:assessment_id>/<int:number>", OWNER_ONLY),
    Request("POST", "/assessment/{guessed}/1", "/assessment/<int:assessment_id>/<int:number>", NOBODY_SIGNED_IN),
    Request("GET", "/framework/", "/framework/", SIGNED_IN),
    Request("GET", "/framework/L4", "/framework/<level_id>", SIGNED_IN),
    Request("GET", "/framework/L4?compare=M4", "/framework/<level_id>", SIGNED_IN),
    Request("GET", "/framework/no-such-level", "/framework/<level_id>", expect(LOGIN, HIDDEN, HIDDEN, HIDDEN, HIDDEN)),
    Request("GET", "/hr/", "/hr/", HR_ONLY),
    Request("GET", "/hr/audit", "/hr/audit", HR_ONLY),
    Request("GET", "/hr/audit.csv", "/hr/audit.csv", HR_ONLY),
    Request("GET", "/hr/models", "/hr/models", HR_ONLY),
    Request("GET", "/hr/models/v1", "/hr/models/<version>", HR_ONLY),
    Request("GET", "/hr/models/v1/card", "/hr/models/<version>/card", HR_ONLY),
    Request(  # 404 for HR: the bundled v1 was trained from the command line, none are kept
        "GET", "/hr/models/v1/verdict-people.csv", "/hr/models/<version>/verdict-people.csv",
        expect(LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, HIDDEN),
    ),
    Request("POST", "/hr/models/v1/promote", "/hr/models/<version>/promote", HR_ONLY),
    Request(
        "POST", "/hr/models/v1/promote/confirm", "/hr/models/<version>/promote/confirm", HR_ONLY
    ),
    Request("GET", "/hr/models/rollback", "/hr/models/rollback", HR_ONLY),  # 409: none to go back to
    Request("POST", "/hr/models/rollback", "/hr/models/rollback", HR_ONLY),
    Request("GET", "/hr/outcomes", "/hr/outcomes", HR_ONLY),
    Request("POST", "/hr/outcomes", "/hr/outcomes", HR_ONLY),
    Request("GET", "/hr/outcomes/{upload}", "/hr/outcomes/<int:upload_id>", HR_ONLY),
    # confirmed already: HR's confirmation starts no run, it leads to the run there is
    Request(
        "POST",
        "/hr/outcomes/{upload}/train",
        "/hr/outcomes/<int:upload_id>/train",
        HR_ONLY,
        {"rows_digest": "0" * 64},
    ),
    Request("GET", "/hr/outcomes/person?employee_id=E1", "/hr/outcomes/person", HR_ONLY),
    Request("POST", "/hr/outcomes/person/remove", "/hr/outcomes/person/remove", HR_ONLY),
    Request("GET", "/hr/packs", "/hr/packs", HR_ONLY),
    Request("GET", "/hr/packs/1", "/hr/packs/<int:version>", HR_ONLY),
    Request("POST", "/hr/packs/upload", "/hr/packs/upload", HR_ONLY),
    Request("GET", "/hr/packs/import", "/hr/packs/import", HR_ONLY),
    Request("POST", "/hr/packs/import", "/hr/packs/import", HR_ONLY),  # no file: asked again
    Request("GET", "/hr/packs/import/template.xlsx", "/hr/packs/import/template.<any(xlsx, csv):kind>", HR_ONLY),
    Request("GET", "/hr/packs/import/template.csv", "/hr/packs/import/template.<any(xlsx, csv):kind>", HR_ONLY),
    Request("GET", "/hr/people", "/hr/people", HR_ONLY),
    Request("GET", "/hr/people/{user}", "/hr/people/<int:user_id>", HR_ONLY),
    Request("POST", "/hr/people/{user}", "/hr/people/<int:user_id>", HR_ONLY),
    Request("POST", "/hr/people/{user}/discipline", "/hr/people/<int:user_id>/discipline", HR_ONLY),
    Request("POST", "/hr/people/{user}/invitation", "/hr/people/<int:user_id>/invitation", HR_ONLY),
    Request("POST", "/hr/people/import", "/hr/people/import", HR_ONLY),
    Request("GET", "/hr/people/org-chart-template.csv", "/hr/people/org-chart-template.csv", HR_ONLY),
    Request("GET", "/hr/quality", "/hr/quality", HR_ONLY),
    Request("GET", "/hr/training/{run}", "/hr/training/<int:run_id>", HR_ONLY),
    Request("POST", "/hr/training/{run}/again", "/hr/training/<int:run_id>/again", HR_ONLY),
    # read by scripts: signed out, a 401 in JSON rather than the log-in page
    Request("GET", "/hr/training/{run}.json", "/hr/training/<int:run_id>.json",
            HR_ONLY | {"anonymous": NO_TOKEN}),
    Request("POST", "/results/{own}/revoke", "/results/<int:assessment_id>/revoke", OWNER_ONLY, last=1),
    Request("GET", "/my-data/", "/my-data/", SIGNED_IN),
    Request("GET", "/my-data/account/delete", "/my-data/account/delete", SIGNED_IN),
    Request("POST", "/my-data/account/delete", "/my-data/account/delete", SIGNED_IN),  # no password
    Request("GET", "/my-data/assessments/{own}/delete", "/my-data/assessments/<int:assessment_id>/delete", OWNER_ONLY),
    Request("GET", "/my-data/assessments/{guessed}/delete", "/my-data/assessments/<int:assessment_id>/delete", NOBODY_SIGNED_IN),
    Request("POST", "/my-data/assessments/{guessed}/delete", "/my-data/assessments/<int:assessment_id>/delete", NOBODY_SIGNED_IN),
    Request("POST", "/my-data/assessments/{own}/delete", "/my-data/assessments/<int:assessment_id>/delete", OWNER_ONLY, last=1),
    Request("GET", "/my-data/assessments/delete", "/my-data/assessments/delete", SIGNED_IN),
    Request("POST", "/my-data/assessments/delete", "/my-data/assessments/delete", SIGNED_IN, last=1),
    Request("GET", "/my-data/export.csv", "/my-data/export.csv", SIGNED_IN),
    Request("GET", "/my-data/export.json", "/my-data/export.json", SIGNED_IN),
    Request("GET", "/results/{own}", "/results/<int:assessment_id>", OWNER_ONLY),
    Request("GET", "/results/{guessed}", "/results/<int:assessment_id>", NOBODY_SIGNED_IN),
    Request("GET", "/results/999999", "/results/<int:assessment_id>", NOBODY_SIGNED_IN),
    Request("GET", "/team/assessments/999999", "/team/assessments/<int:assessment_id>", NOBODY_SIGNED_IN),
    Request("POST", "/results/{own}/agree", "/results/<int:assessment_id>/agree", OWNER_ONLY),
    Request("POST", "/results/{guessed}/agree", "/results/<int:assessment_id>/agree", NOBODY_SIGNED_IN),
    Request("POST", "/results/{own}/share", "/results/<int:assessment_id>/share", OWNER_ONLY),
    Request("POST", "/results/{guessed}/share", "/results/<int:assessment_id>/share", NOBODY_SIGNED_IN),
    Request("POST", "/results/{guessed}/revoke", "/results/<int:assessment_id>/revoke", NOBODY_SIGNED_IN),
    Request("GET", "/results/history", "/results/history", SIGNED_IN),
    Request("GET", "/static/trackfit.css", "/static/<path:filename>", EVERYONE),
    Request("GET", "/team/", "/team/", SIGNED_IN),
    Request("GET", "/team/assessments/{own}", "/team/assessments/<int:assessment_id>", MANAGER_ONLY),
    Request("GET", "/team/assessments/{guessed}", "/team/assessments/<int:assessment_id>", MAX_ONLY),
    Request("GET", "/team/assessments/{own}/print", "/team/assessments/<int:assessment_id>/print", MANAGER_ONLY),
    Request("POST", "/team/assessments/{own}/decision", "/team/assessments/<int:assessment_id>/decision", MANAGER_ONLY),
    Request("POST", "/team/assessments/{guessed}/decision", "/team/assessments/<int:assessment_id>/decision", MAX_ONLY),
    Request("POST", "/team/assessments/{own}/notes", "/team/assessments/<int:assessment_id>/notes", MANAGER_ONLY),
    Request("POST", "/team/assessments/{guessed}/notes", "/team/assessments/<int:assessment_id>/notes", MAX_ONLY),
    Request("POST", "/team/assessments/{own}/ratings", "/team/assessments/<int:assessment_id>/ratings", MANAGER_ONLY),
    Request("POST", "/team/assessments/{guessed}/ratings", "/team/assessments/<int:assessment_id>/ratings", MAX_ONLY),
]  # fmt: skip


def test_every_route_of_the_app_is_in_the_matrix(app):
    routes = {
        (m, r.rule) for r in app.url_map.iter_rules() for m in r.methods - {"HEAD", "OPTIONS"}
    }
    covered = {(request.method, request.rule) for request in MATRIX}
    assert routes - covered == set(), "add these routes to the access matrix"
    assert covered - routes == set(), "the matrix names routes the app does not have"


def build_world(app, people: list[dict]) -> dict[str, int]:
    """On the team's app: Ada's finished assessment shared with Mo (with a decision); Bob's
    shared with Max; a training run for HR to look at. The ids the matrix's URLs name."""
    ids = {}
    for person, key in (("ada@example.com", "own"), ("bob@example.com", "guessed")):
        ids[key] = factories.assessment(app, person, people[0])
        factories.share(app, ids[key])
    with app.app_context():
        own = db.session.get(Assessment, ids["own"])
        db.session.add(
            Decision(
                assessment_id=own.id,
                track=own.track,
                target_level="L3",
                recommended_track=own.track,
                recommended_target="L3",
                overrides=False,
            )
        )
        upload = OutcomeUpload(
            filename="x.csv",
            kind="short",
            pack=own.pack,
            rows=0,
            sha256="0" * 64,
            confirmed_at=utcnow(),
        )
        db.session.add(upload)
        db.session.flush()
        run = TrainingRun(upload_id=upload.id)
        db.session.add(run)
        db.session.commit()
        ids["run"], ids["user"], ids["upload"] = run.id, own.user_id, upload.id
    return ids


@pytest.fixture
def world(team, people):
    """The matrix's world (`build_world`) on the team's app."""
    return build_world(team, people)


def outcome(response) -> str:
    """What a response amounts to, in the matrix's terms."""
    status = response.status_code
    if status == 302 and "/account/login" in response.headers.get("Location", ""):
        return LOGIN
    if status in (401, 403, 404) or status >= 500:
        return str(status)
    return OK


@pytest.mark.parametrize("persona", PERSONAS)
def test_each_route_allows_or_denies_as_intended(team, world, persona, form_client, signed_in):
    if persona == "anonymous":
        client = form_client()
        token_page = "/account/login"
    else:
        client = signed_in(EMAILS[persona])
        token_page = "/my-data/"
    token = client.token(token_page)
    wrong = []
    for request in sorted(MATRIX, key=lambda r: r.last):
        url = request.url.format(**world)
        if request.method == "GET":
            response = client.get(url)
        else:
            response = client.post(url, data={"csrf_token": token, **(request.data or {})})
        got, wanted = outcome(response), request.allowed[persona]
        response.close()
        if got != wanted:
            wrong.append(f"{request.method} {url}: {got}, expected {wanted}")
    assert wrong == []
