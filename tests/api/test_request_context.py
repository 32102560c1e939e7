"""Every response carries the request id and the security headers; the id reaches the
audit events the request wrote."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from espace_sante.bootstrap import Container
from espace_sante.core.audit import AuditEvent
from tests.helpers import CAMILLE, actor_of, person_session


def test_request_id_reaches_the_audit_trail(client: TestClient, demo: Container) -> None:
    token = person_session(demo, CAMILLE)
    pid = actor_of(demo, token).own_patient_id
    client.cookies.set("es_session", token)
    response = client.get(f"/fhir/Patient/{pid}", headers={"X-Request-ID": "rid-test-42"})
    assert response.status_code == 200
    assert response.headers["x-request-id"] == "rid-test-42"
    with demo.factory() as s:
        ids = set(s.scalars(select(AuditEvent.request_id).where(AuditEvent.patient_id == pid)))
    assert "rid-test-42" in ids


def test_security_headers_everywhere(client: TestClient) -> None:
    for path in ("/", "/healthz", "/fhir/metadata", "/api/me", "/nowhere"):
        headers = client.get(path).headers
        assert headers["x-content-type-options"] == "nosniff"
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
        assert "unsafe-inline" not in headers["content-security-policy"]
        assert len(headers["x-request-id"]) == 32


def test_openapi_docs_served_locally(client: TestClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200
    assert "/static/vendor/swagger-ui-bundle.js" in page.text
    assert client.get("/redoc").status_code == 404
    assert client.get("/openapi.json").json()["info"]["title"] == "Espace Santé API"
