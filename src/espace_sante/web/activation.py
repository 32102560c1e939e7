"""Activating one's space, in two steps, then the first sign-in; and asking for a new code.

Step 1 (``/activer``): NIR, activation code, second identifying item. Step 2
(``/activer/compte``): the e-mail and password of the new account. Then the person goes
straight on to the second step of an ordinary sign-in: the one-time code e-mailed to the
address just chosen proves it is his, and he lands on ``/accueil`` signed in. One flow to
maintain, and no account is ever used before its address is verified.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from espace_sante.accounts.activation import activate, check_activation, request_new_code
from espace_sante.accounts.identification import NOT_RECOGNISED
from espace_sante.core.errors import Conflict, DomainError, InvalidInput, TooManyAttempts
from espace_sante.gateway.actor import container
from espace_sante.web import cookies, csrf
from espace_sante.web.activation_ticket import clear_ticket, read_ticket, set_ticket
from espace_sante.web.labels import mask_email
from espace_sante.web.login import SIGN_IN_FAILURES, see_other
from espace_sante.web.render import render

router = APIRouter(include_in_schema=False)

NEWCOMER_FAILURES = (InvalidInput, Conflict, TooManyAttempts)
PASSWORDS_DIFFER = InvalidInput(
    "Les deux mots de passe saisis ne sont pas identiques.",
    "The two passwords typed are not the same.",
    {"field": "password"},
)


def identity_context(nir: str = "", second_item: str = "",
                     error: DomainError | None = None) -> dict[str, Any]:
    """What the identity fields show again after an error (never the code)."""
    return {"nir": nir, "second_item": second_item, "error": error,
            "field": error.details.get("field") if error else None}


@router.get("/activer")
def start_form(request: Request) -> Response:
    return render(request, "activation/start.html", identity_context())


@router.post("/activer", dependencies=[Depends(csrf.check)])
def start_submit(
    request: Request,
    nir: Annotated[str, Form(max_length=32)] = "",
    code: Annotated[str, Form(max_length=32)] = "",
    second_item: Annotated[str, Form(max_length=32)] = "",
) -> Response:
    c = container(request)
    try:
        check_activation(c.factory, c.settings, c.clock, nir=nir, code=code,
                         vitale_serial_or_birth_date=second_item,
                         source=cookies.source_ip(request))
    except NEWCOMER_FAILURES as error:
        return render(request, "activation/start.html",
                      identity_context(nir, second_item, error), status_code=error.status)
    response = see_other("/activer/compte")
    set_ticket(request, response, nir, code, second_item)
    return response


@router.get("/activer/compte")
def account_form(request: Request) -> Response:
    if read_ticket(request) is None:
        return see_other("/activer")
    return render(request, "activation/account.html", {"email": ""})


@router.post("/activer/compte", dependencies=[Depends(csrf.check)])
def account_submit(
    request: Request,
    email: Annotated[str, Form(max_length=254)] = "",
    password: Annotated[str, Form(max_length=256)] = "",
    password_again: Annotated[str, Form(max_length=256)] = "",
) -> Response:
    ticket = read_ticket(request)
    if ticket is None:
        return see_other("/activer")
    c, source = container(request), cookies.source_ip(request)
    try:
        if password != password_again:
            raise PASSWORDS_DIFFER
        done = activate(c.factory, c.settings, c.clock, nir=ticket.nir, code=ticket.code,
                        vitale_serial_or_birth_date=ticket.second_item, email=email,
                        password=password, source=source)
    except NEWCOMER_FAILURES as error:
        return _account_failed(request, ticket.nir, ticket.second_item, email, error)
    try:
        challenge = c.authenticator.start_person_login(done.email, password, source)
    except SIGN_IN_FAILURES:
        response = see_other("/connexion")  # activated; only the sign-in must be redone
    else:
        response = see_other("/connexion/code")
        hint = mask_email(done.email) if challenge.channel == "email" else ""
        cookies.set_pending_login(request, response,
                                  cookies.PendingLogin(challenge.token, challenge.channel, hint))
    clear_ticket(request, response)
    return response


def _account_failed(request: Request, nir: str, second_item: str, email: str,
                    error: DomainError) -> Response:
    if error is NOT_RECOGNISED:
        # The code died or was used meanwhile: back to the first step, which says so.
        response = render(request, "activation/start.html",
                          identity_context(nir, second_item, error), status_code=error.status)
        clear_ticket(request, response)
        return response
    context = {"email": email, "error": error, "field": error.details.get("field")}
    return render(request, "activation/account.html", context, status_code=error.status)


@router.get("/activer/nouveau-code")
def new_code_form(request: Request) -> Response:
    return render(request, "activation/new_code.html", identity_context())


@router.post("/activer/nouveau-code", dependencies=[Depends(csrf.check)])
def new_code_submit(
    request: Request,
    nir: Annotated[str, Form(max_length=32)] = "",
    second_item: Annotated[str, Form(max_length=32)] = "",
) -> Response:
    c = container(request)
    try:
        request_new_code(c.factory, c.settings, c.clock, nir=nir,
                         vitale_serial_or_birth_date=second_item,
                         source=cookies.source_ip(request))
    except NEWCOMER_FAILURES as error:
        return render(request, "activation/new_code.html",
                      identity_context(nir, second_item, error), status_code=error.status)
    return render(request, "activation/new_code_sent.html")
