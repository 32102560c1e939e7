"""``POST /fhir`` with a transaction Bundle of a patient's records — a Synthea export,
another system's — imported into one space: measures (``Observation``) and entries of the
profile (``Condition``, ``AllergyIntolerance``, ``MedicationStatement`` and
``MedicationRequest`` as treatments, ``Immunization``, ``FamilyMemberHistory``,
``RelatedPerson``), all stored in one unit of work (``profile.imports``) or none.

- The space: ``POST /fhir?patient=Patient/<id>``, or the bundle's Patient entry when it
  carries the INS-NIR (found through the accounts brick, as documents are). The Patient
  entry itself is not imported: the space already has its identity. Every record must be
  about that patient (its subject the Patient entry, or ``Patient/<id>`` of the space):
  one stray subject refuses the bundle.
- Skipped and reported, never an error: other resource types (Encounter, Claim…), codes
  that are no measure of ours (cholesterol, smoking status…), void statuses, values the
  profile cannot hold as they are (a pain score with decimals); the BMI, computed from the
  weights and heights. When the sender may store measures but not entries of the profile
  (an app, a hospital: ``core.policy``), the entries are skipped and reported too.
- Refused, nothing stored, an OperationOutcome naming the entry: a malformed resource, an
  implausible value or unknown unit (the brick's checks), another patient's record, any
  policy refusal (404, as for a space one may not see).

The answer is a ``transaction-response``: per entry, ``201 Created`` with the location
of what it became, or ``200 OK`` with an OperationOutcome (information, warning) saying
why it was not imported.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from espace_sante.accounts.ins import INS_NIR_OID
from espace_sante.core.actors import Actor
from espace_sante.fhir.errors import BadRequest
from espace_sante.fhir.interactions import Resource, Services
from espace_sante.fhir.mapping.clinical import RESOURCE_TYPES
from espace_sante.fhir.mapping.clinical_in import PATIENT_ELEMENTS, incoming_entry
from espace_sante.fhir.mapping.coding import Unsupported
from espace_sante.fhir.mapping.document_in import bad_request
from espace_sante.fhir.mapping.observation_in import incoming_measure
from espace_sante.fhir.targets import patient_param, space_of
from espace_sante.fhir.validate import validated
from espace_sante.profile import service as profile
from espace_sante.profile.codes import MEASURE_TYPES
from espace_sante.profile.imports import Record, import_records
from espace_sante.profile.views import ItemView, MeasureView

MAX_ENTRIES = 20_000
Issue = tuple[str, str, str, str]  # severity, code, French, English


@dataclass(frozen=True)
class _Planned:
    """What one entry becomes: a record to store (with warnings), or issues alone."""

    record: Record | None
    issues: tuple[Issue, ...] = ()


def transaction(services: Services, actor: Actor, bundle: Any,
                params: Mapping[str, str]) -> Resource:
    entries = _entries(bundle)
    patient_id, patient_urls = _target(services, actor, entries, params)
    offered = profile.offered(actor, patient_id)
    # Entries are skipped only when the sender may store measures but not entries; one
    # who may store neither gets the brick's refusal (404), as for any space he cannot see.
    skip_entries = offered.add_measures and not offered.add_items
    plan = [_plan(i, e, patient_id, patient_urls, skip_entries) for i, e in enumerate(entries)]
    records = [p.record for p in plan if p.record is not None]
    views = iter(import_records(services, actor, patient_id, records) if records else [])
    return validated({"resourceType": "Bundle", "type": "transaction-response",
                      "entry": [_response(p, views) for p in plan]})


def _entries(bundle: Any) -> list[dict[str, Any]]:
    if not isinstance(bundle, dict) or bundle.get("type") != "transaction":
        raise bad_request("Bundle", "un Bundle de type transaction est attendu.",
                          "a transaction Bundle is expected.", field="Bundle.type")
    entries = bundle.get("entry")
    if not isinstance(entries, list) or not entries or len(entries) > MAX_ENTRIES:
        raise bad_request("Bundle", f"de 1 à {MAX_ENTRIES} entrées par lot.",
                          f"from 1 to {MAX_ENTRIES} entries per bundle.", field="Bundle.entry")
    for index, entry in enumerate(entries):
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if not isinstance(resource, dict) or not isinstance(resource.get("resourceType"), str):
            raise bad_request(f"entry[{index}]", "ressource manquante.", "missing resource.",
                              field=f"Bundle.entry[{index}].resource")
        method = (entry.get("request") or {}).get("method")
        if method not in (None, "POST"):
            raise bad_request(_where(index, entry), f"méthode {method} non prise en charge "
                              "dans une importation (POST attendu).", f"method {method} not "
                              "supported in an import (POST expected).",
                              field=f"Bundle.entry[{index}].request.method")
    return entries


def _target(services: Services, actor: Actor, entries: list[dict[str, Any]],
            params: Mapping[str, str]) -> tuple[str, frozenset[str]]:
    """The space, and the references that name its patient inside the bundle."""
    patients = [e for e in entries if e["resource"]["resourceType"] == "Patient"]
    if len(patients) > 1:
        raise bad_request("Bundle", "un lot importé concerne un seul patient.",
                          "an imported bundle is about one patient.", field="Bundle.entry")
    urls = {str(p.get("fullUrl")) for p in patients if p.get("fullUrl")}
    urls |= {f"Patient/{p['resource']['id']}" for p in patients if p["resource"].get("id")}
    if "patient" in params:
        patient_id = patient_param(params)
    elif patients and (nir := _nir(patients[0]["resource"])):
        patient_id = space_of(services, actor, (nir, None), "Patient")
    else:
        raise BadRequest(
            "Précisez l'espace à remplir : POST /fhir?patient=Patient/<id>, ou un Patient "
            f"portant l'INS-NIR ({INS_NIR_OID}).",
            "Give the space to fill: POST /fhir?patient=Patient/<id>, or a Patient "
            f"carrying the INS-NIR ({INS_NIR_OID}).")
    return patient_id, frozenset(urls | {f"Patient/{patient_id}"})


def _nir(patient: dict[str, Any]) -> str | None:
    for identifier in patient.get("identifier") or []:
        if identifier.get("system") in (INS_NIR_OID, f"urn:oid:{INS_NIR_OID}"):
            return str(identifier.get("value") or "")
    return None


def _plan(index: int, entry: dict[str, Any], patient_id: str, patient_urls: frozenset[str],
          skip_entries: bool) -> _Planned:
    resource, where = entry["resource"], _where(index, entry)
    kind = resource["resourceType"]
    if kind == "Patient":
        return _skipped("information", "informational",
                        f"{where} : non importé ; les données vont dans l'espace "
                        f"Patient/{patient_id}.",
                        f"{where}: not imported; the records go to the space "
                        f"Patient/{patient_id}.")
    if kind != "Observation" and kind not in PATIENT_ELEMENTS:
        return _skipped("warning", "not-supported",
                        f"{where} : type de ressource non importé.",
                        f"{where}: resource type not imported.")
    _check_patient(resource, where, patient_urls)
    if kind != "Observation" and skip_entries:
        return _skipped("warning", "forbidden",
                        f"{where} : cet envoi ne peut pas écrire le profil médical.",
                        f"{where}: this sender may not write the medical profile.")
    try:
        return _read(resource, kind, where)
    except Unsupported as exc:
        return _skipped("warning", "not-supported", exc.message, exc.message_en)


def _read(resource: dict[str, Any], kind: str, where: str) -> _Planned:
    if kind == "Observation":
        measure = incoming_measure(resource, where=where)
        if MEASURE_TYPES[measure.type].computed:
            return _skipped("information", "informational",
                            f"{where} : IMC non importé ; il est recalculé à partir du poids "
                            "et de la taille.", f"{where}: BMI not imported; it is computed "
                            "from the weight and the height.")
        ref = measure.source_ref or _sender_ref(resource)
        return _Planned(Record(replace(measure, source_ref=ref), where))
    incoming = incoming_entry(resource, kind, where=where)
    item = incoming.item()
    item = replace(item, source_ref=item.source_ref or _sender_ref(resource))
    warnings = tuple(("warning", "incomplete", fr, en) for fr, en in incoming.warnings)
    return _Planned(Record(item, where), warnings)


def _check_patient(resource: dict[str, Any], where: str, patient_urls: frozenset[str]) -> None:
    element = PATIENT_ELEMENTS.get(resource["resourceType"], "subject")
    reference = str((resource.get(element) or {}).get("reference") or "")
    if reference not in patient_urls:
        raise bad_request(where, f"{element} ne désigne pas le patient du lot "
                          f"({reference[:80] or 'absent'}) : rien n'a été importé.",
                          f"{element} does not name the bundle's patient "
                          f"({reference[:80] or 'missing'}): nothing was imported.",
                          field=f"{resource['resourceType']}.{element}")


def _response(planned: _Planned, views: Any) -> dict[str, Any]:
    response: dict[str, Any] = {"status": "200 OK"}
    if planned.record is not None:
        view = next(views)
        response = {"status": "201 Created", "location": _location(view)}
    if planned.issues:
        response["outcome"] = {"resourceType": "OperationOutcome", "issue": [
            {"severity": severity, "code": code, "diagnostics": f"{fr} / {en}"}
            for severity, code, fr, en in planned.issues]}
    return {"response": response}


def _location(view: MeasureView | ItemView) -> str:
    if isinstance(view, MeasureView):
        return f"Observation/{view.id}"
    return f"{RESOURCE_TYPES[view.section]}/{view.id}"


def _skipped(severity: str, code: str, message: str, message_en: str) -> _Planned:
    return _Planned(None, ((severity, code, message, message_en),))


def _sender_ref(resource: dict[str, Any]) -> str | None:
    # The sender's id of the record, kept as its reference (``source_ref``, 128 at most).
    rid = resource.get("id")
    return f"{resource['resourceType']}/{rid}"[:128] if rid else None


def _where(index: int, entry: Any) -> str:
    resource = entry.get("resource") if isinstance(entry, dict) else None
    kind = resource.get("resourceType") if isinstance(resource, dict) else None
    return f"entry[{index}] ({kind})"
