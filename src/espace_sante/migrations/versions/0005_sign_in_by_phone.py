"""sign in by phone: an account may have a mobile number and no e-mail address

A person whose register line gives a phone and no e-mail activates his space by SMS
(``accounts/activation.py``): his account has no address, and his mobile number, now
unique, identifies him at sign-in. The downgrade fails while such accounts exist.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_HAS_PHONE = sa.text("phone IS NOT NULL")


def upgrade() -> None:
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.alter_column("email", existing_type=sa.String(length=254), nullable=True)
    op.create_index("uq_accounts_phone", "accounts", ["phone"], unique=True,
                    postgresql_where=_HAS_PHONE, sqlite_where=_HAS_PHONE)


def downgrade() -> None:
    op.drop_index("uq_accounts_phone", table_name="accounts")
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.alter_column("email", existing_type=sa.String(length=254), nullable=False)
