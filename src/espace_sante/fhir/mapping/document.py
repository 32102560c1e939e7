"""``DocumentView`` ⇄ PDSm DocumentReference (DMP over FHIR: IHE MHD with the French PDSm
profiles, https://interop.esante.gouv.fr/ig/fhir/pdsm).

Conventions follow the PDSm examples (ansforge/IG-FHIR-PDSM4DMP-EEDS):

- the author is a *contained* Practitioner (or PractitionerRole) whose identifier is the
  national id of the professional (idNat_PS, system urn:oid:1.2.250.1.71.4.2.1), which
  for an RPPS holder is "8" + the 11-digit RPPS; we store the bare RPPS;
- the patient of an incoming document is a conditional reference on his INS-NIR
  (``Patient?identifier=urn:oid:1.2.250.1.213.1.4.8|<NIR>``);
- the format code is ``urn:ihe:iti:xds:2017:mimeTypeSufficient`` for every content, CDA
  included: the examples use no other, and the CI-SIS per-template codes would have to be
  read from the CDA header, which this layer does not parse;
- confidentiality: the HL7 v3 "N" label always (as the examples), plus one label per
  visibility flag from the NOS list TRE_A07 (MASQUE_PS, INVISIBLE_PATIENT,
  INVISIBLE_REPRESENTANTS_LEGAUX), the DMP's own vocabulary for who may see a document.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from espace_sante.accounts.ins import INS_NIR_OID
from espace_sante.dossier.codes import (
    CLASS_CODES,
    CLASS_SYSTEM,
    DOC_TYPES,
    LOINC,
    Status,
)
from espace_sante.dossier.views import Author, DocumentView, Flags

PDSM_DOCUMENT_REFERENCE = (
    "https://interop.esante.gouv.fr/ig/fhir/pdsm/StructureDefinition/"
    "pdsm-comprehensive-document-reference"
)
URI_SYSTEM = "urn:ietf:rfc:3986"
IDNPS_SYSTEM = "urn:oid:1.2.250.1.71.4.2.1"  # idNat_PS: "8" + RPPS for RPPS holders
RPPS_SYSTEM = "https://rpps.esante.gouv.fr"  # the bare RPPS (FR Core)
IDNST_SYSTEM = "urn:oid:1.2.250.1.71.4.2.2"  # idNat_Struct: "1" + FINESS for a FINESS
CONFIDENTIALITY_SYSTEM = "http://terminology.hl7.org/CodeSystem/v3-Confidentiality"
# The NOS publishes TRE_A07 as "Statut…" (older PDSm examples spell it "Status…"): the
# published URL is the one emitted; ``document_in`` reads the other spellings too.
VISIBILITY_SYSTEM = (
    "https://mos.esante.gouv.fr/NOS/TRE_A07-StatutVisibiliteDocument/FHIR/"
    "TRE-A07-StatutVisibiliteDocument"
)
FORMAT_SYSTEM = "http://ihe.net/fhir/ihe.formatcode.fhir/CodeSystem/formatcode"
MIME_TYPE_SUFFICIENT = "urn:ihe:iti:xds:2017:mimeTypeSufficient"

# TRE_A07 code → (the ``Flags`` field it sets, its display in the NOS list).
VISIBILITY_CODES: dict[str, tuple[str, str]] = {
    "MASQUE_PS": ("masked_from_professionals", "Masqué aux professionnels de santé"),
    "INVISIBLE_PATIENT": ("invisible_to_patient", "Non visible par le patient"),
    "INVISIBLE_REPRESENTANTS_LEGAUX": (
        "invisible_to_representatives", "Non visible par les représentants légaux du patient",
    ),
}
_STATUSES = {Status.CURRENT: "current", Status.REPLACED: "superseded",
             Status.DELETED: "entered-in-error"}
FINESS_PATTERN = re.compile(r"^\d[\dAB]\d{7}$")
RPPS_PREFIX = "8"


# --- Outgoing: what we hold → DocumentReference --------------------------------------------

def document_reference(view: DocumentView, *, patient_nir: str | None,
                       fhir_base: str) -> dict[str, Any]:
    """The PDSm comprehensive DocumentReference of one document; its content is served at
    ``{fhir_base}/Binary/{id}``. The SHA-256 we keep is not given: R4's ``attachment.hash``
    is a SHA-1, and a wrong digest is worse than none."""
    doc_type = DOC_TYPES.get(view.type_code)
    contained, authors = _author_resources(view.author)
    resource: dict[str, Any] = {
        "resourceType": "DocumentReference", "id": view.id,
        "meta": {"profile": [PDSM_DOCUMENT_REFERENCE]},
    }
    if contained:
        resource["contained"] = contained
    resource["masterIdentifier"] = _master_identifier(view.unique_id)
    resource["status"] = _STATUSES[view.status]
    resource["docStatus"] = "final"
    resource["type"] = {"coding": [{"system": doc_type.system if doc_type else LOINC,
                                    "code": view.type_code, "display": view.type_display}]}
    resource["category"] = [{"coding": [_class_coding(view.class_code)]}]
    resource["subject"] = _subject_reference(view.patient_id, patient_nir)
    resource["date"] = _instant(view.created_at)
    if authors:
        resource["author"] = authors
    if view.replaces_id:
        resource["relatesTo"] = [{"code": "replaces", "target": {
            "reference": f"DocumentReference/{view.replaces_id}"}}]
    resource["securityLabel"] = _security_labels(view.flags)
    resource["content"] = [_content(view, fhir_base)]
    if view.act_date is not None:
        resource["context"] = {"period": {"start": view.act_date.isoformat()}}
    return resource


def _master_identifier(unique_id: str) -> dict[str, Any]:
    # urn:ietf:rfc:3986 promises a URI: a bare CDA "root^extension" is given without it.
    if ":" in unique_id:
        return {"system": URI_SYSTEM, "value": unique_id}
    return {"value": unique_id}


def _class_coding(class_code: str) -> dict[str, Any]:
    coding = {"system": CLASS_SYSTEM, "code": class_code}
    if class_code in CLASS_CODES:
        coding["display"] = CLASS_CODES[class_code][0]
    return coding


def _subject_reference(patient_id: str, patient_nir: str | None) -> dict[str, Any]:
    subject: dict[str, Any] = {"reference": f"Patient/{patient_id}"}
    if patient_nir:
        subject["identifier"] = {"system": INS_NIR_OID, "value": patient_nir}
    return subject


def _instant(moment: datetime) -> str:
    # The bricks keep UTC; a naive value is read as such rather than emitted without the
    # timezone FHIR requires of a dateTime with a time.
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).isoformat()


def _author_resources(author: Author) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    contained: list[dict[str, Any]] = []
    # A system feed's author is its organisation alone (its name stands in ``name``).
    if author.rpps or (author.name and author.name != author.organisation):
        contained.append(_practitioner(author))
    if author.organisation:
        contained.append(_organization(author))
    return contained, [{"reference": f"#{r['id']}"} for r in contained]


def _practitioner(author: Author) -> dict[str, Any]:
    practitioner: dict[str, Any] = {"resourceType": "Practitioner", "id": "author"}
    if author.rpps:
        practitioner["identifier"] = [{"system": IDNPS_SYSTEM, "value": RPPS_PREFIX + author.rpps}]
    if author.name:
        practitioner["name"] = [{"text": author.name}]
    if author.profession:
        practitioner["qualification"] = [{"code": {"text": author.profession}}]
    return practitioner


def _organization(author: Author) -> dict[str, Any]:
    organization: dict[str, Any] = {"resourceType": "Organization", "id": "author-organisation"}
    # Only a FINESS makes an idNat_Struct; a feed's client id is ours, not a national id.
    if author.organisation_id and FINESS_PATTERN.match(author.organisation_id):
        organization["identifier"] = [{"system": IDNST_SYSTEM,
                                       "value": "1" + author.organisation_id}]
    organization["name"] = author.organisation
    return organization


def _security_labels(flags: Flags) -> list[dict[str, Any]]:
    labels = [{"coding": [{"system": CONFIDENTIALITY_SYSTEM, "code": "N", "display": "normal"}]}]
    for code, (field, display) in VISIBILITY_CODES.items():
        if getattr(flags, field):
            labels.append({"coding": [{"system": VISIBILITY_SYSTEM, "code": code,
                                       "display": display}]})
    return labels


def _content(view: DocumentView, fhir_base: str) -> dict[str, Any]:
    attachment: dict[str, Any] = {
        "contentType": view.format.value,
        "url": f"{fhir_base.rstrip('/')}/Binary/{view.id}",
        "size": view.size,
        "title": view.title,
    }
    if view.act_date is not None:
        attachment["creation"] = view.act_date.isoformat()
    return {"attachment": attachment, "format": {
        "system": FORMAT_SYSTEM, "code": MIME_TYPE_SUFFICIENT, "display": "mimeType Sufficient"}}
