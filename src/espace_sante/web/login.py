"""A person's sign-in, in two steps (password, then a one-time code), and sign-out.

Every failure of the first step shows the same message, whether the e-mail is unknown,
the password wrong or the account locked: the page must not tell who has an account.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from espace_sante.core.errors import TooManyAttempts, Unauthenticated
from espace_sante.gateway.actor import SESSION_COOKIE, container
from espace_sante.web import cookies, csrf
from espace_sante.web.labels import mask_email
from espace_sante.web.render import render

router = APIRouter(include_in_schema=False)

SIGN_IN_FAILURES = (Unauthenticated, TooManyAttempts)


def see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


@router.get("/connexion")
def login_form(request: Request) -> Response:
    return render(request, "login.html", {"email": ""})


@router.post("/connexion", dependencies=[Depends(csrf.check)])
def login_submit(
    request: Request,
    email: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
) -> Response:
    authenticator = container(request).authenticator
    try:
        challenge = authenticator.start_person_login(email, password, cookies.source_ip(request))
    except SIGN_IN_FAILURES as error:
        # The e-mail is kept so a typo is easy to fix; the password never comes back.
        return render(request, "login.html", {"email": email, "error": error},
                      status_code=error.status)
    response = see_other("/connexion/code")
    hint = mask_email(email) if challenge.channel == "email" else ""
    cookies.set_pending_login(request, response,
                              cookies.PendingLogin(challenge.token, challenge.channel, hint))
    return response


@router.get("/connexion/code")
def code_form(request: Request) -> Response:
    pending = cookies.read_pending_login(request)
    if pending is None:
        return see_other("/connexion")
    return render(request, "login_code.html", _code_context(request, pending))


@router.post("/connexion/code", dependencies=[Depends(csrf.check)])
def code_submit(request: Request, code: Annotated[str, Form()] = "") -> Response:
    pending = cookies.read_pending_login(request)
    if pending is None:
        return see_other("/connexion")
    authenticator = container(request).authenticator
    typed = "".join(code.split())  # "123 456" as read aloud from an SMS is fine too
    try:
        token = authenticator.finish_person_login(pending.token, typed, cookies.source_ip(request))
    except SIGN_IN_FAILURES as error:
        context = {**_code_context(request, pending), "error": error}
        return render(request, "login_code.html", context, status_code=error.status)
    response = see_other("/accueil")
    cookies.clear_pending_login(request, response)
    cookies.open_session(request, response, token)
    return response


def _code_context(request: Request, pending: cookies.PendingLogin) -> dict[str, object]:
    return {
        "channel": pending.channel,
        "hint": pending.hint,
        "minutes": container(request).settings.login_code_minutes,
    }


@router.post("/deconnexion", dependencies=[Depends(csrf.check)])
def logout(request: Request) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        container(request).authenticator.logout(token)
    response = see_other("/")
    cookies.end_session(request, response)
    return response
