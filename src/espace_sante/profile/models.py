"""Tables of the profile brick. Every row carries ``patient_id`` (distribution by space).

No foreign key to ``patients``: bricks do not reach into each other's tables, and the
space's purge removes these rows through ``accounts.closure.SPACE_PURGERS``. Deleting an
entry or a measure marks it deleted: the row stays, so the history stays.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, Float, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from espace_sante.core.db import Base, UTCDateTime, new_id


class ProfileItem(Base):
    """One entry of a section: an allergy, a treatment, the blood group…"""

    __tablename__ = "profile_items"
    # A section's entries, by date; the profile's counts per section.
    __table_args__ = (
        Index("ix_profile_items_space_section", "patient_id", "section", "effective_date"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    patient_id: Mapped[str] = mapped_column(String(36))
    section: Mapped[str] = mapped_column(String(32))
    # The section's fields (``sections.SPECS``), checked before they are stored.
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    code: Mapped[str | None] = mapped_column(String(64))
    code_system: Mapped[str | None] = mapped_column(String(255))
    effective_date: Mapped[date | None] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(16))
    source_ref: Mapped[str | None] = mapped_column(String(128))
    # Who wrote it (actor subject id): a professional or an institution deletes only its own.
    recorded_by: Mapped[str] = mapped_column(String(128))
    status: Mapped[str] = mapped_column(String(16))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Measure(Base):
    """One measure, stored in the canonical UCUM unit of its type; a blood pressure keeps
    its two values together (systolic in ``value``, diastolic in ``value2``)."""

    __tablename__ = "measures"
    # History pages (newest first), charts (by date) and the latest value of each type.
    __table_args__ = (
        Index("ix_measures_space_type_time", "patient_id", "type", "effective_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    patient_id: Mapped[str] = mapped_column(String(36))
    type: Mapped[str] = mapped_column(String(32))
    value: Mapped[float] = mapped_column(Float)
    value2: Mapped[float | None] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(String(32))
    # As typed or sent: shown on request, and proof of what the conversion did.
    original_value: Mapped[float] = mapped_column(Float)
    original_value2: Mapped[float | None] = mapped_column(Float)
    original_unit: Mapped[str] = mapped_column(String(32))
    effective_at: Mapped[datetime] = mapped_column(UTCDateTime())
    source: Mapped[str] = mapped_column(String(16))
    source_ref: Mapped[str | None] = mapped_column(String(128))
    source_document_id: Mapped[str | None] = mapped_column(String(36))
    recorded_by: Mapped[str] = mapped_column(String(128))
    status: Mapped[str] = mapped_column(String(16))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ProfileSettings(Base):
    """A space's profile settings; absent until first changed (defaults apply)."""

    __tablename__ = "profile_settings"

    patient_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    hba1c_target: Mapped[float | None] = mapped_column(Float)  # %, set with the doctor
    # Opt-out (DOMAIN.md): no values extracted from received documents into measures.
    extraction_opt_out: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_by: Mapped[str] = mapped_column(String(128))
