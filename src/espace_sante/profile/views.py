"""What the profile's use cases take and give: plain data, no ORM objects, so the front
doors (pages, JSON, FHIR, the PDF export) never touch the tables."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

from espace_sante.profile.codes import MeasureKind, Section, SourceKind, Status

FieldValue = str | int | bool | date | None


# -- entries of the sections --------------------------------------------------------------


@dataclass(frozen=True)
class ItemInput:
    """A new entry. ``data`` holds the section's fields (``sections.SPECS``); a date may be
    a ``date`` or an ISO string. ``source_ref``: the sender's own reference (an app's
    record id, a hospital's stay number)."""

    section: Section
    data: Mapping[str, object]
    code: str | None = None
    code_system: str | None = None  # a URI: http://snomed.info/sct, urn:oid:…
    source_ref: str | None = None
    document_ids: tuple[str, ...] = ()  # documents of the dossier to link to it


@dataclass(frozen=True)
class ItemChanges:
    """Fields to change: a field given replaces the old value, a field given as None
    clears it; fields not given stay. ``code``/``code_system``: "" clears the code."""

    data: Mapping[str, object] = field(default_factory=dict)
    code: str | None = None
    code_system: str | None = None


@dataclass(frozen=True)
class ItemView:
    id: str
    patient_id: str
    section: Section
    data: Mapping[str, FieldValue]  # dates as ``date``
    code: str | None
    code_system: str | None
    effective_date: date | None
    source: SourceKind
    source_ref: str | None
    recorded_by: str  # the recording actor's subject id ("rpps:…", an app's client id)
    recorded_at: datetime
    updated_at: datetime
    status: Status
    deleted_at: datetime | None = None
    documents: tuple[str, ...] = ()  # ids of the linked documents the reader may see


@dataclass(frozen=True)
class SectionView:
    section: Section
    label: str  # French
    label_en: str
    single: bool  # one entry at most (blood group, trusted person…)
    entries: int  # active entries the reader sees


# -- measures -----------------------------------------------------------------------------


@dataclass(frozen=True)
class MeasureInput:
    """A measure as typed or sent. ``unit``: a UCUM code among the type's (its canonical
    unit if omitted). ``value2``: the diastolic pressure of a blood pressure. ``source``:
    what the sender says it is, checked against who sends it (``support.source_for``)."""

    type: MeasureKind
    value: float
    effective_at: datetime
    unit: str | None = None
    value2: float | None = None
    source: SourceKind | None = None
    source_ref: str | None = None  # a device's or app's reference, a lab's result id
    source_document_id: str | None = None  # the document it was extracted from


@dataclass(frozen=True)
class NewMeasure:
    """One measure of an import (``add_measures``): its space, and a label that names it
    in error messages ("entry[3]")."""

    patient_id: str
    measure: MeasureInput
    label: str | None = None


@dataclass(frozen=True)
class MeasureView:
    id: str
    patient_id: str
    type: MeasureKind
    value: float  # in ``unit``, the type's canonical UCUM unit
    value2: float | None  # diastolic pressure
    unit: str
    original_value: float
    original_value2: float | None
    original_unit: str
    effective_at: datetime
    source: SourceKind
    source_ref: str | None
    source_document_id: str | None
    recorded_by: str
    recorded_at: datetime
    status: Status


@dataclass(frozen=True)
class MeasurePage:
    type: MeasureKind
    measures: list[MeasureView]  # newest first
    total: int
    offset: int
    count: int


@dataclass(frozen=True)
class Point:
    at: datetime
    value: float
    value2: float | None = None


@dataclass(frozen=True)
class Series:
    """Points of one type ordered by date, for charts. ``truncated``: more points matched
    than the bound; the most recent ones are kept."""

    type: MeasureKind
    unit: str
    points: list[Point]
    truncated: bool


@dataclass(frozen=True)
class MeasureRange:
    since: date | None = None  # inclusive, Paris days
    until: date | None = None  # inclusive


# -- settings -----------------------------------------------------------------------------


@dataclass(frozen=True)
class SettingsView:
    hba1c_target: float | None  # %
    extraction_opt_out: bool
    updated_at: datetime | None


@dataclass(frozen=True)
class SettingsChanges:
    hba1c_target: float | None = None
    clear_hba1c_target: bool = False
    extraction_opt_out: bool | None = None
