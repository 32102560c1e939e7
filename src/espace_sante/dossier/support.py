"""What the dossier's use cases share: the services they need, an upload, the view of a
row, who the author and source of a deposit are, and small checks."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from espace_sante.core import policy
from espace_sante.core.actors import Actor, ActorKind
from espace_sante.core.errors import InvalidInput
from espace_sante.core.services import Services
from espace_sante.dossier.codes import DOC_TYPES, Category, Format, SourceKind, Status
from espace_sante.dossier.content import Received
from espace_sante.dossier.models import Document
from espace_sante.dossier.views import Author, DocumentView, Flags, Metadata

log = logging.getLogger(__name__)
TITLE_MAX = 255


@dataclass(frozen=True)
class Upload:
    """A file as it arrives: its bytes (streamed) and the name the sender gave it; or,
    from a front door that wrote it down while parsing the request, the file received."""

    chunks: Iterable[bytes] = ()
    file_name: str | None = None
    received: Received | None = None


def view_of(d: Document, links: list[str] | None = None) -> DocumentView:
    doc_type = DOC_TYPES.get(d.type_code)
    return DocumentView(
        id=d.id, patient_id=d.patient_id, title=d.title, category=Category(d.category),
        class_code=d.class_code, type_code=d.type_code,
        type_display=doc_type.display if doc_type else d.type_code, act_date=d.act_date,
        author=Author(d.author_name, d.author_rpps, d.author_organisation,
                      d.author_organisation_id, d.author_profession),
        source=SourceKind(d.source), format=Format(d.format), size=d.size, sha256=d.sha256,
        status=Status(d.status),
        flags=Flags(d.masked_from_professionals, d.invisible_to_patient,
                    d.invisible_to_representatives),
        created_at=d.created_at, unique_id=d.unique_id, deposited_by=d.depositor_id,
        folder_id=d.folder_id,
        replaces_id=d.replaces_id, replaced_by_id=d.replaced_by_id, file_name=d.file_name,
        has_preview_pdf=d.preview_blob_key is not None, links=tuple(links or ()))


def author_of(actor: Actor) -> Author:
    rpps = actor.subject_id.removeprefix("rpps:") if actor.kind is ActorKind.PROFESSIONAL else None
    org_id = actor.subject_id if actor.kind in (ActorKind.INSTITUTION, ActorKind.APP) else None
    return Author(actor.display_name, rpps, actor.organisation, org_id, actor.profession)


_SOURCES = {ActorKind.PROFESSIONAL: SourceKind.PROFESSIONAL,
            ActorKind.INSTITUTION: SourceKind.ORGANISATION, ActorKind.APP: SourceKind.DEVICE}


def source_of(actor: Actor, patient_id: str) -> SourceKind:
    kind = policy.acting_kind(actor.kind, actor.basis_for(patient_id))
    return _SOURCES.get(kind, SourceKind.PATIENT)


def tmp_dir(svc: Services) -> Path:
    return svc.settings.data_dir / "tmp"



def checked_metadata(metadata: Metadata) -> Metadata:
    title = " ".join(metadata.title.split())
    if not title or len(title) > TITLE_MAX:
        raise InvalidInput(f"Le titre est requis ({TITLE_MAX} caractères au plus).",
                           f"A title is required ({TITLE_MAX} characters at most).")
    if metadata.type_code not in DOC_TYPES:
        raise InvalidInput(f"Type de document inconnu : {metadata.type_code}.",
                           f"Unknown document type: {metadata.type_code}.")
    return replace(metadata, title=title)


def forget_blobs(svc: Services, patient_id: str, keys: list[str]) -> None:
    """Blobs whose row did not commit, or whose document was deleted, go now (the
    sweeper would remove the first kind a day later)."""
    for key in keys:
        try:
            svc.blobs.delete(patient_id, key)
        except Exception:  # the sweeper retries; the original error matters more
            log.warning("blob %s left for the sweeper", key)
