"""HR's blueprint: the org chart, outcomes and training, model governance, packs, questionnaire
quality, the audit log and the overview, one module or package each; HR's role only."""

from flask import Blueprint, abort
from flask_login import current_user, login_required

bp = Blueprint("hr", __name__, url_prefix="/hr")


@bp.before_request
@login_required
def _hr_only():
    """Anonymous visitors are sent to log in; everyone but HR gets 403."""
    if current_user.role != "hr":
        abort(403)


# One module (or package) per job, each adding its pages to the blueprint.
from webapp.hr import audit_log, framework_import, moments, overview, packs, quality  # noqa: E402, F401
from webapp.hr.governance import differences, evidence, fairness  # noqa: E402, F401
from webapp.hr.governance import routes as model_routes  # noqa: E402, F401
from webapp.hr.outcomes import routes as outcome_routes  # noqa: E402, F401
from webapp.hr.people import routes as people_routes  # noqa: E402, F401
