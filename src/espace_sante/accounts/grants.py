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
    Professional,
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
    grants: dict[str, LegalBasis] = {}
    delegations = session.scalars(
        select(Delegation).where(
            Delegation.account_id == account.id,
            Delegation.revoked_at.is_(None),
            or_(Delegation.valid_until.is_(None), Delegation.valid_until > now),
        )
    )
    for d in delegations:
        grants[d.patient_id] = _DELEGATION_BASIS[DelegationKind(d.kind)]
    if account.patient_id:
        grants[account.patient_id] = LegalBasis.OWN_SPACE
    return Actor(
        kind=ActorKind.PATIENT,
        subject_id=account.id,
        display_name=account.display_name,
        account_id=account.id,
        own_patient_id=account.patient_id,
        grants=MappingProxyType(grants),
    )


def professional_actor(session: Session, professional: Professional) -> Actor:
    grants: dict[str, LegalBasis] = {}
    blocked: set[str] = set()
    rows = session.scalars(
        select(CareRelationship).where(
            CareRelationship.rpps == professional.rpps, CareRelationship.ended_at.is_(None)
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
