"""Assessment pages: start or resume, one page per section with back and next, then finish."""

from __future__ import annotations

import time
from typing import Any

from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError

from webapp import answering
from webapp.answering import AnswersInvalid, ModelRefused
from webapp.assessment import about_you, bp
from webapp.assessment.forms import Page, checked_values, missing_answers, pages, valid_values
from webapp.assessment.models import Assessment
from webapp.database import utcnow
from webapp.extensions import db
from webapp.results.wording import minute

# Time on a page counts toward the "answered too fast" check; a page left open over lunch
# should not count as careful reading, so one visit counts for at most this long.
MAX_SECONDS_PER_VISIT = 20 * 60


@bp.route("/")
@login_required
def index():
    """Start a new assessment in the person's discipline, or resume the one in progress (in
    the pack it was started in, even if they have moved since)."""
    in_progress = Assessment.in_progress(current_user.id)
    pack = answering.pack_of(in_progress.pack) if in_progress else answering.pack_for(current_user)
    return render_template(
        "assessment/start.html",
        pack=pack,
        discipline=answering.pack_for(current_user),
        pages=pages(pack),
        advice_ready=answering.can_answer(pack),
        in_progress=in_progress,
        done=len(Assessment.completed(current_user.id)),
    )


@bp.route("/start", methods=["POST"])
@login_required
def start():
    """Begin a new assessment (or go back to the unfinished one)."""
    assessment = Assessment.in_progress(current_user.id)
    if assessment is None:
        assessment = Assessment(
            user_id=current_user.id,
            pack=answering.pack_for(current_user).ref,
            answers={},
            context={},
            timings={},
        )
        db.session.add(assessment)
        try:
            db.session.commit()
        except IntegrityError:
            # Another click started one at the same moment (one unfinished assessment per
            # person and pack, in the database): carry on with that one.
            db.session.rollback()
            assessment = Assessment.in_progress(current_user.id)
            if assessment is None:
                abort(409)
    return redirect(url_for(".page", assessment_id=assessment.id, number=assessment.step + 1))


@bp.route("/<int:assessment_id>/<int:number>", methods=["GET", "POST"])
@login_required
def page(assessment_id: int, number: int):
    """One section: show it filled with what is saved; on POST save, then go back or on."""
    if request.method == "POST":
        # one save or finish of an assessment at a time: a page sent from another tab waits,
        # then finds the assessment as that one left it (finished, say)
        Assessment.lock(assessment_id)
    assessment = _own_unfinished(assessment_id, number)
    all_pages = pages(answering.pack_of(assessment.pack))
    if not 1 <= number <= min(assessment.step + 1, len(all_pages)):
        return redirect(url_for(".page", assessment_id=assessment.id, number=assessment.step + 1))
    current = all_pages[number - 1]
    pack = answering.pack_of(assessment.pack)
    if request.method == "GET":
        form = current.form_class(
            data=current.stored_values(assessment.answers, assessment.context)
        )
        if about_you.saved_contradictions(pack, assessment.context):
            # kept before the checks existed: say what to fix when the page opens
            checked_values(current, pack, form, assessment.context)
        if request.args.get("unanswered"):
            # sent back here by the last page: each question still to answer is marked, as a
            # page sent with one unanswered marks it (it was only said that some were)
            missing_answers(current, form)
        return _render(assessment, current, form, len(all_pages))

    form = current.form_class()
    form.validate()
    if form.errors and "csrf_token" in form.errors:
        abort(400)
    answers, context, contradictions = checked_values(current, pack, form, assessment.context)
    _save(assessment, current, answers, context)
    action = request.form.get("action", "next")
    if contradictions:
        # whatever the button, answers that cannot all be true are shown, not kept or passed
        if action == "next":
            missing_answers(current, form)
        # leaving the page was asked for and refused: say that what it holds is not kept
        contradicted = action in ("back", "save")
        return _render(assessment, current, form, len(all_pages), contradicted=contradicted), 422
    if form.errors and action in ("back", "save"):
        # the page's other answers are saved; one that cannot be is shown with why, not dropped
        return _render(assessment, current, form, len(all_pages), not_saved=True), 422
    if action == "back":
        return redirect(url_for(".page", assessment_id=assessment.id, number=max(number - 1, 1)))
    if action == "save":
        flash("Your answers are saved. Come back any time to carry on where you left off.")
        return redirect(url_for("home.index"))
    missing = missing_answers(current, form)
    if form.errors or missing:
        return _render(assessment, current, form, len(all_pages)), 422
    if number < len(all_pages):
        assessment.step = max(assessment.step, number)
        db.session.commit()
        return redirect(url_for(".page", assessment_id=assessment.id, number=number + 1))
    return _finish(assessment, all_pages)


def _own_unfinished(assessment_id: int, number: int) -> Assessment:
    assessment = Assessment.of_user(current_user.id, assessment_id)
    if assessment is None:
        abort(404)
    if assessment.complete:
        if request.method == "POST" and _sent_other_answers(assessment, number):
            # A page sent from a tab opened before the assessment was finished in another: a
            # result is never recomputed, so its answers cannot be kept, and the person is told
            # so rather than left to find them gone (a second click of "See my results" sent
            # the answers the result was made from: nothing was lost, nothing to say).
            again = (
                "you have a newer one in progress: carry on with it from Assessment"
                if Assessment.in_progress(current_user.id)
                else "start a new assessment"
            )
            flash(
                f"This assessment was already finished on {minute(assessment.completed_at)} "
                "(in another tab or window, or on this page before you went back to it), so "
                "the answers you just sent from this page were "
                f"not saved. Below is its result; to answer again, {again}."
            )
        abort(redirect(url_for("results.show", assessment_id=assessment.id), 303))
    return assessment


def _sent_other_answers(assessment: Assessment, number: int) -> bool:
    """Whether the page posted holds an answer other than the one stored."""
    all_pages = pages(answering.pack_of(assessment.pack))
    if not 1 <= number <= len(all_pages):
        return False
    current = all_pages[number - 1]
    form = current.form_class()
    form.validate()
    answers, context = valid_values(current, form)
    return any(assessment.answers.get(k) != v for k, v in answers.items()) or any(
        assessment.context.get(k) != v for k, v in context.items()
    )


def _render(
    assessment: Assessment,
    current: Page,
    form,
    total: int,
    *,
    not_saved=False,
    contradicted=False,
):
    # the page is on screen again (shown, or sent back with what to correct): its time counts
    # from now until it is next sent
    _note_opened(assessment, current.number)
    shown = {item.context: form[item.id].data for item in current.items if item.context}
    return render_template(
        "assessment/page.html",
        not_saved=not_saved,
        contradicted=contradicted,
        assessment=assessment,
        page=current,
        form=form,
        total=total,
        pack=answering.pack_of(assessment.pack),
        follow_up=current.asks_about_reports and about_you.asks_about_reports(shown),
    )


def _note_opened(assessment: Assessment, number: int) -> None:
    """When each page of this assessment was last put on screen, one entry per page, so that
    a page open in a second tab does not erase the first tab's (another assessment's entries
    go: it is finished or abandoned)."""
    opened = {
        key: at
        for key, at in (session.get("pages_opened") or {}).items()
        if key.startswith(f"{assessment.id}/")
    }
    opened[f"{assessment.id}/{number}"] = time.time()
    session["pages_opened"] = opened


def _seconds_on_page(assessment: Assessment, number: int) -> float:
    """The time since the page was put on screen (none if it was not seen from this session),
    at most MAX_SECONDS_PER_VISIT; the page's entry is used up."""
    opened = dict(session.get("pages_opened") or {})
    at = opened.pop(f"{assessment.id}/{number}", None)
    session["pages_opened"] = opened
    if not isinstance(at, int | float):
        return 0.0
    return min(max(time.time() - at, 0.0), MAX_SECONDS_PER_VISIT)


def _save(
    assessment: Assessment, current: Page, answers: dict[str, Any], context: dict[str, Any]
) -> None:
    assessment.answers = _without_blanks({**assessment.answers, **answers})
    assessment.context = _without_blanks({**assessment.context, **context})
    section = current.section.id
    timings = dict(assessment.timings)
    timings[section] = round(
        timings.get(section, 0.0) + _seconds_on_page(assessment, current.number), 1
    )
    assessment.timings = timings
    assessment.updated_at = utcnow()
    db.session.commit()


def _without_blanks(values: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in values.items() if value is not None}


def _finish(assessment: Assessment, all_pages: tuple[Page, ...]):
    """Every page answered: compute and keep the recommendation, then show it."""
    # the page's save ended the transaction: the lock again, so the answers read here are the
    # ones kept beside the result, and a tab that finished it meanwhile is seen
    Assessment.lock(assessment.id)
    db.session.refresh(assessment)
    if assessment.complete:
        return redirect(url_for("results.show", assessment_id=assessment.id), 303)
    for earlier in all_pages:
        values = earlier.stored_values(assessment.answers, assessment.context)
        if any(item.id not in values for item in earlier.items):
            assessment.step = earlier.number - 1
            db.session.commit()
            flash(f"Some questions on “{earlier.section.title}” are not answered yet.")
            return redirect(
                url_for(".page", assessment_id=assessment.id, number=earlier.number, unanswered=1)
            )
    found = about_you.saved_contradictions(answering.pack_of(assessment.pack), assessment.context)
    if found:
        about = next(
            (p for p in all_pages if any(i.context == found[0].field for i in p.items)),
            all_pages[0],
        )
        assessment.step = about.number - 1
        db.session.commit()
        flash(f"Some answers on “{about.section.title}” cannot all be true: please check them.")
        return redirect(url_for(".page", assessment_id=assessment.id, number=about.number))
    try:
        assessment.finish()
    except AnswersInvalid as error:
        flash("Some answers could not be used: " + "; ".join(p.message for p in error.problems))
        return redirect(url_for(".page", assessment_id=assessment.id, number=1))
    except ModelRefused:
        # the answers are kept: "See my results" works again once HR has a model for the pack
        return render_template(
            "assessment/not_ready.html",
            assessment=assessment,
            pack=answering.pack_of(assessment.pack),
            last=len(all_pages),
        ), 503
    assessment.step = len(all_pages)
    db.session.commit()
    return redirect(url_for("results.show", assessment_id=assessment.id))
