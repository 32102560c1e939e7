"""The profil médical's pages: the summary, a section's form (add, change, delete, French
errors with what was typed kept), the measures (add, chart data, history, delete), the
growth curves of a child, the PDF export form, for each person who may see them; another
patient's space answers "not found"; every form needs its CSRF token; the English
catalogue of these pages."""

from __future__ import annotations

import html
import json
import re
import uuid

import pytest
from fastapi.testclient import TestClient
from httpx2 import Response

from espace_sante.bootstrap import Container
from espace_sante.profile import service as profile
from espace_sante.profile.codes import MeasureKind, Section
from espace_sante.profile.views import ItemInput, MeasureInput
from espace_sante.web import profile_export, profile_side
from tests.dossier_support import person
from tests.helpers import CAMILLE, DR_DURAND, DR_LEFEVRE, JEANNE, THOMAS
from tests.integration.people import child_space, space_of
from tests.profile_support import at
from tests.web.pages import alert, sign_in
from tests.web.test_dossier_pages import as_professional
from tests.web.test_labels import english_catalogue, template_messages

OUR_TEMPLATES = ("profile/_macros.html", "profile/summary.html", "profile/section.html",
                 "profile/edit.html", "profile/measures.html", "profile/measure.html",
                 "profile/growth.html", "profile/export.html", "profile/settings.html",
                 "home.html", "pro/home.html")


def text(response: Response) -> str:
    assert response.status_code < 500, response.text
    return html.unescape(response.text)


def base(c: Container, email: str) -> str:
    return f"/espaces/{space_of(c, email)}/profil"


def post(web: TestClient, url: str, **data: str | list[str]) -> Response:
    return web.post(url, data={**data, "csrf_token": web.cookies["es_csrf"]})


def chart_data(response: Response, name: str = "graphique") -> dict[str, object]:
    found = re.search(rf'<script type="application/json" id="{name}-donnees">(.*?)</script>',
                      response.text, re.S)
    assert found, "no chart data on the page"
    return json.loads(found.group(1))  # type: ignore[no-any-return]


def entry_titles(response: Response) -> list[str]:
    return re.findall(r'<h3 class="entry-title">([^<]*)</h3>', text(response))


def history_values(response: Response) -> list[str]:
    table = text(response).split('<table id="historique">', 1)
    return re.findall(r"</time></td>\s*<td>([^<]+)</td>", table[1]) if len(table) > 1 else []


# -- the summary and the sections ----------------------------------------------------------------


def test_the_home_page_links_to_the_profile(web: TestClient, demo: Container) -> None:
    sign_in(web, demo, CAMILLE)  # her own space, and Jeanne's as caregiver
    home = web.get("/accueil").text
    assert f'href="{base(demo, CAMILLE)}"' in home and f'href="{base(demo, JEANNE)}"' in home


def test_the_summary_lists_sections_and_latest_measures(web: TestClient,
                                                        demo: Container) -> None:
    sign_in(web, demo, CAMILLE)
    url = base(demo, CAMILLE)
    empty = text(web.get(url))
    assert "<h1>Profil médical</h1>" in empty and "Espace santé de Camille Martin" in empty
    assert "Aucune mesure pour le moment." in empty
    for label in ("Allergies", "Maladies et antécédents", "Traitements", "Groupe sanguin",
                  "Personne de confiance", "Directives anticipées"):
        assert f">{label}</a></h3>" in empty
    assert f'href="{url}/export"' in empty and f'href="{url}/croissance"' not in empty

    camille, space = person(demo), space_of(demo, CAMILLE)
    profile.add_item(demo, camille, space, ItemInput(
        Section.ALLERGIES, {"substance": "Pénicilline", "severity": "severe"}))
    profile.add_measure(demo, camille, space, MeasureInput(MeasureKind.WEIGHT, 62.5,
                                                           at("2026-11-20")))
    full = text(web.get(url))
    assert '<h4 class="entry-title">Pénicilline</h4>' in full
    assert "<dt>Gravité</dt><dd>sévère</dd>" in full
    assert "Source : Saisi dans l'espace, le 22 novembre 2026" in full
    assert f'<a href="{url}/mesures/weight">Poids</a>' in full and "<td>62,5 kg</td>" in full
    assert '<time datetime="2026-11-20T08:00:00+00:00">20 novembre 2026</time>' in full


def test_adding_changing_and_deleting_an_allergy(web: TestClient, demo: Container) -> None:
    sign_in(web, demo, CAMILLE)
    url = f"{base(demo, CAMILLE)}/allergies"
    form = text(web.get(url))
    assert '<label for="champ-substance">Substance <span aria-hidden="true">*</span></label>' \
        in form
    assert '<select id="champ-severity" name="severity">' in form
    assert '<option value="severe">sévère</option>' in form
    assert 'type="date" value="" min="1900-01-01" max="2026-11-22"' in form

    added = post(web, url, substance="Pénicilline", reaction="Urticaire", severity="severe",
                 since="2010-05-01")
    assert added.status_code == 303 and added.headers["location"] == f"{url}?fait=ajout"
    page = text(web.get(added.headers["location"]))
    assert '<p class="notice" role="status">L\'information est ajoutée à votre profil.</p>' \
        in page
    assert entry_titles(web.get(url)) == ["Pénicilline"]
    assert "<dt>Depuis</dt><dd>1 mai 2010</dd>" in page
    item_id = re.search(rf'href="{url}/([^/"]+)/modification"', page).group(1)  # type: ignore[union-attr]

    edit = text(web.get(f"{url}/{item_id}/modification"))
    assert 'value="Pénicilline"' in edit and '<option value="severe" selected>' in edit
    changed = post(web, f"{url}/{item_id}/modification", substance="Pénicilline G",
                   severity="moderate", since="")
    assert changed.headers["location"] == f"{url}?fait=modification"
    page = text(web.get(url))
    assert entry_titles(web.get(url)) == ["Pénicilline G"]
    assert "<dd>modérée</dd>" in page and "Urticaire" not in page and "<dt>Depuis</dt>" not in page

    deleted = post(web, f"{url}/{item_id}/suppression")
    assert deleted.headers["location"] == f"{url}?fait=suppression"
    assert entry_titles(web.get(url)) == []
    assert web.get(f"{url}/{item_id}/modification").status_code == 404


def test_a_refused_entry_is_explained_in_french_and_the_form_kept(
    web: TestClient, demo: Container
) -> None:
    sign_in(web, demo, CAMILLE)
    url = f"{base(demo, CAMILLE)}/hospitalisations"
    refused = post(web, url, place="CHU de Nantes", reason="Appendicite", start="2024-03-10",
                   end="2024-03-02")
    assert refused.status_code == 422
    assert alert(refused) == ("Hospitalisations, « Sortie le » : la date de fin précède la "
                              "date de début.")
    assert 'value="CHU de Nantes"' in refused.text and 'value="Appendicite"' in refused.text
    assert 'name="end" type="date" value="2024-03-02"' in refused.text
    assert re.search(r'name="end"[^>]*aria-invalid="true" aria-describedby="erreur"',
                     refused.text)
    missing = post(web, url, place="", start="2024-03-10")
    assert alert(missing) == "Hospitalisations, « Établissement » : ce champ est requis."
    dose = post(web, f"{base(demo, CAMILLE)}/vaccinations", vaccine="DTP", date="2021-04-02",
                dose_number="trois")
    assert alert(dose) == "Vaccinations, « Numéro de dose » : nombre entier hors des bornes."
    assert entry_titles(web.get(url)) == []


def test_a_one_value_section_is_changed_not_added_twice(web: TestClient,
                                                        demo: Container) -> None:
    sign_in(web, demo, CAMILLE)
    url = f"{base(demo, CAMILLE)}/blood_group"
    assert post(web, url, abo="A", rhesus="positive").status_code == 303
    page = text(web.get(url))
    assert entry_titles(web.get(url)) == ["A"] and "<dd>Rhésus positif (+)</dd>" in page
    assert 'id="ajout"' not in page and "Cette rubrique contient une seule information" in page
    again = post(web, url, abo="B", rhesus="negative")
    assert again.status_code == 409
    assert alert(again).startswith("La rubrique « Groupe sanguin » a déjà une valeur")


def test_every_section_has_its_form(web: TestClient, demo: Container) -> None:
    sign_in(web, demo, CAMILLE)
    for section in Section:
        page = web.get(f"{base(demo, CAMILLE)}/{section.value}")
        assert page.status_code == 200, section
        assert 'name="csrf_token"' in page.text
    lifestyle = text(web.get(f"{base(demo, CAMILLE)}/lifestyle"))
    assert '<option value="former">ancien fumeur</option>' in lifestyle
    directives = text(web.get(f"{base(demo, CAMILLE)}/advance_directives"))
    assert '<textarea id="champ-text" name="text" rows="8" maxlength="10000">' in directives
    assert web.get(f"{base(demo, CAMILLE)}/inconnue").status_code == 404


def test_forms_need_their_csrf_token(web: TestClient, demo: Container) -> None:
    sign_in(web, demo, CAMILLE)
    url = base(demo, CAMILLE)
    for path, data in ((f"{url}/allergies", {"substance": "Pollen"}),
                       (f"{url}/mesures/weight", {"valeur": "60", "date": "2026-11-20"}),
                       (f"{url}/export", {"rubriques": "allergies"})):
        refused = web.post(path, data=data)
        assert refused.status_code == 403, path
        assert "Le formulaire a expiré" in text(refused)
    assert entry_titles(web.get(f"{url}/allergies")) == []


# -- measures --------------------------------------------------------------------------------


def test_adding_weights_draws_the_chart_and_fills_the_history(
    web: TestClient, demo: Container
) -> None:
    sign_in(web, demo, CAMILLE)
    url = f"{base(demo, CAMILLE)}/mesures/weight"
    empty = text(web.get(url))
    assert "<h1>Poids</h1>" in empty and 'value="2026-11-22"' in empty
    assert '<option value="kg" selected>kg</option>' in empty
    assert "chart.umd.min.js" not in empty  # nothing to draw yet

    for day, value in (("2026-09-01", "64"), ("2026-10-01", "63,2"), ("2026-11-01", "62.5")):
        done = post(web, url, valeur=value, unite="kg", date=day, heure="08:30")
        assert done.headers["location"] == f"{url}?fait=mesure"
    grams = post(web, url, valeur="61800", unite="g", date="2026-11-20", heure="")
    assert grams.status_code == 303

    page = web.get(url)
    assert history_values(page) == ["61,8 kg", "62,5 kg", "63,2 kg", "64 kg"]
    assert '<script src="/static/vendor/chart.umd.min.js" defer></script>' in page.text
    assert '<script src="/static/js/profile-charts.js" defer></script>' in page.text
    data = chart_data(page)
    assert data["x"] == "time" and data["y_title"] == "kg"
    [series] = data["series"]  # type: ignore[misc]
    assert [p[1] for p in series["points"]] == [64, 63.2, 62.5, 61.8]
    assert series["points"][0][0] == 1788244200000  # 1 September 2026, 8:30 in Paris
    assert 'role="img" aria-label="Graphique : Poids.' in text(page)

    bmi = text(web.get(f"{base(demo, CAMILLE)}/mesures/bmi"))
    assert "est calculé à partir du poids et de la taille" in bmi and 'name="valeur"' not in bmi


def test_a_blood_pressure_has_two_values_and_two_lines(web: TestClient,
                                                       demo: Container) -> None:
    sign_in(web, demo, CAMILLE)
    url = f"{base(demo, CAMILLE)}/mesures/blood_pressure"
    form = text(web.get(url))
    assert '<label for="valeur">Pression systolique</label>' in form
    assert '<label for="diastolique">Pression diastolique</label>' in form
    post(web, url, valeur="128", diastolique="82", unite="mm[Hg]", date="2026-11-20",
         heure="09:00")
    post(web, url, valeur="12,5", diastolique="7,9", unite="cm[Hg]", date="2026-11-21",
         heure="09:00")
    page = web.get(url)
    assert history_values(page) == ["125/79 mmHg", "128/82 mmHg"]
    systolic, diastolic = chart_data(page)["series"]  # type: ignore[misc]
    assert systolic["label"] == "Pression systolique" and diastolic["role"] == "second"
    assert [p[1] for p in diastolic["points"]] == [82, 79]
    swapped = post(web, url, valeur="80", diastolique="120", unite="mm[Hg]",
                   date="2026-11-21", heure="10:00")
    assert swapped.status_code == 422 and "les valeurs sont-elles inversées" in alert(swapped)


def test_a_wrong_measure_is_explained_and_kept(web: TestClient, demo: Container) -> None:
    sign_in(web, demo, CAMILLE)
    url = f"{base(demo, CAMILLE)}/mesures/height"
    refused = post(web, url, valeur="180", unite="mm", date="2026-11-20", heure="08:00")
    assert refused.status_code == 422
    assert alert(refused).startswith("Taille de 180 mm (soit 18 cm) : valeur invraisemblable")
    assert 'value="180"' in refused.text and '<option value="mm" selected>' in refused.text
    assert re.search(r'id="valeur"[^>]*aria-invalid="true"', refused.text)
    words = post(web, url, valeur="grand", unite="cm", date="2026-11-20")
    assert alert(words) == "Taille : indiquez un nombre (par exemple 72,5)."
    future = post(web, url, valeur="170", unite="cm", date="2027-01-01", heure="08:00")
    assert "dans le futur" in alert(future)
    assert history_values(web.get(url)) == []


def test_deleting_a_measure_and_paging_the_history(web: TestClient, demo: Container) -> None:
    camille, space = person(demo), space_of(demo, CAMILLE)
    for day in range(1, 23):
        profile.add_measure(demo, camille, space, MeasureInput(
            MeasureKind.HEART_RATE, 60 + day, at(f"2026-11-{day:02d}")))
    sign_in(web, demo, CAMILLE)
    url = f"{base(demo, CAMILLE)}/mesures/heart_rate"
    first = web.get(url)
    assert len(history_values(first)) == 20 and "Page 1 sur 2" in text(first)
    assert f'href="{url}?page=2" rel="next"' in first.text
    assert history_values(web.get(f"{url}?page=2")) == ["62 battements/min", "61 battements/min"]
    latest = re.search(rf'action="{url}/([^/"]+)/suppression"', first.text).group(1)  # type: ignore[union-attr]
    deleted = post(web, f"{url}/{latest}/suppression")
    assert deleted.headers["location"] == f"{url}?fait=mesure-supprimee"
    assert history_values(web.get(url))[0] == "81 battements/min"
    assert web.get(f"{base(demo, CAMILLE)}/mesures/inconnue").status_code == 404


def test_the_measures_page_lists_every_type(web: TestClient, demo: Container) -> None:
    sign_in(web, demo, CAMILLE)
    page = text(web.get(f"{base(demo, CAMILLE)}/mesures"))
    for kind in MeasureKind:
        assert f'href="{base(demo, CAMILLE)}/mesures/{kind.value}"' in page
    assert ">Tension artérielle</a>" in page and ">Glycémie</a>" in page


# -- who sees what ---------------------------------------------------------------------------


def test_a_caregiver_adds_but_neither_deletes_nor_exports(web: TestClient,
                                                          demo: Container) -> None:
    sign_in(web, demo, JEANNE)
    url = base(demo, JEANNE)
    post(web, f"{url}/treatments", medicine="Kardégic", dose="75 mg le matin")
    post(web, "/deconnexion")
    sign_in(web, demo, CAMILLE)  # Jeanne's caregiver
    page = text(web.get(f"{url}/treatments"))
    assert entry_titles(web.get(f"{url}/treatments")) == ["Kardégic"]
    assert "/modification" in page and "/suppression" not in page
    assert post(web, f"{url}/treatments", medicine="Doliprane").status_code == 303
    summary = text(web.get(url))
    assert f'href="{url}/export"' not in summary
    assert "Seuls le titulaire de l'espace" in text(web.get(f"{url}/export"))
    assert post(web, f"{url}/export", rubriques="allergies").status_code == 404


def test_the_legal_representative_sees_the_childs_profile(web: TestClient,
                                                          demo: Container) -> None:
    sign_in(web, demo, THOMAS)
    url = f"/espaces/{child_space(demo)}/profil"
    assert f'href="{url}"' in web.get("/accueil").text
    page = text(web.get(url))
    assert "Espace santé de Léa Bernard" in page and f'href="{url}/croissance"' in page
    assert post(web, f"{url}/vaccinations", vaccine="ROR", date="2020-09-08",
                dose_number="1").status_code == 303
    assert entry_titles(web.get(f"{url}/vaccinations")) == ["ROR"]


def test_the_medecin_traitant_reads_and_adds_but_does_not_rewrite(
    web: TestClient, demo: Container
) -> None:
    camille, space = person(demo), space_of(demo, CAMILLE)
    own = profile.add_item(demo, camille, space, ItemInput(
        Section.ALLERGIES, {"substance": "Pénicilline"}))
    url = f"/pro/patients/{space}/profil"
    as_professional(web, demo, DR_DURAND)
    assert f'href="{url}"' in web.get("/pro").text
    page = text(web.get(url))
    assert "<h1>Profil médical</h1>" in page and "Pénicilline" in page
    assert f'href="{url}/export"' not in page
    section = text(web.get(f"{url}/allergies"))
    assert "/modification" not in section and "/suppression" not in section
    assert post(web, f"{url}/allergies", substance="Aspirine").status_code == 303
    mine = text(web.get(f"{url}/allergies"))
    assert "Source : Professionnel de santé" in mine
    assert len(re.findall(r'/suppression"', mine)) == 1  # his own entry only
    assert web.get(f"{url}/allergies/{own.id}/modification").status_code == 404
    assert post(web, f"{url}/allergies/{own.id}/suppression").status_code == 404

    weight = post(web, f"{url}/mesures/weight", valeur="61", unite="kg", date="2026-11-21",
                  heure="10:00")
    assert weight.headers["location"] == f"{url}/mesures/weight?fait=mesure"
    assert "Professionnel de santé" in text(web.get(f"{url}/mesures/weight"))
    assert web.get(f"/espaces/{space}/profil").status_code == 404  # his pages are /pro


def test_an_authorised_professional_sees_jeannes_profile_not_camilles(
    web: TestClient, demo: Container
) -> None:
    as_professional(web, demo, DR_LEFEVRE)  # authorised by Jeanne only
    assert web.get(f"/pro/patients/{space_of(demo, JEANNE)}/profil").status_code == 200
    assert web.get(f"/pro/patients/{space_of(demo, CAMILLE)}/profil").status_code == 404


ROUTES = [
    ("GET", ""), ("GET", "/allergies"), ("GET", "/allergies/{other}/modification"),
    ("GET", "/mesures"), ("GET", "/mesures/weight"), ("GET", "/croissance"),
    ("GET", "/export"), ("POST", "/allergies"), ("POST", "/allergies/{other}/modification"),
    ("POST", "/allergies/{other}/suppression"), ("POST", "/mesures/weight"),
    ("POST", "/mesures/weight/{other}/suppression"), ("POST", "/export"),
]


def test_another_patients_profile_is_not_found_on_every_route(
    web: TestClient, demo: Container
) -> None:
    sign_in(web, demo, CAMILLE)
    web.get("/accueil")
    thomas = space_of(demo, THOMAS)
    form = {"substance": "Pollen", "valeur": "60", "date": "2026-11-20", "rubriques": "allergies"}
    for method, path in ROUTES:
        random_id, other_id = str(uuid.uuid4()), str(uuid.uuid4())
        answers = []
        for space in (thomas, random_id):
            url = f"/espaces/{space}/profil{path}".replace("{other}", other_id)
            answers.append(web.get(url) if method == "GET" else post(web, url, **form))
        other, missing = answers
        assert other.status_code == missing.status_code == 404, path
        assert "Ressource introuvable." in other.text
        assert other.text.replace(thomas, "ID") == missing.text.replace(random_id, "ID"), path


def test_signed_out_goes_to_sign_in(web: TestClient, demo: Container) -> None:
    url = base(demo, CAMILLE)
    response = web.get(f"{url}/mesures")
    assert response.status_code == 303 and response.headers["location"].startswith("/connexion")
    pro = web.get(f"/pro/patients/{space_of(demo, CAMILLE)}/profil")
    assert pro.headers["location"] == "/pro/connexion"


# -- growth curves -----------------------------------------------------------------------------


def test_a_parent_sees_the_growth_curve_of_his_child(web: TestClient, demo: Container) -> None:
    space = child_space(demo)
    sign_in(web, demo, THOMAS)
    url = f"/espaces/{space}/profil"
    for day, kg in (("2024-09-08", "18,4"), ("2025-09-08", "20,5"), ("2026-09-08", "22,9")):
        post(web, f"{url}/mesures/weight", valeur=kg, unite="kg", date=day, heure="10:00")
    page = web.get(f"{url}/croissance")
    shown = text(page)
    assert '<a href="' + url + '/croissance?courbe=poids-1-18-ans" aria-current="page">' in shown
    assert "<h2 id=\"courbe\">Poids, de 1 à 18 ans</h2>" in shown
    data = chart_data(page, "croissance")
    assert data["x"] == "age" and data["x_title"] == "Âge (années)"
    series = data["series"]  # type: ignore[assignment]
    assert [s["label"] for s in series] == [  # type: ignore[index]
        "3e centile", "15e centile", "50e centile", "85e centile", "97e centile", "Léa"]
    child = series[-1]["points"]  # type: ignore[index]
    assert [p[1] for p in child] == [18.4, 20.5, 22.9]
    assert [round(p[0]) for p in child] == [5, 6, 7]
    assert "<td>5 ans</td><td>18,4 kg</td>" in shown and "<td>7 ans</td><td>22,9 kg</td>" in shown
    assert "La référence de l'OMS pour le poids s'arrête à 10 ans" in shown
    head = web.get(f"{url}/croissance?courbe=perimetre-cranien-0-5-ans")
    assert "Aucune mesure de l'enfant à ces âges." in text(head)
    assert chart_data(head, "croissance")["x_title"] == "Âge (mois)"
    assert web.get(f"{url}/croissance?courbe=inconnue").status_code == 404


def test_an_adult_has_no_growth_curve(web: TestClient, demo: Container) -> None:
    sign_in(web, demo, CAMILLE)
    page = text(web.get(f"{base(demo, CAMILLE)}/croissance"))
    assert "concernent les enfants et les adolescents de moins de 18 ans" in page
    assert "<canvas" not in page


# -- the export ----------------------------------------------------------------------------------


def test_the_export_form_downloads_a_pdf(web: TestClient, demo: Container) -> None:
    sign_in(web, demo, CAMILLE)
    url = f"{base(demo, CAMILLE)}/export"
    form = text(web.get(url))
    assert '<input id="rubrique-allergies" name="rubriques" type="checkbox" value="allergies" ' \
           'checked>' in form
    assert 'value="measures" checked>' in form
    pdf = post(web, url, rubriques=["allergies", "measures"])
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.headers["content-disposition"] == 'attachment; filename="profil-medical.pdf"'
    assert pdf.headers["cache-control"] == "no-store"
    nothing = post(web, url)
    assert nothing.status_code == 422
    assert alert(nothing) == "Choisissez au moins une rubrique à exporter."


# -- English -------------------------------------------------------------------------------------


def test_the_pages_in_english(web: TestClient, demo: Container) -> None:
    sign_in(web, demo, CAMILLE)
    url = base(demo, CAMILLE)
    summary = text(web.get(f"{url}?lang=en"))
    assert '<html lang="en"' in summary and "<h1>Medical profile</h1>" in summary
    assert ">Family history</a></h3>" in summary and "Latest measures" in summary
    refused = post(web, f"{url}/allergies", substance="")
    assert alert(refused) == 'Allergies, "Substance": this field is required.'
    assert '<label for="champ-severity">Severity</label>' in text(refused)
    post(web, f"{url}/mesures/heart_rate", valeur="72", date="2026-11-20", heure="08:00")
    assert "72 beats/min" in text(web.get(f"{url}/mesures/heart_rate"))


def python_messages() -> set[str]:
    return set(profile_side.DONE.values()) | {profile_export.LATEST}


@pytest.mark.parametrize("message", sorted(template_messages(OUR_TEMPLATES) | python_messages()))
def test_every_profile_message_has_an_english_translation(message: str) -> None:
    translated = english_catalogue().get(message)
    assert translated, f"no English for {message!r}"
    if isinstance(translated, tuple):
        assert all(translated), f"a plural form is missing for {message!r}"
