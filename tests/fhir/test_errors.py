"""Every error under /fhir is an OperationOutcome: ours (405, unknown type, 406) and those
FastAPI raises itself (405, 422), rendered by gateway.errors."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from espace_sante.app import create_app
from espace_sante.bootstrap import Container
from espace_sante.core.audit import AuditEvent
from tests.fhir.support import outcome, patient_of
from tests.helpers import CAMILLE

SignIn = Callable[[str], TestClient]


@pytest.mark.parametrize(("method", "path"), [
    ("POST", "/fhir/Patient"), ("PUT", "/fhir/Patient/x"), ("DELETE", "/fhir/Patient/x"),
    ("PATCH", "/fhir/Patient/x"), ("POST", "/fhir/metadata"),
])
def test_writes_are_405(sign_in: SignIn, method: str, path: str) -> None:
    response = sign_in(CAMILLE).request(method, path)
    assert method in outcome(response, 405, "not-supported")["diagnostics"]


def test_post_with_a_malformed_body_is_400(sign_in: SignIn) -> None:
    response = sign_in(CAMILLE).post(
        "/fhir/Patient", content=b"<Patient/>", headers={"Content-Type": "application/fhir+xml"}
    )
    outcome(response, 400, "invalid")


def test_unknown_resource_type_is_404(sign_in: SignIn) -> None:
    response = sign_in(CAMILLE).get("/fhir/Appointment")
    issue = outcome(response, 404, "not-supported")
    assert "Type de ressource non pris en charge : Appointment" in issue["diagnostics"]


def test_unknown_paths_are_404(sign_in: SignIn) -> None:
    outcome(sign_in(CAMILLE).get("/fhir/Patient/x/_history"), 404, "not-found")


def test_the_base_only_takes_transactions(sign_in: SignIn) -> None:
    outcome(sign_in(CAMILLE).get("/fhir/"), 405, "not-supported")


def test_fastapi_405_is_an_operation_outcome(sign_in: SignIn) -> None:
    outcome(sign_in(CAMILLE).options("/fhir/Patient"), 405)


def test_fastapi_422_is_an_operation_outcome(demo: Container) -> None:
    # No /fhir route validates input through FastAPI today; a probe route (mounted before
    # the catch-all) checks that the installed handler would still answer FHIR.
    app = create_app(demo)

    @app.get("/fhir/_probe/{n}")
    def probe(n: int) -> dict[str, int]:
        return {"n": n}

    app.router.routes.insert(0, app.router.routes.pop())  # before the /fhir catch-all

    with TestClient(app) as client:
        issue = outcome(client.get("/fhir/_probe/not-a-number"), 422, "invalid")
    assert issue["expression"] == ["n"]


@pytest.mark.parametrize("fmt", ["xml", "application/fhir+xml", "text/xml", "ttl", "foo"])
def test_unsupported_format_is_406(demo: Container, sign_in: SignIn, fmt: str) -> None:
    camille = patient_of(demo, CAMILLE)
    response = sign_in(CAMILLE).get(f"/fhir/Patient/{camille.id}", params={"_format": fmt})
    assert "XML" in outcome(response, 406, "not-supported")["diagnostics"]


@pytest.mark.parametrize("fmt", ["json", "application/json", "application/fhir+json"])
def test_json_formats_are_accepted(demo: Container, sign_in: SignIn, fmt: str) -> None:
    camille = patient_of(demo, CAMILLE)
    response = sign_in(CAMILLE).get(f"/fhir/Patient/{camille.id}", params={"_format": fmt})
    assert response.status_code == 200


@pytest.mark.parametrize("accept", [
    "application/fhir+xml", "application/xml", "text/html", "application/fhir+json;q=0, text/xml",
])
def test_xml_accept_is_406(fhir_client: TestClient, accept: str) -> None:
    outcome(fhir_client.get("/fhir/metadata", headers={"Accept": accept}), 406, "not-supported")


@pytest.mark.parametrize("accept", [
    "application/fhir+json", "application/json", "application/fhir+json; fhirVersion=4.0",
    "*/*", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "",
])
def test_json_accept_is_served(fhir_client: TestClient, accept: str) -> None:
    assert fhir_client.get("/fhir/metadata", headers={"Accept": accept}).status_code == 200


def test_format_parameter_wins_over_accept(fhir_client: TestClient) -> None:
    response = fhir_client.get(
        "/fhir/metadata", params={"_format": "json"}, headers={"Accept": "application/json"}
    )
    assert response.status_code == 200
    outcome(fhir_client.get("/fhir/metadata", params={"_format": "xml"}), 406)


def test_metadata_refuses_other_parameters(fhir_client: TestClient) -> None:
    outcome(fhir_client.get("/fhir/metadata", params={"mode": "full"}), 400, "not-supported")


def test_refusals_of_random_ids_are_audited(demo: Container, sign_in: SignIn) -> None:
    """Refusals are audited; an id that is no space opens no chain of its own (core.uow)."""
    random_id = str(uuid.uuid4())
    client = sign_in(CAMILLE)
    outcome(client.get(f"/fhir/Patient/{random_id}"), 404, "not-found")
    outcome(client.get("/fhir/Patient/not-an-id"), 404, "not-found")
    with demo.factory() as session:
        events = session.scalars(select(AuditEvent).where(AuditEvent.outcome == "denied"))
        denied = {(e.patient_id, e.resource_id, e.action) for e in events}
    assert denied == {(None, random_id, "read"), (None, "not-an-id", "read")}
