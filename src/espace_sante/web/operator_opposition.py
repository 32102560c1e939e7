"""Operator console: record an opposition asked by phone or at a France services desk, and
lift one when the person changes his mind.

The operator identifies the caller by his own procedure and types the NIR; the use cases
check that the actor is an operator and write the act, under the operator's name and
mandate, to the space's trail. Nothing medical is shown: only the lifecycle's outcome.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from espace_sante.accounts.opposition import (
    OppositionChannel,
    record_opposition,
    reopen_after_opposition,
)
from espace_sante.core.actors import Actor, ActorKind
from espace_sante.core.errors import DomainError
from espace_sante.gateway.actor import MaybeActor, container
from espace_sante.web import csrf, i18n, labels
from espace_sante.web.login import see_other
from espace_sante.web.patient import home_url
from espace_sante.web.render import render

router = APIRouter(prefix="/staff/opposition", include_in_schema=False)

PAGE = "activation/operator.html"
CHANNELS = {
    OppositionChannel.PHONE.value: "par téléphone",
    OppositionChannel.FRANCE_SERVICES.value: "dans un espace France services",
}
SENT_BY = {"email": "par e-mail", "sms": "par SMS", "letter": "par courrier"}


def _page(request: Request, actor: Actor, status_code: int = 200, **extra: Any) -> Response:
    context = {"channels": CHANNELS, "nir": "", "form": None, "error": None, **extra}
    return render(request, PAGE, context, status_code=status_code, actor=actor)


def _failed(request: Request, actor: Actor, form: str, nir: str,
            error: DomainError) -> Response:
    return _page(request, actor, error.status, form=form, nir=nir, error=error)


@router.get("")
def operator_page(request: Request, actor: MaybeActor) -> Response:
    if actor.kind is not ActorKind.OPERATOR:
        return see_other(home_url(actor) or "/staff/connexion")
    return _page(request, actor)


@router.post("", dependencies=[Depends(csrf.check)])
def operator_oppose(
    request: Request, actor: MaybeActor,
    nir: Annotated[str, Form(max_length=32)] = "",
    channel: Annotated[str, Form(max_length=32)] = "",
) -> Response:
    if actor.kind is not ActorKind.OPERATOR:
        return see_other(home_url(actor) or "/staff/connexion")
    c = container(request)
    try:
        chosen = OppositionChannel(channel) if channel in CHANNELS else OppositionChannel.PHONE
        done = record_opposition(c.factory, c.settings, c.clock, c.keyring, actor, nir=nir,
                                 channel=chosen)
    except DomainError as error:
        return _failed(request, actor, "oppose", nir, error)
    when = labels.when(done.opposed_at, i18n.choose_language(request))
    return _page(request, actor, opposed=done, when=when,
                 pdf_url=f"/opposition/{done.reference}/preuve.pdf")


@router.post("/reouverture", dependencies=[Depends(csrf.check)])
def operator_reopen(
    request: Request, actor: MaybeActor, nir: Annotated[str, Form(max_length=32)] = "",
) -> Response:
    if actor.kind is not ActorKind.OPERATOR:
        return see_other(home_url(actor) or "/staff/connexion")
    c = container(request)
    try:
        contact = reopen_after_opposition(c.factory, c.settings, c.clock, actor, nir=nir)
    except DomainError as error:
        return _failed(request, actor, "reopen", nir, error)
    sent_by = SENT_BY.get(contact.channel.value) if contact else None
    return _page(request, actor, reopened=True, sent_by=sent_by)
