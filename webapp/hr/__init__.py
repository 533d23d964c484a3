"""HR: the org chart, outcome uploads and retraining, model governance, packs, questionnaire
quality and the audit log. Every page here is for people with the HR role only."""

from flask import Blueprint, abort
from flask_login import current_user, login_required

bp = Blueprint("hr", __name__, url_prefix="/hr")


@bp.before_request
@login_required
def _hr_only():
    """Anonymous visitors are sent to log in; everyone but HR gets 403."""
    if current_user.role != "hr":
        abort(403)


from webapp.hr import (  # noqa: E402, F401
    audit_log,
    fairness,
    model_pages,
    overview,
    packs,
    people,
    quality,
    retraining,
)
