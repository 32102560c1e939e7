"""Hostile documents at every front door: refused with a clear message, nothing stored,
no blob left; another patient's documents answer 404 everywhere; the insurer reads none."""

from __future__ import annotations

import base64
import copy

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from espace_sante.bootstrap import Container
from espace_sante.dossier.models import Document
from espace_sante.oauth.models import ClientKind, OAuthClient
from tests.dossier_support import cisis_patient, deposit, pdf_bytes, person, space_of
from tests.fhir.test_mhd import example
from tests.helpers import CAMILLE, DR_DURAND, JEANNE, THOMAS, person_session, professional_session
from tests.security.test_nobody_else import _token_for

XXE = (b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
       b'<ClinicalDocument xmlns="urn:hl7-org:v3"><title>&e;</title></ClinicalDocument>')
PDF_WITH_SCRIPT = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R/OpenAction<</S/JavaScript/JS(app.alert(1))>>"
    b">>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")


def stored(c: Container) -> tuple[int, int]:
    with c.factory() as session:
        rows = int(session.scalar(select(func.count()).select_from(Document)) or 0)
    return rows, sum(1 for _ in c.blob_store.list_keys(""))


@pytest.mark.parametrize(("name", "data", "status"), [
    ("cr.xml", XXE, 415),
    ("cr.pdf", PDF_WITH_SCRIPT, 415),
    ("cr.pdf", b"PK\x03\x04" + b"\0" * 100, 415),
    ("cr.pdf", b"", 422),
])
def test_the_api_refuses_hostile_files(client: TestClient, demo: Container, name: str,
                                       data: bytes, status: int) -> None:
    client.cookies.set("es_session", professional_session(demo, DR_DURAND))
    response = client.post(f"/api/spaces/{space_of(demo, CAMILLE)}/documents",
                           files={"file": (name, data, "application/pdf")},
                           data={"title": "CR", "type_code": "11488-4"})
    assert response.status_code == status, response.text
    assert response.json()["title"]  # the French message
    assert b"root:" not in response.content
    assert stored(demo) == (0, 0)


def test_fhir_refuses_an_external_entity(client: TestClient, demo: Container) -> None:
    cisis_patient(demo)
    headers = {"Authorization": f"Bearer {_hospital_token(demo)}"}
    body = copy.deepcopy(example(nir="279035121518989")["entry"][1]["resource"])
    attachment = body["content"][0]["attachment"]
    attachment.pop("url", None)
    attachment.update(contentType="application/xml", data=base64.b64encode(XXE).decode())
    response = client.post("/fhir/DocumentReference", json=body, headers=headers)
    assert response.status_code == 415, response.text
    assert response.json()["resourceType"] == "OperationOutcome"
    assert b"root:" not in response.content
    assert stored(demo) == (0, 0)


def _hospital_token(c: Container) -> str:
    with c.factory() as session:
        hospital = session.get(OAuthClient, "chd-demoville")
        assert hospital is not None
        scopes = "system/DocumentReference.crs system/Binary.r system/Patient.rs"
        token = c.tokens.issue(session, hospital, scopes).access_token
        session.commit()
    return token


def test_another_patients_document_is_not_found_at_every_door(
        client: TestClient, demo: Container) -> None:
    view = deposit(demo, person(demo, JEANNE), space_of(demo, JEANNE), type_code="DOCPAT")
    client.cookies.set("es_session", person_session(demo, THOMAS))
    base = f"/api/spaces/{view.patient_id}/documents"
    for response in (
        client.get(base), client.get(f"{base}/{view.id}"),
        client.get(f"{base}/{view.id}/content"),
        client.patch(f"{base}/{view.id}", json={"title": "x"}),
        client.delete(f"{base}/{view.id}"),
        client.get(f"/fhir/DocumentReference/{view.id}"),
        client.get(f"/fhir/Binary/{view.id}"),
        client.get("/fhir/DocumentReference", params={"patient": view.patient_id}),
    ):
        assert response.status_code == 404, (response.request.url, response.text)
    assert stored(demo)[0] == 1


def test_the_insurer_reads_no_document(client: TestClient, demo: Container) -> None:
    view = deposit(demo, person(demo, CAMILLE), space_of(demo, CAMILLE), pdf_bytes(),
                   type_code="DOCPAT")
    headers = {"Authorization": "Bearer " + _token_for(
        demo, ClientKind.INSURER.value, "system/DocumentReference.crs system/Binary.r")}
    assert client.get(f"/fhir/DocumentReference/{view.id}", headers=headers).status_code == 404
    assert client.get(f"/fhir/Binary/{view.id}", headers=headers).status_code == 404
    assert client.get("/fhir/DocumentReference", headers=headers,
                      params={"patient": view.patient_id}).status_code == 404
