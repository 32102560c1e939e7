"""Cross-site request forgery protection for forms: a double-submit token.

A random token sits in a ``SameSite=Strict`` cookie and in every form; a POST whose field
does not match the cookie is refused before anything is read or written.
"""

from __future__ import annotations

import hmac
import secrets

from fastapi import Request

from espace_sante.core.errors import Forbidden

COOKIE = "es_csrf"
FIELD = "csrf_token"

BAD_TOKEN = Forbidden(
    "Le formulaire a expiré. Rechargez la page et recommencez.",
    "The form has expired. Reload the page and try again.",
)


def token_for(request: Request) -> str:
    """The request's token: the cookie's if any, else a new one (set by ``render``)."""
    existing = request.cookies.get(COOKIE)
    if existing:
        return existing
    if not hasattr(request.state, "new_csrf"):
        request.state.new_csrf = secrets.token_urlsafe(32)
    return str(request.state.new_csrf)


async def check(request: Request) -> None:
    """FastAPI dependency for every form POST."""
    form = await request.form()
    sent, expected = form.get(FIELD), request.cookies.get(COOKIE)
    if not isinstance(sent, str) or not expected or not hmac.compare_digest(sent, expected):
        raise BAD_TOKEN
