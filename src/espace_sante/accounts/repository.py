"""Patient spaces seen through the access policy: every query is filtered to what the
actor may reach, every object checked; the rest answers "not found"."""

from __future__ import annotations

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from espace_sante.accounts.models import (
    CareRelationship,
    CareRole,
    Delegation,
    Patient,
    SpaceState,
)
from espace_sante.core import audit
from espace_sante.core.actors import ActorKind
from espace_sante.core.audit import AuditEvent
from espace_sante.core.errors import NotFound
from espace_sante.core.policy import Action, Resource
from espace_sante.core.uow import UnitOfWork


class PatientRepository:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow
        self._session = uow.session

    def get(self, patient_id: str, action: Action = Action.READ) -> Patient:
        self._uow.authorize(action, Resource.PATIENT, patient_id, patient_id)
        patient = self._session.get(Patient, patient_id)
        if patient is None or self._hidden(patient):  # same answer as no grant
            raise NotFound.default()
        return patient

    def _hidden(self, patient: Patient) -> bool:
        """A deleted space is a tombstone; a closed one is seen only by those who may still
        manage it (the actor's ``closed_spaces``). Actors with a default basis (system
        clients) hold no per-space grants, so the row's state is checked here."""
        if patient.state == SpaceState.DELETED:
            return True
        return patient.state == SpaceState.CLOSED and patient.id not in (
            self._uow.actor.closed_spaces
        )

    def find_by_nir(self, nir: str) -> list[Patient]:
        """Search by INS: only spaces the actor may search are ever returned."""
        stmt = select(Patient).where(Patient.nir == nir)
        if self._uow.actor.default_basis is None:
            stmt = stmt.where(Patient.id.in_(self._uow.actor.reachable_patient_ids))
        found = []
        for patient in self._session.scalars(stmt):
            if self._hidden(patient):
                continue
            try:
                self._uow.authorize(Action.SEARCH, Resource.PATIENT, patient.id, patient.id)
            except NotFound:
                continue
            found.append(patient)
        if not found:
            self._uow.record(
                audit.Entry(
                    action=Action.SEARCH.value,
                    resource_kind=Resource.PATIENT.value,
                    patient_id=None,
                    resource_id=None,
                    outcome=audit.Outcome.SUCCESS,
                    detail="no match",
                )
            )
        return found

    def reachable(self) -> list[Patient]:
        ids = self._uow.actor.reachable_patient_ids
        stmt = select(Patient).where(Patient.id.in_(ids)).order_by(Patient.birth_date)
        patients = list(self._session.scalars(stmt))
        for p in patients:
            self._uow.authorize(Action.SEARCH, Resource.PATIENT, p.id, p.id)
        return patients


# "Accesses by others": professionals, institutions and apps, not the family circle the
# patient chose (himself, his representatives, his caregivers).
OUTSIDE_KINDS = (
    ActorKind.PROFESSIONAL.value, ActorKind.INSTITUTION.value, ActorKind.APP.value,
    ActorKind.INSURER.value,
)


class SpaceRepository:
    """What the home page and the access history show about one space."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow
        self._session = uow.session

    def counts(self, patient_id: str) -> dict[str, int]:
        self._uow.authorize(Action.READ, Resource.SPACE_SUMMARY, patient_id)
        now = self._uow.clock.now()
        professionals = self._count(
            select(func.count())
            .select_from(CareRelationship)
            .where(
                CareRelationship.patient_id == patient_id,
                CareRelationship.ended_at.is_(None),
                CareRelationship.role != CareRole.BLOCKED,
            )
        )
        delegates = self._count(
            select(func.count())
            .select_from(Delegation)
            .where(
                Delegation.patient_id == patient_id,
                Delegation.revoked_at.is_(None),
                or_(Delegation.valid_until.is_(None), Delegation.valid_until > now),
            )
        )
        accesses = self._count(
            select(func.count())
            .select_from(AuditEvent)
            .where(
                AuditEvent.patient_id == patient_id,
                AuditEvent.actor_kind.in_(OUTSIDE_KINDS),
                AuditEvent.outcome == "success",
            )
        )
        return {"professionals": professionals, "delegates": delegates, "accesses": accesses}

    def history(self, patient_id: str, *, limit: int, offset: int) -> list[AuditEvent]:
        self._uow.authorize(Action.READ, Resource.ACCESS_HISTORY, patient_id)
        stmt = (
            select(AuditEvent)
            .where(AuditEvent.patient_id == patient_id)
            .order_by(AuditEvent.seq.desc())
            .limit(limit)
            .offset(offset)
        )
        return list(self._session.scalars(stmt))

    def _count(self, stmt: object) -> int:
        return int(self._session.scalar(stmt) or 0)  # type: ignore[call-overload]


def space_exists(session: Session, patient_id: str) -> bool:
    return session.get(Patient, patient_id) is not None
