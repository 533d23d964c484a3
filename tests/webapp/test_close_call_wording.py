"""A close call is the close-call rule's decision everywhere the confidence is put in words:
the result page, its history, the manager's 1:1 view and its print. The headline never says
"fairly clear" beside the rule's note that both tracks could fit, nor "close call" without it."""

from __future__ import annotations

import copy

import pytest

from webapp.assessment.models import Assessment
from webapp.extensions import db

FAIRLY_CLEAR = "fairly clear"
CLOSE_CALL = "close call"
BOTH_COULD_FIT = "Neither track is clearly the better fit: the difference"


def _close_call_rule(app):
    with app.app_context():
        from webapp import answering  # noqa: PLC0415

        rules = answering.current_pack().rules.rules
    return next(rule for rule in rules if rule.then.add_flag == answering.CLOSE_CALL_FLAG)


def _store(app, assessment_id, p_ic, p_manager, *, close_call, interval=True):
    """Ada's kept result rewritten as the model would have left it: the IC track ahead by
    p_ic - p_manager, with or without the close-call rule having fired."""
    rule = _close_call_rule(app)
    with app.app_context():
        stored = db.session.get(Assessment, assessment_id)
        recommendation = copy.deepcopy(stored.recommendation)
        recommendation["track"] = "ic"
        recommendation["p_success"] = {"ic": p_ic, "manager": p_manager}
        recommendation["confidence"] = round(0.5 + (p_ic - p_manager) / 2, 4)
        rules = [r for r in recommendation["explanation"]["rules"] if r["id"] != rule.id]
        flags = [f for f in recommendation["flags"] if f["id"] != rule.then.add_flag]
        if close_call:
            rules.append({"id": rule.id, "message": rule.message})
            flags.append({"id": rule.then.add_flag, "message": rule.message})
        recommendation["explanation"]["rules"], recommendation["flags"] = rules, flags
        if interval:
            recommendation["p_success_interval"] = {
                "ic": [p_ic - 0.3, min(p_ic + 0.08, 1)],
                "manager": [max(p_manager - 0.1, 0), p_manager + 0.3],
            }
        else:  # stored before the model gave ranges
            recommendation["p_success_interval"] = recommendation["interval_level"] = None
        stored.recommendation = recommendation
        db.session.commit()


@pytest.fixture
def pages(team, people, make_assessment, share, signed_in):
    """Ada's result shared with Mo: `pages()` -> {name: html} for every page that words how
    sure the advice is (read after `_store` has rewritten it)."""
    ada = signed_in("ada@example.com")
    assessment_id = make_assessment("ada@example.com", people[0])
    share(assessment_id)
    mo = signed_in("mo@example.com")

    def read():
        def main(client, url):
            html = client.get(url).get_data(as_text=True)
            return html.split("<main", 1)[1].split("</main>")[0]

        return {
            "result": main(ada, f"/results/{assessment_id}"),
            "history": main(ada, "/results/history"),
            "1:1": main(mo, f"/team/assessments/{assessment_id}"),
            "print": main(mo, f"/team/assessments/{assessment_id}/print"),
        }

    read.assessment_id = assessment_id
    return read


@pytest.mark.parametrize("interval", [True, False], ids=["with ranges", "stored before ranges"])
def test_a_close_call_at_74_percent_is_never_called_fairly_clear(app, pages, interval):
    _store(app, pages.assessment_id, 0.90, 0.42, close_call=True, interval=interval)
    seen = pages()
    assert "How sure: <strong>74%</strong>" in seen["result"]
    assert BOTH_COULD_FIT in seen["result"]  # the rule's note
    for name, html in seen.items():
        assert FAIRLY_CLEAR not in html and "a clear fit" not in html, name
        assert "a close call: neither track is clearly the better fit for" in html, name
    assert (
        "track looks like a close call: neither track is clearly the better fit for you"
        in seen["result"]
    )
    assert (
        "within what the model is unsure of: neither track is clearly the better fit for you"
        in seen["result"]
    )
    assert "the better fit for them" in seen["1:1"] and "the better fit for them" in seen["print"]


@pytest.mark.parametrize("interval", [True, False], ids=["with ranges", "stored before ranges"])
def test_55_percent_without_the_close_call_rule_is_never_called_a_close_call(app, pages, interval):
    _store(app, pages.assessment_id, 0.60, 0.50, close_call=False, interval=interval)
    seen = pages()
    assert "How sure: <strong>55%</strong>" in seen["result"]
    for name, html in seen.items():
        assert CLOSE_CALL not in html.lower() and "choice is close" not in html, name
        assert BOTH_COULD_FIT not in html and "neither track is clearly" not in html, name
        assert "the better fit, though not clearly so" in html, name
    assert "the difference between your chances is small" in seen["result"]


def test_a_clear_lead_without_the_rule_is_still_a_clear_fit(app, pages):
    _store(app, pages.assessment_id, 0.90, 0.30, close_call=False)
    seen = pages()
    for name, html in seen.items():
        assert "a clear fit" in html and CLOSE_CALL not in html.lower(), name


def test_a_close_call_a_rule_settled_is_called_a_close_call_on_every_page(app, pages):
    """The model leaning a little to the other track (how sure 47%), a rule choosing this one
    and the close-call rule firing: every page calls it a close call, as the rule's note
    does, and the result says a rule chose too (an outside check found the headline saying
    only "chosen by a rule", beside the note that neither track is clearly the better fit)."""
    _store(app, pages.assessment_id, 0.44, 0.50, close_call=True)
    seen = pages()
    assert "How sure: <strong>47%</strong>" in seen["result"] and BOTH_COULD_FIT in seen["result"]
    for name, html in seen.items():
        assert "a close call: neither track is clearly the better fit for" in html, name
        assert "chosen by a rule" not in html, name
    assert "track looks like a close call" in seen["result"]
    assert "a rule chose this one" in seen["result"]


def test_a_track_a_rule_chose_reads_as_a_sentence(app, pages):
    """Without a close call, the headline says a rule chose it in a sentence ("looks like
    chosen by a rule" it read), and the other pages say so beside the figure."""
    _store(app, pages.assessment_id, 0.30, 0.70, close_call=False)
    seen = pages()
    assert (
        "track was chosen by a rule: the model on its own leans to the other track."
        in seen["result"]
    )
    assert (
        "(chosen by a rule: the model on its own leans to the other track, 30%)" in seen["history"]
    )
    for name, html in seen.items():
        assert CLOSE_CALL not in html.lower(), name
