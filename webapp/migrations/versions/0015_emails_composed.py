"""Email addresses stored composed (NFC), as they are now compared

An address whose accented letters were stored decomposed (an e and a combining accent, as some
programs export them) is stored composed, so that the person typing it with an é finds their
account. Two accounts whose addresses differ only so are one person's twice: the upgrade stops
and names them, changing nothing, for HR to merge or delete one first.

Revision ID: 0015_emails_composed
Revises: 0014_ids_never_reused
Create Date: 2026-12-05 04:10:00.000000

"""

import unicodedata
from collections import defaultdict

from alembic import op
from sqlalchemy import text

from webapp.storage import MigrationRefused

# revision identifiers, used by Alembic.
revision = "0015_emails_composed"
down_revision = "0014_ids_never_reused"
branch_labels = None
depends_on = None


def upgrade():
    """Each account's and login attempt's email composed; refused, with nothing changed, where
    two accounts' addresses would become one. The audit log is never rewritten: an event keeps
    the address its actor had then."""
    connection = op.get_bind()
    accounts = connection.execute(text("SELECT id, email FROM users ORDER BY id")).all()
    composed = defaultdict(list)
    for id_, email in accounts:
        composed[unicodedata.normalize("NFC", email)].append((id_, email))
    twins = [found for found in composed.values() if len(found) > 1]
    if twins:
        raise MigrationRefused(
            "accounts whose email addresses differ only in how their accented letters are "
            "encoded, which are now one address: "
            + "; ".join(
                " and ".join(f"account {id_} ({email!a})" for id_, email in found)
                for found in twins[:20]
            )
            + (f"; and {len(twins) - 20} more" if len(twins) > 20 else "")
            + ". Nothing was changed: delete or re-email one account of each pair, then "
            "upgrade again."
        )
    for address, [(id_, email)] in composed.items():
        if address != email:
            connection.execute(
                text("UPDATE users SET email = :address WHERE id = :id"),
                {"address": address, "id": id_},
            )
    attempts = connection.execute(text("SELECT id, email FROM login_attempts")).all()
    for id_, email in attempts:
        address = unicodedata.normalize("NFC", email)
        if address != email:
            connection.execute(
                text("UPDATE login_attempts SET email = :address WHERE id = :id"),
                {"address": address, "id": id_},
            )


def downgrade():
    """Nothing to undo: a composed address is the same address."""
