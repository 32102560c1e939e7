"""The browser cookies of sign-in: the pending login (between the password and the code,
with the page to go back to afterwards) and the session.

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
    hint: str  # the masked address or number, shown so the person knows where to look
    next: str | None = None  # a path of this site to land on once signed in (redirects.py)


def _b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _unb64(value: str) -> str:
    try:
        return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError):
        return ""


def _secure(request: Request) -> bool:
    return container(request).settings.is_production


def set_pending_login(request: Request, response: Response, pending: PendingLogin) -> None:
    minutes = container(request).settings.login_code_minutes
    # The token alphabet (URL-safe base64) has no ".", so the value splits unambiguously.
    value = ".".join((pending.token, pending.channel, _b64(pending.hint),
                      _b64(pending.next or "")))
    response.set_cookie(
        LOGIN_COOKIE, value, max_age=minutes * 60,
        path=LOGIN_PATH, httponly=True, samesite="lax", secure=_secure(request),
    )


def read_pending_login(request: Request) -> PendingLogin | None:
    token, _, rest = request.cookies.get(LOGIN_COOKIE, "").partition(".")
    channel, _, rest = rest.partition(".")
    hint, _, next_ = rest.partition(".")
    if not token or channel not in ("email", "sms"):
        return None
    return PendingLogin(token, channel, _unb64(hint), _unb64(next_) or None)


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
