"""The notification outbox: e-mails and SMS written in the business transaction, sent later.

A notice is a row added in the caller's transaction, so it exists only if the change it
announces commits, and a mail server outage never rolls back a business change. Workers
claim due rows (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so several can run), send with
no transaction open, then record the outcome in a short transaction of their own.
Delivery is at-least-once: a worker that dies between sending and recording resends after
the claim lease expires.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

import httpx
from sqlalchemy import Index, Integer, String, Text, select, text
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from espace_sante.core.db import Base, UTCDateTime, new_id

if TYPE_CHECKING:
    from espace_sante.settings import Settings

MAX_ATTEMPTS = 8
FIRST_RETRY = timedelta(seconds=30)
MAX_RETRY = timedelta(hours=1)
# Long enough for any send to finish; a claimed row is invisible to other workers meanwhile.
CLAIM_LEASE = timedelta(minutes=5)
ERROR_MAX_CHARS = 2000


class Channel(StrEnum):
    EMAIL = "email"
    SMS = "sms"
    LETTER = "letter"  # printed and posted: batched into PDF files, not sent here


class OutboxMessage(Base):
    __tablename__ = "outbox_messages"
    # Only unsent messages are looked for; sent ones (nearly all, in time) leave the index.
    __table_args__ = (Index("ix_outbox_messages_due", "next_attempt_at",
                            postgresql_where=text("sent_at IS NULL"),
                            sqlite_where=text("sent_at IS NULL")),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    channel: Mapped[str] = mapped_column(String(8))
    recipient: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(255))
    body: Mapped[str] = mapped_column(Text)
    patient_id: Mapped[str | None] = mapped_column(String(36), index=True, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime())


def enqueue(session: Session, *, channel: Channel | str, recipient: str, subject: str,
            body: str, patient_id: str | None = None, now: datetime) -> OutboxMessage:
    message = OutboxMessage(
        id=new_id(), channel=Channel(channel).value, recipient=recipient, subject=subject,
        body=body, patient_id=patient_id, created_at=now, attempts=0, next_attempt_at=now,
    )
    session.add(message)
    return message


def recent(session: Session, limit: int = 50) -> list[OutboxMessage]:
    """Newest first, for the development outbox page."""
    stmt = select(OutboxMessage).order_by(
        OutboxMessage.created_at.desc(), OutboxMessage.id.desc()).limit(limit)
    return list(session.scalars(stmt))


class Mailer(Protocol):
    def send(self, recipient: str, subject: str, body: str) -> None: ...


class SmsGateway(Protocol):
    def send(self, recipient: str, body: str) -> None: ...


class SmtpMailer:
    def __init__(self, host: str, port: int, sender: str, *, starttls: bool = False,
                 timeout: float = 10.0) -> None:
        self.host = host
        self.port = port
        self.sender = sender
        self.starttls = starttls
        self.timeout = timeout

    def send(self, recipient: str, subject: str, body: str) -> None:
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            if self.starttls:
                smtp.starttls(context=ssl.create_default_context())
            smtp.send_message(self.build(recipient, subject, body))

    def build(self, recipient: str, subject: str, body: str) -> EmailMessage:
        # EmailMessage encodes non-ASCII headers (RFC 2047) and picks UTF-8 for the body.
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = recipient
        message["Subject"] = subject
        message["Date"] = formatdate(localtime=False, usegmt=True)
        message["Message-ID"] = make_msgid(domain=parseaddr(self.sender)[1].rpartition("@")[2]
                                           or None)
        message.set_content(body, charset="utf-8")
        return message


class OutboxOnlySmsGateway:
    """Development: the SMS is not sent anywhere; it stays readable at /dev/outbox."""

    def send(self, recipient: str, body: str) -> None:
        return None


class HttpSmsGateway:
    """Posts ``{"to": ..., "text": ...}`` as JSON to an operator's HTTP API."""

    def __init__(self, url: str, *, headers: Mapping[str, str] | None = None,
                 timeout: float = 10.0, client: httpx.Client | None = None) -> None:
        self.url = url
        self.headers = dict(headers or {})
        self.timeout = timeout
        self.client = client

    def send(self, recipient: str, body: str) -> None:
        payload = {"to": recipient, "text": body}
        if self.client is not None:
            response = self.client.post(self.url, json=payload, headers=self.headers)
        else:
            response = httpx.post(self.url, json=payload, headers=self.headers,
                                  timeout=self.timeout)
        response.raise_for_status()


def make_mailer(settings: Settings) -> Mailer | None:
    if settings.smtp_host is None:
        return None
    return SmtpMailer(settings.smtp_host, settings.smtp_port, settings.smtp_sender)


def make_sms_gateway(settings: Settings) -> SmsGateway:
    if settings.sms_gateway == "outbox":
        return OutboxOnlySmsGateway()
    if settings.sms_gateway.startswith(("https://", "http://")):
        return HttpSmsGateway(settings.sms_gateway)
    raise ValueError("ESPACE_SANTE_SMS_GATEWAY must be 'outbox' or an http(s) URL")


@dataclass(frozen=True)
class _Claimed:
    id: str
    channel: str
    recipient: str
    subject: str
    body: str


def dispatch_pending(session_factory: sessionmaker[Session], mailer: Mailer | None,
                     sms: SmsGateway, *, now: datetime, batch: int = 100) -> int:
    """Send the due messages; returns how many were sent (or, in development, released)."""
    sent = 0
    for claimed in _claim(session_factory, now=now, batch=batch):
        error = _deliver(claimed, mailer, sms)
        _record(session_factory, claimed.id, error, now=now)
        if error is None:
            sent += 1
    return sent


def retry_delay(attempts: int) -> timedelta:
    """Exponential back-off after the given number of failed attempts."""
    return min(FIRST_RETRY * (1 << min(max(attempts - 1, 0), 16)), MAX_RETRY)


def _claim(session_factory: sessionmaker[Session], *, now: datetime,
           batch: int) -> list[_Claimed]:
    with session_factory() as session, session.begin():
        stmt = (
            select(OutboxMessage)
            .where(OutboxMessage.sent_at.is_(None),
                   OutboxMessage.channel != Channel.LETTER,
                   OutboxMessage.attempts < MAX_ATTEMPTS,
                   OutboxMessage.next_attempt_at <= now)
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
            .limit(batch)
        )
        # SQLite has no row locks, but BEGIN IMMEDIATE already serialises claimers.
        if session.get_bind().dialect.name == "postgresql":
            stmt = stmt.with_for_update(skip_locked=True)
        claimed = []
        for message in session.scalars(stmt):
            message.next_attempt_at = now + CLAIM_LEASE
            claimed.append(_Claimed(message.id, message.channel, message.recipient,
                                    message.subject, message.body))
        return claimed


def _deliver(message: _Claimed, mailer: Mailer | None, sms: SmsGateway) -> str | None:
    """Send one message; returns the error text, or None when sent."""
    # Any failure, expected or not, must not stop the batch: it is recorded and retried.
    try:
        if message.channel == Channel.SMS:
            sms.send(message.recipient, message.body)
        elif mailer is not None:  # no SMTP in development: the outbox page is the inbox
            mailer.send(message.recipient, message.subject, message.body)
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"[:ERROR_MAX_CHARS]
    return None


def _record(session_factory: sessionmaker[Session], message_id: str, error: str | None, *,
            now: datetime) -> None:
    with session_factory() as session, session.begin():
        message = session.get(OutboxMessage, message_id)
        if message is None:
            return
        if error is None:
            message.sent_at = now
            message.last_error = None
            return
        message.attempts += 1
        message.last_error = error
        message.next_attempt_at = now + retry_delay(message.attempts)
