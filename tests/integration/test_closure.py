"""Closing a space, reopening it, asking for its deletion, and the purge (R1111-36):
active → closed → reopened with its data intact; closed → deleted by the job once due."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from espace_sante.accounts import closure, service
from espace_sante.accounts.closure import DELETION_DELAY
from espace_sante.accounts.dates import add_years
from espace_sante.accounts.models import (
    CareRelationship,
    Delegation,
    Invitation,
    Patient,
    SpaceState,
)
from espace_sante.bootstrap import Container
from espace_sante.core import audit
from espace_sante.core.actors import Actor, ActorKind, LegalBasis
from espace_sante.core.audit import AuditEvent
from espace_sante.core.blobs import space_prefix
from espace_sante.core.clock import FrozenClock
from espace_sante.core.crypto import KeyShredded
from espace_sante.core.errors import Conflict, NotFound
from tests.helpers import CAMILLE, DR_DURAND, JEANNE, THOMAS, actor_of, professional_session
from tests.integration.people import child_space, sign_in, space_of, subjects

SECRET = b"compte rendu de consultation " * 5000  # several 64 KiB segments


def _store_file(c: Container, patient_id: str) -> str:
    with c.factory() as session:
        info = c.blobs.put(session, patient_id, [SECRET], now=c.clock.now())
        session.commit()
    return info.key


def _read_file(c: Container, patient_id: str, key: str) -> bytes:
    with c.factory() as session:
        return b"".join(c.blobs.open(session, patient_id, key, now=c.clock.now()))


def _purge(c: Container) -> int:
    return closure.purge_due_spaces(c.factory, c.keyring, c.blob_store, c.clock)


def _patient(c: Container, patient_id: str) -> Patient:
    with c.factory() as session:
        patient = session.get(Patient, patient_id)
    assert patient is not None
    return patient


def _history(c: Container, patient_id: str) -> list[tuple[str, str, str, str]]:
    with c.factory() as session:
        rows = session.execute(
            select(AuditEvent.actor_name, AuditEvent.action, AuditEvent.resource_kind,
                   AuditEvent.outcome)
            .where(AuditEvent.patient_id == patient_id).order_by(AuditEvent.seq))
        return [tuple(r) for r in rows]  # type: ignore[misc]


def _count(c: Container, table: type, patient_id: str) -> int:
    with c.factory() as session:
        return int(session.scalar(
            select(func.count()).select_from(table).where(table.patient_id == patient_id)) or 0)


def test_closed_then_reopened_with_its_data_intact(demo: Container, clock: FrozenClock) -> None:
    camille = sign_in(demo, CAMILLE)
    pid = space_of(demo, CAMILLE)
    key = _store_file(demo, pid)
    before = service.space_summary(demo.uow, camille, pid)

    status = closure.close_space(demo.uow, camille, pid)
    assert status.state == SpaceState.CLOSED and status.closed_at == clock.now()
    assert status.purge_due_at == add_years(clock.now(), 10)
    assert not status.deletion_requested

    # Closed: nobody reaches the data any more, the holder only manages the closure.
    camille = sign_in(demo, CAMILLE)
    assert pid in camille.closed_spaces
    with pytest.raises(NotFound):
        service.space_summary(demo.uow, camille, pid)
    assert service.access_history(demo.uow, camille, pid)  # what happened stays visible
    doctor = actor_of(demo, professional_session(demo, DR_DURAND))
    assert pid not in doctor.grants
    with pytest.raises(NotFound):
        service.get_patient(demo.uow, doctor, pid)
    assert _read_file(demo, pid, key) == SECRET  # archived, not erased

    clock.advance(timedelta(days=400))
    status = closure.reopen_space(demo.uow, camille, pid)
    assert status.state == SpaceState.ACTIVE and status.purge_due_at is None
    camille = sign_in(demo, CAMILLE)
    assert service.space_summary(demo.uow, camille, pid) == before
    assert _read_file(demo, pid, key) == SECRET
    assert pid in actor_of(demo, professional_session(demo, DR_DURAND)).grants
    assert subjects(demo, CAMILLE)[-2:] == [
        "Votre espace santé a été fermé", "Votre espace santé a été rouvert"]
    events = [(a, r) for _, a, r, o in _history(demo, pid) if o == "success"]
    assert ("close", "space") in events and ("reopen", "space") in events


def test_a_closed_space_cuts_its_caregivers_off_until_reopened(demo: Container) -> None:
    jeanne, pid = sign_in(demo, JEANNE), space_of(demo, JEANNE)
    closure.close_space(demo.uow, jeanne, pid)
    assert pid not in sign_in(demo, CAMILLE).grants  # Camille helps Jeanne
    assert _count(demo, Delegation, pid) == 1  # the delegation itself is kept
    closure.reopen_space(demo.uow, sign_in(demo, JEANNE), pid)
    assert sign_in(demo, CAMILLE).grants[pid] is LegalBasis.CAREGIVER_DELEGATION


def test_a_parent_closes_and_reopens_his_childs_space(demo: Container) -> None:
    lea = child_space(demo)
    closure.close_space(demo.uow, sign_in(demo, THOMAS), lea)
    thomas = sign_in(demo, THOMAS)
    assert thomas.grants[lea] is LegalBasis.LEGAL_REPRESENTATION and lea in thomas.closed_spaces
    assert closure.reopen_space(demo.uow, thomas, lea).state == SpaceState.ACTIVE


def test_systems_no_longer_find_a_closed_space(demo: Container) -> None:
    pid = space_of(demo, CAMILLE)
    nir = _patient(demo, pid).nir
    hospital = Actor(kind=ActorKind.INSTITUTION, subject_id="client:chd", display_name="CHD",
                     default_basis=LegalBasis.SYSTEM_FEED,
                     scopes=frozenset({"system/Patient.rs"}))
    assert len(service.search_patients_by_ins(demo.uow, hospital, nir)) == 1
    closure.close_space(demo.uow, sign_in(demo, CAMILLE), pid)
    assert service.search_patients_by_ins(demo.uow, hospital, nir) == []
    with pytest.raises(NotFound):
        service.get_patient(demo.uow, hospital, pid)


def test_closing_twice_or_reopening_an_open_space_is_refused(demo: Container) -> None:
    camille, pid = sign_in(demo, CAMILLE), space_of(demo, CAMILLE)
    with pytest.raises(Conflict, match="n'est pas fermé"):
        closure.reopen_space(demo.uow, camille, pid)
    closure.close_space(demo.uow, camille, pid)
    with pytest.raises(Conflict, match="n'est pas ouvert"):
        closure.close_space(demo.uow, sign_in(demo, CAMILLE), pid)


def test_purged_after_the_archive_period(demo: Container, clock: FrozenClock) -> None:
    jeanne, pid = sign_in(demo, JEANNE), space_of(demo, JEANNE)
    key = _store_file(demo, pid)
    status = closure.close_space(demo.uow, jeanne, pid)
    assert status.purge_due_at is not None
    clock.set(status.purge_due_at - timedelta(seconds=1))
    assert _purge(demo) == 0  # not a second before
    assert _read_file(demo, pid, key) == SECRET
    clock.set(status.purge_due_at)
    assert _purge(demo) == 1
    assert _purge(demo) == 0  # idempotent

    # Key shredded, files gone, links deleted, the identity kept as a tombstone.
    with demo.factory() as session, pytest.raises(KeyShredded):
        demo.keyring.data_key(session, pid, now=clock.now())
    assert list(demo.blob_store.list_keys(space_prefix(pid))) == []
    for table in (Delegation, CareRelationship, Invitation):
        assert _count(demo, table, pid) == 0
    tombstone = _patient(demo, pid)
    assert tombstone.state == SpaceState.DELETED and tombstone.deleted_at == clock.now()
    assert tombstone.nir.startswith("241052A004") and tombstone.contact_email is None
    assert subjects(demo, JEANNE)[-1] == "Votre espace santé a été supprimé"
    assert ("tâche purge", "purge", "space", "success") in _history(demo, pid)
    with demo.factory() as session:
        assert audit.verify(session)[1] is None

    jeanne = sign_in(demo, JEANNE)  # she may still sign in, but her space is gone
    assert pid not in jeanne.grants and jeanne.own_patient_id is None
    with pytest.raises(NotFound):
        closure.reopen_space(demo.uow, jeanne, pid)


def test_deletion_request_carried_out_within_its_delay_and_not_before(
    demo: Container, clock: FrozenClock
) -> None:
    camille, pid = sign_in(demo, CAMILLE), space_of(demo, CAMILLE)
    asked_at = clock.now()
    status = closure.request_deletion(demo.uow, camille, pid)
    assert status.state == SpaceState.CLOSED and status.deletion_requested
    assert status.purge_due_at == asked_at + DELETION_DELAY
    assert status.purge_due_at - asked_at <= timedelta(days=90)  # the law: within 3 months
    assert subjects(demo, CAMILLE)[-1] == "Demande de suppression de votre espace santé"
    clock.advance(DELETION_DELAY - timedelta(minutes=1))
    assert _purge(demo) == 0
    clock.advance(timedelta(minutes=1))
    assert _purge(demo) == 1
    assert _patient(demo, pid).state == SpaceState.DELETED


def test_a_deletion_request_brings_a_closed_spaces_purge_forward(
    demo: Container, clock: FrozenClock
) -> None:
    camille, pid = sign_in(demo, CAMILLE), space_of(demo, CAMILLE)
    closed = closure.close_space(demo.uow, camille, pid)
    clock.advance(timedelta(days=3 * 365))
    camille = sign_in(demo, CAMILLE)
    status = closure.request_deletion(demo.uow, camille, pid)
    assert status.closed_at == closed.closed_at  # still closed since then
    assert status.purge_due_at == clock.now() + DELETION_DELAY


def test_reopening_cancels_a_deletion_request_until_it_is_due(
    demo: Container, clock: FrozenClock
) -> None:
    camille, pid = sign_in(demo, CAMILLE), space_of(demo, CAMILLE)
    closure.request_deletion(demo.uow, camille, pid)
    clock.advance(timedelta(days=10))
    assert closure.reopen_space(demo.uow, sign_in(demo, CAMILLE), pid).state == "active"
    clock.advance(DELETION_DELAY)
    assert _purge(demo) == 0
    closure.request_deletion(demo.uow, sign_in(demo, CAMILLE), pid)
    clock.advance(DELETION_DELAY)
    with pytest.raises(Conflict, match="suppression de cet espace est en cours"):
        closure.reopen_space(demo.uow, sign_in(demo, CAMILLE), pid)


def test_archive_period_is_ten_calendar_years() -> None:
    leap = datetime(2028, 2, 29, 12, 0, tzinfo=UTC)
    assert add_years(leap, 10) == datetime(2038, 2, 28, 12, 0, tzinfo=UTC)
    assert add_years(datetime(2026, 3, 3, tzinfo=UTC), 10) == datetime(2036, 3, 3, tzinfo=UTC)
