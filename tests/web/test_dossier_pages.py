"""The dossier's pages: a patient's documents (list, filters, upload, each document's
page and content, organising, deleting), a professional's view of them, and the English
catalogue of these pages."""

from __future__ import annotations

import base64
import html
import io
import re
import zipfile
from datetime import timedelta
from functools import cache

import pytest
from fastapi.testclient import TestClient
from fpdf import FPDF
from httpx2 import Response
from PIL import Image

from espace_sante import demo as demo_data
from espace_sante.accounts.ins import control_key
from espace_sante.bootstrap import Container
from espace_sante.core import notify
from espace_sante.core.clock import FrozenClock
from espace_sante.dossier.codes import DOC_TYPES
from espace_sante.web import dossier, dossier_content
from tests.helpers import CAMILLE, DR_DURAND, DR_LEFEVRE, JEANNE, THOMAS, professional_session
from tests.integration.people import child_space, space_of
from tests.web.pages import alert, csrf, sign_in
from tests.web.test_labels import english_catalogue, template_messages

OUR_TEMPLATES = ("dossier/list.html", "dossier/_rows.html", "dossier/_badges.html",
                 "dossier/upload.html", "dossier/document.html",
                 "dossier/confirm_delete.html", "home.html", "pro/home.html")


@cache
def pdf_bytes(text: str = "Compte rendu de consultation") -> bytes:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(text=text)
    return bytes(pdf.output())


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(buffer, "PNG")
    return buffer.getvalue()


def zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("cr.txt", "pas un PDF")
    return buffer.getvalue()


def cda_level_one(nir: str, pdf: bytes) -> bytes:
    """A CDA R2 level 1 (a PDF in its body) about the patient with this NIR."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<ClinicalDocument xmlns="urn:hl7-org:v3">
  <id root="1.2.250.1.999" extension="CR-2026-42"/>
  <code code="11502-2" codeSystem="2.16.840.1.113883.6.1" displayName="CR d'examens biologiques"/>
  <title>Bilan lipidique</title>
  <effectiveTime value="20261115103000+0100"/>
  <confidentialityCode code="N"/>
  <recordTarget><patientRole>
    <id root="1.2.250.1.213.1.4.8" extension="{nir}"/>
    <patient><name><family qualifier="BR">MARTIN</family><given>Camille</given></name>
      <birthTime value="19850514"/></patient>
  </patientRole></recordTarget>
  <author><time value="20261115"/><assignedAuthor>
    <id root="1.2.250.1.71.4.2.1" extension="810001234567"/>
    <assignedPerson><name><given>Alain</given><family>DURAND</family></name></assignedPerson>
  </assignedAuthor></author>
  <component><nonXMLBody><text mediaType="application/pdf" representation="B64">{
      base64.b64encode(pdf).decode()}</text></nonXMLBody></component>
</ClinicalDocument>""".encode()


def text(response: Response) -> str:
    return html.unescape(response.text)


def base(c: Container, email: str) -> str:
    return f"/espaces/{space_of(c, email)}/documents"


def post(web: TestClient, url: str, **data: str) -> Response:
    return web.post(url, data={**data, "csrf_token": web.cookies["es_csrf"]})


def upload(web: TestClient, url: str, content: bytes, name: str = "cr.pdf",
           **fields: str) -> Response:
    data = {"titre": "Compte rendu de cardiologie", "type": "DOCPAT", **fields}
    return web.post(f"{url}/ajout", data={**data, "csrf_token": web.cookies["es_csrf"]},
                    files={"fichier": (name, content, "application/pdf")})


def uploaded(web: TestClient, url: str, content: bytes | None = None, **fields: str) -> str:
    """Upload and return the new document's page."""
    response = upload(web, url, content or pdf_bytes(), **fields)
    assert response.status_code == 303, alert(response)
    location = response.headers["location"]
    assert location.startswith(f"{url}/") and location.endswith("?fait=ajout")
    return location.split("?")[0]


def titles(response: Response) -> list[str]:
    assert response.status_code == 200, response.text
    return re.findall(r'<h3><a href="[^"]+">([^<]+)</a></h3>', text(response))


def as_professional(web: TestClient, c: Container, rpps: str, page: str = "/pro") -> None:
    web.cookies.clear()
    web.cookies.set("es_session", professional_session(c, rpps), domain="127.0.0.1")
    csrf(web, page)


# -- the patient's documents -----------------------------------------------------------------


def test_an_uploaded_pdf_is_listed_and_described(web: TestClient, demo: Container) -> None:
    sign_in(web, demo, CAMILLE)
    url = base(demo, CAMILLE)
    empty = text(web.get(url))
    assert "<h1>Documents</h1>" in empty and "Espace santé de Camille Martin" in empty
    assert "Aucun document dans cet espace pour le moment." in empty
    form = text(web.get(f"{url}/ajout"))
    assert 'accept=".pdf,.jpg,.jpeg,.png,.tif,.tiff,.rtf,.txt,' in form
    assert 'capture="environment"' in form and "5 Mo au plus" in form
    assert '<option value="DOCPAT" selected>' in form

    page_url = uploaded(web, url, categorie="comptes_rendus", date_acte="2026-10-01")
    page = text(web.get(f"{page_url}?fait=ajout"))
    assert '<p class="notice" role="status">Le document est ajouté.</p>' in page
    assert "<h1>Compte rendu de cardiologie</h1>" in page
    for fact in ("<dd>Comptes rendus</dd>", "<dd>Document déposé par le patient</dd>",
                 "<dd>1 octobre 2026</dd>", "<dd>Camille Martin</dd>",
                 "<dd>Patient ou proche</dd>", "<dd>PDF</dd>", "<dd>En vigueur</dd>"):
        assert fact in page
    assert re.search(r"<code>[0-9a-f]{16}…</code>", page)
    assert f'<iframe class="preview" src="{page_url}/contenu"' in page
    assert f'href="{page_url}/telecharger"' in page

    listed = web.get(url)
    assert titles(listed) == ["Compte rendu de cardiologie"]
    assert "1 document</h2>" in text(listed) and "<dd>PDF, " in text(listed)


def test_the_list_filters_by_category_and_searches_titles(
    web: TestClient, demo: Container
) -> None:
    sign_in(web, demo, CAMILLE)
    url = base(demo, CAMILLE)
    uploaded(web, url, categorie="comptes_rendus")
    uploaded(web, url, pdf_bytes("Glycemie"), titre="Bilan sanguin", categorie="biologie")
    assert sorted(titles(web.get(url))) == ["Bilan sanguin", "Compte rendu de cardiologie"]
    assert titles(web.get(f"{url}?categorie=biologie")) == ["Bilan sanguin"]
    assert titles(web.get(f"{url}?texte=cardio")) == ["Compte rendu de cardiologie"]
    assert titles(web.get(f"{url}?texte=glycemie")) == ["Bilan sanguin"]  # the PDF's text
    nothing = text(web.get(f"{url}?texte=radio&categorie=imagerie"))
    assert "Aucun document ne correspond à ces critères." in nothing
    assert '<option value="imagerie" selected>' in nothing and 'value="radio"' in nothing


def test_the_list_filters_by_date_of_the_act_and_source(
    web: TestClient, demo: Container
) -> None:
    sign_in(web, demo, CAMILLE)
    url = base(demo, CAMILLE)
    uploaded(web, url, titre="Ancien", date_acte="2025-03-01")
    uploaded(web, url, titre="Récent", date_acte="2026-10-01")
    assert titles(web.get(f"{url}?du=2026-01-01")) == ["Récent"]
    assert titles(web.get(f"{url}?au=2025-12-31")) == ["Ancien"]
    assert titles(web.get(f"{url}?source=professional")) == []
    assert len(titles(web.get(f"{url}?source=patient"))) == 2
    assert titles(web.get(f"{url}?auteur=Martin&texte=ancien")) == ["Ancien"]
    assert "<details open>" in web.get(f"{url}?du=2026-01-01").text
    wrong = web.get(f"{url}?du=hier")
    assert wrong.status_code == 422 and "Date invalide" in text(wrong)


def test_the_list_has_pages_of_twenty(web: TestClient, demo: Container) -> None:
    sign_in(web, demo, CAMILLE)
    url = base(demo, CAMILLE)
    assert isinstance(demo.clock, FrozenClock)
    for n in range(21):
        demo.clock.advance(timedelta(seconds=1))  # newest first, one deposit a second
        uploaded(web, url, titre=f"Document {n:02d}")
    first = web.get(url)
    assert len(titles(first)) == 20 and "21 documents</h2>" in text(first)
    assert "Page 1 sur 2" in text(first) and f'href="{url}?page=2" rel="next"' in first.text
    second = web.get(f"{url}?page=2")
    assert titles(second) == ["Document 00"]


def test_the_content_inline_and_as_a_download(web: TestClient, demo: Container) -> None:
    sign_in(web, demo, CAMILLE)
    page_url = uploaded(web, base(demo, CAMILLE), titre="Compte rendu / mai")
    inline = web.get(f"{page_url}/contenu")
    assert inline.status_code == 200 and inline.content == pdf_bytes()
    assert inline.headers["content-type"] == "application/pdf"
    assert inline.headers["content-disposition"].startswith("inline;")
    assert inline.headers["cache-control"] == "no-store"
    assert inline.headers["x-content-type-options"] == "nosniff"
    download = web.get(f"{page_url}/telecharger")
    assert download.status_code == 200 and download.content == pdf_bytes()
    disposition = download.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="Compte_rendu_mai.pdf"')
    assert "filename*=UTF-8''Compte%20rendu%20mai.pdf" in disposition
    assert web.get(f"{page_url}/apercu").status_code == 404  # no embedded PDF


def test_organising_a_document(web: TestClient, demo: Container) -> None:
    sign_in(web, demo, CAMILLE)
    url = base(demo, CAMILLE)
    page_url = uploaded(web, url)
    renamed = post(web, f"{page_url}/titre", titre="Échographie cardiaque")
    assert renamed.headers["location"] == f"{page_url}?fait=titre"
    assert post(web, f"{page_url}/categorie", categorie="imagerie").status_code == 303
    assert post(web, f"{page_url}/masquage", masque="oui").status_code == 303
    page = text(web.get(page_url))
    assert "<h1>Échographie cardiaque</h1>" in page
    assert "<dd>Radio, écho, scanner, IRM</dd>" in page
    assert '<li class="badge">Masqué aux professionnels</li>' in page
    assert "Ne plus masquer aux professionnels" in page
    assert titles(web.get(f"{url}?categorie=imagerie")) == ["Échographie cardiaque"]
    assert "Masqué aux professionnels" in text(web.get(url))

    refused = post(web, f"{page_url}/titre", titre="  ")
    assert refused.status_code == 422 and alert(refused).startswith("Le titre est requis")
    assert post(web, f"{page_url}/masquage", masque="non").status_code == 303
    assert "Masqué aux professionnels" not in text(web.get(url))


def test_folders(web: TestClient, demo: Container) -> None:
    sign_in(web, demo, CAMILLE)
    url = base(demo, CAMILLE)
    page_url = uploaded(web, url)
    uploaded(web, url, titre="Ordonnance")
    assert post(web, f"{url}/dossiers", nom="Cardiologie").headers["location"] == (
        f"{url}?fait=dossier-cree")
    folder_id = re.search(r'href="[^"]+\?dossier=([^"]+)">Cardiologie</a>',
                          web.get(url).text).group(1)  # type: ignore[union-attr]
    assert post(web, f"{page_url}/dossier", dossier=folder_id).status_code == 303
    assert titles(web.get(f"{url}?dossier={folder_id}")) == ["Compte rendu de cardiologie"]
    assert "(1 document)" in text(web.get(url))
    empty = post(web, f"{url}/dossiers", nom=" ")
    assert empty.status_code == 422 and alert(empty).startswith("Le nom du dossier est requis")
    gone = post(web, f"{url}/dossiers/{folder_id}/suppression")
    assert gone.headers["location"] == f"{url}?fait=dossier-supprime"
    assert len(titles(web.get(url))) == 2  # its documents stay


def test_deleting_a_document_asks_for_confirmation(web: TestClient, demo: Container) -> None:
    sign_in(web, demo, CAMILLE)
    url = base(demo, CAMILLE)
    page_url = uploaded(web, url)
    confirm = text(web.get(f"{page_url}/suppression"))
    assert "<h1>Supprimer le document</h1>" in confirm and "Compte rendu de cardiologie" in confirm
    unticked = post(web, f"{page_url}/suppression")
    assert unticked.status_code == 422 and alert(unticked) == "Cochez la case pour confirmer."
    assert web.get(f"{page_url}/contenu").status_code == 200
    deleted = post(web, f"{page_url}/suppression", confirme="oui")
    assert deleted.headers["location"] == f"{url}?fait=suppression"
    assert titles(web.get(url)) == []
    assert web.get(f"{page_url}/contenu").status_code == 404
    history = text(web.get(page_url))  # the holder still sees its description
    assert "<dd>Supprimé</dd>" in history and "/telecharger" not in history


def test_a_png_named_pdf_is_stored_as_png(web: TestClient, demo: Container) -> None:
    sign_in(web, demo, CAMILLE)
    page_url = uploaded(web, base(demo, CAMILLE), png_bytes(), titre="Photo d'ordonnance")
    page = text(web.get(page_url))
    assert "<dd>Image PNG</dd>" in page
    assert f'<img class="preview-image" src="{page_url}/contenu"' in page
    content = web.get(f"{page_url}/contenu")
    assert content.headers["content-type"] == "image/png" and content.content == png_bytes()
    assert 'filename="Photo_d_ordonnance.png"' in web.get(
        f"{page_url}/telecharger").headers["content-disposition"]


def test_a_text_is_shown_in_the_page_and_served_as_utf8(
    web: TestClient, demo: Container
) -> None:
    sign_in(web, demo, CAMILLE)
    note = "Tension : 12/8 <script>alert(1)</script>\nPoids : 62 kg, à jeun".encode()
    page_url = uploaded(web, base(demo, CAMILLE), note, titre="Relevé")
    page = web.get(page_url).text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert" not in page
    assert "<dd>Texte</dd>" in text(web.get(page_url))
    content = web.get(f"{page_url}/contenu")
    assert content.headers["content-type"] == "text/plain; charset=utf-8"
    assert content.content == note and content.headers["content-disposition"].startswith("inline")


def test_an_rtf_is_never_served_inline(web: TestClient, demo: Container) -> None:
    sign_in(web, demo, CAMILLE)
    rtf = rb"{\rtf1\ansi Ordonnance du docteur}"
    page_url = uploaded(web, base(demo, CAMILLE), rtf, titre="Ordonnance")
    assert "Pas d'aperçu pour ce format" in text(web.get(page_url))
    content = web.get(f"{page_url}/contenu")
    assert content.status_code == 200 and content.content == rtf
    assert content.headers["content-type"] == "application/rtf"
    assert content.headers["content-disposition"].startswith(
        'attachment; filename="Ordonnance.rtf"')


def test_a_zip_named_pdf_is_refused_and_nothing_is_stored(
    web: TestClient, demo: Container
) -> None:
    sign_in(web, demo, CAMILLE)
    url = base(demo, CAMILLE)
    refused = upload(web, url, zip_bytes(), titre="Mes analyses", date_acte="2026-09-30")
    assert refused.status_code == 415
    assert alert(refused).startswith(
        "Ce type de fichier n'est pas accepté (contenu reconnu : archive ZIP).")
    assert 'value="Mes analyses"' in refused.text and 'value="2026-09-30"' in refused.text
    assert "choisissez-le de nouveau" in text(refused)
    assert titles(web.get(url)) == []


def test_a_file_over_5_mb_is_refused(web: TestClient, demo: Container) -> None:
    sign_in(web, demo, CAMILLE)
    url = base(demo, CAMILLE)
    refused = upload(web, url, pdf_bytes() + b"\n%" + b"0" * (6 * 1024 * 1024))
    assert refused.status_code == 413
    assert alert(refused) == "Le fichier dépasse la taille maximale de 5 Mo."
    assert titles(web.get(url)) == []


def test_a_missing_file_is_explained(web: TestClient, demo: Container) -> None:
    sign_in(web, demo, CAMILLE)
    url = base(demo, CAMILLE)
    refused = post(web, f"{url}/ajout", titre="Sans fichier", type="DOCPAT")
    assert refused.status_code == 422 and alert(refused) == "Choisissez le fichier à ajouter."
    assert 'aria-describedby="fichier-aide erreur"' in refused.text


def test_another_patients_document_is_not_found(web: TestClient, demo: Container) -> None:
    sign_in(web, demo, CAMILLE)
    page_url = uploaded(web, base(demo, CAMILLE))
    post(web, "/deconnexion")
    sign_in(web, demo, THOMAS)
    for url in (page_url, f"{page_url}/contenu", f"{page_url}/telecharger",
                base(demo, CAMILLE)):
        response = web.get(url)
        assert response.status_code == 404, url
        assert "Ressource introuvable." in response.text
    own = base(demo, THOMAS)  # the same id under his own space: not found either
    assert web.get(page_url.replace(base(demo, CAMILLE), own)).status_code == 404
    assert post(web, f"{page_url}/suppression", confirme="oui").status_code == 404


def test_a_caregiver_reads_but_neither_downloads_nor_deletes(
    web: TestClient, demo: Container
) -> None:
    sign_in(web, demo, JEANNE)
    page_url = uploaded(web, base(demo, JEANNE))
    post(web, "/deconnexion")
    sign_in(web, demo, CAMILLE)  # Jeanne's caregiver
    page = text(web.get(page_url))
    assert "<h1>Compte rendu de cardiologie</h1>" in page and "Renommer" in page
    assert "/telecharger" not in page and "/suppression" not in page
    assert web.get(f"{page_url}/contenu").status_code == 200
    assert web.get(f"{page_url}/telecharger").status_code == 404


def test_the_home_page_links_to_the_documents(web: TestClient, demo: Container) -> None:
    sign_in(web, demo, CAMILLE)  # her own space, and Jeanne's as caregiver
    home = web.get("/accueil").text
    assert f'href="{base(demo, CAMILLE)}"' in home and f'href="{base(demo, JEANNE)}"' in home
    post(web, "/deconnexion")
    sign_in(web, demo, THOMAS)  # legal representative of Léa
    assert f'href="/espaces/{child_space(demo)}/documents"' in web.get("/accueil").text


def test_the_pages_in_english(web: TestClient, demo: Container) -> None:
    sign_in(web, demo, CAMILLE)
    url = base(demo, CAMILLE)
    page_url = uploaded(web, url, categorie="comptes_rendus", date_acte="2026-10-01")
    listed = text(web.get(f"{url}?lang=en"))
    assert '<html lang="en"' in listed and "Health space of Camille Martin" in listed
    assert "<dd>Reports</dd>" in listed and "Add a document" in listed
    page = text(web.get(page_url))  # the cookie keeps English
    for fact in ("<dd>Reports</dd>", "<dd>Document uploaded by the patient</dd>",
                 "<dd>1 October 2026</dd>", "<dd>Patient or relative</dd>", "<dd>Current</dd>"):
        assert fact in page
    assert ">Download<" in page
    refused = upload(web, url, zip_bytes())
    assert alert(refused).startswith("This type of file is not accepted")


# -- the professional's pages --------------------------------------------------------------


def test_the_medecin_traitant_sees_a_masked_document_an_authorised_pro_does_not(
    web: TestClient, demo: Container
) -> None:
    sign_in(web, demo, JEANNE)
    page_url = uploaded(web, base(demo, JEANNE), titre="Bilan psychologique", masque="oui")
    uploaded(web, base(demo, JEANNE), titre="Ordonnance")
    document_id = page_url.rsplit("/", 1)[1]
    pro_url = f"/pro/patients/{space_of(demo, JEANNE)}/documents"

    as_professional(web, demo, DR_DURAND)
    assert f'href="{pro_url}"' in web.get("/pro").text
    assert sorted(titles(web.get(pro_url))) == ["Bilan psychologique", "Ordonnance"]
    page = text(web.get(f"{pro_url}/{document_id}"))
    assert "<h1>Bilan psychologique</h1>" in page and "Masqué aux professionnels" in page
    assert "Renommer" not in page and "Remplacer par une nouvelle version" not in page

    as_professional(web, demo, DR_LEFEVRE)  # authorised by Jeanne (patient_consent)
    assert titles(web.get(pro_url)) == ["Ordonnance"]
    assert web.get(f"{pro_url}/{document_id}").status_code == 404
    assert web.get(f"{pro_url}/{document_id}/contenu").status_code == 404


def test_a_professional_has_his_own_pages_not_the_patients(
    web: TestClient, demo: Container
) -> None:
    as_professional(web, demo, DR_DURAND)  # even the médecin traitant: his pages are /pro
    assert web.get(base(demo, CAMILLE)).status_code == 404
    assert web.get(f"/pro/patients/{space_of(demo, CAMILLE)}/documents").status_code == 200


def test_a_professional_adds_replaces_and_deletes_his_document(
    web: TestClient, demo: Container
) -> None:
    pro_url = f"/pro/patients/{space_of(demo, CAMILLE)}/documents"
    as_professional(web, demo, DR_DURAND)
    form = text(web.get(f"{pro_url}/ajout"))
    assert "Invisible au patient" in form and "Masquer ce document" not in form
    assert '<option value="11488-4" selected>' in form
    page_url = uploaded(web, pro_url, titre="Suspicion de lymphome", type="11488-4",
                        date_acte="2026-11-20")
    page = text(web.get(page_url))
    assert "<dd>Compte rendu de consultation</dd>" in page
    assert "<dd>Professionnel de santé</dd>" in page and "Alain Durand" in page

    with demo.factory() as session:
        notices = [m for m in notify.recent(session) if m.recipient == CAMILLE]
    assert notices and notices[0].subject.startswith("Nouveau document")
    assert all("lymphome" not in m.subject + m.body for m in notices)

    replaced = web.post(f"{page_url}/version",
                        data={"titre": "", "csrf_token": web.cookies["es_csrf"]},
                        files={"fichier": ("v2.pdf", pdf_bytes("Version 2"), "application/pdf")})
    assert replaced.status_code == 303 and replaced.headers["location"].endswith("?fait=version")
    new_url = replaced.headers["location"].split("?")[0]
    new_page = text(web.get(new_url))
    assert "<h1>Suspicion de lymphome</h1>" in new_page
    assert f'href="{page_url}" rel="prev"' in new_page
    old_page = text(web.get(page_url))
    assert "<dd>Remplacé par une nouvelle version</dd>" in old_page
    assert f'href="{new_url}" rel="next"' in old_page
    assert titles(web.get(pro_url)) == ["Suspicion de lymphome"]

    deleted = post(web, f"{new_url}/suppression", confirme="oui")
    assert deleted.headers["location"] == f"{pro_url}?fait=suppression"
    assert titles(web.get(pro_url)) == []


def test_a_cda_is_rendered_and_its_pdf_previewed(web: TestClient, demo: Container) -> None:
    person = demo_data.PEOPLE[0]
    nir = person.nir13 + control_key(person.nir13)
    pro_url = f"/pro/patients/{space_of(demo, CAMILLE)}/documents"
    as_professional(web, demo, DR_DURAND)
    assert ".xml" in text(web.get(f"{pro_url}/ajout"))
    page_url = uploaded(web, pro_url, cda_level_one(nir, pdf_bytes()), titre="")
    page = text(web.get(page_url))
    assert "<h1>Bilan lipidique</h1>" in page and '<div class="cda">' in page
    assert "<dd>CR d'examens biologiques</dd>" in page and "<dd>15 novembre 2026</dd>" in page
    assert "<dd>Document structuré CDA</dd>" in page
    assert f'<iframe class="preview" src="{page_url}/apercu"' in page
    preview = web.get(f"{page_url}/apercu")
    assert preview.content == pdf_bytes() and preview.headers["content-type"] == "application/pdf"
    assert preview.headers["content-disposition"].startswith(
        'inline; filename="Bilan_lipidique.pdf"')
    xml = web.get(f"{page_url}/contenu")  # never shown as a page of ours
    assert xml.headers["content-type"] == "application/hl7-cda+xml"
    assert xml.headers["content-disposition"].startswith(
        'attachment; filename="Bilan_lipidique.xml"')


def test_a_cda_about_another_patient_is_refused(web: TestClient, demo: Container) -> None:
    person = demo_data.PEOPLE[1]  # Thomas, not Camille
    pro_url = f"/pro/patients/{space_of(demo, CAMILLE)}/documents"
    as_professional(web, demo, DR_DURAND)
    refused = upload(web, pro_url, cda_level_one(person.nir13 + control_key(person.nir13),
                                                 pdf_bytes()), titre="")
    assert refused.status_code == 422 and "concerne un autre patient" in alert(refused)
    assert titles(web.get(pro_url)) == []


def test_a_professional_cannot_delete_the_patients_document(
    web: TestClient, demo: Container
) -> None:
    sign_in(web, demo, CAMILLE)
    page_url = uploaded(web, base(demo, CAMILLE))
    document_id = page_url.rsplit("/", 1)[1]
    pro_url = f"/pro/patients/{space_of(demo, CAMILLE)}/documents/{document_id}"
    as_professional(web, demo, DR_DURAND)
    assert "/suppression" not in web.get(pro_url).text
    assert post(web, f"{pro_url}/suppression", confirme="oui").status_code == 404
    assert web.get(f"{pro_url}/telecharger").content == pdf_bytes()


def test_the_professional_pages_are_for_professionals(web: TestClient, demo: Container) -> None:
    sign_in(web, demo, CAMILLE)
    refused = web.get(f"/pro/patients/{space_of(demo, CAMILLE)}/documents")
    assert refused.status_code == 404  # not even his own space's id is confirmed there


# -- the English catalogue ------------------------------------------------------------------


def python_messages() -> set[str]:
    tables = (dossier.DONE, dossier_content.STATUSES, dossier_content.SOURCES,
              dossier_content.FORMATS)
    return ({french for table in tables for french in table.values()}
            | {t.display for t in DOC_TYPES.values()})


@pytest.mark.parametrize("message", sorted(template_messages(OUR_TEMPLATES) | python_messages()))
def test_every_dossier_message_has_an_english_translation(message: str) -> None:
    translated = english_catalogue().get(message)
    assert translated, f"no English for {message!r}"
    if isinstance(translated, tuple):
        assert all(translated), f"a plural form is missing for {message!r}"
