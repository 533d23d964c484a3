"""HR's outcomes and training pages: upload outcomes, see the validation report, confirm
training on the rows that can be used, follow training; find and remove what the uploads hold
about one person."""

from __future__ import annotations

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from webapp import answering, audit, jobs, learning
from webapp.answering import Pack
from webapp.confirmation import ConfirmForm
from webapp.database import utcnow
from webapp.extensions import db
from webapp.file_names import shown_file_name
from webapp.hr import bp
from webapp.hr.disciplines import chosen_discipline, discipline_title, of_discipline
from webapp.hr.outcomes.forms import (
    ConfirmTrainingForm,
    OutcomesUploadForm,
    PersonLookupForm,
    RemoveRecordsForm,
)
from webapp.hr.outcomes.models import (
    FAILED,
    SUCCEEDED,
    OutcomeUpload,
    TrainingRun,
    training_key,
)
from webapp.hr.outcomes.person_records import (
    RemovalRefused,
    records_of,
    remove_records,
    versions_that_learnt,
)
from webapp.hr.outcomes.upload import (
    NOT_USABLE,
    UploadCheck,
    check_upload,
    confirm_upload,
    sensitive_names,
    store_upload,
)

REPORT_LIMIT = 500


def _outcomes_page(form: OutcomesUploadForm, pack: Pack, status: int = 200):
    uploads = db.session.scalars(
        select(OutcomeUpload)
        .where(of_discipline(OutcomeUpload.pack, pack))
        .order_by(OutcomeUpload.id.desc())
        .limit(20)
    ).all()
    runs = db.session.scalars(
        select(TrainingRun)
        .join(OutcomeUpload, OutcomeUpload.id == TrainingRun.upload_id)
        .where(of_discipline(OutcomeUpload.pack, pack))
        .order_by(TrainingRun.id.desc())
        .limit(20)
    ).all()
    return render_template(
        "hr/outcomes.html",
        form=form,
        uploads=uploads,
        runs=runs,
        pack=pack,
        disciplines=answering.disciplines(),
    ), status


ALREADY_CONFIRMED = "Training on this file was already confirmed; no second run was started."


@bp.route("/outcomes", methods=["GET", "POST"])
def outcomes():
    """Upload an outcome file for one discipline (`?discipline=`), checked against the items
    of its newest pack. A valid one is stored; training starts at once when every row can be
    used, and after HR confirms otherwise."""
    pack = chosen_discipline()
    form = OutcomesUploadForm()
    if not form.validate_on_submit():
        return _outcomes_page(form, pack, 422 if form.errors else 200)
    upload_file = form.file.data
    filename = shown_file_name(upload_file.filename, "outcomes.csv")
    sensitive = sensitive_names(form.sensitive.data)
    data = upload_file.read()
    check = check_upload(filename, data, pack, sensitive)
    shortfall = check.shortfall
    if check.problems or shortfall:
        meant = (
            learning.pack_of_columns(data, pack, answering.disciplines())
            if check.problems
            else None
        )
        return _refused(filename, check, shortfall, pack, meant)
    from_active = form.from_active.data
    running = jobs.run_in_progress(
        training_key(pack.ref, check.content_hash, from_active, sensitive),
        # a run started before uploads kept the digest of their rows has its bytes' key
        training_key(pack.ref, check.data_hash, from_active, sensitive),
    )
    if running is not None:
        return _already_training(running)
    upload = store_upload(
        check,
        filename,
        pack,
        sensitive,
        current_user.id,
        confirmed=not check.not_usable,
        from_active=from_active,
    )
    audit.record(
        "outcomes_upload",
        filename,
        rows=upload.rows,
        not_usable=len(check.not_usable),
        kind=upload.kind,
        sensitive_columns=sensitive,
        sha256=upload.sha256[:16],
        pack=pack.ref,
        from_active=upload.from_active,
    )
    if check.not_usable:
        db.session.commit()
        return redirect(url_for(".outcome_upload", upload_id=upload.id))
    try:
        run = jobs.launch_training(upload, current_user)  # commits the upload with its run
    except jobs.AlreadyTraining as already:  # the same file, posted at the same moment
        return _already_training(already.run)
    return redirect(url_for(".training_run", run_id=run.id, follow=1))


def _already_training(running: TrainingRun | None, upload: OutcomeUpload | None = None):
    """The same training is queued or running: no second run; a new file is not stored, an
    upload waiting for confirmation stays unconfirmed. HR follows the run there is; when it is
    that upload's own (another tab confirmed it at the same moment), it was confirmed."""
    if upload is not None:
        if running is None:  # it ended as this one was refused: this upload's own run?
            db.session.refresh(upload)
        if running.upload_id == upload.id if running else upload.confirmed_at is not None:
            flash(ALREADY_CONFIRMED)
            return redirect(_latest_run_url(upload))
    then = (
        "this upload stays unconfirmed until you confirm it again"
        if upload
        else "the file was not stored again (nor any row of it that could not be used)"
    )
    if running is None:  # it ended in the very moment the second was refused
        flash(
            f"The same training has just run on these rows; no second run was started and {then}."
        )
        return redirect(url_for(".outcomes"))
    flash(
        f"Training run {running.id} is already {running.status} on the same rows (the same "
        f"people, answers and outcomes) with the same choices; no second run was started and "
        f"{then}."
    )
    return redirect(url_for(".training_run", run_id=running.id, follow=1))


def _refused(
    filename: str, check: UploadCheck, shortfall: list[str], pack: Pack, meant: Pack | None
):
    """The report of a file that stores nothing: its problems, or too few usable rows."""
    audit.record(
        "outcomes_refused",
        filename,
        problems=len(check.problems) + check.more_problems,
        not_usable=len(check.not_usable),
        too_few_rows=bool(shortfall),
        kind=check.kind,
        pack=pack.ref,
    )
    db.session.commit()
    return render_template(
        "hr/outcomes_report.html",
        pack=pack,
        meant=meant,
        filename=filename,
        check=check,
        shortfall=shortfall,
        not_usable=check.not_usable,
        reasons=NOT_USABLE,
        limit=REPORT_LIMIT,
    ), 422


@bp.route("/outcomes/<int:upload_id>")
def outcome_upload(upload_id: int):
    """A stored upload: the rows used, the rows not used and why, and (until HR confirms) the
    button that starts training."""
    return _upload_page(db.get_or_404(OutcomeUpload, upload_id))


def _upload_page(upload: OutcomeUpload, notice: str | None = None, status: int = 200):
    """An upload's page; its confirmation names the digest of the rows it shows. With
    `notice`, the page again, saying why nothing was trained."""
    runs = db.session.scalars(
        select(TrainingRun).where(TrainingRun.upload_id == upload.id).order_by(TrainingRun.id)
    ).all()
    confirm = ConfirmTrainingForm(formdata=None, rows_digest=upload.rows_digest)
    return render_template(
        "hr/outcome_upload.html",
        discipline=discipline_title(upload.pack),
        upload=upload,
        runs=runs,
        confirm=confirm,
        not_usable=upload.not_usable,
        reasons=NOT_USABLE,
        limit=REPORT_LIMIT,
        notice=notice,
    ), status


@bp.route("/outcomes/<int:upload_id>/train", methods=["POST"])
def train_upload(upload_id: int):
    """HR confirms training on an upload's usable rows, the ones its page showed: when they
    changed since (one person's records removed in another tab), nothing is trained and the
    page is shown again with the rows it holds now (409); confirming again starts nothing."""
    upload = db.get_or_404(OutcomeUpload, upload_id)
    form = ConfirmTrainingForm()
    if not form.validate_on_submit():
        abort(400)  # no valid CSRF token, or no digest of the rows the page showed
    if upload.confirmed_at is None:
        running = jobs.run_in_progress(*upload.training_keys)
        if running is not None:
            return _already_training(running, upload)
    if not confirm_upload(upload):
        db.session.rollback()
        flash(ALREADY_CONFIRMED)
        return redirect(_latest_run_url(upload))
    audit.record(
        "outcomes_confirmed",
        upload.filename,
        upload=upload.id,
        rows=upload.rows,
        not_usable=len(upload.not_usable),
    )
    try:
        # commits the confirmation with the run, if the rows are still the ones shown
        run = jobs.launch_training(upload, current_user, confirmed=form.rows_digest.data)
    except jobs.RowsChanged:  # the confirmation was rolled back: nothing was launched
        return _rows_changed(upload)
    except jobs.AlreadyTraining as already:  # the confirmation was rolled back with the run
        return _already_training(already.run, upload)
    return redirect(url_for(".training_run", run_id=run.id, follow=1))


def _rows_changed(upload: OutcomeUpload):
    """409: the upload's page again, with the rows it holds now, saying that the confirmation
    posted was given for others (records removed since it was shown, or not from this page)."""
    db.session.refresh(upload)
    notice = (
        "The rows are not the ones the page you confirmed on showed: records were removed "
        "since (on the page for one person's records), or the confirmation did not come from "
        f"this page. The upload now holds {upload.rows:,} row{'' if upload.rows == 1 else 's'}; "
        "check them below and confirm again to train on them."
    )
    return _upload_page(upload, notice, 409)


def _latest_run_url(upload: OutcomeUpload) -> str:
    run = _latest_run(upload)
    if run is None:
        return url_for(".outcome_upload", upload_id=upload.id)
    return url_for(".training_run", run_id=run.id, follow=1)  # they asked for it to train


@bp.route("/training/<int:run_id>")
def training_run(run_id: int):
    """Where a training run stands. Whoever just started the run follows it: the page reloads
    itself until the run ends, with a link that stops it (WCAG 2.2.1: a reload the reader
    can turn off); anyone else gets a "check again" link and no reloading."""
    run = db.get_or_404(TrainingRun, run_id)
    upload = db.session.get(OutcomeUpload, run.upload_id)
    follow = request.args.get("follow") == "1" and not run.finished
    return render_template(
        "hr/training_run.html",
        run=run,
        upload=upload,
        discipline=discipline_title(upload.pack),
        follow=follow,
        done_before=_done_before(run),
        again=ConfirmForm() if run.status == FAILED and _latest_run(upload) is run else None,
    )


def _done_before(run: TrainingRun) -> TrainingRun | None:
    """The latest earlier run of the same training (the same rows, pack version and choices)
    that made a candidate: an outside review uploaded a file already trained and got a second,
    identical candidate, told nothing."""
    if run.training_key is None:
        return None
    return db.session.scalars(
        select(TrainingRun)
        .where(
            TrainingRun.training_key == run.training_key,
            TrainingRun.id < run.id,
            TrainingRun.status == SUCCEEDED,
        )
        .order_by(TrainingRun.id.desc())
        .limit(1)
    ).first()


@bp.route("/training/<int:run_id>/again", methods=["POST"])
def train_again(run_id: int):
    """A failed run's training started again on the upload it read, which is stored: no file to
    send again. Only the upload's latest run, once it has failed (otherwise the run to follow
    is shown, with why); a second click, or another tab, finds the new run and starts
    nothing."""
    run = db.get_or_404(TrainingRun, run_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    upload = db.session.get(OutcomeUpload, run.upload_id)
    latest = _latest_run(upload) or run  # the run itself at least
    refused = (
        f"run {latest.id} came after it."
        if latest.id != run.id
        else "it has not failed."
        if run.status != FAILED
        else None
    )
    if refused:
        flash(f"Run {run.id} was not started again: {refused}")
        return redirect(url_for(".training_run", run_id=latest.id))
    try:
        again = jobs.launch_training(upload, current_user, again_after=run)
    except jobs.AlreadyTraining as already:  # started again at the same moment elsewhere
        return _already_training(already.run)
    return redirect(url_for(".training_run", run_id=again.id, follow=1))


def _latest_run(upload: OutcomeUpload) -> TrainingRun | None:
    """The upload's newest run; None for one not confirmed for training yet."""
    return db.session.scalars(
        select(TrainingRun)
        .where(TrainingRun.upload_id == upload.id)
        .order_by(TrainingRun.id.desc())
        .limit(1)
    ).first()


@bp.route("/training/<int:run_id>.json")
def training_run_json(run_id: int):
    """The run's status for scripts."""
    run = db.get_or_404(TrainingRun, run_id)
    return jsonify(
        id=run.id,
        status=run.status,
        stage=run.stage,
        version=run.version,
        error=run.error,
        summary=run.summary,
    )


@bp.route("/outcomes/person")
def person_records():
    """What every upload holds about one person, found by the id the files name them by (or
    their account's other id), with the button that removes it. Each lookup is in the audit
    log: the page shows a person's sensitive attributes."""
    form = PersonLookupForm(request.args)
    if "employee_id" not in request.args:
        return _person_page(form)
    if not form.validate():
        return _person_page(form, status=422)
    records = _looked_up(form.employee_id.data)
    remove = RemoveRecordsForm(employee_id=form.employee_id.data)
    return _person_page(form, records, remove)


def _looked_up(employee_id: str):
    """The person's records, the lookup in the audit log (with the id whole: an email may be
    longer than an event's subject)."""
    records = records_of(employee_id)
    versions_that_learnt(records)
    audit.record(
        "outcome_records_viewed",
        employee_id,
        employee_id=employee_id,
        uploads=[entry.upload.id for entry in records.uploads],
    )
    db.session.commit()
    return records


@bp.route("/outcomes/person/remove", methods=["POST"])
def remove_person_records():
    """Remove everything the uploads hold about one person, after HR ticked that this cannot
    be undone and does not reach into trained versions; refused while a run is training on one
    of the uploads, and when the id names more than one account."""
    remove = RemoveRecordsForm()
    if not remove.validate_on_submit():
        if remove.csrf_token.errors or remove.employee_id.errors:
            abort(400)
        form = PersonLookupForm(employee_id=remove.employee_id.data)
        return _person_page(form, _looked_up(remove.employee_id.data), remove, 422)
    employee_id = remove.employee_id.data
    again = url_for(".person_records", employee_id=employee_id)
    records = records_of(employee_id)
    if records.ambiguous:
        flash(
            f"Nothing was removed: {employee_id} names more than one account "
            f"({', '.join(account.email for account in records.accounts)}), so whose records "
            "these are cannot be told. Give each person their own employee id first."
        )
        return redirect(again, 303)
    try:
        removal = remove_records(records)
    except RemovalRefused as refused:
        db.session.rollback()
        runs = ", ".join(f"run {run.id} ({run.status})" for run in refused.runs)
        flash(
            f"Nothing was removed: training is under way on an upload that holds this person "
            f"({runs}) and may have read their rows. Remove them once it has finished."
        )
        return redirect(again, 303)
    if not removal.uploads:  # removed already (a second click, another tab): nothing to record
        flash(f"The uploads hold nothing about {employee_id} (any more): nothing was removed.")
        return redirect(again, 303)
    counts = {
        "outcome_rows": sum(removal.outcomes.values()),
        "rows_not_used": sum(removal.not_usable.values()),
        "sensitive_values": sum(removal.sensitive.values()),
    }
    audit.record(
        "outcome_records_removed",
        employee_id,
        **{name: count for name, count in counts.items() if count},
        uploads=removal.uploads,
        employee_id=employee_id,
    )
    db.session.commit()
    retrain = (
        " Uploads that were trained on them wait for your confirmation to train again on the "
        "rows they hold now."
        if removal.outcomes
        else ""
    )
    flash(
        f"Removed {employee_id}'s records from "
        f"{len(removal.uploads)} upload{'s' if len(removal.uploads) != 1 else ''}: "
        f"{_counted(removal)}.{retrain}"
    )
    return redirect(again, 303)


def _person_page(form, records=None, remove=None, status: int = 200):
    """The lookup page: the form, and what was found with the removal form."""
    page = render_template(
        "hr/person_records.html",
        form=form,
        records=records,
        remove=remove,
        reasons=NOT_USABLE,
        now=utcnow(),
    )
    return page, status


def _counted(removal) -> str:
    parts = []
    for count, one, many in (
        (sum(removal.outcomes.values()), "outcome row", "outcome rows"),
        (sum(removal.sensitive.values()), "sensitive value", "sensitive values"),
        (sum(removal.not_usable.values()), "row not used", "rows not used"),
    ):
        if count:
            parts.append(f"{count:,} {one if count == 1 else many}")
    return ", ".join(parts)
