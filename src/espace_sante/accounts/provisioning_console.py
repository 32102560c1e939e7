"""The operator console's figures: provisioning runs, spaces per state, pending requests.

Counts and imports only: no name, no NIR, nothing of any space. Only operators see it; to
anyone else it does not exist. Reading it is not written to the audit trail: it touches
no patient space, and the trail is about who reached which space.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from espace_sante.accounts.models import Patient, ProvisioningRun, SpaceState
from espace_sante.accounts.provisioning_runs import RunView, first_issues
from espace_sante.core.actors import Actor, ActorKind
from espace_sante.core.clock import Clock
from espace_sante.core.errors import NotFound

SOON = timedelta(days=7)
RUNS_SHOWN = 20
ISSUES_SHOWN = 20


class PendingRequests(BaseModel):
    horizon: datetime  # "soon" means before this instant
    windows_ending: int  # pending spaces whose opt-out window ends soon (or has ended)
    deletions_scheduled: int  # spaces closed and awaiting deletion (purge_due_at set)
    deletions_due: int  # of which due soon (or overdue)


class OperatorConsole(BaseModel):
    runs: list[RunView]  # newest first, each with its first refused lines
    states: dict[str, int]  # every state, zero included
    requests: PendingRequests


def operator_console(factory: sessionmaker[Session], clock: Clock, actor: Actor, *,
                     runs_shown: int = RUNS_SHOWN,
                     issues_shown: int = ISSUES_SHOWN) -> OperatorConsole:
    if actor.kind is not ActorKind.OPERATOR:
        raise NotFound.default()
    horizon = clock.now() + SOON
    with factory() as session:
        return OperatorConsole(
            runs=_runs(session, runs_shown, issues_shown),
            states=_states(session),
            requests=_requests(session, horizon),
        )


def _runs(session: Session, limit: int, issues_shown: int) -> list[RunView]:
    runs = session.scalars(
        select(ProvisioningRun).order_by(ProvisioningRun.started_at.desc()).limit(limit)
    )
    return [RunView.of(run, first_issues(session, run.id, issues_shown)) for run in runs]


def _states(session: Session) -> dict[str, int]:
    counts = {state.value: 0 for state in SpaceState}
    rows = session.execute(select(Patient.state, func.count()).group_by(Patient.state))
    counts.update({state: count for state, count in rows})
    return counts


def _requests(session: Session, horizon: datetime) -> PendingRequests:
    def count(*where: object) -> int:
        stmt = select(func.count()).select_from(Patient).where(*where)  # type: ignore[arg-type]
        return int(session.scalar(stmt) or 0)

    purge_set = (Patient.purge_due_at.is_not(None), Patient.deleted_at.is_(None))
    return PendingRequests(
        horizon=horizon,
        windows_ending=count(Patient.state == SpaceState.PENDING,
                             Patient.window_ends_at <= horizon),
        deletions_scheduled=count(*purge_set),
        deletions_due=count(*purge_set, Patient.purge_due_at <= horizon),
    )
