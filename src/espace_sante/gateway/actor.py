"""Resolve the actor of a request: a bearer token (software) or a session cookie (browser)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from espace_sante.core.actors import ANONYMOUS, Actor
from espace_sante.core.errors import Unauthenticated
from espace_sante.gateway.ports import Services

SESSION_COOKIE = "es_session"

NOT_SIGNED_IN = Unauthenticated(
    "Vous devez vous connecter pour accéder à cette page.",
    "You must sign in to reach this page.",
)


def container(request: Request) -> Services:
    return request.app.state.container  # type: ignore[no-any-return]


def optional_actor(request: Request) -> Actor:
    c = container(request)
    auth = request.headers.get("authorization", "")
    if auth:
        scheme, _, token = auth.partition(" ")
        actor = c.tokens.resolve(token.strip()) if scheme.lower() == "bearer" else None
        if actor is None:
            raise Unauthenticated(
                "Jeton d'accès invalide, expiré ou révoqué.",
                "Invalid, expired or revoked access token.",
            )
        return actor
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        return c.authenticator.resolve(cookie) or ANONYMOUS
    return ANONYMOUS


def require_actor(actor: Annotated[Actor, Depends(optional_actor)]) -> Actor:
    if not actor.is_authenticated:
        raise NOT_SIGNED_IN
    return actor


CurrentActor = Annotated[Actor, Depends(require_actor)]
MaybeActor = Annotated[Actor, Depends(optional_actor)]
