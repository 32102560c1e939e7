"""The JSON API of a newcomer's first steps, as the mobile app calls it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from espace_sante.app import create_app
from espace_sante.bootstrap import Container
from espace_sante.core.clock import FrozenClock
from tests.api.conftest import BASE_URL
from tests.helpers import last_code
from tests.newcomers import (
    REFERENCE,
    Newcomer,
    latest_code,
    make_pending,
    nir,
    pdf_text,
    space,
    with_newcomer_routes,
)

PASSWORD = "un mot de passe assez long"


@pytest.fixture
def api(demo: Container) -> Iterator[TestClient]:
    with TestClient(with_newcomer_routes(create_app(demo)), base_url=BASE_URL) as client:
        yield client


@pytest.fixture
def nadia(demo: Container) -> Newcomer:
    return make_pending(demo)


def _body(n: Newcomer, **changes: str) -> dict[str, str]:
    return {"nir": n.nir, "code": n.code, "second_item": n.second_item, **changes}


def test_activation_creates_the_account_then_sign_in_works(
    api: TestClient, demo: Container, nadia: Newcomer
) -> None:
    response = api.post("/api/activation", json=_body(
        nadia, email="Nadia.Leroy@Example.org", password=PASSWORD))
    assert response.status_code == 201
    assert response.json() == {"state": "active", "email": "nadia.leroy@example.org",
                               "phone": None, "next": "/connexion"}
    assert space(demo, nadia.patient_id).state == "active"
    challenge = demo.authenticator.start_person_login("nadia.leroy@example.org", PASSWORD,
                                                      "testclient")
    demo.authenticator.finish_person_login(
        challenge.token, last_code(demo, "nadia.leroy@example.org"), "testclient")


def test_activation_by_mobile_then_sign_in_by_sms(api: TestClient, demo: Container) -> None:
    mobile = "+33712345678"
    n = make_pending(demo, email=None, phone=mobile)
    both = api.post("/api/activation", json=_body(n, email="n@example.org", phone=mobile,
                                                  password=PASSWORD))
    assert both.status_code == 422 and both.json()["field"] == "email"
    response = api.post("/api/activation", json=_body(n, phone="07 12 34 56 78",
                                                      password=PASSWORD))
    assert response.status_code == 201, response.text
    assert response.json() == {"state": "active", "email": None, "phone": mobile,
                               "next": "/connexion"}
    assert isinstance(demo.clock, FrozenClock)
    demo.clock.advance(timedelta(seconds=1))
    challenge = demo.authenticator.start_person_login(mobile, PASSWORD, "testclient")
    assert challenge.channel == "sms"
    demo.authenticator.finish_person_login(challenge.token, last_code(demo, mobile),
                                           "testclient")


def test_refusals_are_problem_documents_in_both_languages(
    api: TestClient, nadia: Newcomer
) -> None:
    wrong = api.post("/api/activation", json=_body(nadia, code="AAAABBBBCCCC",
                                                   email="n@example.org", password=PASSWORD))
    assert wrong.status_code == 422
    assert wrong.headers["content-type"] == "application/problem+json"
    assert wrong.json()["title"].startswith("Ces informations ne correspondent")
    english = api.post("/api/opposition", json=_body(nadia, second_item="0"),
                       headers={"Accept-Language": "en"})
    assert english.json()["title"].startswith("This information matches no space")
    short = api.post("/api/activation", json=_body(nadia, email="n@example.org",
                                                   password="court"))
    assert short.status_code == 422 and short.json()["field"] == "password"


def test_a_new_code_answers_alike(api: TestClient, demo: Container, nadia: Newcomer) -> None:
    unknown = api.post("/api/activation/new-code",
                       json={"nir": nir("1850375056999"), "second_item": "100200300"})
    assert isinstance(demo.clock, FrozenClock)
    demo.clock.advance(timedelta(seconds=1))
    known = api.post("/api/activation/new-code",
                     json={"nir": nadia.nir, "second_item": nadia.second_item})
    assert unknown.status_code == known.status_code == 202
    assert unknown.json() == known.json()
    assert latest_code(demo, "nadia@example.org").replace("-", "") != nadia.code


def test_opposition_returns_the_proof_reference(
    api: TestClient, demo: Container, nadia: Newcomer
) -> None:
    response = api.post("/api/opposition", json=_body(nadia))
    assert response.status_code == 201
    body = response.json()
    assert REFERENCE.fullmatch(body["reference"])
    assert body["proof_url"] == f"/opposition/{body['reference']}/preuve.pdf"
    assert space(demo, nadia.patient_id).state == "opposed"
    again = api.post("/api/opposition", json=_body(nadia))  # the code is revoked now
    assert again.status_code == 422


def test_the_proof_url_serves_the_pdf(api: TestClient, demo: Container,
                                      nadia: Newcomer) -> None:
    url = api.post("/api/opposition", json=_body(nadia)).json()["proof_url"]
    pdf = api.get(url)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    text = pdf_text(pdf.content)
    assert text is None or "Attestation d'opposition" in text


def test_the_routes_are_documented(api: TestClient) -> None:
    paths = api.get("/openapi.json").json()["paths"]
    for path in ("/api/activation", "/api/activation/new-code", "/api/opposition"):
        assert paths[path]["post"]["summary"], path
