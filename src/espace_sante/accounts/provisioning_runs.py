"""Provisioning runs: one per register file (by SHA-256), started, resumed, finished, shown."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import select, text, update
from sqlalchemy.orm import Session, sessionmaker

from espace_sante.accounts.models import ProvisioningIssue, ProvisioningRun
from espace_sante.accounts.provisioning_access import RESOURCE, authorize_reading
from espace_sante.core import audit
from espace_sante.core.actors import Actor, LegalBasis
from espace_sante.core.clock import Clock
from espace_sante.core.context import request_id
from espace_sante.core.db import new_id
from espace_sante.core.errors import NotFound

ISSUES_SHOWN = 100


class IssueView(BaseModel):
    line: int
    reason: str
    reason_en: str | None


class RunView(BaseModel):
    id: str
    file_name: str
    file_sha256: str
    started_by: str
    started_at: datetime
    finished_at: datetime | None
    status: str  # "running" (or interrupted: run the file again to resume) or "finished"
    lines_done: int
    created: int
    unchanged: int
    refused: int
    issues: list[IssueView]  # the first refused lines, in file order

    @classmethod
    def of(cls, run: ProvisioningRun, issues: list[ProvisioningIssue]) -> RunView:
        return cls(
            id=run.id, file_name=run.file_name, file_sha256=run.file_sha256,
            started_by=run.started_by, started_at=run.started_at, finished_at=run.finished_at,
            status="finished" if run.finished_at else "running", lines_done=run.lines_done,
            created=run.created, unchanged=run.unchanged, refused=run.errors,
            issues=[IssueView(line=i.line_no, reason=i.reason, reason_en=i.reason_en)
                    for i in issues],
        )


def start_run(factory: sessionmaker[Session], clock: Clock, actor: Actor, basis: LegalBasis,
              file_name: str, sha256: str) -> ProvisioningRun:
    """The run of this file: the existing one (to resume, or already finished) or a new one,
    whose start is audited on the shared chain."""
    with factory() as session:
        _lock_file(session, sha256)
        run = session.scalar(
            select(ProvisioningRun).where(ProvisioningRun.file_sha256 == sha256)
            .order_by(ProvisioningRun.started_at).limit(1)
        )
        if run is None:
            now = clock.now()
            run = ProvisioningRun(
                id=new_id(), file_name=file_name[:255], file_sha256=sha256, started_at=now,
                lines_done=0, created=0, unchanged=0, errors=0,
                started_by=actor.display_name[:128],
            )
            session.add(run)
            entry = audit.Entry(action="create", resource_kind=RESOURCE, patient_id=None,
                                resource_id=run.id, outcome=audit.Outcome.SUCCESS,
                                legal_basis=basis, detail=f"{file_name[:200]} sha256:{sha256}")
            audit.append(session, actor, entry, at=now, request_id=request_id.get())
        session.commit()
        return run


def _lock_file(session: Session, sha256: str) -> None:
    # PostgreSQL: two imports of one new file must not open two runs. SQLite already holds
    # the database write lock (BEGIN IMMEDIATE).
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:f))"), {"f": sha256})


def finish_run(factory: sessionmaker[Session], clock: Clock, run_id: str) -> None:
    with factory() as session:
        session.execute(
            update(ProvisioningRun)
            .where(ProvisioningRun.id == run_id, ProvisioningRun.finished_at.is_(None))
            .values(finished_at=clock.now())
        )
        session.commit()


def run_view(factory: sessionmaker[Session], run_id: str,
             issues_shown: int = ISSUES_SHOWN) -> RunView:
    with factory() as session:
        run = session.get(ProvisioningRun, run_id)
        if run is None:
            raise NotFound.default()
        return RunView.of(run, first_issues(session, run_id, issues_shown))


def first_issues(session: Session, run_id: str, limit: int) -> list[ProvisioningIssue]:
    return list(session.scalars(
        select(ProvisioningIssue).where(ProvisioningIssue.run_id == run_id)
        .order_by(ProvisioningIssue.line_no).limit(limit)
    ))


def run_status(factory: sessionmaker[Session], clock: Clock, actor: Actor,
               run_id: str) -> RunView:
    """A run and its progress, for the insurer's client or an operator."""
    authorize_reading(factory, clock, actor)
    return run_view(factory, run_id[:36])


def run_of_file(factory: sessionmaker[Session], clock: Clock, actor: Actor,
                sha256: str) -> RunView:
    """The run of a file, found by the SHA-256 of its bytes, for the same readers as
    ``run_status``. Why: the import's answer comes only at its end, and its id with it;
    the sender knows the file's hash from the start, so he can follow a long import
    while it runs (the run exists once the body is received and checked)."""
    authorize_reading(factory, clock, actor)
    with factory() as session:
        run_id = session.scalar(
            select(ProvisioningRun.id).where(ProvisioningRun.file_sha256 == sha256.lower())
            .order_by(ProvisioningRun.started_at).limit(1)
        )
    if run_id is None:
        raise NotFound.default()
    return run_view(factory, run_id)
