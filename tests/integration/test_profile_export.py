"""The profile as a PDF (SQLite, and PostgreSQL in the second run): its French text read
back with pypdf, the chosen sections only, who may export it (the holders), the audit
trail, and the JSON API's download."""

from __future__ import annotations

import io

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlalchemy import select

from espace_sante.bootstrap import Container
from espace_sante.core import audit
from espace_sante.core.errors import InvalidInput, NotFound
from espace_sante.profile import export
from espace_sante.profile import service as profile
from espace_sante.profile.codes import MeasureKind, Section
from espace_sante.profile.export import Choice
from espace_sante.profile.views import ItemInput, MeasureInput
from tests.dossier_support import person, professional, space_of
from tests.helpers import CAMILLE, JEANNE, person_session
from tests.profile_support import at


def pdf_text(data: bytes) -> str:
    assert data.startswith(b"%PDF")
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def fill(c: Container) -> str:
    camille, space = person(c), space_of(c, CAMILLE)
    for item in (
        ItemInput(Section.ALLERGIES, {"substance": "Pénicilline", "reaction": "Œdème",
                                      "severity": "severe", "since": "2010-05-01"}),
        ItemInput(Section.DISEASES, {"condition": "Asthme", "since": "1995-03-01"}),
        ItemInput(Section.TREATMENTS, {"medicine": "Ventoline", "dose": "2 bouffées"}),
        ItemInput(Section.TRUSTED_PERSON, {"name": "Éloïse Martin", "phone": "06 12 34 56 78",
                                           "relationship": "sœur"}),
    ):
        profile.add_item(c, camille, space, item)
    profile.add_measure(c, camille, space, MeasureInput(MeasureKind.WEIGHT, 62.5,
                                                        at("2026-11-20")))
    profile.add_blood_pressure(c, camille, space, 128, 82, at("2026-11-21"))
    return space


def test_the_whole_profile_in_french(demo: Container) -> None:
    space = fill(demo)
    text = pdf_text(export.export_pdf(demo, person(demo), space, Choice()))
    for expected in (
        "Profil médical", "Camille Martin", "Date de naissance : 14 mai 1985",
        "Nom de naissance : Martin · Prénoms : Camille Anne",
        "Exporté le 22 novembre 2026 à 10:00 depuis Espace Santé.",
        "Allergies", "Pénicilline", "Réaction : Œdème", "Gravité : sévère",
        "Depuis : 1 mai 2010", "Source : Saisi dans l'espace, le 22 novembre 2026",
        "Maladies et antécédents", "Asthme", "Traitements", "Ventoline",
        "Posologie : 2 bouffées", "Antécédents familiaux", "Aucune information renseignée.",
        "Personne de confiance", "Éloïse Martin", "Téléphone : +33612345678",
        "Lien avec vous : sœur", "Dernières mesures",
        "Poids : 62,5 kg, le 20 novembre 2026 (Saisi dans l'espace)",
        "Tension artérielle : 128/82 mmHg, le 21 novembre 2026",
        "pas un avis médical.",
    ):
        assert expected in text, expected


def test_only_the_chosen_sections(demo: Container) -> None:
    space = fill(demo)
    choice = export.choice_of(["allergies,treatments"])
    assert choice == Choice((Section.ALLERGIES, Section.TREATMENTS), measures=False)
    text = pdf_text(export.export_pdf(demo, person(demo), space, choice))
    assert "Pénicilline" in text and "Ventoline" in text
    assert "Asthme" not in text and "Dernières mesures" not in text
    assert "Antécédents" not in text and "Personne de confiance" not in text
    only_measures = pdf_text(export.export_pdf(demo, person(demo), space,
                                               export.choice_of(["measures"])))
    assert "Dernières mesures" in only_measures and "Pénicilline" not in only_measures
    with pytest.raises(InvalidInput):
        export.choice_of(["allergies", "secrets"])
    assert export.choice_of([]) == Choice()


def test_only_the_holders_export_and_it_is_audited(demo: Container) -> None:
    space = fill(demo)
    export.export_pdf(demo, person(demo), space, Choice())
    with demo.factory() as session:
        rows = session.execute(select(audit.AuditEvent.action, audit.AuditEvent.resource_kind,
                                      audit.AuditEvent.resource_id, audit.AuditEvent.outcome)
                               .where(audit.AuditEvent.chain == space)).all()
    assert ("export", "profile", "profil-medical.pdf", "success") in rows
    with pytest.raises(NotFound):
        export.export_pdf(demo, professional(demo), space, Choice())  # the médecin traitant
    jeanne = space_of(demo, JEANNE)
    with pytest.raises(NotFound):
        export.export_pdf(demo, person(demo), jeanne, Choice())  # Camille, her caregiver
    with demo.factory() as session:
        denied = session.scalars(select(audit.AuditEvent.actor_kind).where(
            audit.AuditEvent.chain == jeanne, audit.AuditEvent.action == "export",
            audit.AuditEvent.outcome == "denied")).all()
    assert denied == ["caregiver"]


def test_the_api_download(client: TestClient, demo: Container) -> None:
    space = fill(demo)
    client.cookies.set("es_session", person_session(demo, CAMILLE))
    response = client.get(f"/api/spaces/{space}/profile/export.pdf?sections=allergies"
                          "&sections=measures")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"] == 'attachment; filename="profil-medical.pdf"'
    assert response.headers["cache-control"] == "no-store"
    text = pdf_text(response.content)
    assert "Pénicilline" in text and "Dernières mesures" in text and "Ventoline" not in text
    unknown = client.get(f"/api/spaces/{space}/profile/export.pdf?sections=secrets")
    assert unknown.status_code == 422 and unknown.json()["title"].startswith("Rubrique inconnue")
    other = client.get(f"/api/spaces/{space_of(demo, JEANNE)}/profile/export.pdf")
    assert other.status_code == 404
