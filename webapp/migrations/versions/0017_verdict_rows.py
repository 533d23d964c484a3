"""verdict_rows: the people behind a candidate's verdict, kept where a person's removal
reaches them

A training run from HR's pages keeps, per person it judged or left out, whether they were
judged and the cross-fitted candidate's and the active version's chances of them, so that HR
can recompute the verdict. Each row hangs off the outcome row it was computed from and the
assessment whose answers gave the chances, and goes with either. Runs before this revision
kept none.

Revision ID: 0017_verdict_rows
Revises: 0016_address_unconfirmed
Create Date: 2026-12-06 03:30:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0017_verdict_rows"
down_revision = "0016_address_unconfirmed"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "verdict_rows",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=True),
        sa.Column("judged", sa.Boolean(), nullable=False),
        sa.Column("not_judged_because", sa.String(length=64), nullable=True),
        sa.Column("learnt_by_active", sa.Boolean(), nullable=True),
        sa.Column("candidate_ic", sa.Float(), nullable=True),
        sa.Column("candidate_manager", sa.Float(), nullable=True),
        sa.Column("active_ic", sa.Float(), nullable=True),
        sa.Column("active_manager", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(["run_id"], ["training_runs.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["record_id"], ["outcome_records.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["assessment_id"], ["assessments.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("run_id", "record_id"),
        sqlite_autoincrement=True,  # ids never given again, as 0014 made every table's
    )
    op.create_index("ix_verdict_rows_record_id", "verdict_rows", ["record_id"])
    op.create_index("ix_verdict_rows_assessment_id", "verdict_rows", ["assessment_id"])


def downgrade():
    op.drop_index("ix_verdict_rows_assessment_id", table_name="verdict_rows")
    op.drop_index("ix_verdict_rows_record_id", table_name="verdict_rows")
    op.drop_table("verdict_rows")
