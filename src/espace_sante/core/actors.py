"""Who acts, for which patient space, on what legal basis.

An ``Actor`` is a small immutable value built once per request by the front door from a
session cookie or a bearer token. Its ``grants`` map each patient space it may reach to
the legal basis of that reach; the access policy decides what the basis allows.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType


class ActorKind(StrEnum):
    PATIENT = "patient"
    LEGAL_REPRESENTATIVE = "legal_representative"
    CAREGIVER = "caregiver"
    PROFESSIONAL = "professional"
    INSTITUTION = "institution"
    # The Assurance Maladie: provisions spaces, feeds reimbursements, never reads medical
    # data, so no rule of the policy names it for clinical resources.
    INSURER = "insurer"
    APP = "app"
    OPERATOR = "operator"
    COMMISSION = "commission"
    SYSTEM = "system"
    ANONYMOUS = "anonymous"


class LegalBasis(StrEnum):
    """Why an actor may reach a given patient space (shown in the access history)."""

    OWN_SPACE = "own_space"
    LEGAL_REPRESENTATION = "legal_representation"
    CAREGIVER_DELEGATION = "caregiver_delegation"
    MEDECIN_TRAITANT = "medecin_traitant"
    ADMINISTRATOR = "administrator"
    PATIENT_CONSENT = "patient_consent"
    EMERGENCY = "emergency"
    APP_CONSENT = "app_consent"
    SYSTEM_FEED = "system_feed"
    OPERATOR_MANDATE = "operator_mandate"
    SYSTEM_JOB = "system_job"


@dataclass(frozen=True)
class Actor:
    kind: ActorKind
    subject_id: str
    display_name: str
    account_id: str | None = None
    profession: str | None = None
    organisation: str | None = None
    own_patient_id: str | None = None
    grants: Mapping[str, LegalBasis] = field(default_factory=lambda: MappingProxyType({}))
    # Institutions and the insurer feed any space they identify by INS: one basis for all.
    default_basis: LegalBasis | None = None
    scopes: frozenset[str] = frozenset()
    # Spaces among ``grants`` that are closed (archived, restorable): the policy lets their
    # holder and representatives only reopen them or ask for their deletion.
    closed_spaces: frozenset[str] = frozenset()

    def basis_for(self, patient_id: str) -> LegalBasis | None:
        return self.grants.get(patient_id, self.default_basis)

    @property
    def reachable_patient_ids(self) -> frozenset[str]:
        return frozenset(self.grants)

    @property
    def is_authenticated(self) -> bool:
        return self.kind is not ActorKind.ANONYMOUS


ANONYMOUS = Actor(kind=ActorKind.ANONYMOUS, subject_id="anonymous", display_name="anonyme")


def system_actor(job: str) -> Actor:
    """The one greppable escape hatch for background jobs: audited like everyone else."""
    return Actor(
        kind=ActorKind.SYSTEM,
        subject_id=f"job:{job}",
        display_name=f"tâche {job}",
        default_basis=LegalBasis.SYSTEM_JOB,
    )
