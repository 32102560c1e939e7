"""JSON API of a space's lifecycle and of who acts for it: the same use cases as the
settings pages. Another person's space answers 404, exactly like a missing one.

Signed-in browsers call it with their session cookie (SameSite=Lax, so another site's
form cannot); closing and asking for deletion also need ``{"confirm": true}``.
"""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from espace_sante.accounts import caregivers, closure, family, invitations
from espace_sante.accounts.caregivers import Help
from espace_sante.accounts.closure import SpaceStatus
from espace_sante.accounts.delegations import InvitationView
from espace_sante.accounts.invitations import Accepted, InvitationStatus
from espace_sante.accounts.space_settings import SpaceSettings, space_settings
from espace_sante.core.errors import InvalidInput
from espace_sante.gateway.actor import CurrentActor, MaybeActor, container

router = APIRouter(prefix="/api", tags=["space"])
SPACE = "/spaces/{patient_id}"


class Confirmation(BaseModel):
    confirm: bool = Field(description="Must be true: the person confirmed the step.")


class CaregiverInvitation(BaseModel):
    email: str = Field(max_length=254)
    until: date = Field(description="Last day of the caregiver's access (included, Paris).")


class ParentInvitation(BaseModel):
    email: str = Field(max_length=254)


class TutorInvitation(BaseModel):
    nir: str = Field(max_length=21, description="NIR of the protected person, key included.")
    email: str = Field(max_length=254)


NOT_CONFIRMED = InvalidInput("Confirmation requise.", "Confirmation required.",
                             {"field": "confirm"})


def _confirmed(body: Confirmation) -> None:
    if not body.confirm:
        raise NOT_CONFIRMED


@router.get(SPACE + "/settings", summary="State of the space and who acts for it")
def settings(request: Request, actor: CurrentActor, patient_id: str) -> SpaceSettings:
    return space_settings(container(request).uow, actor, patient_id)


@router.post(SPACE + "/close", summary="Close the space (archived 10 years, restorable)")
def close(request: Request, actor: CurrentActor, patient_id: str,
          body: Confirmation) -> SpaceStatus:
    _confirmed(body)
    return closure.close_space(container(request).uow, actor, patient_id)


@router.post(SPACE + "/reopen", summary="Reopen a closed space, its data intact")
def reopen(request: Request, actor: CurrentActor, patient_id: str) -> SpaceStatus:
    return closure.reopen_space(container(request).uow, actor, patient_id)


@router.post(SPACE + "/deletion-request", summary="Ask for deletion (carried out in 30 days)")
def request_deletion(request: Request, actor: CurrentActor, patient_id: str,
                     body: Confirmation) -> SpaceStatus:
    _confirmed(body)
    return closure.request_deletion(container(request).uow, actor, patient_id)


@router.post(SPACE + "/caregivers", status_code=201, summary="Invite a caregiver (3 at most)")
def invite_caregiver(request: Request, actor: CurrentActor, patient_id: str,
                     body: CaregiverInvitation) -> InvitationView:
    c = container(request)
    return caregivers.invite_caregiver(c.uow, actor, patient_id, email=body.email,
                                       until=body.until, base_url=c.settings.base_url)


@router.delete(SPACE + "/caregivers/{delegation_id}", status_code=204,
               summary="Remove a caregiver's access")
def revoke_caregiver(request: Request, actor: CurrentActor, patient_id: str,
                     delegation_id: str) -> Response:
    caregivers.revoke_caregiver(container(request).uow, actor, patient_id, delegation_id)
    return Response(status_code=204)


@router.post(SPACE + "/second-parent", status_code=201,
             summary="Invite a child's second parent (a parent only)")
def invite_second_parent(request: Request, actor: CurrentActor, patient_id: str,
                         body: ParentInvitation) -> InvitationView:
    c = container(request)
    return family.invite_second_parent(c.uow, actor, patient_id, email=body.email,
                                       base_url=c.settings.base_url)


@router.delete(SPACE + "/invitations/{invitation_id}", status_code=204,
               summary="Cancel a pending invitation")
def cancel_invitation(request: Request, actor: CurrentActor, patient_id: str,
                      invitation_id: str) -> Response:
    invitations.cancel_invitation(container(request).uow, actor, patient_id, invitation_id)
    return Response(status_code=204)


@router.get(SPACE + "/my-delegation", summary="A caregiver's own help: until when")
def my_help(request: Request, actor: CurrentActor, patient_id: str) -> Help:
    return caregivers.my_help(container(request).uow, actor, patient_id)


@router.delete(SPACE + "/my-delegation", status_code=204,
               summary="A caregiver stops helping (the holder is told)")
def withdraw(request: Request, actor: CurrentActor, patient_id: str) -> Response:
    caregivers.withdraw_as_caregiver(container(request).uow, actor, patient_id)
    return Response(status_code=204)


@router.get("/invitations/{token}", summary="What an invitation is for, and its state")
def invitation(request: Request, actor: MaybeActor, token: str) -> InvitationStatus:
    return invitations.invitation_status(container(request).uow, actor, token)


@router.post("/invitations/{token}/accept",
             summary="Accept an invitation (signed in, own space activated)")
def accept(request: Request, actor: CurrentActor, token: str) -> Accepted:
    return invitations.accept_invitation(container(request).uow, actor, token)


@router.post("/operator/tutor-invitations", status_code=201,
             summary="Operator: invite a tutor or guardian named by a court")
def invite_tutor(request: Request, actor: CurrentActor, body: TutorInvitation) -> InvitationView:
    c = container(request)
    return family.invite_tutor(c.uow, actor, nir=body.nir, email=body.email,
                               base_url=c.settings.base_url)
