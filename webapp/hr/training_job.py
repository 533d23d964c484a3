"""Training runs in the background: a separate, lower-priority process per run.

`start_training` records the run and starts `python -m webapp.hr.training_job RUN_ID`, which
works on its own database connection and the same model registry, and writes its progress to
the run's row; the page that started it returns at once and a status page follows the row.
A separate process (not a thread) keeps training's CPU away from the web workers' GIL.

While it works, the process marks the row alive every few seconds (`Heartbeat`). A run whose
process died without a word (a restart, a kill, out of memory) would otherwise show "running"
for ever: the pages that show runs call `give_up_stale_runs`, which records such runs as failed.
"""

from __future__ import annotations

import contextlib
import logging
import os
import subprocess
import sys
import threading
import traceback
from datetime import timedelta
from pathlib import Path

import numpy as np
from flask import Flask, current_app
from sqlalchemy import func, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

from webapp import answering, audit, learning
from webapp.accounts.models import User
from webapp.answering import Answers, answers_json, score_many
from webapp.assessment.models import Assessment
from webapp.database import utcnow
from webapp.extensions import db
from webapp.hr.outcomes.models import (
    FAILED,
    QUEUED,
    RUNNING,
    SUCCEEDED,
    OutcomeRecord,
    OutcomeUpload,
    SensitiveValue,
    TrainingRun,
)

log = logging.getLogger(__name__)
NICENESS = 19  # the lowest priority: web workers always come first
# One thread for numpy's and scikit-learn's native code: on a small server, a training run
# that takes every core slows every page.
ONE_THREAD = {
    name: "1"
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS")
}
HEARTBEAT_SECONDS = 10.0
# A run whose process has not shown it is alive for this long has died.
STALE_AFTER = timedelta(minutes=2)
STOPPED = (
    "The training process stopped without finishing (for example, the server restarted). "
    "Upload the file again to start a new run."
)
# Started runs, kept so their exit status is collected (no zombie processes) when the next
# run starts.
_children: list[subprocess.Popen] = []


def start_training(upload: OutcomeUpload, started_by: User) -> TrainingRun:
    """Record a run for an upload and start its process (the caller has committed the upload)."""
    run = TrainingRun(upload_id=upload.id, started_by=started_by.id)
    db.session.add(run)
    audit.record("training_started", f"upload {upload.id}", upload=upload.filename)
    db.session.commit()
    config = current_app.config
    environment = {
        **os.environ,
        "TRACKFIT_ENV": config["TRACKFIT_ENV"],
        "SECRET_KEY": config["SECRET_KEY"],
        "DATABASE_URL": config["SQLALCHEMY_DATABASE_URI"],
        "TRACKFIT_PACK": str(config["TRACKFIT_PACK"]),
        **ONE_THREAD,
    }
    if config.get("TRACKFIT_MODELS"):
        environment["TRACKFIT_MODELS"] = str(config["TRACKFIT_MODELS"])
    log_path = Path(current_app.instance_path) / "training" / f"run-{run.id}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    _children[:] = [child for child in _children if child.poll() is None]
    with log_path.open("ab") as output:
        child = subprocess.Popen(
            [sys.executable, "-m", "webapp.hr.training_job", str(run.id)],
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            cwd=Path(__file__).resolve().parents[2],
        )
    _children.append(child)
    return run


def run_training(app: Flask, run_id: int) -> None:
    """Train the candidate of one run and record how it went."""
    with app.app_context():
        run = db.session.get(TrainingRun, run_id)
        if run is None or run.status != QUEUED:
            return
        with Heartbeat(db.engine, run_id):
            _train(run)


def _train(run: TrainingRun) -> None:
    actor = db.session.get(User, run.started_by) if run.started_by else None
    _stage(run, "reading the outcome data", status=RUNNING)
    try:
        upload = db.session.get(OutcomeUpload, run.upload_id)
        profiles, track_taken, success, sensitive = _training_data(upload)
        summary = learning.train_candidate(
            profiles,
            track_taken,
            success,
            registry=learning.registry_writer(),
            data={
                "source": upload.filename,
                "sha256": upload.sha256,
                "upload": upload.id,
                "kind": upload.kind,
                "synthetic": False,
            },
            sensitive=sensitive,
            progress=lambda stage: _stage(run, stage),
        )
    except (learning.TrainingDataTooSmall, ValueError) as error:
        _fail(run, actor, str(error))
        return
    except Exception:
        traceback.print_exc()
        _fail(run, actor, "an internal error stopped training; the run's log has details")
        return
    run.status, run.stage, run.finished_at = SUCCEEDED, "finished", utcnow()
    run.version = summary["version"]
    run.summary = {
        key: summary[key]
        for key in ("version", "active", "rows", "rows_used", "cross_fitted", "verdict")
    }
    audit.record(
        "training_finished", summary["version"], actor=actor, run=run.id, rows=summary["rows"]
    )
    db.session.commit()


class Heartbeat:
    """Marks a run alive now and then every `interval` seconds, from a thread of the training
    process on a connection of its own, until the `with` block ends."""

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
    """Record as failed every queued or running run whose process has not shown it is alive
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


def _stage(run: TrainingRun, stage: str, status: str | None = None) -> None:
    run.stage = stage
    if status:
        run.status, run.started_at = status, utcnow()
    db.session.commit()


def _fail(run: TrainingRun, actor: User | None, message: str) -> None:
    db.session.rollback()
    _record_failure(run, actor, message)
    db.session.commit()


def _record_failure(run: TrainingRun, actor: User | None, message: str) -> None:
    """Mark the run failed with the reason, in its row and in the audit log (not committed)."""
    run.status, run.finished_at, run.error, run.stage = FAILED, utcnow(), message, "failed"
    audit.record("training_failed", f"run {run.id}", actor=actor, error=message[:300])


def _training_data(upload: OutcomeUpload):
    """Profiles, outcomes and sensitive columns of an upload, row for row.

    Answers come from the stored assessment (short file) or the file itself (full file);
    sensitive values come from their own table and go only to the fairness report.
    """
    pack = answering.current_pack()
    if upload.pack != pack.ref:
        raise ValueError(f"the upload is for pack {upload.pack}; this installation uses {pack.ref}")
    records = db.session.scalars(
        select(OutcomeRecord).where(OutcomeRecord.upload_id == upload.id).order_by(OutcomeRecord.id)
    ).all()
    linked = {
        a.id: a
        for a in db.session.scalars(
            select(Assessment).where(
                Assessment.id.in_([r.assessment_id for r in records if r.assessment_id])
            )
        )
    }
    people, kept = [], []
    for record in records:
        if record.answers is not None:
            answers, context = record.answers, record.context or {}
        elif record.assessment_id in linked:
            stored = linked[record.assessment_id]
            answers, context = stored.answers, stored.context
        else:
            continue  # the person deleted the assessment since the upload
        people.append(Answers.from_json(answers_json(record.employee_id, answers, context), pack))
        kept.append(record)
    values: dict[str, dict[str, str | None]] = {}
    for value in db.session.scalars(
        select(SensitiveValue).where(SensitiveValue.upload_id == upload.id)
    ):
        values.setdefault(value.attribute, {})[value.employee_id] = value.value
    sensitive = {
        name: np.array([by_person.get(r.employee_id) for r in kept], dtype=object)
        for name, by_person in values.items()
    }
    track_taken = np.array([r.track_taken for r in kept], dtype=object)
    success = np.array([int(r.success) for r in kept], dtype=np.int8)
    return score_many(pack, people), track_taken, success, sensitive


def _lowest_priority() -> None:
    """Nice this process. The run has a session of its own (so a restarting web worker does not
    take it down), and Linux schedules a session as an autogroup: niceness counts only inside
    it, so the autogroup is niced too where the kernel allows."""
    os.nice(NICENESS)
    # not Linux, autogroups off, or not permitted: the process niceness still holds
    with contextlib.suppress(OSError):
        Path("/proc/self/autogroup").write_text(f"{NICENESS}\n")


def main(argv: list[str]) -> int:
    """`python -m webapp.hr.training_job RUN_ID`."""
    from webapp import create_app  # noqa: PLC0415

    if len(argv) != 1 or not argv[0].isdigit():
        print("usage: python -m webapp.hr.training_job RUN_ID", file=sys.stderr)
        return 2
    _lowest_priority()
    run_training(create_app(), int(argv[0]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
