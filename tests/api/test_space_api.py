"""The JSON API of a space's lifecycle and of who acts for it."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta

import pyotp
import pytest
from fastapi.testclient import TestClient

from espace_sante import demo as demo_data
from espace_sante.accounts.dates import paris_today
from espace_sante.accounts.ins import control_key
from espace_sante.api import space as space_api
from espace_sante.app import create_app
from espace_sante.bootstrap import Container
from tests.api.conftest import BASE_URL
from tests.helpers import CAMILLE, JEANNE, THOMAS, person_session, professional_session
from tests.integration.people import add_person, child_space, invitation_token, space_of
from tests.web.pages import include_once

PAUL = "paul.durand@exemple.fr"
OPERATOR = "operateur@demo.espace-sante.localhost"


@pytest.fixture
def api(demo: Container) -> Iterator[TestClient]:
    app = create_app(demo)
    include_once(app, space_api.router)
    with TestClient(app, base_url=BASE_URL) as client:
        yield client


def as_person(api: TestClient, c: Container, email: str) -> None:
    api.cookies.set("es_session", person_session(c, email))


def until(c: Container, days: int = 90) -> str:
    return (paris_today(c.clock.now()) + timedelta(days=days)).isoformat()


def test_settings_invite_and_accept(api: TestClient, demo: Container) -> None:
    jeanne = space_of(demo, JEANNE)
    add_person(demo, PAUL, "1800175056401", "Paul", "Durand")
    as_person(api, demo, JEANNE)
    settings = api.get(f"/api/spaces/{jeanne}/settings").json()
    assert settings["status"]["state"] == "active"
    assert [c["name"] for c in settings["caregivers"]] == ["Camille Martin"]
    invited = api.post(f"/api/spaces/{jeanne}/caregivers",
                       json={"email": PAUL, "until": until(demo)})
    assert invited.status_code == 201 and invited.json()["kind"] == "caregiver"
    token = invitation_token(demo, PAUL)
    assert api.get(f"/api/invitations/{token}").json()["state"] == "pending"
    as_person(api, demo, PAUL)
    accepted = api.post(f"/api/invitations/{token}/accept")
    assert accepted.status_code == 200 and accepted.json()["patient_id"] == jeanne
    mine = api.get(f"/api/spaces/{jeanne}/my-delegation").json()
    assert mine["space_name"] == "Jeanne Dubois"
    assert api.delete(f"/api/spaces/{jeanne}/my-delegation").status_code == 204
    assert api.get(f"/api/spaces/{jeanne}/my-delegation").status_code == 404


def test_close_needs_confirmation_then_reopen(api: TestClient, demo: Container) -> None:
    camille = space_of(demo, CAMILLE)
    as_person(api, demo, CAMILLE)
    refused = api.post(f"/api/spaces/{camille}/close", json={"confirm": False})
    assert refused.status_code == 422 and refused.json()["title"] == "Confirmation requise."
    closed = api.post(f"/api/spaces/{camille}/close", json={"confirm": True}).json()
    assert closed["state"] == "closed" and closed["purge_due_at"].startswith("2036-11-22")
    assert api.get(f"/api/spaces/{camille}/summary").status_code == 404
    assert api.post(f"/api/spaces/{camille}/reopen").json()["state"] == "active"
    asked = api.post(f"/api/spaces/{camille}/deletion-request", json={"confirm": True}).json()
    assert asked["deletion_requested"] and asked["purge_due_at"].startswith("2026-12-22")


def test_revoke_and_cancel(api: TestClient, demo: Container) -> None:
    jeanne = space_of(demo, JEANNE)
    as_person(api, demo, JEANNE)
    (camille,) = api.get(f"/api/spaces/{jeanne}/settings").json()["caregivers"]
    assert api.delete(f"/api/spaces/{jeanne}/caregivers/{camille['id']}").status_code == 204
    invitation = api.post(f"/api/spaces/{jeanne}/caregivers",
                          json={"email": PAUL, "until": until(demo)}).json()
    gone = api.delete(f"/api/spaces/{jeanne}/invitations/{invitation['id']}")
    assert gone.status_code == 204
    assert api.get(f"/api/spaces/{jeanne}/settings").json()["invitations"] == []


def test_second_parent_and_tutor(api: TestClient, demo: Container) -> None:
    lea = child_space(demo)
    as_person(api, demo, THOMAS)
    sent = api.post(f"/api/spaces/{lea}/second-parent", json={"email": PAUL})
    assert sent.status_code == 201 and sent.json()["kind"] == "second_parent"
    code = pyotp.TOTP(demo_data.STAFF_TOTP_SECRETS[OPERATOR]).at(demo.clock.now())
    api.cookies.set("es_session", demo.authenticator.staff_login(
        OPERATOR, demo_data.DEMO_PASSWORD, code, "10.1.1.1"))
    nir = "241052A004017" + "00"
    refused = api.post("/api/operator/tutor-invitations", json={"nir": nir, "email": PAUL})
    assert refused.status_code == 422  # a wrong key is refused before anything
    jeanne_nir = "241052A004017" + control_key("241052A004017")
    tutor = api.post("/api/operator/tutor-invitations", json={"nir": jeanne_nir, "email": PAUL})
    assert tutor.status_code == 201, tutor.text
    assert tutor.json()["kind"] == "tutor"


@pytest.mark.parametrize("who", [CAMILLE, "10003456789"])
def test_another_space_answers_not_found(api: TestClient, demo: Container, who: str) -> None:
    thomas = space_of(demo, THOMAS)
    token = person_session(demo, who) if "@" in who else professional_session(demo, who)
    api.cookies.set("es_session", token)
    calls = [
        ("GET", "/settings", None), ("POST", "/close", {"confirm": True}),
        ("POST", "/reopen", None), ("POST", "/deletion-request", {"confirm": True}),
        ("POST", "/caregivers", {"email": PAUL, "until": until(demo)}),
        ("DELETE", f"/caregivers/{uuid.uuid4()}", None),
        ("POST", "/second-parent", {"email": PAUL}),
        ("DELETE", f"/invitations/{uuid.uuid4()}", None),
        ("GET", "/my-delegation", None), ("DELETE", "/my-delegation", None),
    ]
    for method, rest, body in calls:
        for space in (thomas, str(uuid.uuid4())):
            response = api.request(method, f"/api/spaces/{space}{rest}", json=body)
            assert response.status_code == 404, (method, rest, response.text)
            assert response.json()["title"] == "Ressource introuvable."
