"""A child declared in the insurer's register passes to the parent who declared it.

Provisioning records ``declared_by_patient_id`` on the child's space; when that parent
opens his own space (activation), he becomes the child's legal representative, audited on
the child's chain. A parent who already had an account at import time got the delegation
from provisioning itself, so nothing is created twice.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from espace_sante.accounts.dates import is_minor, paris_today
from espace_sante.accounts.models import (
    Account,
    Delegation,
    DelegationKind,
    Patient,
    SpaceState,
)
from espace_sante.core import audit
from espace_sante.core.actors import Actor, ActorKind, LegalBasis
from espace_sante.core.context import request_id

_OPEN = (SpaceState.PENDING, SpaceState.ACTIVE)


def link_declared_children(session: Session, parent: Patient, account: Account,
                           now: datetime) -> int:
    """Give ``account`` (the parent's) the children it declared; returns how many."""
    today, linked = paris_today(now), 0
    children = session.scalars(select(Patient).where(
        Patient.declared_by_patient_id == parent.id, Patient.state.in_(_OPEN)))
    for child in children:
        if not is_minor(child.birth_date, today) or _represented(session, child, account):
            continue
        delegation = Delegation(
            patient_id=child.id, account_id=account.id,
            kind=DelegationKind.LEGAL_REPRESENTATIVE, role_detail="parent", created_at=now,
        )
        session.add(delegation)
        session.flush()
        _audit(session, account, child, delegation, now)
        linked += 1
    return linked


def _represented(session: Session, child: Patient, account: Account) -> bool:
    return session.scalar(select(Delegation.id).where(
        Delegation.patient_id == child.id, Delegation.account_id == account.id,
        Delegation.revoked_at.is_(None))) is not None


def _audit(session: Session, account: Account, child: Patient, delegation: Delegation,
           now: datetime) -> None:
    actor = Actor(ActorKind.PATIENT, account.id, account.display_name, account_id=account.id)
    entry = audit.Entry(
        action="create", resource_kind="delegation", patient_id=child.id,
        resource_id=delegation.id, outcome=audit.Outcome.SUCCESS,
        legal_basis=LegalBasis.LEGAL_REPRESENTATION, detail="declared in the register",
    )
    audit.append(session, actor, entry, at=now, request_id=request_id.get())
