"""``MeasureView`` → Observation, in the FR Core vital-sign profiles and, where FR Core has
none, the ANS *Mesures de santé* profiles that feed Mon Espace Santé (``profile.codes``
holds the codes, units and profiles; ``docs/profile.md`` the table).

- ``code``: the LOINC code of the type, then its other codings (a MES code, an alias);
  ``valueQuantity`` in the canonical UCUM unit (what is stored); a blood pressure is the
  panel 85354-9 with its systolic (8480-6) and diastolic (8462-4) components and no value
  of its own, as FR Core's profile has it.
- ``effectiveDateTime``: the instant of the measure; ``issued``: when it was recorded.
- Who: the source (``SourceKind``) becomes ``performer`` (the patient, a professional by
  RPPS, a hospital or laboratory by its client id) or ``device`` (an app, a connected
  device); a value extracted from a document is ``derivedFrom`` that DocumentReference; the
  computed BMI says so in ``method``.
- ``identifier``: the sender's own reference (``source_ref``), so an app finds its records.
"""

from __future__ import annotations

from typing import Any

from espace_sante.fhir.mapping.coding import (
    LOINC,
    OBSERVATION_CATEGORY,
    RPPS_SYSTEM,
    UCUM,
    instant,
    quantity_value,
)
from espace_sante.profile.codes import MEASURE_TYPES, MeasureKind, MeasureType, SourceKind
from espace_sante.profile.views import MeasureView

VITAL_SIGNS, LABORATORY, ACTIVITY, SURVEY = "vital-signs", "laboratory", "activity", "survey"
CATEGORY_DISPLAYS = {VITAL_SIGNS: "Vital Signs", LABORATORY: "Laboratory",
                     ACTIVITY: "Activity", SURVEY: "Survey"}
# The observation-category of each type: vital signs as FR Core and the FHIR vital-signs
# profile list them (waist with them, a body measurement); blood glucose and HbA1c are
# laboratory values, steps an activity, the pain score a reported assessment.
CATEGORIES: dict[MeasureKind, str] = {
    MeasureKind.WEIGHT: VITAL_SIGNS, MeasureKind.HEIGHT: VITAL_SIGNS,
    MeasureKind.BMI: VITAL_SIGNS, MeasureKind.HEART_RATE: VITAL_SIGNS,
    MeasureKind.WAIST: VITAL_SIGNS, MeasureKind.BLOOD_PRESSURE: VITAL_SIGNS,
    MeasureKind.HEAD_CIRCUMFERENCE: VITAL_SIGNS, MeasureKind.TEMPERATURE: VITAL_SIGNS,
    MeasureKind.STEPS: ACTIVITY, MeasureKind.PAIN: SURVEY,
    MeasureKind.GLYCAEMIA: LABORATORY, MeasureKind.INTERSTITIAL_GLUCOSE: LABORATORY,
    MeasureKind.HBA1C: LABORATORY, MeasureKind.GMI: LABORATORY,
}
_STATUSES = {"active": "final", "deleted": "entered-in-error"}
COMPUTED_METHOD = ("Calculé à partir du poids et de la taille mesurés à cet instant ou avant "
                   "(Espace Santé).")
_CLIENT = "client:"
_RPPS = "rpps:"


def observation(view: MeasureView) -> dict[str, Any]:
    mtype = MEASURE_TYPES[view.type]
    resource: dict[str, Any] = {
        "resourceType": "Observation", "id": view.id, "meta": {"profile": [mtype.profile]},
    }
    if view.source_ref:
        resource["identifier"] = [{"value": view.source_ref}]
    resource["status"] = _STATUSES.get(view.status.value, "final")
    resource["category"] = [category(view.type)]
    resource["code"] = code_of(mtype)
    resource["subject"] = {"reference": f"Patient/{view.patient_id}"}
    resource["effectiveDateTime"] = instant(view.effective_at)
    resource["issued"] = instant(view.recorded_at)
    resource.update(_who(view))
    if mtype.components:
        resource["component"] = _components(mtype, view)
    else:
        resource["valueQuantity"] = _quantity(mtype, view.value)
    if view.source is SourceKind.COMPUTED:
        resource["method"] = {"text": COMPUTED_METHOD}
    if view.source_document_id:
        resource["derivedFrom"] = [{"reference": f"DocumentReference/{view.source_document_id}"}]
    return resource


def category(kind: MeasureKind) -> dict[str, Any]:
    code = CATEGORIES[kind]
    return {"coding": [{"system": OBSERVATION_CATEGORY, "code": code,
                        "display": CATEGORY_DISPLAYS[code]}]}


def code_of(mtype: MeasureType) -> dict[str, Any]:
    codings = [{"system": LOINC, "code": mtype.code, "display": mtype.display}]
    codings += [{"system": c.system, "code": c.code, "display": c.display} for c in mtype.also]
    return {"coding": codings, "text": mtype.label[0]}


def _quantity(mtype: MeasureType, value: float) -> dict[str, Any]:
    return {"value": quantity_value(value), "unit": mtype.unit.display, "system": UCUM,
            "code": mtype.unit.code}


def _components(mtype: MeasureType, view: MeasureView) -> list[dict[str, Any]]:
    values = (view.value, view.value2)
    return [{"code": {"coding": [{"system": LOINC, "code": part.code, "display": part.display}]},
             "valueQuantity": _quantity(mtype, value)}
            for part, value in zip(mtype.components, values, strict=True) if value is not None]


def _who(view: MeasureView) -> dict[str, Any]:
    """``performer`` or ``device`` from the source and who recorded it."""
    recorder = view.recorded_by
    if view.source is SourceKind.PATIENT:
        return {"performer": [{"reference": f"Patient/{view.patient_id}"}]}
    if recorder.startswith(_RPPS):
        return {"performer": [{"type": "Practitioner", "identifier": {
            "system": RPPS_SYSTEM, "value": recorder.removeprefix(_RPPS)}}]}
    if view.source in (SourceKind.APP, SourceKind.DEVICE) and recorder.startswith(_CLIENT):
        return {"device": {"identifier": {"value": recorder.removeprefix(_CLIENT)},
                           "display": "Objet connecté" if view.source is SourceKind.DEVICE
                           else "Application"}}
    if recorder.startswith(_CLIENT):
        return {"performer": [{"type": "Organization",
                               "identifier": {"value": recorder.removeprefix(_CLIENT)}}]}
    return {}  # computed, or a job reading a document (derivedFrom says which)
