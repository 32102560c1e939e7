"""Values extracted from the documents that enter the dossier (DOMAIN.md: glycaemia, HbA1c,
height, weight and head circumference, unless the patient opts out).

Registered by ``bootstrap.register_bricks`` in ``dossier.events.DEPOSIT_LISTENERS``: once a
structured CDA is committed, its coded results whose LOINC code is one of these measures
(``codes.BY_CODE``, aliases included) become the patient's measures, source ``document``,
naming the document, in one ``add_measures`` call per document (all or nothing).

Who writes: the extraction job (``system_actor("extraction")``) under its own policy rule,
not the depositor: a hospital pushing documents may hold no Observation scope, and the
access history must say that the values were read from a document, not sent as measures.
Every write is authorised and audited in its unit of work, like any other.

- Each value is converted and checked by the brick first: one it would refuse (a unit it
  does not know, an implausible value, a date in the future) is skipped and logged
  without its value; the others are kept. A result without time takes the document's act
  date (midnight in Paris, as a CDA date without time), else its deposit time.
- A document hidden from someone (invisible to the patient until an announcement
  consultation, to the legal representatives, masked from professionals) yields nothing:
  measures carry no such flag, so its values would reach the very people it is hidden
  from.
- A new version of a document (``replaces_id``): its values are added, then those the job
  extracted from the version it replaces are retired (deleted, so kept in the history; the
  BMI follows). Every active value names the current version and none counts twice, even
  when the new version repeats the old one's values. Adding first means a failure between
  the two steps leaves a value twice, never none.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, time

from sqlalchemy import select

from espace_sante.accounts.dates import PARIS
from espace_sante.core import policy
from espace_sante.core.actors import system_actor
from espace_sante.core.errors import DomainError
from espace_sante.core.policy import Action, Resource
from espace_sante.core.services import Services
from espace_sante.dossier.cda_results import LabResult
from espace_sante.dossier.events import Deposited
from espace_sante.dossier.views import DocumentView
from espace_sante.profile import bmi, measuring
from espace_sante.profile.codes import BY_CODE, MeasureKind, MeasureType, SourceKind, Status
from espace_sante.profile.models import Measure, ProfileSettings
from espace_sante.profile.quantities import canonical
from espace_sante.profile.support import checked_instant
from espace_sante.profile.views import MeasureInput, NewMeasure

log = logging.getLogger(__name__)
EXTRACTOR = system_actor("extraction")
EXTRACTED = frozenset({MeasureKind.GLYCAEMIA, MeasureKind.HBA1C, MeasureKind.HEIGHT,
                       MeasureKind.WEIGHT, MeasureKind.HEAD_CIRCUMFERENCE})


def on_deposit(svc: Services, event: Deposited) -> None:
    """The deposit listener. Runs after the document's commit: whatever fails here is
    logged by the dossier, and the document stays."""
    document = event.document
    if event.results and _eligible(document) and not _opted_out(svc, document.patient_id):
        entries = measures_of(document, event.results, svc.clock.now())
        if entries:
            measuring.add_measures(svc, EXTRACTOR, entries, held=[document])
    if document.replaces_id:
        retire(svc, document.patient_id, document.replaces_id)


def measures_of(document: DocumentView, results: Sequence[LabResult],
                now: datetime) -> list[NewMeasure]:
    """The results that make acceptable measures, once each (a value repeated in the
    document at the same instant is one measure)."""
    entries: dict[tuple[MeasureKind, datetime, float], NewMeasure] = {}
    for n, result in enumerate(results):
        mtype = BY_CODE.get(result.loinc)
        if mtype is None or mtype.kind not in EXTRACTED:
            continue
        measure = MeasureInput(
            mtype.kind, result.value, result.effective_at or act_instant(document),
            _unit(mtype, result.unit), source=SourceKind.DOCUMENT,
            source_document_id=document.id)
        value = _accepted(mtype, measure, now, f"{document.id} results[{n}]")
        if value is not None:
            entries.setdefault((mtype.kind, measure.effective_at, value),
                               NewMeasure(document.patient_id, measure, f"results[{n}]"))
    return list(entries.values())


def act_instant(document: DocumentView) -> datetime:
    if document.act_date is None:
        return document.created_at
    return datetime.combine(document.act_date, time(0), tzinfo=PARIS)


def retire(svc: Services, patient_id: str, document_id: str) -> int:
    """Delete the job's own values extracted from ``document_id`` (a replaced version);
    each deletion is authorised and audited. Returns how many were retired."""
    if not policy.decide(EXTRACTOR, Action.DELETE, Resource.MEASURE, patient_id).allowed:
        return 0
    with svc.uow(EXTRACTOR) as uow:
        rows = list(uow.session.scalars(select(Measure).where(
            Measure.patient_id == patient_id, Measure.source_document_id == document_id,
            Measure.recorded_by == EXTRACTOR.subject_id, Measure.status == Status.ACTIVE)))
        if not rows:
            return 0
        now = svc.clock.now()
        for row in rows:
            uow.authorize(Action.DELETE, Resource.MEASURE, patient_id, row.id)
            row.status, row.deleted_at = Status.DELETED, now
        uow.session.flush()
        inputs = [r.effective_at for r in rows if r.type in bmi.INPUTS]
        if inputs:
            bmi.refresh(uow.session, patient_id, min(inputs), now)
        uow.commit()
    return len(rows)


def _eligible(document: DocumentView) -> bool:
    flags = document.flags
    return not (flags.invisible_to_patient or flags.invisible_to_representatives
                or flags.masked_from_professionals)


def _opted_out(svc: Services, patient_id: str) -> bool:
    """The job's own precondition, not a read of the patient's data (nothing of it leaves
    here); ``add_measures`` checks it again in its transaction."""
    with svc.uow(EXTRACTOR) as uow:
        row = uow.session.get(ProfileSettings, patient_id)
        return bool(row and row.extraction_opt_out)


def _unit(mtype: MeasureType, unit: str) -> str:
    """Laboratories often write UCUM in the wrong case (``mg/dl``, ``G/L``): a unit that
    matches exactly one of the type's units but for the case is that unit."""
    if mtype.unit_for(unit) is not None:
        return unit
    known = [u.code for u in (mtype.unit, *mtype.alternatives) if u.code.lower() == unit.lower()]
    return known[0] if len(known) == 1 else unit


def _accepted(mtype: MeasureType, measure: MeasureInput, now: datetime,
              where: str) -> float | None:
    """The canonical value the brick would store, or None (logged, without the value: no
    health data in the logs) for a result it would refuse."""
    try:
        checked_instant(measure.effective_at, now)
        return canonical(mtype, measure.value, measure.unit).value
    except DomainError as exc:
        log.info("extraction: %s (%s) skipped, %s", where, mtype.kind.value,
                 exc.details.get("field", "value"))
        return None
