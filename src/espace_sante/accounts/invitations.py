"""Invitations to act for a space (second parent, tutor, caregiver): issue, look up,
accept, cancel.

An invitation is a capability: the policy decided, when it was issued, that its author
may add someone to the space (audited then). The e-mailed link carries a random token of
which only the hash is stored; it works once, for 14 days, and only for a signed-in person
whose own space is activated and whose account has the address it was sent to, so a
forwarded or intercepted link opens nothing.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Literal

from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from espace_sante.accounts import invitation_notices
from espace_sante.accounts import space_notices as notices
from espace_sante.accounts.dates import is_minor, paris_today
from espace_sante.accounts.delegations import (
    GUARDIAN,
    PARENT,
    TUTOR,
    DelegationRepository,
    InvitationView,
    live,
    pending,
)
from espace_sante.accounts.models import (
    Account,
    AccountRole,
    Delegation,
    DelegationKind,
    Invitation,
    InvitationKind,
    Patient,
    SpaceState,
)
from espace_sante.accounts.secrets import new_token, token_hash
from espace_sante.core import audit
from espace_sante.core.actors import Actor, ActorKind, LegalBasis
from espace_sante.core.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound
from espace_sante.core.policy import Resource
from espace_sante.core.uow import UowFactory

VALIDITY = timedelta(days=14)
MAX_CAREGIVERS = 3
MAX_PARENTS = 2
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

State = Literal["pending", "accepted", "cancelled", "expired"]


class Unusable(DomainError):
    status = 410
    code = "expired"


class InvitationStatus(BaseModel):
    kind: str
    space_name: str
    inviter_name: str
    invitee_email: str
    expires_at: datetime
    until: datetime | None
    state: State


class Accepted(BaseModel):
    patient_id: str
    kind: str
    until: datetime | None


def check_email(raw: str) -> str:
    email = raw.strip()
    if len(email) > 254 or not _EMAIL.match(email):
        raise InvalidInput("Adresse e-mail invalide.", "Invalid e-mail address.",
                           {"field": "email"})
    return email


def issue(
    session: Session, *, patient: Patient, kind: InvitationKind, inviter: Actor, email: str,
    until: datetime | None, base_url: str, now: datetime,
) -> InvitationView:
    """Record the invitation and queue its e-mail; the caller has asked the policy."""
    _refuse_duplicates(session, patient.id, email, now)
    token = new_token()
    invitation = Invitation(
        token_hash=token_hash(token), patient_id=patient.id, kind=kind,
        invited_by=inviter.account_id, invitee_email=email, created_at=now,
        expires_at=now + VALIDITY, delegation_until=until,
    )
    session.add(invitation)
    link = f"{base_url.rstrip('/')}/invitations/{token}"
    notice = invitation_notices.invited(kind, inviter, patient, link, invitation.expires_at)
    notices.send(session, [email], notice, patient_id=patient.id, now=now)
    return InvitationView(id=invitation.token_hash, kind=kind, email=email, created_at=now,
                          expires_at=invitation.expires_at, until=until)


def _refuse_duplicates(session: Session, patient_id: str, email: str, now: datetime) -> None:
    """Only people already linked to the space are looked up, so the answer tells the
    inviter nothing about who else has an account."""
    waiting = session.scalar(select(func.count()).select_from(Invitation).where(
        Invitation.patient_id == patient_id, func.lower(Invitation.invitee_email) == email.lower(),
        *pending(now)))
    if waiting:
        raise ALREADY_INVITED
    linked = session.scalar(select(func.count()).select_from(Account).where(
        func.lower(Account.email) == email.lower(), Account.patient_id == patient_id))
    acting = session.scalar(select(func.count()).select_from(Delegation).join(
        Account, Account.id == Delegation.account_id).where(
        func.lower(Account.email) == email.lower(), Delegation.patient_id == patient_id,
        *live(now)))
    if linked or acting:
        raise ALREADY_ACTING


def invitation_status(uow_factory: UowFactory, actor: Actor, token: str) -> InvitationStatus:
    """What the link is for and whether it still works (the token is the capability)."""
    with uow_factory(actor) as uow:
        invitation = uow.session.get(Invitation, token_hash(token))
        patient = uow.session.get(Patient, invitation.patient_id) if invitation else None
        if invitation is None or patient is None or patient.state == SpaceState.DELETED:
            raise NotFound.default()
        inviter = uow.session.get(Account, invitation.invited_by)
        return InvitationStatus(
            kind=invitation.kind, space_name=patient.display_name,
            inviter_name=inviter.display_name if inviter else "—",
            invitee_email=invitation.invitee_email, expires_at=invitation.expires_at,
            until=invitation.delegation_until, state=_state(invitation, uow.clock.now()),
        )


def _state(invitation: Invitation, now: datetime) -> State:
    if invitation.accepted_at is not None:
        return "accepted"
    if invitation.revoked_at is not None:
        return "cancelled"
    ended = invitation.delegation_until is not None and invitation.delegation_until <= now
    return "expired" if invitation.expires_at <= now or ended else "pending"


def accept_invitation(uow_factory: UowFactory, actor: Actor, token: str) -> Accepted:
    with uow_factory(actor) as uow:
        session, now = uow.session, uow.clock.now()
        invitation = session.get(Invitation, token_hash(token), with_for_update=True)
        if invitation is None:
            raise NotFound.default()
        _check_usable(invitation, now)
        account = _acceptor(session, actor, invitation)
        patient = session.get(Patient, invitation.patient_id)
        if patient is None or patient.state != SpaceState.ACTIVE:
            raise SPACE_UNAVAILABLE
        delegation = _delegation(DelegationRepository(uow), invitation, patient, account, now)
        session.add(delegation)
        invitation.accepted_at = now
        basis = (LegalBasis.CAREGIVER_DELEGATION if delegation.kind == DelegationKind.CAREGIVER
                 else LegalBasis.LEGAL_REPRESENTATION)
        session.flush()
        uow.record(audit.Entry(
            action="accept", resource_kind=Resource.DELEGATION, patient_id=patient.id,
            resource_id=delegation.id, outcome=audit.Outcome.SUCCESS, legal_basis=basis,
            detail=invitation.kind))
        notices.send(session, notices.holder_emails(session, patient.id, now),
                     invitation_notices.accepted(account, invitation.kind),
                     patient_id=patient.id, now=now)
        accepted = Accepted(patient_id=patient.id, kind=invitation.kind,
                            until=delegation.valid_until)
        uow.commit()
        return accepted


def _check_usable(invitation: Invitation, now: datetime) -> None:
    state = _state(invitation, now)
    if state != "pending":
        raise UNUSABLE[state]


def _acceptor(session: Session, actor: Actor, invitation: Invitation) -> Account:
    account = session.get(Account, actor.account_id) if actor.account_id else None
    if actor.kind is not ActorKind.PATIENT or account is None or (
        account.role != AccountRole.PERSON
    ):
        raise NOT_A_PERSON
    own = session.get(Patient, account.patient_id) if account.patient_id else None
    if own is None or own.state != SpaceState.ACTIVE or account.password_hash is None:
        raise NOT_ACTIVATED
    if (account.email or "").strip().lower() != invitation.invitee_email.strip().lower():
        raise WRONG_PERSON
    return account


def _delegation(repo: DelegationRepository, invitation: Invitation, patient: Patient,
                account: Account, now: datetime) -> Delegation:
    if account.patient_id == patient.id or repo.count_acting(patient.id, account.id):
        raise ALREADY_ACTING
    kind = DelegationKind.LEGAL_REPRESENTATIVE
    role: str | None = PARENT
    if invitation.kind == InvitationKind.CAREGIVER:
        if repo.count_live(patient.id, DelegationKind.CAREGIVER) >= MAX_CAREGIVERS:
            raise TOO_MANY_CAREGIVERS
        kind, role = DelegationKind.CAREGIVER, None
    elif invitation.kind == InvitationKind.SECOND_PARENT:
        if repo.count_live(patient.id, kind, parents_only=True) >= MAX_PARENTS:
            raise TWO_PARENTS
    else:  # a tutor: a minor's guardian gives way at 18, a protected adult's tutor does not
        role = GUARDIAN if is_minor(patient.birth_date, paris_today(now)) else TUTOR
    return Delegation(patient_id=patient.id, account_id=account.id, kind=kind,
                      role_detail=role, valid_until=invitation.delegation_until,
                      created_at=now)


def cancel_invitation(uow_factory: UowFactory, actor: Actor, patient_id: str,
                      invitation_id: str) -> None:
    with uow_factory(actor) as uow:
        repo = DelegationRepository(uow)
        invitation = repo.invitation(patient_id, invitation_id)
        invitation.revoked_at = uow.clock.now()
        repo.record("cancel_invitation", patient_id, None, invitation.kind, "invitation")
        uow.commit()


# -- errors and notices ---------------------------------------------------------------

ALREADY_INVITED = Conflict(
    "Une invitation est déjà en attente pour cette adresse.",
    "An invitation is already pending for this address.",
)
ALREADY_ACTING = Conflict(
    "Cette personne a déjà accès à cet espace.",
    "This person already has access to this space.",
)
TOO_MANY_CAREGIVERS = Conflict(
    f"Cet espace a déjà {MAX_CAREGIVERS} aidants, le maximum.",
    f"This space already has {MAX_CAREGIVERS} caregivers, the maximum.",
)
TWO_PARENTS = Conflict(
    "Cet enfant a déjà deux parents représentants légaux.",
    "This child already has two parents as legal representatives.",
)
SPACE_UNAVAILABLE = Conflict(
    "Cet espace santé n'est pas ouvert : l'invitation ne peut pas être acceptée.",
    "This health space is not open: the invitation cannot be accepted.",
)
NOT_A_PERSON = Forbidden(
    "Une invitation s'accepte connecté à son propre compte Espace Santé.",
    "An invitation is accepted while signed in to one's own Espace Santé account.",
)
NOT_ACTIVATED = Forbidden(
    "Pour accepter, activez d'abord votre propre espace santé.",
    "To accept, first activate your own health space.",
)
WRONG_PERSON = Forbidden(
    "Cette invitation a été envoyée à une autre adresse e-mail que celle de votre compte.",
    "This invitation was sent to another e-mail address than your account's.",
)
UNUSABLE: dict[str, Unusable] = {
    "accepted": Unusable("Cette invitation a déjà été utilisée.",
                         "This invitation has already been used."),
    "cancelled": Unusable("Cette invitation a été annulée.", "This invitation was cancelled."),
    "expired": Unusable("Cette invitation a expiré. Demandez-en une nouvelle.",
                        "This invitation has expired. Ask for a new one."),
}
