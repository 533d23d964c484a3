"""users.address_unconfirmed: an account registered on the site is not handed a place by HR's
org chart until its owner has come in through an invitation link

trackfit sends no email, so nothing proves that whoever registered an address on the site has
it: someone could register a colleague's address, or the address HR was about to give the HR
role, before the org chart named it. Accounts registered before this revision cannot be told
from the others; they are taken as confirmed (false), as they were treated until now.

Revision ID: 0016_address_unconfirmed
Revises: 0015_emails_composed
Create Date: 2026-12-05 15:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0016_address_unconfirmed"
down_revision = "0015_emails_composed"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column(
        "users",
        sa.Column("address_unconfirmed", sa.Boolean(), nullable=False, server_default=sa.false()),
    )


def downgrade():
    op.drop_column("users", "address_unconfirmed")
