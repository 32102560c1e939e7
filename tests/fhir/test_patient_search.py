"""GET /fhir/Patient?...: INS search, _id, the actor's spaces, strict parameters, and
institution clients with bearer tokens."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from fhir.resources.R4B.bundle import Bundle
from sqlalchemy import select

from espace_sante.accounts.ins import control_key
from espace_sante.bootstrap import Container
from espace_sante.core.audit import AuditEvent
from tests.fhir.conftest import BASE
from tests.fhir.support import child, ins, outcome, patient_of
from tests.helpers import CAMILLE, PHARMACIST, THOMAS

SignIn = Callable[[str], TestClient]
Bearer = Callable[[str], dict[str, str]]


def searchset(response: Any) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    Bundle.model_validate(body)
    assert body["type"] == "searchset"
    assert body["total"] == len(body.get("entry", []))
    return body


def ids(bundle: dict[str, Any]) -> list[str]:
    return [e["resource"]["id"] for e in bundle.get("entry", [])]


def test_identifier_search_finds_own_space(demo: Container, sign_in: SignIn) -> None:
    camille = patient_of(demo, CAMILLE)
    response = sign_in(CAMILLE).get("/fhir/Patient", params={"identifier": ins(camille.nir)})
    bundle = searchset(response)
    [entry] = bundle["entry"]
    assert entry["fullUrl"] == f"{BASE}/fhir/Patient/{camille.id}"
    assert entry["search"] == {"mode": "match"}
    [link] = bundle["link"]
    assert link["relation"] == "self"
    assert link["url"].startswith(f"{BASE}/fhir/Patient?identifier=urn%3Aoid%3A1.2.250")


def test_identifier_search_on_anothers_nir_is_an_empty_bundle(
    demo: Container, sign_in: SignIn
) -> None:
    thomas = patient_of(demo, THOMAS)
    response = sign_in(CAMILLE).get("/fhir/Patient", params={"identifier": ins(thomas.nir)})
    bundle = searchset(response)
    assert bundle["total"] == 0 and "entry" not in bundle


@pytest.mark.parametrize(("nir", "message"), [
    ("12345", "15 caractères"),
    ("285057505612300", "La clé du numéro de sécurité sociale ne correspond pas"),
])
def test_bad_nir_is_400_with_the_french_reason(sign_in: SignIn, nir: str, message: str) -> None:
    response = sign_in(CAMILLE).get("/fhir/Patient", params={"identifier": ins(nir)})
    assert message in outcome(response, 400, "invalid")["diagnostics"]


@pytest.mark.parametrize("identifier", [
    "285057505612345", "|285057505612345", "urn:oid:1.2.250.1.213.1.4.2|285057505612345",
])
def test_identifier_without_the_ins_system_is_400(sign_in: SignIn, identifier: str) -> None:
    response = sign_in(CAMILLE).get("/fhir/Patient", params={"identifier": identifier})
    assert "urn:oid:1.2.250.1.213.1.4.8" in outcome(response, 400, "invalid")["diagnostics"]


def test_no_parameter_lists_the_reachable_spaces(demo: Container, sign_in: SignIn) -> None:
    bundle = searchset(sign_in(THOMAS).get("/fhir/Patient"))
    assert sorted(ids(bundle)) == sorted([patient_of(demo, THOMAS).id, child(demo).id])
    assert bundle["link"][0]["url"] == f"{BASE}/fhir/Patient"


def test_id_search(demo: Container, sign_in: SignIn) -> None:
    client = sign_in(THOMAS)
    lea, camille = child(demo), patient_of(demo, CAMILLE)
    assert ids(searchset(client.get("/fhir/Patient", params={"_id": lea.id}))) == [lea.id]
    assert ids(searchset(client.get("/fhir/Patient", params={"_id": camille.id}))) == []
    assert ids(searchset(client.get("/fhir/Patient", params={"_id": str(uuid.uuid4())}))) == []


def test_id_and_identifier_together_intersect(demo: Container, sign_in: SignIn) -> None:
    thomas, lea = patient_of(demo, THOMAS), child(demo)
    client = sign_in(THOMAS)
    both = {"identifier": ins(thomas.nir), "_id": thomas.id}
    assert ids(searchset(client.get("/fhir/Patient", params=both))) == [thomas.id]
    assert ids(searchset(client.get("/fhir/Patient", params={**both, "_id": lea.id}))) == []


@pytest.mark.parametrize("param", ["name", "identifier:exact", "_count", "_pretty"])
def test_unknown_search_parameter_is_400_naming_it(sign_in: SignIn, param: str) -> None:
    response = sign_in(CAMILLE).get("/fhir/Patient", params={param: "x"})
    diagnostics = outcome(response, 400, "not-supported")["diagnostics"]
    assert f": {param}." in diagnostics and "_id, identifier" in diagnostics


def test_repeated_empty_and_multiple_values_are_refused(sign_in: SignIn) -> None:
    client = sign_in(CAMILLE)
    outcome(client.get("/fhir/Patient?_id=a&_id=b"), 400, "invalid")
    outcome(client.get("/fhir/Patient?_id="), 400, "invalid")
    outcome(client.get("/fhir/Patient?_id=a,b"), 400, "not-supported")


def test_institution_finds_a_patient_by_ins(demo: Container, fhir_client: TestClient,
                                            bearer: Bearer) -> None:
    camille = patient_of(demo, CAMILLE)
    response = fhir_client.get(
        "/fhir/Patient", params={"identifier": ins(camille.nir)},
        headers=bearer("system/Patient.rs"),
    )
    assert ids(searchset(response)) == [camille.id]
    with demo.factory() as session:
        [event] = session.scalars(select(AuditEvent).where(
            AuditEvent.patient_id == camille.id, AuditEvent.action == "search"))
    assert (event.actor_kind, event.actor_id, event.legal_basis, event.outcome) == (
        "institution", "client:chd-demoville", "system_feed", "success"
    )


def test_institution_search_without_match_is_empty(fhir_client: TestClient,
                                                   bearer: Bearer) -> None:
    unknown = "1850575056999"  # well formed, nobody's
    response = fhir_client.get(
        "/fhir/Patient", params={"identifier": ins(unknown + control_key(unknown))},
        headers=bearer("system/Patient.rs"),
    )
    assert searchset(response)["total"] == 0


def test_search_only_scope_can_search(demo: Container, fhir_client: TestClient,
                                      bearer: Bearer) -> None:
    camille = patient_of(demo, CAMILLE)
    response = fhir_client.get(
        "/fhir/Patient", params={"identifier": ins(camille.nir)},
        headers=bearer("system/Patient.s"),
    )
    assert ids(searchset(response)) == [camille.id]


def test_search_only_scope_cannot_read(demo: Container, fhir_client: TestClient,
                                       bearer: Bearer) -> None:
    camille = patient_of(demo, CAMILLE)
    response = fhir_client.get(f"/fhir/Patient/{camille.id}", headers=bearer("system/Patient.s"))
    outcome(response, 404, "not-found")


def test_pharmacist_search_by_nir_finds_nothing(demo: Container, sign_in: SignIn) -> None:
    camille = patient_of(demo, CAMILLE)
    response = sign_in(PHARMACIST).get("/fhir/Patient", params={"identifier": ins(camille.nir)})
    assert searchset(response)["total"] == 0
