"""DocumentReference and Binary (IHE MHD in the French PDSm shape), through the dossier
brick's use cases, which apply the policy and write the audit trail.

- ``DocumentReference``: read, search (patient, patient.identifier, category, type, date,
  status, author.identifier, _sort, _count, _offset), create (ITI-105: the content inline).
- ``Binary``: read, as the stored bytes or, when FHIR JSON is asked for, as a Binary.
- The provide-document transaction (ITI-65) at the base: all the bundle or nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from espace_sante.accounts import service as accounts
from espace_sante.accounts.dates import PARIS
from espace_sante.accounts.ins import INS_NIR_OID
from espace_sante.core.actors import Actor
from espace_sante.core.errors import InvalidInput, NotFound
from espace_sante.dossier import service as dossier
from espace_sante.dossier.codes import Status
from espace_sante.dossier.repository import DocumentQuery
from espace_sante.dossier.views import DocumentView
from espace_sante.fhir.dates import instant_interval, parse_bounds
from espace_sante.fhir.errors import BadRequest
from espace_sante.fhir.interactions import (
    RawContent,
    Resource,
    ResourceSupport,
    SearchPage,
    SearchParam,
    Services,
)
from espace_sante.fhir.mapping.document import PDSM_DOCUMENT_REFERENCE, document_reference
from espace_sante.fhir.mapping.document_in import IncomingDocument, incoming_document
from espace_sante.fhir.mhd import parse_provide_bundle
from espace_sante.fhir.search import DEFAULT_COUNT, MAX_COUNT, paging, values
from espace_sante.fhir.validate import validated

_STATUSES = {"current": Status.CURRENT, "superseded": Status.REPLACED,
             "entered-in-error": Status.DELETED}
_SORTS = {"date": "date", "-date": "-date"}


def read(services: Services, actor: Actor, document_id: str) -> Resource:
    patient_id = dossier.locate(services, actor, document_id)
    view = dossier.get_document(services, actor, patient_id, document_id)
    return _resource(services, actor, view)


def search(services: Services, actor: Actor, params: Mapping[str, str]) -> SearchPage:
    patient_id = _patient(services, actor, params)
    query = _query(params)
    page = dossier.list_documents(services, actor, patient_id, query)
    # Not validated one by one: the router validates the whole searchset Bundle, entries
    # included (each validation costs ~2.5 ms, bench/dossier.py).
    base = f"{services.settings.base_url}/fhir"
    resources = [document_reference(v, patient_nir=None, fhir_base=base)
                 for v in page.documents]
    return SearchPage(resources, page.total, query.offset, query.count)


def create(services: Services, actor: Actor, body: Any) -> Resource:
    """ITI-105 (simplified publish): one DocumentReference with its content inline."""
    incoming = incoming_document(body, where="DocumentReference")
    if incoming.inline_data is None:
        raise BadRequest(
            "Le contenu du document doit être fourni dans content[0].attachment.data "
            "(ou utilisez la transaction ITI-65 avec une ressource Binary).",
            "The document's content must be given in content[0].attachment.data (or use "
            "the ITI-65 transaction with a Binary resource).")
    patient_id = _target(services, actor, incoming, "DocumentReference")
    view = dossier.add_document(
        services, actor, patient_id, dossier.Upload([incoming.inline_data]),
        incoming.metadata, author=incoming.author,
        replaces_id=_replaced_id(incoming, "DocumentReference"))
    return _resource(services, actor, view)


def transaction(services: Services, actor: Actor, bundle: Any) -> Resource:
    """ITI-65 provide document bundle: every document stored, or none."""
    submission = parse_provide_bundle(bundle)
    deposits = []
    for n, (incoming, binary) in enumerate(submission.documents):
        where = f"DocumentReference n°{n + 1}"
        deposits.append(dossier.Deposit(
            _target(services, actor, incoming, where), dossier.Upload([binary.data]),
            incoming.metadata, incoming.author, _replaced_id(incoming, where), label=where))
    views = dossier.add_documents(services, actor, deposits)
    return _response(bundle, views, [b.full_url for _, b in submission.documents])


def read_binary(services: Services, actor: Actor, document_id: str) -> RawContent:
    patient_id = dossier.locate(services, actor, document_id)
    view, chunks = dossier.open_content(services, actor, patient_id, document_id,
                                        download=True)
    return RawContent(view.format.value, view.size, chunks, view.id)


# -- helpers ------------------------------------------------------------------------------


def _resource(services: Services, actor: Actor, view: DocumentView,
              nir: str | None = None) -> Resource:
    base = f"{services.settings.base_url}/fhir"
    return validated(document_reference(view, patient_nir=nir, fhir_base=base))


def _patient(services: Services, actor: Actor, params: Mapping[str, str]) -> str:
    if "patient" in params:
        return params["patient"].removeprefix("Patient/")
    if "patient.identifier" in params:
        return _by_nir(services, actor, _nir_token(params["patient.identifier"]), "recherche")
    raise BadRequest(
        "Précisez le patient : patient=Patient/<id> ou patient.identifier="
        f"{INS_NIR_OID}|<NIR>.",
        f"Give the patient: patient=Patient/<id> or patient.identifier={INS_NIR_OID}|<NIR>.")


def _nir_token(token: str) -> str:
    system, sep, value = token.partition("|")
    if not sep or system not in (INS_NIR_OID, f"urn:oid:{INS_NIR_OID}"):
        raise BadRequest(f"Identifiant patient attendu : {INS_NIR_OID}|<NIR>.",
                         f"Expected patient identifier: {INS_NIR_OID}|<NIR>.")
    return value


def _by_nir(services: Services, actor: Actor, nir: str, where: str) -> str:
    try:
        found = accounts.search_patients_by_ins(services.uow, actor, nir)
    except InvalidInput as exc:
        raise BadRequest(f"{where} : {exc.message}", f"{where}: {exc.message_en}") from exc
    if len(found) != 1:
        raise NotFound(f"{where} : aucun espace santé accessible pour cet INS.",
                       f"{where}: no reachable health space for this INS.")
    return found[0].id


def _target(services: Services, actor: Actor, incoming: IncomingDocument, where: str) -> str:
    if incoming.patient_ref:
        return incoming.patient_ref.removeprefix("Patient/")
    if incoming.patient_nir:
        return _by_nir(services, actor, incoming.patient_nir, where)
    raise BadRequest(f"{where} : le patient (subject) est requis.",
                     f"{where}: the patient (subject) is required.")


def _replaced_id(incoming: IncomingDocument, where: str) -> str | None:
    if incoming.replaces is None:
        return None
    if "?" in incoming.replaces:
        raise BadRequest(f"{where} : relatesTo doit désigner DocumentReference/<id>.",
                         f"{where}: relatesTo must reference DocumentReference/<id>.")
    return incoming.replaces.removeprefix("DocumentReference/")


def _query(params: Mapping[str, str]) -> DocumentQuery:
    status = params.get("status", "current")
    if status not in _STATUSES:
        raise BadRequest(f"Statut inconnu : {status} (current, superseded, entered-in-error).",
                         f"Unknown status: {status} (current, superseded, entered-in-error).")
    sort = params.get("_sort", "-date")
    if sort not in _SORTS:
        raise BadRequest("Tri pris en charge : date ou -date.", "Supported sort: date or -date.")
    created_from, created_to = _date_bounds(params)
    count, offset = paging(params)
    return DocumentQuery(
        class_code=_code(params.get("category")), type_code=_code(params.get("type")),
        author=_code(params.get("author.identifier")), status=_STATUSES[status],
        created_from=created_from, created_to=created_to, sort=_SORTS[sort],
        count=count, offset=offset)


def _code(token: str | None) -> str | None:
    return token.rpartition("|")[2] if token else None


def _date_bounds(params: Mapping[str, str]) -> tuple[date | None, date | None]:
    """``date`` on the deposit day (DocumentReference.date), given once or twice for a
    range (``date=ge2026-01-01&date=lt2026-07-01``), prefixes eq ge le gt lt. Deposits are
    found by day (Paris), so a value with a time counts for its whole day."""
    interval = instant_interval(parse_bounds(values(params, "date")))
    since = interval.since.astimezone(PARIS).date() if interval.since else None
    # ``before`` is excluded: the last day included is the one its previous instant is in.
    until = ((interval.before - timedelta(microseconds=1)).astimezone(PARIS).date()
             if interval.before else None)
    return since, until


def _response(bundle: Any, views: list[DocumentView], binary_urls: list[str]) -> Resource:
    """The transaction-response: one entry per request entry, in order."""
    by_binary = dict(zip(binary_urls, views, strict=True))
    documents = iter(views)
    entries = []
    for entry in bundle["entry"]:
        kind = entry["resource"].get("resourceType")
        if kind == "DocumentReference":
            location = f"DocumentReference/{next(documents).id}"
        elif kind == "Binary":
            location = f"Binary/{by_binary[entry['fullUrl']].id}"
        else:
            entry_status = "200 OK" if kind == "Parameters" else "201 Created"
            entries.append({"response": {"status": entry_status}})
            continue
        entries.append({"response": {"status": "201 Created", "location": location}})
    return validated({"resourceType": "Bundle", "type": "transaction-response",
                      "entry": entries})


def _param(name: str, kind: str, definition: str, doc: str) -> SearchParam:
    return SearchParam(name, kind, f"http://hl7.org/fhir/SearchParameter/{definition}", doc)


DOCUMENT_REFERENCE = ResourceSupport(
    type="DocumentReference",
    profile=PDSM_DOCUMENT_REFERENCE,
    read=read,
    search=search,
    create=create,
    repeatable=frozenset({"date"}),
    search_params=(
        _param("patient", "reference", "DocumentReference-patient",
               "Patient/<id> : l'espace / the space."),
        _param("patient.identifier", "token", "DocumentReference-patient",
               f"INS-NIR : {INS_NIR_OID}|<NIR>."),
        _param("category", "token", "DocumentReference-category",
               "Classe du document (JDV_J57) / class code."),
        _param("type", "token", "clinical-type", "Type (LOINC, JDV_J66)."),
        _param("date", "date", "DocumentReference-date",
               "Date de dépôt, préfixes eq ge le gt lt, une ou deux fois / deposit date, once "
               "or twice (a range)."),
        _param("status", "token", "DocumentReference-status",
               "current | superseded | entered-in-error."),
        _param("author.identifier", "token", "DocumentReference-author",
               "RPPS de l'auteur / author's RPPS."),
        _param("_sort", "string", "Resource-sort", "date | -date (défaut / default)."),
        _param("_count", "number", "Resource-count", f"1–{MAX_COUNT}, défaut {DEFAULT_COUNT}."),
        _param("_offset", "number", "Resource-offset", "Pagination (liens next/previous)."),
    ),
)

BINARY = ResourceSupport(
    type="Binary",
    profile="http://hl7.org/fhir/StructureDefinition/Binary",
    read=read_binary,
)
