"""Use cases of the profil médical: the sections and their entries, the measures (history,
charts, latest values) and the profile's settings. Each runs in one unit of work bound to
the actor, which asks the policy and writes the audit trail; front doors (pages, JSON,
FHIR, the PDF export) only call these. Writes live in ``entries`` and ``measuring``; this
module is the brick's one entry point.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete
from sqlalchemy.orm import Session

from espace_sante.core import policy
from espace_sante.core.actors import Actor
from espace_sante.core.errors import InvalidInput
from espace_sante.core.policy import Action, Resource
from espace_sante.core.services import Services
from espace_sante.profile import links
from espace_sante.profile.codes import (
    HBA1C_TARGET_RANGE,
    MEASURE_TYPES,
    SECTION_LABELS,
    MeasureKind,
    Section,
)
from espace_sante.profile.entries import (
    add_item,
    delete_item,
    documents_of,
    link_document,
    update_item,
)
from espace_sante.profile.measuring import (
    MAX_BATCH,
    add_blood_pressure,
    add_measure,
    add_measures,
    delete_measure,
)
from espace_sante.profile.models import Measure, ProfileItem, ProfileSettings
from espace_sante.profile.repository import ItemRepository, MeasureRepository
from espace_sante.profile.sections import SPECS
from espace_sante.profile.support import item_view, measure_view
from espace_sante.profile.views import (
    ItemView,
    MeasurePage,
    MeasureRange,
    MeasureView,
    SectionView,
    Series,
    SettingsChanges,
    SettingsView,
)
from espace_sante.profile.visibility import is_holder

__all__ = ["MAX_BATCH", "add_blood_pressure", "add_item", "add_measure", "add_measures",
           "delete_item", "delete_measure", "link_document", "update_item"]

MAX_PAGE = 100
MAX_POINTS = 10_000


@dataclass(frozen=True)
class Offered:
    """What the pages may offer an actor in a space, so that no button leads to a refusal.
    Asked of the policy, not audited: nothing is read here."""

    profile: bool
    add_items: bool
    edit_items: bool  # change entries and the settings
    delete_items: bool  # any entry (the holders); professionals delete their own anyway
    export: bool  # the PDF for a carer
    measures: bool
    add_measures: bool
    delete_measures: bool  # any measure (the holders)


def offered(actor: Actor, patient_id: str) -> Offered:
    def allowed(action: Action, resource: Resource) -> bool:
        return policy.decide(actor, action, resource, patient_id).allowed

    holder = is_holder(actor, patient_id)
    return Offered(
        profile=allowed(Action.SEARCH, Resource.PROFILE),
        add_items=allowed(Action.CREATE, Resource.PROFILE),
        edit_items=allowed(Action.UPDATE, Resource.PROFILE),
        delete_items=holder and allowed(Action.DELETE, Resource.PROFILE),
        export=allowed(Action.EXPORT, Resource.PROFILE),
        measures=allowed(Action.SEARCH, Resource.MEASURE),
        add_measures=allowed(Action.CREATE, Resource.MEASURE),
        delete_measures=holder and allowed(Action.DELETE, Resource.MEASURE),
    )


# -- sections and entries ---------------------------------------------------------------------


def list_sections(svc: Services, actor: Actor, patient_id: str) -> list[SectionView]:
    """Every section, in the order of the profile, with how many entries the reader sees."""
    with svc.uow(actor) as uow:
        counts = ItemRepository(uow).counts(patient_id)
        uow.commit()
    return [SectionView(s, *SECTION_LABELS[s], SPECS[s].single, counts.get(s, 0))
            for s in Section]


def list_items(svc: Services, actor: Actor, patient_id: str, section: Section | None = None,
               *, history: bool = False) -> list[ItemView]:
    """``history``: deleted entries too (the holders only; others never see them)."""
    with svc.uow(actor) as uow:
        rows = ItemRepository(uow).items(patient_id, section, history=history)
        targets = [links.target(Section(r.section), r.id) for r in rows]
        documents = documents_of(uow, patient_id, targets)
        views = [item_view(r, documents.get(t)) for r, t in zip(rows, targets, strict=True)]
        uow.commit()
    return views


def get_item(svc: Services, actor: Actor, patient_id: str, item_id: str) -> ItemView:
    with svc.uow(actor) as uow:
        row = ItemRepository(uow).item(patient_id, item_id, Action.READ, history=True)
        target = links.target(Section(row.section), row.id)
        view = item_view(row, documents_of(uow, patient_id, [target]).get(target))
        uow.commit()
    return view


# -- measures ----------------------------------------------------------------------------------


def get_measure(svc: Services, actor: Actor, patient_id: str, measure_id: str,
                kind: MeasureKind | None = None) -> MeasureView:
    """``kind``: the type the caller expects (an address naming it); another is not found."""
    with svc.uow(actor) as uow:
        row = MeasureRepository(uow).measure(patient_id, measure_id, Action.READ, kind)
        view = measure_view(row)
        uow.commit()
    return view


def measure_history(svc: Services, actor: Actor, patient_id: str, kind: MeasureKind,
                    period: MeasureRange = MeasureRange(), *, count: int = 20,
                    offset: int = 0) -> MeasurePage:
    """One type's measures, newest first, a page at a time, within ``period``."""
    if not 1 <= count <= MAX_PAGE or offset < 0:
        raise InvalidInput("Pagination invalide.", "Invalid pagination.")
    _check_period(period)
    with svc.uow(actor) as uow:
        rows, total = MeasureRepository(uow).history(patient_id, kind, period, count, offset)
        page = MeasurePage(kind, [measure_view(r) for r in rows], total, offset, count)
        uow.commit()
    return page


def measure_series(svc: Services, actor: Actor, patient_id: str, kind: MeasureKind,
                   period: MeasureRange = MeasureRange(), *,
                   bound: int = MAX_POINTS) -> Series:
    """One type's points ordered by date, for a chart: at most ``bound`` (the most
    recent), never more than ``MAX_POINTS``."""
    if not 1 <= bound <= MAX_POINTS:
        raise InvalidInput(f"De 1 à {MAX_POINTS} points.", f"From 1 to {MAX_POINTS} points.")
    _check_period(period)
    with svc.uow(actor) as uow:
        points, truncated = MeasureRepository(uow).series(patient_id, kind, period, bound)
        uow.commit()
    return Series(kind, MEASURE_TYPES[kind].unit.code, points, truncated)


def latest_measures(svc: Services, actor: Actor, patient_id: str) -> list[MeasureView]:
    """The latest measure of each type the reader sees (the profile's summary)."""
    with svc.uow(actor) as uow:
        views = [measure_view(r) for r in MeasureRepository(uow).latest(patient_id)]
        uow.commit()
    return views


def _check_period(period: MeasureRange) -> None:
    if period.since and period.until and period.until < period.since:
        raise InvalidInput("La fin de la période précède son début.",
                           "The end of the period is before its start.", {"field": "until"})


# -- settings ----------------------------------------------------------------------------------


def get_settings(svc: Services, actor: Actor, patient_id: str) -> SettingsView:
    with svc.uow(actor) as uow:
        row = ItemRepository(uow).settings(patient_id, Action.READ)
        view = _settings_view(row)
        uow.commit()
    return view


def update_settings(svc: Services, actor: Actor, patient_id: str,
                    changes: SettingsChanges) -> SettingsView:
    target = _checked_target(changes.hba1c_target)
    with svc.uow(actor) as uow:
        row = ItemRepository(uow).settings(patient_id, Action.UPDATE)
        if row is None:
            row = ProfileSettings(patient_id=patient_id, extraction_opt_out=False)
            uow.session.add(row)
        if target is not None or changes.clear_hba1c_target:
            row.hba1c_target = target
        if changes.extraction_opt_out is not None:
            row.extraction_opt_out = changes.extraction_opt_out
        row.updated_at, row.updated_by = svc.clock.now(), actor.subject_id
        uow.session.flush()
        view = _settings_view(row)
        uow.commit()
    return view


def _checked_target(target: float | None) -> float | None:
    low, high = HBA1C_TARGET_RANGE
    if target is not None and not low <= target <= high:
        raise InvalidInput(
            f"Objectif d'HbA1c invalide : entre {low:g} et {high:g} %.",
            f"Invalid HbA1c target: between {low:g} and {high:g} %.",
            {"field": "hba1c_target"})
    return round(target, 1) if target is not None else None


def _settings_view(row: ProfileSettings | None) -> SettingsView:
    if row is None:
        return SettingsView(hba1c_target=None, extraction_opt_out=False, updated_at=None)
    return SettingsView(row.hba1c_target, row.extraction_opt_out, row.updated_at)


# -- purge ----------------------------------------------------------------------------------------


def purge_space(session: Session, patient_id: str) -> None:
    """Registered in ``accounts.closure.SPACE_PURGERS``: a purged space keeps no entry, no
    measure and no settings (the links to documents go with the documents)."""
    session.execute(delete(ProfileItem).where(ProfileItem.patient_id == patient_id))
    session.execute(delete(Measure).where(Measure.patient_id == patient_id))
    session.execute(delete(ProfileSettings).where(ProfileSettings.patient_id == patient_id))
