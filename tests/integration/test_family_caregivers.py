"""Families and caregivers: the rules as a table (who × action → outcome), then the
caregiver limit, end dates, invitations (expiry, reuse, wrong person), the second parent,
the tutor and the hand-over at 18."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

import pyotp
import pytest
from sqlalchemy import select

from espace_sante import demo as demo_data
from espace_sante.accounts import caregivers, closure, family, invitations, service
from espace_sante.accounts.dates import add_years, end_of_day, paris_today
from espace_sante.accounts.models import Account, Delegation, Patient
from espace_sante.accounts.space_settings import space_settings
from espace_sante.bootstrap import Container
from espace_sante.core.actors import Actor, LegalBasis
from espace_sante.core.audit import AuditEvent
from espace_sante.core.clock import FrozenClock
from espace_sante.core.errors import DomainError
from tests.helpers import CAMILLE, JEANNE, THOMAS
from tests.integration.people import (
    add_person,
    add_space,
    child_space,
    invitation_token,
    sign_in,
    space_of,
    subjects,
)

BASE = "http://127.0.0.1:8000"
SECOND_PARENT = "claire.bernard@exemple.fr"
TUTOR = "tuteur.dubois@exemple.fr"
GRANDMA = "mamie.bernard@exemple.fr"
STRANGER = "inconnu@exemple.fr"
OPERATOR = "operateur@demo.espace-sante.localhost"
NAMES = {JEANNE: "Jeanne Dubois", THOMAS: "Thomas Bernard", SECOND_PARENT: "Claire Bernard",
         TUTOR: "Marc Dubois", CAMILLE: "Camille Martin", STRANGER: "Paul Inconnu"}


@dataclass
class World:
    c: Container
    jeanne: str  # an elderly adult: Jeanne, her tutor, caregivers Camille and Grandma
    lea: str  # a child: her father Thomas (who declared her), caregiver Grandma
    leo: str  # a child with both parents: Thomas and Claire, caregiver Grandma

    def grandma_on(self, space: str) -> str:
        with self.c.factory() as session:
            found = session.scalar(select(Delegation.id).join(
                Account, Account.id == Delegation.account_id).where(
                Account.email == GRANDMA, Delegation.patient_id == space))
        assert found is not None
        return found


def _delegate(c: Container, email: str, space: str, kind: str, role: str | None = None,
              days: int | None = None) -> None:
    with c.factory() as session:
        account = session.scalar(select(Account).where(Account.email == email))
        assert account is not None
        now = c.clock.now()
        session.add(Delegation(patient_id=space, account_id=account.id, kind=kind,
                               role_detail=role, created_at=now,
                               valid_until=now + timedelta(days=days) if days else None))
        session.commit()


@pytest.fixture
def world(demo: Container) -> World:
    add_person(demo, SECOND_PARENT, "2900175056301", "Claire", "Bernard")
    add_person(demo, TUTOR, "1700175056302", "Marc", "Dubois")
    add_person(demo, GRANDMA, "2500175056303", "Monique", "Bernard")
    add_person(demo, STRANGER, "1880175056304", "Paul", "Inconnu")
    leo = add_space(demo, "1210675056305", "Léo", "Bernard", date(2021, 6, 1))
    w = World(demo, space_of(demo, JEANNE), child_space(demo), leo)
    _delegate(demo, TUTOR, w.jeanne, "legal_representative", "tutor")
    _delegate(demo, THOMAS, leo, "legal_representative", "parent")
    _delegate(demo, SECOND_PARENT, leo, "legal_representative", "parent")
    for space in (w.jeanne, w.lea, leo):
        _delegate(demo, GRANDMA, space, "caregiver", days=365)
    return w


# Who acts, on which space of the world.
WHO: dict[str, tuple[str, Callable[[World], str]]] = {
    "holder": (JEANNE, lambda w: w.jeanne),
    "parent": (THOMAS, lambda w: w.lea),
    "second_parent": (SECOND_PARENT, lambda w: w.leo),
    "tutor": (TUTOR, lambda w: w.jeanne),
    "caregiver": (CAMILLE, lambda w: w.jeanne),
    "stranger": (STRANGER, lambda w: w.jeanne),
}
COLUMNS = tuple(WHO)

# ok = done; otherwise the HTTP status of the refusal: 404 where the policy refuses (the
# space answers "not found", and the refusal is in its access history), 403/409/422 where
# a family rule refuses with a clear message. The second parent's child already has two
# parents, hence 409; Jeanne's space is an adult's, hence 422 for a second parent.
TABLE = """
invite_caregiver       ok   ok   ok   ok   404  404
revoke_caregiver       ok   ok   ok   ok   404  404
close                  ok   ok   ok   ok   404  404
reopen                 ok   ok   ok   ok   404  404
request_deletion       ok   ok   ok   ok   404  404
invite_second_parent   422  ok   409  422  404  404
read_access_history    ok   ok   ok   ok   404  404
withdraw_as_caregiver  404  404  404  404  ok   404
"""


def _close_first(w: World, space: str) -> None:
    closer = JEANNE if space == w.jeanne else THOMAS
    closure.close_space(w.c.uow, sign_in(w.c, closer), space)


ACTIONS: dict[str, Callable[[World, Actor, str], object]] = {
    "invite_caregiver": lambda w, a, s: caregivers.invite_caregiver(
        w.c.uow, a, s, email="nouvel.aidant@exemple.fr",
        until=paris_today(w.c.clock.now()) + timedelta(days=365), base_url=BASE),
    "revoke_caregiver": lambda w, a, s: caregivers.revoke_caregiver(
        w.c.uow, a, s, w.grandma_on(s)),
    "close": lambda w, a, s: closure.close_space(w.c.uow, a, s),
    "reopen": lambda w, a, s: closure.reopen_space(w.c.uow, a, s),
    "request_deletion": lambda w, a, s: closure.request_deletion(w.c.uow, a, s),
    "invite_second_parent": lambda w, a, s: family.invite_second_parent(
        w.c.uow, a, s, email="autre.parent@exemple.fr", base_url=BASE),
    "read_access_history": lambda w, a, s: service.access_history(w.c.uow, a, s),
    "withdraw_as_caregiver": lambda w, a, s: caregivers.withdraw_as_caregiver(w.c.uow, a, s),
}


def _cases() -> list[tuple[str, str, str]]:
    cases = []
    for line in TABLE.strip().splitlines():
        action, *cells = line.split()
        cases += [(who, action, cell) for who, cell in zip(COLUMNS, cells, strict=True)]
    return cases


def test_the_table_covers_every_action_and_person() -> None:
    assert {(w, a) for w, a, _ in _cases()} == {(w, a) for w in WHO for a in ACTIONS}


def _last_event(c: Container, space: str) -> AuditEvent:
    with c.factory() as session:
        event = session.scalars(select(AuditEvent).where(AuditEvent.patient_id == space)
                                .order_by(AuditEvent.seq.desc())).first()
    assert event is not None
    return event


@pytest.mark.parametrize(("who", "action", "expected"), _cases())
def test_families_and_caregivers_rules(world: World, who: str, action: str,
                                       expected: str) -> None:
    email, space_of_world = WHO[who]
    space = space_of_world(world)
    if action == "reopen":
        _close_first(world, space)
    actor = sign_in(world.c, email)
    outcome = "ok"
    try:
        ACTIONS[action](world, actor, space)
    except DomainError as error:
        outcome = str(error.status)
    assert outcome == expected
    if outcome in ("ok", "404"):  # done or refused, it is in the history under his name
        event = _last_event(world.c, space)
        assert event.actor_name == NAMES[email]
        assert event.outcome == ("success" if outcome == "ok" else "denied")


# -- caregivers ---------------------------------------------------------------------------


def _invite(w: World, inviter: str, space: str, email: str, days: int = 365) -> None:
    caregivers.invite_caregiver(
        w.c.uow, sign_in(w.c, inviter), space, email=email,
        until=paris_today(w.c.clock.now()) + timedelta(days=days), base_url=BASE)


def _accept(w: World, email: str) -> invitations.Accepted:
    return invitations.accept_invitation(w.c.uow, sign_in(w.c, email),
                                         invitation_token(w.c, email))


def test_at_most_three_caregivers_pending_invitations_included(world: World) -> None:
    _invite(world, JEANNE, world.jeanne, STRANGER)  # Camille, Grandma and Paul invited
    with pytest.raises(DomainError) as refused:
        _invite(world, JEANNE, world.jeanne, SECOND_PARENT)
    assert refused.value.status == 409
    assert refused.value.message.startswith("Cet espace a déjà 3 aidants ou invitations")
    view = space_settings(world.c.uow, sign_in(world.c, JEANNE), world.jeanne)
    assert view.caregiver_places_left == 0 and len(view.caregivers) == 2
    caregivers.revoke_caregiver(world.c.uow, sign_in(world.c, JEANNE), world.jeanne,
                                world.grandma_on(world.jeanne))
    _invite(world, JEANNE, world.jeanne, SECOND_PARENT)  # a place is free again


def test_a_caregiver_accepts_and_acts_under_his_name_until_the_end_date(
    world: World, clock: FrozenClock
) -> None:
    _invite(world, JEANNE, world.jeanne, STRANGER, days=30)
    assert subjects(world.c, STRANGER)[-1] == "Invitation à rejoindre un espace santé"
    accepted = _accept(world, STRANGER)
    last_day = paris_today(clock.now()) + timedelta(days=30)
    assert accepted.until == end_of_day(last_day)
    paul = sign_in(world.c, STRANGER)
    assert paul.grants[world.jeanne] is LegalBasis.CAREGIVER_DELEGATION
    service.space_summary(world.c.uow, paul, world.jeanne)
    event = _last_event(world.c, world.jeanne)
    assert (event.actor_name, event.actor_kind, event.action) == (
        "Paul Inconnu", "caregiver", "read")
    assert "Une invitation a été acceptée" in subjects(world.c, JEANNE)
    # The delegation ends by itself: grants stop once the end date has passed.
    clock.set(end_of_day(last_day) - timedelta(seconds=5))
    assert world.jeanne in sign_in(world.c, STRANGER).grants
    clock.set(end_of_day(last_day))
    assert world.jeanne not in sign_in(world.c, STRANGER).grants


@pytest.mark.parametrize(("days", "field"), [(0, "dans le futur"), (-3, "dans le futur"),
                                             (3 * 366 + 1, "3 ans")])
def test_the_end_date_is_required_in_the_future_and_within_three_years(
    world: World, days: int, field: str
) -> None:
    with pytest.raises(DomainError, match=field) as refused:
        _invite(world, JEANNE, world.jeanne, STRANGER, days=days)
    assert refused.value.status == 422


def test_three_years_is_the_longest_end_date(world: World) -> None:
    today = paris_today(world.c.clock.now())
    caregivers.invite_caregiver(world.c.uow, sign_in(world.c, JEANNE), world.jeanne,
                                email=STRANGER, until=add_years(today, 3), base_url=BASE)


def test_invitations_expire_after_fourteen_days(world: World, clock: FrozenClock) -> None:
    _invite(world, JEANNE, world.jeanne, STRANGER)
    clock.advance(timedelta(days=14))
    with pytest.raises(invitations.Unusable, match="expiré"):
        _accept(world, STRANGER)


def test_an_invitation_works_once_and_for_its_addressee_only(world: World) -> None:
    _invite(world, JEANNE, world.jeanne, STRANGER)
    token = invitation_token(world.c, STRANGER)
    with pytest.raises(DomainError, match="une autre adresse e-mail"):
        invitations.accept_invitation(world.c.uow, sign_in(world.c, SECOND_PARENT), token)
    invitations.accept_invitation(world.c.uow, sign_in(world.c, STRANGER), token)
    with pytest.raises(invitations.Unusable, match="déjà été utilisée"):
        invitations.accept_invitation(world.c.uow, sign_in(world.c, STRANGER), token)


def test_accepting_needs_an_activated_space(world: World) -> None:
    add_person(world.c, "nouveau@exemple.fr", "1950175056306", "Noé", "Nouveau",
               state="pending")
    _invite(world, JEANNE, world.jeanne, "nouveau@exemple.fr")
    actor = sign_in(world.c, "nouveau@exemple.fr")
    with pytest.raises(DomainError, match="activez d'abord"):
        invitations.accept_invitation(world.c.uow, actor,
                                      invitation_token(world.c, "nouveau@exemple.fr"))


def test_a_cancelled_invitation_no_longer_works(world: World) -> None:
    _invite(world, JEANNE, world.jeanne, STRANGER)
    jeanne = sign_in(world.c, JEANNE)
    (pending,) = space_settings(world.c.uow, jeanne, world.jeanne).invitations
    invitations.cancel_invitation(world.c.uow, jeanne, world.jeanne, pending.id)
    with pytest.raises(invitations.Unusable, match="annulée"):
        _accept(world, STRANGER)


def test_a_caregiver_withdraws_and_the_holder_is_told(world: World) -> None:
    caregivers.withdraw_as_caregiver(world.c.uow, sign_in(world.c, CAMILLE), world.jeanne)
    assert world.jeanne not in sign_in(world.c, CAMILLE).grants
    assert subjects(world.c, JEANNE)[-1] == "Un aidant a cessé d'agir pour l'espace santé"


def test_a_legal_representative_is_not_removed_like_a_caregiver(world: World) -> None:
    with world.c.factory() as session:
        tutor = session.scalar(select(Delegation.id).where(
            Delegation.patient_id == world.jeanne, Delegation.role_detail == "tutor"))
    assert tutor is not None
    with pytest.raises(DomainError, match="décision de justice") as refused:
        caregivers.revoke_caregiver(world.c.uow, sign_in(world.c, JEANNE), world.jeanne, tutor)
    assert refused.value.status == 403


# -- families -----------------------------------------------------------------------------


def test_the_declaring_parent_invites_the_second_parent(world: World) -> None:
    family.invite_second_parent(world.c.uow, sign_in(world.c, THOMAS), world.lea,
                                email=SECOND_PARENT, base_url=BASE)
    accepted = _accept(world, SECOND_PARENT)
    assert accepted.kind == "second_parent" and accepted.until is None
    claire = sign_in(world.c, SECOND_PARENT)
    assert claire.grants[world.lea] is LegalBasis.LEGAL_REPRESENTATION
    with world.c.factory() as session:
        roles = list(session.scalars(select(Delegation.role_detail).where(
            Delegation.patient_id == world.lea, Delegation.kind == "legal_representative")))
    assert len(roles) == 2 and set(roles) <= {None, "parent"}  # Thomas and Claire
    with pytest.raises(DomainError, match="deux parents"):
        family.invite_second_parent(world.c.uow, claire, world.lea, email=STRANGER,
                                    base_url=BASE)


def _operator(c: Container) -> Actor:
    code = pyotp.TOTP(demo_data.STAFF_TOTP_SECRETS[OPERATOR]).at(c.clock.now())
    token = c.authenticator.staff_login(OPERATOR, demo_data.DEMO_PASSWORD, code, "10.9.9.9")
    actor = c.authenticator.resolve(token)
    assert actor is not None
    return actor


def _nir(c: Container, space: str) -> str:
    with c.factory() as session:
        patient = session.get(Patient, space)
    assert patient is not None
    return patient.nir


@pytest.mark.parametrize(("space", "role"), [("jeanne", "tutor"), ("lea", "guardian")])
def test_an_operator_invites_a_tutor_on_a_court_decision(world: World, space: str,
                                                         role: str) -> None:
    pid = getattr(world, space)
    family.invite_tutor(world.c.uow, _operator(world.c), nir=_nir(world.c, pid),
                        email=STRANGER, base_url=BASE)
    _accept(world, STRANGER)
    with world.c.factory() as session:
        detail = session.scalar(select(Delegation.role_detail).join(
            Account, Account.id == Delegation.account_id).where(
            Account.email == STRANGER, Delegation.patient_id == pid))
    assert detail == role
    invited = [e for e in _events(world.c, pid) if e.action == "invite"]
    assert invited[-1].actor_kind == "operator"
    assert invited[-1].legal_basis == "operator_mandate"


def _events(c: Container, space: str) -> list[AuditEvent]:
    with c.factory() as session:
        return list(session.scalars(select(AuditEvent).where(AuditEvent.patient_id == space)
                                    .order_by(AuditEvent.seq)))


def test_only_an_operator_invites_a_tutor(world: World) -> None:
    with pytest.raises(DomainError) as refused:
        family.invite_tutor(world.c.uow, sign_in(world.c, JEANNE),
                            nir=_nir(world.c, world.jeanne), email=STRANGER, base_url=BASE)
    assert refused.value.status == 404


def test_at_eighteen_the_space_passes_to_its_holder(world: World, clock: FrozenClock) -> None:
    with world.c.factory() as session:
        lea = session.get(Patient, world.lea)
        assert lea is not None
        lea.contact_email = "lea.bernard@exemple.fr"
        birthday = add_years(lea.birth_date, 18)
        session.commit()
    family.invite_second_parent(world.c.uow, sign_in(world.c, THOMAS), world.lea,
                                email=SECOND_PARENT, base_url=BASE)
    # Midnight in Paris is 23:00 UTC the day before, in September.
    clock.set(end_of_day(birthday - timedelta(days=1)) - timedelta(minutes=1))
    assert family.hand_over_at_majority(world.c.factory, world.c.clock) == 0
    clock.set(end_of_day(birthday - timedelta(days=1)))
    assert family.hand_over_at_majority(world.c.factory, world.c.clock) == 1
    assert family.hand_over_at_majority(world.c.factory, world.c.clock) == 0

    assert world.lea not in sign_in(world.c, THOMAS).grants
    assert world.leo in sign_in(world.c, THOMAS).grants  # his son is still a child
    with pytest.raises(invitations.Unusable):
        _accept(world, SECOND_PARENT)  # the pending second-parent invitation died too
    assert subjects(world.c, THOMAS)[-1] == (
        "Votre accès à l'espace santé de votre enfant a pris fin")
    assert subjects(world.c, "lea.bernard@exemple.fr") == [
        "Votre espace santé est désormais le vôtre"]
    handed = [e for e in _events(world.c, world.lea) if e.action == "hand_over"]
    assert handed[0].actor_name == "tâche majority" and handed[0].outcome == "success"


def test_a_protected_adults_tutor_stays_after_the_hand_over(world: World) -> None:
    assert family.hand_over_at_majority(world.c.factory, world.c.clock) == 0
    assert sign_in(world.c, TUTOR).grants[world.jeanne] is LegalBasis.LEGAL_REPRESENTATION


def test_a_childs_space_works_with_its_representatives(world: World) -> None:
    claire = sign_in(world.c, SECOND_PARENT)
    summary = service.space_summary(world.c.uow, claire, world.leo)
    assert summary.patient.first_names == "Léo" and summary.delegates == 3
    assert service.access_history(world.c.uow, claire, world.leo)
