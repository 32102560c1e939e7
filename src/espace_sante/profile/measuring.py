"""Adding and deleting measures: one, a blood pressure pair, or an import of many, all or
nothing. Each value is converted to its type's canonical unit and checked against
plausible bounds before anything is stored; the BMI follows every weight and height.

The policy is asked before anything is read (a stranger learns nothing from the checks),
then a measure said to come from a document must name one the sender sees in the dossier
(read through the dossier's own use case), and one unit of work stores every row.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from espace_sante.core import policy
from espace_sante.core.actors import Actor
from espace_sante.core.errors import InvalidInput, NotFound
from espace_sante.core.policy import Action, Resource
from espace_sante.core.services import Services
from espace_sante.dossier import service as dossier
from espace_sante.dossier.views import DocumentView
from espace_sante.profile import bmi
from espace_sante.profile.codes import MEASURE_TYPES, MeasureKind, SourceKind, Status
from espace_sante.profile.models import Measure, ProfileSettings
from espace_sante.profile.quantities import canonical
from espace_sante.profile.repository import MeasureRepository
from espace_sante.profile.support import (
    checked_instant,
    checked_ref,
    labelled,
    measure_view,
    source_for,
)
from espace_sante.profile.views import MeasureInput, MeasureView, NewMeasure
from espace_sante.profile.visibility import is_holder

MAX_BATCH = 5_000  # a 14-day glucose sensor: 4,032 readings


def bmi_typed() -> InvalidInput:
    return InvalidInput(
        "L'IMC se calcule à partir du poids et de la taille : il ne se saisit pas.",
        "The BMI is computed from the weight and the height: it cannot be entered.",
        {"field": "type"})


def add_measure(svc: Services, actor: Actor, patient_id: str,
                measure: MeasureInput) -> MeasureView:
    return add_measures(svc, actor, [NewMeasure(patient_id, measure)])[0]


def add_blood_pressure(svc: Services, actor: Actor, patient_id: str, systolic: float,
                       diastolic: float, effective_at: datetime, *, unit: str | None = None,
                       source: SourceKind | None = None,
                       source_ref: str | None = None) -> MeasureView:
    """Systolic and diastolic are stored together, in one measure (panel 85354-9)."""
    return add_measure(svc, actor, patient_id, MeasureInput(
        MeasureKind.BLOOD_PRESSURE, systolic, effective_at, unit, diastolic, source,
        source_ref))


def add_measures(svc: Services, actor: Actor, entries: Sequence[NewMeasure], *,
                 held: Collection[DocumentView] = ()) -> list[MeasureView]:
    """Store every measure or none (an app's sync, a laboratory's feed). Refusals name the
    entry's ``label``. ``held``: documents the caller was handed by the dossier itself (the
    extraction job gets its document from the deposit event); measures naming one of them
    need no second read of it, which the job, reading no document, could not do."""
    if not 1 <= len(entries) <= MAX_BATCH:
        raise InvalidInput(f"De 1 à {MAX_BATCH} mesures par envoi.",
                           f"From 1 to {MAX_BATCH} measures per submission.")
    spaces = list(dict.fromkeys(e.patient_id for e in entries))
    for patient_id in spaces:
        if not policy.decide(actor, Action.CREATE, Resource.MEASURE, patient_id).allowed:
            _audited_refusal(svc, actor, patient_id)
    _check_documents(svc, actor, entries, held)
    now = svc.clock.now()
    with svc.uow(actor) as uow:
        repo = MeasureRepository(uow)
        for patient_id in spaces:
            repo.authorize_create(patient_id)
        opted_out = _opted_out(uow.session, spaces)
        rows = []
        for entry in entries:
            with labelled(entry.label):
                rows.append(_row(actor, entry, now, entry.patient_id in opted_out))
        uow.session.add_all(rows)
        uow.session.flush()
        _refresh_bmis(uow.session, rows, now)
        views = [measure_view(r) for r in rows]
        uow.commit()
    return views


def delete_measure(svc: Services, actor: Actor, patient_id: str, measure_id: str,
                   kind: MeasureKind | None = None) -> None:
    """The holder deletes any measure he sees; a professional, an institution only what it
    recorded. The row stays (status deleted, in the history); the BMI follows."""
    with svc.uow(actor) as uow:
        row = MeasureRepository(uow).measure(patient_id, measure_id, Action.DELETE, kind)
        if not is_holder(actor, patient_id) and row.recorded_by != actor.subject_id:
            raise NotFound.default()
        if row.type == MeasureKind.BMI:
            raise InvalidInput(
                "L'IMC est calculé : supprimez le poids ou la taille dont il découle.",
                "The BMI is computed: delete the weight or the height it comes from.")
        now = svc.clock.now()
        row.status, row.deleted_at = Status.DELETED, now
        uow.session.flush()
        if row.type in bmi.INPUTS:
            bmi.refresh(uow.session, patient_id, row.effective_at, now)
        uow.commit()


def _audited_refusal(svc: Services, actor: Actor, patient_id: str) -> None:
    with svc.uow(actor) as uow:
        MeasureRepository(uow).authorize_create(patient_id)  # raises NotFound, audited
    raise NotFound.default()  # pragma: no cover - authorize raised


def _check_documents(svc: Services, actor: Actor, entries: Sequence[NewMeasure],
                     held: Collection[DocumentView] = ()) -> None:
    """A measure extracted from a document names one the sender sees (the dossier's read
    is audited like any other), or one the dossier handed it."""
    checked = {(d.patient_id, d.id) for d in held}
    for entry in entries:
        document_id = entry.measure.source_document_id
        if document_id is None or (entry.patient_id, document_id) in checked:
            continue
        if len(document_id) > 36:
            raise NotFound.default()
        dossier.get_document(svc, actor, entry.patient_id, document_id)
        checked.add((entry.patient_id, document_id))


def _opted_out(session: Session, spaces: list[str]) -> set[str]:
    return set(session.scalars(select(ProfileSettings.patient_id).where(
        ProfileSettings.patient_id.in_(spaces), ProfileSettings.extraction_opt_out.is_(True))))


def _row(actor: Actor, entry: NewMeasure, now: datetime, opted_out: bool) -> Measure:
    m, patient_id = entry.measure, entry.patient_id
    mtype = MEASURE_TYPES[m.type]
    if mtype.computed:
        raise bmi_typed()
    source = source_for(actor, patient_id, m.source)
    _check_provenance(source, m.source_document_id, opted_out)
    q = canonical(mtype, m.value, m.unit, m.value2)
    return Measure(
        patient_id=patient_id, type=m.type, value=q.value, value2=q.value2, unit=q.unit,
        original_value=q.original_value, original_value2=q.original_value2,
        original_unit=q.original_unit, effective_at=checked_instant(m.effective_at, now),
        source=source, source_ref=checked_ref(m.source_ref),
        source_document_id=m.source_document_id, recorded_by=actor.subject_id,
        status=Status.ACTIVE, recorded_at=now)


def _check_provenance(source: SourceKind, document_id: str | None, opted_out: bool) -> None:
    if (source is SourceKind.DOCUMENT) != (document_id is not None):
        raise InvalidInput(
            "Une valeur extraite d'un document doit nommer ce document, et lui seul.",
            "A value extracted from a document must name that document, and only it.",
            {"field": "source_document_id"})
    if source is SourceKind.DOCUMENT and opted_out:
        raise InvalidInput(
            "Le patient a refusé que des valeurs soient extraites de ses documents : rien "
            "n'a été enregistré.",
            "The patient opted out of values extracted from his documents: nothing was "
            "stored.", {"field": "source"})


def _refresh_bmis(session: Session, rows: list[Measure], now: datetime) -> None:
    """One pass per space, from its earliest new weight or height."""
    earliest: dict[str, datetime] = {}
    for row in rows:
        if row.type in bmi.INPUTS:
            known = earliest.get(row.patient_id, row.effective_at)
            earliest[row.patient_id] = min(known, row.effective_at)
    for patient_id, since in earliest.items():
        bmi.refresh(session, patient_id, since, now)
