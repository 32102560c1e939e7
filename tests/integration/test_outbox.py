"""The notification outbox against a real SMTP sink (aiosmtpd) and a real HTTP SMS endpoint."""

from __future__ import annotations

import email
import json
import socket
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.policy import default as default_policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from espace_sante.core.db import Base, make_engine, make_session_factory
from espace_sante.core.notify import (
    CLAIM_LEASE,
    MAX_ATTEMPTS,
    Channel,
    HttpSmsGateway,
    OutboxMessage,
    OutboxOnlySmsGateway,
    SmtpMailer,
    dispatch_pending,
    enqueue,
    make_mailer,
    make_sms_gateway,
    recent,
    retry_delay,
)
from espace_sante.settings import Settings

NOW = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
SENDER = "Espace Santé <ne-pas-repondre@espace-sante.localhost>"
SUBJECT = "Votre résultat d'analyse est disponible — Hôpital Saint-Éloi"
BODY = "Bonjour Zoé,\n\nUn nouveau document a été déposé dans votre espace : « Bilan sanguin ».\n"
RECIPIENT = "zoe.lefevre@example.fr"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class Sink:
    """aiosmtpd handler keeping every message it receives."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], EmailMessage]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.content, policy=default_policy)
        assert isinstance(parsed, EmailMessage)
        self.messages.append((list(envelope.rcpt_tos), parsed))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_sink() -> Iterator[tuple[Sink, int]]:
    sink, port = Sink(), free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    yield sink, port
    controller.stop()


class SmsEndpoint(BaseHTTPRequestHandler):
    received: ClassVar[list[dict[str, str]]] = []
    status: ClassVar[int] = 200

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        type(self).received.append(json.loads(self.rfile.read(length)))
        self.send_response(type(self).status)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        return None


@pytest.fixture
def sms_endpoint() -> Iterator[tuple[type[SmsEndpoint], str]]:
    handler = type("Endpoint", (SmsEndpoint,), {"received": [], "status": 200})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield handler, f"http://127.0.0.1:{server.server_address[1]}/sms"
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture
def factory(tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    engine: Engine = make_engine("sqlite:///" + str(tmp_path / "t.db"))
    Base.metadata.create_all(engine)
    yield make_session_factory(engine)
    engine.dispose()


def add(factory: sessionmaker[Session], channel: str = "email", recipient: str = RECIPIENT,
        *, at: datetime = NOW) -> str:
    with factory() as session, session.begin():
        message = enqueue(session, channel=channel, recipient=recipient, subject=SUBJECT,
                          body=BODY, patient_id="p-1", now=at)
        return message.id


def load(factory: sessionmaker[Session], message_id: str) -> OutboxMessage:
    with factory() as session:
        message = session.get(OutboxMessage, message_id)
        assert message is not None
        return message


# --- e-mail --------------------------------------------------------------------------------

def test_email_reaches_the_sink_with_accents_intact(
        factory: sessionmaker[Session], smtp_sink: tuple[Sink, int]) -> None:
    sink, port = smtp_sink
    message_id = add(factory)
    mailer = SmtpMailer("127.0.0.1", port, SENDER)
    assert dispatch_pending(factory, mailer, OutboxOnlySmsGateway(), now=NOW) == 1

    [(recipients, received)] = sink.messages
    assert recipients == [RECIPIENT]
    assert received["Subject"] == SUBJECT
    assert received["To"] == RECIPIENT
    assert received["From"].addresses[0].display_name == "Espace Santé"
    assert received.get_content().replace("\r\n", "\n") == BODY  # CRLF is SMTP's line end
    assert received.get_content_charset() == "utf-8"
    assert received["Message-ID"] and received["Date"]
    stored = load(factory, message_id)
    assert (stored.sent_at, stored.attempts, stored.last_error) == (NOW, 0, None)
    # Sent once only.
    assert dispatch_pending(factory, mailer, OutboxOnlySmsGateway(), now=NOW + timedelta(1)) == 0
    assert len(sink.messages) == 1


def test_rolled_back_change_sends_nothing(
        factory: sessionmaker[Session], smtp_sink: tuple[Sink, int]) -> None:
    sink, port = smtp_sink
    with factory() as session, session.begin():
        enqueue(session, channel=Channel.EMAIL, recipient=RECIPIENT, subject=SUBJECT,
                body=BODY, now=NOW)
        session.rollback()
    assert dispatch_pending(factory, SmtpMailer("127.0.0.1", port, SENDER),
                            OutboxOnlySmsGateway(), now=NOW) == 0
    assert sink.messages == []


def test_dead_smtp_server_backs_off_then_gives_up(factory: sessionmaker[Session]) -> None:
    message_id = add(factory)
    mailer = SmtpMailer("127.0.0.1", free_port(), SENDER, timeout=2)
    sms = OutboxOnlySmsGateway()
    at = NOW
    for attempt in range(1, MAX_ATTEMPTS + 1):
        assert dispatch_pending(factory, mailer, sms, now=at) == 0
        stored = load(factory, message_id)
        assert stored.attempts == attempt
        assert stored.last_error is not None and "ConnectionRefusedError" in stored.last_error
        assert stored.next_attempt_at == at + retry_delay(attempt)
        # Not due yet: nobody touches it.
        assert dispatch_pending(factory, mailer, sms, now=stored.next_attempt_at
                                - timedelta(seconds=1)) == 0
        assert load(factory, message_id).attempts == attempt
        at = stored.next_attempt_at
    assert dispatch_pending(factory, mailer, sms, now=at + timedelta(days=30)) == 0
    given_up = load(factory, message_id)
    assert (given_up.attempts, given_up.sent_at) == (MAX_ATTEMPTS, None)


def test_delivery_resumes_after_an_outage(
        factory: sessionmaker[Session], smtp_sink: tuple[Sink, int]) -> None:
    sink, port = smtp_sink
    message_id = add(factory)
    sms = OutboxOnlySmsGateway()
    assert dispatch_pending(factory, SmtpMailer("127.0.0.1", free_port(), SENDER), sms,
                            now=NOW) == 0
    retry_at = NOW + retry_delay(1)
    assert dispatch_pending(factory, SmtpMailer("127.0.0.1", port, SENDER), sms,
                            now=retry_at) == 1
    stored = load(factory, message_id)
    assert (stored.sent_at, stored.attempts, stored.last_error) == (retry_at, 1, None)
    assert len(sink.messages) == 1


def test_retry_delay_doubles_and_is_capped() -> None:
    delays = [retry_delay(n).total_seconds() for n in range(1, 10)]
    assert delays[:4] == [30, 60, 120, 240]
    assert max(delays) == 3600


class WorkerKilled(BaseException):
    pass


class DyingMailer:
    def send(self, recipient: str, subject: str, body: str) -> None:
        raise WorkerKilled


def test_claimed_message_waits_for_the_lease(
        factory: sessionmaker[Session], smtp_sink: tuple[Sink, int]) -> None:
    sink, port = smtp_sink
    add(factory)
    with pytest.raises(WorkerKilled):
        dispatch_pending(factory, DyingMailer(), OutboxOnlySmsGateway(), now=NOW)
    mailer = SmtpMailer("127.0.0.1", port, SENDER)
    # Another worker does not take a message still claimed...
    assert dispatch_pending(factory, mailer, OutboxOnlySmsGateway(), now=NOW) == 0
    # ...but does once the dead worker's lease has run out.
    later = NOW + CLAIM_LEASE
    assert dispatch_pending(factory, mailer, OutboxOnlySmsGateway(), now=later) == 1
    assert len(sink.messages) == 1


def test_batch_size_limits_one_run(
        factory: sessionmaker[Session], smtp_sink: tuple[Sink, int]) -> None:
    sink, port = smtp_sink
    for i in range(5):
        add(factory, recipient=f"patient{i}@example.fr", at=NOW + timedelta(seconds=i))
    mailer = SmtpMailer("127.0.0.1", port, SENDER)
    later = NOW + timedelta(minutes=1)
    assert dispatch_pending(factory, mailer, OutboxOnlySmsGateway(), now=later, batch=2) == 2
    assert dispatch_pending(factory, mailer, OutboxOnlySmsGateway(), now=later, batch=10) == 3
    # Oldest first.
    assert [r[0] for r, _ in sink.messages] == [f"patient{i}@example.fr" for i in range(5)]


def test_without_smtp_emails_stay_in_the_outbox(factory: sessionmaker[Session]) -> None:
    message_id = add(factory)
    assert dispatch_pending(factory, None, OutboxOnlySmsGateway(), now=NOW) == 1
    assert load(factory, message_id).sent_at == NOW
    with factory() as session:
        assert [m.id for m in recent(session)] == [message_id]


# --- SMS -----------------------------------------------------------------------------------

def test_sms_development_gateway_keeps_it_in_the_outbox(factory: sessionmaker[Session]) -> None:
    message_id = add(factory, channel="sms", recipient="+33612345678")
    assert dispatch_pending(factory, None, OutboxOnlySmsGateway(), now=NOW) == 1
    with factory() as session:
        [shown] = recent(session)
    assert (shown.id, shown.channel, shown.recipient) == (message_id, "sms", "+33612345678")
    assert shown.body == BODY
    assert shown.sent_at == NOW


def test_http_sms_gateway_posts_json(
        factory: sessionmaker[Session],
        sms_endpoint: tuple[type[SmsEndpoint], str]) -> None:
    endpoint, url = sms_endpoint
    add(factory, channel="sms", recipient="+33612345678")
    assert dispatch_pending(factory, None, HttpSmsGateway(url), now=NOW) == 1
    assert endpoint.received == [{"to": "+33612345678", "text": BODY}]


def test_http_sms_gateway_failure_is_retried(
        factory: sessionmaker[Session],
        sms_endpoint: tuple[type[SmsEndpoint], str]) -> None:
    endpoint, url = sms_endpoint
    endpoint.status = 503
    message_id = add(factory, channel="sms", recipient="+33612345678")
    assert dispatch_pending(factory, None, HttpSmsGateway(url), now=NOW) == 0
    stored = load(factory, message_id)
    assert stored.attempts == 1
    assert stored.last_error is not None and "503" in stored.last_error
    endpoint.status = 200
    assert dispatch_pending(factory, None, HttpSmsGateway(url), now=stored.next_attempt_at) == 1


# --- the rest ------------------------------------------------------------------------------

def test_recent_is_newest_first_and_limited(factory: sessionmaker[Session]) -> None:
    ids = [add(factory, at=NOW + timedelta(minutes=i)) for i in range(4)]
    with factory() as session:
        assert [m.id for m in recent(session, limit=3)] == ids[::-1][:3]


def test_unknown_channel_is_refused(factory: sessionmaker[Session]) -> None:
    with factory() as session, session.begin(), pytest.raises(ValueError):
        enqueue(session, channel="pigeon", recipient="x", subject="", body="", now=NOW)


def test_factories_follow_settings() -> None:
    assert make_mailer(Settings(smtp_host=None)) is None
    mailer = make_mailer(Settings(smtp_host="smtp.example.fr", smtp_port=2525))
    assert isinstance(mailer, SmtpMailer)
    assert (mailer.host, mailer.port, mailer.sender) == ("smtp.example.fr", 2525, SENDER)
    assert isinstance(make_sms_gateway(Settings(sms_gateway="outbox")), OutboxOnlySmsGateway)
    gateway = make_sms_gateway(Settings(sms_gateway="https://sms.example.fr/send"))
    assert isinstance(gateway, HttpSmsGateway)
    with pytest.raises(ValueError, match="SMS_GATEWAY"):
        make_sms_gateway(Settings(sms_gateway="carrier-pigeon"))
