"""Use cases of the dossier: deposit, list and search, read, download, organise, replace
and delete documents. Each runs in one unit of work bound to the actor, which asks the
policy and writes the audit trail; front doors (pages, JSON, FHIR) only call these.

A deposit is received and checked outside any transaction (spooled to a temporary file,
type sniffed from the bytes, CDA header read), then the encrypted content is written to
the blob store *before* the row commits: a crash leaves at worst a blob without a row,
which the sweeper removes (``owns_blob``), never a row without its content.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from espace_sante.core import policy
from espace_sante.core.actors import Actor, ActorKind
from espace_sante.core.errors import InvalidInput, NotFound
from espace_sante.core.policy import Action, Resource
from espace_sante.core.services import Services
from espace_sante.dossier import cda, cda_render, content, search
from espace_sante.dossier.codes import SYSTEM_MAX_BYTES, Category, Format, Status
from espace_sante.dossier.content import Received, Receiver, discard
from espace_sante.dossier.deposit import Deposit, add_document, add_documents, check_may_deposit
from espace_sante.dossier.models import Document, DocumentLink, Folder
from espace_sante.dossier.repository import DocumentQuery, DocumentRepository
from espace_sante.dossier.support import (
    Upload,
    checked_metadata,
    forget_blobs,
    tmp_dir,
    view_of,
)
from espace_sante.dossier.views import DocumentView, Metadata

# The deposit use cases live in ``deposit``; this module is the brick's one entry point.
__all__ = ["Deposit", "DocumentQuery", "Received", "Receiver", "Services", "Upload",
           "add_document", "add_documents", "check_may_deposit", "discard", "tmp_dir"]


@dataclass(frozen=True)
class Page:
    documents: list[DocumentView]
    total: int
    query: DocumentQuery


@dataclass(frozen=True)
class Offered:
    """What the pages may offer an actor in a space, so that no button leads to a refusal.
    Asked of the policy, not audited: nothing is read here, and each action runs (and
    audits) its own use case."""

    upload: bool
    organise: bool  # rename, recategorise, file, mask
    download: bool
    delete: bool  # any document (the holders); depositors delete their own anyway
    delete_folders: bool


def offered(actor: Actor, patient_id: str) -> Offered:
    def allowed(action: Action, resource: Resource) -> bool:
        return policy.decide(actor, action, resource, patient_id).allowed

    kind = policy.acting_kind(actor.kind, actor.basis_for(patient_id))
    holder = kind in (ActorKind.PATIENT, ActorKind.LEGAL_REPRESENTATIVE)
    return Offered(
        upload=allowed(Action.CREATE, Resource.DOCUMENT),
        organise=allowed(Action.UPDATE, Resource.DOCUMENT),
        download=allowed(Action.EXPORT, Resource.DOCUMENT_CONTENT),
        delete=holder and allowed(Action.DELETE, Resource.DOCUMENT),
        delete_folders=allowed(Action.DELETE, Resource.FOLDER),
    )


# -- reading -------------------------------------------------------------------------------


def list_documents(svc: Services, actor: Actor, patient_id: str,
                   query: DocumentQuery = DocumentQuery()) -> Page:
    if not 1 <= query.count <= 100 or query.offset < 0:
        raise InvalidInput("Pagination invalide.", "Invalid pagination.")
    with svc.uow(actor) as uow:
        repo = DocumentRepository(uow)
        rows, total = repo.search(patient_id, query)
        page = Page([view_of(d) for d in rows], total, query)
        uow.commit()
        return page


def get_document(svc: Services, actor: Actor, patient_id: str, document_id: str) -> DocumentView:
    with svc.uow(actor) as uow:
        repo = DocumentRepository(uow)
        document = repo.get(patient_id, document_id, history=True)
        view = view_of(document, repo.links(document.id))
        uow.commit()
        return view


def locate(svc: Services, actor: Actor, document_id: str) -> str:
    """The space of a document addressed by id alone; "not found" (audited) for anyone who
    may not read that space's documents. The read itself is audited by the use case the
    caller runs next."""
    with svc.uow(actor) as uow:
        patient_id = DocumentRepository(uow).locate(document_id)
        target = patient_id or document_id  # a guessed id goes to the shared trail
        if patient_id is None or not policy.decide(
                actor, Action.READ, Resource.DOCUMENT, patient_id).allowed:
            uow.authorize(Action.READ, Resource.DOCUMENT, target, document_id)
            raise NotFound.default()  # reached only if the policy changed in between
        return patient_id


def open_content(svc: Services, actor: Actor, patient_id: str, document_id: str, *,
                 download: bool, preview: bool = False) -> tuple[DocumentView, Iterator[bytes]]:
    """The document's bytes, decrypted as they stream. ``download``: the file as such (an
    export, which caregivers may not do); otherwise shown in the page (a read).
    ``preview``: a CDA level 1's embedded PDF rather than the XML."""
    action, resource = ((Action.EXPORT, Resource.DOCUMENT_CONTENT) if download
                        else (Action.READ, Resource.DOCUMENT))
    with svc.uow(actor) as uow:
        document = DocumentRepository(uow).get(patient_id, document_id, action, resource)
        key = document.preview_blob_key if preview else document.blob_key
        if key is None:
            raise NotFound.default()
        chunks = svc.blobs.open(uow.session, patient_id, key, now=svc.clock.now())
        view = view_of(document)
        uow.commit()
    return view, chunks


def cda_html(svc: Services, actor: Actor, patient_id: str, document_id: str) -> str:
    """A CDA document as readable HTML (header and sections), for its page."""
    view, chunks = open_content(svc, actor, patient_id, document_id, download=False)
    if view.format is not Format.CDA:
        raise NotFound.default()
    received = content.receive(chunks, limit=SYSTEM_MAX_BYTES, tmp_dir=tmp_dir(svc))
    try:
        return cda_render.render_html(cda.parse(received.path))
    finally:
        content.discard(received)


# -- organising ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Changes:
    title: str | None = None
    category: Category | None = None
    folder_id: str | None = None  # "" takes the document out of its folder
    masked_from_professionals: bool | None = None


def update_document(svc: Services, actor: Actor, patient_id: str, document_id: str,
                    changes: Changes) -> DocumentView:
    with svc.uow(actor) as uow:
        repo = DocumentRepository(uow)
        document = repo.get(patient_id, document_id, Action.UPDATE)
        if document.status == Status.DELETED:
            raise NotFound.default()
        if changes.title is not None:
            document.title = checked_metadata(Metadata(changes.title, document.type_code)).title
            document.search_head = search.head(document.title, document.author_name,
                                               document.author_organisation)
        if changes.category is not None:
            document.category = changes.category
        if changes.folder_id is not None:
            document.folder_id = (repo.folder(patient_id, changes.folder_id, Action.READ).id
                                  if changes.folder_id else None)
        if changes.masked_from_professionals is not None:
            document.masked_from_professionals = changes.masked_from_professionals
        document.updated_at = svc.clock.now()
        view = view_of(document, repo.links(document.id))
        uow.commit()
        return view


def delete_document(svc: Services, actor: Actor, patient_id: str, document_id: str) -> None:
    """The holder deletes any document he sees; a professional or an institution only
    what it deposited. The row stays (status deleted, in the history); the content goes."""
    with svc.uow(actor) as uow:
        document = DocumentRepository(uow).get(patient_id, document_id, Action.DELETE)
        kind = policy.acting_kind(actor.kind, actor.basis_for(patient_id))
        if kind not in (ActorKind.PATIENT, ActorKind.LEGAL_REPRESENTATIVE) and (
                document.depositor_id != actor.subject_id):
            raise NotFound.default()
        keys = [k for k in (document.blob_key, document.preview_blob_key) if k]
        now = svc.clock.now()
        document.status, document.deleted_at, document.updated_at = Status.DELETED, now, now
        document.blob_key = document.preview_blob_key = None
        document.search_text = ""
        uow.commit()
    forget_blobs(svc, patient_id, keys)


# -- folders --------------------------------------------------------------------------------


@dataclass(frozen=True)
class FolderView:
    id: str
    name: str
    documents: int


def list_folders(svc: Services, actor: Actor, patient_id: str) -> list[FolderView]:
    with svc.uow(actor) as uow:
        folders = DocumentRepository(uow).folders(patient_id)
        views = [FolderView(f.id, f.name, n) for f, n in folders]
        uow.commit()
        return views


def create_folder(svc: Services, actor: Actor, patient_id: str, name: str) -> FolderView:
    name = " ".join(name.split())
    if not name or len(name) > 120:
        raise InvalidInput("Le nom du dossier est requis (120 caractères au plus).",
                           "A folder name is required (120 characters at most).")
    with svc.uow(actor) as uow:
        uow.authorize(Action.CREATE, Resource.FOLDER, patient_id)
        folder = Folder(patient_id=patient_id, name=name, created_at=svc.clock.now())
        uow.session.add(folder)
        uow.session.flush()
        view = FolderView(folder.id, folder.name, 0)
        uow.commit()
        return view


def delete_folder(svc: Services, actor: Actor, patient_id: str, folder_id: str) -> None:
    """The folder goes; its documents stay, out of any folder."""
    with svc.uow(actor) as uow:
        folder = DocumentRepository(uow).folder(patient_id, folder_id, Action.DELETE)
        for document in uow.session.scalars(select(Document).where(
                Document.patient_id == patient_id, Document.folder_id == folder.id)):
            document.folder_id = None
        uow.session.delete(folder)
        uow.commit()


# -- views, purge and blob ownership ------------------------------------------------------------


def purge_space(session: Session, patient_id: str) -> None:
    """Registered in ``accounts.closure.SPACE_PURGERS``: a purged space keeps no document
    row (its blobs are removed and its key shredded by the purge itself)."""
    session.execute(delete(DocumentLink).where(DocumentLink.patient_id == patient_id))
    session.execute(delete(Document).where(Document.patient_id == patient_id))
    session.execute(delete(Folder).where(Folder.patient_id == patient_id))


def owns_blob(session: Session, key: str) -> bool:
    """Registered in ``jobs.tasks.BLOB_OWNERS``: a blob a document row points to."""
    return session.scalar(select(Document.id).where(
        or_(Document.blob_key == key, Document.preview_blob_key == key)).limit(1)) is not None


