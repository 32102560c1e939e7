"""The shared part of one provisioning batch: its time, run, actor and keys (``Stamp``),
and, on PostgreSQL, the COPY text of its new adults formatted as they are drafted
(``Buffers``), with the columns of each table."""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from espace_sante.accounts.activation_codes import CODE_VALIDITY
from espace_sante.accounts.models import ActivationCode, Patient, SpaceState
from espace_sante.accounts.provisioning_codes import KeyedHashes
from espace_sante.accounts.provisioning_notices import Window
from espace_sante.core import audit
from espace_sante.core.actors import Actor, LegalBasis
from espace_sante.core.bulk import CopyBuffer
from espace_sante.core.notify import OutboxMessage
from espace_sante.core.policy import acting_kind

Row = dict[str, Any]
Spans = tuple[tuple[int, int], ...]  # where a person's rows lie in the batch's CopyBuffers
OPPOSITION_WINDOW = timedelta(weeks=6)
# The columns of a new space's rows, in the order of the COPY buffers.
PATIENT_COLUMNS = ("id", "nir", "birth_family_name", "first_names", "used_family_name",
                   "birth_date", "sex", "birth_place_code", "state", "created_at",
                   "contact_email", "contact_phone", "postal_address", "vitale_serial_hash",
                   "window_ends_at", "provisioning_run_id", "declared_by_patient_id")
CODE_COLUMNS = ("id", "patient_id", "created_at", "attempts", "code_hash", "expires_at")
MESSAGE_COLUMNS = ("id", "channel", "recipient", "subject", "body", "patient_id",
                   "created_at", "attempts", "next_attempt_at")
EVENT_COLUMNS = (*audit.AuditEvent.HASHED, "occurred_at", "hash")
_VARYING = ("chain", "id", "patient_id", "resource_id")  # per event; the rest per batch


class Stamp:
    """What every row of one batch shares: time, run, actor, keys; and the canonical JSON
    of a space's first audit event cut where its ids go, so hashing one is a join."""

    def __init__(self, *, now: datetime, run_id: str, secret: str, base_url: str,
                 actor: Actor, basis: LegalBasis, request_id: str | None,
                 copy: bool = False) -> None:
        kind = acting_kind(actor.kind, basis)
        self.now, self.run_id = now, run_id
        self.hashes = KeyedHashes(secret)
        self.window = Window.of(now + OPPOSITION_WINDOW, base_url)
        self.event_base: Row = {
            "seq": 1, "occurred_at": now, "actor_kind": kind.value,
            "actor_id": actor.subject_id, "actor_name": actor.display_name,
            "role": actor.profession or kind.value, "organisation": actor.organisation,
            "action": "create", "resource_kind": "space", "legal_basis": basis.value,
            "outcome": audit.Outcome.SUCCESS.value, "request_id": request_id,
            "detail": f"provisioning_run:{run_id}", "prev_hash": audit.GENESIS,
        }
        self._pieces = self._cut(self.event_base)
        # PostgreSQL: an adult's rows are formatted for COPY as soon as drafted.
        self.buffers = Buffers(self) if copy else None

    @staticmethod
    def _cut(base: Row) -> list[str]:
        marks = {name: uuid.uuid4().hex for name in _VARYING}  # cannot occur elsewhere
        content = {name: base.get(name) for name in audit.AuditEvent.HASHED} | marks
        content["occurred_at"] = audit.format_instant(base["occurred_at"])
        text, pieces = audit.canonical(content), []
        # Canonical JSON sorts its keys, and _VARYING is sorted: the marks come in order.
        for name in _VARYING:
            before, found, text = text.partition(marks[name])
            assert found, name
            pieces.append(before)
        return [*pieces, text]

    def space_event_hash(self, event_id: str, patient_id: str) -> str:
        p = self._pieces  # chain, id, patient_id, resource_id
        text = p[0] + patient_id + p[1] + event_id + p[2] + patient_id + p[3] + patient_id + p[4]
        return hashlib.sha256(text.encode()).hexdigest()


class Buffers:
    """The COPY text of the adults drafted in a batch, one buffer per table."""

    def __init__(self, stamp: Stamp) -> None:
        now, ends = stamp.now, stamp.now + OPPOSITION_WINDOW
        self.tables = (
            CopyBuffer(Patient.__table__, PATIENT_COLUMNS, {  # type: ignore[arg-type]
                "state": SpaceState.PENDING.value, "created_at": now, "window_ends_at": ends,
                "provisioning_run_id": stamp.run_id, "declared_by_patient_id": None}),
            CopyBuffer(ActivationCode.__table__, CODE_COLUMNS, {  # type: ignore[arg-type]
                "created_at": now, "attempts": 0, "expires_at": now + CODE_VALIDITY}),
            CopyBuffer(OutboxMessage.__table__, MESSAGE_COLUMNS, {  # type: ignore[arg-type]
                "created_at": now, "attempts": 0, "next_attempt_at": now}),
            CopyBuffer(audit.AuditEvent.__table__, EVENT_COLUMNS, {  # type: ignore[arg-type]
                k: v for k, v in stamp.event_base.items() if k in EVENT_COLUMNS}),
        )
        self.count = 0

    def add(self, *rows: Row) -> Spans:
        self.count += 1
        return tuple(table.add(row) for table, row in zip(self.tables, rows, strict=True))

    def send(self, session: Session, kept: list[Spans]) -> None:
        """Send the rows of the adults kept: all of them in one piece when none was
        refused or known already (the usual case)."""
        for i, table in enumerate(self.tables):
            table.send(session, None if len(kept) == self.count else [s[i] for s in kept])
