"""server-side login sessions; uniqueness in the database: one active share per assessment, one
unfinished assessment per person and pack, employee ids unique whatever their case; why a share
ended (revoked, or the person's manager changed)

Revision ID: 0005_sessions_and_uniqueness
Revises: 0004_outcome_confirmation
Create Date: 2026-12-01 20:30:00.000000

"""

from collections import defaultdict
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from webapp.storage import MigrationRefused

# revision identifiers, used by Alembic.
revision = "0005_sessions_and_uniqueness"
down_revision = "0004_outcome_confirmation"
branch_labels = None
depends_on = None

NOT_REVOKED = sa.text("revoked_at IS NULL")
UNFINISHED = sa.text("completed_at IS NULL")


def upgrade():
    connection = op.get_bind()
    # Everything that would stop the upgrade is checked before anything is changed.
    _refuse_employee_id_clashes(connection)
    empty_duplicates = _empty_duplicate_assessments(connection)
    op.create_table(
        "login_sessions",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(), nullable=False),
        sa.Column("ended_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_login_sessions_user_id", "login_sessions", ["user_id"], unique=False)
    with op.batch_alter_table("shares", schema=None) as batch_op:
        batch_op.add_column(sa.Column("ended_because", sa.String(length=16), nullable=True))

    now = datetime.now(UTC).replace(tzinfo=None)
    connection.execute(
        sa.text("UPDATE shares SET ended_because = 'revoked' WHERE revoked_at IS NOT NULL")
    )
    _end_shares_with_former_managers(connection, now)
    _end_duplicate_shares(connection, now)
    for assessment_id in empty_duplicates:
        connection.execute(sa.text("DELETE FROM assessments WHERE id = :id"), {"id": assessment_id})

    op.create_index(
        "uq_shares_active_assessment",
        "shares",
        ["assessment_id"],
        unique=True,
        sqlite_where=NOT_REVOKED,
        postgresql_where=NOT_REVOKED,
    )
    op.create_index(
        "uq_assessments_unfinished",
        "assessments",
        ["user_id", "pack"],
        unique=True,
        sqlite_where=UNFINISHED,
        postgresql_where=UNFINISHED,
    )
    op.create_index(
        "uq_users_employee_id_lower", "users", [sa.text("lower(employee_id)")], unique=True
    )


def _refuse_employee_id_clashes(connection) -> None:
    """Employee ids that differ only in case name one person in outcome files: HR must choose
    which account keeps the id before the database can insist on it."""
    owners = defaultdict(list)
    for email, employee_id in connection.execute(
        sa.text("SELECT email, employee_id FROM users WHERE employee_id IS NOT NULL ORDER BY id")
    ):
        owners[employee_id.lower()].append(f"{employee_id} ({email})")
    clashes = [", ".join(found) for found in owners.values() if len(found) > 1]
    if clashes:
        raise MigrationRefused(
            "employee ids must be unique whatever their case, and these accounts share one: "
            + "; ".join(clashes)
            + ". Change or clear all but one of each on HR's people page (or in the org "
            "chart), then run the upgrade again."
        )


def _end_shares_with_former_managers(connection, now: datetime) -> None:
    """A share is with a named manager: one whose manager has since changed has ended."""
    connection.execute(
        sa.text(
            "UPDATE shares SET revoked_at = :now, ended_because = 'manager_changed' "
            "WHERE revoked_at IS NULL AND NOT EXISTS ("
            " SELECT 1 FROM assessments JOIN users ON users.id = assessments.user_id"
            " WHERE assessments.id = shares.assessment_id"
            " AND users.manager_id = shares.manager_id)"
        ),
        {"now": now},
    )


def _end_duplicate_shares(connection, now: datetime) -> None:
    """Two clicks that raced could share an assessment twice: the newest share stays."""
    active = defaultdict(list)
    for share_id, assessment_id in connection.execute(
        sa.text("SELECT id, assessment_id FROM shares WHERE revoked_at IS NULL ORDER BY id")
    ):
        active[assessment_id].append(share_id)
    older = [share_id for ids in active.values() for share_id in ids[:-1]]
    for share_id in older:
        connection.execute(
            sa.text(
                "UPDATE shares SET revoked_at = :now, ended_because = 'revoked' WHERE id = :id"
            ),
            {"now": now, "id": share_id},
        )


def _empty_duplicate_assessments(connection) -> list[int]:
    """Two "start" clicks that raced could begin two assessments: the one with the most answers
    stays; the others are removed when nothing was answered in them, else the upgrade stops."""
    unfinished = defaultdict(list)
    for row in connection.execute(
        sa.text(
            "SELECT id, user_id, pack, step, answers, context FROM assessments "
            "WHERE completed_at IS NULL ORDER BY id"
        )
    ):
        unfinished[(row.user_id, row.pack)].append(row)
    kept_answers, empty = [], []
    for (user_id, pack), rows in unfinished.items():
        if len(rows) < 2:
            continue
        keep = max(rows, key=lambda row: (row.step, row.id))
        for row in rows:
            if row is keep:
                continue
            if row.step == 0 and _empty(row.answers) and _empty(row.context):
                empty.append(row.id)
            else:
                kept_answers.append(f"assessment {row.id} (user {user_id}, pack {pack})")
    if kept_answers:
        raise MigrationRefused(
            "a person may have one unfinished assessment per pack, and these have answers "
            "beside another unfinished one: " + "; ".join(kept_answers) + ". Delete or finish "
            "them, then run the upgrade again."
        )
    return empty


def _empty(value) -> bool:
    return value in (None, {}, "{}", "null")


def downgrade():
    op.drop_index("uq_users_employee_id_lower", table_name="users")
    op.drop_index("uq_assessments_unfinished", table_name="assessments")
    op.drop_index("uq_shares_active_assessment", table_name="shares")
    with op.batch_alter_table("shares", schema=None) as batch_op:
        batch_op.drop_column("ended_because")
    op.drop_index("ix_login_sessions_user_id", table_name="login_sessions")
    op.drop_table("login_sessions")
