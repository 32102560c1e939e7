"""Staff sign-in (password + authenticator app) and the staff landing page.

Operators and the referencing commission never read medical data: their page shows who
they are and the tools of their role, nothing about any patient. The operator's console
shows the register imports, the number of spaces per state and the pending requests
(counts only, from ``accounts.provisioning_console``), and links to the operator's pages:
oppositions (``operator_opposition``) and tutor invitations (``operator_tutors``).
"""

from __future__ import annotations

from functools import partial
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from espace_sante.accounts.provisioning_console import operator_console
from espace_sante.core.actors import ActorKind
from espace_sante.gateway.actor import MaybeActor, container
from espace_sante.web import cookies, csrf, i18n, labels, operator_tutors
from espace_sante.web.login import SIGN_IN_FAILURES, see_other
from espace_sante.web.patient import home_url
from espace_sante.web.render import render

router = APIRouter(prefix="/staff", include_in_schema=False)

CONSOLES = {
    ActorKind.OPERATOR: ("Console opérateur", "opérateur (Assurance Maladie)"),
    ActorKind.COMMISSION: (
        "Commission de référencement", "membre de la commission de référencement"
    ),
}


@router.get("/connexion")
def staff_login_form(request: Request) -> Response:
    return render(request, "staff_login.html", {"email": ""})


@router.post("/connexion", dependencies=[Depends(csrf.check)])
def staff_login_submit(
    request: Request,
    email: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    totp: Annotated[str, Form()] = "",
) -> Response:
    authenticator = container(request).authenticator
    try:
        token = authenticator.staff_login(email, password, "".join(totp.split()),
                                          cookies.source_ip(request))
    except SIGN_IN_FAILURES as error:
        return render(request, "staff_login.html", {"email": email, "error": error},
                      status_code=error.status)
    response = see_other("/staff")
    cookies.open_session(request, response, token)
    return response


@router.get("")
def staff_home(request: Request, actor: MaybeActor) -> Response:
    console = CONSOLES.get(actor.kind)
    if console is None:
        # Not staff: signed-out people go to the staff form, others to their own pages.
        return see_other(home_url(actor) or "/staff/connexion")
    title, role = console
    context: dict[str, object] = {"title": title, "role": role, "kind": actor.kind.value}
    if actor.kind is ActorKind.OPERATOR:
        c = container(request)
        context |= {
            "console": operator_console(c.factory, c.clock, actor),
            "states": STATES,
            "when": partial(labels.when, lang=i18n.choose_language(request)),
        }
    return render(request, "staff.html", context, actor=actor)


# The operator's tools live under /staff too: included here, so the pages' router needs
# no line for them.
router.include_router(operator_tutors.router)

# The states of a space as the console names them (French message ids, see i18n).
STATES = {
    "pending": "en attente (délai d'opposition en cours)",
    "active": "ouverts",
    "opposed": "opposition enregistrée",
    "closed": "fermés (archivés)",
    "deleted": "supprimés",
}
