"""The manager's area: direct reports, and the 1:1 view of an assessment a report shared."""

from flask import Blueprint
from flask_login import login_required

bp = Blueprint("manager", __name__, url_prefix="/team")


@bp.before_request
@login_required
def _signed_in():
    """Every page here needs a signed-in person; what they see depends on whom they manage."""


from webapp.manager import routes  # noqa: E402, F401
