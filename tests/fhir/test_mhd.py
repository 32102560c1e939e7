"""ITI-65 provide-document bundles: the PDSm examples parse; every fault refuses the whole
bundle with a message naming the entry."""

from __future__ import annotations

import base64
import copy
import json
from typing import Any

import pytest

from espace_sante.fhir.errors import BadRequest
from espace_sante.fhir.mhd import MAX_DOCUMENTS, binary_resource, parse_provide_bundle
from tests.shared_data import PDSM

DATA = PDSM
ITI65 = "Bundle-example-td2-iti65-lot-soumission.json"
REPLACEMENT = "Bundle-example-td2-1-remplacement.json"
# The examples' NIR has a wrong key (see test_document_mapping): the right key here.
EXAMPLE_NIR = "123456789012345"
VALID_NIR = "123456789012311"
CDA = b'<?xml version="1.0" encoding="UTF-8"?><ClinicalDocument xmlns="urn:hl7-org:v3"/>'


def example(name: str = ITI65, *, nir: str = VALID_NIR) -> dict[str, Any]:
    text = (DATA / name).read_text(encoding="utf-8").replace(EXAMPLE_NIR, nir)
    data: dict[str, Any] = json.loads(text)
    return data


def bundle_of(count: int) -> dict[str, Any]:
    """The ITI-65 example with ``count`` copies of its document and Binary."""
    bundle = example()
    submission_set, document, binary = bundle["entry"]
    submission_set["resource"]["entry"] = []
    bundle["entry"] = [submission_set]
    for i in range(count):
        doc, part = copy.deepcopy(document), copy.deepcopy(binary)
        doc["fullUrl"] = f"urn:uuid:00000000-0000-4000-8000-{2 * i:012d}"
        part["fullUrl"] = f"urn:uuid:00000000-0000-4000-8000-{2 * i + 1:012d}"
        doc["resource"]["content"][0]["attachment"]["url"] = part["fullUrl"]
        submission_set["resource"]["entry"].append({"item": {"reference": doc["fullUrl"]}})
        bundle["entry"] += [doc, part]
    return bundle


def refused(bundle: Any, where: str, match: str = "") -> BadRequest:
    with pytest.raises(BadRequest, match=match) as caught:
        parse_provide_bundle(bundle)
    assert caught.value.message.startswith(f"{where} : "), caught.value.message
    assert caught.value.message_en.startswith(f"{where}: ")
    return caught.value


def test_the_iti65_example_parses() -> None:
    submission = parse_provide_bundle(example())
    [(document, binary)] = submission.documents
    assert document.metadata.type_code == "11488-4"
    assert document.metadata.title == "Compte rendu de consultation"
    assert document.patient_nir == VALID_NIR
    assert document.author is not None and document.author.rpps == "99700218896"
    assert binary.full_url == "urn:uuid:aaaaaaaa-0000-0000-0000-000000000003"
    assert binary.content_type == "application/xml"
    assert binary.data == CDA
    assert submission.submission_set["id"] == "submissionset-td2"


def test_the_replacement_example_yields_replaces_and_accepts_its_patch() -> None:
    [(document, binary)] = parse_provide_bundle(example(REPLACEMENT)).documents
    assert document.replaces == "doc-x-id"
    assert document.metadata.title == "Compte rendu de consultation (v2)"
    assert binary.data == CDA


def test_a_hundred_documents_are_accepted_in_order() -> None:
    submission = parse_provide_bundle(bundle_of(MAX_DOCUMENTS))
    assert len(submission.documents) == MAX_DOCUMENTS
    assert submission.documents[-1][1].full_url.endswith(f"{2 * MAX_DOCUMENTS - 1:012d}")


def test_a_hundred_and_one_documents_are_refused() -> None:
    refused(bundle_of(MAX_DOCUMENTS + 1), "Bundle", "au plus 100 documents")


def test_a_relative_attachment_url_resolves_against_an_absolute_full_url() -> None:
    bundle = example()
    bundle["entry"][2]["fullUrl"] = "https://client.example/fhir/Binary/b1"
    bundle["entry"][1]["resource"]["content"][0]["attachment"]["url"] = "Binary/b1"
    [(_, binary)] = parse_provide_bundle(bundle).documents
    assert binary.full_url == "https://client.example/fhir/Binary/b1"


def test_binary_resource_round_trips() -> None:
    resource = binary_resource("application/pdf", b"%PDF-1.7", "d-1")
    assert resource == {"resourceType": "Binary", "id": "d-1", "contentType": "application/pdf",
                        "data": base64.b64encode(b"%PDF-1.7").decode()}


# --- Refusals -------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["batch", "document", None])
def test_not_a_transaction(kind: str | None) -> None:
    bundle = example()
    bundle["type"] = kind
    error = refused(bundle, "Bundle", "transaction")
    assert error.details == {"field": "Bundle.type"}


@pytest.mark.parametrize("body", [None, [], "Bundle", {"resourceType": "Patient"}])
def test_not_a_bundle(body: Any) -> None:
    refused(body, "Bundle", "Bundle")


def test_an_empty_bundle() -> None:
    bundle = example()
    bundle["entry"] = []
    refused(bundle, "Bundle", "vide")


def test_a_dangling_attachment_url() -> None:
    bundle = example()
    bundle["entry"][1]["resource"]["content"][0]["attachment"]["url"] = "urn:uuid:missing"
    refused(bundle, "entry[1] (DocumentReference)", "urn:uuid:missing")


def test_a_binary_nobody_references() -> None:
    bundle = example()
    extra = copy.deepcopy(bundle["entry"][2])
    extra["fullUrl"] = "urn:uuid:aaaaaaaa-0000-0000-0000-000000000009"
    bundle["entry"].append(extra)
    refused(bundle, "entry[3] (Binary)", "aucun document ne désigne")


def test_a_binary_referenced_twice() -> None:
    bundle = bundle_of(2)
    second = bundle["entry"][3]["resource"]["content"][0]["attachment"]
    second["url"] = bundle["entry"][2]["fullUrl"]
    refused(bundle, "entry[3] (DocumentReference)", r"déjà le contenu de entry\[1\]")


def test_an_unknown_type_code() -> None:
    bundle = example()
    bundle["entry"][1]["resource"]["type"]["coding"][0]["code"] = "00000-0"
    refused(bundle, "entry[1] (DocumentReference)", "Type de document inconnu : 00000-0")


def test_a_bad_nir_key() -> None:
    refused(example(nir=EXAMPLE_NIR), "entry[1] (DocumentReference)", "clé")


@pytest.mark.parametrize("data", ["!!!not base64!!!", "PD94bWw", "PD94bWw=_"])
def test_non_base64_binary_data(data: str) -> None:
    bundle = example()
    bundle["entry"][2]["resource"]["data"] = data
    refused(bundle, "entry[2] (Binary)", "[Bb]ase64")


@pytest.mark.parametrize("data", ["", None])
def test_empty_binary_data(data: str | None) -> None:
    bundle = example()
    bundle["entry"][2]["resource"]["data"] = data
    if data is None:
        del bundle["entry"][2]["resource"]["data"]
    refused(bundle, "entry[2] (Binary)", "vide")


def test_binary_content_type_is_required() -> None:
    bundle = example()
    del bundle["entry"][2]["resource"]["contentType"]
    refused(bundle, "entry[2] (Binary)", "contentType")


def test_a_dangling_submission_set_entry() -> None:
    bundle = example()
    bundle["entry"][0]["resource"]["entry"][0]["item"]["reference"] = "urn:uuid:elsewhere"
    refused(bundle, "entry[0] (List)", "urn:uuid:elsewhere")


def test_a_document_missing_from_the_submission_set() -> None:
    bundle = example()
    bundle["entry"][0]["resource"]["entry"] = []
    refused(bundle, "entry[1] (DocumentReference)", "SubmissionSet")


def test_no_submission_set() -> None:
    bundle = example()
    del bundle["entry"][0]
    refused(bundle, "Bundle", "exactement une SubmissionSet")


def test_two_submission_sets() -> None:
    bundle = example()
    second = copy.deepcopy(bundle["entry"][0])
    second["fullUrl"] = "urn:uuid:aaaaaaaa-0000-0000-0000-000000000008"
    bundle["entry"].append(second)
    refused(bundle, "entry[3] (List)", "exactement une SubmissionSet")


def test_a_list_that_is_not_a_submission_set() -> None:
    bundle = example()
    bundle["entry"][0]["resource"]["code"]["coding"][0]["code"] = "folder"
    refused(bundle, "entry[0] (List)", "submissionset")


def test_a_patch_of_a_document_nobody_replaces() -> None:
    bundle = example(REPLACEMENT)
    bundle["entry"][2]["request"]["url"] = "DocumentReference/other"
    refused(bundle, "entry[2] (Parameters)", "DocumentReference/other")


def test_a_patch_that_does_more_than_supersede() -> None:
    bundle = example(REPLACEMENT)
    bundle["entry"][2]["resource"]["parameter"][0]["part"][2]["valueCode"] = "current"
    refused(bundle, "entry[2] (Parameters)", "superseded")


def test_a_method_other_than_post() -> None:
    bundle = example()
    bundle["entry"][1]["request"] = {"method": "PUT", "url": "DocumentReference/x"}
    refused(bundle, "entry[1] (DocumentReference)", "POST")


def test_an_unsupported_resource() -> None:
    bundle = example()
    bundle["entry"].append({"fullUrl": "urn:uuid:p", "resource": {"resourceType": "Patient"},
                            "request": {"method": "POST", "url": "Patient"}})
    refused(bundle, "entry[3] (Patient)", "non prise en charge")


def test_a_missing_or_repeated_full_url() -> None:
    bundle = example()
    del bundle["entry"][2]["fullUrl"]
    refused(bundle, "entry[2] (Binary)", "fullUrl")
    bundle["entry"][2]["fullUrl"] = bundle["entry"][1]["fullUrl"]
    refused(bundle, "entry[2] (Binary)", "en double")


def test_a_document_that_is_not_current() -> None:
    bundle = example()
    bundle["entry"][1]["resource"]["status"] = "superseded"
    refused(bundle, "entry[1] (DocumentReference)", "current")


def test_inline_content_instead_of_a_binary() -> None:
    bundle = example()
    attachment = bundle["entry"][1]["resource"]["content"][0]["attachment"]
    attachment["data"] = bundle["entry"][2]["resource"]["data"]
    refused(bundle, "entry[1] (DocumentReference)", "Binary du lot")


def test_a_document_about_another_patient() -> None:
    bundle = example()
    bundle["entry"][1]["resource"]["subject"] = {"reference": "Patient/someone-else"}
    refused(bundle, "entry[1] (DocumentReference)", "patient")


def test_an_invalid_fhir_field_names_the_entry() -> None:
    bundle = example()
    bundle["entry"][0]["resource"]["mode"] = {"not": "a code"}
    refused(bundle, "entry[0] (List)", "mode")
