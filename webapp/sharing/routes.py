"""The employee's side of sharing: share, revoke, agree with the recorded decision."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError

from webapp import audit
from webapp.accounts.models import User
from webapp.assessment.models import Assessment
from webapp.confirmation import ConfirmForm
from webapp.database import utcnow
from webapp.extensions import db
from webapp.manager.models import Decision
from webapp.sharing import bp
from webapp.sharing.forms import AgreeForm
from webapp.sharing.models import MANAGER_CHANGED, REVOKED, Share


def _own_finished(assessment_id: int) -> Assessment:
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    assessment = Assessment.of_user(current_user.id, assessment_id)
    if assessment is None or not assessment.complete:
        abort(404)
    return assessment


@bp.route("/<int:assessment_id>/share", methods=["POST"])
@login_required
def share(assessment_id: int):
    """Let your manager see this assessment, until you revoke it."""
    assessment = _own_finished(assessment_id)
    manager = db.session.get(User, current_user.manager_id) if current_user.manager_id else None
    if manager is None:
        flash("You have no manager in trackfit yet, so there is nobody to share with. Ask HR.")
        return redirect(url_for("results.show", assessment_id=assessment.id))
    if request.form.get("manager", str(manager.id)) != str(manager.id):
        # the button named another manager: HR moved the person since the page was shown
        flash(
            f"Nothing was shared: your manager changed since that page was shown, and is now "
            f"{manager.name}. Share again below if you want {manager.name} to see this result."
        )
        return redirect(url_for("results.show", assessment_id=assessment.id))
    active = Share.active(assessment.id)
    if active is not None and active.manager_id != manager.id:
        # A share is with a named manager: one with a former manager has ended.
        active.revoked_at, active.ended_because = utcnow(), MANAGER_CHANGED
        db.session.flush()
        active = None
    if active is None:
        db.session.add(Share(assessment_id=assessment.id, manager_id=manager.id))
        audit.record("share", f"assessment {assessment.id}", manager=manager.email)
        try:
            db.session.commit()
        except IntegrityError:
            # Another click shared it at the same moment (one active share per assessment, in
            # the database): it is shared, as this click asked.
            db.session.rollback()
    flash(f"Shared with {manager.name}. You can stop sharing at any time.")
    return redirect(url_for("results.show", assessment_id=assessment.id))


@bp.route("/<int:assessment_id>/revoke", methods=["POST"])
@login_required
def revoke(assessment_id: int):
    """Stop sharing: your manager can no longer open the assessment."""
    assessment = _own_finished(assessment_id)
    shared = Share.active(assessment.id)
    if shared is not None:
        shared.revoked_at, shared.ended_because = utcnow(), REVOKED
        audit.record("revoke", f"assessment {assessment.id}")
        db.session.commit()
        flash("Your manager can no longer see this assessment.")
    else:  # sent from a page left open after the sharing ended: say so, not nothing
        flash("This assessment is not shared, so nothing changed: no manager sees it.")
    return redirect(url_for("results.show", assessment_id=assessment.id))


@bp.route("/<int:assessment_id>/agree", methods=["POST"])
@login_required
def agree(assessment_id: int):
    """Confirm the track and level your manager recorded from your 1:1: the decision the page
    showed. When the manager has recorded another since, nothing is confirmed and the page is
    shown again with the one in force (409)."""
    assessment = _own_finished(assessment_id)
    form = AgreeForm()
    if not form.validate():
        abort(400)  # no decision named, or not as the page names one
    # under the lock a new decision takes (`decide`): one recorded at the same moment is
    # either in force before this is read, or recorded after the one confirmed here
    Decision.lock(assessment.id)
    shown = db.session.get(Decision, form.decision.data)
    if shown is None or shown.assessment_id != assessment.id:
        abort(400)  # not a decision this page could have shown
    if Decision.latest(assessment.id) is not shown:
        db.session.rollback()
        # read here: the result page's module reads this package's models as it loads
        from webapp.results.routes import result_page  # noqa: PLC0415

        return result_page(assessment.id, decision_changed=True, status=409)
    if shown.employee_agreed_at is None:
        shown.employee_agreed_at = utcnow()
        audit.record("decision_agreed", f"assessment {assessment.id}", decision=shown.id)
        db.session.commit()
        flash("Thank you: the decision is recorded as agreed by both of you.")
    return redirect(url_for("results.show", assessment_id=assessment.id))
