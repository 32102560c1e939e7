"""Closing a space, reopening it, asking for its deletion, and the purge that follows.

Code de la santé publique, R1111-36: a closed space is archived 10 years, then deleted; an
explicit request for deletion is honoured within 3 months; reopening within the archive
period restores it. Closing destroys nothing: it only blocks access (the grants and the
policy stop reaching a closed space, see docs/access-model.md). The purge destroys the
data for good: the space's key is crypto-shredded, its files removed, everything that
linked people to it deleted; the identity stays as a tombstone, state ``deleted``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, datetime, timedelta

from pydantic import BaseModel
from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from espace_sante.accounts import space_notices as notices
from espace_sante.accounts.dates import add_years, is_minor, paris_today
from espace_sante.accounts.delegations import DelegationRepository
from espace_sante.accounts.models import (
    ActivationCode,
    CareRelationship,
    Delegation,
    Invitation,
    Patient,
    SpaceState,
)
from espace_sante.accounts.repository import space_exists
from espace_sante.core.actors import Actor, system_actor
from espace_sante.core.blobs import BlobStore, EncryptedBlobs
from espace_sante.core.clock import Clock
from espace_sante.core.crypto import Keyring
from espace_sante.core.errors import Conflict
from espace_sante.core.policy import Action, Resource
from espace_sante.core.uow import UnitOfWork, UowFactory

ARCHIVE_YEARS = 10
# The law allows up to 3 months; 30 days leaves time to change one's mind (reopening
# cancels the request) and is well within the limit.
DELETION_DELAY = timedelta(days=30)
PURGE_BATCH = 500
log = logging.getLogger("espace_sante.jobs")

# Bricks that keep rows per space register how to delete them at the purge (documents,
# messages, …): each receives the purge's session and the space id.
SPACE_PURGERS: list[Callable[[Session, str], None]] = []


class SpaceStatus(BaseModel):
    patient_id: str
    display_name: str
    state: str
    minor: bool
    closed_at: datetime | None
    purge_due_at: datetime | None
    deletion_requested: bool

    @classmethod
    def of(cls, patient: Patient, today: date) -> SpaceStatus:
        return cls(
            patient_id=patient.id, display_name=patient.display_name, state=patient.state,
            minor=is_minor(patient.birth_date, today), closed_at=patient.closed_at,
            purge_due_at=patient.purge_due_at, deletion_requested=deletion_requested(patient),
        )


def deletion_requested(patient: Patient) -> bool:
    """A purge due before the end of the archive period was asked for by the person."""
    if patient.closed_at is None or patient.purge_due_at is None:
        return False
    return patient.purge_due_at < add_years(patient.closed_at, ARCHIVE_YEARS)


def space_status(uow_factory: UowFactory, actor: Actor, patient_id: str) -> SpaceStatus:
    with uow_factory(actor) as uow:
        patient = DelegationRepository(uow).space(patient_id, Action.READ)
        status = SpaceStatus.of(patient, paris_today(uow.clock.now()))
        uow.commit()
        return status


def close_space(uow_factory: UowFactory, actor: Actor, patient_id: str) -> SpaceStatus:
    with uow_factory(actor) as uow:
        repo = DelegationRepository(uow)
        patient = repo.space(patient_id, Action.UPDATE)
        if patient.state != SpaceState.ACTIVE:
            raise NOT_OPEN
        now = uow.clock.now()
        patient.state, patient.closed_at = SpaceState.CLOSED, now
        patient.purge_due_at = add_years(now, ARCHIVE_YEARS)
        repo.record("close", patient_id, patient_id, f"purge due {patient.purge_due_at:%Y-%m-%d}",
                    Resource.SPACE)
        notices.send(uow.session, notices.holder_emails(uow.session, patient_id, now),
                     _closed_notice(patient), patient_id=patient_id, now=now)
        return _done(uow, patient)


def reopen_space(uow_factory: UowFactory, actor: Actor, patient_id: str) -> SpaceStatus:
    with uow_factory(actor) as uow:
        repo = DelegationRepository(uow)
        patient = repo.space(patient_id, Action.UPDATE)
        now = uow.clock.now()
        if patient.state != SpaceState.CLOSED:
            raise NOT_CLOSED
        if patient.purge_due_at is not None and patient.purge_due_at <= now:
            raise TOO_LATE
        patient.state = SpaceState.ACTIVE
        patient.closed_at = patient.purge_due_at = None
        repo.record("reopen", patient_id, patient_id, None, Resource.SPACE)
        notices.send(uow.session, notices.holder_emails(uow.session, patient_id, now),
                     _reopened_notice(), patient_id=patient_id, now=now)
        return _done(uow, patient)


def request_deletion(uow_factory: UowFactory, actor: Actor, patient_id: str) -> SpaceStatus:
    """Close the space (if open) and bring its purge forward to ``DELETION_DELAY``."""
    with uow_factory(actor) as uow:
        repo = DelegationRepository(uow)
        patient = repo.space(patient_id, Action.DELETE)
        now = uow.clock.now()
        if patient.state not in (SpaceState.ACTIVE, SpaceState.CLOSED):
            raise NOT_OPEN
        if patient.state == SpaceState.ACTIVE:
            patient.state, patient.closed_at = SpaceState.CLOSED, now
        due = now + DELETION_DELAY
        patient.purge_due_at = min(due, patient.purge_due_at or due)
        repo.record("request_deletion", patient_id, patient_id,
                    f"purge due {patient.purge_due_at:%Y-%m-%d}", Resource.SPACE)
        notices.send(uow.session, notices.holder_emails(uow.session, patient_id, now),
                     _deletion_notice(patient), patient_id=patient_id, now=now)
        return _done(uow, patient)


def _done(uow: UnitOfWork, patient: Patient) -> SpaceStatus:
    status = SpaceStatus.of(patient, paris_today(uow.clock.now()))
    uow.commit()
    return status


# -- the purge (a scheduled job) --------------------------------------------------------


def purge_due_spaces(
    factory: sessionmaker[Session], keyring: Keyring, blob_store: BlobStore, clock: Clock
) -> int:
    """Purge every closed space whose purge is due; returns how many were purged. Each
    space is purged in its own transaction, so one failure does not hold back the rest;
    a space half-purged by a crash is still due and is finished by the next run."""
    now = clock.now()
    with factory() as session:
        due = list(session.scalars(
            select(Patient.id)
            .where(Patient.state == SpaceState.CLOSED, Patient.purge_due_at <= now)
            .order_by(Patient.purge_due_at)
            .limit(PURGE_BATCH)
        ))
    blobs = EncryptedBlobs(blob_store, keyring)
    purged = 0
    for patient_id in due:
        # Why so broad: a storage outage on one space must not hold back the others; the
        # space stays due and the next run retries it.
        try:
            purged += _purge(factory, blobs, clock, patient_id)
        except Exception:
            log.exception("purge of space %s failed; retried at the next run", patient_id)
    return purged


def _purge(factory: sessionmaker[Session], blobs: EncryptedBlobs, clock: Clock,
           patient_id: str) -> int:
    with UnitOfWork(factory, system_actor("purge"), clock, space_exists) as uow:
        session, now = uow.session, clock.now()
        uow.authorize(Action.DELETE, Resource.SPACE, patient_id, patient_id)
        # Locked: two workers never purge the same space, nor a person reopen it meanwhile.
        patient = session.get(Patient, patient_id, with_for_update=True)
        if patient is None or patient.state != SpaceState.CLOSED or (
            (patient.purge_due_at or now) > now
        ):
            return 0  # purged by another worker, reopened or postponed meanwhile
        recipients = notices.holder_emails(session, patient_id, now)
        blobs.keyring.shred(session, patient_id, now=now)
        # After the shred the files are noise; removing them frees the space and leaves
        # nothing to recover should the master key ever leak.
        removed = blobs.purge(patient_id)
        _delete_links(session, patient_id)
        _tombstone(patient, now)
        DelegationRepository(uow).record(
            "purge", patient_id, patient_id, f"data key shredded, {removed} file(s) removed",
            Resource.SPACE)
        notices.send(session, recipients, _purged_notice(), patient_id=patient_id, now=now)
        uow.commit()
        return 1


def _delete_links(session: Session, patient_id: str) -> None:
    for purger in SPACE_PURGERS:
        purger(session, patient_id)
    for table in (Invitation, Delegation, CareRelationship, ActivationCode):
        session.execute(delete(table).where(table.patient_id == patient_id))


def _tombstone(patient: Patient, now: datetime) -> None:
    """Keep the INS identity only, so the register cannot silently recreate the space and
    the person can be told what became of it; contact details go."""
    patient.state, patient.deleted_at, patient.purge_due_at = SpaceState.DELETED, now, None
    patient.used_family_name = patient.contact_email = patient.contact_phone = None
    patient.postal_address = patient.vitale_serial_hash = None


# -- errors and notices ---------------------------------------------------------------

NOT_OPEN = Conflict(
    "Cet espace n'est pas ouvert : il ne peut pas être fermé.",
    "This space is not open: it cannot be closed.",
)
NOT_CLOSED = Conflict(
    "Cet espace n'est pas fermé : il n'y a rien à rouvrir.",
    "This space is not closed: there is nothing to reopen.",
)
TOO_LATE = Conflict(
    "La suppression de cet espace est en cours : il ne peut plus être rouvert.",
    "This space is being deleted: it can no longer be reopened.",
)


def _closed_notice(patient: Patient) -> notices.Notice:
    assert patient.purge_due_at is not None
    fr, en = notices.day(patient.purge_due_at), notices.day(patient.purge_due_at, "en")
    return notices.Notice(
        "Votre espace santé a été fermé",
        "L'espace santé de " + patient.display_name + " a été fermé. Plus personne n'y a "
        "accès, ni vous ni les professionnels de santé. Ses données sont archivées "
        f"jusqu'au {fr}, puis supprimées. Vous pouvez le rouvrir d'ici là, avec toutes ses "
        "données, depuis la page Paramètres de l'espace, ou demander sa suppression.",
        "The health space of " + patient.display_name + " has been closed. Nobody can reach "
        f"it any more, neither you nor health professionals. Its data is archived until {en}, "
        "then deleted. You may reopen it until then, with all its data, from the space's "
        "settings page, or ask for its deletion.",
    )


def _reopened_notice() -> notices.Notice:
    return notices.Notice(
        "Votre espace santé a été rouvert",
        "Votre espace santé a été rouvert : ses données sont de nouveau accessibles, à vous "
        "et aux personnes et professionnels que vous aviez autorisés.",
        "Your health space has been reopened: its data can be reached again, by you and by "
        "the people and professionals you had authorised.",
    )


def _deletion_notice(patient: Patient) -> notices.Notice:
    assert patient.purge_due_at is not None
    fr, en = notices.day(patient.purge_due_at), notices.day(patient.purge_due_at, "en")
    return notices.Notice(
        "Demande de suppression de votre espace santé",
        f"Votre demande de suppression est enregistrée. L'espace est fermé et ses données "
        f"seront définitivement supprimées le {fr}. D'ici là, vous pouvez encore changer "
        "d'avis en rouvrant l'espace depuis sa page Paramètres.",
        f"Your request for deletion is recorded. The space is closed and its data will be "
        f"permanently deleted on {en}. Until then you may still change your mind by "
        "reopening the space from its settings page.",
    )


def _purged_notice() -> notices.Notice:
    return notices.Notice(
        "Votre espace santé a été supprimé",
        "Les données de votre espace santé ont été définitivement supprimées : documents, "
        "accès accordés et invitations. Seule votre identité est conservée, pour que "
        "l'espace ne soit pas recréé sans vous.",
        "The data of your health space has been permanently deleted: documents, access "
        "granted and invitations. Only your identity is kept, so that the space is not "
        "created again without you.",
    )
