"""Professional sign-in through Pro Santé Connect, and the professional's first page.

``GET /pro/connexion`` sends the browser to the identity provider; ``GET /pro/callback``
comes back with a code, checks everything, opens the session and lands on ``/pro``.
Any failure is a French (or English) page with status 401, never a stack trace.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from httpx import AsyncBaseTransport
from starlette.concurrency import run_in_threadpool

from espace_sante.accounts import service
from espace_sante.core.actors import ActorKind
from espace_sante.core.errors import Forbidden
from espace_sante.gateway.actor import CurrentActor, container
from espace_sante.oauth import psc
from espace_sante.web import cookies
from espace_sante.web.render import render

FLOW_COOKIE = "es_psc"
FLOW_COOKIE_PATH = "/pro"
DOCTOR_TITLES = frozenset({"médecin", "chirurgien-dentiste", "pharmacien"})

NOT_A_PROFESSIONAL = Forbidden(
    "Cet espace est réservé aux professionnels de santé connectés par Pro Santé Connect.",
    "This space is for health professionals signed in with Pro Santé Connect.",
)

router = APIRouter(include_in_schema=False)


def courtesy_name(display_name: str, profession: str | None) -> str:
    """"Dr Alain Durand" for the professions whose members are doctors, else the name."""
    return f"Dr {display_name}" if profession in DOCTOR_TITLES else display_name


def transport(request: Request) -> AsyncBaseTransport | None:
    """The way to the identity provider: the network, unless the application was given
    another transport (``app.state.psc_transport``, e.g. ``httpx.ASGITransport``)."""
    return getattr(request.app.state, "psc_transport", None)


@router.get("/pro/connexion")
async def start(request: Request) -> Response:
    c = container(request)
    flow = psc.Flow.start(psc.issuer(c.settings), c.clock.now())
    meta = await psc.PscClient(c.settings, transport(request)).discover(flow.issuer)
    response = RedirectResponse(psc.authorization_url(meta, flow, c.settings), 302)
    # SameSite=Lax, not Strict: the callback is a top-level navigation coming back from
    # the identity provider's site, which Strict would strip the cookie from.
    response.set_cookie(
        FLOW_COOKIE, flow.seal(c.settings.secret_key), httponly=True, samesite="lax",
        secure=c.settings.is_production, path=FLOW_COOKIE_PATH,
        max_age=int(psc.FLOW_LIFETIME.total_seconds()),
    )
    return response


@router.get("/pro/callback")
async def callback(request: Request, code: str = "", state: str = "",
                   error: str = "") -> Response:
    c = container(request)
    now = c.clock.now()
    flow = psc.Flow.unseal(request.cookies.get(FLOW_COOKIE, ""), c.settings.secret_key, now)
    flow.check_state(state)
    if error or not code:
        raise psc.REFUSED
    claims = await psc.PscClient(c.settings, transport(request)).finish(flow, code, now)
    session_token = await run_in_threadpool(
        c.authenticator.professional_login, psc.rpps_of(claims)
    )
    response = RedirectResponse("/pro", 303)
    cookies.open_session(request, response, session_token)
    response.delete_cookie(FLOW_COOKIE, path=FLOW_COOKIE_PATH)
    return response


@router.get("/pro")
def home(request: Request, actor: CurrentActor) -> Response:
    if actor.kind is not ActorKind.PROFESSIONAL:
        raise NOT_A_PROFESSIONAL
    patients = service.my_spaces(container(request).uow, actor)
    return render(request, "pro/home.html", {
        "greeting": courtesy_name(actor.display_name, actor.profession),
        "patients": patients,
    }, actor=actor)
