"""A client's Observation → the ``MeasureInput`` the profile's use cases take. The brick
converts, checks the bounds and refuses the typed BMI; this reads what FHIR says and
refuses, naming the element, what it cannot read:

- ``code``: a LOINC code of ``profile.codes`` (aliases included), or one of ``ALIASES``
  that senders use for the same measure; another LOINC code, or another terminology, is
  ``Unsupported`` (an import skips it and says so);
- the value: ``valueQuantity`` in UCUM (``system`` http://unitsofmeasure.org, or absent),
  or for a blood pressure the systolic and diastolic components, in one unit;
- ``status`` final, amended or corrected (a preliminary or cancelled value is not kept);
- ``effectiveDateTime`` (a day alone is midnight in Paris), ``effectiveInstant`` or
  ``effectivePeriod.start``;
- provenance: ``derivedFrom`` a ``DocumentReference/<id>`` makes a value extracted from
  that document; a ``device`` says a connected device measured it (for apps); the rest of
  who sent it comes from the sender (``support.source_for``), not from ``performer``;
- ``identifier[0].value``: the sender's own reference (``source_ref``).

``subject`` is left to the caller: a literal ``Patient/<id>`` for a create, a reference
inside the bundle for an import.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from espace_sante.fhir.dates import instant_of
from espace_sante.fhir.mapping.coding import LOINC, UCUM, Unsupported
from espace_sante.fhir.mapping.document_in import bad_request, check_resource
from espace_sante.profile.codes import BY_CODE, MEASURE_TYPES, MeasureKind, MeasureType, SourceKind
from espace_sante.profile.views import MeasureInput

# Codes senders use for a measure of ours, beyond ``profile.codes``: Synthea and older US
# Core profiles send the blood pressure as the panel 55284-4; an oral temperature is a
# body temperature (the FHIR vital-signs value set).
ALIASES: dict[str, MeasureKind] = {
    "55284-4": MeasureKind.BLOOD_PRESSURE,
    "8331-1": MeasureKind.TEMPERATURE,
}
KEPT_STATUSES = frozenset({"final", "amended", "corrected"})
_DOCUMENT = "DocumentReference/"


def incoming_measure(resource: Any, *, where: str) -> MeasureInput:
    check_resource(resource, "Observation", where=where)
    mtype = measure_type(resource, where)
    _check_status(resource, where)
    value, value2, unit = _values(resource, mtype, where)
    document_id = _document(resource, where)
    source = (SourceKind.DOCUMENT if document_id
              else SourceKind.DEVICE if resource.get("device") else None)
    return MeasureInput(
        type=mtype.kind, value=value, value2=value2, unit=unit,
        effective_at=_effective(resource, where), source=source,
        source_ref=_identifier(resource), source_document_id=document_id)


def kind_of(system: str | None, code: str) -> MeasureKind | None:
    """The measure type of a coding; ``system`` None: any system the code is known in."""
    if system in (None, LOINC) and code in ALIASES:
        return ALIASES[code]
    known = BY_CODE.get(code)
    if known is None:
        return None
    systems = {LOINC} if code == known.code else {c.system for c in known.also
                                                   if c.code == code}
    return known.kind if system is None or system in systems else None


def measure_type(resource: dict[str, Any], where: str) -> MeasureType:
    codings = (resource.get("code") or {}).get("coding") or []
    for coding in codings:
        kind = kind_of(coding.get("system") or "", str(coding.get("code")))
        if kind is not None:
            return MEASURE_TYPES[kind]
    loinc = [c.get("code") for c in codings if c.get("system") == LOINC]
    if loinc:
        raise Unsupported(
            f"{where} : code LOINC non pris en charge : {str(loinc[0])[:20]} (mesures prises "
            "en charge : voir /api/profile/measure-types).",
            f"{where}: LOINC code not supported: {str(loinc[0])[:20]} (supported measures: "
            "see /api/profile/measure-types).", {"field": "Observation.code"})
    system = str(codings[0].get("system") or "(sans système)") if codings else "(absent)"
    raise Unsupported(f"{where} : terminologie non prise en charge : {system[:80]} (LOINC "
                      "attendu).", f"{where}: code system not supported: {system[:80]} "
                      "(LOINC expected).", {"field": "Observation.code"})


def _check_status(resource: dict[str, Any], where: str) -> None:
    status = resource.get("status")
    if status not in KEPT_STATUSES:
        raise Unsupported(
            f"{where} : une mesure au statut {status} n'est pas conservée (final, amended ou "
            "corrected attendu).", f"{where}: a measure with status {status} is not kept "
            "(final, amended or corrected expected).", {"field": "Observation.status"})


def _values(resource: dict[str, Any], mtype: MeasureType,
            where: str) -> tuple[float, float | None, str | None]:
    if not mtype.components:
        value, unit = _quantity(resource.get("valueQuantity"), mtype, where,
                                "Observation.valueQuantity")
        return value, None, unit
    parts = []
    for part in mtype.components:
        component = next((c for c in resource.get("component") or [] if any(
            k.get("system") == LOINC and k.get("code") == part.code
            for k in (c.get("code") or {}).get("coding") or [])), None)
        if component is None:
            raise bad_request(where, f"composante {part.code} ({part.label[0]}) manquante.",
                              f"component {part.code} ({part.label[1]}) is missing.",
                              field="Observation.component")
        parts.append(_quantity(component.get("valueQuantity"), mtype, where,
                               f"Observation.component[{part.code}].valueQuantity"))
    (high, unit), (low, unit2) = parts
    if unit != unit2:
        raise bad_request(where, "les deux pressions doivent être dans la même unité.",
                          "both pressures must be in the same unit.",
                          field="Observation.component")
    return high, low, unit


def _quantity(quantity: Any, mtype: MeasureType, where: str,
              field: str) -> tuple[float, str | None]:
    if not isinstance(quantity, dict) or quantity.get("value") is None:
        raise bad_request(where, f"valeur manquante ({field}).", f"missing value ({field}).",
                          field=field)
    if quantity.get("system") not in (None, UCUM):
        raise bad_request(where, f"unité hors UCUM ({str(quantity.get('system'))[:80]}).",
                          f"unit outside UCUM ({str(quantity.get('system'))[:80]}).",
                          field=f"{field}.system")
    value = float(quantity["value"])
    if mtype.integer and not (math.isfinite(value) and value.is_integer()):
        raise Unsupported(f"{where} : {mtype.label[0]} : un score entier est attendu, pas "
                          f"{value:g}.", f"{where}: {mtype.label[1]}: a whole score is "
                          f"expected, not {value:g}.", {"field": field})
    unit = quantity.get("code") or quantity.get("unit")
    return value, str(unit) if unit is not None else None


def _effective(resource: dict[str, Any], where: str) -> datetime:
    text = (resource.get("effectiveDateTime") or resource.get("effectiveInstant")
            or (resource.get("effectivePeriod") or {}).get("start"))
    at = instant_of(text)
    if at is None:
        raise bad_request(
            where, "la date de la mesure (effectiveDateTime) est requise, au jour au moins, "
            "avec son fuseau horaire si elle précise l'heure.",
            "the measure's date (effectiveDateTime) is required, to the day at least, with "
            "its time zone when it gives the time.", field="Observation.effectiveDateTime")
    return at


def _document(resource: dict[str, Any], where: str) -> str | None:
    found = [str(d.get("reference") or "") for d in resource.get("derivedFrom") or []]
    documents = [r.removeprefix(_DOCUMENT) for r in found if r.startswith(_DOCUMENT)]
    if len(documents) != len(found) or len(documents) > 1 or any(
            not d or "/" in d for d in documents):
        raise bad_request(where, "derivedFrom ne peut désigner qu'un DocumentReference/<id>.",
                          "derivedFrom may only point at one DocumentReference/<id>.",
                          field="Observation.derivedFrom")
    return documents[0] if documents else None


def _identifier(resource: dict[str, Any]) -> str | None:
    identifiers = resource.get("identifier") or []
    value = identifiers[0].get("value") if identifiers else None
    return str(value) if value else None
