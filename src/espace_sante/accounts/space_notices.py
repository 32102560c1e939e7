"""Notices of a space's lifecycle (closure, deletion, invitations, coming of age).

Each notice is queued in the outbox inside the change's own transaction, so it is sent
only if the change commits. Texts are French first, then English; they say what happened
and what the person can do, never any health data.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from babel.dates import format_date
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from espace_sante.accounts.dates import PARIS
from espace_sante.accounts.models import (
    Account,
    AccountRole,
    Delegation,
    DelegationKind,
    Patient,
)
from espace_sante.core import notify

SIGNATURE_FR = "L'équipe Espace Santé"
SIGNATURE_EN = "The Espace Santé team"


@dataclass(frozen=True)
class Notice:
    subject: str
    french: str
    english: str

    @property
    def body(self) -> str:
        return f"{self.french}\n\n{SIGNATURE_FR}\n\n— English —\n\n{self.english}\n\n{SIGNATURE_EN}"


def day(moment: datetime, lang: str = "fr") -> str:
    """A date as people read it: "3 mars 2036" / "3 March 2036" (Paris time)."""
    return str(format_date(moment.astimezone(PARIS).date(), "d MMMM y", locale=lang))


def holder_emails(session: Session, patient_id: str, now: datetime) -> list[str]:
    """The holder (his account, else the register's contact) and his legal
    representatives in force: whoever must hear of what happens to the space. Accounts
    activated by SMS have no address and are not reached here."""
    emails = [email for email in session.scalars(select(Account.email).where(
        Account.patient_id == patient_id, Account.role == AccountRole.PERSON)) if email]
    if not emails:
        contact = session.scalar(select(Patient.contact_email).where(Patient.id == patient_id))
        emails += [contact] if contact else []
    return _unique(emails + representative_emails(session, patient_id, now))


def representative_emails(session: Session, patient_id: str, now: datetime) -> list[str]:
    stmt = (
        select(Account.email)
        .join(Delegation, Delegation.account_id == Account.id)
        .where(
            Delegation.patient_id == patient_id,
            Delegation.kind == DelegationKind.LEGAL_REPRESENTATIVE,
            Delegation.revoked_at.is_(None),
            or_(Delegation.valid_until.is_(None), Delegation.valid_until > now),
        )
    )
    return [email for email in session.scalars(stmt) if email]


def send(
    session: Session, recipients: Iterable[str], notice: Notice, *, patient_id: str,
    now: datetime,
) -> int:
    sent = 0
    for email in _unique(recipients):
        notify.enqueue(session, channel=notify.Channel.EMAIL, recipient=email,
                       subject=notice.subject, body=notice.body, patient_id=patient_id, now=now)
        sent += 1
    return sent


def _unique(emails: Iterable[str]) -> list[str]:
    seen: dict[str, str] = {}
    for email in emails:
        seen.setdefault(email.strip().lower(), email.strip())
    return list(seen.values())
