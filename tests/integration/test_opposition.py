"""Opposition within the window (by the person, by an operator), its proof, and changing
one's mind: pending → opposed → pending again, on a real database."""

from __future__ import annotations

from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import select

from espace_sante import demo as demo_data
from espace_sante.accounts import opposition_proof
from espace_sante.accounts.activation import activate, request_new_code
from espace_sante.accounts.default_opening import open_expired_windows
from espace_sante.accounts.identification import NOT_RECOGNISED
from espace_sante.accounts.models import (
    Account,
    ActivationCode,
    CareRelationship,
    CareRole,
    Delegation,
    DelegationKind,
    Invitation,
)
from espace_sante.accounts.opposition import (
    WINDOW,
    WINDOW_CLOSED,
    OppositionChannel,
    find_proof,
    oppose,
    record_opposition,
    reopen_after_opposition,
)
from espace_sante.bootstrap import Container
from espace_sante.core.actors import Actor
from espace_sante.core.audit import AuditEvent
from espace_sante.core.clock import FrozenClock
from espace_sante.core.crypto import KeyShredded, SpaceKey
from espace_sante.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from espace_sante.core.notify import OutboxMessage
from tests.helpers import CAMILLE, DR_DURAND, THOMAS, actor_of, person_session
from tests.newcomers import (
    REFERENCE,
    Newcomer,
    latest_code,
    latest_message,
    make_pending,
    nir,
    pdf_text,
    space,
)

SOURCE = "192.0.2.20"
OPERATOR = "operateur@demo.espace-sante.localhost"


def _oppose(c: Container, n: Newcomer, code: str | None = None) -> str:
    return oppose(c.factory, c.settings, c.clock, c.keyring, nir=n.nir, code=code or n.code,
                  vitale_serial_or_birth_date=n.second_item, source=SOURCE).reference


def _operator(c: Container) -> Actor:
    code = pyotp.TOTP(demo_data.STAFF_TOTP_SECRETS[OPERATOR]).at(c.clock.now())
    return actor_of(c, c.authenticator.staff_login(OPERATOR, demo_data.DEMO_PASSWORD, code,
                                                   "10.0.9.1"))


def _last_event(c: Container, patient_id: str) -> AuditEvent:
    with c.factory() as session:
        event = session.scalars(select(AuditEvent).where(AuditEvent.chain == patient_id)
                                .order_by(AuditEvent.seq.desc())).first()
    assert event is not None
    return event


def _advance(c: Container, delta: timedelta) -> None:
    assert isinstance(c.clock, FrozenClock)
    c.clock.advance(delta)


def _prepare_space_data(c: Container, n: Newcomer) -> None:
    """What a pending space may already hold: a representative, a professional, an
    invitation, a data key."""
    now = c.clock.now()
    with c.factory() as session:
        thomas = session.scalar(select(Account).where(Account.email == THOMAS))
        assert thomas is not None
        session.add_all([
            Delegation(patient_id=n.patient_id, account_id=thomas.id,
                       kind=DelegationKind.LEGAL_REPRESENTATIVE, created_at=now),
            CareRelationship(patient_id=n.patient_id, rpps=DR_DURAND,
                             role=CareRole.MEDECIN_TRAITANT, declared_by="professional",
                             created_at=now),
            Invitation(token_hash="0" * 64, patient_id=n.patient_id, kind="caregiver",
                       invited_by=thomas.id, invitee_email="aidant@example.org",
                       created_at=now, expires_at=now + timedelta(days=7)),
        ])
        c.keyring.data_key(session, n.patient_id, now=now)
        session.commit()


def test_pending_to_opposed_by_the_person_erases_the_space(demo: Container) -> None:
    n = make_pending(demo)
    _prepare_space_data(demo, n)
    reference = _oppose(demo, n)
    assert REFERENCE.fullmatch(reference)
    patient = space(demo, n.patient_id)
    assert (patient.state, patient.opposed_at) == ("opposed", demo.clock.now())
    with demo.factory() as session:
        for table in (Delegation, CareRelationship, Invitation):
            assert session.scalars(select(table).where(
                table.patient_id == n.patient_id)).all() == []
        assert [c.revoked_at for c in session.scalars(select(ActivationCode).where(
            ActivationCode.patient_id == n.patient_id))] == [demo.clock.now()]
        notices = session.scalars(select(OutboxMessage).where(
            OutboxMessage.patient_id == n.patient_id)).all()
        key = session.get(SpaceKey, n.patient_id)
        assert key is not None and key.shredded_at is not None and key.wrapped_key == b""
        with pytest.raises(KeyShredded):
            demo.keyring.data_key(session, n.patient_id, now=demo.clock.now())
    # The code's notice is gone; only the confirmation, with the reference, remains.
    assert len(notices) == 1 and reference in notices[0].body
    event = _last_event(demo, n.patient_id)
    assert (event.action, event.outcome, event.actor_kind, event.legal_basis, event.detail) == (
        "oppose", "success", "patient", "own_space", "channel: online")
    assert event.actor_id == f"ip:{SOURCE}" and event.actor_name == "Nadia Leroy"
    with pytest.raises(InvalidInput):  # the code is revoked: no activation any more
        activate(demo.factory, demo.settings, demo.clock, nir=n.nir, code=n.code,
                 vitale_serial_or_birth_date=n.second_item, email="nadia@example.org",
                 password="un mot de passe assez long", source=SOURCE)


def test_the_proof_says_who_when_what_and_how_to_change_ones_mind(
    container: Container,
) -> None:
    n = make_pending(container)
    reference = _oppose(container, n)
    proof = find_proof(container.factory, container.clock, reference=reference.lower(),
                       source=SOURCE, download=True)
    assert proof.reference == reference
    pdf = opposition_proof.render(proof, "https://espace-sante.example", "fr")
    assert pdf.startswith(b"%PDF-")
    expected = [reference, "Leroy", "Nadia", "3 juin 1992", "2 92 06 75 056 061",
                "22 novembre 2026, 10:00", "n'a pas été créé", "Changer d'avis",
                "https://espace-sante.example/activer/nouveau-code"]
    text = pdf_text(pdf)
    if text is None:  # no poppler: read the text the PDF was drawn from
        text = " ".join(" ".join([h, *ps]) for h, ps in opposition_proof.sections(
            proof, "https://espace-sante.example", "fr"))
    for fragment in expected:
        assert fragment in text, fragment
    english = pdf_text(opposition_proof.render(proof, "https://x.example", "en"))
    assert english is None or ("Proof of opposition" in english
                               and "Changing your mind" in english)
    assert _last_event(container, n.patient_id).resource_kind == "opposition_proof"


def test_no_opposition_once_the_window_is_over(container: Container) -> None:
    n = make_pending(container)
    _advance(container, WINDOW)
    assert open_expired_windows(container.factory, container.clock) == 1
    request_new_code(container.factory, container.settings, container.clock, nir=n.nir,
                     vitale_serial_or_birth_date=n.second_item, source=SOURCE)
    with pytest.raises(Conflict) as refused:
        _oppose(container, n, code=latest_code(container, "nadia@example.org"))
    assert refused.value is WINDOW_CLOSED
    assert space(container, n.patient_id).state == "active"


def test_a_wrong_code_cannot_oppose(container: Container) -> None:
    n = make_pending(container)
    with pytest.raises(InvalidInput) as refused:
        _oppose(container, n, code="AAAA-BBBB-CCCC")
    assert refused.value is NOT_RECOGNISED
    assert space(container, n.patient_id).state == "pending"
    assert _last_event(container, n.patient_id).action == "oppose"


def test_opposed_back_to_pending_when_the_person_asks_a_new_code(
    container: Container,
) -> None:
    n = make_pending(container)
    reference = _oppose(container, n)
    _advance(container, timedelta(days=30))
    request_new_code(container.factory, container.settings, container.clock, nir=n.nir,
                     vitale_serial_or_birth_date=n.second_item, source=SOURCE)
    patient = space(container, n.patient_id)
    assert patient.state == "pending"
    assert patient.window_ends_at == container.clock.now() + WINDOW
    event = _last_event(container, n.patient_id)
    assert (event.action, event.detail) == ("reopen", "asked for a new code: opposition lifted")
    with pytest.raises(NotFound):  # the old proof no longer tells the truth
        find_proof(container.factory, container.clock, reference=reference, source=SOURCE,
                   download=True)
    with container.factory() as session:  # a fresh key for the new start
        container.keyring.data_key(session, n.patient_id, now=container.clock.now())
    code = latest_code(container, "nadia@example.org")
    activate(container.factory, container.settings, container.clock, nir=n.nir, code=code,
             vitale_serial_or_birth_date=n.second_item, email="nadia@example.org",
             password="un mot de passe assez long", source=SOURCE)
    assert space(container, n.patient_id).state == "active"


def test_an_operator_records_an_opposition_and_lifts_it(demo: Container) -> None:
    n = make_pending(demo)
    operator = _operator(demo)
    done = record_opposition(demo.factory, demo.settings, demo.clock, demo.keyring, operator,
                             nir=n.nir, channel=OppositionChannel.PHONE)
    assert done.display_name == "Nadia Leroy"
    assert space(demo, n.patient_id).state == "opposed"
    event = _last_event(demo, n.patient_id)
    assert (event.actor_kind, event.actor_id, event.legal_basis, event.detail) == (
        "operator", operator.subject_id, "operator_mandate", "channel: phone")
    with pytest.raises(Conflict):
        record_opposition(demo.factory, demo.settings, demo.clock, demo.keyring, operator,
                          nir=n.nir, channel=OppositionChannel.PHONE)
    _advance(demo, timedelta(seconds=1))
    contact = reopen_after_opposition(demo.factory, demo.settings, demo.clock, operator,
                                      nir=n.nir)
    assert contact is not None and contact.recipient == "nadia@example.org"
    assert space(demo, n.patient_id).state == "pending"
    assert "annule votre opposition" in latest_message(demo, "nadia@example.org").body
    with pytest.raises(Conflict):
        reopen_after_opposition(demo.factory, demo.settings, demo.clock, operator, nir=n.nir)


def test_only_operators_record_oppositions(demo: Container) -> None:
    n = make_pending(demo)
    camille = actor_of(demo, person_session(demo, CAMILLE))
    with pytest.raises(Forbidden):
        record_opposition(demo.factory, demo.settings, demo.clock, demo.keyring, camille,
                          nir=n.nir, channel=OppositionChannel.FRANCE_SERVICES)
    with pytest.raises(Forbidden):
        reopen_after_opposition(demo.factory, demo.settings, demo.clock, camille, nir=n.nir)
    with pytest.raises(NotFound):
        record_opposition(demo.factory, demo.settings, demo.clock, demo.keyring,
                          _operator(demo), nir=nir("1850375056999"),
                          channel=OppositionChannel.PHONE)
    assert space(demo, n.patient_id).state == "pending"
