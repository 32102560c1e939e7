"""Who acts for a space (legal representatives, caregivers, pending invitations), seen
through the access policy. Every method asks the policy first; the rest answers "not
found"."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from espace_sante.accounts.models import (
    Account,
    Delegation,
    DelegationKind,
    Invitation,
    InvitationKind,
    Patient,
    SpaceState,
)
from espace_sante.core import audit
from espace_sante.core.errors import Conflict, NotFound
from espace_sante.core.policy import Action, Resource
from espace_sante.core.uow import UnitOfWork

# Legal representatives whose role ends when the holder comes of age. ``None``: recorded
# before the role was detailed, always a parent (the demo's and the first imports').
PARENT = "parent"
GUARDIAN = "guardian"
TUTOR = "tutor"
MINORS_REPRESENTATIVES = (PARENT, GUARDIAN)

SPACE_NOT_OPEN = Conflict(
    "Cet espace n'est pas ouvert : personne ne peut y être invité pour le moment.",
    "This space is not open: nobody can be invited to it for now.",
)


class DelegateView(BaseModel):
    id: str
    account_id: str
    name: str
    kind: str
    role_detail: str | None
    since: datetime
    until: datetime | None


class InvitationView(BaseModel):
    id: str  # the hash of the token, never the token itself
    kind: str
    email: str
    created_at: datetime
    expires_at: datetime
    until: datetime | None


def live(now: datetime) -> tuple[ColumnElement[bool], ...]:
    """Conditions of a delegation still in force."""
    return (
        Delegation.revoked_at.is_(None),
        or_(Delegation.valid_until.is_(None), Delegation.valid_until > now),
    )


def pending(now: datetime) -> tuple[ColumnElement[bool], ...]:
    """Conditions of an invitation that can still be accepted."""
    return (
        Invitation.accepted_at.is_(None),
        Invitation.revoked_at.is_(None),
        Invitation.expires_at > now,
    )


def is_parent(delegation: Delegation) -> bool:
    return delegation.kind == DelegationKind.LEGAL_REPRESENTATIVE and (
        delegation.role_detail in (None, PARENT)
    )


class DelegationRepository:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow
        self._session: Session = uow.session

    def space(self, patient_id: str, action: Action) -> Patient:
        """The space, for its lifecycle (read its state, close, reopen, delete)."""
        self._uow.authorize(action, Resource.SPACE, patient_id, patient_id)
        # A change locks the row: closing, reopening and the purge never interleave.
        patient = self._session.get(Patient, patient_id,
                                    with_for_update=action is not Action.READ)
        if patient is None or patient.state == SpaceState.DELETED:
            raise NotFound.default()
        return patient

    def for_invitation(self, patient_id: str) -> Patient:
        """The space someone is about to be invited to act for: open, and the actor may
        add people to it."""
        self._uow.authorize(Action.CREATE, Resource.DELEGATION, patient_id)
        patient = self._session.get(Patient, patient_id)
        if patient is None or patient.state == SpaceState.DELETED:
            raise NotFound.default()
        if patient.state != SpaceState.ACTIVE:
            raise SPACE_NOT_OPEN
        return patient

    def delegates(self, patient_id: str) -> list[DelegateView]:
        self._uow.authorize(Action.READ, Resource.DELEGATION, patient_id)
        stmt = (
            select(Delegation, Account.display_name)
            .join(Account, Account.id == Delegation.account_id)
            .where(Delegation.patient_id == patient_id, *live(self._uow.clock.now()))
            .order_by(Delegation.kind.desc(), Delegation.created_at)
        )
        return [
            DelegateView(id=d.id, account_id=d.account_id, name=name, kind=d.kind,
                         role_detail=d.role_detail, since=d.created_at, until=d.valid_until)
            for d, name in self._session.execute(stmt)
        ]

    def invitations(self, patient_id: str) -> list[InvitationView]:
        self._uow.authorize(Action.READ, Resource.DELEGATION, patient_id)
        stmt = (
            select(Invitation)
            .where(Invitation.patient_id == patient_id, *pending(self._uow.clock.now()))
            .order_by(Invitation.created_at)
        )
        return [
            InvitationView(id=i.token_hash, kind=i.kind, email=i.invitee_email,
                           created_at=i.created_at, expires_at=i.expires_at,
                           until=i.delegation_until)
            for i in self._session.scalars(stmt)
        ]

    def delegation(self, patient_id: str, delegation_id: str, action: Action) -> Delegation:
        self._uow.authorize(action, Resource.DELEGATION, patient_id, delegation_id[:128])
        return self._live_delegation(patient_id, delegation_id)

    def own_delegation(self, patient_id: str, action: Action = Action.DELETE) -> Delegation:
        """The actor's own delegation to this space (a caregiver seeing or ending his help)."""
        self._uow.authorize(action, Resource.OWN_DELEGATION, patient_id)
        found = self.actor_delegation(patient_id)
        if found is None:
            raise NotFound.default()
        return found

    def invitation(self, patient_id: str, invitation_id: str) -> Invitation:
        self._uow.authorize(Action.DELETE, Resource.DELEGATION, patient_id, invitation_id[:128])
        found = self._session.get(Invitation, invitation_id)
        now = self._uow.clock.now()
        if found is None or found.patient_id != patient_id or not _can_accept(found, now):
            raise NotFound.default()
        return found

    def count_caregivers(self, patient_id: str) -> int:
        """Caregivers in force plus invitations still pending: both take a place."""
        return self.count_live(patient_id, DelegationKind.CAREGIVER) + self.count_pending(
            patient_id, InvitationKind.CAREGIVER)

    def count_parents(self, patient_id: str) -> int:
        return self.count_live(patient_id, DelegationKind.LEGAL_REPRESENTATIVE,
                               parents_only=True) + self.count_pending(
            patient_id, InvitationKind.SECOND_PARENT)

    def count_live(self, patient_id: str, kind: DelegationKind, *,
                   parents_only: bool = False) -> int:
        stmt = select(func.count()).select_from(Delegation).where(
            Delegation.patient_id == patient_id, Delegation.kind == kind,
            *live(self._uow.clock.now()))
        if parents_only:
            stmt = stmt.where(
                or_(Delegation.role_detail.is_(None), Delegation.role_detail == PARENT))
        return int(self._session.scalar(stmt) or 0)

    def count_pending(self, patient_id: str, kind: InvitationKind) -> int:
        stmt = select(func.count()).select_from(Invitation).where(
            Invitation.patient_id == patient_id, Invitation.kind == kind,
            *pending(self._uow.clock.now()))
        return int(self._session.scalar(stmt) or 0)

    def count_acting(self, patient_id: str, account_id: str) -> int:
        """Delegations in force of one account on this space (0 or 1)."""
        return int(self._session.scalar(select(func.count()).select_from(Delegation).where(
            Delegation.patient_id == patient_id, Delegation.account_id == account_id,
            *live(self._uow.clock.now()))) or 0)

    def actor_delegation(self, patient_id: str) -> Delegation | None:
        """The actor's own delegation in force on this space, if any (no policy check:
        it tells what the actor is to the space, nothing about the space)."""
        return self._session.scalar(
            select(Delegation).where(
                Delegation.patient_id == patient_id,
                Delegation.account_id == self._uow.actor.account_id,
                *live(self._uow.clock.now()),
            )
        )

    def _live_delegation(self, patient_id: str, delegation_id: str) -> Delegation:
        found = self._session.get(Delegation, delegation_id)
        now = self._uow.clock.now()
        if found is None or found.patient_id != patient_id or found.revoked_at is not None or (
            found.valid_until is not None and found.valid_until <= now
        ):
            raise NotFound.default()
        return found

    def record(self, action: str, patient_id: str, resource_id: str | None,
               detail: str | None = None, resource_kind: str = Resource.DELEGATION) -> None:
        """The change itself, after the policy's decision: what was done, on what basis."""
        self._uow.record(audit.Entry(
            action=action, resource_kind=resource_kind, patient_id=patient_id,
            resource_id=resource_id, outcome=audit.Outcome.SUCCESS,
            legal_basis=self._uow.actor.basis_for(patient_id), detail=detail,
        ))


def _can_accept(invitation: Invitation, now: datetime) -> bool:
    return (invitation.accepted_at is None and invitation.revoked_at is None
            and invitation.expires_at > now)
