"""HR's retraining pages: upload outcomes, see the validation report, follow training."""

from __future__ import annotations

from flask import jsonify, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select

from webapp import advice, audit
from webapp.extensions import db
from webapp.hr import bp
from webapp.hr.forms import OutcomesUploadForm
from webapp.hr.models import OutcomeUpload, TrainingRun
from webapp.hr.outcome_upload import check_upload, sensitive_names, store_upload
from webapp.hr.training_job import give_up_stale_runs, start_training

REPORT_LIMIT = 500


def _outcomes_page(form: OutcomesUploadForm, status: int = 200):
    give_up_stale_runs()
    uploads = db.session.scalars(
        select(OutcomeUpload).order_by(OutcomeUpload.id.desc()).limit(20)
    ).all()
    runs = db.session.scalars(select(TrainingRun).order_by(TrainingRun.id.desc()).limit(20)).all()
    return render_template(
        "hr/outcomes.html", form=form, uploads=uploads, runs=runs, pack=advice.current_pack()
    ), status


@bp.route("/outcomes", methods=["GET", "POST"])
def outcomes():
    """Upload an outcome file; a valid one is stored and a candidate is trained from it."""
    form = OutcomesUploadForm()
    if not form.validate_on_submit():
        return _outcomes_page(form, 422 if form.errors else 200)
    upload_file = form.file.data
    filename = upload_file.filename or "outcomes.csv"
    sensitive = sensitive_names(form.sensitive.data)
    pack = advice.current_pack()
    check = check_upload(filename, upload_file.read(), pack, sensitive)
    if check.problems:
        audit.record("outcomes_refused", filename, problems=len(check.problems), kind=check.kind)
        db.session.commit()
        return render_template(
            "hr/outcomes_report.html",
            filename=filename,
            check=check,
            shown=check.problems[:REPORT_LIMIT],
        ), 422
    upload = store_upload(check, filename, pack, sensitive, current_user.id)
    audit.record(
        "outcomes_upload",
        filename,
        rows=upload.rows,
        kind=upload.kind,
        sensitive_columns=sensitive,
        sha256=upload.sha256[:16],
    )
    db.session.commit()
    run = start_training(upload, current_user)
    return redirect(url_for(".training_run", run_id=run.id))


@bp.route("/training/<int:run_id>")
def training_run(run_id: int):
    """Where a training run stands; the page reloads itself until the run ends."""
    give_up_stale_runs()
    run = db.get_or_404(TrainingRun, run_id)
    upload = db.session.get(OutcomeUpload, run.upload_id)
    return render_template("hr/training_run.html", run=run, upload=upload)


@bp.route("/training/<int:run_id>.json")
def training_run_json(run_id: int):
    """The run's status for scripts."""
    give_up_stale_runs()
    run = db.get_or_404(TrainingRun, run_id)
    return jsonify(
        id=run.id,
        status=run.status,
        stage=run.stage,
        version=run.version,
        error=run.error,
        summary=run.summary,
    )
