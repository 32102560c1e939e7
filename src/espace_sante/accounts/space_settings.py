"""The settings page of a space, as one view: its state, who acts for it, what the actor
may still do there (invite a caregiver, invite the second parent)."""

from __future__ import annotations

from pydantic import BaseModel

from espace_sante.accounts.closure import SpaceStatus
from espace_sante.accounts.dates import paris_today
from espace_sante.accounts.delegations import (
    DelegateView,
    DelegationRepository,
    InvitationView,
    is_parent,
)
from espace_sante.accounts.invitations import MAX_CAREGIVERS, MAX_PARENTS
from espace_sante.accounts.models import DelegationKind, SpaceState
from espace_sante.core.actors import Actor
from espace_sante.core.policy import Action
from espace_sante.core.uow import UowFactory


class SpaceSettings(BaseModel):
    status: SpaceStatus
    representatives: list[DelegateView] = []
    caregivers: list[DelegateView] = []
    invitations: list[InvitationView] = []
    caregiver_places_left: int = 0
    may_invite_second_parent: bool = False


def space_settings(uow_factory: UowFactory, actor: Actor, patient_id: str) -> SpaceSettings:
    """A closed space shows only its state: who acted for it is archived with the rest."""
    with uow_factory(actor) as uow:
        repo = DelegationRepository(uow)
        patient = repo.space(patient_id, Action.READ)
        settings = SpaceSettings(status=SpaceStatus.of(patient, paris_today(uow.clock.now())))
        if patient.state == SpaceState.ACTIVE:
            delegates = repo.delegates(patient_id)
            own = repo.actor_delegation(patient_id)
            settings.representatives = [d for d in delegates
                                        if d.kind == DelegationKind.LEGAL_REPRESENTATIVE]
            settings.caregivers = [d for d in delegates if d.kind == DelegationKind.CAREGIVER]
            settings.invitations = repo.invitations(patient_id)
            settings.caregiver_places_left = max(
                0, MAX_CAREGIVERS - repo.count_caregivers(patient_id))
            settings.may_invite_second_parent = (
                settings.status.minor and own is not None and is_parent(own)
                and repo.count_parents(patient_id) < MAX_PARENTS
            )
        uow.commit()
        return settings
