"""Tables of the dossier brick. Every row carries ``patient_id`` (distribution by space).

No foreign key to ``patients``: bricks do not reach into each other's tables, and the
space's purge removes these rows through ``accounts.closure.SPACE_PURGERS``.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from espace_sante.core.db import Base, UTCDateTime, new_id


class Document(Base):
    __tablename__ = "documents"
    __table_args__ = (
        # The list of a space, newest first (pages, JSON, FHIR _sort=-date), and its
        # search by date of the act; unique_id finds a depositor's own identifier again.
        Index("ix_documents_space_created", "patient_id", "created_at", "id"),
        Index("ix_documents_space_act", "patient_id", "act_date"),
        Index("ix_documents_space_unique", "patient_id", "unique_id", unique=True),
        # The blob sweeper asks, for each stored file, whether a row still points to it.
        Index("ix_documents_blob_key", "blob_key"),
        Index("ix_documents_preview_blob_key", "preview_blob_key",
              postgresql_where=text("preview_blob_key IS NOT NULL"),
              sqlite_where=text("preview_blob_key IS NOT NULL")),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    patient_id: Mapped[str] = mapped_column(String(36))
    unique_id: Mapped[str] = mapped_column(String(128))
    title: Mapped[str] = mapped_column(String(255))
    category: Mapped[str] = mapped_column(String(32))
    class_code: Mapped[str] = mapped_column(String(8))
    type_code: Mapped[str] = mapped_column(String(32))
    act_date: Mapped[date | None] = mapped_column(Date)
    author_name: Mapped[str] = mapped_column(String(256))
    author_rpps: Mapped[str | None] = mapped_column(String(16))
    author_organisation: Mapped[str | None] = mapped_column(String(256))
    author_organisation_id: Mapped[str | None] = mapped_column(String(128))
    author_profession: Mapped[str | None] = mapped_column(String(128))
    # Who deposited it (actor subject id): its author may replace, delete and see it masked.
    depositor_id: Mapped[str] = mapped_column(String(128))
    source: Mapped[str] = mapped_column(String(16))
    format: Mapped[str] = mapped_column(String(64))
    file_name: Mapped[str | None] = mapped_column(String(255))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    blob_key: Mapped[str | None] = mapped_column(String(128))  # None once deleted
    # A CDA level 1's embedded PDF, decoded once for the preview.
    preview_blob_key: Mapped[str | None] = mapped_column(String(128))
    status: Mapped[str] = mapped_column(String(16))
    masked_from_professionals: Mapped[bool] = mapped_column(Boolean, default=False)
    invisible_to_patient: Mapped[bool] = mapped_column(Boolean, default=False)
    invisible_to_representatives: Mapped[bool] = mapped_column(Boolean, default=False)
    folder_id: Mapped[str | None] = mapped_column(ForeignKey("document_folders.id"))
    replaces_id: Mapped[str | None] = mapped_column(String(36))
    replaced_by_id: Mapped[str | None] = mapped_column(String(36))
    # What the patient's search matches (``dossier.search.normalise``d): the text found in
    # the content (PDF text, CDA sections), and title + author + organisation. Kept with
    # the metadata, gone with the row at the purge.
    search_text: Mapped[str] = mapped_column(Text, default="")
    search_head: Mapped[str] = mapped_column(Text, default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Folder(Base):
    __tablename__ = "document_folders"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    patient_id: Mapped[str] = mapped_column(String(36), index=True)
    name: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class DocumentLink(Base):
    """A document linked to a profile item (a disease, a hospitalisation, a treatment, a
    measure): ``target`` is "kind:id", resolved by the brick that owns the item."""

    __tablename__ = "document_links"

    document_id: Mapped[str] = mapped_column(ForeignKey("documents.id"), primary_key=True)
    target: Mapped[str] = mapped_column(String(80), primary_key=True)
    patient_id: Mapped[str] = mapped_column(String(36), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
