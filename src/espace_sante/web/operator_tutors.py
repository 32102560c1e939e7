"""Operator console: invite the tutor of a protected adult (or a minor's guardian) named
by a court, and see the tutor invitations still pending.

The same use cases as ``POST /api/operator/tutor-invitations``: they check that the actor
is an operator (signed in with password and TOTP) and write the invitation, under the
operator's name and mandate, to the protected person's trail. Nothing medical is shown.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from espace_sante.accounts.family import invite_tutor, pending_tutor_invitations
from espace_sante.core.actors import Actor, ActorKind
from espace_sante.core.errors import DomainError
from espace_sante.gateway.actor import MaybeActor, container
from espace_sante.web import csrf, space_labels
from espace_sante.web.login import see_other
from espace_sante.web.patient import home_url
from espace_sante.web.render import render

router = APIRouter(prefix="/tuteurs", include_in_schema=False)  # under /staff

PAGE = "staff_tutors.html"


def _page(request: Request, actor: Actor, status_code: int = 200, **extra: Any) -> Response:
    c = container(request)
    context = {
        "nir": "", "email": "", "error": None, "field": None, "invited": None,
        "pending": pending_tutor_invitations(c.uow, actor),
        "dates": space_labels.Dates(space_labels.lang_of(request)), **extra,
    }
    return render(request, PAGE, context, status_code=status_code, actor=actor)


def _elsewhere(actor: Actor) -> Response | None:
    """Anyone but an operator goes to his own pages (or to the staff sign-in)."""
    if actor.kind is ActorKind.OPERATOR:
        return None
    return see_other(home_url(actor) or "/staff/connexion")


@router.get("")
def tutors_page(request: Request, actor: MaybeActor) -> Response:
    return _elsewhere(actor) or _page(request, actor)


@router.post("", dependencies=[Depends(csrf.check)])
def tutors_invite(
    request: Request, actor: MaybeActor,
    nir: Annotated[str, Form(max_length=32)] = "",
    email: Annotated[str, Form(max_length=254)] = "",
) -> Response:
    if (away := _elsewhere(actor)) is not None:
        return away
    c = container(request)
    try:
        invited = invite_tutor(c.uow, actor, nir=nir, email=email, base_url=c.settings.base_url)
    except DomainError as error:
        return _page(request, actor, error.status, nir=nir, email=email, error=error,
                     field=error.details.get("field"))
    return _page(request, actor, invited=invited)
