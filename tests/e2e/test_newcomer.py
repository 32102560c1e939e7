"""A newcomer in a real browser: activation, then opposition and a change of mind, and
the operator's console; codes read from the development outbox, every page checked with
axe-core."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e import conftest
from tests.e2e.axe import assert_accessible
from tests.e2e.conftest import LiveServer
from tests.e2e.test_sign_in import one_time_code, read_outbox
from tests.newcomers import CODE, Newcomer, make_pending, pdf_text, with_newcomer_routes

pytestmark = pytest.mark.e2e

OPERATOR = "operateur@demo.espace-sante.localhost"


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> LiveServer:
    """The live server with the newcomer routes (until app.py includes them)."""
    wire = conftest.with_all_routes
    monkeypatch.setattr(conftest, "with_all_routes",
                        lambda app: with_newcomer_routes(wire(app)))
    live: LiveServer = request.getfixturevalue("live_server")
    return live


def activation_code(page: Page, base: str, recipient: str) -> str:
    outbox = read_outbox(page, base)
    row = outbox.locator("tr.message").filter(
        has=outbox.locator("th.recipient", has_text=recipient)).first
    found = CODE.search(row.locator("pre.body").inner_text())
    outbox.close()
    assert found, "no activation code in the latest message"
    return found.group(1)


def spaced(nir: str) -> str:
    return f"{nir[0]} {nir[1:3]} {nir[3:5]} {nir[5:7]} {nir[7:10]} {nir[10:13]} {nir[13:]}"


def fill_identity(page: Page, n: Newcomer, code: str | None) -> None:
    page.get_by_label("Numéro de sécurité sociale").fill(spaced(n.nir))
    if code is not None:
        page.get_by_label("Code d'activation").fill(code)
    page.get_by_label("Numéro de série de la carte Vitale").fill(n.second_item)


def test_a_newcomer_activates_his_space_and_lands_at_home(
    page: Page, server: LiveServer
) -> None:
    base, nadia = server.url, make_pending(server.container)
    page.goto(f"{base}/")
    assert_accessible(page)
    page.get_by_role("link", name="Activer mon espace").click()
    expect(page).to_have_url(f"{base}/activer")
    expect(page.get_by_role("heading", level=1)).to_have_text("Activer mon espace santé")
    assert_accessible(page)

    fill_identity(page, nadia, "ZZZZ-ZZZZ-ZZZZ")
    page.get_by_role("button", name="Continuer").click()
    expect(page.get_by_role("alert")).to_contain_text("Ces informations ne correspondent")
    expect(page.get_by_label("Code d'activation")).to_have_attribute(
        "aria-describedby", "erreur code-aide")
    assert_accessible(page)

    fill_identity(page, nadia, activation_code(page, base, "nadia@example.org").lower())
    page.get_by_role("button", name="Continuer").click()
    expect(page).to_have_url(f"{base}/activer/compte")
    assert_accessible(page)
    page.get_by_label("Adresse e-mail").fill("nadia.leroy@example.org")
    page.get_by_label("Mot de passe", exact=True).fill("Une phrase de passe solide")
    page.get_by_label("Confirmation du mot de passe").fill("Une phrase de passe solide")
    page.get_by_role("button", name="Activer mon espace").click()

    expect(page).to_have_url(f"{base}/connexion/code")
    expect(page.locator("#envoi")).to_contain_text("n•••y@example.org")
    assert_accessible(page)
    page.get_by_label("Code à 6 chiffres").fill(
        one_time_code(page, base, "nadia.leroy@example.org"))
    page.get_by_role("button", name="Se connecter").click()
    expect(page).to_have_url(f"{base}/accueil")
    expect(page.get_by_role("heading", level=1)).to_have_text("Bonjour Nadia Leroy")
    assert_accessible(page)


def test_a_newcomer_without_e_mail_activates_by_sms(page: Page, server: LiveServer) -> None:
    base, mobile = server.url, "+33612345678"
    nadia = make_pending(server.container, email=None, phone=mobile)
    page.goto(f"{base}/activer")
    fill_identity(page, nadia, activation_code(page, base, mobile))
    page.get_by_role("button", name="Continuer").click()
    expect(page).to_have_url(f"{base}/activer/compte?par=sms")
    expect(page.get_by_label("Adresse e-mail")).to_have_count(0)
    assert_accessible(page)
    page.get_by_label("Numéro de mobile").fill("06 12 34 56 78")
    page.get_by_label("Mot de passe", exact=True).fill("Une phrase de passe solide")
    page.get_by_label("Confirmation du mot de passe").fill("Une phrase de passe solide")
    page.get_by_role("button", name="Activer mon espace").click()

    expect(page).to_have_url(f"{base}/connexion/code")
    expect(page.locator("#envoi")).to_contain_text("par SMS au numéro +33 6 •• •• •• 78")
    assert_accessible(page)
    page.get_by_label("Code à 6 chiffres").fill(one_time_code(page, base, mobile))
    page.get_by_role("button", name="Se connecter").click()
    expect(page).to_have_url(f"{base}/accueil")
    expect(page.get_by_role("heading", level=1)).to_have_text("Bonjour Nadia Leroy")


def test_a_newcomer_opposes_gets_the_proof_then_changes_her_mind(
    page: Page, server: LiveServer, tmp_path: Path
) -> None:
    base, nadia = server.url, make_pending(server.container)
    page.goto(f"{base}/")
    page.get_by_role("link", name="Je m'oppose à la création de mon espace").click()
    expect(page).to_have_url(f"{base}/opposition")
    assert_accessible(page)

    fill_identity(page, nadia, activation_code(page, base, "nadia@example.org"))
    page.get_by_role("button", name="Confirmer mon opposition").click()
    expect(page).to_have_url(f"{base}/opposition")  # the box is required: nothing sent
    page.get_by_label("Je confirme m'opposer à la création de mon espace santé.").check()
    page.get_by_role("button", name="Confirmer mon opposition").click()
    expect(page).to_have_url(re.compile(rf"{base}/opposition/OPP(-[A-Z2-9]{{4}}){{5}}$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Votre opposition est enregistrée")
    reference = page.locator("strong.reference").inner_text()
    assert_accessible(page)

    with page.expect_download() as download:
        page.get_by_role("link", name="Télécharger l'attestation d'opposition (PDF)").click()
    saved = tmp_path / "preuve.pdf"
    download.value.save_as(saved)
    text = pdf_text(saved.read_bytes())
    assert text is None or (reference in text and "Leroy" in text)

    page.get_by_role("link", name="Demander un nouveau code d'activation").click()
    expect(page).to_have_url(f"{base}/activer/nouveau-code")
    assert_accessible(page)
    fill_identity(page, nadia, None)
    page.get_by_role("button", name="Recevoir un nouveau code").click()
    expect(page.get_by_role("status")).to_contain_text("un nouveau code vient d'être envoyé")
    assert_accessible(page)
    page.get_by_role("link", name="Activer mon espace avec le nouveau code").click()
    fill_identity(page, nadia, activation_code(page, base, "nadia@example.org"))
    page.get_by_role("button", name="Continuer").click()
    expect(page).to_have_url(f"{base}/activer/compte")


def test_an_operator_records_a_phone_opposition(page: Page, server: LiveServer) -> None:
    base, nadia = server.url, make_pending(server.container)
    page.goto(f"{base}/staff/connexion")
    outbox = read_outbox(page, base)
    code = outbox.get_by_role("row").filter(
        has=outbox.get_by_role("rowheader", name=OPERATOR)).locator("code.totp").inner_text()
    outbox.close()
    page.get_by_label("Adresse e-mail professionnelle").fill(OPERATOR)
    page.get_by_label("Mot de passe").fill("Demo-Espace-Sante-2026")
    page.get_by_label(re.compile("Code de l'application")).fill(code)
    page.get_by_role("button", name="Se connecter").click()
    expect(page).to_have_url(f"{base}/staff")

    page.goto(f"{base}/staff/opposition")
    expect(page.get_by_role("heading", level=1)).to_have_text("Oppositions")
    assert_accessible(page)
    page.get_by_label("Numéro de sécurité sociale de la personne qui s'oppose").fill(nadia.nir)
    page.get_by_label("par téléphone").check()
    page.get_by_role("button", name="Enregistrer l'opposition").click()
    expect(page.get_by_role("status")).to_contain_text("Opposition enregistrée pour Nadia Leroy")
    expect(page.get_by_role("link", name=re.compile("Télécharger l'attestation"))).to_be_visible()
    assert_accessible(page)
