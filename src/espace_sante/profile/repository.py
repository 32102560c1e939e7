"""Entries, measures and settings seen through the access policy: every method asks the
policy first (``UnitOfWork.authorize``, audited), every query carries the actor's
visibility filter (``visibility.conditions``); the rest answers "not found", exactly like
a missing row."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import Session

from espace_sante.accounts.dates import end_of_day
from espace_sante.accounts.service import check_open_for
from espace_sante.core.errors import NotFound
from espace_sante.core.policy import Action, Resource
from espace_sante.core.uow import UnitOfWork
from espace_sante.profile import visibility
from espace_sante.profile.codes import MeasureKind, Section, Status
from espace_sante.profile.models import Measure, ProfileItem, ProfileSettings
from espace_sante.profile.views import MeasureRange, Point

MAX_ID = 128  # what the audit trail keeps of a guessed id
_ORDER = {section.value: rank for rank, section in enumerate(Section)}


class _Scoped:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow
        self.session: Session = uow.session

    def authorize(self, action: Action, resource: Resource, patient_id: str,
                  resource_id: str | None = None) -> None:
        self._uow.authorize(action, resource, patient_id,
                            resource_id[:MAX_ID] if resource_id else None)
        self._check_open(patient_id)

    def _check_open(self, patient_id: str) -> None:
        check_open_for(self.session, self._uow.actor, patient_id)


class ItemRepository(_Scoped):
    def counts(self, patient_id: str) -> dict[Section, int]:
        self.authorize(Action.SEARCH, Resource.PROFILE, patient_id)
        rows = self.session.execute(
            select(ProfileItem.section, func.count())
            .where(*self._visible(patient_id)).group_by(ProfileItem.section))
        return {Section(section): int(n) for section, n in rows}

    def items(self, patient_id: str, section: Section | None, *,
              history: bool = False) -> list[ProfileItem]:
        self.authorize(Action.SEARCH, Resource.PROFILE, patient_id)
        where = self._visible(patient_id, history=history)
        if section is not None:
            where.append(ProfileItem.section == section)
        # Sections in the profile's order; in each, dated entries newest first, then the
        # undated ones, newest first.
        stmt = select(ProfileItem).where(*where).order_by(
            ProfileItem.effective_date.desc().nulls_last(), ProfileItem.recorded_at.desc(),
            ProfileItem.id)
        return sorted(self.session.scalars(stmt), key=lambda r: _ORDER[r.section])

    def item(self, patient_id: str, item_id: str, action: Action, *,
             history: bool = False) -> ProfileItem:
        self.authorize(action, Resource.PROFILE, patient_id, item_id)
        row = self.session.scalar(select(ProfileItem).where(
            ProfileItem.id == item_id, *self._visible(patient_id, history=history)))
        if row is None:
            raise NotFound.default()
        return row

    def active_in(self, patient_id: str, section: Section) -> ProfileItem | None:
        """The entry of a one-value section, whoever recorded it (not a read: nothing of
        it is returned, only whether there is one)."""
        return self.session.scalar(select(ProfileItem).where(
            ProfileItem.patient_id == patient_id, ProfileItem.section == section,
            ProfileItem.status == Status.ACTIVE).limit(1))

    def add(self, row: ProfileItem) -> None:
        self.session.add(row)
        self.session.flush()

    def settings(self, patient_id: str, action: Action) -> ProfileSettings | None:
        self.authorize(action, Resource.PROFILE, patient_id, "settings")
        return self.session.get(ProfileSettings, patient_id)

    def _visible(self, patient_id: str, *,
                 history: bool = False) -> list[ColumnElement[bool]]:
        return visibility.conditions(ProfileItem, self._uow.actor, patient_id, history=history)


class MeasureRepository(_Scoped):
    def measure(self, patient_id: str, measure_id: str, action: Action,
                kind: MeasureKind | None = None) -> Measure:
        self.authorize(action, Resource.MEASURE, patient_id, measure_id)
        row = self.session.scalar(select(Measure).where(
            Measure.id == measure_id, *self._visible(patient_id)))
        if row is None or (kind is not None and row.type != kind):
            raise NotFound.default()
        return row

    def history(self, patient_id: str, kind: MeasureKind, period: MeasureRange,
                count: int, offset: int) -> tuple[list[Measure], int]:
        self.authorize(Action.SEARCH, Resource.MEASURE, patient_id, kind.value)
        where = self._of_kind(patient_id, kind, period)
        total = self.session.scalar(select(func.count()).select_from(Measure).where(*where))
        rows = self.session.scalars(self._newest_first(where).limit(count).offset(offset))
        return list(rows), int(total or 0)

    def series(self, patient_id: str, kind: MeasureKind, period: MeasureRange,
               bound: int) -> tuple[list[Point], bool]:
        """Up to ``bound`` points, oldest first; the most recent ones if there are more.
        Three columns rather than ORM objects: 10,000 points took 400 ms as objects and
        85 ms as rows (bench/measures.py)."""
        self.authorize(Action.SEARCH, Resource.MEASURE, patient_id, kind.value)
        stmt = (select(Measure.effective_at, Measure.value, Measure.value2)
                .where(*self._of_kind(patient_id, kind, period))
                .order_by(Measure.effective_at.desc(), Measure.recorded_at.desc(),
                          Measure.id.desc())
                .limit(bound + 1))
        rows = [Point(at, value, value2) for at, value, value2 in self.session.execute(stmt)]
        return rows[:bound][::-1], len(rows) > bound

    def latest(self, patient_id: str) -> list[Measure]:
        """The most recent measure of each type the actor sees."""
        self.authorize(Action.SEARCH, Resource.MEASURE, patient_id)
        rank = func.row_number().over(
            partition_by=Measure.type,
            order_by=(Measure.effective_at.desc(), Measure.recorded_at.desc(),
                      Measure.id.desc())).label("rank")
        ranked = select(Measure.id, rank).where(*self._visible(patient_id)).subquery()
        stmt = (select(Measure).join(ranked, ranked.c.id == Measure.id)
                .where(ranked.c.rank == 1).order_by(Measure.type))
        return list(self.session.scalars(stmt))

    def authorize_create(self, patient_id: str) -> None:
        self.authorize(Action.CREATE, Resource.MEASURE, patient_id)

    def _visible(self, patient_id: str) -> list[ColumnElement[bool]]:
        return visibility.conditions(Measure, self._uow.actor, patient_id)

    def _of_kind(self, patient_id: str, kind: MeasureKind,
                 period: MeasureRange) -> list[ColumnElement[bool]]:
        where = [*self._visible(patient_id), Measure.type == kind]
        if period.since:
            where.append(Measure.effective_at >= end_of_day(period.since - timedelta(days=1)))
        if period.until:
            where.append(Measure.effective_at < end_of_day(period.until))
        return where

    @staticmethod
    def _newest_first(where: list[ColumnElement[bool]]) -> Select[Measure]:
        return select(Measure).where(*where).order_by(
            Measure.effective_at.desc(), Measure.recorded_at.desc(), Measure.id.desc())
