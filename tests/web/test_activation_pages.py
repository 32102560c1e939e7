"""A newcomer's pages through the real forms: activation in two steps then the first
sign-in, a new code, opposition and its proof, the operator's console."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from fastapi.testclient import TestClient
from httpx2 import Response

from espace_sante.app import create_app
from espace_sante.bootstrap import Container
from espace_sante.core.clock import FrozenClock
from espace_sante.web.activation_ticket import COOKIE as TICKET
from espace_sante.web.i18n import CATALOGUES
from espace_sante.web.render import TEMPLATES, env
from tests.helpers import CAMILLE, last_code
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
from tests.web.conftest import BASE_URL
from tests.web.pages import alert, csrf, send_code, set_cookie_header, sign_in, with_pages

PASSWORD = "un mot de passe assez long"
OPERATOR = "operateur@demo.espace-sante.localhost"


@pytest.fixture
def web(demo: Container) -> Iterator[TestClient]:
    app = with_newcomer_routes(with_pages(create_app(demo)))
    with TestClient(app, base_url=BASE_URL, follow_redirects=False) as client:
        yield client


@pytest.fixture
def nadia(demo: Container) -> Newcomer:
    return make_pending(demo)


def identity(web: TestClient, page: str, n: Newcomer, **changes: str) -> Response:
    data = {"nir": n.nir, "code": n.code, "second_item": n.second_item,
            "csrf_token": csrf(web, page), **changes}
    return web.post(page, data=data)


def choose_account(web: TestClient, email: str = "nadia.leroy@example.org",
                   password: str = PASSWORD, again: str = PASSWORD) -> Response:
    return web.post("/activer/compte", data={
        "email": email, "password": password, "password_again": again,
        "csrf_token": web.cookies["es_csrf"]})


def main(response: Response) -> str:
    found = re.search(r"<main.*?</main>", response.text, re.S)
    assert found
    return re.sub(r'name="csrf_token" value="[^"]*"', "", found.group(0))


def test_the_landing_page_leads_newcomers_in(web: TestClient) -> None:
    page = html.unescape(web.get("/").text)
    assert 'href="/activer"' in page and "Activer mon espace" in page
    assert 'href="/opposition"' in page and "Je m'oppose à la création de mon espace" in page


def test_activation_then_first_sign_in_lands_on_the_home_page(
    web: TestClient, demo: Container, nadia: Newcomer
) -> None:
    form = web.get("/activer").text
    for field in ('id="nir"', 'id="code"', 'id="second_item"'):
        tag = re.search(rf"<input {field}[^>]*>", form, re.S)
        assert tag and 'autocomplete="off"' in tag.group(0) and "inputmode=" in tag.group(0)
    first = identity(web, "/activer", nadia)
    assert first.status_code == 303 and first.headers["location"] == "/activer/compte"
    ticket = set_cookie_header(first, TICKET)
    assert "HttpOnly" in ticket and "Path=/activer" in ticket and "SameSite=strict" in ticket
    assert nadia.code not in ticket and nadia.nir not in ticket  # sealed, not in clear
    assert "Étape 2 sur 2" in web.get("/activer/compte").text

    mismatch = choose_account(web, again=PASSWORD + "!")
    assert mismatch.status_code == 422 and "pas identiques" in alert(mismatch)
    done = choose_account(web)
    assert done.status_code == 303 and done.headers["location"] == "/connexion/code"
    assert space(demo, nadia.patient_id).state == "active"
    code_page = web.get("/connexion/code").text
    assert "n•••y@example.org" in html.unescape(code_page)
    home = send_code(web, last_code(demo, "nadia.leroy@example.org"))
    assert home.headers["location"] == "/accueil"
    assert "Bonjour Nadia Leroy" in web.get("/accueil").text


def test_activation_by_sms_then_first_sign_in_with_the_number(
    web: TestClient, demo: Container
) -> None:
    mobile = "+33612345678"
    newcomer = make_pending(demo, email=None, phone=mobile)  # the register's line: a phone
    first = identity(web, "/activer", newcomer)
    assert first.headers["location"] == "/activer/compte?par=sms"
    form = web.get(first.headers["location"]).text
    assert "Étape 2 sur 2 : numéro de mobile et mot de passe" in form
    assert re.search(r'<input id="phone" name="phone" type="tel"', form)
    assert 'id="email"' not in form and 'href="/activer/compte"' in form
    landline = web.post("/activer/compte", data={
        "par": "sms", "phone": "01 23 45 67 89", "password": PASSWORD, "password_again": PASSWORD,
        "csrf_token": web.cookies["es_csrf"]})
    assert landline.status_code == 422 and alert(landline).startswith("Numéro de mobile invalide")
    assert re.search(r'<input id="phone"[^>]*aria-invalid="true"', landline.text, re.S)
    assert 'value="01 23 45 67 89"' in landline.text
    assert isinstance(demo.clock, FrozenClock)
    demo.clock.advance(timedelta(seconds=1))  # the sign-in code is the latest SMS
    done = web.post("/activer/compte", data={
        "par": "sms", "phone": "06 12 34 56 78", "password": PASSWORD,
        "password_again": PASSWORD, "csrf_token": web.cookies["es_csrf"]})
    assert done.status_code == 303 and done.headers["location"] == "/connexion/code"
    code_page = html.unescape(web.get("/connexion/code").text)
    assert "par SMS au numéro +33 6 •• •• •• 78" in code_page and mobile not in code_page
    assert send_code(web, last_code(demo, mobile)).headers["location"] == "/accueil"
    assert "Bonjour Nadia Leroy" in web.get("/accueil").text
    # Later sign-ins: the number, typed as people write it, then a code by SMS.
    web.post("/deconnexion", data={"csrf_token": web.cookies["es_csrf"]})
    demo.clock.advance(timedelta(seconds=1))
    again = web.post("/connexion", data={"email": "06 12 34 56 78", "password": PASSWORD,
                                         "csrf_token": csrf(web)})
    assert again.headers["location"] == "/connexion/code"
    assert send_code(web, last_code(demo, mobile)).headers["location"] == "/accueil"


def test_an_address_holder_may_choose_sms_instead(web: TestClient, nadia: Newcomer) -> None:
    identity(web, "/activer", nadia)
    form = web.get("/activer/compte").text
    assert 'id="email"' in form and 'href="/activer/compte?par=sms"' in form
    assert 'id="phone"' in web.get("/activer/compte?par=sms").text


def test_a_wrong_item_gets_the_generic_message_and_the_code_is_not_shown_again(
    web: TestClient, nadia: Newcomer
) -> None:
    wrong = identity(web, "/activer", nadia, second_item="999999999")
    assert wrong.status_code == 422
    message = alert(wrong)
    unknown = identity(web, "/activer", nadia, nir=nir("1850375056999"))
    assert alert(unknown) == message and message.startswith("Ces informations")
    assert nadia.code not in wrong.text and f'value="{nadia.nir}"' in wrong.text
    code = re.search(r'<input id="code"[^>]*>', wrong.text, re.S)
    assert code and 'aria-describedby="erreur code-aide"' in code.group(0)
    assert 'aria-invalid="true"' in code.group(0)


def test_a_malformed_nir_is_pointed_at(web: TestClient, nadia: Newcomer) -> None:
    bad = identity(web, "/activer", nadia, nir=nadia.nir[:-2] + "00")
    assert "clé" in alert(bad)
    nir_input = re.search(r'<input id="nir"[^>]*>', bad.text, re.S)
    code_input = re.search(r'<input id="code"[^>]*>', bad.text, re.S)
    assert nir_input and 'aria-invalid="true"' in nir_input.group(0)
    assert code_input and "aria-invalid" not in code_input.group(0)


def test_step_two_needs_a_fresh_first_step(
    web: TestClient, demo: Container, nadia: Newcomer
) -> None:
    assert web.get("/activer/compte").headers["location"] == "/activer"
    identity(web, "/activer", nadia)
    assert isinstance(demo.clock, FrozenClock)
    demo.clock.advance(timedelta(minutes=16))
    assert web.get("/activer/compte").headers["location"] == "/activer"
    web.cookies.set(TICKET, "forged", path="/activer")
    assert web.get("/activer/compte").headers["location"] == "/activer"


def test_a_taken_address_is_said_on_step_two(web: TestClient, nadia: Newcomer) -> None:
    identity(web, "/activer", nadia)
    taken = choose_account(web, email=CAMILLE)
    assert taken.status_code == 409 and "déjà celle d'un autre compte" in alert(taken)
    assert re.search(r'<input id="email"[^>]*aria-invalid="true"', taken.text, re.S)


@pytest.mark.parametrize("page", ["/activer", "/activer/compte", "/activer/nouveau-code",
                                  "/opposition", "/staff/opposition",
                                  "/staff/opposition/reouverture"])
def test_every_form_needs_its_csrf_token(web: TestClient, page: str) -> None:
    web.get("/activer")
    response = web.post(page, data={"nir": "1", "csrf_token": "not-the-cookie"})
    assert response.status_code == 403


def test_a_new_code_page_answers_alike_for_anyone(
    web: TestClient, demo: Container, nadia: Newcomer
) -> None:
    unknown = identity(web, "/activer/nouveau-code", nadia, nir=nir("1850375056999"))
    assert isinstance(demo.clock, FrozenClock)
    demo.clock.advance(timedelta(seconds=1))
    known = identity(web, "/activer/nouveau-code", nadia)
    assert unknown.status_code == known.status_code == 200
    assert main(unknown) == main(known) and "Demande enregistrée" in known.text
    assert latest_code(demo, "nadia@example.org").replace("-", "") != nadia.code


def test_opposition_gives_the_proof_at_once(
    web: TestClient, demo: Container, nadia: Newcomer
) -> None:
    unconfirmed = identity(web, "/opposition", nadia)
    assert "Cochez la case" in alert(unconfirmed)
    done = identity(web, "/opposition", nadia, confirm="yes")
    assert done.status_code == 303
    reference = done.headers["location"].removeprefix("/opposition/")
    assert REFERENCE.fullmatch(reference)
    page = web.get(done.headers["location"])
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    assert reference in page.text and "Nadia Leroy, votre espace santé ne sera pas créé" in (
        html.unescape(page.text))
    assert f'href="/opposition/{reference}/preuve.pdf"' in page.text
    pdf = web.get(f"/opposition/{reference}/preuve.pdf")
    assert pdf.headers["content-type"] == "application/pdf"
    assert f'filename="attestation-opposition-{reference}.pdf"' in (
        pdf.headers["content-disposition"])
    text = pdf_text(pdf.content)
    assert text is None or (reference in text and "Leroy" in text)
    english = pdf_text(web.get(f"/opposition/{reference}/preuve.pdf?lang=en").content)
    assert english is None or "Proof of opposition" in english
    assert space(demo, nadia.patient_id).state == "opposed"
    assert web.get("/opposition/OPP-AAAA-BBBB-CCCC-DDDD-EEEE").status_code == 404
    assert web.get("/opposition/OPP-AAAA-BBBB-CCCC-DDDD-EEEE/preuve.pdf").status_code == 404


def test_too_many_attempts_get_the_throttle_message(web: TestClient, demo: Container,
                                                    nadia: Newcomer) -> None:
    for _ in range(demo.settings.source_max_attempts_per_minute):
        identity(web, "/activer", nadia, code="AAAA-BBBB-CCCC")
    response = identity(web, "/activer", nadia)
    assert response.status_code == 429 and "Trop de tentatives" in alert(response)


def test_pages_in_english(web: TestClient, nadia: Newcomer) -> None:
    page = web.get("/activer?lang=en").text
    assert "Activate my health space" in page and "Carte Vitale serial number" in page
    wrong = identity(web, "/activer", nadia, second_item="0")
    assert alert(wrong).startswith("This information matches no space")


def operator_sign_in(web: TestClient, clock: FrozenClock) -> None:
    import pyotp

    from espace_sante import demo as demo_data

    code = pyotp.TOTP(demo_data.STAFF_TOTP_SECRETS[OPERATOR]).at(clock.now())
    response = web.post("/staff/connexion", data={
        "email": OPERATOR, "password": demo_data.DEMO_PASSWORD, "totp": code,
        "csrf_token": csrf(web, "/staff/connexion")})
    assert response.status_code == 303


def test_the_operator_console_records_and_lifts_an_opposition(
    web: TestClient, demo: Container, nadia: Newcomer
) -> None:
    assert web.get("/staff/opposition").headers["location"] == "/staff/connexion"
    assert isinstance(demo.clock, FrozenClock)
    operator_sign_in(web, demo.clock)
    page = web.get("/staff/opposition")
    assert page.status_code == 200 and "Enregistrer une opposition" in page.text
    token = web.cookies["es_csrf"]
    unknown = web.post("/staff/opposition", data={
        "nir": nir("1850375056999"), "channel": "phone", "csrf_token": token})
    assert unknown.status_code == 404 and "Aucun espace" in alert(unknown)
    done = web.post("/staff/opposition", data={
        "nir": nadia.nir, "channel": "france_services", "csrf_token": token})
    assert done.status_code == 200 and "Opposition enregistrée pour Nadia Leroy" in (
        html.unescape(done.text))
    reference = REFERENCE.search(done.text)
    assert reference and f"/opposition/{reference.group(1)}/preuve.pdf" in done.text
    demo.clock.advance(timedelta(seconds=1))
    lifted = web.post("/staff/opposition/reouverture", data={
        "nir": nadia.nir, "csrf_token": token})
    assert "Un nouveau code d'activation a été envoyé par e-mail" in html.unescape(lifted.text)
    assert space(demo, nadia.patient_id).state == "pending"


def test_the_operator_console_is_for_operators_only(
    web: TestClient, demo: Container, nadia: Newcomer
) -> None:
    sign_in(web, demo, CAMILLE)
    assert web.get("/staff/opposition").headers["location"] == "/accueil"
    refused = web.post("/staff/opposition", data={
        "nir": nadia.nir, "channel": "phone", "csrf_token": web.cookies["es_csrf"]})
    assert refused.status_code == 303 and space(demo, nadia.patient_id).state == "pending"


def _messages(template: Path) -> set[str]:
    found = set()
    for _, _, message in env.extract_translations(template.read_text()):  # type: ignore[attr-defined]
        msgid = message[0] if isinstance(message, tuple) else message
        if msgid:
            found.add(msgid)
    return found


def test_every_newcomer_message_has_an_english_translation() -> None:
    from espace_sante.web.operator_opposition import CHANNELS, SENT_BY

    english: dict[str, object] = {}
    for po in sorted((CATALOGUES / "en").glob("*.po")):
        with po.open("rb") as f:
            english.update({m.id: m.string for m in read_po(f, locale="en") if m.id})
    wanted = set(CHANNELS.values()) | set(SENT_BY.values())
    for template in [*(TEMPLATES / "activation").glob("*.html"), TEMPLATES / "landing.html"]:
        wanted |= _messages(template)
    assert not [m for m in sorted(wanted) if not english.get(m)]
