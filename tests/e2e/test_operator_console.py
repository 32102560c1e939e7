"""The operator console with a register imported, in a real browser, checked with axe-core."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from espace_sante import demo as demo_data
from espace_sante.accounts.ins import control_key
from espace_sante.accounts.provisioning import provision
from tests.e2e.axe import assert_accessible
from tests.e2e.conftest import LiveServer
from tests.registers import OPERATOR as OPERATOR_ACTOR
from tests.registers import SAMPLE

OPERATOR = next(iter(demo_data.STAFF_TOTP_SECRETS))


def operator_signs_in(page: Page, base: str) -> None:
    """Password and the TOTP code the development outbox shows for the demo operator."""
    page.goto(f"{base}/dev/outbox")
    code = page.get_by_role("row").filter(
        has=page.get_by_role("rowheader", name=OPERATOR)).locator("code.totp").inner_text()
    page.goto(f"{base}/staff/connexion")
    page.get_by_label("Adresse e-mail professionnelle").fill(OPERATOR)
    page.get_by_label("Mot de passe").fill(demo_data.DEMO_PASSWORD)
    page.get_by_label(re.compile("Code de l'application")).fill(code)
    page.get_by_role("button", name="Se connecter").click()
    expect(page).to_have_url(f"{base}/staff")


def test_the_operator_reads_an_import_and_its_refused_lines(
    page: Page, live_server: LiveServer
) -> None:
    c, base = live_server.container, live_server.url
    provision(c.factory, c.settings, c.clock, SAMPLE, actor=OPERATOR_ACTOR)
    operator_signs_in(page, base)
    imports = page.get_by_role("table", name="Imports, du plus récent au plus ancien")
    expect(imports.get_by_role("rowheader", name="register-sample.csv")).to_be_visible()
    page.get_by_text("Lignes refusées de register-sample.csv (5)").click()
    expect(page.get_by_text(re.compile(r"ligne 14 : parent_nir : parent inconnu"))).to_be_visible()
    assert_accessible(page)
    page.goto(f"{base}/staff?lang=en")
    expect(page.get_by_role("heading", name="Spaces per state")).to_be_visible()
    assert_accessible(page)


def test_the_operator_invites_a_protected_adults_tutor(
    page: Page, live_server: LiveServer
) -> None:
    base, jeanne = live_server.url, demo_data.PEOPLE[2]
    operator_signs_in(page, base)
    page.get_by_role("link", name=re.compile("^Invitations de tuteurs")).click()
    expect(page).to_have_url(f"{base}/staff/tuteurs")
    expect(page.get_by_text("Aucune invitation de tuteur en attente.")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Numéro de sécurité sociale de la personne protégée").fill(
        jeanne.nir13 + control_key(jeanne.nir13))
    # The browser lets it through (no dot needed); the server does not.
    page.get_by_label("Adresse e-mail du tuteur").fill("marc.tuteur@exemple")
    page.get_by_role("button", name="Envoyer l'invitation").click()
    expect(page.get_by_role("alert")).to_have_text("Adresse e-mail invalide.")
    expect(page.get_by_label("Adresse e-mail du tuteur")).to_have_attribute(
        "aria-invalid", "true")
    assert_accessible(page)
    page.get_by_label("Adresse e-mail du tuteur").fill("marc.tuteur@exemple.fr")
    page.get_by_role("button", name="Envoyer l'invitation").click()
    expect(page.get_by_role("status")).to_contain_text(
        "Invitation envoyée à marc.tuteur@exemple.fr")
    pending = page.get_by_role(
        "table", name="Invitations de tuteurs en attente, de la plus récente à la plus ancienne")
    row = pending.get_by_role("row").filter(has=page.get_by_role("rowheader",
                                                                  name="Jeanne Dubois"))
    expect(row).to_contain_text("marc.tuteur@exemple.fr")
    assert_accessible(page)
    page.goto(f"{base}/staff/tuteurs?lang=en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Tutor invitations")
    assert_accessible(page)
