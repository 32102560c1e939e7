"""The JSON API's deposit: multipart streamed straight into the dossier (api/multipart.py).
Every byte lands once, bad forms are refused with a clear message, and no temporary file
outlives the request, whatever happens."""

from __future__ import annotations

import hashlib
import io
import os

import pytest
from fastapi.testclient import TestClient
from fpdf import FPDF
from PIL import Image
from sqlalchemy import func, select

from espace_sante.bootstrap import Container
from espace_sante.core.audit import AuditEvent
from espace_sante.dossier.models import Document
from tests.dossier_support import pdf_bytes, space_of
from tests.helpers import CAMILLE, DR_DURAND, JEANNE, person_session, professional_session

FIELDS = {"title": "Compte rendu opératoire", "type_code": "11488-4"}


def scan_pdf() -> bytes:
    """A PDF of about 3 MB: a page holding a noise image (noise does not compress)."""
    image = Image.frombytes("RGB", (1400, 1400), os.urandom(1400 * 1400 * 3))
    jpeg = io.BytesIO()
    image.save(jpeg, "JPEG", quality=95)
    pdf = FPDF()
    pdf.add_page()
    pdf.image(jpeg, x=10, y=10, w=190)
    return bytes(pdf.output())


def url(c: Container, email: str) -> str:
    return f"/api/spaces/{space_of(c, email)}/documents"


def temporary_files(c: Container) -> list[str]:
    folder = c.settings.data_dir / "tmp"
    return [p.name for p in folder.iterdir()] if folder.exists() else []


def documents(c: Container) -> int:
    with c.factory() as session:
        return int(session.scalar(select(func.count()).select_from(Document)) or 0)


@pytest.fixture
def doctor(client: TestClient, demo: Container) -> TestClient:
    client.cookies.set("es_session", professional_session(demo, DR_DURAND))
    return client


def test_a_deposit_is_stored_whole_with_its_fields(doctor: TestClient, demo: Container) -> None:
    data = pdf_bytes("Compte rendu de l'intervention")
    response = doctor.post(url(demo, CAMILLE), files={"file": ("cr.pdf", data, "application/pdf")},
                           data={**FIELDS, "act_date": "2026-11-02", "category": "",
                                 "masked_from_professionals": "true"})
    assert response.status_code == 201, response.text
    view = response.json()
    assert (view["title"], view["type_code"], view["act_date"]) == (
        "Compte rendu opératoire", "11488-4", "2026-11-02")
    assert view["size"] == len(data) and view["sha256"] == hashlib.sha256(data).hexdigest()
    assert view["flags"]["masked_from_professionals"] is True
    content = doctor.get(f"{url(demo, CAMILLE)}/{view['id']}/content")
    assert content.content == data
    assert temporary_files(demo) == []


def test_a_large_file_arrives_byte_for_byte(doctor: TestClient, demo: Container) -> None:
    # Over several 1 MB batches, with the boundary straddling their edges.
    data = scan_pdf()
    assert len(data) > 2_000_000
    response = doctor.post(url(demo, CAMILLE), data=FIELDS,
                           files={"file": ("scan.pdf", data, "application/pdf")})
    assert response.status_code == 201, response.text
    assert response.json()["sha256"] == hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize(("data", "field"), [
    ({"type_code": "11488-4"}, "title"),
    ({**FIELDS, "category": "X"}, "category"),
    ({**FIELDS, "act_date": "hier"}, "act_date"),
    ({**FIELDS, "colour": "red"}, "colour"),
])
def test_bad_fields_are_named(doctor: TestClient, demo: Container, data: dict[str, str],
                              field: str) -> None:
    response = doctor.post(url(demo, CAMILLE), data=data,
                           files={"file": ("cr.pdf", pdf_bytes(), "application/pdf")})
    assert response.status_code == 422, response.text
    assert response.json()["field"] == field
    assert documents(demo) == 0 and temporary_files(demo) == []


def test_a_form_without_file_or_with_two_is_refused(doctor: TestClient, demo: Container) -> None:
    body = (b'--b\r\nContent-Disposition: form-data; name="title"\r\n\r\nCR\r\n--b--\r\n')
    none = doctor.post(url(demo, CAMILLE), content=body,
                       headers={"Content-Type": "multipart/form-data; boundary=b"})
    assert none.status_code == 422
    assert none.json()["title"] == "Aucun fichier reçu (champ « file »)."
    other = doctor.post(url(demo, CAMILLE), data=FIELDS,
                        files={"other": ("cr.pdf", pdf_bytes(), "application/pdf")})
    assert other.status_code == 422
    two = doctor.post(url(demo, CAMILLE), data=FIELDS, files=[
        ("file", ("a.pdf", pdf_bytes(), "application/pdf")),
        ("file", ("b.pdf", pdf_bytes(), "application/pdf"))])
    assert two.status_code == 422
    assert two.json()["title"] == "Un seul fichier est attendu, dans le champ « file »."
    assert documents(demo) == 0 and temporary_files(demo) == []


def test_a_body_that_is_not_multipart_is_refused(doctor: TestClient, demo: Container) -> None:
    response = doctor.post(url(demo, CAMILLE), json=FIELDS)
    assert response.status_code == 422
    assert response.json()["title"] == "Envoi attendu en multipart/form-data."
    broken = doctor.post(url(demo, CAMILLE), content=b"--b\r\nnonsense",
                         headers={"Content-Type": "multipart/form-data; boundary=b"})
    assert broken.status_code == 422, broken.text
    assert documents(demo) == 0 and temporary_files(demo) == []


def test_a_patient_upload_over_5_mb_is_refused(client: TestClient, demo: Container) -> None:
    client.cookies.set("es_session", person_session(demo, CAMILLE))
    data = pdf_bytes() + b"%" + b"0" * (5 * 1024 * 1024)
    response = client.post(url(demo, CAMILLE), files={"file": ("cr.pdf", data, "application/pdf")},
                           data={"title": "Mon scan"})
    assert response.status_code == 413
    assert "5 Mo" in response.json()["title"]
    assert documents(demo) == 0 and temporary_files(demo) == []


def test_someone_elses_space_answers_404_before_reading(client: TestClient,
                                                          demo: Container) -> None:
    client.cookies.set("es_session", person_session(demo, CAMILLE))
    response = client.post(url(demo, JEANNE) .replace(space_of(demo, JEANNE), "x" * 36),
                           files={"file": ("cr.pdf", pdf_bytes(), "application/pdf")},
                           data=FIELDS)
    assert response.status_code == 404
    with demo.factory() as session:
        refusals = session.scalars(select(AuditEvent).where(AuditEvent.outcome != "success"))
        assert any(e.action == "create" for e in refusals)
    assert temporary_files(demo) == []
