"""The notice a holder gets when a professional or an institution adds a document: that
something arrived, never what (not even its title, which may name a diagnosis)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from espace_sante.accounts import space_notices
from espace_sante.dossier.views import Flags

NEW_DOCUMENT = space_notices.Notice(
    subject="Nouveau document dans votre Espace Santé / New document in your Espace Santé",
    french="Un professionnel de santé ou un établissement a ajouté un document à votre "
    "dossier médical. Connectez-vous à votre Espace Santé pour le consulter.",
    english="A health professional or an institution added a document to your medical "
    "record. Sign in to your Espace Santé to read it.",
)


def new_document(session: Session, patient_id: str, flags: Flags, *, now: datetime) -> int:
    """Nobody hears of a document kept from the patient until the announcement
    consultation; representatives do not hear of a minor's confidential care."""
    if flags.invisible_to_patient:
        return 0
    recipients = space_notices.holder_emails(session, patient_id, now)
    if flags.invisible_to_representatives:
        hidden = set(space_notices.representative_emails(session, patient_id, now))
        recipients = [r for r in recipients if r not in hidden]
    return space_notices.send(session, recipients, NEW_DOCUMENT, patient_id=patient_id, now=now)
