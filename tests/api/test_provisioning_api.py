"""The insurer's provisioning API: an NDJSON register in the body, a bearer token of the
insurer's system client with the ``system/Provisioning.c`` scope, the run's summary back."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from espace_sante.accounts import provisioning
from espace_sante.accounts.models import Patient, ProvisioningRun
from espace_sante.accounts.provisioning_runs import finish_run
from espace_sante.api import provisioning as provisioning_api
from espace_sante.app import create_app
from espace_sante.bootstrap import Container
from espace_sante.oauth.models import OAuthClient
from tests.api.conftest import BASE_URL
from tests.helpers import CAMILLE, person_session
from tests.registers import child, nir, person, write_ndjson
from tests.web.pages import include_once

INSURER = "cnam-provisioning"
Bearer = Callable[..., dict[str, str]]


@pytest.fixture
def api(demo: Container) -> Iterator[TestClient]:
    app = create_app(demo)
    include_once(app, provisioning_api.router)  # until app.py mounts it
    with TestClient(app, base_url=BASE_URL) as client:
        yield client


@pytest.fixture
def bearer(demo: Container) -> Bearer:
    """A token for a client (the insurer by default) with the given scopes."""

    def issue(scopes: str = "system/Provisioning.c", client_id: str = INSURER) -> dict[str, str]:
        with demo.factory() as session:
            client = session.get(OAuthClient, client_id)
            if client is None:
                client = OAuthClient(client_id=client_id, name="Assurance Maladie",
                                     kind="insurer", jwks='{"keys": []}', scopes=scopes,
                                     active=True, created_at=demo.clock.now())
                session.add(client)
                session.flush()
            token = demo.tokens.issue(session, client, scopes)
            session.commit()
        return {"Authorization": f"Bearer {token.access_token}"}

    return issue


@pytest.fixture
def register(tmp_path: Path) -> bytes:
    rows = [person(1), person(2, email="", phone="0611223344"), child(3, parent=nir(1)),
            person(4, nir=nir(4)[:13] + "00")]
    return write_ndjson(tmp_path / "r.ndjson", rows).read_bytes()


def _count(c: Container, model: type) -> int:
    with c.factory() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


NDJSON = {"Content-Type": "application/x-ndjson"}


def test_the_insurer_imports_a_register_and_follows_the_run(
    api: TestClient, demo: Container, bearer: Bearer, register: bytes
) -> None:
    auth, before = bearer(), _count(demo, Patient)
    response = api.post("/api/provisioning?file_name=lot-42.ndjson", content=register,
                        headers=auth | NDJSON)
    assert response.status_code == 200, response.text
    run = response.json()
    assert (run["file_name"], run["status"], run["created"], run["refused"]) == (
        "lot-42.ndjson", "finished", 3, 1)
    assert run["issues"][0]["line"] == 4 and "key" in run["issues"][0]["reason_en"]
    followed = api.get(f"/api/provisioning/runs/{run['id']}", headers=auth)
    assert followed.status_code == 200 and followed.json() == run
    again = api.post("/api/provisioning", content=register, headers=auth | NDJSON)
    assert again.json()["id"] == run["id"] and _count(demo, Patient) == before + 3


def test_an_import_is_followed_by_the_file_hash_while_it_runs(
    api: TestClient, demo: Container, bearer: Bearer, register: bytes,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    auth, sha256 = bearer(), hashlib.sha256(register).hexdigest()
    assert api.get(f"/api/provisioning?sha256={sha256}", headers=auth).status_code == 404
    seen: list[dict[str, object]] = []

    def follow_then_finish(*args: object) -> None:
        # The POST is still running: a second client, as the insurer's poller would be.
        poller = TestClient(api.app, base_url=BASE_URL)
        seen.append(poller.get(f"/api/provisioning?sha256={sha256.upper()}",
                               headers=auth).json())
        finish_run(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(provisioning, "finish_run", follow_then_finish)
    done = api.post("/api/provisioning?file_name=lot-43.ndjson", content=register,
                    headers=auth | NDJSON).json()
    [during] = seen
    assert (during["id"], during["status"], during["lines_done"], during["created"]) == (
        done["id"], "running", 4, 3)
    after = api.get(f"/api/provisioning?sha256={sha256}", headers=auth)
    assert after.status_code == 200 and after.json() == done
    assert done["status"] == "finished" and done["file_sha256"] == sha256


def test_following_by_hash_is_for_the_insurer_and_operators_only(
    api: TestClient, demo: Container, bearer: Bearer, register: bytes
) -> None:
    api.post("/api/provisioning", content=register, headers=bearer() | NDJSON)
    url = f"/api/provisioning?sha256={hashlib.sha256(register).hexdigest()}"
    assert api.get(url, headers=bearer("system/Provisioning.r")).status_code == 200
    assert api.get(url, headers=bearer("system/Provisioning.c", "chd-demoville")
                   ).status_code == 404
    assert api.get(url, headers={"Authorization": "Bearer nope"}).status_code == 401
    assert api.get("/api/provisioning?sha256=abc", headers=bearer()).status_code == 422
    api.cookies.set("es_session", person_session(demo, CAMILLE))
    assert api.get(url).status_code == 404


def test_the_body_is_streamed_in_chunks(api: TestClient, bearer: Bearer,
                                        register: bytes) -> None:
    def chunks() -> Iterator[bytes]:
        for i in range(0, len(register), 7):
            yield register[i : i + 7]

    response = api.post("/api/provisioning", content=chunks(), headers=bearer() | NDJSON)
    assert response.status_code == 200 and response.json()["created"] == 3


def test_a_body_that_is_not_ndjson_is_refused_whole(
    api: TestClient, demo: Container, bearer: Bearer
) -> None:
    response = api.post("/api/provisioning", content=b"nir;birth_family_name\n1;2\n",
                        headers=bearer() | NDJSON)
    assert response.status_code == 422
    assert response.json()["title"].startswith("Fichier refusé, rien n'a été importé")
    assert _count(demo, ProvisioningRun) == 0


@pytest.mark.parametrize(("scopes", "client_id"), [
    ("system/Patient.rs", INSURER),  # the insurer, without the provisioning scope
    ("system/Provisioning.c", "chd-demoville"),  # a hospital, whatever its token says
])
def test_other_clients_and_scopes_are_forbidden(
    api: TestClient, demo: Container, bearer: Bearer, register: bytes, scopes: str,
    client_id: str,
) -> None:
    auth = bearer(scopes, client_id)
    response = api.post("/api/provisioning", content=register, headers=auth | NDJSON)
    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"
    assert _count(demo, ProvisioningRun) == 0


def test_runs_are_not_found_for_anyone_but_the_insurer_and_operators(
    api: TestClient, demo: Container, bearer: Bearer, register: bytes
) -> None:
    run = api.post("/api/provisioning", content=register, headers=bearer() | NDJSON).json()
    hospital = bearer("system/Provisioning.c", "chd-demoville")
    assert api.get(f"/api/provisioning/runs/{run['id']}", headers=hospital).status_code == 404
    api.cookies.set("es_session", person_session(demo, CAMILLE))
    assert api.get(f"/api/provisioning/runs/{run['id']}").status_code == 404
    assert api.post("/api/provisioning", content=register, headers=NDJSON).status_code == 403


def test_no_token_no_import(api: TestClient, register: bytes) -> None:
    response = api.post("/api/provisioning", content=register, headers=NDJSON)
    assert response.status_code == 401
    assert api.get("/api/provisioning/runs/x", headers={"Authorization": "Bearer nope"}
                   ).status_code == 401


def test_the_api_is_documented(api: TestClient) -> None:
    paths = api.get("/openapi.json").json()["paths"]
    assert "application/x-ndjson" in paths["/api/provisioning"]["post"]["requestBody"]["content"]
    assert "get" in paths["/api/provisioning/runs/{run_id}"]
    assert paths["/api/provisioning"]["get"]["parameters"][0]["name"] == "sha256"
