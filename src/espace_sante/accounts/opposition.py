"""Opposition to the creation of a space, within the opt-out window, and changing one's
mind afterwards.

The person opposes on the web (NIR, code and second item, like an activation); an
operator records an opposition asked by phone or at a France services desk. Either way
the space becomes ``opposed``: its codes are revoked, whatever it held is erased (people
acting for it, care relationships, invitations, queued notices) and its data key is
crypto-shredded. Only the identity and the trail remain, so the choice is respected at the
next import of the register. A proof (PDF) is downloadable at once with an unguessable
reference, whose hash alone is stored.

Changing one's mind: an operator (``reopen_after_opposition``) or the person himself
(``activation.request_new_code``, by NIR and second item) gets a new code sent to the
contact on file, and the space is ``pending`` again with a new six-week window.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session, sessionmaker

from espace_sante.accounts import code_notices
from espace_sante.accounts.activation_codes import ALPHABET, CODE_VALIDITY, issue_code
from espace_sante.accounts.code_notices import Contact
from espace_sante.accounts.identification import (
    Attempt,
    find_space,
    identify,
    record,
    source_actor,
)
from espace_sante.accounts.ins import Nir, parse_nir
from espace_sante.accounts.models import (
    ActivationCode,
    CareRelationship,
    Delegation,
    Invitation,
    Patient,
    SpaceState,
)
from espace_sante.accounts.opposition_proof import Proof
from espace_sante.core import audit, notify
from espace_sante.core.actors import Actor, ActorKind, LegalBasis
from espace_sante.core.clock import Clock
from espace_sante.core.crypto import Keyring
from espace_sante.core.errors import Conflict, Forbidden, NotFound
from espace_sante.settings import Settings

# The opt-out window: six weeks from the notice, as long as the code it carries.
WINDOW = timedelta(weeks=6)
REFERENCE_PREFIX = "OPP"
REFERENCE_LENGTH = 20  # 31 symbols: about 99 bits, far beyond guessing

WINDOW_CLOSED = Conflict(
    "Le délai d'opposition est passé : cet espace est déjà ouvert. Vous pouvez l'activer, "
    "puis le fermer à tout moment depuis votre espace.",
    "The opposition period is over: this space is already open. You may activate it, then "
    "close it at any time from your space.",
)
OPERATORS_ONLY = Forbidden(
    "Cette action est réservée aux opérateurs de l'Assurance Maladie.",
    "This action is reserved to the Assurance Maladie's operators.",
)
NO_SUCH_SPACE = NotFound(
    "Aucun espace ne correspond à ce numéro de sécurité sociale.",
    "No space matches this social security number.",
)


class OppositionChannel(StrEnum):
    ONLINE = "online"
    PHONE = "phone"
    FRANCE_SERVICES = "france_services"


@dataclass(frozen=True)
class Opposed:
    reference: str
    display_name: str
    opposed_at: datetime


def oppose(factory: sessionmaker[Session], settings: Settings, clock: Clock, keyring: Keyring,
           *, nir: str, code: str, vitale_serial_or_birth_date: str, source: str) -> Opposed:
    """The person opposes, proving who he is like for an activation."""
    parsed = parse_nir(nir)
    attempt = Attempt(source, "oppose", "tentative d'opposition")
    with factory() as session:
        now = clock.now()
        patient, _ = identify(session, settings, attempt, nir=parsed, code=code,
                              second_item=vitale_serial_or_birth_date, now=now)
        if patient.state != SpaceState.PENDING:
            record(session, source_actor(attempt), "oppose", patient.id, audit.Outcome.DENIED,
                   detail=f"window over (state {patient.state})", at=now)
            session.commit()
            raise WINDOW_CLOSED
        result = _oppose(session, settings, keyring, patient, holder_actor(patient, source),
                         OppositionChannel.ONLINE, now)
        session.commit()
        return result


def record_opposition(factory: sessionmaker[Session], settings: Settings, clock: Clock,
                      keyring: Keyring, actor: Actor, *, nir: str,
                      channel: OppositionChannel) -> Opposed:
    """An operator records an opposition asked by phone or at a France services desk."""
    operator = _operator(actor)
    parsed = parse_nir(nir)
    with factory() as session:
        now = clock.now()
        patient = _space_in(session, parsed, SpaceState.PENDING,
                            "en attente d'ouverture", "awaiting opening")
        result = _oppose(session, settings, keyring, patient, operator, channel, now)
        session.commit()
        return result


def _space_in(session: Session, nir: Nir, state: SpaceState, state_fr: str,
              state_en: str) -> Patient:
    """The space of an operator's request, which must be in ``state``."""
    patient = find_space(session, nir)
    if patient is None:
        raise NO_SUCH_SPACE
    if patient.state != state:
        raise _not_in_state(state_fr, state_en, patient.state)
    return patient


def reopen_after_opposition(factory: sessionmaker[Session], settings: Settings, clock: Clock,
                            actor: Actor, *, nir: str) -> Contact | None:
    """An operator records that the person changed his mind; returns where the new code
    went (None: the register gave no contact)."""
    operator = _operator(actor)
    parsed = parse_nir(nir)
    with factory() as session:
        now = clock.now()
        patient = _space_in(session, parsed, SpaceState.OPPOSED, "opposé", "opposed")
        contact = reopen(session, settings, patient, operator, now, detail="by an operator")
        session.commit()
        return contact


def reopen(session: Session, settings: Settings, patient: Patient, actor: Actor,
           now: datetime, *, detail: str) -> Contact | None:
    """Back to ``pending`` with a new window and a new code, sent to the contact on file."""
    patient.state = SpaceState.PENDING
    patient.window_ends_at = now + WINDOW
    patient.opposition_ref_hash = None  # the old proof no longer tells the truth
    # A new start: the shredded key's tombstone goes, the next use makes a fresh key.
    Keyring.forget_shredded(session, patient.id)
    code = issue_code(session, patient.id, secret=settings.secret_key, now=now)
    record(session, actor, "reopen", patient.id, audit.Outcome.SUCCESS, detail=detail, at=now)
    notice, sms = code_notices.new_code(settings, patient, code, expires=now + CODE_VALIDITY,
                                        reopened=True)
    return code_notices.send(session, patient, notice, sms, now=now)


def holder_actor(patient: Patient, source: str) -> Actor:
    """The holder, not signed in but proven by his code: his own space is his basis."""
    return Actor(ActorKind.PATIENT, f"ip:{source}"[:128], patient.display_name,
                 own_patient_id=patient.id, grants={patient.id: LegalBasis.OWN_SPACE})


def _operator(actor: Actor) -> Actor:
    # Why not core/policy.py: the policy governs what a space holds, and staff must never
    # appear in it (tests/unit/test_docs.py keeps operators out of its table). Recording or
    # lifting an opposition reads no health data: it is a lifecycle act of the insurer's
    # operators, under their mandate, audited with their name.
    if actor.kind is not ActorKind.OPERATOR:
        raise OPERATORS_ONLY
    return replace(actor, default_basis=LegalBasis.OPERATOR_MANDATE)


def _not_in_state(french: str, english: str, state: str) -> Conflict:
    return Conflict(f"Cet espace n'est pas {french} (état : {state}).",
                    f"This space is not {english} (state: {state}).")


def _oppose(session: Session, settings: Settings, keyring: Keyring, patient: Patient,
            actor: Actor, channel: OppositionChannel, now: datetime) -> Opposed:
    reference = new_reference()
    erase(session, keyring, patient.id, now)
    patient.state = SpaceState.OPPOSED
    patient.opposed_at = now
    patient.opposition_ref_hash = reference_hash(reference)
    record(session, actor, "oppose", patient.id, audit.Outcome.SUCCESS, at=now,
           detail=f"channel: {channel.value}")
    notice, sms = code_notices.opposition_recorded(settings, patient, reference, now)
    code_notices.send(session, patient, notice, sms, now=now)
    return Opposed(reference, patient.display_name, now)


def erase(session: Session, keyring: Keyring, patient_id: str, now: datetime) -> None:
    """Everything the space held goes; its identity and its trail stay."""
    session.execute(update(ActivationCode).where(
        ActivationCode.patient_id == patient_id, ActivationCode.used_at.is_(None),
        ActivationCode.revoked_at.is_(None)).values(revoked_at=now))
    for table in (Delegation, CareRelationship, Invitation):
        session.execute(delete(table).where(table.patient_id == patient_id))
    session.execute(delete(notify.OutboxMessage).where(
        notify.OutboxMessage.patient_id == patient_id))
    keyring.shred(session, patient_id, now=now)


def new_reference() -> str:
    return display_reference("".join(secrets.choice(ALPHABET) for _ in range(REFERENCE_LENGTH)))


def normalise_reference(typed: str) -> str:
    text = "".join(ch for ch in typed.upper() if ch.isalnum())
    return text.removeprefix(REFERENCE_PREFIX)


def display_reference(typed: str) -> str:
    """``OPP-ABCD-EFGH-JKMN-PQRS-TUVW``: the form printed, spoken on the phone, and put in
    the proof's address."""
    text = normalise_reference(typed)
    return "-".join([REFERENCE_PREFIX, *(text[i:i + 4] for i in range(0, len(text), 4))])


def reference_hash(reference: str) -> str:
    return hashlib.sha256(normalise_reference(reference).encode()).hexdigest()


def find_proof(factory: sessionmaker[Session], clock: Clock, *, reference: str, source: str,
               download: bool) -> Proof:
    """The proof behind a reference, while the space stays opposed; each look is audited
    on the space's trail (the reference is all it takes, like a link sent by e-mail)."""
    with factory() as session:
        patient = session.scalar(select(Patient).where(
            Patient.opposition_ref_hash == reference_hash(reference)))
        if patient is None or patient.state != SpaceState.OPPOSED:
            raise NotFound.default()
        actor = source_actor(Attempt(source, "export", "lien de l'attestation d'opposition"))
        record(session, actor, "export" if download else "read", patient.id,
               audit.Outcome.SUCCESS, at=clock.now(), resource_kind="opposition_proof")
        session.commit()
        return Proof.of(patient, display_reference(reference))
