"""The front page: what trackfit is, and for people signed in, what is waiting for them."""

from flask import Blueprint, render_template
from flask_login import current_user
from sqlalchemy import exists, select

from webapp import answering
from webapp.accounts.models import User
from webapp.assessment.models import Assessment
from webapp.extensions import db
from webapp.home import waiting
from webapp.sharing.models import Share

bp = Blueprint("home", __name__)

# items of each of a manager's lists of what waits, the rest on the team page: a manager of
# 300 whose reports had all shared had a home page 33,000 px tall on a phone
LISTED_AT_MOST = 10


@bp.route("/")
def index():
    """Landing page for visitors; for people signed in, what waits for them (decisions to
    confirm, 1:1s to hold), their unfinished assessment and their latest result."""
    if not current_user.is_authenticated:
        return render_template("home/welcome.html")
    completed = Assessment.completed(current_user.id)
    latest = completed[0] if completed else None
    latest_share = Share.active(latest.id) if latest else None
    # whether anyone reports to you, asked now (not every report read: a team of 300 was)
    has_team = db.session.scalar(select(exists().where(User.manager_id == current_user.id)))
    manages = current_user.role == "manager" or has_team
    in_progress = Assessment.in_progress(current_user.id)
    return render_template(
        "home/dashboard.html",
        latest=latest,
        discipline=answering.pack_for(current_user),
        # shared with the manager they have now: a share with a former one does not count
        latest_shared=latest_share is not None
        and latest_share.manager_id == current_user.manager_id,
        count=len(completed),
        in_progress=in_progress,
        # the ladders it was started on, which it keeps when HR has moved the person since
        in_progress_pack=answering.pack_of(in_progress.pack) if in_progress else None,
        to_confirm=waiting.to_confirm(current_user),
        awaiting_manager=waiting.awaiting_manager(current_user),
        manager=db.session.get(User, current_user.manager_id) if current_user.manager_id else None,
        manages=manages,
        has_team=has_team,
        one_to_ones=waiting.awaiting_one_to_one(current_user) if manages else [],
        unconfirmed=waiting.awaiting_confirmation_by_reports(current_user) if manages else [],
        listed_at_most=LISTED_AT_MOST,
    )
