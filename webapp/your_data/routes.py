"""Your data: see what is kept, download it, delete an assessment, all of them, or the account."""

from __future__ import annotations

import json

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, logout_user
from sqlalchemy import delete, select

from webapp import audit
from webapp.accounts.models import LoginAttempt, User, claim_session, session_still_open
from webapp.accounts.routes import reserve_guess, session_already_ended
from webapp.assessment.models import Assessment
from webapp.audit import AuditEvent
from webapp.confirmation import ConfirmForm
from webapp.extensions import db
from webapp.results.page_cache import rendered_results
from webapp.your_data import bp
from webapp.your_data.export import export_csv, export_json
from webapp.your_data.forms import DeleteAccountForm
from webapp.your_data.visibility import who_sees


def _all_assessments() -> list[Assessment]:
    return list(
        db.session.scalars(
            db.select(Assessment)
            .where(Assessment.user_id == current_user.id)
            .order_by(Assessment.started_at)
        )
    )


def _delete_assessments_of(user_id: int) -> None:
    """Delete every assessment of a user (the caller commits) and drop their rendered pages."""
    ids = db.session.scalars(select(Assessment.id).where(Assessment.user_id == user_id)).all()
    db.session.execute(delete(Assessment).where(Assessment.user_id == user_id))
    for assessment_id in ids:
        rendered_results.forget(assessment_id)


@bp.route("/")
@login_required
def index():
    """What trackfit keeps about you, and what you can do with it."""
    assessments = _all_assessments()
    manager = db.session.get(User, current_user.manager_id) if current_user.manager_id else None
    return render_template(
        "your_data/index.html",
        completed=sum(1 for a in assessments if a.complete),
        unfinished=sum(1 for a in assessments if not a.complete),
        seen=who_sees(current_user, assessments),
        manager=manager,
        form=ConfirmForm(),
    )


@bp.route("/export.json")
@login_required
def export_as_json():
    """All your data as one JSON file."""
    body = json.dumps(export_json(current_user, _all_assessments()), indent=2, ensure_ascii=False)
    audit.record("export", "my data", format="json")
    db.session.commit()
    return _download(body, "application/json", "trackfit-my-data.json")


@bp.route("/export.csv")
@login_required
def export_as_csv():
    """Your assessments as CSV, one row each."""
    audit.record("export", "my data", format="csv")
    db.session.commit()
    return _download(export_csv(_all_assessments()), "text/csv", "trackfit-my-assessments.csv")


def _download(body: str, mimetype: str, filename: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@bp.route("/assessments/<int:assessment_id>/delete", methods=["GET", "POST"])
@login_required
def delete_assessment(assessment_id: int):
    """Delete one assessment, after a confirmation. The same button pressed twice (two tabs,
    a double click) deletes it once, and the second is told it is deleted already."""
    assessment = Assessment.of_user(current_user.id, assessment_id)
    if assessment is None:
        if request.method == "POST" and _deleted_by_me(assessment_id):
            flash("That assessment was deleted already. It is gone from our database.")
            return redirect(url_for("results.history"))
        abort(404)
    form = ConfirmForm()
    if form.validate_on_submit():
        gone = db.session.execute(
            delete(Assessment).where(
                Assessment.id == assessment_id, Assessment.user_id == current_user.id
            )
        )
        if gone.rowcount:  # else a request at the same moment deleted it: recorded once
            audit.record("delete_assessment", f"assessment {assessment_id}")
        db.session.commit()
        rendered_results.forget(assessment_id)
        flash("The assessment is deleted. It is gone from our database.")
        return redirect(url_for("results.history"))
    # two finished the same day are told apart by their time, as the history tells them
    moments = [done.completed_at for done in Assessment.completed(current_user.id)]
    return render_template(
        "your_data/confirm_delete.html", assessment=assessment, form=form, moments=moments
    )


def _deleted_by_me(assessment_id: int) -> bool:
    """Whether the audit log records the signed-in person deleting this assessment."""
    return (
        db.session.scalar(
            select(AuditEvent.id).where(
                AuditEvent.action == "delete_assessment",
                AuditEvent.subject == f"assessment {assessment_id}",
                AuditEvent.actor_id == current_user.id,
            )
        )
        is not None
    )


@bp.route("/assessments/delete", methods=["GET", "POST"])
@login_required
def delete_all():
    """Delete every assessment of yours, after a confirmation."""
    form = ConfirmForm()
    if form.validate_on_submit():
        _delete_assessments_of(current_user.id)
        audit.record("delete_all", "my assessments")
        db.session.commit()
        flash("All your assessments are deleted. They are gone from our database.")
        return redirect(url_for(".index"))
    return render_template("your_data/confirm_delete.html", assessment=None, form=form)


@bp.route("/account/delete", methods=["GET", "POST"])
@login_required
def delete_account():
    """Delete the account and everything in it, after the password."""
    form = DeleteAccountForm()
    if form.validate_on_submit():
        # A wrong password here is a guess like a wrong login: the same throttle and count.
        attempt = reserve_guess(current_user.email)
        if attempt is None:
            return render_template("accounts/throttled.html"), 429
        user = current_user._get_current_object()
        # a second click of the button may have deleted it a moment ago (see change_password)
        if not session_still_open(user):
            return session_already_ended(attempt)
        if not user.check_password(form.password.data):
            audit.record("account_delete_failed", user.email)
            db.session.commit()
            form.password.errors.append("That is not your password.")
        elif not claim_session(user):
            return session_already_ended(attempt)
        else:
            attempt.succeeded = True
            # HR reads in the audit log who is left without a manager, to give them another
            orphaned = [report.email for report in user.reports]
            _delete_assessments_of(user.id)
            db.session.execute(delete(LoginAttempt).where(LoginAttempt.email == user.email))
            db.session.delete(user)
            left = {"left_without_manager": orphaned} if orphaned else {}
            audit.record("delete_account", "my account", **left)
            db.session.commit()
            logout_user()
            flash(
                "Your account and every assessment in it are deleted. The audit log keeps its "
                "record of what the account did, as the page before said."
            )
            return redirect(url_for("home.index"))
    status = 422 if form.errors else 200
    reports = current_user.reports
    return render_template("your_data/delete_account.html", form=form, reports=reports), status
