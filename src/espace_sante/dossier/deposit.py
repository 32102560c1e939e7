"""Depositing documents: one, or several all-or-nothing (a FHIR provide-document bundle).

Each file is received and checked outside any transaction (spooled to a temporary file,
type sniffed from its bytes, CDA header read, embedded PDF decoded); then, in one unit of
work, every deposit is authorised (audited), its encrypted content written to the blob
store, and its row added; one commit makes them all visible. The blobs are written
*before* the commit: a crash leaves at worst files without rows, which ``owns_blob`` lets
the sweeper remove, never a row without its content. If anything fails, the blobs
already written are deleted at once and nothing is stored.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from espace_sante.accounts.service import nir_of, professional_in_directory
from espace_sante.core import policy
from espace_sante.core.actors import Actor
from espace_sante.core.blobs import BlobInfo
from espace_sante.core.errors import DomainError, InvalidInput, NotFound
from espace_sante.core.policy import Action, Resource
from espace_sante.core.services import Services
from espace_sante.dossier import cda_embedded, cda_results, content, events, notices, search
from espace_sante.dossier.codes import (
    DOC_TYPES,
    PATIENT_FORMATS,
    PATIENT_MAX_BYTES,
    SYSTEM_MAX_BYTES,
    Format,
    SourceKind,
    Status,
)
from espace_sante.dossier.models import Document
from espace_sante.dossier.repository import DocumentRepository
from espace_sante.dossier.support import (
    Upload,
    author_of,
    checked_metadata,
    forget_blobs,
    source_of,
    tmp_dir,
    view_of,
)
from espace_sante.dossier.views import Author, DocumentView, Metadata

log = logging.getLogger(__name__)
MAX_DEPOSITS = 100


@dataclass(frozen=True)
class Deposit:
    patient_id: str
    upload: Upload
    metadata: Metadata | None = None  # may be omitted for a CDA: its header fills it
    author: Author | None = None  # who wrote it, when not the depositor (a system feed)
    replaces_id: str | None = None  # the document this one is a new version of
    label: str | None = None  # names the deposit in error messages ("entry[2]")


@dataclass(frozen=True)
class _Ready:
    deposit: Deposit
    received: content.Received
    inspection: content.Inspection
    metadata: Metadata
    author: Author
    preview: Path | None
    results: tuple[cda_results.LabResult, ...] = ()


def add_document(svc: Services, actor: Actor, patient_id: str, upload: Upload,
                 metadata: Metadata | None = None, *, author: Author | None = None,
                 replaces_id: str | None = None) -> DocumentView:
    return add_documents(svc, actor, [Deposit(patient_id, upload, metadata, author,
                                              replaces_id)])[0]


def add_documents(svc: Services, actor: Actor, deposits: list[Deposit]) -> list[DocumentView]:
    """Store every deposit or none. Refusals name the deposit's ``label``."""
    if not 1 <= len(deposits) <= MAX_DEPOSITS:
        raise InvalidInput(f"De 1 à {MAX_DEPOSITS} documents par envoi.",
                           f"From 1 to {MAX_DEPOSITS} documents per submission.")
    for d in deposits:  # before reading a byte of any upload
        check_may_deposit(svc, actor, d.patient_id)
    with ExitStack() as temporary:
        ready = []
        for d in deposits:
            with _Named(d.label):
                ready.append(_prepare(svc, actor, d, temporary))
        return _store(svc, actor, ready)


def check_may_deposit(svc: Services, actor: Actor, patient_id: str) -> None:
    """Before a byte of the upload is read: nobody else may make us store 200 MB. A
    refusal is audited and answers "not found"."""
    if policy.decide(actor, Action.CREATE, Resource.DOCUMENT, patient_id).allowed:
        return
    with svc.uow(actor) as uow:
        uow.authorize(Action.CREATE, Resource.DOCUMENT, patient_id)  # raises NotFound
    raise NotFound.default()  # pragma: no cover - authorize raised


class _Named:
    """Prefix a refusal's message with the deposit's label (e.g. a bundle entry)."""

    def __init__(self, label: str | None) -> None:
        self.label = label

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: object, exc: BaseException | None, tb: object) -> None:
        if self.label and isinstance(exc, DomainError) and not isinstance(exc, NotFound):
            exc.message = f"{self.label} : {exc.message}"
            exc.message_en = f"{self.label}: {exc.message_en}"


def _prepare(svc: Services, actor: Actor, d: Deposit, temporary: ExitStack) -> _Ready:
    patient_side = source_of(actor, d.patient_id) is SourceKind.PATIENT
    limit = PATIENT_MAX_BYTES if patient_side else SYSTEM_MAX_BYTES
    received = d.upload.received
    if received is None:
        received = content.receive(d.upload.chunks, limit=limit, tmp_dir=tmp_dir(svc))
    temporary.callback(content.discard, received)
    content.check_size(received, limit)
    inspection = content.inspect(
        received, allowed=PATIENT_FORMATS if patient_side else frozenset(Format))
    metadata, author = _described(actor, inspection, d.metadata, d.author)
    preview, results = None, tuple[cda_results.LabResult, ...]()
    if inspection.cda is not None and inspection.cda.embedded is not None:
        preview, text = _embedded_pdf(received, temporary)
        inspection = replace(inspection, text=f"{inspection.text}\n{text}"[:content.MAX_TEXT])
    elif inspection.cda is not None:
        results = cda_results.read(received.path)
    return _Ready(d, received, inspection, metadata, author, preview, results)


def _embedded_pdf(received: content.Received, temporary: ExitStack) -> tuple[Path | None, str]:
    """A level 1 CDA's body, decoded once for the preview when it is a PDF, and checked
    like any PDF (no scripts): it is shown in the browser. Its text joins the search."""
    out = received.path.with_suffix(".preview")
    temporary.callback(out.unlink, missing_ok=True)
    if cda_embedded.extract_embedded(received.path, out) is not Format.PDF:
        return None, ""
    with out.open("rb") as handle:
        head = handle.read(content.HEAD_SIZE)
    body = content.Received(out, out.stat().st_size, "", head)
    return out, content.inspect(body, allowed=frozenset({Format.PDF})).text


def _described(actor: Actor, inspection: content.Inspection, metadata: Metadata | None,
               author: Author | None) -> tuple[Metadata, Author]:
    header = inspection.cda
    if header is not None:
        if header.type_code not in DOC_TYPES:
            raise InvalidInput(
                f"Type de document inconnu dans l'en-tête CDA : {header.type_code} (liste "
                f"JDV_J66 du CI-SIS).",
                f"Unknown document type in the CDA header: {header.type_code} (CI-SIS "
                f"JDV_J66 list).")
        given = metadata or Metadata(title=header.title, type_code=header.type_code)
        metadata = replace(given, title=given.title or header.title,
                           type_code=header.type_code,
                           act_date=header.act_date or given.act_date,
                           unique_id=header.unique_id)
        author = author or header.author
    if metadata is None:
        raise InvalidInput("Titre et type du document requis.",
                           "The document's title and type are required.")
    return checked_metadata(metadata), author or author_of(actor)


def _store(svc: Services, actor: Actor, ready: list[_Ready]) -> list[DocumentView]:
    """Files first, each outside any transaction (a 100 MB upload must not hold the
    database's write lock, nor the space's audit chain); then one unit of work for the
    rows. Whatever fails, the files written go."""
    now, keys = svc.clock.now(), list[tuple[str, str]]()
    try:
        files = [_write(svc, actor, r, keys, now) for r in ready]
        with svc.uow(actor) as uow:
            repo = DocumentRepository(uow)
            documents = []
            for r, (blob, preview) in zip(ready, files, strict=True):
                with _Named(r.deposit.label):
                    documents.append(_add_row(actor, repo, r, blob, preview, now))
            for r, document in zip(ready, documents, strict=True):
                if document.source in (SourceKind.PROFESSIONAL, SourceKind.ORGANISATION):
                    notices.new_document(uow.session, document.patient_id, r.metadata.flags,
                                         now=now)
            uow.commit()
    except BaseException:
        for patient_id, key in keys:
            forget_blobs(svc, patient_id, [key])
        raise
    views = [view_of(d) for d in documents]
    events.announce(svc, [events.Deposited(actor, view, r.results)
                          for r, view in zip(ready, views, strict=True)])
    return views


def _write(svc: Services, actor: Actor, r: _Ready, keys: list[tuple[str, str]],
           now: datetime) -> tuple[BlobInfo, str | None]:
    patient_id = r.deposit.patient_id
    with svc.uow(actor) as uow:  # a short one: the space's key, created on first use
        data_key = svc.blobs.keyring.data_key(uow.session, patient_id, now=now)
        uow.commit()
    blob = svc.blobs.put_with(data_key, patient_id, _read(r.received.path),
                              known=(r.received.size, r.received.sha256))
    keys.append((patient_id, blob.key))
    preview = None
    if r.preview is not None:
        preview = svc.blobs.put_with(data_key, patient_id, _read(r.preview)).key
        keys.append((patient_id, preview))
    return blob, preview


def _add_row(actor: Actor, repo: DocumentRepository, r: _Ready, blob: BlobInfo,
             preview_key: str | None, now: datetime) -> Document:
    patient_id, session = r.deposit.patient_id, repo.session
    repo.authorize_create(patient_id)
    old = (_replaceable(repo, actor, patient_id, r.deposit.replaces_id)
           if r.deposit.replaces_id else None)
    _check_patient(session, r.inspection, patient_id)
    _check_unique(session, patient_id, r.metadata.unique_id)
    author = _named_author(session, r.author, actor)
    document = _row(actor, replace(r, author=author), blob.key, preview_key, now)
    if r.metadata.folder_id:
        document.folder_id = repo.folder(patient_id, r.metadata.folder_id, Action.READ).id
    if old is not None:
        old.status, old.replaced_by_id, old.updated_at = Status.REPLACED, document.id, now
        document.replaces_id = old.id
    repo.add(document)
    return document


def _named_author(session: Session, author: Author, actor: Actor) -> Author:
    """A FHIR author often carries only an RPPS: its name comes from the directory, else
    the organisation's, else the depositor's."""
    if author.name:
        return author
    known = professional_in_directory(session, author.rpps) if author.rpps else None
    if known is not None:
        return replace(author, name=known[0], profession=author.profession or known[1])
    return replace(author, name=author.organisation or actor.display_name)


def _replaceable(repo: DocumentRepository, actor: Actor, patient_id: str,
                 document_id: str) -> Document:
    """Only its depositor replaces a document (a professional his report, the patient his
    own upload), and only its current version."""
    old = repo.get(patient_id, document_id)
    if old.depositor_id != actor.subject_id:
        raise NotFound.default()
    if old.status != Status.CURRENT:
        raise InvalidInput("Seule la version en vigueur d'un document peut être remplacée.",
                           "Only the current version of a document can be replaced.")
    return old


def _check_patient(session: Session, inspection: content.Inspection, patient_id: str) -> None:
    """A CDA names its patient (INS): it must be this space's."""
    if inspection.cda is not None and inspection.cda.patient_ins != nir_of(session, patient_id):
        raise InvalidInput(
            "Ce document CDA concerne un autre patient (INS de l'en-tête différent de celui "
            "de l'espace) : il n'a pas été enregistré.",
            "This CDA document is about another patient (the header's INS differs from the "
            "space's): it was not stored.")


def _check_unique(session: Session, patient_id: str, unique_id: str | None) -> None:
    if unique_id and session.scalar(select(Document.id).where(
            Document.patient_id == patient_id, Document.unique_id == unique_id)):
        raise InvalidInput(
            f"Un document portant cet identifiant existe déjà dans l'espace : {unique_id}.",
            f"A document with this identifier already exists in the space: {unique_id}.")


def _row(actor: Actor, r: _Ready, blob_key: str, preview_key: str | None,
         now: datetime) -> Document:
    metadata, author, patient_id = r.metadata, r.author, r.deposit.patient_id
    doc_type, flags = DOC_TYPES[metadata.type_code], metadata.flags
    return Document(
        id=str(uuid.uuid4()), patient_id=patient_id,
        unique_id=metadata.unique_id or f"urn:uuid:{uuid.uuid4()}",
        title=metadata.title, category=metadata.category or doc_type.category,
        class_code=doc_type.class_code, type_code=doc_type.code, act_date=metadata.act_date,
        author_name=author.name, author_rpps=author.rpps,
        author_organisation=author.organisation,
        author_organisation_id=author.organisation_id, author_profession=author.profession,
        depositor_id=actor.subject_id, source=source_of(actor, patient_id),
        format=r.inspection.format, file_name=_file_name(r.deposit.upload.file_name),
        size=r.received.size, sha256=r.received.sha256, blob_key=blob_key,
        preview_blob_key=preview_key, status=Status.CURRENT,
        masked_from_professionals=flags.masked_from_professionals,
        invisible_to_patient=flags.invisible_to_patient,
        invisible_to_representatives=flags.invisible_to_representatives,
        search_text=search.normalise(r.inspection.text),
        search_head=search.head(metadata.title, author.name, author.organisation),
        created_at=now, updated_at=now)


def _file_name(name: str | None) -> str | None:
    if not name:
        return None
    return Path(name.replace("\\", "/")).name[:255] or None


def _read(path: Path, size: int = 1 << 20) -> Iterator[bytes]:
    with path.open("rb") as handle:
        while chunk := handle.read(size):
            yield chunk
