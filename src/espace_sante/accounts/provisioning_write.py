"""The database side of one provisioning batch, in one transaction: claim the run, look
the NIRs up, plan, bulk-insert, move ``lines_done`` on, commit."""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from sqlalchemy import ARRAY, ColumnElement, String, Table, any_, bindparam, select, update
from sqlalchemy import exc as sa_exc
from sqlalchemy.orm import QueryableAttribute, Session, sessionmaker

from espace_sante.accounts.models import (
    Account,
    ActivationCode,
    Delegation,
    Patient,
    ProvisioningIssue,
    ProvisioningRun,
)
from espace_sante.accounts.provisioning_batch import Stamp
from espace_sante.accounts.provisioning_notices import Addressee
from espace_sante.accounts.provisioning_plan import Draft, Known, Plan, plan_batch
from espace_sante.accounts.register import LineError
from espace_sante.core import bulk
from espace_sante.core.audit import AuditEvent
from espace_sante.core.errors import Conflict
from espace_sante.core.notify import OutboxMessage

RETRIES = 3  # a batch racing another import over the same NIRs is planned again
BUSY = Conflict(
    "Ce fichier est déjà en cours d'import par un autre processus.",
    "This file is already being imported by another process.",
)
# Spaces before the rows that point to them; parents before children (rows keep the file's
# order within a table).
TABLES = tuple((cast(Table, model.__table__), rows) for model, rows in (
    (Patient, "patients"), (Delegation, "delegations"), (ActivationCode, "codes"),
    (OutboxMessage, "messages"), (AuditEvent, "events"), (ProvisioningIssue, "issues"),
))


@dataclass(frozen=True)
class Batch:
    stamp: Stamp
    start: int  # the run's lines_done before this batch
    lines: int
    drafts: list[Draft | LineError]


def commit_batch(factory: sessionmaker[Session], batch: Batch) -> Plan:
    for attempt in range(1, RETRIES + 1):
        try:
            return _write(factory, batch)
        except sa_exc.IntegrityError:
            if attempt == RETRIES:
                raise
    raise AssertionError("unreachable")


def _write(factory: sessionmaker[Session], batch: Batch) -> Plan:
    with factory() as session:
        _claim(session, batch.stamp.run_id, batch.start)
        plan = plan_batch(batch.drafts, _lookup(session, batch.drafts), batch.stamp)
        if batch.stamp.buffers is not None:  # the adults, formatted ahead: first
            batch.stamp.buffers.send(session, plan.copied)
        for table, rows in TABLES:
            bulk.insert_rows(session, table, getattr(plan, rows))
        session.execute(
            update(ProvisioningRun).where(ProvisioningRun.id == batch.stamp.run_id).values(
                lines_done=batch.start + batch.lines,
                created=ProvisioningRun.created + plan.created,
                unchanged=ProvisioningRun.unchanged + plan.unchanged,
                errors=ProvisioningRun.errors + len(plan.issues),
            )
        )
        session.commit()
    return plan


def _claim(session: Session, run_id: str, start: int) -> None:
    """Lock the run for this batch; another process that moved it on owns the import."""
    run = session.get(ProvisioningRun, run_id, with_for_update=True)
    if run is None or run.lines_done != start or run.finished_at is not None:
        raise BUSY


def _lookup(session: Session, drafts: list[Draft | LineError]) -> dict[str, Known]:
    """One query for the batch: its NIRs and its children's parents' NIRs."""
    nirs: set[str] = set()
    for d in drafts:
        if isinstance(d, Draft):
            nirs.add(d.person.nir)
            if d.person.parent_nir:
                nirs.add(d.person.parent_nir)
    if not nirs:
        return {}
    p = Patient
    rows = session.execute(
        select(p.id, p.nir, p.provisioning_run_id, p.first_names, p.birth_family_name,
               p.used_family_name, p.contact_email, p.contact_phone, p.postal_address,
               Account.id.label("account_id"))
        .outerjoin(Account, Account.patient_id == p.id)
        .where(_among(session, p.nir, nirs))
    )
    return {
        row.nir: Known(row.id, row.provisioning_run_id, Addressee(
            f"{row.first_names.split(' ')[0]} {row.used_family_name or row.birth_family_name}",
            row.contact_email, row.contact_phone, row.postal_address), row.account_id)
        for row in rows
    }


def _among(session: Session, column: QueryableAttribute[str],
           values: set[str]) -> ColumnElement[bool]:
    # PostgreSQL: one array parameter rather than thousands of bound values to render.
    if session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam("values", list(values), type_=ARRAY(String())))
    return column.in_(values)
