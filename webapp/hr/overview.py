"""HR's overview: where things stand in each discipline, and how often people override the
advice in each."""

from __future__ import annotations

from flask import render_template
from sqlalchemy import func, or_, select

from webapp import answering, learning
from webapp.accounts.models import User
from webapp.answering import ModelRefused, Pack
from webapp.assessment.models import Assessment
from webapp.extensions import db
from webapp.hr import bp
from webapp.hr.disciplines import of_discipline
from webapp.hr.outcomes.models import OutcomeUpload, TrainingRun
from webapp.manager.models import Decision
from webapp.results.reading import track_name
from webapp.sharing.models import Share


def override_rates() -> list[dict]:
    """Per discipline and recommended track: agreed decisions (the newest per assessment), how
    many differ from the advice, on track or level, and the share with its 90% range. A share
    of fewer than SMALLEST_SHOWN decisions is not shown: with one decision it would tell HR
    that person's 1:1, and it says nothing about the advice."""
    newest = (
        select(Decision.assessment_id, func.max(Decision.id).label("id"))
        .group_by(Decision.assessment_id)
        .subquery()
    )
    found = []
    for pack in answering.disciplines():
        rows = db.session.execute(
            select(
                Decision.recommended_track,
                func.count(),
                func.sum(db.case((Decision.track != Decision.recommended_track, 1), else_=0)),
                func.sum(db.case((Decision.overrides, 1), else_=0)),
            )
            .join(newest, newest.c.id == Decision.id)
            .join(Assessment, Assessment.id == Decision.assessment_id)
            .where(of_discipline(Assessment.pack, pack))
            .group_by(Decision.recommended_track)
            .order_by(Decision.recommended_track)
        ).all()
        for track, total, track_changed, overridden in rows:
            shown = total >= learning.SMALLEST_SHOWN
            rate = (overridden or 0) / total if shown else None
            found.append(
                {
                    "discipline": pack.title,
                    "track": track,
                    "track_title": track_name(pack, track),  # as the discipline names it
                    "decisions": total,
                    "track_changed": int(track_changed or 0) if shown else None,
                    "overridden": int(overridden or 0) if shown else None,
                    "rate": rate,
                    "range": learning.likely_rate(rate, total) if shown else None,
                }
            )
    return found


def discipline_rows() -> list[dict]:
    """Per discipline: its newest pack version, its active model, how many people and finished
    assessments it has, and its last training run."""
    registry = answering.model_registry()
    return [_discipline_row(pack, registry) for pack in answering.disciplines()]


def _trained_on_another_version(registry, active: str | None, pack: Pack) -> str | None:
    """The pack version the active model learnt from, where new assessments use another (it
    reads the same scores, so it answers them; how far the new questions change what the
    scores measure, only outcomes on them can tell)."""
    if active is None:
        return None
    try:
        trained_on = registry.manifest(active).get("pack")
    except ModelRefused:
        return None  # the models page names what is wrong with it
    return trained_on if isinstance(trained_on, str) and trained_on != pack.ref else None


def _discipline_row(pack: Pack, registry) -> dict:
    finished = (Assessment.completed_at.is_not(None), of_discipline(Assessment.pack, pack))
    try:
        active, problem = registry.active(pack.id), None
    except ModelRefused:
        active, problem = None, "its pointer cannot be read (see Models)"
    return {
        "pack": pack,
        "active": active,
        "active_problem": problem,
        "trained_on": _trained_on_another_version(registry, active, pack),
        # the people in it, from the org chart: theirs, or the default when they have none
        "people": db.session.scalar(
            select(func.count(User.id)).where(
                or_(User.discipline == pack.id, User.discipline.is_(None))
                if pack.id == answering.default_discipline()
                else User.discipline == pack.id
            )
        ),
        "assessments": db.session.scalar(select(func.count(Assessment.id)).where(*finished)),
        "last_run": db.session.scalars(
            select(TrainingRun)
            .join(OutcomeUpload, OutcomeUpload.id == TrainingRun.upload_id)
            .where(of_discipline(OutcomeUpload.pack, pack))
            .order_by(TrainingRun.id.desc())
            .limit(1)
        ).first(),
    }


@bp.route("/")
def overview():
    """Counts, each discipline's pack, model and training, recent training runs and the
    override rates."""
    return render_template(
        "hr/overview.html",
        people=db.session.scalar(select(func.count(User.id))),
        completed=db.session.scalar(
            select(func.count(Assessment.id)).where(Assessment.completed_at.is_not(None))
        ),
        shared=db.session.scalar(select(func.count(Share.id)).where(Share.revoked_at.is_(None))),
        disciplines=discipline_rows(),
        runs=db.session.execute(
            select(TrainingRun, OutcomeUpload.pack)
            .join(OutcomeUpload, OutcomeUpload.id == TrainingRun.upload_id)
            .order_by(TrainingRun.id.desc())
            .limit(5)
        ).all(),
        overrides=override_rates(),
        smallest_shown=learning.SMALLEST_SHOWN,
    )
