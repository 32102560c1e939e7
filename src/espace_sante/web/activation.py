"""Activating one's space, in two steps, then the first sign-in; and asking for a new code.

Step 1 (``/activer``): NIR, activation code, second identifying item. Step 2
(``/activer/compte``): the e-mail address and password of the new account, or, on
``/activer/compte?par=sms`` (where a register line with a phone and no e-mail leads), a
mobile number instead of the address. Then the person goes straight on to the second step
of an ordinary sign-in: the one-time code sent to the address or number just chosen
proves it is his, and he lands on ``/accueil`` signed in. One flow to maintain, and no
account is ever used before its address or number is verified.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import Response

from espace_sante.accounts.activation import activate, check_activation, request_new_code
from espace_sante.accounts.identification import NOT_RECOGNISED
from espace_sante.accounts.phones import mask
from espace_sante.core.errors import Conflict, DomainError, InvalidInput, TooManyAttempts
from espace_sante.gateway.actor import container
from espace_sante.web import cookies, csrf
from espace_sante.web.activation_ticket import clear_ticket, read_ticket, set_ticket
from espace_sante.web.labels import mask_email
from espace_sante.web.login import SIGN_IN_FAILURES, see_other
from espace_sante.web.render import render

router = APIRouter(include_in_schema=False)

By = Literal["email", "sms"]  # where the one-time codes go: the ``par`` of the page

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
        newcomer = check_activation(c.factory, c.settings, c.clock, nir=nir, code=code,
                                    vitale_serial_or_birth_date=second_item,
                                    source=cookies.source_ip(request))
    except NEWCOMER_FAILURES as error:
        return render(request, "activation/start.html",
                      identity_context(nir, second_item, error), status_code=error.status)
    # Why suggest SMS: the register reached this person by phone only; he may still
    # switch to an e-mail address on the next page.
    response = see_other("/activer/compte?par=sms" if newcomer.sms_suggested
                         else "/activer/compte")
    set_ticket(request, response, nir, code, second_item)
    return response


def account_context(by: By, email: str = "", phone: str = "",
                    error: DomainError | None = None) -> dict[str, Any]:
    return {"by": by, "email": email, "phone": phone, "error": error,
            "field": error.details.get("field") if error else None}


@router.get("/activer/compte")
def account_form(request: Request, par: Annotated[str, Query()] = "") -> Response:
    if read_ticket(request) is None:
        return see_other("/activer")
    return render(request, "activation/account.html", account_context(_by(par)))


@router.post("/activer/compte", dependencies=[Depends(csrf.check)])
def account_submit(
    request: Request,
    par: Annotated[str, Form(max_length=8)] = "",
    email: Annotated[str, Form(max_length=254)] = "",
    phone: Annotated[str, Form(max_length=32)] = "",
    password: Annotated[str, Form(max_length=256)] = "",
    password_again: Annotated[str, Form(max_length=256)] = "",
) -> Response:
    ticket = read_ticket(request)
    if ticket is None:
        return see_other("/activer")
    c, source, by = container(request), cookies.source_ip(request), _by(par)
    try:
        if password != password_again:
            raise PASSWORDS_DIFFER
        done = activate(c.factory, c.settings, c.clock, nir=ticket.nir, code=ticket.code,
                        vitale_serial_or_birth_date=ticket.second_item, password=password,
                        source=source, email=email if by == "email" else None,
                        phone=phone if by == "sms" else None)
    except NEWCOMER_FAILURES as error:
        return _account_failed(request, ticket.nir, ticket.second_item,
                               account_context(by, email, phone, error))
    response = _first_sign_in(request, done.identifier, password, source)
    clear_ticket(request, response)
    return response


def _by(par: str) -> By:
    return "sms" if par == "sms" else "email"


def _first_sign_in(request: Request, identifier: str, password: str, source: str) -> Response:
    """Straight to the code page: the code sent there verifies the address or number."""
    try:
        challenge = container(request).authenticator.start_person_login(identifier, password,
                                                                        source)
    except SIGN_IN_FAILURES:
        return see_other("/connexion")  # activated; only the sign-in must be redone
    response = see_other("/connexion/code")
    hint = mask_email(identifier) if challenge.channel == "email" else mask(identifier)
    cookies.set_pending_login(request, response,
                              cookies.PendingLogin(challenge.token, challenge.channel, hint))
    return response


def _account_failed(request: Request, nir: str, second_item: str,
                    context: dict[str, Any]) -> Response:
    error: DomainError = context["error"]
    if error is NOT_RECOGNISED:
        # The code died or was used meanwhile: back to the first step, which says so.
        response = render(request, "activation/start.html",
                          identity_context(nir, second_item, error), status_code=error.status)
        clear_ticket(request, response)
        return response
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
