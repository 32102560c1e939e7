"""OAuth 2 endpoints of the authorization server, and its discovery documents."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from espace_sante.gateway.actor import container
from espace_sante.oauth import keys, server
from espace_sante.settings import Settings

router = APIRouter(tags=["oauth"])

_FORM_DOC = (
    "Form-encoded (application/x-www-form-urlencoded). The client authenticates with a "
    "signed JWT: client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer "
    "and client_assertion (RFC 7523; aud = the token endpoint URL)."
)


async def _answer(request: Request, endpoint: str) -> JSONResponse:
    form = await request.form()
    fields = {k: v for k, v in form.multi_items() if isinstance(v, str)}
    call = server.OAuthCall(method=request.method, path=request.url.path, form=fields)
    c = container(request)
    # Authlib and the database are synchronous: keep them off the event loop.
    result = await run_in_threadpool(
        server.respond, c.factory, c.settings, c.clock, c.tokens, endpoint, call
    )
    return JSONResponse(result.body, result.status, result.headers)


@router.post("/oauth/token", summary="Access token (client_credentials, private_key_jwt)",
             description=_FORM_DOC + " Fields: grant_type=client_credentials, scope.")
async def token(request: Request) -> JSONResponse:
    return await _answer(request, server.TOKEN)


@router.post("/oauth/introspect", summary="Token introspection (RFC 7662)",
             description=_FORM_DOC + " Field: token. A client learns about its own tokens only.")
async def introspect(request: Request) -> JSONResponse:
    return await _answer(request, server.INTROSPECTION)


@router.post("/oauth/revoke", summary="Token revocation (RFC 7009)",
             description=_FORM_DOC + " Field: token.")
async def revoke(request: Request) -> JSONResponse:
    return await _answer(request, server.REVOCATION)


def metadata(settings: Settings) -> dict[str, Any]:
    """Authorization server metadata (RFC 8414 / OpenID Connect Discovery field names)."""
    base = settings.base_url.rstrip("/")
    methods = ["private_key_jwt"]
    algs = list(server.ASSERTION_ALGS)
    return {
        "issuer": base,
        "token_endpoint": server.token_endpoint(settings),
        "introspection_endpoint": base + "/oauth/introspect",
        "revocation_endpoint": base + "/oauth/revoke",
        "jwks_uri": base + "/.well-known/jwks.json",
        "grant_types_supported": ["client_credentials"],
        "token_endpoint_auth_methods_supported": methods,
        "token_endpoint_auth_signing_alg_values_supported": algs,
        "introspection_endpoint_auth_methods_supported": methods,
        "introspection_endpoint_auth_signing_alg_values_supported": algs,
        "revocation_endpoint_auth_methods_supported": methods,
        "revocation_endpoint_auth_signing_alg_values_supported": algs,
        "scopes_supported": list(server.SCOPES_SUPPORTED),
    }


@router.get("/.well-known/openid-configuration", summary="Authorization server metadata")
def openid_configuration(request: Request) -> dict[str, Any]:
    return metadata(container(request).settings)


@router.get("/.well-known/oauth-authorization-server",
            summary="Authorization server metadata (RFC 8414 location)")
def oauth_metadata(request: Request) -> dict[str, Any]:
    return metadata(container(request).settings)


@router.get("/.well-known/jwks.json", summary="Public keys of this server (JWKS)")
def jwks(request: Request) -> dict[str, Any]:
    return keys.public_jwks(keys.server_key(container(request).settings))
