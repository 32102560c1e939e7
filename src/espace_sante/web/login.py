"""A person's sign-in, in two steps (password, then a one-time code), and sign-out.

Every failure of the first step shows the same message, whether the identifier is unknown,
the password wrong or the account locked: the page must not tell who has an account. The
identifier is the e-mail address, or the mobile number of an account activated by SMS.

``/connexion?next=/a/path`` brings the person back to that page of this site once signed
in (an invitation link opened while signed out); anything but a path of this site is
ignored (``redirects.safe_next``).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from espace_sante.accounts.phones import mask, to_e164
from espace_sante.core.errors import TooManyAttempts, Unauthenticated
from espace_sante.gateway.actor import SESSION_COOKIE, container
from espace_sante.web import cookies, csrf
from espace_sante.web.labels import mask_email
from espace_sante.web.redirects import safe_next, sign_in_url
from espace_sante.web.render import render

router = APIRouter(include_in_schema=False)

SIGN_IN_FAILURES = (Unauthenticated, TooManyAttempts)
HOME = "/accueil"


def see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


@router.get("/connexion")
def login_form(
    request: Request, next_: Annotated[str, Query(alias="next")] = "",
) -> Response:
    return render(request, "login.html", {"email": "", "next": safe_next(next_)})


@router.post("/connexion", dependencies=[Depends(csrf.check)])
def login_submit(
    request: Request,
    # Named "email" for password managers; it holds a mobile number just as well.
    email: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next_: Annotated[str, Form(alias="next")] = "",  # checked by safe_next, length included
) -> Response:
    authenticator = container(request).authenticator
    back_to = safe_next(next_)
    try:
        challenge = authenticator.start_person_login(email, password, cookies.source_ip(request))
    except SIGN_IN_FAILURES as error:
        # The identifier is kept so a typo is easy to fix; the password never comes back.
        return render(request, "login.html", {"email": email, "error": error, "next": back_to},
                      status_code=error.status)
    response = see_other("/connexion/code")
    cookies.set_pending_login(request, response, cookies.PendingLogin(
        challenge.token, challenge.channel, code_hint(challenge.channel, email), back_to))
    return response


def code_hint(channel: str, identifier: str) -> str:
    """The masked address or number the code went to, when the person typed it."""
    if channel == "email":
        return mask_email(identifier) if "@" in identifier else ""
    phone = to_e164(identifier)
    return mask(phone) if phone else ""


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
    # Checked again: the cookie is ours, but nothing read from a browser is trusted.
    response = see_other(safe_next(pending.next) or HOME)
    cookies.clear_pending_login(request, response)
    cookies.open_session(request, response, token)
    return response


def _code_context(request: Request, pending: cookies.PendingLogin) -> dict[str, object]:
    return {
        "channel": pending.channel,
        "hint": pending.hint,
        "minutes": container(request).settings.login_code_minutes,
        "restart_url": sign_in_url(pending.next),
    }


@router.post("/deconnexion", dependencies=[Depends(csrf.check)])
def logout(request: Request) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        container(request).authenticator.logout(token)
    response = see_other("/")
    cookies.end_session(request, response)
    return response
