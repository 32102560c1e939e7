"""A client's AllergyIntolerance, Condition, MedicationStatement (or, in an import,
MedicationRequest), Immunization, FamilyMemberHistory or RelatedPerson → the section and
fields of a profile entry (the reverse of ``clinical``). The brick checks the fields
(lengths, dates, choices, phones); this reads FHIR and refuses, naming the element, what
it cannot read. A status saying the record is void (entered-in-error, refuted, not-done,
not-taken…) is ``Unsupported``: refused on its own, skipped and reported in an import.

``fields`` holds every field the resource carries, None where it is absent, so that an
update clears what the client left out; fields FHIR has no element for are not in it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from espace_sante.fhir.dates import day_of
from espace_sante.fhir.mapping.clinical import (
    CONTACT_ROLE,
    FR_CORE_CONTACT,
    RELATIVES,
    ROLE_CODE,
)
from espace_sante.fhir.mapping.coding import Unsupported, coded
from espace_sante.fhir.mapping.document_in import bad_request, check_resource
from espace_sante.profile.codes import Section
from espace_sante.profile.views import ItemChanges, ItemInput

Fields = dict[str, object]


@dataclass(frozen=True)
class IncomingEntry:
    section: Section
    fields: Fields
    code: str | None = None
    code_system: str | None = None
    source_ref: str | None = None
    warnings: tuple[tuple[str, str], ...] = field(default=())  # (French, English)

    def item(self) -> ItemInput:
        data = {k: v for k, v in self.fields.items() if v is not None}
        return ItemInput(self.section, data, self.code, self.code_system, self.source_ref)

    def changes(self) -> ItemChanges:
        return ItemChanges(self.fields, self.code or "", self.code_system or "")


# The element naming the patient, per resource type.
PATIENT_ELEMENTS = {"AllergyIntolerance": "patient", "Condition": "subject",
                    "MedicationStatement": "subject", "MedicationRequest": "subject",
                    "Immunization": "patient", "FamilyMemberHistory": "patient",
                    "RelatedPerson": "patient"}
_RELATIVES_IN = {code: name for name, (code, _) in RELATIVES.items()} | {
    "NMTH": "mother", "NFTH": "father", "BRO": "sibling", "SIS": "sibling",
    "HBRO": "sibling", "HSIS": "sibling", "HSIB": "sibling", "NSIB": "sibling",
    "TWIN": "sibling", "GRMTH": "grandparent", "GRFTH": "grandparent",
    "SON": "child", "DAU": "child", "SONC": "child", "DAUC": "child", "NCHILD": "child",
}


def incoming_entry(resource: Any, resource_type: str, *, where: str) -> IncomingEntry:
    check_resource(resource, resource_type, where=where)
    return _READERS[resource_type](resource, where)


def _allergy(r: dict[str, Any], where: str) -> IncomingEntry:
    _void(r, where, verification=("refuted", "entered-in-error"),
          clinical=("inactive", "resolved"))
    code, system, text = coded(r, "code", where)
    reaction = (r.get("reaction") or [{}])[0]
    manifestation = (reaction.get("manifestation") or [{}])[0]
    label = manifestation.get("text") or next(
        (c.get("display") for c in manifestation.get("coding") or [] if c.get("display")), None)
    return IncomingEntry(Section.ALLERGIES, {
        "substance": text, "reaction": label, "severity": reaction.get("severity"),
        "since": _day(r.get("onsetDateTime"))}, code, system, _identifier(r))


def _condition(r: dict[str, Any], where: str) -> IncomingEntry:
    _void(r, where, verification=("refuted", "entered-in-error"))
    code, system, text = coded(r, "code", where)
    status = _code_of(r.get("clinicalStatus"))
    resolved_on = _day(r.get("abatementDateTime"))
    resolved = status in ("resolved", "inactive", "remission") or resolved_on is not None
    return IncomingEntry(Section.DISEASES, {
        "condition": text, "since": _day(r.get("onsetDateTime")),
        "resolved": True if resolved else None, "resolved_on": resolved_on},
        code, system, _identifier(r))


def _statement(r: dict[str, Any], where: str) -> IncomingEntry:
    if r.get("status") in ("entered-in-error", "not-taken"):
        raise _void_status(where, str(r["status"]))
    code, system, text = _medication(r, where)
    period = r.get("effectivePeriod") or {}
    dosage = (r.get("dosage") or [{}])[0]
    return IncomingEntry(Section.TREATMENTS, {
        "medicine": text, "dose": dosage.get("text"),
        "since": _day(r.get("effectiveDateTime") or period.get("start")),
        "until": _day(period.get("end"))}, code, system, _identifier(r))


def _request(r: dict[str, Any], where: str) -> IncomingEntry:
    """A prescription read as a treatment (imports): since its date, until the end of its
    validity when it says one."""
    if r.get("status") in ("entered-in-error", "cancelled", "draft"):
        raise _void_status(where, str(r["status"]))
    code, system, text = _medication(r, where)
    dosage = (r.get("dosageInstruction") or [{}])[0]
    validity = (r.get("dispenseRequest") or {}).get("validityPeriod") or {}
    until = _day(validity.get("end"))
    warnings: tuple[tuple[str, str], ...] = ()
    if r.get("status") in ("stopped", "completed") and until is None:
        warnings = ((f"{where} : traitement {r['status']} importé sans date de fin (la "
                     "prescription n'en donne pas).",
                     f"{where}: {r['status']} treatment imported without an end date (the "
                     "prescription gives none)."),)
    return IncomingEntry(Section.TREATMENTS, {
        "medicine": text, "dose": dosage.get("text"), "since": _day(r.get("authoredOn")),
        "until": until}, code, system, _identifier(r), warnings)


def _vaccination(r: dict[str, Any], where: str) -> IncomingEntry:
    if r.get("status") != "completed":
        raise _void_status(where, str(r.get("status")))
    code, system, text = coded(r, "vaccineCode", where)
    day = _day(r.get("occurrenceDateTime"))
    if day is None:
        raise bad_request(where, "la date de la vaccination (occurrenceDateTime) est requise.",
                          "the vaccination's date (occurrenceDateTime) is required.",
                          field="Immunization.occurrenceDateTime")
    protocol = (r.get("protocolApplied") or [{}])[0]
    return IncomingEntry(Section.VACCINATIONS, {
        "vaccine": text, "date": day, "batch": r.get("lotNumber"),
        "dose_number": protocol.get("doseNumberPositiveInt")}, code, system, _identifier(r))


def _family(r: dict[str, Any], where: str) -> IncomingEntry:
    if r.get("status") == "entered-in-error":
        raise _void_status(where, "entered-in-error")
    conditions = r.get("condition") or []
    if len(conditions) != 1:
        raise bad_request(where, "un antécédent familial porte exactement une affection "
                          "(condition).", "a family history entry holds exactly one "
                          "condition.", field="FamilyMemberHistory.condition")
    code, system, text = coded({"resourceType": "FamilyMemberHistory", **conditions[0]},
                               "code", where)
    return IncomingEntry(Section.FAMILY_HISTORY, {
        "relationship": _relative(r), "condition": text}, code, system, _identifier(r))


def _related(r: dict[str, Any], where: str) -> IncomingEntry:
    section, text = _role(r, where)
    names = r.get("name") or [{}]
    name = names[0].get("text") or " ".join(
        [*names[0].get("given", []), names[0].get("family", "")]).strip()
    phone = next((t.get("value") for t in r.get("telecom") or []
                  if t.get("system") == "phone" and t.get("value")), None)
    return IncomingEntry(section, {"name": name or None, "phone": phone,
                                   "relationship": text}, source_ref=_identifier(r))


def _medication(r: dict[str, Any], where: str) -> tuple[str | None, str | None, str]:
    if "medicationCodeableConcept" not in r:
        raise Unsupported(f"{where} : seul medicationCodeableConcept est pris en charge "
                          "(pas medicationReference).", f"{where}: only "
                          "medicationCodeableConcept is supported (not medicationReference).",
                          {"field": f"{r['resourceType']}.medication"})
    return coded(r, "medicationCodeableConcept", where)


def _relative(r: dict[str, Any]) -> str:
    codings = (r.get("relationship") or {}).get("coding") or []
    code = next((c.get("code") for c in codings if c.get("system") == ROLE_CODE), None)
    return _RELATIVES_IN.get(str(code), "other")


def _role(r: dict[str, Any], where: str) -> tuple[Section, str | None]:
    """The section from the role coding; the relationship's words (``text``) kept."""
    section, text = None, None
    for relationship in r.get("relationship") or []:
        for coding in relationship.get("coding") or []:
            pair = (coding.get("system"), coding.get("code"))
            if pair == (FR_CORE_CONTACT, "K"):
                section = Section.TRUSTED_PERSON
            elif pair == (CONTACT_ROLE, "C"):
                section = Section.EMERGENCY_CONTACTS
        text = text or relationship.get("text")
    if section is None:
        raise Unsupported(
            f"{where} : précisez le rôle (relationship) : personne de confiance "
            f"({FR_CORE_CONTACT}|K) ou contact d'urgence ({CONTACT_ROLE}|C).",
            f"{where}: give the role (relationship): trusted person ({FR_CORE_CONTACT}|K) "
            f"or emergency contact ({CONTACT_ROLE}|C).", {"field": "RelatedPerson.relationship"})
    return section, text


def _void(r: dict[str, Any], where: str, *, verification: tuple[str, ...] = (),
          clinical: tuple[str, ...] = ()) -> None:
    for element, void in (("verificationStatus", verification), ("clinicalStatus", clinical)):
        status = _code_of(r.get(element))
        if status in void:
            raise _void_status(where, f"{element} {status}")


def _void_status(where: str, status: str) -> Unsupported:
    return Unsupported(f"{where} : statut {status} : rien à conserver dans le profil.",
                       f"{where}: status {status}: nothing to keep in the profile.",
                       {"field": "status"})


def _code_of(value: Any) -> str | None:
    codings = (value or {}).get("coding") or []
    return str(codings[0].get("code")) if codings else None


def _day(text: object) -> str | None:
    day = day_of(text)
    return day.isoformat() if day else None


def _identifier(r: dict[str, Any]) -> str | None:
    identifiers = r.get("identifier") or []
    value = identifiers[0].get("value") if identifiers else None
    return str(value) if value else None


_READERS: dict[str, Callable[[dict[str, Any], str], IncomingEntry]] = {
    "AllergyIntolerance": _allergy, "Condition": _condition,
    "MedicationStatement": _statement, "MedicationRequest": _request,
    "Immunization": _vaccination, "FamilyMemberHistory": _family, "RelatedPerson": _related,
}
