"""The space settings in a real browser: a holder invites a caregiver, closes her space
with the confirmation step, then reopens it; every page checked with axe-core."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from playwright.sync_api import Page, expect

from espace_sante import demo as demo_data
from tests.e2e import conftest
from tests.e2e.axe import assert_accessible
from tests.e2e.conftest import LiveServer
from tests.e2e.test_sign_in import one_time_code, sign_in_with_password
from tests.helpers import JEANNE

pytestmark = pytest.mark.e2e


@pytest.fixture
def space_routes(monkeypatch: pytest.MonkeyPatch) -> None:
    """The settings pages, until app.py includes them (then this adds nothing)."""
    monkeypatch.setattr(conftest, "OPTIONAL_ROUTERS",
                        (*conftest.OPTIONAL_ROUTERS, "espace_sante.web.space"))


@pytest.fixture
def live_server(space_routes: None, live_server: LiveServer) -> Iterator[LiveServer]:
    yield live_server


def sign_in(page: Page, base: str, email: str) -> None:
    page.goto(f"{base}/connexion")
    sign_in_with_password(page, email, demo_data.DEMO_PASSWORD)
    page.get_by_label("Code à 6 chiffres").fill(one_time_code(page, base, email))
    page.get_by_role("button", name="Se connecter").click()
    expect(page).to_have_url(f"{base}/accueil")


def test_holder_invites_a_caregiver_closes_and_reopens(
    page: Page, live_server: LiveServer
) -> None:
    base = live_server.url
    sign_in(page, base, JEANNE)
    page.get_by_role("link", name=re.compile("Paramètres de l'espace")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Paramètres de l'espace")
    caregivers = page.get_by_role("region", name="Aidants")
    expect(caregivers.get_by_role("rowheader")).to_have_text(["Camille Martin"])
    assert_accessible(page)

    page.get_by_label("Adresse e-mail de l'aidant").fill("paul.durand@exemple.fr")
    until = date.today() + timedelta(days=90)
    page.get_by_label("Date de fin de son accès (incluse)").fill(until.isoformat())
    page.get_by_role("button", name="Envoyer l'invitation").click()
    expect(page.get_by_role("status")).to_contain_text("Invitation envoyée.")
    pending = page.get_by_role("region", name="Invitations en attente")
    expect(pending.get_by_role("rowheader")).to_have_text(["paul.durand@exemple.fr"])
    assert_accessible(page)

    page.get_by_role("link", name="Fermer l'espace…").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Fermer l'espace")
    expect(page.get_by_text("archivés pendant 10 ans")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Fermer l'espace").click()  # the box is not ticked
    expect(page.get_by_role("heading", level=1)).to_have_text("Fermer l'espace")
    page.get_by_label(re.compile("Je comprends que plus personne")).check()
    page.get_by_role("button", name="Fermer l'espace").click()
    expect(page.get_by_role("heading", name="Cet espace est fermé")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("L'espace est fermé.")
    assert_accessible(page)

    page.goto(f"{base}/accueil")
    expect(page.get_by_role("article")).to_contain_text("Cet espace est fermé")
    assert_accessible(page)
    page.get_by_role("link", name=re.compile("Paramètres de l'espace")).click()
    page.get_by_role("button", name="Rouvrir l'espace").click()
    expect(page.get_by_role("status")).to_contain_text("L'espace est rouvert")
    expect(page.get_by_role("region", name="Aidants").get_by_role("rowheader")).to_have_text(
        ["Camille Martin"])

    page.get_by_role("link", name="English").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Space settings")
    assert_accessible(page)
