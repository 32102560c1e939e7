"""The audit trail: append-only, hash-chained, written in the same transaction as the access.

Events are chained per patient space (``chain`` = patient id, or ``_global`` for events
about no space), so the trail distributes with the data and writers of different spaces
never wait on each other. Each row stores the SHA-256 of its canonical content and of the
previous row's hash; ``verify`` recomputes every chain and names the first bad entry.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import Integer, String, Text, UniqueConstraint, select, text
from sqlalchemy.orm import Mapped, Session, mapped_column

from espace_sante.core.actors import Actor, LegalBasis
from espace_sante.core.db import Base, UTCDateTime, new_id
from espace_sante.core.policy import acting_kind

GLOBAL_CHAIN = "_global"
GENESIS = "0" * 64


class Outcome(StrEnum):
    SUCCESS = "success"
    DENIED = "denied"
    FAILURE = "failure"


class AuditEvent(Base):
    __tablename__ = "audit_events"
    # The unique (chain, seq) index also serves look-ups by chain alone.
    __table_args__ = (UniqueConstraint("chain", "seq", name="uq_audit_events_chain_seq"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    chain: Mapped[str] = mapped_column(String(36))
    seq: Mapped[int] = mapped_column(Integer)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime())
    patient_id: Mapped[str | None] = mapped_column(String(36), index=True)
    actor_kind: Mapped[str] = mapped_column(String(32))
    actor_id: Mapped[str] = mapped_column(String(128))
    actor_name: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(64))
    organisation: Mapped[str | None] = mapped_column(String(256))
    action: Mapped[str] = mapped_column(String(32))
    resource_kind: Mapped[str] = mapped_column(String(64))
    resource_id: Mapped[str | None] = mapped_column(String(128))
    legal_basis: Mapped[str | None] = mapped_column(String(32))
    outcome: Mapped[str] = mapped_column(String(16))
    request_id: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[str | None] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    HASHED = (
        "id",
        "chain",
        "seq",
        "patient_id",
        "actor_kind",
        "actor_id",
        "actor_name",
        "role",
        "organisation",
        "action",
        "resource_kind",
        "resource_id",
        "legal_basis",
        "outcome",
        "request_id",
        "detail",
        "prev_hash",
    )

    def compute_hash(self) -> str:
        content = {name: getattr(self, name) for name in self.HASHED}
        content["occurred_at"] = format_instant(self.occurred_at)
        return content_hash(content)


def format_instant(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical(content: dict[str, object]) -> str:
    """An event's canonical JSON: the ``HASHED`` fields plus ``occurred_at``
    (``format_instant``). Public, with ``content_hash``, so bulk writers (provisioning) that
    insert rows without ORM objects chain them exactly as ``append`` does."""
    return json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def content_hash(content: dict[str, object]) -> str:
    return hashlib.sha256(canonical(content).encode()).hexdigest()


@dataclass(frozen=True)
class Entry:
    """What a use case says happened; the trail adds who, when and the chain."""

    action: str
    resource_kind: str
    patient_id: str | None
    resource_id: str | None
    outcome: Outcome
    legal_basis: LegalBasis | None = None
    detail: str | None = None


def append(
    session: Session, actor: Actor, entry: Entry, *, at: datetime, request_id: str | None
) -> AuditEvent:
    chain = entry.patient_id or GLOBAL_CHAIN
    _lock_chain(session, chain)
    last = session.execute(
        select(AuditEvent.seq, AuditEvent.hash)
        .where(AuditEvent.chain == chain)
        .order_by(AuditEvent.seq.desc())
        .limit(1)
    ).first()
    kind = acting_kind(actor.kind, entry.legal_basis)
    event = AuditEvent(
        id=new_id(),
        chain=chain,
        seq=(last.seq + 1) if last else 1,
        occurred_at=at,
        patient_id=entry.patient_id,
        actor_kind=kind.value,
        actor_id=actor.subject_id,
        actor_name=actor.display_name,
        role=actor.profession or kind.value,
        organisation=actor.organisation,
        action=entry.action,
        resource_kind=entry.resource_kind,
        resource_id=entry.resource_id,
        legal_basis=entry.legal_basis.value if entry.legal_basis else None,
        outcome=entry.outcome.value,
        request_id=request_id,
        detail=entry.detail,
        prev_hash=last.hash if last else GENESIS,
    )
    event.hash = event.compute_hash()
    session.add(event)
    session.flush()
    return event


def _lock_chain(session: Session, chain: str) -> None:
    # PostgreSQL: serialise appenders of one chain only. SQLite already holds the database
    # write lock (BEGIN IMMEDIATE), so nothing to do there.
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:c))"), {"c": chain})


@dataclass(frozen=True)
class Breach:
    chain: str
    seq: int
    event_id: str | None
    problem: str

    def __str__(self) -> str:
        return f"chain {self.chain}, entry #{self.seq} ({self.event_id}): {self.problem}"


def verify(session: Session) -> tuple[int, Breach | None]:
    """Recompute every chain; return the number of entries checked and the first breach."""
    checked = 0
    for chain in session.scalars(select(AuditEvent.chain).distinct().order_by(AuditEvent.chain)):
        count, breach = _verify_chain(session, chain)
        checked += count
        if breach is not None:
            return checked, breach
    return checked, None


def _verify_chain(session: Session, chain: str) -> tuple[int, Breach | None]:
    expected_prev, expected_seq, count = GENESIS, 1, 0
    for event in _chain_events(session, chain):
        count += 1
        if event.seq != expected_seq:
            return count, Breach(
                chain, expected_seq, event.id, f"missing entry before #{event.seq}"
            )
        if event.prev_hash != expected_prev:
            return count, Breach(chain, event.seq, event.id, "link to previous entry broken")
        if event.compute_hash() != event.hash:
            return count, Breach(chain, event.seq, event.id, "content changed")
        expected_prev, expected_seq = event.hash, expected_seq + 1
    return count, None


def _chain_events(session: Session, chain: str) -> Iterator[AuditEvent]:
    stmt = (
        select(AuditEvent)
        .where(AuditEvent.chain == chain)
        .order_by(AuditEvent.seq)
        .execution_options(yield_per=1000)
    )
    yield from session.scalars(stmt)
