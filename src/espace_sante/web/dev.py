"""Development only: the outbox read as an inbox, and the demo staff's current TOTP codes.

Without an SMTP server or an SMS gateway, one-time codes stay in the outbox; this page is
how demo users read them. In production the route answers "not found", like any page
that does not exist.

The demo accounts come from ``app.state.demo_accounts``, set by the composition root
(``app.py``): the demo data sits above the front doors in the layers, so this module
receives it rather than importing it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

import pyotp
from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session, sessionmaker

from espace_sante.core import notify
from espace_sante.core.clock import Clock
from espace_sante.core.errors import NotFound
from espace_sante.gateway.actor import MaybeActor, container
from espace_sante.web import i18n, labels
from espace_sante.web.render import render

router = APIRouter(prefix="/dev", include_in_schema=False)

OUTBOX_LIMIT = 50


@dataclass(frozen=True)
class DemoAccounts:
    """The published development accounts, shown to whoever runs the demo."""

    password: str
    people: tuple[str, ...]
    staff_totp_secrets: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class OutboxView:
    created_at: datetime
    channel: str
    recipient: str
    subject: str
    body: str


@dataclass(frozen=True)
class StaffCode:
    email: str
    code: str


def recent_outbox(factory: sessionmaker[Session], limit: int = OUTBOX_LIMIT) -> list[OutboxView]:
    """The latest messages, newest first, copied out of the session."""
    with factory() as session:
        rows = [
            OutboxView(m.created_at, m.channel, m.recipient, m.subject, m.body)
            for m in notify.recent(session, limit)
        ]
        session.rollback()
    return rows


def staff_codes(secrets: Mapping[str, str], clock: Clock) -> list[StaffCode]:
    """The demo staff's current codes, from the secrets published with the demo."""
    now = clock.now()
    return [StaffCode(email, str(pyotp.TOTP(secret).at(now))) for email, secret in secrets.items()]


@router.get("/outbox")
def outbox(request: Request, actor: MaybeActor) -> Response:
    c = container(request)
    if c.settings.is_production:
        raise NotFound.default()
    lang = i18n.choose_language(request)
    messages = [(labels.when(m.created_at, lang), m) for m in recent_outbox(c.factory)]
    accounts: DemoAccounts | None = getattr(request.app.state, "demo_accounts", None)
    context = {
        "messages": messages, "accounts": accounts,
        "codes": staff_codes(accounts.staff_totp_secrets, c.clock) if accounts else [],
    }
    return render(request, "dev_outbox.html", context, actor=actor)
