"""What the mappings of the profile share: code systems, concepts, instants, quantities and
the patient a client's resource names."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote

from espace_sante.accounts.dates import PARIS
from espace_sante.accounts.ins import INS_NIR_OID, parse_nir
from espace_sante.core.errors import InvalidInput
from espace_sante.fhir.errors import BadRequest
from espace_sante.fhir.mapping.document import RPPS_SYSTEM
from espace_sante.fhir.mapping.document_in import bad_request
from espace_sante.profile.codes import LOINC, UCUM

__all__ = ["LOINC", "RPPS_SYSTEM", "UCUM"]

OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
SNOMED = "http://snomed.info/sct"
# The terminologies an entry of the profile may be coded in: international ones and the
# French ones the ANS publishes (smt.esante.gouv.fr). A coding in another system is
# refused rather than stored as an opaque pair nobody can read back.
CLINICAL_SYSTEMS = frozenset({
    SNOMED,
    "http://hl7.org/fhir/sid/icd-10",  # CIM-10 (OMS)
    "http://www.whocc.no/atc",  # ATC
    "https://smt.esante.gouv.fr/terminologie-atc",
    "https://smt.esante.gouv.fr/terminologie-bdpm",  # médicaments et vaccins (CIS)
    "https://smt.esante.gouv.fr/terminologie-cip_ucd",
    "http://www.nlm.nih.gov/research/umls/rxnorm",  # RxNorm (imports: Synthea…)
    "http://hl7.org/fhir/sid/cvx",  # vaccins (CDC CVX)
})
_NIR_REFERENCE = f"Patient?identifier={INS_NIR_OID}|"
_PATIENT_REFERENCE = re.compile(r"^Patient/([A-Za-z0-9\-.]{1,64})$")


class Unsupported(BadRequest):
    """Valid FHIR that the profile does not hold (a LOINC code that is no measure of ours,
    an unknown terminology): refused on its own, skipped and reported in an import."""

    code = "not-supported"


def instant(moment: datetime) -> str:
    """In Paris time, as people of the service read it (the same instant): a measure sent
    for a day alone reads back on that day, at midnight. The bricks keep UTC; a naive
    value is read as such rather than emitted without the zone FHIR requires."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(PARIS).isoformat()


def quantity_value(value: float) -> int | float:
    """72.0 → 72: the value as stored, without a decimal it does not have."""
    return int(value) if float(value).is_integer() else value


def concept(text: str, code: str | None, system: str | None) -> dict[str, Any]:
    result: dict[str, Any] = {}
    if code and system:
        result["coding"] = [{"system": system, "code": code}]
    result["text"] = text
    return result


def coded(resource: dict[str, Any], element: str, where: str, *,
          systems: frozenset[str] = CLINICAL_SYSTEMS) -> tuple[str | None, str | None, str]:
    """(code, system, text) of a CodeableConcept: the first coding in a known system, the
    text (or that coding's display). Codings only in unknown systems are refused."""
    value = resource.get(element) or {}
    codings = [c for c in value.get("coding") or [] if c.get("code")]
    known = next((c for c in codings if c.get("system") in systems), None)
    if codings and known is None:
        system = codings[0].get("system") or "(sans système)"
        raise Unsupported(
            f"{where} : terminologie non prise en charge pour {element} : {system[:80]}.",
            f"{where}: code system not supported for {element}: {system[:80]}.",
            {"field": f"{resource.get('resourceType')}.{element}"})
    text = str(value.get("text") or (known or {}).get("display") or "").strip()
    if not text:
        raise bad_request(where, f"{element} : un libellé (text ou display) est requis.",
                          f"{element}: a label (text or display) is required.",
                          field=f"{resource.get('resourceType')}.{element}")
    if known is None:
        return None, None, text
    return str(known["code"]), str(known["system"]), text


def patient_reference(resource: dict[str, Any], element: str, *,
                      where: str) -> tuple[str | None, str | None]:
    """(NIR, None) for a reference on the INS-NIR, (None, id) for a literal
    ``Patient/<id>``; anything else is refused (a reference inside a bundle is resolved by
    the import before it asks)."""
    target = resource.get(element) or {}
    reference = unquote(str(target.get("reference") or ""))
    identifier = target.get("identifier") or {}
    field = f"{resource.get('resourceType')}.{element}"
    if reference.startswith(_NIR_REFERENCE):
        return _nir(reference.removeprefix(_NIR_REFERENCE), where, field), None
    if not reference and identifier.get("system") in (INS_NIR_OID, f"urn:oid:{INS_NIR_OID}"):
        return _nir(str(identifier.get("value") or ""), where, field), None
    match = _PATIENT_REFERENCE.match(reference)
    if match:
        return None, match.group(1)
    raise bad_request(
        where, f"le patient ({element}) doit être désigné par Patient/<id> ou par son "
        f"INS-NIR ({_NIR_REFERENCE}<NIR>).",
        f"the patient ({element}) must be given as Patient/<id> or by his INS-NIR "
        f"({_NIR_REFERENCE}<NIR>).", field=field)


def _nir(value: str, where: str, field: str) -> str:
    try:
        return parse_nir(value).full
    except InvalidInput as exc:
        raise bad_request(where, exc.message, exc.message_en, field=field) from exc
