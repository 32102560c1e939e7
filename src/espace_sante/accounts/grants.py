"""Build the ``Actor`` of a signed-in person or professional from the relationships on
record: own space, delegations (representatives, caregivers) and care relationships."""

from __future__ import annotations

from datetime import datetime
from types import MappingProxyType

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from espace_sante.accounts.models import (
    Account,
    AccountRole,
    CareRelationship,
    CareRole,
    Delegation,
    DelegationKind,
    Institution,
    Patient,
    Professional,
    SpaceState,
)
from espace_sante.core.actors import Actor, ActorKind, LegalBasis

_DELEGATION_BASIS = {
    DelegationKind.LEGAL_REPRESENTATIVE: LegalBasis.LEGAL_REPRESENTATION,
    DelegationKind.CAREGIVER: LegalBasis.CAREGIVER_DELEGATION,
}
_CARE_BASIS = {
    CareRole.MEDECIN_TRAITANT: LegalBasis.MEDECIN_TRAITANT,
    CareRole.ADMINISTRATOR: LegalBasis.ADMINISTRATOR,
    CareRole.AUTHORISED: LegalBasis.PATIENT_CONSENT,
}
_STAFF_KINDS = {
    AccountRole.OPERATOR: ActorKind.OPERATOR,
    AccountRole.COMMISSION: ActorKind.COMMISSION,
}


def person_actor(session: Session, account: Account, *, now: datetime) -> Actor:
    if account.role != AccountRole.PERSON:
        return Actor(
            kind=_STAFF_KINDS[AccountRole(account.role)],
            subject_id=account.id,
            display_name=account.display_name,
            account_id=account.id,
        )
    grants, closed = _delegation_grants(session, account.id, now)
    if account.patient_id:
        own_state = session.scalar(select(Patient.state).where(Patient.id == account.patient_id))
        if own_state not in (None, SpaceState.DELETED):
            grants[account.patient_id] = LegalBasis.OWN_SPACE
            if own_state == SpaceState.CLOSED:
                closed.add(account.patient_id)
    return Actor(
        kind=ActorKind.PATIENT,
        subject_id=account.id,
        display_name=account.display_name,
        account_id=account.id,
        # A purged space is no longer one's own: sign-ins then go to the shared trail.
        own_patient_id=account.patient_id if account.patient_id in grants else None,
        grants=MappingProxyType(grants),
        closed_spaces=frozenset(closed),
    )


def _delegation_grants(
    session: Session, account_id: str, now: datetime
) -> tuple[dict[str, LegalBasis], set[str]]:
    """Spaces reached through live delegations, and which of them are closed. A deleted
    space is a tombstone: nobody reaches it."""
    grants: dict[str, LegalBasis] = {}
    closed: set[str] = set()
    rows = session.execute(
        select(Delegation.patient_id, Delegation.kind, Patient.state)
        .join(Patient, Patient.id == Delegation.patient_id)
        .where(
            Delegation.account_id == account_id,
            Delegation.revoked_at.is_(None),
            or_(Delegation.valid_until.is_(None), Delegation.valid_until > now),
            Patient.state != SpaceState.DELETED,
        )
    )
    for patient_id, kind, state in rows:
        # Why: a closed space is archived; its caregivers lose access until it is reopened,
        # its representatives keep only what the policy allows on a closed space.
        if state == SpaceState.CLOSED and kind == DelegationKind.CAREGIVER:
            continue
        grants[patient_id] = _DELEGATION_BASIS[DelegationKind(kind)]
        if state == SpaceState.CLOSED:
            closed.add(patient_id)
    return grants, closed


def professional_actor(session: Session, professional: Professional) -> Actor:
    grants: dict[str, LegalBasis] = {}
    blocked: set[str] = set()
    # Why the state: professionals never reach a closed (archived) or deleted space.
    # Columns, not ORM objects: resolved at every request, for hundreds of patients.
    rows = session.execute(
        select(CareRelationship.patient_id, CareRelationship.role)
        .join(Patient, Patient.id == CareRelationship.patient_id)
        .where(
            CareRelationship.rpps == professional.rpps,
            CareRelationship.ended_at.is_(None),
            Patient.state.not_in([SpaceState.CLOSED, SpaceState.DELETED]),
        )
    )
    for rel in rows:
        if rel.role == CareRole.BLOCKED:
            blocked.add(rel.patient_id)
        else:
            grants[rel.patient_id] = _stronger(
                grants.get(rel.patient_id), _CARE_BASIS[CareRole(rel.role)]
            )
    for pid in blocked:
        # Why: the médecin traitant and administrators cannot be blocked (DOMAIN.md).
        if grants.get(pid) is LegalBasis.PATIENT_CONSENT:
            del grants[pid]
    organisation = None
    if professional.organisation_finess:
        inst = session.get(Institution, professional.organisation_finess)
        organisation = inst.name if inst else None
    return Actor(
        kind=ActorKind.PROFESSIONAL,
        subject_id=f"rpps:{professional.rpps}",
        display_name=professional.display_name,
        profession=professional.profession,
        organisation=organisation,
        grants=MappingProxyType(grants),
    )


_STRENGTH = [LegalBasis.PATIENT_CONSENT, LegalBasis.ADMINISTRATOR, LegalBasis.MEDECIN_TRAITANT]


def _stronger(current: LegalBasis | None, new: LegalBasis) -> LegalBasis:
    if current is None:
        return new
    return max(current, new, key=_STRENGTH.index)
