"""Opening by default: a pending space whose opt-out window has ended becomes ``active``.

Run daily by the scheduler. Each batch is one short transaction that locks its rows
(``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so several workers share the work), opens them
and writes one audit event per space, on the space's own chain, as the system job. A space
opened twice is impossible: only ``pending`` rows are picked, so a rerun opens nothing.
The holder then activates as usual (code, NIR, second item), with no window to respect.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from espace_sante.accounts.models import Patient, SpaceState
from espace_sante.core import audit
from espace_sante.core.actors import LegalBasis, system_actor
from espace_sante.core.clock import Clock
from espace_sante.core.context import request_id

JOB = "default-opening"


def open_expired_windows(factory: sessionmaker[Session], clock: Clock, *,
                         batch: int = 1000) -> int:
    """Open every pending space whose window has ended; returns how many were opened."""
    opened = 0
    while True:
        done = _open_batch(factory, clock, batch)
        opened += done
        if done < batch:
            return opened


def _open_batch(factory: sessionmaker[Session], clock: Clock, batch: int) -> int:
    actor = system_actor(JOB)
    with factory() as session:
        now = clock.now()
        stmt = (
            select(Patient)
            .where(Patient.state == SpaceState.PENDING, Patient.window_ends_at <= now)
            .order_by(Patient.window_ends_at, Patient.id)
            .limit(batch)
        )
        if session.get_bind().dialect.name == "postgresql":
            stmt = stmt.with_for_update(skip_locked=True)
        patients = list(session.scalars(stmt))
        for patient in patients:
            patient.state, patient.activated_at = SpaceState.ACTIVE, now
            entry = audit.Entry(
                action="open", resource_kind="space", patient_id=patient.id,
                resource_id=None, outcome=audit.Outcome.SUCCESS,
                legal_basis=LegalBasis.SYSTEM_JOB, detail="opt-out window ended",
            )
            audit.append(session, actor, entry, at=now, request_id=request_id.get())
        session.commit()
        return len(patients)
