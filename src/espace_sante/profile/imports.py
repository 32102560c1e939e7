"""An import into one space — a transaction bundle from a hospital's records or a patient's
own export (Synthea, FHIR ``POST /fhir``) — that stores measures and entries of the
sections together, all or nothing, in one unit of work.

Each record gets the checks of ``measuring.add_measures`` and ``entries.add_item`` (unit,
plausible bounds, the BMI never typed, a section's fields, one value per one-value
section); why not call them: each commits its own unit of work, and a bundle half stored
is what an import must never leave. What an import does not carry is refused: values
extracted from a document (``add_measures`` checks that document) and documents linked to
an entry. The policy is asked once per kind of record, before anything is read, and
audited; refusals name the record's ``label`` ("entry[3] (Observation) : …").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import Session

from espace_sante.core.actors import Actor
from espace_sante.core.errors import Conflict, InvalidInput
from espace_sante.core.policy import Action, Resource
from espace_sante.core.services import Services
from espace_sante.core.uow import UnitOfWork
from espace_sante.profile import bmi
from espace_sante.profile.codes import (
    MEASURE_TYPES,
    SECTION_LABELS,
    MeasureKind,
    SourceKind,
    Status,
)
from espace_sante.profile.fields import Json, checked_data, checked_section_code
from espace_sante.profile.measuring import MAX_BATCH, bmi_typed
from espace_sante.profile.models import Measure, ProfileItem
from espace_sante.profile.quantities import canonical
from espace_sante.profile.repository import ItemRepository, MeasureRepository
from espace_sante.profile.sections import SPECS, SectionSpec
from espace_sante.profile.support import (
    checked_instant,
    checked_ref,
    item_view,
    labelled,
    measure_view,
    source_for,
    today,
)
from espace_sante.profile.views import ItemInput, ItemView, MeasureInput, MeasureView

MAX_RECORDS = MAX_BATCH


@dataclass(frozen=True)
class Record:
    """A measure or an entry of a section; ``label`` names it in a refusal."""

    value: MeasureInput | ItemInput
    label: str | None = None


def import_records(svc: Services, actor: Actor, patient_id: str,
                   records: Sequence[Record]) -> list[MeasureView | ItemView]:
    """Store every record or none; the views come back in the records' order."""
    if not 1 <= len(records) <= MAX_RECORDS:
        raise InvalidInput(f"De 1 à {MAX_RECORDS} éléments par importation.",
                           f"From 1 to {MAX_RECORDS} records per import.")
    now = svc.clock.now()
    with svc.uow(actor) as uow:
        _authorize(uow, patient_id, records)
        day = today(svc)
        staged: list[Measure | ItemView] = []
        for record in records:
            with labelled(record.label):
                staged.append(_stage(uow, patient_id, record.value, now, day))
        uow.session.flush()
        _refresh_bmis(uow.session, patient_id, staged, now)
        views = [measure_view(s) if isinstance(s, Measure) else s for s in staged]
        uow.commit()
    return views


def _authorize(uow: UnitOfWork, patient_id: str, records: Sequence[Record]) -> None:
    if any(isinstance(r.value, MeasureInput) for r in records):
        MeasureRepository(uow).authorize_create(patient_id)
    if any(isinstance(r.value, ItemInput) for r in records):
        ItemRepository(uow).authorize(Action.CREATE, Resource.PROFILE, patient_id)


def _stage(uow: UnitOfWork, patient_id: str, value: MeasureInput | ItemInput,
           now: datetime, day: date) -> Measure | ItemView:
    if isinstance(value, MeasureInput):
        row = _measure(uow.actor, patient_id, value, now)
        uow.session.add(row)
        return row
    return _item(uow, patient_id, value, now, day)


def _measure(actor: Actor, patient_id: str, m: MeasureInput, now: datetime) -> Measure:
    mtype = MEASURE_TYPES[m.type]
    if mtype.computed:
        raise bmi_typed()
    if m.source_document_id is not None or m.source is SourceKind.DOCUMENT:
        raise InvalidInput(
            "Une importation ne porte pas de valeurs extraites d'un document.",
            "An import carries no values extracted from a document.", {"field": "source"})
    source = source_for(actor, patient_id, m.source)
    q = canonical(mtype, m.value, m.unit, m.value2)
    return Measure(
        patient_id=patient_id, type=m.type, value=q.value, value2=q.value2, unit=q.unit,
        original_value=q.original_value, original_value2=q.original_value2,
        original_unit=q.original_unit, effective_at=checked_instant(m.effective_at, now),
        source=source, source_ref=checked_ref(m.source_ref), source_document_id=None,
        recorded_by=actor.subject_id, status=Status.ACTIVE, recorded_at=now)


def _item(uow: UnitOfWork, patient_id: str, item: ItemInput, now: datetime,
          day: date) -> ItemView:
    spec = SPECS[item.section]
    if item.document_ids:
        raise InvalidInput("Une importation ne lie pas de documents aux entrées.",
                           "An import links no documents to entries.",
                           {"field": "document_ids"})
    data = checked_data(spec, item.data, day)
    code, system = checked_section_code(spec, item.code, item.code_system)
    repo = ItemRepository(uow)
    if spec.single and repo.active_in(patient_id, spec.section) is not None:
        label = SECTION_LABELS[spec.section]
        raise Conflict(f"La rubrique « {label[0]} » a déjà une valeur.",
                       f"The \"{label[1]}\" section already has a value.")
    row = ProfileItem(
        patient_id=patient_id, section=spec.section, data=data, code=code,
        code_system=system, effective_date=_effective_date(spec, data),
        source=source_for(uow.actor, patient_id, None), source_ref=checked_ref(item.source_ref),
        recorded_by=uow.actor.subject_id, status=Status.ACTIVE, recorded_at=now,
        updated_at=now)
    repo.add(row)
    return item_view(row)


def _effective_date(spec: SectionSpec, data: dict[str, Json]) -> date | None:
    value = data.get(spec.date_field) if spec.date_field else None
    return date.fromisoformat(value) if isinstance(value, str) else None


def _refresh_bmis(session: Session, patient_id: str, staged: Sequence[Measure | ItemView],
                  now: datetime) -> None:
    """Once, from the earliest weight or height imported (``bmi.refresh``)."""
    instants = [s.effective_at for s in staged
                if isinstance(s, Measure) and MeasureKind(s.type) in bmi.INPUTS]
    if instants:
        bmi.refresh(session, patient_id, min(instants), now)
