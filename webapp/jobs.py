"""Background work: launching a training run, its heartbeat, giving up runs whose worker died,
and the two runners (a separate process, or inline on a thread of this process for tests).

`launch_training` records a run and hands its id to the configured runner
(`TRACKFIT_JOBS`): "process" starts `python -m webapp.jobs RUN_ID`, a separate, lower-priority
process on its own database connection and the same model registry, so training's CPU stays
away from the web workers' GIL; "inline" runs the same job on a thread of this process (tests,
where a process per run costs seconds of imports). Either way the page that launched it returns
at once and a status page follows the run's row.

While it works, the job marks its row alive every few seconds (`Heartbeat`). A run whose worker
died without a word (a restart, a kill, out of memory) would otherwise show "running" for ever:
`give_up_stale_runs` records such runs as failed, whenever HR starts a training, on the first
request an app serves (a restarted server) and at most once a minute after that.
"""

from __future__ import annotations

import contextlib
import logging
import os
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from flask import Flask, current_app
from sqlalchemy import func, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, OperationalError, SQLAlchemyError

from webapp import audit, learning
from webapp.accounts.models import User
from webapp.answering import ModelRefused
from webapp.database import utcnow
from webapp.extensions import db
from webapp.hr.outcomes.models import (
    FAILED,
    QUEUED,
    RUNNING,
    SUCCEEDED,
    OutcomeUpload,
    TrainingRun,
)
from webapp.hr.outcomes.training import TrainingRefused, train_on_upload
from webapp.hr.outcomes.verdict_rows import keep_verdict_rows, model_digest
from webapp.settings import JOBS_IN_A_PROCESS, JOBS_INLINE

log = logging.getLogger(__name__)
NICENESS = 19  # the lowest priority: web workers always come first
# One thread for numpy's and scikit-learn's native code: on a small server, a training run
# that takes every core slows every page.
ONE_THREAD = {
    name: "1"
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS")
}
HEARTBEAT_SECONDS = 10.0
# A run whose worker has not shown it is alive for this long has died.
STALE_AFTER = timedelta(minutes=2)
# A run's own writes (its stage, its result, its failure) tried again while the database is
# busy: SQLite lets one writer at a time, and another's long write (HR removing one person's
# records from a large upload) outlasts the 5 s the connection waits. The pauses between tries
# (1, 2, 4, ... s) come to about a minute, within STALE_AFTER; the heartbeat keeps beating.
RUN_WRITE_TRIES = 7
# How often a web process looks for such runs; a request is its only clock.
STALE_CHECK_SECONDS = 60.0
STOPPED = (
    "The training process stopped without finishing (for example, the server restarted). "
    "Train again on the stored file from this page."
)
# Started processes still running; each has a thread that collects its exit status the moment
# it ends (a run that finishes, fails or is killed leaves no zombie process behind).
_children: list[subprocess.Popen] = []


def init_app(app: Flask) -> None:
    """Give up stale runs on the first request the app serves and at most once a minute after
    that (see `give_up_stale_runs`)."""
    schedule = _StaleCheck()
    app.extensions["trackfit.jobs"] = schedule
    app.before_request(schedule.now_and_then)


class AlreadyTraining(Exception):
    """The same training (see `outcomes.models.training_key`) is already queued or running:
    `run`, or None when it ended in the moment between being refused and looking it up."""

    def __init__(self, run: TrainingRun | None):
        super().__init__("the same training is already queued or running")
        self.run = run


class RowsChanged(Exception):
    """An upload's rows are no longer the ones a confirmation to train on them was given
    for (one person's records were removed since the page was shown): nothing was launched,
    and everything in the session was rolled back."""

    def __init__(self, upload: OutcomeUpload):
        super().__init__(f"upload {upload.id} holds other rows than were confirmed")
        self.upload = upload


def _one_run_per_training(refused: IntegrityError) -> bool:
    """Whether the database refused a run because the same training is in progress (the
    unique index of migration 0008, named by PostgreSQL; its column, by SQLite)."""
    said = str(refused.orig)
    return "uq_training_runs_in_progress" in said or "training_runs.training_key" in said


def run_in_progress(*keys: str) -> TrainingRun | None:
    """The queued or running run of the training named by any of `keys` (one training may
    have an older key too, see `OutcomeUpload.training_keys`), if there is one (stale runs
    are given up first, so a run whose worker died never blocks a new one)."""
    give_up_stale_runs()
    return db.session.scalar(
        select(TrainingRun)
        .where(TrainingRun.training_key.in_(keys), TrainingRun.status.in_((QUEUED, RUNNING)))
        .order_by(TrainingRun.id)
        .limit(1)
    )


def launch_training(
    upload: OutcomeUpload,
    started_by: User,
    confirmed: str | None = None,
    again_after: TrainingRun | None = None,
) -> TrainingRun:
    """Record a run for an upload and start it, committing it with whatever the session holds
    (a new upload, a confirmation). When the same training is already queued or running the
    database refuses a second: everything in the session is rolled back and `AlreadyTraining`
    names the run there is.

    The upload's row is locked (on PostgreSQL; SQLite takes one writer at a time) and read
    again first: a removal of one person's records from it (`person_records`) either ends
    before, and the run trains on what it left, under its new digest, or waits for this run
    to be recorded, sees it, and removes nothing. With `confirmed` (the digest of the rows HR
    was shown and confirmed), a removal that ended before is not trained on unseen: everything
    in the session is rolled back and `RowsChanged` says so. With `again_after` (a failed run
    HR started again), the audit event names the run it repeats."""
    db.session.execute(
        select(OutcomeUpload.id).where(OutcomeUpload.id == upload.id).with_for_update()
    )
    db.session.refresh(upload)
    if confirmed is not None and upload.rows_digest != confirmed:
        db.session.rollback()
        raise RowsChanged(upload)
    key = upload.training_key
    run = TrainingRun(upload_id=upload.id, started_by=started_by.id, training_key=key)
    db.session.add(run)
    repeats = {} if again_after is None else {"again_after": again_after.id}
    audit.record(
        "training_started",
        f"upload {upload.id}",
        upload=upload.filename,
        pack=upload.pack,
        **repeats,
    )
    try:
        db.session.commit()
    except IntegrityError as refused:
        db.session.rollback()
        if not _one_run_per_training(refused):
            raise  # another constraint: our bug, not a second upload
        raise AlreadyTraining(run_in_progress(key)) from None
    runner = RUNNERS[current_app.config["TRACKFIT_JOBS"]]
    runner(current_app._get_current_object(), run.id, discipline=upload.pack.partition("@")[0])
    return run


def _in_a_process(app: Flask, run_id: int, discipline: str | None = None) -> None:
    """Start `python -m webapp.jobs RUN_ID` with the app's settings, its output in the run's
    log file. The process is set to the discipline of the upload it trains for (the app's
    default when not given)."""
    config = app.config
    environment = {
        **os.environ,
        "TRACKFIT_ENV": config["TRACKFIT_ENV"],
        "SECRET_KEY": config["SECRET_KEY"],
        "DATABASE_URL": config["SQLALCHEMY_DATABASE_URI"],
        "TRACKFIT_PACK": str(discipline or config["TRACKFIT_PACK"]),
        **ONE_THREAD,
    }
    if config.get("TRACKFIT_MODELS"):
        environment["TRACKFIT_MODELS"] = str(config["TRACKFIT_MODELS"])
    log_path = Path(app.instance_path) / "training" / f"run-{run_id}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("ab") as output:
        child = subprocess.Popen(
            [sys.executable, "-m", "webapp.jobs", str(run_id)],
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            cwd=Path(__file__).resolve().parents[1],
        )
    _children.append(child)
    threading.Thread(
        target=_reap, args=(child,), name=f"reaper of training run {run_id}", daemon=True
    ).start()


def _reap(child: subprocess.Popen) -> None:
    """Wait for a training process to end, so the kernel can forget it."""
    child.wait()
    with contextlib.suppress(ValueError):
        _children.remove(child)


def _inline(app: Flask, run_id: int, discipline: str | None = None) -> None:
    """Run the job on a thread of this process: the same job, heartbeat and status page,
    without a process to start (tests; a development server). The job trains in the pack
    version its upload was checked against, whatever this app's default discipline."""
    threading.Thread(
        target=run_training, args=(app, run_id), name=f"training run {run_id}", daemon=True
    ).start()


RUNNERS = {JOBS_IN_A_PROCESS: _in_a_process, JOBS_INLINE: _inline}


def run_training(app: Flask, run_id: int) -> None:
    """Train the candidate of one queued run and record how it went."""
    with app.app_context():
        # Claimed only while still queued, in one statement: a run given up as stale before
        # its worker began (and perhaps followed by a new run of the same training) is never
        # turned back to running.
        claimed = db.session.execute(
            update(TrainingRun)
            .where(TrainingRun.id == run_id, TrainingRun.status == QUEUED)
            .values(status=RUNNING, started_at=utcnow(), stage="reading the outcome data")
        )
        db.session.commit()
        if claimed.rowcount != 1:
            return
        run = db.session.get(TrainingRun, run_id)
        with Heartbeat(db.engine, run_id):
            _train(run)


def _train(run: TrainingRun) -> None:
    actor = db.session.get(User, run.started_by) if run.started_by else None
    behind: list[dict] = []  # the people behind the verdict, kept before success is recorded
    try:
        upload = db.session.get(OutcomeUpload, run.upload_id)
        summary = train_on_upload(
            upload, progress=lambda stage: _stage(run, stage), keep=behind.extend
        )
    except TrainingRefused as refused:
        _fail(run, actor, str(refused))
        return
    except Exception:
        traceback.print_exc()
        _fail(run, actor, "an internal error stopped training; the run's log has details")
        return

    # kept before the run says it succeeded: a page that shows the run finished shows its
    # people too (or, when keeping them failed, that none are kept)
    kept = None
    try:
        kept = keep_verdict_rows(run, behind)
    except SQLAlchemyError:  # the version stands; its page says none are kept
        db.session.rollback()
        log.exception("the people behind run %s's verdict could not be kept", run.id)

    def succeeded() -> None:
        run.status, run.stage, run.finished_at = SUCCEEDED, "finished", utcnow()
        run.version = summary["version"]
        run.summary = {
            key: summary[key]
            for key in ("version", "active", "rows", "rows_used", "cross_fitted", "verdict")
        } | {"model_sha256": _model_digest(summary["version"])}
        if kept is not None:
            run.summary["verdict_rows"] = kept
        audit.record(
            "training_finished",
            summary["version"],
            actor=actor,
            run=run.id,
            rows=summary["rows"],
            pack=upload.pack,
        )

    _written(succeeded)


def _model_digest(version: str) -> str | None:
    """The SHA-256 of the model file of the version a run wrote (what tells it from a version
    of the same name in a registry made anew), or None when its manifest does not read."""
    try:
        return model_digest(learning.registry_writer().manifest(version))
    except ModelRefused:
        return None


def _written(write: Callable[[], None]) -> None:
    """Make a run's write and commit it, made again after a pause while the database is busy
    (`RUN_WRITE_TRIES`); the last refusal is raised."""
    for attempt in range(RUN_WRITE_TRIES):
        try:
            write()
            db.session.commit()
            return
        except OperationalError as error:
            db.session.rollback()
            if attempt == RUN_WRITE_TRIES - 1:
                raise
            log.warning("a training run's write waits for a busy database: %s", error)
            time.sleep(2**attempt)


class Heartbeat:
    """Marks a run alive now and then every `interval` seconds, from a thread of the job's
    worker on a connection of its own, until the `with` block ends."""

    def __init__(self, engine: Engine, run_id: int, interval: float = HEARTBEAT_SECONDS):
        self.engine, self.run_id, self.interval = engine, run_id, interval
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._beat_until_stopped, daemon=True)

    def __enter__(self) -> Heartbeat:
        self._beat()
        self._thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        self._stopped.set()
        self._thread.join()

    def _beat_until_stopped(self) -> None:
        while not self._stopped.wait(self.interval):
            self._beat()

    def _beat(self) -> None:
        try:
            with self.engine.begin() as connection:
                connection.execute(
                    update(TrainingRun.__table__)
                    .where(TrainingRun.__table__.c.id == self.run_id)
                    .values(heartbeat_at=utcnow())
                )
        except OperationalError as error:  # a busy database: the next beat will do
            log.warning("training run %s: heartbeat not recorded: %s", self.run_id, error)


def give_up_stale_runs() -> None:
    """Record as failed every queued or running run whose worker has not shown it is alive
    for `STALE_AFTER` (the starting time counts for a run that never began)."""
    last_sign = func.coalesce(TrainingRun.heartbeat_at, TrainingRun.created_at)
    stale = db.session.scalars(
        select(TrainingRun).where(
            TrainingRun.status.in_((QUEUED, RUNNING)), last_sign < utcnow() - STALE_AFTER
        )
    ).all()
    for run in stale:
        starter = db.session.get(User, run.started_by) if run.started_by else None
        _record_failure(run, starter, STOPPED)
    if stale:
        db.session.commit()


class _StaleCheck:
    """When a web process next looks for stale runs: at its first request, then every
    `STALE_CHECK_SECONDS` (one thread looks, the others go on)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._next = 0.0  # monotonic time

    def now_and_then(self) -> None:
        now = time.monotonic()
        with self._lock:
            if now < self._next:
                return
            self._next = now + STALE_CHECK_SECONDS
        try:
            give_up_stale_runs()
        except OperationalError as error:  # a busy database: the next look will do
            db.session.rollback()
            log.warning("stale training runs not checked: %s", error)


def _stage(run: TrainingRun, stage: str) -> None:
    """Show how far the run is; a busy database only delays it (the work goes on)."""
    try:
        run.stage = stage
        db.session.commit()
    except OperationalError as error:
        db.session.rollback()
        log.warning("training run %s: stage %r not shown yet: %s", run.id, stage, error)


def _fail(run: TrainingRun, actor: User | None, message: str) -> None:
    db.session.rollback()
    _written(lambda: _record_failure(run, actor, message))


def _record_failure(run: TrainingRun, actor: User | None, message: str) -> None:
    """Mark the run failed with the reason, in its row and in the audit log (not committed)."""
    run.status, run.finished_at, run.error, run.stage = FAILED, utcnow(), message, "failed"
    audit.record("training_failed", f"run {run.id}", actor=actor, error=message[:300])


def _lowest_priority() -> None:
    """Nice this process. The run has a session of its own (so a restarting web worker does not
    take it down), and Linux schedules a session as an autogroup: niceness counts only inside
    it, so the autogroup is niced too where the kernel allows."""
    os.nice(NICENESS)
    # not Linux, autogroups off, or not permitted: the process niceness still holds
    with contextlib.suppress(OSError):
        Path("/proc/self/autogroup").write_text(f"{NICENESS}\n")


def main(argv: list[str]) -> int:
    """`python -m webapp.jobs RUN_ID`: one training run, in this process."""
    from webapp import create_app  # noqa: PLC0415

    if len(argv) != 1 or not argv[0].isdigit():
        print("usage: python -m webapp.jobs RUN_ID", file=sys.stderr)
        return 2
    _lowest_priority()
    run_training(create_app(), int(argv[0]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
