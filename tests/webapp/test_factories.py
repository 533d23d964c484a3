"""The factories store what the questionnaire stores, so tests that use them check the app on
the data people really leave behind."""

from sqlalchemy import select

from webapp.assessment.models import Assessment
from webapp.extensions import db


def _stored(app, assessment_id: int) -> dict:
    with app.app_context():
        stored = db.session.get(Assessment, assessment_id)
        recommendation = dict(stored.recommendation or {})
        recommendation.pop("employee_id", None)  # named after the assessment's own id
        return {
            "pack": stored.pack,
            "step": stored.step,
            "answers": stored.answers,
            "context": stored.context,
            # The seconds a test client spends on a page round to 0.0, or 0.1 on a busy machine.
            "timed": sorted(stored.timings),
            "recommendation": recommendation,
            "model_version": stored.model_version,
            "track": stored.track,
            "complete": stored.complete,
        }


def test_a_finished_assessment_is_stored_as_the_pages_store_it(
    app, client, ada, people, make_assessment
):
    clicked = int(client.answer_all(people[1]).headers["Location"].rsplit("/", 1)[1])
    made = make_assessment("ada@example.com", people[1])
    assert _stored(app, made) == _stored(app, clicked)


def test_an_assessment_in_progress_is_stored_as_the_pages_store_it(
    app, client, ada, people, make_assessment
):
    client.answer_all(people[2], stop_after=3)
    with app.app_context():
        clicked = db.session.scalar(select(Assessment.id))
    client.logout()
    client.register(email="eve@example.com", name="Eve")
    made = make_assessment("eve@example.com", people[2], pages_done=3)
    assert _stored(app, made) == _stored(app, clicked)
