"""What HR uploads and runs: outcome files, their rows, the sensitive attributes kept apart
from answers, and background training runs."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, String, Text, UniqueConstraint, text, true
from sqlalchemy.orm import Mapped, mapped_column

from webapp.database import utcnow
from webapp.extensions import db

SHORT, FULL = "short", "full"
QUEUED, RUNNING, SUCCEEDED, FAILED = "queued", "running", "succeeded", "failed"
IN_PROGRESS = text("status IN ('queued', 'running')")


class OutcomeUpload(db.Model):
    """One validated outcome file (a file with any problem is never stored). Only its usable
    rows are stored; the rows that cannot be used (people who left or never finished an
    assessment) are listed in `not_usable`, and HR confirms training on the rest."""

    __tablename__ = "outcome_uploads"

    id: Mapped[int] = mapped_column(primary_key=True)
    uploaded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)
    filename: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(8))
    pack: Mapped[str] = mapped_column(String(80))
    rows: Mapped[int]
    # of those rows, how many carry a response-quality flag, which training leaves out (None:
    # stored before this was counted)
    flagged: Mapped[int | None]
    sha256: Mapped[str] = mapped_column(String(64))
    sensitive_columns: Mapped[list[str]] = mapped_column(JSON, default=list)
    # {"line", "employee_id", "reason"} per row left out; see outcomes.upload.NOT_USABLE
    not_usable: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    confirmed_at: Mapped[datetime | None]  # None: the report waits for HR to confirm training
    # whether the candidate may shrink toward the active version where cross-validation says
    # that pays (False: it learns from these people alone)
    from_active: Mapped[bool] = mapped_column(default=True, server_default=true())
    # the digest of the rows it trains on, whatever their order and the file's line ends or
    # quoting (`upload.content_digest`); None for uploads stored before it was kept
    content_sha256: Mapped[str | None] = mapped_column(String(64))

    @property
    def rows_digest(self) -> str:
        """The digest of the rows it holds now (its bytes' for an upload stored before the
        rows' digest was kept): what a confirmation to train on it names."""
        return self.content_sha256 or self.sha256

    @property
    def training_key(self) -> str:
        """What makes its training the same as another's (see `training_key`)."""
        return training_key(self.pack, self.rows_digest, self.from_active, self.sensitive_columns)

    @property
    def training_keys(self) -> tuple[str, ...]:
        """Its training's key, and the key its bytes had before uploads kept the digest of
        their rows (migration 0009), under which a run started then may still be going."""
        bytes_key = training_key(self.pack, self.sha256, self.from_active, self.sensitive_columns)
        return tuple(dict.fromkeys((self.training_key, bytes_key)))


def training_key(pack: str, digest: str, from_active: bool, sensitive: list[str]) -> str:
    """What makes two trainings the same: the people and outcomes they learn from (the digest
    of the checked rows, `upload.content_digest`), the pack version, whether the candidate may
    start from the active version, and which columns are sensitive (the fairness report's
    groups)."""
    parts = [pack, digest, str(bool(from_active)), *sorted(set(sensitive or []))]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


class OutcomeRecord(db.Model):
    """One person's outcome: the track taken and whether they succeeded in it, with either a
    stored assessment (short file) or the answers given in the file (full file)."""

    __tablename__ = "outcome_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    upload_id: Mapped[int] = mapped_column(
        ForeignKey("outcome_uploads.id", ondelete="CASCADE"), index=True
    )
    employee_id: Mapped[str] = mapped_column(String(120))
    assessment_id: Mapped[int | None] = mapped_column(
        ForeignKey("assessments.id", ondelete="SET NULL")
    )
    answers: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    context: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    track_taken: Mapped[str] = mapped_column(String(16))
    success: Mapped[bool]


class SensitiveValue(db.Model):
    """A sensitive attribute of a person in an upload. Kept in its own table, read only by the
    fairness report, never joined to answers for training."""

    __tablename__ = "sensitive_values"

    id: Mapped[int] = mapped_column(primary_key=True)
    upload_id: Mapped[int] = mapped_column(
        ForeignKey("outcome_uploads.id", ondelete="CASCADE"), index=True
    )
    employee_id: Mapped[str] = mapped_column(String(120))
    attribute: Mapped[str] = mapped_column(String(64))
    value: Mapped[str | None] = mapped_column(String(120))


class TrainingRun(db.Model):
    """Training a candidate from an upload, run in the background (`webapp.jobs`) and followed
    here."""

    __tablename__ = "training_runs"
    # One run at a time of the same training, in the database: the same file uploaded twice at
    # once (a double click, a second tab) must not train two identical candidates.
    __table_args__ = (
        Index(
            "uq_training_runs_in_progress",
            "training_key",
            unique=True,
            sqlite_where=IN_PROGRESS,
            postgresql_where=IN_PROGRESS,
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    upload_id: Mapped[int] = mapped_column(ForeignKey("outcome_uploads.id", ondelete="CASCADE"))
    started_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    heartbeat_at: Mapped[datetime | None]  # the run's process last showed it was alive
    status: Mapped[str] = mapped_column(String(16), default=QUEUED)
    stage: Mapped[str] = mapped_column(String(120), default="waiting to start")
    version: Mapped[str | None] = mapped_column(String(32))
    error: Mapped[str | None] = mapped_column(Text)
    summary: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # the upload's `training_key` when the run was started (None for runs from before it was
    # kept)
    training_key: Mapped[str | None] = mapped_column(String(64))

    @property
    def finished(self) -> bool:
        """Whether the run has ended, one way or the other."""
        return self.status in (SUCCEEDED, FAILED)


class VerdictRow(db.Model):
    """One person behind a candidate's verdict (`recommender.learn.verdict_evidence`): whether
    they were judged, and the cross-fitted candidate's and the active version's chances of
    them. Kept beside the outcome row it was computed from, and gone with it when HR removes
    the records held about the person; gone too with the assessment whose answers gave the
    chances, when its owner deletes it. Never in the model registry, whose versions stay."""

    __tablename__ = "verdict_rows"
    __table_args__ = (UniqueConstraint("run_id", "record_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("training_runs.id", ondelete="CASCADE"))
    record_id: Mapped[int] = mapped_column(
        ForeignKey("outcome_records.id", ondelete="CASCADE"), index=True
    )
    # the assessment whose answers the chances were computed from (a short file's row)
    assessment_id: Mapped[int | None] = mapped_column(
        ForeignKey("assessments.id", ondelete="CASCADE"), index=True
    )
    judged: Mapped[bool]
    not_judged_because: Mapped[str | None] = mapped_column(String(64))
    learnt_by_active: Mapped[bool | None]  # None: the active version's record did not read
    candidate_ic: Mapped[float | None] = mapped_column(Float)
    candidate_manager: Mapped[float | None] = mapped_column(Float)
    active_ic: Mapped[float | None] = mapped_column(Float)
    active_manager: Mapped[float | None] = mapped_column(Float)
