"""Documents of the dossier linked to profile entries (DOMAIN.md: a document links to a
disease, a hospitalisation, a treatment…). The links live with the documents
(``document_links``), so the dossier owns them and this brick goes through its functions
(``dossier.links``), each in the caller's unit of work."""

from __future__ import annotations

from espace_sante.dossier.links import link_document, linked_documents, unlink_document
from espace_sante.profile.codes import Section

__all__ = ["link_document", "linked_documents", "target", "unlink_document"]


def target(section: Section, item_id: str) -> str:
    return f"{section.value}:{item_id}"
