"""``PatientView`` → FR Core Patient (FR Core 2.2, https://hl7.fr/ig/fhir/core).

Conventions follow the FR Core examples: the INS-NIR identifier typed with FR Core's
v2-0203 code system, the official (birth) name whose ``given`` holds the first birth given
name and whose ``birth-list-given-name`` extension holds them all, the usual name only
when one is recorded, and the birth place as an INSEE commune code.

Why ``fr-core-patient`` and not ``fr-core-patient-ins``: the INS profile requires the
identity-reliability extension (identity status VALI/QUAL…), which the accounts brick does
not record yet; claiming it would be false.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from espace_sante.accounts.ins import INS_NIR_OID
from espace_sante.accounts.service import PatientView

FR_CORE_PATIENT = "https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-patient"
FR_CORE_V2_0203 = "https://hl7.fr/ig/fhir/core/CodeSystem/fr-core-cs-v2-0203"
BIRTH_LIST_GIVEN_NAME = (
    "https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-patient-birth-list-given-name"
)
BIRTH_PLACE = "http://hl7.org/fhir/StructureDefinition/patient-birthPlace"
INSEE_CODE = "https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-address-insee-code"
INSEE_COMMUNES = "https://mos.esante.gouv.fr/NOS/TRE_R13-CommuneOM/FHIR/TRE-R13-CommuneOM"

# Identifier systems we hold → FR Core identifier type. Only the NIR today; the NIA
# (temporary INS, urn:oid:1.2.250.1.213.1.4.9, use "temp") joins when accounts stores it.
_IDENTIFIER_TYPES = {INS_NIR_OID: ("INS-NIR", "official")}
_GENDERS = {"M": "male", "F": "female"}
# Space states (``accounts.models.SpaceState`` values; front doors never import models).
# Why: a closed or opposed space is no longer in use; a pending one (opt-out window
# running) is neither yet, so ``active`` is left out rather than guessed.
_ACTIVE = {"active": True, "closed": False, "opposed": False}


def patient_resource(view: PatientView, *, last_updated: datetime | None = None) -> dict[str, Any]:
    """The FR Core Patient of one space. ``meta.lastUpdated`` only when the brick knows it."""
    meta: dict[str, Any] = {"profile": [FR_CORE_PATIENT]}
    if last_updated is not None:
        meta["lastUpdated"] = last_updated.isoformat()
    resource: dict[str, Any] = {"resourceType": "Patient", "id": view.id, "meta": meta}
    birth_place = _birth_place(view.birth_place_code)
    if birth_place is not None:
        resource["extension"] = [birth_place]
    resource["identifier"] = [_ins_identifier(view)]
    if view.state in _ACTIVE:
        resource["active"] = _ACTIVE[view.state]
    resource["name"] = _names(view)
    resource["gender"] = _GENDERS.get(view.sex, "unknown")
    resource["birthDate"] = view.birth_date.isoformat()
    return resource


def _ins_identifier(view: PatientView) -> dict[str, Any]:
    code, use = _IDENTIFIER_TYPES[view.ins_system]
    return {
        "use": use,
        "type": {"coding": [{"system": FR_CORE_V2_0203, "code": code}]},
        "system": view.ins_system,
        "value": view.nir,
    }


def _names(view: PatientView) -> list[dict[str, Any]]:
    given = view.first_names.split()
    official: dict[str, Any] = {
        "extension": [{"url": BIRTH_LIST_GIVEN_NAME, "valueString": " ".join(given)}],
        "use": "official",
        "family": view.birth_family_name,
        "given": given[:1],
    }
    names = [official]
    if view.used_family_name:
        # Only the used family name is recorded: no used given name is invented.
        names.append({"use": "usual", "family": view.used_family_name})
    return names


def _birth_place(insee_code: str) -> dict[str, Any] | None:
    # Why: codes 99xxx name a foreign country, not a commune; FR Core binds this
    # extension (required) to the commune code system, so we say nothing rather than
    # something false.
    if not insee_code or insee_code.startswith("99"):
        return None
    coding = {"system": INSEE_COMMUNES, "code": insee_code}
    return {
        "url": BIRTH_PLACE,
        "valueAddress": {"extension": [{"url": INSEE_CODE, "valueCoding": coding}]},
    }
