"""GET /fhir/Patient/{id}: through the accounts use case, so the policy decides and the
audit trail records, refusals included; another's space answers exactly like a missing one."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from fastapi.testclient import TestClient
from fhir.resources.R4B.patient import Patient as FhirPatient
from sqlalchemy import select

from espace_sante.bootstrap import Container
from espace_sante.core.audit import AuditEvent
from espace_sante.fhir.mapping.patient import FR_CORE_PATIENT
from tests.fhir.support import FHIR_JSON, child, outcome, patient_of
from tests.helpers import CAMILLE, DR_DURAND, JEANNE, PHARMACIST, THOMAS

SignIn = Callable[[str], TestClient]


def audit_events(c: Container, patient_id: str, action: str = "read") -> list[AuditEvent]:
    with c.factory() as session:
        return list(session.scalars(
            select(AuditEvent).where(
                AuditEvent.patient_id == patient_id, AuditEvent.action == action,
                AuditEvent.resource_kind == "patient",
            ).order_by(AuditEvent.seq)
        ))


def test_patient_reads_own_space(demo: Container, sign_in: SignIn) -> None:
    camille = patient_of(demo, CAMILLE)
    response = sign_in(CAMILLE).get(f"/fhir/Patient/{camille.id}")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(FHIR_JSON)
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    FhirPatient.model_validate(body)
    assert body["id"] == camille.id
    assert body["meta"]["profile"] == [FR_CORE_PATIENT]
    assert body["identifier"][0]["value"] == camille.nir
    assert body["name"][0]["family"] == "Martin"
    assert (body["gender"], body["birthDate"]) == ("female", "1985-05-14")


def test_a_read_is_audited(demo: Container, sign_in: SignIn) -> None:
    camille = patient_of(demo, CAMILLE)
    sign_in(CAMILLE).get(f"/fhir/Patient/{camille.id}")
    [event] = audit_events(demo, camille.id)
    assert (event.outcome, event.legal_basis, event.actor_kind) == (
        "success", "own_space", "patient"
    )
    assert event.resource_id == camille.id


def test_medecin_traitant_reads_his_patient(demo: Container, sign_in: SignIn) -> None:
    camille = patient_of(demo, CAMILLE)
    response = sign_in(DR_DURAND).get(f"/fhir/Patient/{camille.id}")
    assert response.status_code == 200
    assert response.json()["id"] == camille.id
    [event] = audit_events(demo, camille.id)
    assert (event.actor_id, event.legal_basis) == (f"rpps:{DR_DURAND}", "medecin_traitant")


def test_parent_reads_the_childs_space(demo: Container, sign_in: SignIn) -> None:
    lea = child(demo)
    response = sign_in(THOMAS).get(f"/fhir/Patient/{lea.id}")
    assert response.status_code == 200
    body = response.json()
    assert body["name"][0]["extension"][0]["valueString"] == "Léa Rose"
    assert audit_events(demo, lea.id)[0].legal_basis == "legal_representation"


def test_caregiver_reads_the_helped_persons_identity(demo: Container, sign_in: SignIn) -> None:
    jeanne = patient_of(demo, JEANNE)
    response = sign_in(CAMILLE).get(f"/fhir/Patient/{jeanne.id}")
    assert response.status_code == 200
    assert response.json()["extension"][0]["valueAddress"]["extension"][0]["valueCoding"][
        "code"] == "2A004"


def test_another_patients_space_answers_like_a_missing_one(
    demo: Container, sign_in: SignIn
) -> None:
    thomas = patient_of(demo, THOMAS)
    client = sign_in(CAMILLE)
    forbidden = client.get(f"/fhir/Patient/{thomas.id}")
    missing = client.get(f"/fhir/Patient/{uuid.uuid4()}")
    outcome(forbidden, 404, "not-found")
    assert forbidden.content == missing.content
    assert forbidden.headers["content-type"] == missing.headers["content-type"]


def test_pharmacist_without_relationship_gets_404_and_a_denied_audit(
    demo: Container, sign_in: SignIn
) -> None:
    camille = patient_of(demo, CAMILLE)
    client = sign_in(PHARMACIST)
    forbidden = client.get(f"/fhir/Patient/{camille.id}")
    missing = client.get(f"/fhir/Patient/{uuid.uuid4()}")
    issue = outcome(forbidden, 404, "not-found")
    assert issue["diagnostics"] == "Ressource introuvable."
    assert forbidden.content == missing.content
    [event] = audit_events(demo, camille.id)
    assert (event.outcome, event.actor_id) == ("denied", f"rpps:{PHARMACIST}")
    assert event.legal_basis is None


def test_english_diagnostics_on_request(demo: Container, sign_in: SignIn) -> None:
    response = sign_in(PHARMACIST).get(
        f"/fhir/Patient/{uuid.uuid4()}", headers={"Accept-Language": "en"}
    )
    assert outcome(response, 404)["diagnostics"] == "Resource not found."


def test_unauthenticated_gets_401(demo: Container, fhir_client: TestClient) -> None:
    camille = patient_of(demo, CAMILLE)
    response = fhir_client.get(f"/fhir/Patient/{camille.id}")
    outcome(response, 401, "login")
    assert response.headers["www-authenticate"] == "Bearer"


def test_bad_bearer_token_gets_401(demo: Container, fhir_client: TestClient) -> None:
    camille = patient_of(demo, CAMILLE)
    response = fhir_client.get(
        f"/fhir/Patient/{camille.id}", headers={"Authorization": "Bearer nope"}
    )
    assert "Jeton" in outcome(response, 401, "login")["diagnostics"]


def test_read_refuses_search_parameters(demo: Container, sign_in: SignIn) -> None:
    camille = patient_of(demo, CAMILLE)
    response = sign_in(CAMILLE).get(f"/fhir/Patient/{camille.id}", params={"_summary": "true"})
    assert "_summary" in outcome(response, 400, "not-supported")["diagnostics"]
