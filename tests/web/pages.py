"""Helpers for page tests: read forms and alerts, sign in through the real forms."""

from __future__ import annotations

import html
import re
from datetime import timedelta

from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient
from httpx2 import Response
from starlette.routing import BaseRoute

from espace_sante import demo as demo_data
from espace_sante.bootstrap import Container
from espace_sante.core.clock import FrozenClock
from espace_sante.web import routes
from espace_sante.web.dev import DemoAccounts
from tests.helpers import last_code


def _includes(routes: list[BaseRoute], router: APIRouter) -> bool:
    # FastAPI keeps included routers as nodes (``original_router``), not copied routes.
    for route in routes:
        original = getattr(route, "original_router", None)
        if original is router or (original is not None and _includes(original.routes, router)):
            return True
    return False


def include_once(app: FastAPI, router: APIRouter) -> None:
    """Include ``router`` unless ``app.py`` already does (then this adds nothing)."""
    if not _includes(app.routes, router):
        app.include_router(router)


DEMO_ACCOUNTS = DemoAccounts(
    password=demo_data.DEMO_PASSWORD, people=tuple(p.email for p in demo_data.PEOPLE),
    staff_totp_secrets=demo_data.STAFF_TOTP_SECRETS,
)


def with_pages(app: FastAPI) -> FastAPI:
    """The pages, their static files and the demo accounts, unless app.py has them."""
    include_once(app, routes.router)
    if "/static" not in {getattr(route, "path", None) for route in app.routes}:
        routes.mount_static(app)
    if getattr(app.state, "demo_accounts", None) is None:
        app.state.demo_accounts = DEMO_ACCOUNTS
    return app


ALERT = re.compile(r'<div id="erreur" class="error-summary" role="alert">\s*<p>(.*?)</p>', re.S)


def csrf(web: TestClient, page: str = "/connexion") -> str:
    """Open a form page and return its token, checking the form and cookie agree."""
    response = web.get(page)
    assert response.status_code == 200
    token = web.cookies["es_csrf"]
    assert f'name="csrf_token" value="{token}"' in response.text
    return token


def alert(response: Response) -> str:
    match = ALERT.search(response.text)
    assert match, "no error announced on the page"
    return html.unescape(match.group(1).strip())


def start_login(web: TestClient, c: Container, email: str,
                password: str = demo_data.DEMO_PASSWORD, *, back_to: str | None = None,
                ) -> Response:
    """The first step; ``back_to``: the ``next`` the form carries (as a link gives it)."""
    if isinstance(c.clock, FrozenClock):
        c.clock.advance(timedelta(seconds=1))  # so "the latest code" is unambiguous
    data = {"email": email, "password": password, "csrf_token": csrf(web)}
    return web.post("/connexion", data=data | ({"next": back_to} if back_to else {}))


def send_code(web: TestClient, code: str) -> Response:
    return web.post("/connexion/code", data={"code": code, "csrf_token": web.cookies["es_csrf"]})


def sign_in(web: TestClient, c: Container, email: str, *, back_to: str | None = None,
            lands_on: str = "/accueil") -> Response:
    """The whole two-step sign-in; returns the response that sets the session."""
    first = start_login(web, c, email, back_to=back_to)
    assert first.status_code == 303, first.text
    response = send_code(web, last_code(c, email))
    assert response.status_code == 303, response.text
    assert response.headers["location"] == lands_on
    return response


def set_cookie_header(response: Response, name: str) -> str:
    headers = [h for h in response.headers.get_list("set-cookie") if h.startswith(f"{name}=")]
    assert len(headers) == 1, response.headers.get_list("set-cookie")
    return headers[0]
