"""The front page: what trackfit is, and where you are with it."""

from flask import Blueprint, render_template
from flask_login import current_user

from webapp.assessment.models import Assessment

bp = Blueprint("home", __name__)


@bp.route("/")
def index():
    """Landing page for visitors; for people signed in, their latest result and what to do next."""
    if not current_user.is_authenticated:
        return render_template("home/welcome.html")
    completed = Assessment.completed(current_user.id)
    return render_template(
        "home/dashboard.html",
        latest=completed[0] if completed else None,
        count=len(completed),
        in_progress=Assessment.in_progress(current_user.id),
    )
