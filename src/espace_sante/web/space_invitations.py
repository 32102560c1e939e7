"""The link of an invitation (accept it, signed in, or learn why it no longer works) and
a caregiver's own page to stop helping."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from espace_sante.accounts import caregivers, invitations
from espace_sante.core.actors import Actor, ActorKind
from espace_sante.core.errors import Conflict, DomainError, Forbidden
from espace_sante.gateway.actor import MaybeActor, container
from espace_sante.web import csrf, space_labels
from espace_sante.web.labels import mask_email
from espace_sante.web.patient import to_sign_in
from espace_sante.web.redirects import sign_in_url
from espace_sante.web.render import render

router = APIRouter(include_in_schema=False)

Checked = [Depends(csrf.check)]


def _invitation_page(request: Request, actor: Actor, token: str, *,
                     error: DomainError | None = None,
                     accepted: invitations.Accepted | None = None) -> Response:
    status = invitations.invitation_status(container(request).uow, actor, token)
    lang = space_labels.lang_of(request)
    context = {
        "invitation": status, "token": token, "error": error, "accepted": accepted,
        "masked_email": mask_email(status.invitee_email), "dates": space_labels.Dates(lang),
        "role": space_labels.invitation_role(status.kind, lang),
        "may_accept": actor.kind is ActorKind.PATIENT,
        "sign_in_url": sign_in_url(f"/invitations/{token}"),
    }
    code = 410 if status.state in ("expired", "cancelled") else 200
    if error is not None:
        code = error.status
    return render(request, "space/invitation.html", context, actor=actor, status_code=code)


@router.get("/invitations/{token}")
def invitation(request: Request, actor: MaybeActor, token: str) -> Response:
    if not actor.is_authenticated:
        # The e-mailed link, opened signed out: sign in, then come back here to accept.
        # A link that no longer works says so at once: signing in would not help.
        status = invitations.invitation_status(container(request).uow, actor, token)
        if status.state == "pending":
            return to_sign_in(request, request.url.path)
    return _invitation_page(request, actor, token)


@router.post("/invitations/{token}", dependencies=Checked)
def accept(request: Request, actor: MaybeActor, token: str) -> Response:
    if not actor.is_authenticated:
        return to_sign_in(request, request.url.path)
    try:
        accepted = invitations.accept_invitation(container(request).uow, actor, token)
    except (Forbidden, Conflict, invitations.Unusable) as error:
        return _invitation_page(request, actor, token, error=error)
    return _invitation_page(request, actor, token, accepted=accepted)


@router.get("/espaces/{patient_id}/aidant")
def my_help(request: Request, actor: MaybeActor, patient_id: str) -> Response:
    if not actor.is_authenticated:
        return to_sign_in(request)
    help_ = caregivers.my_help(container(request).uow, actor, patient_id)
    context = {"help": help_, "dates": space_labels.Dates(space_labels.lang_of(request))}
    return render(request, "space/caregiver.html", context, actor=actor)


@router.post("/espaces/{patient_id}/aidant/retrait", dependencies=Checked)
def withdraw(request: Request, actor: MaybeActor, patient_id: str) -> Response:
    if not actor.is_authenticated:
        return to_sign_in(request)
    uow = container(request).uow
    help_ = caregivers.my_help(uow, actor, patient_id)
    caregivers.withdraw_as_caregiver(uow, actor, patient_id)
    context = {"help": help_, "withdrawn": True,
               "dates": space_labels.Dates(space_labels.lang_of(request))}
    return render(request, "space/caregiver.html", context, actor=actor)
