"""DocumentReference and Binary over FHIR, end to end through HTTP: a hospital system
client provides documents (ITI-65), finds and reads them; the patient searches his own;
a bad bundle stores nothing."""

from __future__ import annotations

import base64
import copy
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from fhir.resources.R4B.documentreference import DocumentReference
from sqlalchemy import func, select

from espace_sante.bootstrap import Container
from espace_sante.dossier.models import Document
from tests.dossier_support import CDA_DIR, CISIS_NIR, cisis_patient, pdf_bytes
from tests.fhir.support import FHIR_JSON, ins, outcome, patient_of
from tests.fhir.test_mhd import example
from tests.helpers import CAMILLE

Bearer = Callable[[str], dict[str, str]]
SCOPES = "system/DocumentReference.crs system/Binary.r system/Patient.rs"
BIO = "BIO-CR-BIO_2024.01_TSH_1.xml"


def provide_bundle(data: bytes, content_type: str = "application/xml") -> dict[str, Any]:
    """The PDSm ITI-65 example for the CI-SIS test patient, carrying ``data``."""
    bundle = example(nir=CISIS_NIR)
    binary = bundle["entry"][2]["resource"]
    binary["contentType"] = content_type
    binary["data"] = base64.b64encode(data).decode()
    doc = bundle["entry"][1]["resource"]
    doc["content"][0]["attachment"]["contentType"] = content_type
    return bundle


def post(client: TestClient, headers: dict[str, str], body: Any) -> Any:
    return client.post("/fhir", json=body, headers={**headers, "Content-Type": FHIR_JSON})


def documents_in(demo: Container) -> int:
    with demo.factory() as session:
        return int(session.scalar(select(func.count()).select_from(Document)) or 0)


def test_a_hospital_provides_finds_and_reads_a_cda(
        demo: Container, fhir_client: TestClient, bearer: Bearer) -> None:
    space, headers = cisis_patient(demo), bearer(SCOPES)
    cda = (CDA_DIR / BIO).read_bytes()
    response = post(fhir_client, headers, provide_bundle(cda))
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["type"] == "transaction-response"
    statuses = [e["response"]["status"] for e in answer["entry"]]
    assert statuses == ["201 Created"] * 3
    location = answer["entry"][1]["response"]["location"]
    assert location.startswith("DocumentReference/")
    doc_id = location.split("/")[1]

    found = fhir_client.get("/fhir/DocumentReference", headers=headers, params={
        "patient.identifier": ins(CISIS_NIR), "type": "http://loinc.org|11502-2"}).json()
    assert found["total"] == 1
    [entry] = found["entry"]
    resource = entry["resource"]
    assert resource["id"] == doc_id and resource["status"] == "current"
    assert resource["subject"]["reference"] == f"Patient/{space}"
    assert resource["content"][0]["attachment"]["url"].endswith(f"/Binary/{doc_id}")

    read = fhir_client.get(f"/fhir/DocumentReference/{doc_id}", headers=headers)
    assert read.status_code == 200 and read.json()["type"]["coding"][0]["code"] == "11502-2"

    raw = fhir_client.get(f"/fhir/Binary/{doc_id}", headers={**headers, "Accept": "*/*"})
    assert raw.status_code == 200 and raw.content == cda
    assert raw.headers["content-type"].startswith("application/hl7-cda+xml")
    assert raw.headers["x-content-type-options"] == "nosniff"
    as_json = fhir_client.get(f"/fhir/Binary/{doc_id}",
                              headers={**headers, "Accept": FHIR_JSON}).json()
    assert as_json["resourceType"] == "Binary" and base64.b64decode(as_json["data"]) == cda


def test_a_dangling_reference_rejects_the_whole_bundle(
        demo: Container, fhir_client: TestClient, bearer: Bearer) -> None:
    cisis_patient(demo)
    bundle = provide_bundle((CDA_DIR / BIO).read_bytes())
    bundle["entry"][1]["resource"]["content"][0]["attachment"]["url"] = "urn:uuid:missing"
    issue = outcome(post(fhir_client, bearer(SCOPES), bundle), 400)
    assert "entry[1]" in issue["diagnostics"]
    assert documents_in(demo) == 0 and not list(demo.blob_store.list_keys(""))


def test_a_bad_document_among_good_ones_rejects_all(
        demo: Container, fhir_client: TestClient, bearer: Bearer) -> None:
    cisis_patient(demo)
    bundle = provide_bundle(pdf_bytes(), "application/pdf")
    submission, doc, binary = bundle["entry"]
    doc2, binary2 = copy.deepcopy(doc), copy.deepcopy(binary)
    doc2["fullUrl"], binary2["fullUrl"] = "urn:uuid:doc-2", "urn:uuid:bin-2"
    doc2["resource"]["content"][0]["attachment"]["url"] = "urn:uuid:bin-2"
    doc2["resource"]["masterIdentifier"]["value"] = "urn:oid:1.2.250.1.999.2"
    binary2["resource"]["data"] = base64.b64encode(b"PK\x03\x04 a zip").decode()
    submission["resource"]["entry"].append({"item": {"reference": "urn:uuid:doc-2"}})
    bundle["entry"] += [doc2, binary2]
    issue = outcome(post(fhir_client, bearer(SCOPES), bundle), 415)
    assert "DocumentReference n°2" in issue["diagnostics"]
    assert documents_in(demo) == 0 and not list(demo.blob_store.list_keys(""))


def test_a_cda_for_another_patient_is_an_operation_outcome(
        demo: Container, fhir_client: TestClient, bearer: Bearer) -> None:
    cisis_patient(demo)
    bundle = provide_bundle((CDA_DIR / BIO).read_bytes())
    other = patient_of(demo, CAMILLE)
    for entry in bundle["entry"][:2]:
        entry["resource"]["subject"] = {"reference": f"Patient/{other.id}"}
    response = post(fhir_client, bearer(SCOPES), bundle)
    assert response.status_code in (400, 422), response.text
    assert documents_in(demo) == 0


def test_simplified_publish_and_replacement(
        demo: Container, fhir_client: TestClient, bearer: Bearer) -> None:
    space, headers = cisis_patient(demo), bearer(SCOPES)
    doc = copy.deepcopy(example(nir=CISIS_NIR)["entry"][1]["resource"])
    attachment = doc["content"][0]["attachment"]
    attachment.pop("url", None)
    attachment.update(contentType="application/pdf",
                      data=base64.b64encode(pdf_bytes("v1")).decode())
    first = fhir_client.post("/fhir/DocumentReference", json=doc, headers=headers)
    assert first.status_code == 201, first.text
    doc["masterIdentifier"]["value"] = "urn:oid:1.2.250.1.999.3"
    doc["relatesTo"] = [{"code": "replaces",
                         "target": {"reference": f"DocumentReference/{first.json()['id']}"}}]
    second = fhir_client.post("/fhir/DocumentReference", json=doc, headers=headers)
    assert second.status_code == 201, second.text
    assert second.json()["relatesTo"][0]["target"]["reference"].endswith(first.json()["id"])
    old = fhir_client.get(f"/fhir/DocumentReference/{first.json()['id']}", headers=headers)
    assert old.json()["status"] == "superseded"
    listed = fhir_client.get("/fhir/DocumentReference", headers=headers, params={
        "patient": f"Patient/{space}", "status": "superseded"}).json()
    assert listed["total"] == 1


def test_search_pages_and_sorts(demo: Container, fhir_client: TestClient,
                                bearer: Bearer) -> None:
    space, headers = cisis_patient(demo), bearer(SCOPES)
    doc = example(nir=CISIS_NIR)["entry"][1]["resource"]
    for i in range(3):
        body = copy.deepcopy(doc)
        body["masterIdentifier"]["value"] = f"urn:oid:1.2.250.1.999.1{i}"
        attachment = body["content"][0]["attachment"]
        attachment.pop("url", None)
        attachment.update(contentType="application/pdf", title=f"doc {i}",
                          data=base64.b64encode(pdf_bytes(str(i))).decode())
        demo.clock.advance(timedelta(minutes=1))  # type: ignore[attr-defined]
        assert fhir_client.post("/fhir/DocumentReference", json=body,
                                headers=headers).status_code == 201
    page = fhir_client.get("/fhir/DocumentReference", headers=headers, params={
        "patient": space, "_sort": "-date", "_count": "2"}).json()
    assert page["total"] == 3 and len(page["entry"]) == 2
    for entry in page["entry"]:  # the server validates the first entry only
        DocumentReference.model_validate(entry["resource"])
    titles = [e["resource"]["content"][0]["attachment"]["title"] for e in page["entry"]]
    assert titles == ["doc 2", "doc 1"]
    [next_link] = [link["url"] for link in page["link"] if link["relation"] == "next"]
    rest = fhir_client.get(next_link.removeprefix("http://127.0.0.1:8000"), headers=headers)
    assert [e["resource"]["content"][0]["attachment"]["title"]
            for e in rest.json()["entry"]] == ["doc 0"]


def test_without_the_scope_nothing_is_provided(
        demo: Container, fhir_client: TestClient, bearer: Bearer) -> None:
    cisis_patient(demo)
    response = post(fhir_client, bearer("system/Patient.rs"), provide_bundle(
        (CDA_DIR / BIO).read_bytes()))
    outcome(response, 404)
    assert documents_in(demo) == 0


def test_search_by_a_range_of_deposit_days(demo: Container, fhir_client: TestClient,
                                           bearer: Bearer) -> None:
    space = cisis_patient(demo)
    doc = example(nir=CISIS_NIR)["entry"][1]["resource"]
    days = []
    for i in range(3):  # deposited on three days in a row
        body = copy.deepcopy(doc)
        body["masterIdentifier"]["value"] = f"urn:oid:1.2.250.1.999.2{i}"
        attachment = body["content"][0]["attachment"]
        attachment.pop("url", None)
        attachment.update(contentType="application/pdf", title=f"jour {i}",
                          data=base64.b64encode(pdf_bytes(str(i))).decode())
        headers = bearer(SCOPES)  # a token lives minutes, not days
        created = fhir_client.post("/fhir/DocumentReference", json=body, headers=headers)
        assert created.status_code == 201, created.text
        days.append(created.json()["date"][:10])
        demo.clock.advance(timedelta(days=1))  # type: ignore[attr-defined]
    headers = bearer(SCOPES)

    def titles(*dates: str) -> list[str]:
        response = fhir_client.get("/fhir/DocumentReference", headers=headers, params=[
            ("patient", space), ("_sort", "date"), *(("date", d) for d in dates)])
        assert response.status_code == 200, response.text
        return [e["resource"]["content"][0]["attachment"]["title"]
                for e in response.json().get("entry", [])]

    assert titles(f"ge{days[1]}", f"le{days[1]}") == ["jour 1"]
    assert titles(f"gt{days[0]}", f"lt{days[2]}") == ["jour 1"]
    assert titles(f"ge{days[1]}") == ["jour 1", "jour 2"]
    assert titles(days[0]) == ["jour 0"]
    assert titles(f"lt{days[0]}") == []
    refused = fhir_client.get("/fhir/DocumentReference", headers=headers, params=[
        ("patient", space), ("date", f"ge{days[0]}"), ("date", "le2030-01-01"),
        ("date", "ne2026-01-01")])
    assert refused.status_code == 400
    assert refused.json()["resourceType"] == "OperationOutcome"
