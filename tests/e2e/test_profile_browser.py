"""The profil médical in a real browser: a patient adds an allergy and a treatment, then a
series of weights, and sees them drawn (Chart.js on a canvas) and listed in the history
table; a father sees his daughter's growth curve with the WHO centiles behind her
weights. The profile, section, measure and growth pages are checked with axe-core, and
the measure page on a phone's width."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.axe import assert_accessible
from tests.e2e.conftest import LiveServer
from tests.e2e.test_dossier_browser import fits_the_screen
from tests.e2e.test_space_settings import sign_in
from tests.helpers import CAMILLE, THOMAS

pytestmark = pytest.mark.e2e

DATASETS = "(id) => Chart.getChart(document.getElementById(id)).data.datasets"


def drawn(page: Page, canvas_id: str, min_width: int = 500) -> list[dict[str, object]]:
    """The datasets Chart.js drew on the canvas (once the script has run)."""
    page.wait_for_function(
        "(id) => window.Chart !== undefined && Chart.getChart(document.getElementById(id))",
        arg=canvas_id)
    box = page.locator(f"#{canvas_id}").bounding_box()
    assert box is not None and box["width"] > min_width and box["height"] > 200
    return page.evaluate(f"({DATASETS})(\"{canvas_id}\").map("
                         "d => ({label: d.label, points: d.data.map(p => p.y)}))")


def add_weight(page: Page, kg: str, day: date) -> None:
    page.get_by_label("Poids", exact=True).fill(kg)
    page.get_by_label("Date de la mesure").fill(day.isoformat())
    page.get_by_label("Heure").fill("08:30")
    page.get_by_role("button", name="Enregistrer la mesure").click()
    expect(page.get_by_role("status")).to_have_text("La mesure est enregistrée.")


def add_entry(page: Page, section: str, fields: dict[str, str]) -> None:
    page.get_by_role("link", name="Retour au profil médical").click()
    page.get_by_role("heading", level=3, name=section).get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(section)
    for label, value in fields.items():
        field = page.get_by_label(label, exact=True)
        if field.evaluate("e => e.tagName") == "SELECT":
            field.select_option(label=value)
        else:
            field.fill(value)
    page.get_by_role("button", name="Ajouter", exact=True).click()
    expect(page.get_by_role("status")).to_have_text("L'information est ajoutée à votre profil.")


def test_patient_fills_her_profile_and_sees_her_weight_chart(
    page: Page, live_server: LiveServer
) -> None:
    base = live_server.url
    sign_in(page, base, CAMILLE)
    own = page.get_by_role("article").filter(has_text="votre propre espace")
    own.get_by_role("link", name=re.compile("^Profil médical")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Profil médical")
    assert_accessible(page)

    page.get_by_role("heading", level=3, name="Allergies").get_by_role("link").click()
    page.get_by_role("link", name="Retour au profil médical").wait_for()
    assert_accessible(page)
    add_entry(page, "Allergies", {"Substance *": "Pénicilline", "Gravité": "sévère"})
    expect(page.locator(".entries h3")).to_have_text(["Pénicilline"])
    add_entry(page, "Traitements", {"Médicament *": "Ventoline", "Posologie": "2 bouffées"})
    page.get_by_role("link", name="Retour au profil médical").click()
    expect(page.get_by_role("region", name="Traitements")).to_contain_text("Ventoline")
    expect(page.get_by_role("region", name="Allergies")).to_contain_text("sévère")

    page.get_by_role("link", name="Mesures et graphiques").first.click()
    page.get_by_role("link", name="Poids", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Poids")
    today = date.today()
    for days, kg in ((60, "64"), (30, "63,2"), (2, "62,5")):
        add_weight(page, kg, today - timedelta(days=days))
    [weights] = drawn(page, "graphique")
    assert weights["label"] == "Poids" and weights["points"] == [64, 63.2, 62.5]
    history = page.locator("#historique tbody tr td:nth-child(2)")
    expect(history).to_have_text(["62,5 kg", "63,2 kg", "64 kg"])
    assert_accessible(page)
    page.set_viewport_size({"width": 375, "height": 800})
    page.reload()  # as a phone opens it (the chart sizes itself to the screen)
    drawn(page, "graphique", min_width=250)
    fits_the_screen(page)


def test_a_parent_sees_his_daughters_growth_curve(page: Page, live_server: LiveServer) -> None:
    base = live_server.url
    sign_in(page, base, THOMAS)
    lea = page.get_by_role("article").filter(has_text="Léa")
    lea.get_by_role("link", name=re.compile("^Profil médical")).click()
    expect(page.get_by_text("Espace santé de Léa Bernard")).to_be_visible()
    page.get_by_role("link", name="Mesures et graphiques").first.click()
    page.get_by_role("link", name="Poids", exact=True).click()
    for years, kg in ((5, "18,4"), (6, "20,5"), (7, "22,9")):
        add_weight(page, kg, date(2019 + years, 9, 8))

    page.get_by_role("link", name="Voir les courbes de croissance").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Courbes de croissance")
    expect(page.get_by_role("link", name="Poids, de 1 à 18 ans")).to_have_attribute(
        "aria-current", "page")
    datasets = drawn(page, "croissance")
    assert [d["label"] for d in datasets] == [
        "3e centile", "15e centile", "50e centile", "85e centile", "97e centile", "Léa"]
    assert datasets[-1]["points"] == [18.4, 20.5, 22.9]
    expect(page.locator("table tbody tr")).to_have_count(3)
    assert_accessible(page)

    page.get_by_role("link", name="Taille, de 1 à 18 ans").click()
    expect(page.get_by_role("heading", level=2, name="Taille, de 1 à 18 ans")).to_be_visible()
    assert len(drawn(page, "croissance")) == 6
    expect(page.get_by_text("Aucune mesure de l'enfant à ces âges.")).to_be_visible()


def test_patient_sets_her_hba1c_target_and_opts_out(page: Page,
                                                     live_server: LiveServer) -> None:
    sign_in(page, live_server.url, CAMILLE)
    own = page.get_by_role("article").filter(has_text="votre propre espace")
    own.get_by_role("link", name=re.compile("^Profil médical")).click()
    page.get_by_role("link", name="Réglages", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Réglages du profil médical")
    assert_accessible(page)
    page.get_by_label("Objectif d'HbA1c (en pourcentage)").fill("6,5")
    page.get_by_role("checkbox").check()
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("status")).to_have_text("Les réglages du profil sont enregistrés.")
    expect(page.get_by_label("Objectif d'HbA1c (en pourcentage)")).to_have_value("6,5")
    opt_out = page.get_by_role("checkbox", name=re.compile("valeurs trouvées dans mes documents"))
    expect(opt_out).to_be_checked()
