"""The unit of work: one transaction, bound to one actor, that audits what it touches.

Use cases own it: ``with uow_factory(actor) as uow: ...; uow.commit()``. Repositories
never commit. ``authorize`` is the only way a repository asks the policy; a refusal is
written to the audit trail even though the use case's own changes roll back.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from types import TracebackType
from typing import Self

from sqlalchemy.orm import Session, sessionmaker

from espace_sante.core import audit, policy
from espace_sante.core.actors import Actor
from espace_sante.core.clock import Clock
from espace_sante.core.context import request_id
from espace_sante.core.errors import NotFound
from espace_sante.core.policy import Action, Decision, Resource

MAX_ID = 36
SpaceExists = Callable[[Session, str], bool]


class UnitOfWork:
    def __init__(
        self, factory: sessionmaker[Session], actor: Actor, clock: Clock,
        space_exists: SpaceExists,
    ) -> None:
        self._factory = factory
        self.actor = actor
        self.clock = clock
        self._space_exists = space_exists
        self._denials: list[audit.Entry] = []
        self.session: Session

    def __enter__(self) -> Self:
        self.session = self._factory()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.session.rollback()
        self.session.close()
        if self._denials:
            self._write_denials()

    def commit(self) -> None:
        self.session.commit()

    def record(self, entry: audit.Entry) -> None:
        audit.append(
            self.session, self.actor, entry, at=self.clock.now(), request_id=request_id.get()
        )

    def authorize(
        self, action: Action, resource: Resource, patient_id: str, resource_id: str | None = None
    ) -> Decision:
        """Ask the policy; audit a success in this transaction, or raise ``NotFound`` and
        audit the refusal in its own transaction (so it survives the rollback)."""
        decision = policy.decide(self.actor, action, resource, patient_id)
        entry = audit.Entry(
            action=action.value,
            resource_kind=resource.value,
            patient_id=patient_id,
            resource_id=resource_id,
            outcome=audit.Outcome.SUCCESS if decision.allowed else audit.Outcome.DENIED,
            legal_basis=decision.basis,
            detail=None if decision.allowed else decision.reason,
        )
        if not decision.allowed:
            self._denials.append(entry)
            raise NotFound.default()
        self.record(entry)
        return decision

    def _write_denials(self) -> None:
        with self._factory() as session:
            for entry in self._denials:
                pid = entry.patient_id
                if pid and (len(pid) > MAX_ID or not self._space_exists(session, pid)):
                    # A guessed id opens no chain: the refusal goes to the shared one.
                    entry = replace(entry, patient_id=None, resource_id=pid[:128])
                audit.append(
                    session, self.actor, entry, at=self.clock.now(), request_id=request_id.get()
                )
            session.commit()
        self._denials.clear()


UowFactory = Callable[[Actor], UnitOfWork]
