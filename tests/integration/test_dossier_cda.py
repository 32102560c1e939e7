"""CI-SIS CDA documents enter the dossier as they are: the header fills the metadata, the
INS must be the space's, a level 1's PDF is previewable, a structured one reads as HTML."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from espace_sante.bootstrap import Container
from espace_sante.core.errors import InvalidInput
from espace_sante.dossier import events
from espace_sante.dossier import service as dossier
from espace_sante.dossier.codes import Format, SourceKind
from espace_sante.dossier.models import Document
from tests.dossier_support import CDA_DIR, cisis_patient, hospital, professional, space_of
from tests.helpers import CAMILLE

EXPECTED = {  # file → (type code, category)
    "BIO-CR-BIO_2024.01_TSH_1.xml": ("11502-2", "biologie"),
    "CNAM-HR_2021.01.xml": ("REMB", "remboursements"),
    "DOC_NON_STRUCTURE_CDA-R2-N1.xml": ("11502-2", "biologie"),
    "IMG_CR_IMG_2024.01_CDA-R2-Niveau-1.xml": ("18748-4", "imagerie"),
    "LDL-SES_2022.01.xml": ("11490-0", "comptes_rendus"),
    "VAC_2023.01.xml": ("11369-6", "vaccination"),
    "VSM_1.4_2022.01.xml": ("SYNTH", "synthese"),
    "eP-MED-DM_2024.01_PosoStruct.xml": ("57833-6", "ordonnances"),
}


def test_every_cisis_example_goes_in_with_its_metadata(demo: Container) -> None:
    assert sorted(p.name for p in CDA_DIR.glob("*.xml")) == sorted(EXPECTED)
    space, feed = cisis_patient(demo), hospital()
    durand = professional(demo)
    for name, (type_code, category) in EXPECTED.items():
        data = (CDA_DIR / name).read_bytes()
        view = dossier.add_document(demo, feed, space, dossier.Upload([data], name))
        assert (view.type_code, view.category.value, view.format) == (
            type_code, category, Format.CDA), name
        assert view.title and view.author.name and view.act_date, name
        assert view.source is SourceKind.ORGANISATION and view.size == len(data)
        assert view.has_preview_pdf is ("N1" in name or "Niveau-1" in name), name
        html = dossier.cda_html(demo, durand, space, view.id)
        assert "<script" not in html.lower() and view.title.split()[0] in html
        if view.has_preview_pdf:
            _, pdf = dossier.open_content(demo, durand, space, view.id, download=False,
                                          preview=True)
            assert b"".join(pdf).startswith(b"%PDF")


def test_the_header_is_read_not_trusted_blindly(demo: Container) -> None:
    space = cisis_patient(demo)
    data = (CDA_DIR / "LDL-SES_2022.01.xml").read_bytes()
    view = dossier.add_document(demo, hospital(), space, dossier.Upload([data]))
    assert (view.unique_id and view.author.rpps is None) or len(view.author.rpps or "") == 11
    assert isinstance(view.act_date, date)
    with pytest.raises(InvalidInput, match="existe déjà"):  # the same CDA id twice
        dossier.add_document(demo, hospital(), space, dossier.Upload([data]))


def test_a_cda_for_another_patient_is_refused_and_nothing_stored(demo: Container) -> None:
    data = (CDA_DIR / "VAC_2023.01.xml").read_bytes()
    with pytest.raises(InvalidInput, match="autre patient"):
        dossier.add_document(demo, hospital(), space_of(demo, CAMILLE), dossier.Upload([data]))
    with demo.factory() as session:
        assert session.scalar(select(func.count()).select_from(Document)) == 0
    assert not list(demo.blob_store.list_keys(""))


def test_a_level_one_pdf_is_searchable(demo: Container) -> None:
    space = cisis_patient(demo)
    data = (CDA_DIR / "IMG_CR_IMG_2024.01_CDA-R2-Niveau-1.xml").read_bytes()
    dossier.add_document(demo, hospital(), space, dossier.Upload([data]))
    page = dossier.list_documents(demo, professional(demo), space,
                                  dossier.DocumentQuery(text="lorem ipsum"))
    assert page.total == 1  # words found only in the embedded PDF


def test_coded_results_are_announced_after_the_commit(demo: Container) -> None:
    heard: list[events.Deposited] = []
    events.DEPOSIT_LISTENERS.append(lambda svc, event: heard.append(event))
    try:
        space = cisis_patient(demo)
        for name in ("eP-MED-DM_2024.01_PosoStruct.xml", "DOC_NON_STRUCTURE_CDA-R2-N1.xml"):
            data = (CDA_DIR / name).read_bytes()
            dossier.add_document(demo, hospital(), space, dossier.Upload([data], name))
    finally:
        events.DEPOSIT_LISTENERS.pop()
    prescription, level_one = heard
    assert [(r.loinc, r.value, r.unit) for r in prescription.results] == [
        ("29463-7", 55.0, "kg"), ("8302-2", 170.0, "cm")]
    assert prescription.document.patient_id == space and level_one.results == ()
    with demo.factory() as session:  # the listener ran once the rows were visible
        assert session.get(Document, prescription.document.id) is not None


def test_a_failing_listener_does_not_undo_the_deposit(demo: Container) -> None:
    def broken(svc: object, event: events.Deposited) -> None:
        raise RuntimeError("listener bug")

    events.DEPOSIT_LISTENERS.append(broken)
    try:
        space = cisis_patient(demo)
        data = (CDA_DIR / "BIO-CR-BIO_2024.01_TSH_1.xml").read_bytes()
        view = dossier.add_document(demo, hospital(), space, dossier.Upload([data], "bio.xml"))
    finally:
        events.DEPOSIT_LISTENERS.pop()
    with demo.factory() as session:
        assert session.get(Document, view.id) is not None
