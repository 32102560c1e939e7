"""Links between documents and the entries of other bricks (a hospitalisation of the
profile to its discharge letter): target "section:id". Each call runs in the caller's unit
of work, so a link commits with the entry it belongs to; reaching the document goes
through the repository (policy and audit), and lists show only what the actor sees."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import delete, select

from espace_sante.core.errors import NotFound
from espace_sante.core.uow import UnitOfWork
from espace_sante.dossier import visibility
from espace_sante.dossier.codes import Status
from espace_sante.dossier.models import Document, DocumentLink
from espace_sante.dossier.repository import DocumentRepository


def link_document(uow: UnitOfWork, patient_id: str, document_id: str, target: str) -> None:
    """Link a document the actor sees to ``target``; NotFound otherwise."""
    document = DocumentRepository(uow).get(patient_id, document_id)
    if document.status == Status.DELETED:
        raise NotFound.default()
    if uow.session.get(DocumentLink, (document.id, target)) is None:
        uow.session.add(DocumentLink(document_id=document.id, target=target,
                                     patient_id=patient_id, created_at=uow.clock.now()))
        uow.session.flush()


def unlink_document(uow: UnitOfWork, patient_id: str, document_id: str, target: str) -> None:
    uow.session.execute(delete(DocumentLink).where(
        DocumentLink.patient_id == patient_id, DocumentLink.document_id == document_id,
        DocumentLink.target == target))


def linked_documents(uow: UnitOfWork, patient_id: str,
                     targets: Collection[str]) -> dict[str, list[str]]:
    """Target → ids of the linked documents the actor sees."""
    if not targets:
        return {}
    rows = uow.session.execute(
        select(DocumentLink.target, DocumentLink.document_id)
        .join(Document, Document.id == DocumentLink.document_id)
        .where(DocumentLink.patient_id == patient_id, DocumentLink.target.in_(targets),
               *visibility.conditions(uow.actor, patient_id))
        .order_by(DocumentLink.created_at, DocumentLink.document_id))
    found: dict[str, list[str]] = {}
    for target, document_id in rows:
        found.setdefault(target, []).append(document_id)
    return found
