"""Every response carries the request id and the security headers; the id reaches the
audit events the request wrote."""

from __future__ import annotations

import asyncio

from fastapi.testclient import TestClient
from sqlalchemy import select

from espace_sante.bootstrap import Container
from espace_sante.core.audit import AuditEvent
from espace_sante.gateway.middleware import RequestContext
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


async def _call(path: str, headers: list[tuple[bytes, bytes]]) -> list[dict[str, object]]:
    """Drive the middleware over a bare app that answers 200, recording what it sends."""
    async def app(scope: object, receive: object, send: object) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})  # type: ignore[operator]
        await send({"type": "http.response.body", "body": b"ok"})  # type: ignore[operator]

    sent: list[dict[str, object]] = []

    async def send(message: dict[str, object]) -> None:
        sent.append(message)

    async def receive() -> dict[str, object]:
        return {"type": "http.request", "body": b""}

    scope = {"type": "http", "path": path, "headers": headers, "method": "POST"}
    await RequestContext(app, production=False)(scope, receive, send)  # type: ignore[arg-type]
    return sent


def _status_and_headers(path: str, length: int) -> tuple[object, dict[bytes, bytes]]:
    start = asyncio.run(_call(path, [(b"content-length", str(length).encode())]))[0]
    return start["status"], dict(start["headers"])  # type: ignore[call-overload]


def test_bodies_beyond_the_limit_are_refused_before_being_read() -> None:
    mb = 1024 * 1024
    assert _status_and_headers("/espaces/x/documents/ajout", 21 * mb)[0] == 413
    assert _status_and_headers("/espaces/x/documents/ajout", 6 * mb)[0] == 200  # the page says
    assert _status_and_headers("/api/spaces/x/documents", 250 * mb)[0] == 200
    status, headers = _status_and_headers("/fhir", 301 * mb)
    assert status == 413 and headers[b"content-type"] == b"application/fhir+json"


def test_only_a_documents_content_may_be_framed_and_only_here() -> None:
    _, headers = _status_and_headers("/espaces/p/documents/d/contenu", 0)
    assert headers[b"x-frame-options"] == b"SAMEORIGIN"
    assert b"frame-ancestors 'self'" in headers[b"content-security-policy"]
    for path in ("/espaces/p/documents/d", "/espaces/p/documents/d/telecharger"):
        _, headers = _status_and_headers(path, 0)
        assert headers[b"x-frame-options"] == b"DENY"
