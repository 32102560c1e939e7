"""Sign-in journeys in a real browser, every page checked with axe-core."""

from __future__ import annotations

import importlib.util
import re

import pytest
from playwright.sync_api import Page, expect

from espace_sante import demo as demo_data
from tests.e2e.axe import assert_accessible
from tests.e2e.conftest import LiveServer
from tests.helpers import CAMILLE, THOMAS

pytestmark = pytest.mark.e2e

OPERATOR = "operateur@demo.espace-sante.localhost"
PRO_LOGIN_MISSING = importlib.util.find_spec("espace_sante.web.pro_login") is None


def read_outbox(page: Page, base: str) -> Page:
    """Open the development outbox in a new tab, as a demo user would."""
    outbox = page.context.new_page()
    outbox.goto(f"{base}/dev/outbox")
    expect(outbox.get_by_role("heading", level=1)).to_have_text(
        "Messages envoyés (développement)")
    assert_accessible(outbox)
    return outbox


def one_time_code(page: Page, base: str, email: str) -> str:
    outbox = read_outbox(page, base)
    row = outbox.locator("tr.message").filter(has=outbox.locator("th.recipient",
                                                                 has_text=email)).first
    match = re.search(r"\b(\d{6})\b", row.locator("pre.body").inner_text())
    outbox.close()
    assert match, "no code in the latest message"
    return match.group(1)


def sign_in_with_password(page: Page, email: str, password: str) -> None:
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Continuer").click()


def test_patient_signs_in_reads_her_history_and_signs_out(
    page: Page, live_server: LiveServer
) -> None:
    base = live_server.url
    page.goto(f"{base}/")
    expect(page).to_have_title(re.compile("Espace Santé"))
    assert_accessible(page)
    page.keyboard.press("Tab")  # the first stop is the skip link, and it shows
    expect(page.get_by_role("link", name="Aller au contenu")).to_be_focused()
    expect(page.get_by_role("link", name="Aller au contenu")).to_be_in_viewport()

    page.get_by_role("link", name="Accéder à mon espace santé").click()
    expect(page).to_have_url(f"{base}/connexion")
    assert_accessible(page)
    sign_in_with_password(page, CAMILLE, demo_data.DEMO_PASSWORD)
    expect(page).to_have_url(f"{base}/connexion/code")
    expect(page.locator("#envoi")).to_contain_text("c•••n@demo.espace-sante.localhost")
    assert_accessible(page)

    page.get_by_label("Code à 6 chiffres").fill(one_time_code(page, base, CAMILLE))
    page.get_by_role("button", name="Se connecter").click()
    expect(page).to_have_url(f"{base}/accueil")
    expect(page.get_by_role("heading", level=1)).to_have_text("Bonjour Camille Martin")
    own = page.get_by_role("article").filter(has_text="Camille Martin")
    jeanne = page.get_by_role("article").filter(has_text="Jeanne Dubois")
    expect(own).to_contain_text("votre propre espace")
    expect(jeanne).to_contain_text("Votre accès : aidant")
    expect(jeanne.locator("dd.count").first).to_have_text("3")  # professionals with access
    assert_accessible(page)

    own.get_by_role("link", name=re.compile("Historique des accès")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Historique des accès")
    table = page.get_by_role("table")
    expect(table.locator("caption")).to_have_text("Accès, du plus récent au plus ancien")
    expect(page.get_by_text("Espace santé de Camille Martin")).to_be_visible()
    expect(table).to_contain_text("connexion · session")
    assert_accessible(page)

    page.get_by_role("link", name="English").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Access history")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("table")).to_contain_text("sign-in · session")
    assert_accessible(page)

    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(f"{base}/")
    expect(page.get_by_role("link", name="Sign in", exact=True)).to_be_visible()
    page.goto(f"{base}/accueil")
    expect(page).to_have_url(f"{base}/connexion")


def test_wrong_password_shows_the_french_error(page: Page, live_server: LiveServer) -> None:
    page.goto(f"{live_server.url}/connexion")
    sign_in_with_password(page, THOMAS, "pas-le-bon-mot-de-passe")
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Identifiant ou mot de passe incorrect.")
    expect(page.get_by_label("Adresse e-mail")).to_have_value(THOMAS)
    expect(page.get_by_label("Mot de passe")).to_have_value("")
    expect(page.get_by_label("Mot de passe")).to_have_attribute("aria-describedby", "erreur")
    assert_accessible(page)


def test_staff_signs_in_with_the_totp_code(page: Page, live_server: LiveServer) -> None:
    base = live_server.url
    page.goto(f"{base}/staff/connexion")
    assert_accessible(page)
    outbox = read_outbox(page, base)
    row = outbox.get_by_role("row").filter(has=outbox.get_by_role("rowheader", name=OPERATOR))
    code = row.locator("code.totp").inner_text()
    outbox.close()
    page.get_by_label("Adresse e-mail professionnelle").fill(OPERATOR)
    page.get_by_label("Mot de passe").fill(demo_data.DEMO_PASSWORD)
    page.get_by_label(re.compile("Code de l'application")).fill(code)
    page.get_by_role("button", name="Se connecter").click()
    expect(page).to_have_url(f"{base}/staff")
    expect(page.get_by_role("heading", level=1)).to_have_text("Console opérateur")
    expect(page.get_by_text("aucune donnée médicale")).to_be_visible()
    assert_accessible(page)


@pytest.mark.skipif(PRO_LOGIN_MISSING,
                    reason="espace_sante.web.pro_login does not exist yet (professional sign-in)")
def test_professional_signs_in_through_the_development_idp(
    page: Page, live_server: LiveServer
) -> None:
    base = live_server.url
    page.goto(f"{base}/pro/connexion")
    expect(page).to_have_url(re.compile(r"/dev-idp/authorize\?"))
    assert_accessible(page)
    page.get_by_role("button", name=re.compile("Alain Durand")).click()
    expect(page).to_have_url(f"{base}/pro")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Alain Durand")
    assert_accessible(page)


@pytest.mark.parametrize("width", [375, 1280])
def test_landing_fits_the_screen(page: Page, live_server: LiveServer, width: int) -> None:
    page.set_viewport_size({"width": width, "height": 800})
    page.goto(f"{live_server.url}/")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page scrolls sideways by {overflow}px at {width}px"
    assert_accessible(page)
