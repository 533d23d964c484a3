"""training_runs.training_key: at most one queued or running run of the same training

Revision ID: 0008_one_run_per_training
Revises: 0007_outcomes_from_active
Create Date: 2026-12-02 12:00:00.000000

"""

import hashlib
import json

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0008_one_run_per_training"
down_revision = "0007_outcomes_from_active"
branch_labels = None
depends_on = None

IN_PROGRESS = sa.text("status IN ('queued', 'running')")


# Plain ALTER TABLE. Every run gets its upload's key (as `training_key` computes it). Where
# runs of the same training are already in progress together, the earliest keeps the key and
# the others run on without one, so the index can be made without stopping anybody's training.
def upgrade():
    op.add_column("training_runs", sa.Column("training_key", sa.String(length=64), nullable=True))
    connection = op.get_bind()
    rows = connection.execute(
        sa.text(
            "SELECT training_runs.id, training_runs.status, outcome_uploads.pack, "
            "outcome_uploads.sha256, outcome_uploads.from_active, "
            "outcome_uploads.sensitive_columns FROM training_runs "
            "JOIN outcome_uploads ON outcome_uploads.id = training_runs.upload_id "
            "ORDER BY training_runs.id"
        )
    ).all()
    in_progress = set()
    for run_id, status, pack, sha256, from_active, sensitive in rows:
        key = _training_key(pack, sha256, from_active, sensitive)
        if status in ("queued", "running"):
            if key in in_progress:
                continue
            in_progress.add(key)
        connection.execute(
            sa.text("UPDATE training_runs SET training_key = :key WHERE id = :id"),
            {"key": key, "id": run_id},
        )
    op.create_index(
        "uq_training_runs_in_progress",
        "training_runs",
        ["training_key"],
        unique=True,
        sqlite_where=IN_PROGRESS,
        postgresql_where=IN_PROGRESS,
    )


def _training_key(pack, sha256, from_active, sensitive) -> str:
    if isinstance(sensitive, str):  # SQLite hands JSON back as its text
        sensitive = json.loads(sensitive)
    parts = [pack, sha256, str(bool(from_active)), *sorted(sensitive or [])]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def downgrade():
    op.drop_index("uq_training_runs_in_progress", table_name="training_runs")
    op.drop_column("training_runs", "training_key")
