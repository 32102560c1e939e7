"""Searching measures across types and to the instant, and finding the space of an entry
or a measure named by its id alone: what a FHIR client asks (``GET /fhir/Observation?…``,
``GET /fhir/Condition/{id}``) and the pages' per-type history does not answer.

Same rules as every read of the brick: the policy is asked first and audited, the
actor's visibility filter (``visibility``) applies to every query, and anything the actor
may not see answers "not found", exactly like a missing row.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, func, select

from espace_sante.core import policy
from espace_sante.core.actors import Actor
from espace_sante.core.errors import InvalidInput, NotFound
from espace_sante.core.policy import Action, Resource
from espace_sante.core.services import Services
from espace_sante.profile.codes import MeasureKind
from espace_sante.profile.models import Measure, ProfileItem
from espace_sante.profile.repository import MeasureRepository
from espace_sante.profile.support import measure_view
from espace_sante.profile.views import MeasureView

MAX_PAGE = 100
MAX_ID = 36  # ids are UUIDs; a longer one is no row of ours


@dataclass(frozen=True)
class MeasureQuery:
    """Measures of one space. ``kinds``: empty for every type. ``since`` (inclusive) and
    ``before`` (exclusive) are aware instants; an empty interval matches nothing."""

    kinds: frozenset[MeasureKind] = frozenset()
    since: datetime | None = None
    before: datetime | None = None
    oldest_first: bool = False
    count: int = 20
    offset: int = 0


@dataclass(frozen=True)
class MeasureResults:
    measures: list[MeasureView]
    total: int  # how many match in all, beyond this page


def search_measures(svc: Services, actor: Actor, patient_id: str,
                    query: MeasureQuery) -> MeasureResults:
    _check(query)
    with svc.uow(actor) as uow:
        rows, total = _MeasureSearch(uow).search(patient_id, query)
        results = MeasureResults([measure_view(r) for r in rows], total)
        uow.commit()
    return results


def locate_measure(svc: Services, actor: Actor, measure_id: str) -> str:
    """The space of a measure addressed by id alone; "not found" (audited) for anyone who
    may not read that space's measures. The read itself is audited by the use case the
    caller runs next (``service.get_measure``)."""
    return _locate(svc, actor, Measure, Resource.MEASURE, measure_id)


def locate_item(svc: Services, actor: Actor, item_id: str) -> str:
    """The space of an entry of the profile addressed by id alone (see ``locate_measure``;
    the read that follows is ``service.get_item``)."""
    return _locate(svc, actor, ProfileItem, Resource.PROFILE, item_id)


def _check(query: MeasureQuery) -> None:
    if not 1 <= query.count <= MAX_PAGE or query.offset < 0:
        raise InvalidInput("Pagination invalide.", "Invalid pagination.")
    for instant in (query.since, query.before):
        if instant is not None and instant.tzinfo is None:
            raise InvalidInput("Une date de recherche doit préciser son fuseau horaire.",
                               "A search date must carry its time zone.")


def _locate(svc: Services, actor: Actor, table: type[Measure] | type[ProfileItem],
            resource: Resource, row_id: str) -> str:
    with svc.uow(actor) as uow:
        patient_id = None
        if len(row_id) <= MAX_ID:
            patient_id = uow.session.scalar(select(table.patient_id).where(table.id == row_id))
        target = patient_id or row_id  # a guessed id goes to the shared trail
        if patient_id is None or not policy.decide(
                actor, Action.READ, resource, patient_id).allowed:
            uow.authorize(Action.READ, resource, target, row_id[:128])
            raise NotFound.default()  # reached only if the policy changed in between
        return patient_id


class _MeasureSearch(MeasureRepository):
    def search(self, patient_id: str, query: MeasureQuery) -> tuple[list[Measure], int]:
        only = next(iter(query.kinds)).value if len(query.kinds) == 1 else None
        self.authorize(Action.SEARCH, Resource.MEASURE, patient_id, only)
        if query.since and query.before and query.since >= query.before:
            return [], 0
        where = self._matching(patient_id, query.kinds, query.since, query.before)
        total = self.session.scalar(select(func.count()).select_from(Measure).where(*where))
        keys = (Measure.effective_at, Measure.recorded_at, Measure.id)
        order = keys if query.oldest_first else tuple(k.desc() for k in keys)
        rows = self.session.scalars(select(Measure).where(*where).order_by(*order)
                                    .limit(query.count).offset(query.offset))
        return list(rows), int(total or 0)

    def _matching(self, patient_id: str, kinds: Collection[MeasureKind],
                  since: datetime | None,
                  before: datetime | None) -> list[ColumnElement[bool]]:
        where = self._visible(patient_id)
        if kinds:
            where.append(Measure.type.in_(sorted(kinds)))
        if since is not None:
            where.append(Measure.effective_at >= since)
        if before is not None:
            where.append(Measure.effective_at < before)
        return where

