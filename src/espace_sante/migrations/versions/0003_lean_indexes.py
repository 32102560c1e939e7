"""lean indexes: fewer index entries written per new space

A bulk import writes every index of ``patients``, ``outbox_messages`` and ``audit_events``
once per person. Indexes on columns nearly always NULL become partial, the index on
``patients.state`` goes (nothing looks spaces up by state alone), and so does the one on
``audit_events.chain``, which the unique (chain, seq) index already serves.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 14:10:00
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _partial(column: str) -> dict[str, Any]:
    where = sa.text(f"{column} IS NOT NULL")
    return {"postgresql_where": where, "sqlite_where": where}


def upgrade() -> None:
    with op.batch_alter_table("patients", schema=None) as batch_op:
        batch_op.drop_index("ix_patients_state")
        batch_op.drop_index("ix_patients_purge_due_at")
        batch_op.drop_constraint("uq_patients_opposition_ref_hash", type_="unique")
    op.create_index("ix_patients_purge_due_at", "patients", ["purge_due_at"],
                    **_partial("purge_due_at"))
    op.create_index("uq_patients_opposition_ref_hash", "patients", ["opposition_ref_hash"],
                    unique=True, **_partial("opposition_ref_hash"))
    op.drop_index("ix_audit_events_chain", table_name="audit_events")
    op.drop_index("ix_outbox_messages_due", table_name="outbox_messages")
    unsent = sa.text("sent_at IS NULL")
    op.create_index("ix_outbox_messages_due", "outbox_messages", ["next_attempt_at"],
                    postgresql_where=unsent, sqlite_where=unsent)


def downgrade() -> None:
    op.drop_index("ix_outbox_messages_due", table_name="outbox_messages")
    op.create_index("ix_outbox_messages_due", "outbox_messages",
                    ["sent_at", "next_attempt_at"])
    op.create_index("ix_audit_events_chain", "audit_events", ["chain"])
    op.drop_index("uq_patients_opposition_ref_hash", table_name="patients")
    op.drop_index("ix_patients_purge_due_at", table_name="patients")
    with op.batch_alter_table("patients", schema=None) as batch_op:
        batch_op.create_unique_constraint("uq_patients_opposition_ref_hash",
                                          ["opposition_ref_hash"])
        batch_op.create_index("ix_patients_purge_due_at", ["purge_due_at"])
        batch_op.create_index("ix_patients_state", ["state"])
