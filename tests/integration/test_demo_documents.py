"""The served demo fills the dossiers through the use cases, once."""

from __future__ import annotations

from sqlalchemy import func, select

from espace_sante import demo as demo_data
from espace_sante.bootstrap import Container
from espace_sante.dossier import service as dossier
from espace_sante.dossier.models import Document
from tests.dossier_support import person, professional, space_of
from tests.helpers import CAMILLE


def test_demo_documents_load_once_and_are_readable(demo: Container) -> None:
    demo_data.load(demo, documents=True)
    demo_data.load(demo, documents=True)
    with demo.factory() as session:
        assert session.scalar(select(func.count()).select_from(Document)) == len(
            demo_data.DEMO_DOCUMENTS)
    page = dossier.list_documents(demo, person(demo, CAMILLE), space_of(demo, CAMILLE))
    assert page.total == 3
    [report] = [d for d in page.documents if d.title == "Compte rendu de consultation"]
    _, chunks = dossier.open_content(demo, professional(demo), report.patient_id, report.id,
                                     download=True)
    assert b"".join(chunks).startswith(b"%PDF")
