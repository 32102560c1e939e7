"""The BMI is computed, never typed: at every instant a weight or a height was measured,
from the latest weight and the latest height at or before that instant. Adding or
deleting a weight or a height at ``t`` can change every BMI from ``t`` on, so those are
recomputed in one pass (two queries and the changed rows), in the same transaction.

A BMI outside plausible bounds (a child's old height with an adult weight) is not stored:
each value was plausible, only their pairing is not, and the person fixes it by adding a
recent height.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from espace_sante.profile.codes import MEASURE_TYPES, MeasureKind, SourceKind, Status
from espace_sante.profile.models import Measure
from espace_sante.profile.quantities import bmi

BMI = MEASURE_TYPES[MeasureKind.BMI]
INPUTS = (MeasureKind.WEIGHT, MeasureKind.HEIGHT)
COMPUTED_BY = "computed"  # ``recorded_by`` of a BMI: no sender's read-back includes it


def refresh(session: Session, patient_id: str, since: datetime, now: datetime) -> None:
    wanted = _expected(session, patient_id, since)
    current = {m.effective_at: m for m in session.scalars(select(Measure).where(
        Measure.patient_id == patient_id, Measure.type == MeasureKind.BMI,
        Measure.status == Status.ACTIVE, Measure.effective_at >= since))}
    for at, value in wanted.items():
        row = current.pop(at, None)
        if row is None:
            session.add(_row(patient_id, at, value, now))
        elif row.value != value:
            row.value = row.original_value = value
            row.recorded_at = now
    for row in current.values():  # its weight or height is gone
        row.status, row.deleted_at = Status.DELETED, now
    session.flush()


def _expected(session: Session, patient_id: str, since: datetime) -> dict[datetime, float]:
    latest = {kind: _value_before(session, patient_id, kind, since) for kind in INPUTS}
    wanted: dict[datetime, float] = {}
    for kind, at, value in _inputs_from(session, patient_id, since):
        latest[kind] = value
        weight, height = latest[MeasureKind.WEIGHT], latest[MeasureKind.HEIGHT]
        if weight is not None and height is not None:
            computed = bmi(weight, height)
            if BMI.low <= computed <= BMI.high:
                wanted[at] = computed
            else:
                wanted.pop(at, None)
    return wanted


def _inputs_from(session: Session, patient_id: str,
                 since: datetime) -> Iterable[tuple[MeasureKind, datetime, float]]:
    rows = session.execute(
        select(Measure.type, Measure.effective_at, Measure.value)
        .where(Measure.patient_id == patient_id, Measure.type.in_(INPUTS),
               Measure.status == Status.ACTIVE, Measure.effective_at >= since)
        .order_by(Measure.effective_at, Measure.recorded_at, Measure.id))
    return ((MeasureKind(kind), at, value) for kind, at, value in rows)


def _value_before(session: Session, patient_id: str, kind: MeasureKind,
                  since: datetime) -> float | None:
    return session.scalar(
        select(Measure.value)
        .where(Measure.patient_id == patient_id, Measure.type == kind,
               Measure.status == Status.ACTIVE, Measure.effective_at < since)
        .order_by(Measure.effective_at.desc(), Measure.recorded_at.desc(), Measure.id.desc())
        .limit(1))


def _row(patient_id: str, at: datetime, value: float, now: datetime) -> Measure:
    return Measure(
        patient_id=patient_id, type=MeasureKind.BMI, value=value, value2=None,
        unit=BMI.unit.code, original_value=value, original_value2=None,
        original_unit=BMI.unit.code, effective_at=at, source=SourceKind.COMPUTED,
        recorded_by=COMPUTED_BY, status=Status.ACTIVE, recorded_at=now)
