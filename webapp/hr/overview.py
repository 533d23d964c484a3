"""HR's overview: where things stand, and how often people override the advice."""

from __future__ import annotations

from flask import render_template
from sqlalchemy import func, select

from webapp import answering
from webapp.accounts.models import User
from webapp.assessment.models import Assessment
from webapp.extensions import db
from webapp.hr import bp
from webapp.hr.outcomes.models import TrainingRun
from webapp.manager.models import Decision
from webapp.sharing.models import Share


def override_rates() -> list[dict]:
    """Per recommended track: agreed decisions (the newest per assessment), how many differ
    from the advice, on track or level, and the share."""
    newest = (
        select(Decision.assessment_id, func.max(Decision.id).label("id"))
        .group_by(Decision.assessment_id)
        .subquery()
    )
    rows = db.session.execute(
        select(
            Decision.recommended_track,
            func.count(),
            func.sum(db.case((Decision.track != Decision.recommended_track, 1), else_=0)),
            func.sum(db.case((Decision.overrides, 1), else_=0)),
        )
        .join(newest, newest.c.id == Decision.id)
        .group_by(Decision.recommended_track)
        .order_by(Decision.recommended_track)
    ).all()
    return [
        {
            "track": track,
            "decisions": total,
            "track_changed": int(track_changed or 0),
            "overridden": int(overridden or 0),
            "rate": (overridden or 0) / total if total else 0.0,
        }
        for track, total, track_changed, overridden in rows
    ]


@bp.route("/")
def overview():
    """Counts, the active model, recent training runs and the override rates."""
    return render_template(
        "hr/overview.html",
        people=db.session.scalar(select(func.count(User.id))),
        completed=db.session.scalar(
            select(func.count(Assessment.id)).where(Assessment.completed_at.is_not(None))
        ),
        shared=db.session.scalar(select(func.count(Share.id)).where(Share.revoked_at.is_(None))),
        active=answering.model_registry().active_or_none(answering.current_pack()),
        runs=db.session.scalars(select(TrainingRun).order_by(TrainingRun.id.desc()).limit(5)).all(),
        overrides=override_rates(),
    )
