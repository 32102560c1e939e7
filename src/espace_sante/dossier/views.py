"""What the dossier's use cases take and give: plain data, no ORM objects, so the front
doors (pages, JSON, FHIR) never touch the tables."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from espace_sante.dossier.codes import Category, Format, SourceKind, Status


@dataclass(frozen=True)
class Author:
    name: str  # "Dr Marie DURAND", or the organisation's name for a system feed
    rpps: str | None = None  # RPPS of a professional author
    organisation: str | None = None
    organisation_id: str | None = None  # FINESS, or the client id of a system feed
    profession: str | None = None


@dataclass(frozen=True)
class Flags:
    """Confidentiality (DOMAIN.md): masked from professionals (except the médecin traitant,
    administrators and the author), invisible to the patient (until an announcement
    consultation), invisible to legal representatives (a minor's confidential care)."""

    masked_from_professionals: bool = False
    invisible_to_patient: bool = False
    invisible_to_representatives: bool = False


@dataclass(frozen=True)
class Metadata:
    """The metadata a depositor gives (or a CDA header fills)."""

    title: str
    type_code: str  # a key of codes.DOC_TYPES
    act_date: date | None = None
    category: Category | None = None  # default: the type's category
    flags: Flags = Flags()
    unique_id: str | None = None  # the depositor's identifier (CDA id, masterIdentifier)
    folder_id: str | None = None


@dataclass(frozen=True)
class DocumentView:
    id: str
    patient_id: str
    title: str
    category: Category
    class_code: str
    type_code: str
    type_display: str
    act_date: date | None
    author: Author
    source: SourceKind
    format: Format
    size: int
    sha256: str  # hex
    status: Status
    flags: Flags
    created_at: datetime
    unique_id: str  # masterIdentifier: the depositor's, or urn:uuid of ours
    deposited_by: str  # the depositing actor's subject id: he may replace and delete it
    folder_id: str | None = None
    replaces_id: str | None = None
    replaced_by_id: str | None = None
    file_name: str | None = None
    has_preview_pdf: bool = False  # a CDA level 1 with an embedded PDF
    links: tuple[str, ...] = field(default_factory=tuple)  # "kind:id" of profile items
