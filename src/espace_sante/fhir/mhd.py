"""ITI-65 Provide Document Bundle (IHE MHD, https://profiles.ihe.net/ITI/MHD/ITI-65.html,
as profiled by PDSm) → the documents and bytes a use case stores.

All or nothing, as ITI-65 requires of a transaction: the bundle is read whole and either
every document comes out or the first fault is raised, naming its entry. Shapes mirror
the PDSm examples: one SubmissionSet List, DocumentReferences whose ``attachment.url``
points at a Binary of the bundle, all POSTed; a replacement may carry a PATCH that marks
the replaced version superseded, which our replacement does anyway: it is checked, then
dropped.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from espace_sante.fhir.mapping.document_in import (
    IncomingDocument,
    bad_request,
    check_resource,
    incoming_document,
    strict_base64,
    subject_patient,
)
from espace_sante.fhir.validate import validated

MAX_DOCUMENTS = 100
# Each document brings one Binary and at most one PATCH, plus the SubmissionSet.
_MAX_ENTRIES = 3 * MAX_DOCUMENTS + 1
MHD_LIST_TYPES = "https://profiles.ihe.net/ITI/MHD/CodeSystem/MHDlistTypes"
_METHODS = {"List": "POST", "DocumentReference": "POST", "Binary": "POST", "Parameters": "PATCH"}
_SUPERSEDE = {"type": "replace", "path": "DocumentReference.status", "value": "superseded"}


@dataclass(frozen=True)
class BinaryPart:
    full_url: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class Submission:
    documents: list[tuple[IncomingDocument, BinaryPart]]
    submission_set: dict[str, Any]


@dataclass
class _Entries:
    """The bundle's entries sorted by kind as they are read; ``where`` names each one."""

    urls: set[str] = field(default_factory=set)
    lists: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    documents: dict[str, tuple[str, IncomingDocument]] = field(default_factory=dict)
    binaries: dict[str, tuple[str, BinaryPart]] = field(default_factory=dict)
    patches: list[tuple[str, str]] = field(default_factory=list)  # (where, replaced id)


def parse_provide_bundle(bundle: Any) -> Submission:
    entries = _Entries()
    for index, entry in enumerate(_transaction_entries(bundle)):
        _read_entry(index, entry, entries)
    where, submission_set = _submission_set(entries)
    documents = _pair_binaries(entries)
    _check_listed(where, submission_set, entries)
    _check_patches(entries)
    _check_one_patient(where, submission_set, entries)
    return Submission(documents, submission_set)


def binary_resource(content_type: str, data: bytes, rid: str) -> dict[str, Any]:
    """The FHIR Binary of stored content, for a read that asks for FHIR JSON."""
    return validated({"resourceType": "Binary", "id": rid, "contentType": content_type,
                      "data": base64.b64encode(data).decode("ascii")})


def _transaction_entries(bundle: Any) -> list[Any]:
    if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
        raise bad_request("Bundle", "un Bundle de type transaction est attendu.",
                          "a transaction Bundle is expected.")
    if bundle.get("type") != "transaction":
        raise bad_request("Bundle", f"le Bundle doit être de type transaction, pas "
                          f"{bundle.get('type')}.",
                          f"the Bundle must be a transaction, not {bundle.get('type')}.",
                          field="Bundle.type")
    entries = bundle.get("entry")
    if not isinstance(entries, list) or not entries:
        raise bad_request("Bundle", "le lot est vide.", "the bundle is empty.",
                          field="Bundle.entry")
    documents = sum(1 for e in entries if isinstance(e, dict) and isinstance(
        e.get("resource"), dict) and e["resource"].get("resourceType") == "DocumentReference")
    if documents > MAX_DOCUMENTS or len(entries) > _MAX_ENTRIES:
        raise bad_request("Bundle", f"un lot compte au plus {MAX_DOCUMENTS} documents.",
                          f"a bundle holds at most {MAX_DOCUMENTS} documents.",
                          field="Bundle.entry")
    return entries


def _read_entry(index: int, entry: Any, entries: _Entries) -> None:
    entry = entry if isinstance(entry, dict) else {}
    resource = entry.get("resource")
    kind = resource.get("resourceType") if isinstance(resource, dict) else None
    where = f"entry[{index}] ({kind})"
    full_url = entry.get("fullUrl")
    if not isinstance(full_url, str) or not full_url:
        raise bad_request(where, "fullUrl manquant.", "fullUrl is missing.",
                          field=f"Bundle.entry[{index}].fullUrl")
    if full_url in entries.urls:
        raise bad_request(where, f"fullUrl en double : {full_url}.",
                          f"duplicate fullUrl: {full_url}.")
    entries.urls.add(full_url)
    request = entry.get("request") if isinstance(entry.get("request"), dict) else {}
    method, url = request.get("method"), str(request.get("url") or "")
    expected = _METHODS.get(str(kind))
    if expected is None:
        raise bad_request(where, "ressource non prise en charge dans un lot de soumission.",
                          "resource not supported in a provide-document bundle.")
    if method != expected:
        raise bad_request(where, f"méthode {expected} attendue, pas {method}.",
                          f"method {expected} expected, not {method}.",
                          field=f"Bundle.entry[{index}].request.method")
    _READERS[str(kind)](where, full_url, url, resource, entries)


def _read_list(where: str, full_url: str, url: str, resource: Any, entries: _Entries) -> None:
    _check_post_url(where, url, "List")
    check_resource(resource, "List", where=where)
    codings = (resource.get("code") or {}).get("coding") or []
    if not any(c.get("system") == MHD_LIST_TYPES and c.get("code") == "submissionset"
               for c in codings):
        raise bad_request(where, "seule une List SubmissionSet (code submissionset) est admise.",
                          "only a SubmissionSet List (code submissionset) is accepted.",
                          field="List.code")
    entries.lists.append((where, resource))


def _read_document(where: str, full_url: str, url: str, resource: Any,
                   entries: _Entries) -> None:
    _check_post_url(where, url, "DocumentReference")
    document = incoming_document(resource, where=where)
    if resource.get("status") != "current":
        raise bad_request(where, "un document publié a le statut current.",
                          "a published document has status current.",
                          field="DocumentReference.status")
    if document.inline_data is not None or not document.binary_ref:
        raise bad_request(where, "le contenu doit être une ressource Binary du lot, désignée "
                          "par attachment.url.", "the content must be a Binary of the bundle, "
                          "given by attachment.url.",
                          field="DocumentReference.content[0].attachment.url")
    entries.documents[full_url] = (where, document)


def _read_binary(where: str, full_url: str, url: str, resource: Any, entries: _Entries) -> None:
    _check_post_url(where, url, "Binary")
    check_resource(resource, "Binary", where=where)
    data = strict_base64(resource.get("data") or "", where=where, field="Binary.data")
    part = BinaryPart(full_url, str(resource["contentType"]), data)
    entries.binaries[full_url] = (where, part)


def _read_patch(where: str, full_url: str, url: str, resource: Any, entries: _Entries) -> None:
    check_resource(resource, "Parameters", where=where)
    operations = [{p.get("name"): p.get("valueCode") or p.get("valueString")
                   for p in parameter.get("part") or []}
                  for parameter in resource.get("parameter") or []]
    target = url.removeprefix("DocumentReference/")
    if operations != [_SUPERSEDE] or target == url or not target or "/" in target:
        raise bad_request(where, "seul un PATCH passant un DocumentReference au statut "
                          "superseded est admis.", "only a PATCH setting a DocumentReference's "
                          "status to superseded is accepted.")
    entries.patches.append((where, target))


_READERS: dict[str, Callable[[str, str, str, Any, _Entries], None]] = {
    "List": _read_list, "DocumentReference": _read_document, "Binary": _read_binary,
    "Parameters": _read_patch,
}


def _check_post_url(where: str, url: str, kind: str) -> None:
    if url != kind:
        raise bad_request(where, f"request.url doit valoir {kind}.",
                          f"request.url must be {kind}.")


def _submission_set(entries: _Entries) -> tuple[str, dict[str, Any]]:
    if len(entries.lists) != 1:
        where = entries.lists[1][0] if entries.lists else "Bundle"
        raise bad_request(where, "le lot doit contenir exactement une SubmissionSet (List).",
                          "the bundle must hold exactly one SubmissionSet (List).")
    return entries.lists[0]


def _resolve(reference: str, targets: dict[str, Any]) -> str | None:
    """A reference to an entry: its fullUrl, or a relative reference that an absolute
    fullUrl ends with (FHIR R4 §2.36.0.1, resolving references in bundles)."""
    if reference in targets:
        return reference
    if reference.startswith("urn:") or "://" in reference:
        return None
    return next((url for url in targets if url.endswith(f"/{reference}")), None)


def _pair_binaries(entries: _Entries) -> list[tuple[IncomingDocument, BinaryPart]]:
    used: dict[str, str] = {}  # Binary fullUrl → the document entry that points at it
    pairs = []
    for where, document in entries.documents.values():
        ref = str(document.binary_ref)
        url = _resolve(ref, entries.binaries)
        if url is None:
            raise bad_request(where, f"attachment.url {ref} ne désigne aucune ressource "
                              "Binary du lot.", f"attachment.url {ref} points at no Binary "
                              "of the bundle.", field="DocumentReference.content[0].attachment.url")
        if url in used:
            raise bad_request(where, f"la ressource Binary {url} est déjà le contenu de "
                              f"{used[url]}.", f"Binary {url} is already the content of "
                              f"{used[url]}.")
        used[url] = where
        pairs.append((document, entries.binaries[url][1]))
    for url, (where, _) in entries.binaries.items():
        if url not in used:
            raise bad_request(where, f"aucun document ne désigne cette ressource Binary ({url}).",
                              f"no document points at this Binary ({url}).")
    return pairs


def _check_listed(where: str, submission_set: dict[str, Any], entries: _Entries) -> None:
    listed = set()
    for item in submission_set.get("entry") or []:
        ref = str((item.get("item") or {}).get("reference") or "")
        url = _resolve(ref, entries.documents)
        if url is None:
            raise bad_request(where, f"l'entrée {ref} de la SubmissionSet ne désigne aucun "
                              "DocumentReference du lot.", f"SubmissionSet entry {ref} points "
                              "at no DocumentReference of the bundle.", field="List.entry")
        listed.add(url)
    for url, (doc_where, _) in entries.documents.items():
        if url not in listed:
            raise bad_request(doc_where, "ce document n'est pas listé dans la SubmissionSet.",
                              "this document is not listed in the SubmissionSet.")


def _check_patches(entries: _Entries) -> None:
    replaced = {document.replaces for _, document in entries.documents.values()}
    for where, target in entries.patches:
        if target not in replaced:
            raise bad_request(where, f"DocumentReference/{target} n'est remplacé par aucun "
                              "document du lot.", f"DocumentReference/{target} is replaced by "
                              "no document of the bundle.")


def _check_one_patient(where: str, submission_set: dict[str, Any], entries: _Entries) -> None:
    # A submission is about one patient (XDS): one stray subject would file a document in
    # the wrong space.
    patient = subject_patient(submission_set, where=where)
    for doc_where, document in entries.documents.values():
        if (document.patient_nir, document.patient_ref) != patient:
            raise bad_request(doc_where, "le patient du document n'est pas celui de la "
                              "SubmissionSet.", "the document's patient is not the "
                              "SubmissionSet's.", field="DocumentReference.subject")
