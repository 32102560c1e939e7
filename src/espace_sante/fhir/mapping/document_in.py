"""A client's PDSm DocumentReference → what the dossier's use cases take (ITI-65 entries
and ITI-105 bodies): metadata, patient, author, content and replaced document, each fault
a 400 naming its place. See ``document`` for the conventions of the PDSm examples."""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import unquote

from fhir.resources.R4B import get_fhir_model_class
from pydantic import ValidationError

from espace_sante.accounts.ins import INS_NIR_OID, parse_nir
from espace_sante.core.errors import InvalidInput
from espace_sante.dossier.codes import (
    CLASS_CODES,
    CLASS_SYSTEM,
    DOC_TYPES,
    LOINC,
    LOINC_OID,
    TYPE_COMPLEMENT_OID,
    TYPE_COMPLEMENT_SYSTEM,
    Category,
)
from espace_sante.dossier.views import Author, Flags, Metadata
from espace_sante.fhir.errors import BadRequest
from espace_sante.fhir.mapping.document import (
    FINESS_PATTERN,
    IDNPS_SYSTEM,
    IDNST_SYSTEM,
    RPPS_SYSTEM,
    VISIBILITY_CODES,
    VISIBILITY_SYSTEM,
)

# The NOS publishes TRE_A07 as "Statut…"; older PDSm examples spell it "Status…", and the
# DMP's XDS side uses the OID: all three are read.
_VISIBILITY_SYSTEMS = frozenset({
    VISIBILITY_SYSTEM,
    VISIBILITY_SYSTEM.replace("Statut", "Status"),
    "urn:oid:1.2.250.1.213.1.1.4.13",
})
_TYPE_SYSTEMS = {LOINC: {LOINC, f"urn:oid:{LOINC_OID}"},
                 TYPE_COMPLEMENT_SYSTEM: {TYPE_COMPLEMENT_SYSTEM, f"urn:oid:{TYPE_COMPLEMENT_OID}"}}
_NIR_SUBJECT = f"Patient?identifier={INS_NIR_OID}|"
_PATIENT_REF = re.compile(r"^Patient/[A-Za-z0-9\-.]{1,64}$")


@dataclass(frozen=True)
class IncomingDocument:
    metadata: Metadata
    patient_nir: str | None  # from the conditional reference on the INS-NIR (key checked)
    patient_ref: str | None  # a literal "Patient/<id>"
    author: Author | None  # None when no contained author could be read
    content_type: str | None
    binary_ref: str | None  # attachment.url, as given
    inline_data: bytes | None  # attachment.data, decoded
    replaces: str | None  # a DocumentReference id, or "DocumentReference?identifier=…"


def bad_request(where: str, message: str, message_en: str, *,
                field: str | None = None) -> BadRequest:
    """A 400 whose message starts with the place of the fault (``entry[1] (Binary)``)."""
    return BadRequest(f"{where} : {message}", f"{where}: {message_en}",
                      {"field": field} if field else {})


def check_resource(resource: Any, resource_type: str, *, where: str) -> dict[str, Any]:
    """``resource`` as a dict, once it parses with its R4B model; the first fault names
    its field."""
    if not isinstance(resource, dict) or resource.get("resourceType") != resource_type:
        raise bad_request(where, f"une ressource {resource_type} est attendue.",
                          f"a {resource_type} resource is expected.")
    try:
        get_fhir_model_class(resource_type).model_validate(resource)
    except ValidationError as exc:
        error = exc.errors()[0]
        field = _path(error["loc"])
        raise bad_request(where, f"champ « {field} » invalide ({error['msg']}).",
                          f"invalid field '{field}' ({error['msg']}).",
                          field=f"{resource_type}.{field}") from exc
    except (ValueError, TypeError) as exc:
        raise bad_request(where, f"ressource invalide ({exc}).",
                          f"invalid resource ({exc}).") from exc
    return resource


def _path(loc: tuple[int | str, ...]) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc).lstrip(".")


def strict_base64(text: Any, *, where: str, field: str) -> bytes:
    """Decode base64 strictly (the R4B models let bad characters through); empty refused."""
    try:
        data = base64.b64decode("".join(str(text).split()), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise bad_request(where, f"« {field} » n'est pas du base64 valide.",
                          f"'{field}' is not valid base64.", field=field) from exc
    if not data:
        raise bad_request(where, f"« {field} » est vide.", f"'{field}' is empty.", field=field)
    return data


def incoming_document(resource: dict[str, Any], *, where: str) -> IncomingDocument:
    """Read a client's DocumentReference (ITI-65 entry or ITI-105 body). Display texts are
    ignored: codes alone carry meaning."""
    check_resource(resource, "DocumentReference", where=where)
    attachment = _attachment(resource, where)
    type_code = _type_code(resource, where)
    metadata = Metadata(
        title=_title(resource, attachment, where),
        type_code=type_code,
        act_date=_act_date(resource, attachment),
        category=_category(resource, type_code, where),
        flags=_flags(resource),
        unique_id=(resource.get("masterIdentifier") or {}).get("value"),
    )
    nir, ref = subject_patient(resource, where=where)
    data = attachment.get("data")
    return IncomingDocument(
        metadata=metadata, patient_nir=nir, patient_ref=ref, author=_author(resource),
        content_type=attachment.get("contentType"), binary_ref=attachment.get("url"),
        inline_data=None if data is None else strict_base64(
            data, where=where, field="DocumentReference.content[0].attachment.data"),
        replaces=_replaces(resource, where),
    )


def _attachment(resource: dict[str, Any], where: str) -> dict[str, Any]:
    content = resource.get("content") or []
    if len(content) != 1:
        raise bad_request(where, "le document doit avoir exactement un contenu (content).",
                          "the document must have exactly one content.",
                          field="DocumentReference.content")
    attachment: dict[str, Any] = content[0].get("attachment") or {}
    return attachment


def _type_code(resource: dict[str, Any], where: str) -> str:
    codings = (resource.get("type") or {}).get("coding") or []
    for coding in codings:
        doc_type = DOC_TYPES.get(coding.get("code", ""))
        if doc_type and coding.get("system", doc_type.system) in _TYPE_SYSTEMS[doc_type.system]:
            return doc_type.code
    code = codings[0].get("code", "?") if codings else "(absent)"
    raise bad_request(where, f"Type de document inconnu : {code} (liste JDV_J66 du CI-SIS).",
                      f"Unknown document type: {code} (CI-SIS JDV_J66 list).",
                      field="DocumentReference.type")


def _title(resource: dict[str, Any], attachment: dict[str, Any], where: str) -> str:
    title = (attachment.get("title") or resource.get("description") or "").strip()
    if not title:
        raise bad_request(where, "le document doit avoir un titre (attachment.title).",
                          "the document must have a title (attachment.title).",
                          field="DocumentReference.content[0].attachment.title")
    return str(title)


def _act_date(resource: dict[str, Any], attachment: dict[str, Any]) -> date | None:
    start = ((resource.get("context") or {}).get("period") or {}).get("start")
    text = start or attachment.get("creation")
    # The date as written at the source (its own timezone); a year or month alone says
    # too little to be an act date.
    return date.fromisoformat(text[:10]) if text and len(text) >= 10 else None


def _category(resource: dict[str, Any], type_code: str, where: str) -> Category | None:
    """The class code narrows nothing when it is the type's own (the type's category is
    finer: biology is class 10 like any report); another known class wins."""
    for concept in resource.get("category") or []:
        for coding in concept.get("coding") or []:
            if coding.get("system") != CLASS_SYSTEM:
                continue
            code = coding.get("code", "")
            if code not in CLASS_CODES:
                raise bad_request(
                    where, f"Classe de document inconnue : {code} (liste JDV_J57 du CI-SIS).",
                    f"Unknown document class: {code} (CI-SIS JDV_J57 list).",
                    field="DocumentReference.category")
            return None if code == DOC_TYPES[type_code].class_code else CLASS_CODES[code][1]
    return None


def _flags(resource: dict[str, Any]) -> Flags:
    # N/R/V say nothing the DMP acts on; the TRE_A07 codes decide who sees the document.
    fields = {VISIBILITY_CODES[coding["code"]][0]: True
              for label in resource.get("securityLabel") or []
              for coding in label.get("coding") or []
              if coding.get("system") in _VISIBILITY_SYSTEMS
              and coding.get("code") in VISIBILITY_CODES}
    return Flags(**fields)


def subject_patient(resource: dict[str, Any], *, where: str) -> tuple[str | None, str | None]:
    """(NIR, None) for a reference on the INS-NIR, (None, "Patient/<id>") for a literal one."""
    subject = resource.get("subject") or {}
    reference = unquote(subject.get("reference") or "")
    identifier = subject.get("identifier") or {}
    field = f"{resource.get('resourceType')}.subject"
    if reference.startswith(_NIR_SUBJECT):
        return _nir(reference.removeprefix(_NIR_SUBJECT), where, field), None
    if not reference and identifier.get("system") == INS_NIR_OID:
        return _nir(identifier.get("value") or "", where, field), None
    if _PATIENT_REF.match(reference):
        return None, reference
    raise bad_request(
        where, "le patient (subject) doit être désigné par son INS-NIR "
        f"({_NIR_SUBJECT}<NIR>) ou par Patient/<id>.",
        f"the patient (subject) must be given by his INS-NIR ({_NIR_SUBJECT}<NIR>) "
        "or as Patient/<id>.", field=field)


def _nir(value: str, where: str, field: str) -> str:
    try:
        return parse_nir(value).full
    except InvalidInput as exc:
        raise bad_request(where, exc.message, exc.message_en, field=field) from exc


def _replaces(resource: dict[str, Any], where: str) -> str | None:
    targets = []
    for relation in resource.get("relatesTo") or []:
        if relation.get("code") != "replaces":
            raise bad_request(
                where, f"relation non prise en charge : {relation.get('code')} "
                "(seule « replaces » l'est).",
                f"relation not supported: {relation.get('code')} (only 'replaces' is).",
                field="DocumentReference.relatesTo")
        targets.append(_replaced(relation.get("target") or {}, where))
    if len(targets) > 1:
        raise bad_request(where, "un document ne remplace qu'un seul document.",
                          "a document replaces one document only.",
                          field="DocumentReference.relatesTo")
    return targets[0] if targets else None


def _replaced(target: dict[str, Any], where: str) -> str:
    reference = target.get("reference") or ""
    if reference.startswith("DocumentReference/") and reference.count("/") == 1:
        return str(reference.removeprefix("DocumentReference/"))
    if reference.startswith("DocumentReference?identifier="):
        return str(reference)
    identifier = target.get("identifier") or {}
    if identifier.get("value"):
        system = identifier.get("system")
        value = f"{system}|{identifier['value']}" if system else identifier["value"]
        return f"DocumentReference?identifier={value}"
    raise bad_request(where, "le document remplacé doit être désigné par "
                      "DocumentReference/<id> ou par son identifiant.",
                      "the replaced document must be given as DocumentReference/<id> or "
                      "by its identifier.", field="DocumentReference.relatesTo.target")


def _author(resource: dict[str, Any]) -> Author | None:
    """The author from the contained resources the ``author`` references point at; a
    reference outside the resource is not followed (the use case falls back on the
    depositor)."""
    found = _author_parts(resource)
    person, role, org = (found.get(t) for t in ("Practitioner", "PractitionerRole",
                                                 "Organization"))
    rpps = _rpps(person) or _rpps(role)
    organisation = str(org["name"]) if org and org.get("name") else None
    # The PDSm examples name the author by his id alone: the name is then left blank for
    # the use case to fill from the directory (by RPPS).
    name = _person_name(person) or organisation or ""
    if not (rpps or name):
        return None
    return Author(name=name, rpps=rpps, organisation=organisation,
                  organisation_id=_finess(org), profession=_profession(person))


def _author_parts(resource: dict[str, Any]) -> dict[str, dict[str, Any]]:
    contained = {f"#{r.get('id')}": r for r in resource.get("contained") or []}
    found: dict[str, dict[str, Any]] = {}
    for ref in resource.get("author") or []:
        target = contained.get(ref.get("reference") or "")
        if target is None:
            continue
        found.setdefault(target["resourceType"], target)
        if target["resourceType"] == "PractitionerRole":
            for key in ("practitioner", "organization"):
                inner = contained.get((target.get(key) or {}).get("reference") or "")
                if inner is not None:
                    found.setdefault(inner["resourceType"], inner)
    return found


def _rpps(resource: dict[str, Any] | None) -> str | None:
    for identifier in (resource or {}).get("identifier") or []:
        system, value = identifier.get("system"), str(identifier.get("value") or "")
        if system == IDNPS_SYSTEM and re.fullmatch(r"8\d{11}", value):
            return value[1:]
        if system == RPPS_SYSTEM and re.fullmatch(r"\d{11}", value):
            return value
    return None


def _finess(org: dict[str, Any] | None) -> str | None:
    for identifier in (org or {}).get("identifier") or []:
        value = str(identifier.get("value") or "")
        if identifier.get("system") == IDNST_SYSTEM and value[:1] == "1" and FINESS_PATTERN.match(
                value[1:]):
            return value[1:]
    return None


def _person_name(person: dict[str, Any] | None) -> str:
    names = (person or {}).get("name") or []
    if not names:
        return ""
    name = names[0]
    if name.get("text"):
        return str(name["text"])
    parts = [*name.get("prefix", []), *name.get("given", []), name.get("family", "")]
    return " ".join(p for p in parts if p)


def _profession(person: dict[str, Any] | None) -> str | None:
    for qualification in (person or {}).get("qualification") or []:
        text = (qualification.get("code") or {}).get("text")
        if text:
            return str(text)
    return None
