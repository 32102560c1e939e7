"""profile: the profil médical's entries, the measures and the per-space settings

Three new tables, each row carrying ``patient_id`` (no foreign key to ``patients``: the
purge deletes them through the brick). ``measures`` is read by (space, type, date) for
history pages, charts and the latest value of each type.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22 16:37:32.173424
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import espace_sante.core.db

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "measures",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("patient_id", sa.String(length=36), nullable=False),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("value2", sa.Float(), nullable=True),
        sa.Column("unit", sa.String(length=32), nullable=False),
        sa.Column("original_value", sa.Float(), nullable=False),
        sa.Column("original_value2", sa.Float(), nullable=True),
        sa.Column("original_unit", sa.String(length=32), nullable=False),
        sa.Column("effective_at", espace_sante.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("source_ref", sa.String(length=128), nullable=True),
        sa.Column("source_document_id", sa.String(length=36), nullable=True),
        sa.Column("recorded_by", sa.String(length=128), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("recorded_at", espace_sante.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", espace_sante.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_measures")),
    )
    with op.batch_alter_table("measures", schema=None) as batch_op:
        batch_op.create_index(
            "ix_measures_space_type_time", ["patient_id", "type", "effective_at"], unique=False
        )

    op.create_table(
        "profile_items",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("patient_id", sa.String(length=36), nullable=False),
        sa.Column("section", sa.String(length=32), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=True),
        sa.Column("code_system", sa.String(length=255), nullable=True),
        sa.Column("effective_date", sa.Date(), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("source_ref", sa.String(length=128), nullable=True),
        sa.Column("recorded_by", sa.String(length=128), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("recorded_at", espace_sante.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", espace_sante.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", espace_sante.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_profile_items")),
    )
    with op.batch_alter_table("profile_items", schema=None) as batch_op:
        batch_op.create_index(
            "ix_profile_items_space_section",
            ["patient_id", "section", "effective_date"],
            unique=False,
        )

    op.create_table(
        "profile_settings",
        sa.Column("patient_id", sa.String(length=36), nullable=False),
        sa.Column("hba1c_target", sa.Float(), nullable=True),
        sa.Column("extraction_opt_out", sa.Boolean(), nullable=False),
        sa.Column("updated_at", espace_sante.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=128), nullable=False),
        sa.PrimaryKeyConstraint("patient_id", name=op.f("pk_profile_settings")),
    )


def downgrade() -> None:
    op.drop_table("profile_settings")
    with op.batch_alter_table("profile_items", schema=None) as batch_op:
        batch_op.drop_index("ix_profile_items_space_section")

    op.drop_table("profile_items")
    with op.batch_alter_table("measures", schema=None) as batch_op:
        batch_op.drop_index("ix_measures_space_type_time")

    op.drop_table("measures")
