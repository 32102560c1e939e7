"""/fhir/metadata and /fhir/.well-known/smart-configuration: only what is implemented."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from fastapi.testclient import TestClient
from fhir.resources.R4B.capabilitystatement import CapabilityStatement

from espace_sante import __version__
from espace_sante.fhir.capability import OAUTH_URIS, capability_statement
from espace_sante.fhir.interactions import ResourceSupport
from espace_sante.fhir.mapping.patient import FR_CORE_PATIENT
from espace_sante.fhir.registry import RESOURCES
from espace_sante.fhir.smart import configuration
from tests.fhir.conftest import BASE
from tests.fhir.support import FHIR_JSON


def test_metadata_is_a_valid_r4_capability_statement_without_auth(fhir_client: TestClient) -> None:
    response = fhir_client.get("/fhir/metadata")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(FHIR_JSON)
    body = response.json()
    CapabilityStatement.model_validate(body)
    assert (body["status"], body["kind"], body["fhirVersion"]) == ("active", "instance", "4.0.1")
    assert body["format"] == ["json"]
    assert body["software"] == {"name": "Espace Santé", "version": __version__}
    assert body["implementation"]["url"] == f"{BASE}/fhir"


def test_metadata_lists_what_the_router_serves(fhir_client: TestClient) -> None:
    [rest] = fhir_client.get("/fhir/metadata").json()["rest"]
    assert rest["mode"] == "server"
    patient, documents, binary, observation, *clinical = rest["resource"]
    assert (documents["type"], binary["type"]) == ("DocumentReference", "Binary")
    assert [r["type"] for r in clinical] == [
        "AllergyIntolerance", "Condition", "MedicationStatement", "Immunization",
        "FamilyMemberHistory", "RelatedPerson"]
    for resource in clinical:
        assert [i["code"] for i in resource["interaction"]] == [
            "read", "update", "delete", "create", "search-type"]
        assert "aucun scope SMART" in resource["documentation"]  # the policy: sessions only
    assert [i["code"] for i in observation["interaction"]] == [
        "read", "delete", "create", "search-type"]
    assert {p["name"] for p in observation["searchParam"]} == {
        "patient", "code", "category", "date", "_sort", "_count", "_offset"}
    assert ("https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-observation-bp"
            in observation["supportedProfile"])
    assert [i["code"] for i in documents["interaction"]] == ["read", "create", "search-type"]
    assert [i["code"] for i in binary["interaction"]] == ["read"]
    assert {"patient", "category", "type", "date", "status", "_sort", "_count"} <= {
        p["name"] for p in documents["searchParam"]}
    [transaction] = rest["interaction"]
    assert transaction["code"] == "transaction" and "ITI-65" in transaction["documentation"]
    assert patient["type"] == "Patient"
    assert patient["profile"] == FR_CORE_PATIENT
    assert [i["code"] for i in patient["interaction"]] == ["read", "search-type"]
    assert {p["name"]: p["type"] for p in patient["searchParam"]} == {
        "_id": "token", "identifier": "token"
    }
    assert "operation" not in rest


def test_metadata_announces_smart_oauth_endpoints(fhir_client: TestClient) -> None:
    security = fhir_client.get("/fhir/metadata").json()["rest"][0]["security"]
    [service] = security["service"]
    assert service["coding"][0]["code"] == "SMART-on-FHIR"
    [oauth] = security["extension"]
    assert oauth["url"] == OAUTH_URIS
    uris = {e["url"]: e["valueUri"] for e in oauth["extension"]}
    assert uris == {
        "token": f"{BASE}/oauth/token",
        "revoke": f"{BASE}/oauth/revoke",
        "introspect": f"{BASE}/oauth/introspect",
    }


def test_metadata_ignores_a_session_and_accepts_format_json(fhir_client: TestClient) -> None:
    fhir_client.cookies.set("es_session", "not-a-session")
    assert fhir_client.get("/fhir/metadata", params={"_format": "json"}).status_code == 200


def test_capability_statement_follows_the_registry() -> None:
    """A type added to the registry appears, with only the interactions it implements."""
    appointment = ResourceSupport(
        type="Appointment", profile="http://example.org/appointment",
        read=RESOURCES["Patient"].read,
    )
    registry = {**RESOURCES, "Appointment": appointment}
    statement = capability_statement(BASE, datetime(2026, 1, 1, tzinfo=UTC), registry)
    CapabilityStatement.model_validate(statement)
    resources = {r["type"]: r for r in statement["rest"][0]["resource"]}
    assert set(resources) == {*RESOURCES, "Appointment"}
    assert resources["Appointment"]["interaction"] == [{"code": "read"}]
    assert "searchParam" not in resources["Appointment"]
    scopes = configuration(BASE, registry)["scopes_supported"]
    assert "system/Appointment.r" in scopes and "system/Appointment.s" not in scopes


def test_a_type_without_handlers_announces_no_scope() -> None:
    empty = replace(RESOURCES["Patient"], read=None, search=None)
    assert configuration(BASE, {"Patient": empty})["scopes_supported"] == []


def test_smart_configuration(fhir_client: TestClient) -> None:
    response = fhir_client.get("/fhir/.well-known/smart-configuration")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.json() == {
        "token_endpoint": f"{BASE}/oauth/token",
        "introspection_endpoint": f"{BASE}/oauth/introspect",
        "revocation_endpoint": f"{BASE}/oauth/revoke",
        "token_endpoint_auth_methods_supported": ["private_key_jwt"],
        "token_endpoint_auth_signing_alg_values_supported": ["RS384", "ES384"],
        "grant_types_supported": ["client_credentials"],
        "scopes_supported": [
            "system/Patient.rs", "system/Patient.r", "system/Patient.s", "patient/Patient.rs",
            "system/DocumentReference.crs", "system/DocumentReference.c",
            "system/DocumentReference.r", "system/DocumentReference.s",
            "patient/DocumentReference.crs", "system/Binary.r", "patient/Binary.r",
            "system/Observation.crds", "system/Observation.c", "system/Observation.r",
            "system/Observation.d", "system/Observation.s", "patient/Observation.crds",
        ],
        "capabilities": ["client-confidential-asymmetric"],
    }


def test_openapi_documents_every_fhir_route(fhir_client: TestClient) -> None:
    """Warnings are errors: duplicate operation ids would break /openapi.json."""
    paths = fhir_client.get("/openapi.json").json()["paths"]
    assert set(paths["/fhir/{path}"]) == {"get", "post", "put", "patch", "delete"}
    fhir_ops = [op for p, ops in paths.items() if p.startswith("/fhir") for op in ops.values()]
    assert all(op.get("summary") for op in fhir_ops)
