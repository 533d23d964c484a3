"""The manager's pages: the team, and the 1:1 view of a shared assessment (rate, compare,
prompts, notes, decision, print). A manager sees only what their own reports shared."""

from __future__ import annotations

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import Select, func, select
from wtforms.fields.choices import SelectChoice

from webapp import answering, audit
from webapp.accounts.models import User
from webapp.answering import Pack
from webapp.assessment.models import Assessment
from webapp.database import utcnow
from webapp.errors.handlers import error_response
from webapp.extensions import db
from webapp.home import waiting
from webapp.manager import bp
from webapp.manager.forms import (
    DecisionForm,
    NotesForm,
    TeamFilterForm,
    level_choices,
    ratings_form_class,
    ratings_seen,
    reason_problem,
)
from webapp.manager.models import Decision, ManagerReview, decision_shown
from webapp.manager.one_to_one import (
    about,
    discussion_prompts,
    flag_in_short,
    gaps_on_both,
    needs,
    side_by_side,
    standings,
    sureness_about,
)
from webapp.paging import page_of
from webapp.results import charts
from webapp.results.reading import level_name, read, track_name
from webapp.results.wording import day
from webapp.sharing.models import shared_by, shared_by_reports, shared_with, sharing_reports
from webapp.text_search import found_in

# reports to a page of the team list: a card each, so fewer than HR's list of one-line rows
PER_PAGE = 50

# the same whether the assessment was never shared with this manager or no longer is
NOT_SHARED = (
    "Nothing was saved: this assessment is not shared with you. The person may have stopped "
    "sharing it, moved to another manager or deleted it. Go back and copy anything you typed "
    "that you want to keep."
)

# the team list and the history word how sure each result is as the result page does
bp.add_app_template_filter(sureness_about)
bp.add_app_template_filter(flag_in_short)


@bp.route("/")
def team():
    """Your direct reports and the assessments each has shared with you, found by name or
    email and by what they shared, PER_PAGE to a page, with how many shared and how many wait
    for a 1:1."""
    filters = TeamFilterForm(request.args)
    filters.validate()
    reports = select(User).where(User.manager_id == current_user.id)
    sharing = sharing_reports(current_user)
    waiting_ids = [item.person.id for item in waiting.awaiting_one_to_one(current_user)]
    paging, shown = page_of(_team_filtered(filters, reports, sharing, waiting_ids), PER_PAGE)
    # a fixed number of queries however large the team (one per report and per shared
    # assessment before: 602 for a manager of 300 who had all shared)
    shared = shared_by_reports(current_user, shown)
    decisions = Decision.latest_of([a.id for mine in shared.values() for a in mine])
    rows = [
        (report, [(a, decisions.get(a.id)) for a in shared.get(report.id, [])]) for report in shown
    ]
    return render_template(
        "manager/team.html",
        rows=rows,
        paging=paging,
        filter_form=filters,
        filters=filters.applied(),
        everyone=_count(reports),
        sharing=_count(sharing),
        waiting=len(waiting_ids),
        discipline_of=answering.pack_for,
        ladders_of=lambda assessment: answering.pack_of(assessment.pack),
    ), (400 if filters.errors else 200)


def _team_filtered(filters: TeamFilterForm, reports: Select, sharing: Select, waiting_ids):
    """The reports the filters select, by name; a filter with an error (named on the form) is
    left out."""
    query = reports.order_by(User.name_key, User.id)
    applied = filters.applied()
    if "text" in applied:
        # whatever its case and accents, as HR's people list finds people
        mine = User.manager_id == current_user.id
        query = query.where(
            User.id.in_(found_in(applied["text"], User.id, User.name, User.email, among=mine))
        )
    shown = applied.get("shared")
    if shown == "shared":
        query = query.where(User.id.in_(sharing))
    elif shown == "nothing":
        query = query.where(User.id.not_in(sharing))
    elif shown == "waiting":
        query = query.where(User.id.in_(waiting_ids))
    return query


def _count(query: Select) -> int:
    return db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))


def _shared(assessment_id: int) -> tuple[Assessment, User, Pack]:
    """The assessment, when shared with the signed-in manager by their report; else 404 (the
    same answer whether it does not exist or is not theirs to see)."""
    assessment = shared_with(current_user, assessment_id)
    if assessment is None and request.method == "POST":
        # a form from a page opened while it was shared: say what became of what it held
        abort(make_response(error_response(404, NOT_SHARED, back=(url_for(".team"), "Your team"))))
    if assessment is None:
        abort(404)
    return assessment, db.session.get(User, assessment.user_id), answering.pack_of(assessment.pack)


def _review(assessment: Assessment) -> ManagerReview:
    review = ManagerReview.of(assessment.id, current_user.id)
    if review is None:
        review = ManagerReview(
            assessment_id=assessment.id,
            manager_id=current_user.id,
            ratings={},
            private_notes="",
            shared_notes="",
        )
    return review


def _decision_form(
    pack: Pack, assessment: Assessment, decision: Decision | None, *, sent: bool = False
) -> DecisionForm:
    """The decision form: as sent (`sent`, the decision's own request), else as the page
    shows it, the decision in force or the advice, whatever other form this request sent."""
    form = DecisionForm() if sent else DecisionForm(formdata=None)
    framework = pack.framework
    form.track.choices = [SelectChoice(t.id, t.title) for t in framework.tracks]
    form.target_level.choices = level_choices(pack)
    if not sent:
        recommendation = assessment.recommendation
        form.track.data = decision.track if decision else recommendation["track"]
        form.target_level.data = (
            decision.target_level
            if decision
            else recommendation["levels"][recommendation["track"]]["target"]
        )
        form.reason.data = decision.reason if decision else ""
        form.replaces.data = decision_shown(decision)
    return form


def _recorded_since(latest: Decision, shown: str, pack: Pack) -> str:
    """Why a decision from a page shown before the one in force now was not recorded."""
    confirmed = ", and confirmed by the employee" if latest.employee_agreed_at else ""
    if shown == decision_shown(latest, confirmed=False):
        return (
            "The employee confirmed the decision shown above after this page was opened. "
            "Nothing was recorded: your choice is kept below; record it again to replace the "
            "decision they confirmed."
        )
    return (
        f"Another decision was recorded after this page was opened: the "
        f"{track_name(pack, latest.track).lower()} track, "
        f"{level_name(pack, latest.target_level)}, on {day(latest.recorded_at)}{confirmed} "
        "(shown above). Nothing was recorded: your choice is kept below; record it again to "
        "replace that one."
    )


def _page(
    assessment: Assessment,
    report: User,
    pack: Pack,
    template: str,
    saved_meanwhile: dict[str, str] | None = None,
    **forms,
):
    name = report.name
    review = _review(assessment)
    reading = read(assessment.recommendation, pack, assessment.answers, assessment.context)
    rows = side_by_side(pack, assessment.answers, review.ratings)
    gaps = gaps_on_both(pack, reading, rows, reading.track)
    decision = Decision.latest(assessment.id)
    ratings_form = forms.get("ratings_form") or ratings_form_class(pack, name)(
        data={k: str(v) for k, v in review.ratings.items()}
        | {"ratings_seen": ratings_seen(review.ratings)}
    )
    notes_form = forms.get("notes_form") or NotesForm.showing(
        review.private_notes, review.shared_notes
    )
    history = shared_by(report, current_user)
    return render_template(
        template,
        assessment=assessment,
        report=report,
        pack=pack,
        reading=reading,
        rows=rows,
        review=review,
        gaps=gaps,
        needs=needs(pack, reading.levels[reading.track].goal),
        standings=standings(pack, reading, assessment.context),
        sureness=sureness_about(assessment.recommendation),
        name=name,
        titled=lambda level_id: level_name(pack, level_id),
        about=lambda factor: about(factor, name, rows, pack),
        prompts=discussion_prompts(name, rows, reading, gaps),
        decision=decision,
        # who recorded it (a report moved from another manager shares again, with the
        # decisions that manager recorded); None when their account is gone
        recorder=db.session.get(User, decision.recorded_by)
        if decision and decision.recorded_by
        else None,
        history=[(a, Decision.latest(a.id)) for a in history],
        ratings_form=ratings_form,
        notes_form=notes_form,
        saved_meanwhile=saved_meanwhile or {},
        decision_form=forms.get("decision_form") or _decision_form(pack, assessment, decision),
        probability_chart=charts.probability_chart(
            reading.p_success, reading.track_titles, reading.track, reading.p_interval, name
        ),
    )


@bp.route("/assessments/<int:assessment_id>")
def one_to_one(assessment_id: int):
    """The 1:1 view of a report's shared assessment."""
    assessment, report, pack = _shared(assessment_id)
    audit.record("open_assessment", f"assessment {assessment.id}", report=report.email)
    db.session.commit()
    return _page(assessment, report, pack, "manager/one_to_one.html")


@bp.route("/assessments/<int:assessment_id>/print")
def print_view(assessment_id: int):
    """One page for the meeting, laid out for print."""
    assessment, report, pack = _shared(assessment_id)
    audit.record("print_assessment", f"assessment {assessment.id}", report=report.email)
    db.session.commit()
    return _page(assessment, report, pack, "manager/print.html")


@bp.route("/assessments/<int:assessment_id>/ratings", methods=["POST"])
def rate(assessment_id: int):
    """Save the manager's own rating of the report's competencies."""
    assessment, report, pack = _shared(assessment_id)
    form = ratings_form_class(pack, report.name)()
    if not form.validate_on_submit():
        return _page(assessment, report, pack, "manager/one_to_one.html", ratings_form=form), 422
    # one save of this 1:1 at a time: the review read here is the one the check compares
    Assessment.lock(assessment.id)
    review = _review(assessment)
    # saved from another tab or window since this form's page showed them: kept, not replaced
    if form.saved_meanwhile(review.ratings):
        db.session.rollback()
        form.conflict = True  # the page heads its errors with what did not happen
        return _page(assessment, report, pack, "manager/one_to_one.html", ratings_form=form), 409
    ratings = {
        field.name: int(field.data)
        for field in form
        if field.type == "RadioField" and field.data not in (None, "", "None")
    }
    if ratings == (review.ratings or {}):  # a second click, or the same ratings sent again
        db.session.rollback()
        flash("Your ratings were already saved as they are: nothing changed.")
        return redirect(url_for(".one_to_one", assessment_id=assessment.id, _anchor="compare"))
    review.ratings = ratings
    review.updated_at = utcnow()
    db.session.add(review)
    audit.record("manager_rating", f"assessment {assessment.id}", rated=len(review.ratings))
    db.session.commit()
    flash("Your ratings are saved. Differences of a step or more are highlighted.")
    return redirect(url_for(".one_to_one", assessment_id=assessment.id, _anchor="compare"))


@bp.route("/assessments/<int:assessment_id>/notes", methods=["POST"])
def notes(assessment_id: int):
    """Save private and shared notes."""
    assessment, report, pack = _shared(assessment_id)
    Assessment.lock(assessment.id)  # one save of this 1:1 at a time, as for the ratings
    review = _review(assessment)
    form = NotesForm()
    form.stored = {"private_notes": review.private_notes, "shared_notes": review.shared_notes}
    if not form.validate_on_submit():
        return _page(assessment, report, pack, "manager/one_to_one.html", notes_form=form), 422
    # saved from another tab or window since this form's page showed them: kept, not replaced
    meanwhile = form.saved_meanwhile()
    if meanwhile:
        db.session.rollback()
        form.conflict = True
        page = _page(
            assessment, report, pack, "manager/one_to_one.html", meanwhile, notes_form=form
        )
        return page, 409
    notes = {
        "private_notes": (form.private_notes.data or "").strip(),
        "shared_notes": (form.shared_notes.data or "").strip(),
    }
    if notes == {name: getattr(review, name) or "" for name in notes}:  # sent again as saved
        db.session.rollback()
        flash("Your notes were already saved as they are: nothing changed.")
        return redirect(url_for(".one_to_one", assessment_id=assessment.id, _anchor="notes"))
    review.private_notes, review.shared_notes = notes["private_notes"], notes["shared_notes"]
    review.updated_at = utcnow()
    db.session.add(review)
    audit.record("manager_notes", f"assessment {assessment.id}")
    db.session.commit()
    flash("Notes saved.")
    return redirect(url_for(".one_to_one", assessment_id=assessment.id, _anchor="notes"))


@bp.route("/assessments/<int:assessment_id>/decision", methods=["POST"])
def decide(assessment_id: int):
    """Record the track and target level agreed in the 1:1, beside the recommendation."""
    assessment, report, pack = _shared(assessment_id)
    form = _decision_form(pack, assessment, None, sent=True)
    if not form.validate_on_submit():
        return _page(assessment, report, pack, "manager/one_to_one.html", decision_form=form), 422
    recommendation = assessment.recommendation
    recommended_target = recommendation["levels"][recommendation["track"]]["target"]
    level = pack.framework.level(form.target_level.data)
    if form.track.data not in level.tracks:
        form.target_level.errors.append(
            f"{level.title} ({level.id}) is not a level of the "
            f"{pack.framework.track(form.track.data).title.lower()} track: choose one from "
            "that track's group in the list."
        )
    # the advice's level is its target, or the level held when the answers fall short of it
    # (the page names showing what it expects as the step to take first)
    advised = read(recommendation, pack, assessment.answers, assessment.context)
    advised_levels = {recommended_target, advised.levels[recommendation["track"]].goal}
    overrides = (
        form.track.data != recommendation["track"] or form.target_level.data not in advised_levels
    )
    reason = (form.reason.data or "").strip()
    lacking = reason_problem(reason) if overrides else None
    if lacking:
        form.reason.errors.append(f"The agreed track or level differs from the advice: {lacking}.")
    if form.errors:
        return _page(assessment, report, pack, "manager/one_to_one.html", decision_form=form), 422
    Decision.lock(assessment.id)
    latest = Decision.latest(assessment.id)
    if latest is not None and latest.agrees(form.track.data, form.target_level.data, reason):
        db.session.commit()  # the same decision sent again (a double click, an old tab)
        confirmed = " and confirmed" if latest.employee_agreed_at else ""
        flash(f"This decision was already recorded{confirmed}; nothing changed.")
        return redirect(url_for(".one_to_one", assessment_id=assessment.id, _anchor="decision"))
    shown = form.replaces.data
    if shown and shown not in Decision.could_have_shown(assessment.id):
        abort(400)  # not a decision this page could have shown
    if shown and shown != decision_shown(latest):
        # another decision was recorded (in another tab, or by a former manager), or the one
        # shown was confirmed, after this page was shown: it is not replaced unawares
        db.session.rollback()
        form.replaces.data, form.conflict = decision_shown(latest), True
        form.track.errors.append(_recorded_since(latest, shown, pack))
        return _page(assessment, report, pack, "manager/one_to_one.html", decision_form=form), 409
    decision = Decision(
        assessment_id=assessment.id,
        recorded_by=current_user.id,
        track=form.track.data,
        target_level=form.target_level.data,
        recommended_track=recommendation["track"],
        recommended_target=recommended_target,
        overrides=overrides,
        reason=reason,
    )
    db.session.add(decision)
    audit.record(
        "decision",
        f"assessment {assessment.id}",
        track=decision.track,
        target=decision.target_level,
        overrides=overrides,
    )
    db.session.commit()
    flash(f"Recorded. {report.name} sees it on their result and can confirm it.")
    return redirect(url_for(".one_to_one", assessment_id=assessment.id, _anchor="decision"))
