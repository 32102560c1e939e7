"""People beyond the demo (a second parent, a tutor, a stranger, a protected adult…), and
helpers to read invitations and notices from the outbox."""

from __future__ import annotations

import re
from datetime import date
from functools import cache

from sqlalchemy import select

from espace_sante import demo as demo_data
from espace_sante.accounts.ins import control_key
from espace_sante.accounts.models import Account, AccountRole, Patient
from espace_sante.accounts.secrets import hash_password
from espace_sante.bootstrap import Container
from espace_sante.core.actors import Actor
from espace_sante.core.notify import OutboxMessage
from tests.helpers import actor_of, person_session

LINK = re.compile(r"/invitations/([A-Za-z0-9_-]{20,})")


@cache
def _password_hash() -> str:
    return hash_password(demo_data.DEMO_PASSWORD)


def add_space(c: Container, nir13: str, first: str, last: str, birth: date,
              state: str = "active", contact_email: str | None = None) -> str:
    with c.factory() as session:
        patient = Patient(
            nir=nir13 + control_key(nir13), birth_family_name=last, first_names=first,
            birth_date=birth, sex="F" if nir13[0] == "2" else "M", birth_place_code="75056",
            state=state, created_at=c.clock.now(), contact_email=contact_email,
        )
        session.add(patient)
        session.commit()
        return patient.id


def add_person(c: Container, email: str, nir13: str, first: str, last: str,
               birth: date = date(1980, 1, 1), state: str = "active") -> str:
    """A person with an activated account (password set) and his own space."""
    patient_id = add_space(c, nir13, first, last, birth, state)
    with c.factory() as session:
        session.add(Account(
            email=email, role=AccountRole.PERSON, patient_id=patient_id,
            display_name=f"{first} {last}", password_hash=_password_hash(),
            created_at=c.clock.now(),
        ))
        session.commit()
    return patient_id


def sign_in(c: Container, email: str) -> Actor:
    """A fresh actor through the real two-step sign-in (grants as of now)."""
    return actor_of(c, person_session(c, email))


def messages_to(c: Container, email: str) -> list[OutboxMessage]:
    with c.factory() as session:
        return list(session.scalars(
            select(OutboxMessage).where(OutboxMessage.recipient == email)
            .order_by(OutboxMessage.created_at, OutboxMessage.id)))


def subjects(c: Container, email: str) -> list[str]:
    """Subjects of the notices sent to ``email``, sign-in codes left out."""
    return [m.subject for m in messages_to(c, email) if "code de connexion" not in m.subject]


def invitation_token(c: Container, email: str) -> str:
    """The token in the latest invitation e-mailed to ``email``."""
    for message in reversed(messages_to(c, email)):
        match = LINK.search(message.body)
        if match:
            return match.group(1)
    raise AssertionError(f"no invitation for {email}")


def space_of(c: Container, email: str) -> str:
    """The own space of a demo person or of one added here."""
    with c.factory() as session:
        pid = session.scalar(select(Account.patient_id).where(Account.email == email))
    assert pid is not None
    return pid


def child_space(c: Container) -> str:
    """Léa, the demo's child, whose father Thomas is legal representative."""
    with c.factory() as session:
        pid = session.scalar(select(Patient.id).where(
            Patient.nir.startswith(demo_data.CHILD.nir13)))
    assert pid is not None
    return pid
