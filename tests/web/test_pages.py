"""The landing, home, access history, staff and development pages."""

from __future__ import annotations

import html
import re

import pyotp
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from espace_sante import demo as demo_data
from espace_sante.accounts import service
from espace_sante.accounts.models import Patient
from espace_sante.bootstrap import Container
from espace_sante.core.clock import FrozenClock
from tests.helpers import (
    CAMILLE,
    DR_DURAND,
    DR_LEFEVRE,
    JEANNE,
    THOMAS,
    actor_of,
    professional_session,
)
from tests.web.pages import alert, csrf, sign_in

OPERATOR, COMMISSION = demo_data.STAFF_TOTP_SECRETS


def patient_id(c: Container, email: str) -> str:
    person = next(p for p in demo_data.PEOPLE if p.email == email)
    with c.factory() as session:
        pid = session.scalar(select(Patient.id).where(Patient.nir.startswith(person.nir13)))
    assert pid is not None
    return pid


def cards(page: str) -> list[str]:
    return re.findall(r"<article aria-labelledby=.*?</article>", page, re.S)


def counts(card: str) -> list[int]:
    return [int(n) for n in re.findall(r'<dd class="count">(\d+)</dd>', card)]


def test_landing_offers_the_three_ways_in(web: TestClient) -> None:
    page = web.get("/")
    assert page.status_code == 200
    assert page.text.count("<h1") == 1
    for link in ('href="/connexion"', 'href="/pro/connexion"', 'href="/staff/connexion"'):
        assert link in page.text


def test_home_shows_each_space_with_its_real_counts(web: TestClient, demo: Container) -> None:
    cardiologist = actor_of(demo, professional_session(demo, DR_LEFEVRE))
    service.get_patient(demo.uow, cardiologist, patient_id(demo, JEANNE))
    sign_in(web, demo, CAMILLE)
    page = web.get("/accueil")
    assert page.status_code == 200
    own, jeanne = cards(page.text)
    assert "Camille Martin" in own and "Votre accès : votre propre espace" in own
    assert "Jeanne Dubois" in jeanne and "Votre accès : aidant" in jeanne
    assert f"/espaces/{patient_id(demo, CAMILLE)}/historique" in own
    assert "/historique" not in jeanne  # a caregiver does not see the history
    # Accesses by others: the cardiologist's read; the caregiver's own visits do not count.
    assert counts(own) == [1, 0, 0]
    assert counts(jeanne) == [3, 1, 1]
    assert counts(cards(web.get("/accueil").text)[1]) == [3, 1, 1]


def test_a_parent_sees_his_child_as_legal_representative(web: TestClient, demo: Container) -> None:
    sign_in(web, demo, THOMAS)
    own, lea = cards(web.get("/accueil").text)
    assert "Thomas Bernard" in own
    assert "Léa Bernard" in lea and "représentant légal" in lea
    assert "/historique" in lea


def test_home_sends_others_to_their_pages(web: TestClient, demo: Container) -> None:
    assert web.get("/accueil").headers["location"] == "/connexion"
    web.cookies.set("es_session", demo.authenticator.professional_login(DR_DURAND),
                    domain="127.0.0.1")
    assert web.get("/accueil").headers["location"] == "/pro"


def test_access_history_is_an_accessible_table(web: TestClient, demo: Container) -> None:
    sign_in(web, demo, CAMILLE)
    page = web.get(f"/espaces/{patient_id(demo, CAMILLE)}/historique")
    assert page.status_code == 200
    text = html.unescape(page.text)
    assert "<caption" in text and '<th scope="col">Qui</th>' in text
    assert "connexion · session" in text and "votre propre espace" in text
    assert "22 novembre 2026 à 10:00" in text  # 09:00 UTC is 10:00 in Paris in November
    assert "titulaire de l'espace" in text


def test_access_history_in_english(web: TestClient, demo: Container) -> None:
    sign_in(web, demo, CAMILLE)
    page = web.get(f"/espaces/{patient_id(demo, CAMILLE)}/historique?lang=en")
    assert '<html lang="en"' in page.text
    assert "<h1>Access history</h1>" in page.text
    assert "sign-in · session" in page.text and "your own space" in page.text
    assert "22 November 2026, 10:00" in page.text


@pytest.mark.parametrize("owner", [THOMAS, JEANNE])
def test_history_of_another_space_is_not_found(
    web: TestClient, demo: Container, owner: str
) -> None:
    sign_in(web, demo, CAMILLE)  # Jeanne's caregiver, a stranger to Thomas
    url = f"/espaces/{patient_id(demo, owner)}/historique"
    french = web.get(url)
    assert french.status_code == 404
    assert "Page introuvable" in french.text and "Ressource introuvable." in french.text
    english = web.get(url, headers={"Accept-Language": "en"})
    assert english.status_code == 404
    assert "Page not found" in english.text and "Resource not found." in english.text


def test_a_refused_access_shows_in_the_owners_history(web: TestClient, demo: Container) -> None:
    url = f"/espaces/{patient_id(demo, JEANNE)}/historique"
    sign_in(web, demo, CAMILLE)
    assert web.get(url).status_code == 404  # her caregiver may not read the history...
    web.post("/deconnexion", data={"csrf_token": web.cookies["es_csrf"]})
    sign_in(web, demo, JEANNE)
    rows = re.findall(r"<tr>.*?</tr>", html.unescape(web.get(url).text), re.S)
    refused = [r for r in rows if "refusé" in r]  # ...and Jeanne sees that she tried
    assert len(refused) == 1
    for cell in ("Camille Martin", "<td>aidant</td>", "consultation · historique des accès",
                 '<strong class="denied">refusé</strong>'):
        assert cell in refused[0]


def test_history_when_signed_out_goes_to_sign_in(web: TestClient, demo: Container) -> None:
    url = f"/espaces/{patient_id(demo, CAMILLE)}/historique"
    assert web.get(url).headers["location"] == "/connexion"


def staff_sign_in(web: TestClient, c: Container, email: str, code: str) -> str:
    token = csrf(web, "/staff/connexion")
    response = web.post("/staff/connexion", data={
        "email": email, "password": demo_data.DEMO_PASSWORD, "totp": code, "csrf_token": token})
    return alert(response) if response.status_code != 303 else response.headers["location"]


def totp(email: str, clock: FrozenClock) -> str:
    return str(pyotp.TOTP(demo_data.STAFF_TOTP_SECRETS[email]).at(clock.now()))


@pytest.mark.parametrize(("email", "title"), [(OPERATOR, "Console opérateur"),
                                              (COMMISSION, "Commission de référencement")])
def test_staff_sign_in_and_console(
    web: TestClient, demo: Container, clock: FrozenClock, email: str, title: str
) -> None:
    assert staff_sign_in(web, demo, email, totp(email, clock)) == "/staff"
    page = web.get("/staff")
    assert f"<h1>{title}</h1>" in page.text
    assert "aucune donnée médicale" in page.text
    assert web.get("/accueil").headers["location"] == "/staff"


def test_staff_sign_in_refuses_bad_codes_and_persons(
    web: TestClient, demo: Container, clock: FrozenClock
) -> None:
    assert staff_sign_in(web, demo, OPERATOR, "000000").startswith("Identifiant ou mot de passe")
    assert staff_sign_in(web, demo, CAMILLE, totp(OPERATOR, clock)).startswith("Identifiant")
    assert web.get("/staff").headers["location"] == "/staff/connexion"
    sign_in(web, demo, CAMILLE)
    assert web.get("/staff").headers["location"] == "/accueil"


def test_dev_outbox_shows_codes_and_staff_totp(
    web: TestClient, demo: Container, clock: FrozenClock
) -> None:
    sign_in(web, demo, CAMILLE)
    page = html.unescape(web.get("/dev/outbox").text)
    assert "Votre code de connexion Espace Santé" in page and CAMILLE in page
    assert totp(OPERATOR, clock) in page and totp(COMMISSION, clock) in page
    assert "mode développement" in page


def test_language_choice_is_remembered(web: TestClient) -> None:
    english = web.get("/?lang=en")
    assert "Sign in" in english.text and web.cookies["lang"] == "en"
    login = web.get("/connexion")
    assert '<html lang="en"' in login.text and "E-mail address" in login.text


def test_dev_outbox_without_demo_accounts_still_lists_messages(
    web: TestClient, demo: Container
) -> None:
    sign_in(web, demo, CAMILLE)
    web.app.state.demo_accounts = None  # type: ignore[attr-defined]
    page = web.get("/dev/outbox")
    assert page.status_code == 200
    assert "Votre code de connexion" in page.text and "TOTP" not in page.text
