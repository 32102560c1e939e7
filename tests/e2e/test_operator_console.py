"""The operator console with a register imported, in a real browser, checked with axe-core."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from espace_sante import demo as demo_data
from espace_sante.accounts.provisioning import provision
from tests.e2e.axe import assert_accessible
from tests.e2e.conftest import LiveServer
from tests.registers import OPERATOR as OPERATOR_ACTOR
from tests.registers import SAMPLE

OPERATOR = next(iter(demo_data.STAFF_TOTP_SECRETS))


def test_the_operator_reads_an_import_and_its_refused_lines(
    page: Page, live_server: LiveServer
) -> None:
    c, base = live_server.container, live_server.url
    provision(c.factory, c.settings, c.clock, SAMPLE, actor=OPERATOR_ACTOR)
    page.goto(f"{base}/dev/outbox")
    code = page.get_by_role("row").filter(
        has=page.get_by_role("rowheader", name=OPERATOR)).locator("code.totp").inner_text()
    page.goto(f"{base}/staff/connexion")
    page.get_by_label("Adresse e-mail professionnelle").fill(OPERATOR)
    page.get_by_label("Mot de passe").fill(demo_data.DEMO_PASSWORD)
    page.get_by_label(re.compile("Code de l'application")).fill(code)
    page.get_by_role("button", name="Se connecter").click()
    expect(page).to_have_url(f"{base}/staff")
    imports = page.get_by_role("table", name="Imports, du plus récent au plus ancien")
    expect(imports.get_by_role("rowheader", name="register-sample.csv")).to_be_visible()
    page.get_by_text("Lignes refusées de register-sample.csv (5)").click()
    expect(page.get_by_text(re.compile(r"ligne 14 : parent_nir : parent inconnu"))).to_be_visible()
    assert_accessible(page)
    page.goto(f"{base}/staff?lang=en")
    expect(page.get_by_role("heading", name="Spaces per state")).to_be_visible()
    assert_accessible(page)
