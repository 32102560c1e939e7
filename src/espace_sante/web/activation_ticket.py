"""What the first step of activation proved, carried to the second step in a cookie.

The cookie holds the three items typed (NIR, code, second item), encrypted and
authenticated (AES-GCM under a key derived from the server secret), for 15 minutes and
only on ``/activer``. The second step checks them all again inside its transaction, so the
cookie grants nothing by itself; it is sealed so that a shared computer's cookie store
does not show a NIR and a live code in clear.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta

from fastapi import Request, Response

from espace_sante.core.crypto import IntegrityError, Keyring
from espace_sante.gateway.actor import container

COOKIE = "es_activation"
PATH = "/activer"
LIFETIME = timedelta(minutes=15)
_AAD = COOKIE.encode()


@dataclass(frozen=True)
class Ticket:
    nir: str
    code: str
    second_item: str
    issued: float  # POSIX seconds, by the service's clock


def _key(request: Request) -> bytes:
    secret = container(request).settings.secret_key
    return hashlib.sha256(f"activation-ticket:{secret}".encode()).digest()


def set_ticket(request: Request, response: Response, nir: str, code: str,
               second_item: str) -> None:
    now = container(request).clock.now()
    ticket = Ticket(nir, code, second_item, now.timestamp())
    sealed = Keyring.seal(json.dumps(asdict(ticket)).encode(), _key(request), _AAD)
    response.set_cookie(
        COOKIE, base64.urlsafe_b64encode(sealed).decode(), max_age=int(LIFETIME.total_seconds()),
        path=PATH, httponly=True, samesite="strict",
        secure=container(request).settings.is_production,
    )


def read_ticket(request: Request) -> Ticket | None:
    raw = request.cookies.get(COOKIE)
    if not raw:
        return None
    try:
        opened = Keyring.open(base64.urlsafe_b64decode(raw), _key(request), _AAD)
        ticket = Ticket(**json.loads(opened))
    except (binascii.Error, IntegrityError, ValueError, TypeError):
        return None
    issued = datetime.fromtimestamp(ticket.issued, tz=UTC)
    if container(request).clock.now() - issued > LIFETIME:
        return None
    return ticket


def clear_ticket(request: Request, response: Response) -> None:
    response.delete_cookie(COOKIE, path=PATH, httponly=True, samesite="strict",
                           secure=container(request).settings.is_production)
