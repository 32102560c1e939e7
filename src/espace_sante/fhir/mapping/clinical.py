"""Entries of the profile's sections (``ItemView``) → FHIR R4 resources:

| section | resource |
|---|---|
| allergies | AllergyIntolerance |
| diseases | Condition (category problem-list-item) |
| treatments | MedicationStatement |
| vaccinations | Immunization |
| family_history | FamilyMemberHistory |
| trusted_person, emergency_contacts | RelatedPerson |

The entry's text field (substance, condition, medicine, vaccine) is the concept's ``text``;
its code, when it has one, the concept's coding. Dates are days (``onsetDateTime``…).
Base FHIR profiles only: FR Core's RelatedPerson requires an identifier the profile does
not hold, and FR Core has no profile for the others. Fields FHIR has no element for (a
vaccine's status mandatory/recommended) are not sent and are kept by an update.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from espace_sante.fhir.mapping.coding import concept, instant
from espace_sante.profile.codes import Section
from espace_sante.profile.views import FieldValue, ItemView

BASE = "http://hl7.org/fhir/StructureDefinition/"
TERMINOLOGY = "http://terminology.hl7.org/CodeSystem/"
ALLERGY_CLINICAL = f"{TERMINOLOGY}allergyintolerance-clinical"
CONDITION_CLINICAL = f"{TERMINOLOGY}condition-clinical"
CONDITION_CATEGORY = f"{TERMINOLOGY}condition-category"
ROLE_CODE = f"{TERMINOLOGY}v3-RoleCode"
CONTACT_ROLE = f"{TERMINOLOGY}v2-0131"
FR_CORE_CONTACT = "https://hl7.fr/ig/fhir/core/CodeSystem/fr-core-cs-contact-relationship"
DATA_ABSENT = "http://hl7.org/fhir/StructureDefinition/data-absent-reason"

# family_history's relationship → v3 RoleCode (the value set of
# FamilyMemberHistory.relationship).
RELATIVES = {"mother": ("MTH", "mother"), "father": ("FTH", "father"),
             "sibling": ("SIB", "sibling"), "grandparent": ("GRPRN", "grandparent"),
             "child": ("CHILD", "child"), "other": ("FAMMEMB", "family member")}
# What a RelatedPerson is to the patient: the personne de confiance (FR Core's contact
# relationship "K") or an emergency contact (HL7 v2 table 0131 "C").
ROLES = {
    Section.TRUSTED_PERSON: (FR_CORE_CONTACT, "K", "Personne de confiance"),
    Section.EMERGENCY_CONTACTS: (CONTACT_ROLE, "C", "Emergency Contact"),
}


def clinical_resource(view: ItemView, today: date) -> dict[str, Any]:
    """The resource of one entry; ``today`` (Paris) tells an ongoing treatment."""
    resource_type, build = _BUILDERS[view.section]
    resource: dict[str, Any] = {"resourceType": resource_type, "id": view.id}
    if view.source_ref:
        resource["identifier"] = [{"value": view.source_ref}]
    resource.update(build(view, today))
    return resource


def _allergy(view: ItemView, today: date) -> dict[str, Any]:
    data = view.data
    out: dict[str, Any] = {
        "clinicalStatus": _status(ALLERGY_CLINICAL, "active"),
        "code": concept(str(data["substance"]), view.code, view.code_system),
        "patient": _patient(view),
    }
    _day(out, "onsetDateTime", data.get("since"))
    out["recordedDate"] = instant(view.recorded_at)
    if data.get("reaction") or data.get("severity"):
        out["reaction"] = [_reaction(data)]
    return out


def _reaction(data: Mapping[str, FieldValue]) -> dict[str, Any]:
    # A reaction needs a manifestation: one not told is said absent, not invented.
    manifestation = ({"text": str(data["reaction"])} if data.get("reaction") else
                     {"extension": [{"url": DATA_ABSENT, "valueCode": "unknown"}]})
    reaction: dict[str, Any] = {"manifestation": [manifestation]}
    if data.get("severity"):
        reaction["severity"] = data["severity"]  # mild | moderate | severe, as in FHIR
    return reaction


def _condition(view: ItemView, today: date) -> dict[str, Any]:
    data = view.data
    resolved = bool(data.get("resolved") or data.get("resolved_on"))
    out: dict[str, Any] = {
        "clinicalStatus": _status(CONDITION_CLINICAL, "resolved" if resolved else "active"),
        "category": [{"coding": [{"system": CONDITION_CATEGORY, "code": "problem-list-item",
                                  "display": "Problem List Item"}]}],
        "code": concept(str(data["condition"]), view.code, view.code_system),
        "subject": _patient(view),
    }
    _day(out, "onsetDateTime", data.get("since"))
    _day(out, "abatementDateTime", data.get("resolved_on"))
    out["recordedDate"] = instant(view.recorded_at)
    return out


def _treatment(view: ItemView, today: date) -> dict[str, Any]:
    data = view.data
    until = data.get("until")
    ended = isinstance(until, date) and until < today
    out: dict[str, Any] = {
        "status": "completed" if ended else "active",
        "medicationCodeableConcept": concept(str(data["medicine"]), view.code,
                                             view.code_system),
        "subject": _patient(view),
    }
    period: dict[str, Any] = {}
    _day(period, "start", data.get("since"))
    _day(period, "end", until)
    if period:
        out["effectivePeriod"] = period
    out["dateAsserted"] = instant(view.recorded_at)
    if data.get("dose"):
        out["dosage"] = [{"text": str(data["dose"])}]
    return out


def _vaccination(view: ItemView, today: date) -> dict[str, Any]:
    data = view.data
    out: dict[str, Any] = {
        "status": "completed",
        "vaccineCode": concept(str(data["vaccine"]), view.code, view.code_system),
        "patient": _patient(view),
    }
    _day(out, "occurrenceDateTime", data.get("date"))
    out["recorded"] = instant(view.recorded_at)
    if data.get("batch"):
        out["lotNumber"] = str(data["batch"])
    if data.get("dose_number"):
        out["protocolApplied"] = [{"doseNumberPositiveInt": data["dose_number"]}]
    return out


def _family(view: ItemView, today: date) -> dict[str, Any]:
    data = view.data
    code, display = RELATIVES[str(data["relationship"])]
    return {
        "status": "completed",
        "patient": _patient(view),
        "date": instant(view.recorded_at),
        "relationship": {"coding": [{"system": ROLE_CODE, "code": code, "display": display}]},
        "condition": [{"code": concept(str(data["condition"]), view.code, view.code_system)}],
    }


def _related(view: ItemView, today: date) -> dict[str, Any]:
    data = view.data
    system, code, display = ROLES[view.section]
    relationship: dict[str, Any] = {"coding": [{"system": system, "code": code,
                                                "display": display}]}
    if data.get("relationship"):
        relationship["text"] = str(data["relationship"])
    return {
        "active": True,
        "patient": _patient(view),
        "relationship": [relationship],
        "name": [{"text": str(data["name"])}],
        "telecom": [{"system": "phone", "value": str(data["phone"])}],
    }


def _patient(view: ItemView) -> dict[str, str]:
    return {"reference": f"Patient/{view.patient_id}"}


def _status(system: str, code: str) -> dict[str, Any]:
    return {"coding": [{"system": system, "code": code}]}


def _day(out: dict[str, Any], element: str, value: object) -> None:
    if isinstance(value, date):
        out[element] = value.isoformat()


_BUILDERS: dict[Section, tuple[str, Callable[[ItemView, date], dict[str, Any]]]] = {
    Section.ALLERGIES: ("AllergyIntolerance", _allergy),
    Section.DISEASES: ("Condition", _condition),
    Section.TREATMENTS: ("MedicationStatement", _treatment),
    Section.VACCINATIONS: ("Immunization", _vaccination),
    Section.FAMILY_HISTORY: ("FamilyMemberHistory", _family),
    Section.TRUSTED_PERSON: ("RelatedPerson", _related),
    Section.EMERGENCY_CONTACTS: ("RelatedPerson", _related),
}
RESOURCE_TYPES: dict[Section, str] = {s: t for s, (t, _) in _BUILDERS.items()}
