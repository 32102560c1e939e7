"""Routes of the development identity provider (``/dev-idp``): a stand-in for Pro Santé
Connect. Every route answers 404 unless ``settings.dev_idp_enabled``; production settings
refuse to enable it."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.datastructures import URL

from espace_sante.core.errors import NotFound
from espace_sante.gateway.actor import container
from espace_sante.oauth import dev_idp, keys
from espace_sante.web import csrf
from espace_sante.web.pro_login import courtesy_name
from espace_sante.web.render import render

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def require_enabled(request: Request) -> None:
    if not container(request).settings.dev_idp_enabled:
        raise NotFound.default()


router = APIRouter(prefix=dev_idp.PATH, dependencies=[Depends(require_enabled)],
                   include_in_schema=False)


@router.get("/.well-known/openid-configuration")
def configuration(request: Request) -> dict[str, Any]:
    return dev_idp.metadata(container(request).settings)


@router.get("/jwks")
def jwks(request: Request) -> dict[str, Any]:
    return keys.public_jwks(keys.dev_idp_key(container(request).settings))


@router.get("/authorize")
def authorize_page(request: Request) -> Response:
    c = container(request)
    auth = dev_idp.parse_request(request.query_params, c.settings)
    people = [
        {"rpps": p.rpps, "profession": p.profession,
         "name": courtesy_name(p.display_name, p.profession)}
        for p in dev_idp.directory(c.factory)
    ]
    return render(request, "dev_idp/authorize.html",
                  {"fields": auth.fields(), "professionals": people})


@router.post("/authorize", dependencies=[Depends(csrf.check)])
async def authorize(request: Request) -> Response:
    c = container(request)
    form = await request.form()
    auth = dev_idp.parse_request(form, c.settings)
    rpps = form.get("rpps")
    who = dev_idp.identity(c.factory, rpps if isinstance(rpps, str) else "")
    code = dev_idp.GRANTS.new_code(auth, who, c.clock.now())
    target = URL(auth.redirect_uri).include_query_params(code=code, state=auth.state)
    return RedirectResponse(str(target), status_code=303)


@router.post("/token")
async def token(request: Request) -> JSONResponse:
    c = container(request)
    form = await request.form()
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    try:
        body = dev_idp.exchange(fields, c.settings, c.clock.now())
    except dev_idp.TokenError as exc:
        return JSONResponse({"error": exc.error, "error_description": exc.description},
                            exc.status, NO_STORE)
    return JSONResponse(body, headers=NO_STORE)


@router.get("/userinfo")
def userinfo(request: Request) -> JSONResponse:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    claims = None
    if scheme.lower() == "bearer":
        claims = dev_idp.GRANTS.userinfo(token.strip(), container(request).clock.now())
    if claims is None:
        return JSONResponse({"error": "invalid_token"}, 401,
                            {"WWW-Authenticate": 'Bearer error="invalid_token"', **NO_STORE})
    return JSONResponse(claims, headers=NO_STORE)
