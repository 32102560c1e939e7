"""The browser cookies of sign-in: the pending login (between the password and the code)
and the session.

Both are HttpOnly (no script reads them) and SameSite=Lax (sent when arriving from a
link, never by another site's form); Secure in production. The session cookie has no
``Max-Age``: it dies with the browser, and the server ends it earlier on idle or age.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

from fastapi import Request, Response

from espace_sante.gateway.actor import SESSION_COOKIE, container

LOGIN_COOKIE = "es_login"
LOGIN_PATH = "/connexion"  # the pending login is only ever read by the code page


@dataclass(frozen=True)
class PendingLogin:
    token: str
    channel: str  # "email" or "sms"
    hint: str  # the masked address, shown so the person knows where to look


def _secure(request: Request) -> bool:
    return container(request).settings.is_production


def set_pending_login(request: Request, response: Response, pending: PendingLogin) -> None:
    hint = base64.urlsafe_b64encode(pending.hint.encode()).decode().rstrip("=")
    minutes = container(request).settings.login_code_minutes
    # The token alphabet (URL-safe base64) has no ".", so the value splits unambiguously.
    response.set_cookie(
        LOGIN_COOKIE, f"{pending.token}.{pending.channel}.{hint}", max_age=minutes * 60,
        path=LOGIN_PATH, httponly=True, samesite="lax", secure=_secure(request),
    )


def read_pending_login(request: Request) -> PendingLogin | None:
    token, _, rest = request.cookies.get(LOGIN_COOKIE, "").partition(".")
    channel, _, hint = rest.partition(".")
    if not token or channel not in ("email", "sms"):
        return None
    try:
        text = base64.urlsafe_b64decode(hint + "=" * (-len(hint) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError):
        text = ""
    return PendingLogin(token, channel, text)


def clear_pending_login(request: Request, response: Response) -> None:
    response.delete_cookie(LOGIN_COOKIE, path=LOGIN_PATH, httponly=True, samesite="lax",
                           secure=_secure(request))


def open_session(request: Request, response: Response, token: str) -> None:
    response.set_cookie(SESSION_COOKIE, token, path="/", httponly=True, samesite="lax",
                        secure=_secure(request))


def end_session(request: Request, response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax",
                           secure=_secure(request))


def source_ip(request: Request) -> str:
    """The address the attempt counters are kept for. Behind a reverse proxy, uvicorn's
    ``--proxy-headers`` (with the proxy in ``--forwarded-allow-ips``) makes this the
    client's real address rather than the proxy's."""
    return request.client.host if request.client else "unknown"
