"""The dossier in a real browser: a patient uploads a PDF, finds it in her list, opens its
page and renames it; her médecin traitant, signed in through the development Pro Santé
Connect, opens her documents and adds one. The list and document pages are checked with
axe-core, and the list on a phone's width."""

from __future__ import annotations

import re

import pytest
from fpdf import FPDF
from playwright.sync_api import FilePayload, Page, expect

from tests.e2e.axe import assert_accessible
from tests.e2e.conftest import LiveServer
from tests.e2e.test_space_settings import sign_in
from tests.helpers import CAMILLE

pytestmark = pytest.mark.e2e


def pdf_file(name: str, text: str) -> FilePayload:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(text=text)
    return {"name": name, "mimeType": "application/pdf", "buffer": bytes(pdf.output())}


def fits_the_screen(page: Page) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page scrolls sideways by {overflow}px"


def test_patient_uploads_finds_and_renames_a_pdf(page: Page, live_server: LiveServer) -> None:
    base = live_server.url
    sign_in(page, base, CAMILLE)
    own = page.get_by_role("article").filter(has_text="votre propre espace")
    own.get_by_role("link", name=re.compile("^Documents")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Documents")
    expect(page.get_by_text("Aucun document dans cet espace pour le moment.")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Ajouter un document").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ajouter un document")
    page.get_by_label("Fichier", exact=True).set_input_files(
        pdf_file("cr.pdf", "Echographie cardiaque"))
    page.get_by_label("Titre").fill("Échographie")
    page.get_by_label("Catégorie").select_option("imagerie")
    page.get_by_label(re.compile("^Date de l'acte")).fill("2026-10-01")
    assert_accessible(page)
    page.get_by_role("button", name="Ajouter le document").click()
    expect(page.get_by_role("status")).to_have_text("Le document est ajouté.")
    expect(page.get_by_role("heading", level=1)).to_have_text("Échographie")
    expect(page.locator("iframe.preview")).to_have_attribute("src", re.compile(r"/contenu$"))
    expect(page.get_by_role("link", name=re.compile("^Télécharger"))).to_be_visible()
    assert_accessible(page)

    page.get_by_label("Titre").fill("Échographie cardiaque")
    page.get_by_role("button", name="Renommer").click()
    expect(page.get_by_role("status")).to_have_text("Le titre est modifié.")
    expect(page.get_by_role("heading", level=1)).to_have_text("Échographie cardiaque")

    page.get_by_role("link", name="Retour aux documents").click()
    listed = page.locator("ol.documents > li")
    expect(listed).to_have_count(1)
    expect(listed.get_by_role("heading", level=3)).to_have_text("Échographie cardiaque")
    expect(listed).to_contain_text("Radio, écho, scanner, IRM")
    assert_accessible(page)
    page.set_viewport_size({"width": 375, "height": 800})
    fits_the_screen(page)

    page.get_by_role("link", name="English").click()
    expect(page.get_by_role("heading", level=2, name="1 document")).to_be_visible()
    expect(listed).to_contain_text("X-ray, ultrasound, CT, MRI")
    assert_accessible(page)


def test_the_medecin_traitant_opens_the_documents_and_adds_one(
    page: Page, live_server: LiveServer
) -> None:
    base = live_server.url
    page.goto(f"{base}/pro/connexion")
    page.get_by_role("button", name=re.compile("Alain Durand")).click()
    expect(page).to_have_url(f"{base}/pro")
    page.get_by_role("link", name="Documents — Camille Martin").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Documents")
    expect(page.get_by_text("Espace santé de Camille Martin")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Ajouter un document").click()
    page.get_by_label("Fichier", exact=True).set_input_files(
        pdf_file("bilan.pdf", "Bilan cardiologique"))
    page.get_by_label("Titre").fill("Bilan cardiologique")
    page.get_by_label("Type de document").select_option("11488-4")
    page.get_by_label(re.compile("^Date de l'acte")).fill("2026-11-02")
    expect(page.get_by_label("Invisible au patient")).not_to_be_checked()
    assert_accessible(page)
    page.get_by_role("button", name="Ajouter le document").click()
    expect(page.get_by_role("status")).to_have_text("Le document est ajouté.")
    expect(page.get_by_role("heading", level=1)).to_have_text("Bilan cardiologique")
    expect(page.get_by_role("definition").filter(has_text="Professionnel de santé")).to_be_visible()
    expect(page.get_by_role("heading", name="Remplacer par une nouvelle version")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Retour aux documents").click()
    expect(page.locator("ol.documents > li h3")).to_have_text(["Bilan cardiologique"])
