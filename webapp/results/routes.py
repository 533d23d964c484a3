"""Result page: one assessment's recommendation with its reasons (the history is in `history`)."""

from __future__ import annotations

from functools import cache

from flask import abort, redirect, render_template, url_for
from flask_login import current_user, login_required
from markupsafe import Markup
from sqlalchemy import Select, bindparam, exists, select
from sqlalchemy.orm import aliased

from webapp import answering
from webapp.accounts.models import User
from webapp.answering import Pack
from webapp.assessment.models import Assessment, Summary, discipline_of_ref, summary_query
from webapp.extensions import db
from webapp.manager.models import Decision, ManagerReview
from webapp.results import bp, charts
from webapp.results.history_wording import advice_changes, answer_changes, version_notes
from webapp.results.page_cache import rendered_results
from webapp.results.reading import read
from webapp.sharing.models import MANAGER_CHANGED, Share


@bp.route("/<int:assessment_id>")
@login_required
def show(assessment_id: int):
    """The recommendation, how sure, why, the levels on both ladders and the gaps."""
    return result_page(assessment_id)


def result_page(assessment_id: int, decision_changed: bool = False, status: int = 200):
    """The signed-in person's result page, with what came of the 1:1: the decision in force
    and the form that confirms it, naming that decision. With `decision_changed`, the page
    again after a confirmation of a decision no longer in force, saying so beside the one
    that is."""
    row = db.session.execute(
        _page_query(), {"user_id": current_user.id, "assessment_id": assessment_id}
    ).first()
    if row is None:
        abort(404)
    summary, (manager, shared_at, decided, former_manager) = Summary(*row[:5]), row[5:]
    if summary.completed_at is None:
        return redirect(
            url_for("assessment.page", assessment_id=summary.id, number=summary.step + 1)
        )
    pack = answering.pack_of(summary.pack)
    body = rendered_results.body(
        summary.id,
        (summary.completed_at, summary.previous_id),
        pack,
        lambda: _render_result(summary, pack),
    )
    return render_template(
        "results/show.html",
        completed_at=summary.completed_at,
        body=body,
        assessment_id=summary.id,
        pack_ref=summary.pack,
        manager=manager,
        manager_id=current_user.manager_id,  # the one the share button names
        shared_at=shared_at,
        former_manager=former_manager,
        decision=Decision.latest(summary.id) if decided else None,
        shared_notes=ManagerReview.shared_notes_for(summary.id) if shared_at else [],
        decision_changed=decision_changed,
    ), status


@cache
def _page_query() -> Select:
    """Everything the result page needs besides its kept body, in one statement: where the
    assessment stands (only when it is this person's), their manager's name, when it was
    shared with them (if it is), whether a decision was recorded, and the manager a share
    last ended with because the person moved; the rest is read only when something was shared
    or decided."""
    manager, former = aliased(User), aliased(User)
    current_manager_id = (
        select(User.manager_id).where(User.id == bindparam("user_id")).scalar_subquery()
    )
    return summary_query().add_columns(
        select(manager.name)
        .join(User, User.manager_id == manager.id)
        .where(User.id == bindparam("user_id"))
        .scalar_subquery(),
        select(Share.shared_at)
        .where(
            Share.assessment_id == bindparam("assessment_id"),
            Share.revoked_at.is_(None),
            Share.manager_id == current_manager_id,
        )
        .limit(1)
        .scalar_subquery(),
        exists().where(Decision.assessment_id == bindparam("assessment_id")),
        select(former.name)
        .join(Share, Share.manager_id == former.id)
        .where(
            Share.assessment_id == bindparam("assessment_id"),
            Share.ended_because == MANAGER_CHANGED,
        )
        .order_by(Share.revoked_at.desc(), Share.id.desc())
        .limit(1)
        .scalar_subquery(),
    )


def _render_result(summary: Summary, pack: Pack) -> Markup:
    """The body of the result page, from the stored assessment and the one before it."""
    assessment = db.session.get(Assessment, summary.id)
    previous = db.session.get(Assessment, summary.previous_id) if summary.previous_id else None
    other_ladders = None
    if previous is not None and discipline_of_ref(previous.pack) != pack.id:
        # Other ladders and competencies: a change between them would compare unlike things
        other_ladders, previous = (previous, answering.pack_of(previous.pack)), None
    reading = read(assessment.recommendation, pack, assessment.answers, assessment.context)
    return Markup(
        render_template(
            "results/_result.html",
            assessment=assessment,
            reading=reading,
            pack=pack,
            same_pack=assessment.pack == pack.ref,
            previous=previous,
            other_ladders=other_ladders,
            # said as the history page says it: in words, each chance with its range
            changed=advice_changes(assessment.recommendation, previous.recommendation, pack)
            if previous
            else [],
            moved=answer_changes(assessment.recommendation, previous.recommendation, pack)
            if previous
            else [],
            version_notes=version_notes(assessment.recommendation, previous.recommendation)
            if previous
            else [],
            probability_chart=charts.probability_chart(
                reading.p_success, reading.track_titles, reading.track, reading.p_interval
            ),
            factor_chart=charts.factor_chart(
                sorted(reading.toward["ic"] + reading.toward["manager"], key=lambda f: f.effect),
                reading.track_titles,
            ),
            ladder_chart=charts.ladder_chart(
                reading.ladder, reading.levels, reading.role_level, reading.track_titles
            ),
            competency_charts={
                track: charts.competency_chart(bars, lv.goal, lv.goal_title or "")
                for track, lv in reading.levels.items()
                if (bars := reading.competencies.get(track))
            },
        )
    )
