"""JSON API of the profil médical and the measures, for the patient's own tools, apps and
professionals' software: the same use cases as the pages and FHIR. Another person's
profile answers 404, exactly like a missing one. Values are checked by the use cases,
which say what is wrong in French (or English, ``Accept-Language: en``)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import AwareDatetime, BaseModel, Field

from espace_sante.core.errors import NotFound
from espace_sante.gateway.actor import CurrentActor, container
from espace_sante.profile import service as profile
from espace_sante.profile.codes import (
    MEASURE_TYPES,
    SECTION_LABELS,
    MeasureKind,
    Section,
    SourceKind,
)
from espace_sante.profile.sections import SPECS
from espace_sante.profile.views import (
    ItemChanges,
    ItemInput,
    ItemView,
    MeasureInput,
    MeasurePage,
    MeasureRange,
    MeasureView,
    NewMeasure,
    SectionView,
    Series,
    SettingsChanges,
    SettingsView,
)

router = APIRouter(prefix="/api", tags=["profile"])
SPACE = "/spaces/{patient_id}"
PROFILE, MEASURES = SPACE + "/profile", SPACE + "/measures"
FieldInput = str | int | bool | None
Since = Annotated[date | None, Query(description="From this day (Paris), inclusive.")]
Until = Annotated[date | None, Query(description="Until this day (Paris), inclusive.")]
# Why text rather than the enums: an unknown section or type is a missing resource (404),
# answered exactly like another patient's, not a malformed request (422).
SectionName = Annotated[str, Path(description=", ".join(Section))]
TypeName = Annotated[str, Path(description=", ".join(MeasureKind))]


def _section(name: str) -> Section:
    try:
        return Section(name)
    except ValueError:
        raise NotFound.default() from None


def _kind(name: str) -> MeasureKind:
    try:
        return MeasureKind(name)
    except ValueError:
        raise NotFound.default() from None


# -- reference data ------------------------------------------------------------------------


class FieldSchema(BaseModel):
    name: str
    label: str
    label_en: str
    kind: str
    required: bool
    choices: dict[str, str] = {}


class SectionSchema(BaseModel):
    section: Section
    label: str
    label_en: str
    single: bool
    coded: bool
    fields: list[FieldSchema]


class MeasureTypeSchema(BaseModel):
    type: MeasureKind
    code: str
    label: str
    label_en: str
    unit: str
    units: list[str]
    low: float
    high: float
    computed: bool
    profile: str


@router.get("/profile/sections", summary="The profile's sections and their fields")
def section_schemas() -> list[SectionSchema]:
    return [SectionSchema(
        section=s, label=SECTION_LABELS[s][0], label_en=SECTION_LABELS[s][1],
        single=SPECS[s].single, coded=SPECS[s].coded,
        fields=[FieldSchema(name=f.name, label=f.label[0], label_en=f.label[1],
                            kind=f.kind.value, required=f.required,
                            choices={code: labels[0] for code, labels in f.choices})
                for f in SPECS[s].fields]) for s in Section]


@router.get("/profile/measure-types",
            summary="Measure types: LOINC code, UCUM units, plausible bounds")
def measure_types() -> list[MeasureTypeSchema]:
    return [MeasureTypeSchema(
        type=t.kind, code=t.code, label=t.label[0], label_en=t.label[1], unit=t.unit.code,
        units=[u.code for u in (t.unit, *t.alternatives)], low=t.low, high=t.high,
        computed=t.computed, profile=t.profile) for t in MEASURE_TYPES.values()]


# -- sections and entries ----------------------------------------------------------------------


class NewItem(BaseModel):
    data: dict[str, FieldInput] = Field(max_length=20)
    code: str | None = Field(None, max_length=64)
    code_system: str | None = Field(None, max_length=255)
    source_ref: str | None = Field(None, max_length=128)
    document_ids: list[str] = Field(default_factory=list, max_length=20)


class ItemPatch(BaseModel):
    data: dict[str, FieldInput] = Field(default_factory=dict, max_length=20,
                                        description="Fields to change; null clears one.")
    code: str | None = Field(None, max_length=64, description='"" clears the code.')
    code_system: str | None = Field(None, max_length=255)


class SettingsPatch(BaseModel):
    hba1c_target: float | None = Field(None, description="%; null clears it.")
    extraction_opt_out: bool | None = None


@router.get(PROFILE, summary="The profile's sections and how many entries each holds")
def sections(request: Request, actor: CurrentActor, patient_id: str) -> list[SectionView]:
    return profile.list_sections(container(request), actor, patient_id)


@router.get(PROFILE + "/settings", summary="The profile's settings (HbA1c target…)")
def settings(request: Request, actor: CurrentActor, patient_id: str) -> SettingsView:
    return profile.get_settings(container(request), actor, patient_id)


@router.patch(PROFILE + "/settings", summary="Change the HbA1c target or the extraction opt-out")
def update_settings(request: Request, actor: CurrentActor, patient_id: str,
                    body: SettingsPatch) -> SettingsView:
    changes = SettingsChanges(
        hba1c_target=body.hba1c_target, extraction_opt_out=body.extraction_opt_out,
        clear_hba1c_target="hba1c_target" in body.model_fields_set and body.hba1c_target is None)
    return profile.update_settings(container(request), actor, patient_id, changes)


@router.get(PROFILE + "/items/{item_id}", summary="One entry of the profile")
def get_item(request: Request, actor: CurrentActor, patient_id: str, item_id: str) -> ItemView:
    return profile.get_item(container(request), actor, patient_id, item_id)


@router.patch(PROFILE + "/items/{item_id}", summary="Change an entry")
def update_item(request: Request, actor: CurrentActor, patient_id: str, item_id: str,
                body: ItemPatch) -> ItemView:
    changes = ItemChanges(body.data, body.code, body.code_system)
    return profile.update_item(container(request), actor, patient_id, item_id, changes)


@router.delete(PROFILE + "/items/{item_id}", status_code=204,
               summary="Delete an entry (it stays in the history)")
def delete_item(request: Request, actor: CurrentActor, patient_id: str,
                item_id: str) -> Response:
    profile.delete_item(container(request), actor, patient_id, item_id)
    return Response(status_code=204)


@router.put(PROFILE + "/items/{item_id}/documents/{document_id}",
            summary="Link a document of the dossier to an entry")
def link_document(request: Request, actor: CurrentActor, patient_id: str, item_id: str,
                  document_id: str) -> ItemView:
    return profile.link_document(container(request), actor, patient_id, item_id, document_id)


@router.delete(PROFILE + "/items/{item_id}/documents/{document_id}",
               summary="Unlink a document from an entry")
def unlink_document(request: Request, actor: CurrentActor, patient_id: str, item_id: str,
                    document_id: str) -> ItemView:
    return profile.link_document(container(request), actor, patient_id, item_id, document_id,
                                 linked=False)


@router.get(PROFILE + "/{section}", summary="The entries of a section")
def list_items(request: Request, actor: CurrentActor, patient_id: str, section: SectionName,
               history: bool = Query(False, description="Deleted entries too (holders).")
               ) -> list[ItemView]:
    return profile.list_items(container(request), actor, patient_id, _section(section),
                              history=history)


@router.post(PROFILE + "/{section}", status_code=201, summary="Add an entry to a section")
def add_item(request: Request, actor: CurrentActor, patient_id: str, section: SectionName,
             body: NewItem) -> ItemView:
    item = ItemInput(_section(section), body.data, body.code, body.code_system, body.source_ref,
                     tuple(body.document_ids))
    return profile.add_item(container(request), actor, patient_id, item)


# -- measures ---------------------------------------------------------------------------------


class NewMeasureBody(BaseModel):
    type: MeasureKind
    value: float = Field(description="Systolic pressure for a blood pressure.")
    unit: str | None = Field(None, max_length=20, description="UCUM; the type's own if absent.")
    diastolic: float | None = Field(None, description="Blood pressure only.")
    effective_at: AwareDatetime | None = Field(None, description="When; now if absent.")
    source: SourceKind | None = None
    source_ref: str | None = Field(None, max_length=128)
    source_document_id: str | None = Field(None, max_length=36)

    def measure(self, request: Request) -> MeasureInput:
        at = self.effective_at or container(request).clock.now()
        return MeasureInput(self.type, self.value, at, self.unit, self.diastolic, self.source,
                            self.source_ref, self.source_document_id)


class MeasureBatch(BaseModel):
    measures: list[NewMeasureBody] = Field(min_length=1, max_length=profile.MAX_BATCH)


@router.get(MEASURES, summary="The latest measure of each type")
def latest(request: Request, actor: CurrentActor, patient_id: str) -> list[MeasureView]:
    return profile.latest_measures(container(request), actor, patient_id)


@router.post(MEASURES, status_code=201, summary="Add a measure (converted, checked)")
def add_measure(request: Request, actor: CurrentActor, patient_id: str,
                body: NewMeasureBody) -> MeasureView:
    return profile.add_measure(container(request), actor, patient_id, body.measure(request))


@router.post(MEASURES + "/batch", status_code=201,
             summary="Add many measures, all or nothing (apps, devices, laboratories)")
def add_measures(request: Request, actor: CurrentActor, patient_id: str,
                 body: MeasureBatch) -> list[MeasureView]:
    entries = [NewMeasure(patient_id, m.measure(request), f"measures[{i}]")
               for i, m in enumerate(body.measures)]
    return profile.add_measures(container(request), actor, entries)


@router.get(MEASURES + "/{type}", summary="One type's measures, newest first")
def history(request: Request, actor: CurrentActor, patient_id: str, type: TypeName,
            since: Since = None, until: Until = None,
            count: int = Query(20, ge=1, le=100), offset: int = Query(0, ge=0)) -> MeasurePage:
    return profile.measure_history(container(request), actor, patient_id, _kind(type),
                                   MeasureRange(since, until), count=count, offset=offset)


@router.get(MEASURES + "/{type}/series", summary="One type's points by date, for a chart")
def series(request: Request, actor: CurrentActor, patient_id: str, type: TypeName,
           since: Since = None, until: Until = None,
           bound: int = Query(profile.MAX_POINTS, ge=1, le=profile.MAX_POINTS)) -> Series:
    return profile.measure_series(container(request), actor, patient_id, _kind(type),
                                  MeasureRange(since, until), bound=bound)


@router.get(MEASURES + "/{type}/{measure_id}", summary="One measure")
def get_measure(request: Request, actor: CurrentActor, patient_id: str, type: TypeName,
                measure_id: str) -> MeasureView:
    return profile.get_measure(container(request), actor, patient_id, measure_id, _kind(type))


@router.delete(MEASURES + "/{type}/{measure_id}", status_code=204,
               summary="Delete a measure (it stays in the history)")
def delete_measure(request: Request, actor: CurrentActor, patient_id: str, type: TypeName,
                   measure_id: str) -> Response:
    profile.delete_measure(container(request), actor, patient_id, measure_id, _kind(type))
    return Response(status_code=204)
