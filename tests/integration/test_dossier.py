"""The dossier's use cases on a real database (SQLite, and PostgreSQL in the second run):
deposit, visibility for every kind of actor, replacement, deletion, all-or-nothing
deposits, crash safety, notices, purge and audit."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from espace_sante.accounts import closure
from espace_sante.bootstrap import Container
from espace_sante.core import audit
from espace_sante.core.errors import InvalidInput, NotFound, TooLarge, UnsupportedContent
from espace_sante.core.notify import OutboxMessage
from espace_sante.dossier import service as dossier
from espace_sante.dossier.codes import Category, Format, SourceKind, Status
from espace_sante.dossier.models import Document
from espace_sante.dossier.repository import DocumentQuery
from espace_sante.dossier.views import Author, Flags, Metadata
from espace_sante.jobs import tasks
from tests.dossier_support import (
    deposit,
    hospital,
    pdf_bytes,
    person,
    professional,
    space_of,
)
from tests.helpers import CAMILLE, DR_DURAND, DR_LEFEVRE, JEANNE, PHARMACIST, THOMAS


def titles(c: Container, actor: object, patient_id: str, **query: object) -> set[str]:
    page = dossier.list_documents(c, actor, patient_id, DocumentQuery(**query))  # type: ignore[arg-type]
    return {d.title for d in page.documents}


def blob_count(c: Container) -> int:
    return sum(1 for _ in c.blob_store.list_keys(""))


def test_a_patient_deposits_reads_and_downloads_his_document(demo: Container) -> None:
    camille, space = person(demo), space_of(demo, CAMILLE)
    data = pdf_bytes("Ordonnance du Dr Durand")
    view = deposit(demo, camille, space, data, title="Ordonnance  de novembre",
                   type_code="DOCPAT")
    assert (view.title, view.format, view.size, view.source) == (
        "Ordonnance de novembre", Format.PDF, len(data), SourceKind.PATIENT)
    assert view.category is Category.AUTRES and view.status is Status.CURRENT
    assert view.sha256 == hashlib.sha256(data).hexdigest()
    _, chunks = dossier.open_content(demo, camille, space, view.id, download=True)
    assert b"".join(chunks) == data
    [key] = list(demo.blob_store.list_keys(""))
    assert b"".join(demo.blob_store.open(key)) != data  # encrypted at rest
    assert titles(demo, camille, space, text="durand") == {"Ordonnance de novembre"}  # PDF text
    assert titles(demo, camille, space, text="absent") == set()


def test_each_actor_sees_what_domain_md_says(demo: Container) -> None:
    """Jeanne's space: Camille is her caregiver, Dr Durand her médecin traitant, Dr
    Lefèvre authorised, the pharmacist unrelated."""
    jeanne, space = person(demo, JEANNE), space_of(demo, JEANNE)
    durand, lefevre = professional(demo, DR_DURAND), professional(demo, DR_LEFEVRE)
    deposit(demo, jeanne, space, title="normal", type_code="DOCPAT")
    deposit(demo, jeanne, space, title="masqué", type_code="DOCPAT",
            flags=Flags(masked_from_professionals=True))
    deposit(demo, durand, space, title="annonce", flags=Flags(invisible_to_patient=True))
    deposit(demo, lefevre, space, title="du cardiologue masqué",
            flags=Flags(masked_from_professionals=True))
    everything = {"normal", "masqué", "annonce", "du cardiologue masqué"}
    assert titles(demo, jeanne, space) == everything - {"annonce"}
    assert titles(demo, person(demo, CAMILLE), space) == everything - {"annonce"}
    assert titles(demo, durand, space) == everything  # médecin traitant: all
    assert titles(demo, lefevre, space) == {"normal", "annonce", "du cardiologue masqué"}
    with pytest.raises(NotFound):
        dossier.list_documents(demo, professional(demo, PHARMACIST), space)
    assert titles(demo, hospital(), space) == set()  # an institution reads back its own only


def test_representatives_never_see_a_minors_confidential_care(demo: Container) -> None:
    thomas = person(demo, THOMAS)
    [lea] = [pid for pid, basis in thomas.grants.items() if basis.value == "legal_representation"]
    durand = professional(demo)
    deposit(demo, durand, lea, title="vaccins")
    deposit(demo, durand, lea, title="consultation confidentielle",
            flags=Flags(invisible_to_representatives=True))
    assert titles(demo, thomas, lea) == {"vaccins"}
    assert titles(demo, durand, lea) == {"vaccins", "consultation confidentielle"}


def test_a_professional_deposit_notifies_the_patient_without_its_content(demo: Container) -> None:
    space = space_of(demo, CAMILLE)
    deposit(demo, professional(demo), space, title="Résultat : diabète de type 2")
    with demo.factory() as session:
        notice = session.scalars(select(OutboxMessage).where(
            OutboxMessage.recipient == CAMILLE).order_by(OutboxMessage.created_at.desc())).first()
    assert notice is not None and "Nouveau document" in notice.subject
    assert "diabète" not in notice.body and "Résultat" not in notice.body


def test_nobody_hears_of_a_document_kept_from_the_patient(demo: Container) -> None:
    space = space_of(demo, CAMILLE)
    with demo.factory() as session:
        before = session.scalar(select(func.count()).select_from(OutboxMessage))
    deposit(demo, professional(demo), space, flags=Flags(invisible_to_patient=True))
    with demo.factory() as session:
        assert session.scalar(select(func.count()).select_from(OutboxMessage)) == before


def test_only_its_depositor_replaces_a_document_and_the_old_one_stays(demo: Container) -> None:
    jeanne_space = space_of(demo, JEANNE)
    durand, lefevre = professional(demo, DR_DURAND), professional(demo, DR_LEFEVRE)
    first = deposit(demo, durand, jeanne_space, title="v1")
    with pytest.raises(NotFound):
        dossier.add_document(demo, lefevre, jeanne_space, dossier.Upload([pdf_bytes()]),
                             Metadata("v2", "11488-4"), replaces_id=first.id)
    second = dossier.add_document(demo, durand, jeanne_space, dossier.Upload([pdf_bytes()]),
                                  Metadata("v2", "11488-4"), replaces_id=first.id)
    old = dossier.get_document(demo, durand, jeanne_space, first.id)
    assert (old.status, old.replaced_by_id, second.replaces_id) == (
        Status.REPLACED, second.id, first.id)
    assert titles(demo, durand, jeanne_space) == {"v2"}  # current versions only
    assert titles(demo, durand, jeanne_space, status=Status.REPLACED) == {"v1"}
    with pytest.raises(InvalidInput):  # a replaced version is not replaced again
        dossier.add_document(demo, durand, jeanne_space, dossier.Upload([pdf_bytes()]),
                             Metadata("v3", "11488-4"), replaces_id=first.id)


def test_deletion_keeps_the_history_and_removes_the_content(demo: Container) -> None:
    jeanne, space = person(demo, JEANNE), space_of(demo, JEANNE)
    durand, lefevre = professional(demo, DR_DURAND), professional(demo, DR_LEFEVRE)
    mine = deposit(demo, jeanne, space, title="mon scan", type_code="DOCPAT")
    theirs = deposit(demo, durand, space, title="du médecin")
    with pytest.raises(NotFound):  # a professional deletes only what he deposited
        dossier.delete_document(demo, lefevre, space, theirs.id)
    with pytest.raises(NotFound):  # caregivers cannot delete data
        dossier.delete_document(demo, person(demo, CAMILLE), space, mine.id)
    keys = blob_count(demo)
    dossier.delete_document(demo, jeanne, space, mine.id)
    assert blob_count(demo) == keys - 1
    assert titles(demo, jeanne, space) == {"du médecin"}
    assert titles(demo, jeanne, space, status=None) == {"du médecin", "mon scan"}
    assert dossier.get_document(demo, jeanne, space, mine.id).status is Status.DELETED
    with pytest.raises(NotFound):
        dossier.open_content(demo, jeanne, space, mine.id, download=True)
    dossier.delete_document(demo, durand, space, theirs.id)  # by its author


def test_caregivers_preview_but_do_not_download(demo: Container) -> None:
    space = space_of(demo, JEANNE)
    view = deposit(demo, person(demo, JEANNE), space, type_code="DOCPAT")
    camille = person(demo, CAMILLE)
    _, chunks = dossier.open_content(demo, camille, space, view.id, download=False)
    assert b"".join(chunks).startswith(b"%PDF")
    with pytest.raises(NotFound):
        dossier.open_content(demo, camille, space, view.id, download=True)


def test_another_patients_document_answers_not_found_and_is_audited(demo: Container) -> None:
    view = deposit(demo, person(demo, JEANNE), space_of(demo, JEANNE), type_code="DOCPAT")
    thomas = person(demo, THOMAS)
    for call in (
        lambda: dossier.get_document(demo, thomas, view.patient_id, view.id),
        lambda: dossier.get_document(demo, thomas, space_of(demo, THOMAS), view.id),
        lambda: dossier.locate(demo, thomas, view.id),
    ):
        with pytest.raises(NotFound):
            call()
    with demo.factory() as session:
        denied = session.scalar(select(func.count()).select_from(audit.AuditEvent).where(
            audit.AuditEvent.actor_id == thomas.subject_id,
            audit.AuditEvent.outcome == audit.Outcome.DENIED))
    assert denied and denied >= 2


def test_every_read_is_in_the_access_history(demo: Container) -> None:
    space = space_of(demo, CAMILLE)
    view = deposit(demo, professional(demo), space)
    dossier.get_document(demo, professional(demo), space, view.id)
    with demo.factory() as session:
        events = session.execute(select(audit.AuditEvent.action, audit.AuditEvent.resource_kind)
                                 .where(audit.AuditEvent.chain == space)).all()
    assert ("create", "document") in events and ("read", "document") in events
    with demo.factory() as session:
        _, breach = audit.verify(session)
    assert breach is None


def test_a_bad_deposit_among_several_stores_nothing(demo: Container) -> None:
    space, durand = space_of(demo, CAMILLE), professional(demo)
    good = dossier.Deposit(space, dossier.Upload([pdf_bytes()]), Metadata("bon", "11488-4"),
                           label="entry[1]")
    bad = dossier.Deposit(space, dossier.Upload([b"PK\x03\x04zip"]), Metadata("zip", "11488-4"),
                          label="entry[3]")
    with pytest.raises(UnsupportedContent, match=r"^entry\[3\] : "):
        dossier.add_documents(demo, durand, [good, bad])
    with demo.factory() as session:
        assert session.scalar(select(func.count()).select_from(Document)) == 0
    assert blob_count(demo) == 0


def test_a_failure_after_the_blob_leaves_no_blob_behind(demo: Container) -> None:
    """The row fails after the content was written (duplicate identifier): the blob goes."""
    space, durand = space_of(demo, CAMILLE), professional(demo)
    meta = Metadata("doublon", "11488-4", unique_id="urn:oid:1.2.3.4")
    dossier.add_document(demo, durand, space, dossier.Upload([pdf_bytes()]), meta)
    with pytest.raises(InvalidInput):
        dossier.add_document(demo, durand, space, dossier.Upload([pdf_bytes()]), meta)
    assert blob_count(demo) == 1


def test_a_crash_between_blob_and_row_is_swept(demo: Container) -> None:
    """A process killed after writing the content, before the commit: after restart the
    sweeper removes the orphan (not before a day: a commit may be in flight), and never a
    blob a document points to."""
    space = space_of(demo, CAMILLE)
    kept = deposit(demo, professional(demo), space)
    with demo.factory() as session:
        orphan = demo.blobs.put(session, space, iter([b"never committed"]),
                                now=demo.clock.now())
        session.commit()  # the data key, not a document row
    assert tasks.sweep_blobs(demo) == 0  # too young
    demo.clock.advance(timedelta(days=2))  # type: ignore[attr-defined]
    assert tasks.sweep_blobs(demo) == 1
    assert not demo.blob_store.exists(orphan.key)
    _, chunks = dossier.open_content(demo, professional(demo), space, kept.id, download=True)
    assert b"".join(chunks).startswith(b"%PDF")


def test_patient_uploads_are_checked_by_content_and_size(demo: Container) -> None:
    camille, space = person(demo), space_of(demo, CAMILLE)
    with pytest.raises(UnsupportedContent):
        deposit(demo, camille, space, b"MZ\x90\x00 not a pdf", name="ordonnance.pdf")
    with pytest.raises(InvalidInput):
        deposit(demo, camille, space, b"", name="vide.pdf")
    with pytest.raises(TooLarge):
        deposit(demo, camille, space, b"%PDF-1.4\n" + b"0" * (5 * 1024 * 1024), name="gros.pdf")
    assert blob_count(demo) == 0


def test_folders_organise_a_space(demo: Container) -> None:
    camille, space = person(demo), space_of(demo, CAMILLE)
    folder = dossier.create_folder(demo, camille, space, "Cardiologie")
    view = deposit(demo, camille, space, title="écho", type_code="DOCPAT")
    changed = dossier.update_document(demo, camille, space, view.id, dossier.Changes(
        title="Échographie cardiaque", category=Category.IMAGERIE, folder_id=folder.id,
        masked_from_professionals=True))
    assert (changed.title, changed.category, changed.folder_id) == (
        "Échographie cardiaque", Category.IMAGERIE, folder.id)
    assert changed.flags.masked_from_professionals
    [listed] = dossier.list_folders(demo, camille, space)
    assert (listed.name, listed.documents) == ("Cardiologie", 1)
    assert titles(demo, camille, space, folder_id=folder.id) == {"Échographie cardiaque"}
    dossier.delete_folder(demo, camille, space, folder.id)
    assert dossier.get_document(demo, camille, space, view.id).folder_id is None


def test_the_purge_of_a_space_removes_its_documents(demo: Container) -> None:
    camille, space = person(demo), space_of(demo, CAMILLE)
    deposit(demo, camille, space, type_code="DOCPAT")
    with demo.uow(camille) as uow:
        assert closure.SPACE_PURGERS  # registered by bootstrap
        for purger in closure.SPACE_PURGERS:
            purger(uow.session, space)
        uow.commit()
    with demo.factory() as session:
        assert session.scalar(select(func.count()).select_from(Document)) == 0


def test_lists_page_and_sort(demo: Container) -> None:
    camille, space = person(demo), space_of(demo, CAMILLE)
    for i in range(5):
        demo.clock.advance(timedelta(minutes=1))  # type: ignore[attr-defined]
        deposit(demo, camille, space, title=f"doc {i}", type_code="DOCPAT")
    page = dossier.list_documents(demo, camille, space, DocumentQuery(count=2, offset=2))
    assert page.total == 5 and [d.title for d in page.documents] == ["doc 2", "doc 1"]
    page = dossier.list_documents(demo, camille, space, DocumentQuery(sort="date", count=1))
    assert [d.title for d in page.documents] == ["doc 0"]


def test_an_author_known_by_rpps_only_is_named_from_the_directory(demo: Container) -> None:
    view = dossier.add_document(
        demo, hospital(), space_of(demo, CAMILLE), dossier.Upload([pdf_bytes()]),
        Metadata("CR", "11488-4"), author=Author("", rpps=DR_DURAND))
    assert "Durand" in view.author.name and view.author.rpps == DR_DURAND


def test_pages_offer_only_what_the_policy_allows(demo: Container) -> None:
    space = space_of(demo, JEANNE)
    expected = {  # upload, organise, download, delete, delete folders
        "holder": (person(demo, JEANNE), (True, True, True, True, True)),
        "caregiver": (person(demo, CAMILLE), (True, True, False, False, False)),
        "médecin traitant": (professional(demo, DR_DURAND), (True, False, True, False, False)),
        "unrelated": (professional(demo, PHARMACIST), (False, False, False, False, False)),
    }
    for who, (actor, flags) in expected.items():
        o = dossier.offered(actor, space)
        assert (o.upload, o.organise, o.download, o.delete, o.delete_folders) == flags, who


def test_search_ignores_case_and_accents_and_follows_a_rename(demo: Container) -> None:
    camille, space = person(demo), space_of(demo, CAMILLE)
    view = deposit(demo, camille, space, pdf_bytes("Fonction VENTRICULAIRE gauche"),
                   title="Échographie cardiaque", type_code="DOCPAT")
    assert titles(demo, camille, space, text="ECHOGRAPHIE") == {"Échographie cardiaque"}
    assert titles(demo, camille, space, text="ventriculaire") == {"Échographie cardiaque"}
    assert titles(demo, camille, space, text="100%") == set()  # LIKE wildcards are literal
    dossier.update_document(demo, camille, space, view.id, dossier.Changes(title="Écho cœur"))
    assert titles(demo, camille, space, text="echographie") == set()
    assert titles(demo, camille, space, text="echo coeur") == {"Écho cœur"}


def test_an_institution_reaches_no_closed_space(demo: Container) -> None:
    """Institutions feed any space by their default basis: a closed one is out of reach,
    for deposits and read-back alike (decision 0005)."""
    camille, space = person(demo), space_of(demo, CAMILLE)
    deposit(demo, hospital(), space, title="avant la fermeture")
    closure.close_space(demo.uow, camille, space)
    with pytest.raises(NotFound):
        deposit(demo, hospital(), space, title="après")
    with pytest.raises(NotFound):
        dossier.list_documents(demo, hospital(), space)
