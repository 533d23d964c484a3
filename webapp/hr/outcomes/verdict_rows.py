"""The people behind a verdict, as HR's pages keep them: stored when a run trains a candidate,
read back as the CSV HR downloads from the version's page to recompute the verdict.

Each row hangs off the outcome row and the assessment it was computed from, so that HR's
removal of what is held about a person, or the person's deletion of their assessment, takes it
too. The model registry keeps none of it (its versions are immutable).
"""

from __future__ import annotations

import csv
import io
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError

from webapp import learning
from webapp.answering import MODEL_FILE
from webapp.extensions import db
from webapp.hr.outcomes.models import SUCCEEDED, OutcomeRecord, TrainingRun, VerdictRow
from webapp.hr.outcomes.training import in_chunks, stored_assessments

# Rows whose outcome row or assessment went while they were being stored: checked again this
# many times before giving up
KEEP_TRIES = 3
ROWS_PER_INSERT = 5000


def keep_verdict_rows(run: TrainingRun, rows: list[dict[str, Any]]) -> int:
    """Store a run's rows (`training.rows_to_keep`) and commit; how many were kept, which
    the run's summary records as `verdict_rows` when it succeeds (a run without it kept none).
    A row whose outcome row or assessment is gone since training read it (removed, deleted)
    is not kept: it would keep what its person had taken away."""
    for attempt in range(KEEP_TRIES):
        present = _still_held(rows)
        try:
            for start in range(0, len(present), ROWS_PER_INSERT):
                chunk = present[start : start + ROWS_PER_INSERT]
                db.session.execute(insert(VerdictRow), [{"run_id": run.id, **row} for row in chunk])
            db.session.commit()
            return len(present)
        except IntegrityError:  # one went between the check and the insert
            db.session.rollback()
            if attempt == KEEP_TRIES - 1:
                raise
    return 0  # not reached


def _still_held(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    records: set[int] = set()
    for chunk in in_chunks(sorted({row["record_id"] for row in rows})):
        found = select(OutcomeRecord.id).where(OutcomeRecord.id.in_(chunk))
        records |= set(db.session.scalars(found))
    assessments = stored_assessments(
        [row["assessment_id"] for row in rows if row["assessment_id"] is not None]
    )
    return [
        row
        for row in rows
        if row["record_id"] in records
        and (row["assessment_id"] is None or row["assessment_id"] in assessments)
    ]


def model_digest(manifest: dict) -> str | None:
    """The SHA-256 of a version's model file, as its manifest records it: what tells this
    version from another given the same name (a registry made anew)."""
    digests = manifest.get("sha256")
    return digests.get(MODEL_FILE) if isinstance(digests, dict) else None


def evidence_run(version: str, manifest: dict) -> TrainingRun | None:
    """The run of HR's pages that trained this very version (its model's SHA-256 recorded
    when it succeeded) and kept the people behind its verdict; None when no run did (trained
    from the command line, before they were kept, or keeping them failed)."""
    run = db.session.scalars(
        select(TrainingRun)
        .where(TrainingRun.version == version, TrainingRun.status == SUCCEEDED)
        .order_by(TrainingRun.id.desc())
        .limit(1)
    ).first()
    summary = (run.summary or {}) if run else {}
    digest = model_digest(manifest)
    if not digest or summary.get("model_sha256") != digest or "verdict_rows" not in summary:
        return None
    return run


def kept_counts(run: TrainingRun) -> tuple[int, int]:
    """How many people behind the run's verdict are kept now, and how many of them it judged."""
    rows, judged = db.session.execute(
        select(func.count(), func.count().filter(VerdictRow.judged)).where(
            VerdictRow.run_id == run.id
        )
    ).one()
    return rows, judged


def evidence_csv(run: TrainingRun) -> tuple[str, int]:
    """The kept rows as the CSV `trackfit train --evidence` writes, in the order of the
    upload's rows, and their count."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(learning.EVIDENCE_COLUMNS)
    count = 0
    query = (
        select(VerdictRow, OutcomeRecord.employee_id, OutcomeRecord.track_taken)
        .add_columns(OutcomeRecord.success)
        .join(OutcomeRecord, OutcomeRecord.id == VerdictRow.record_id)
        .where(VerdictRow.run_id == run.id)
        .order_by(OutcomeRecord.id)
    )
    for row, employee_id, track_taken, success in db.session.execute(query):
        entry = learning.EvidenceRow(
            employee_id=employee_id,
            track_taken=track_taken,
            success=int(success),
            judged=row.judged,
            not_judged_because=row.not_judged_because,
            learnt_by_active=row.learnt_by_active,
            candidate={"ic": row.candidate_ic, "manager": row.candidate_manager},
            active={"ic": row.active_ic, "manager": row.active_manager},
        )
        writer.writerow(entry.cells())
        count += 1
    return out.getvalue(), count
