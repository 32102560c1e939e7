"""Test helpers: sign people in through the real flows, read the outbox, make actors."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from espace_sante import demo as demo_data
from espace_sante.bootstrap import Container
from espace_sante.core.actors import Actor
from espace_sante.core.clock import FrozenClock
from espace_sante.core.notify import OutboxMessage

CAMILLE = demo_data.PEOPLE[0].email  # adult, caregiver of Jeanne
THOMAS = demo_data.PEOPLE[1].email  # father and legal representative of Léa
JEANNE = demo_data.PEOPLE[2].email  # elderly, born in Corsica
DR_DURAND = "10001234567"  # médecin traitant of everyone in the demo
DR_LEFEVRE = "10002345678"  # cardiologist, authorised by Jeanne only
PHARMACIST = "10003456789"  # no relationship with any demo patient


def last_code(c: Container, recipient: str) -> str:
    with c.factory() as session:
        msg = session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.recipient == recipient)
            .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id)
        ).first()
    assert msg is not None, f"no message for {recipient}"
    match = re.search(r"\b(\d{6})\b", msg.body)
    assert match, msg.body
    return match.group(1)


def person_session(c: Container, email: str, source: str = "127.0.0.1") -> str:
    if isinstance(c.clock, FrozenClock):
        c.clock.advance(timedelta(seconds=1))  # so "the latest code" is unambiguous
    challenge = c.authenticator.start_person_login(email, demo_data.DEMO_PASSWORD, source)
    return c.authenticator.finish_person_login(challenge.token, last_code(c, email), source)


def professional_session(c: Container, rpps: str) -> str:
    return c.authenticator.professional_login(rpps)


def actor_of(c: Container, session_token: str) -> Actor:
    actor = c.authenticator.resolve(session_token)
    assert actor is not None
    return actor
