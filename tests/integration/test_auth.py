"""Sign-in rules, through the real authenticator on a real database."""

from __future__ import annotations

from datetime import timedelta

import pyotp
import pytest

from espace_sante import demo as demo_data
from espace_sante.bootstrap import Container
from espace_sante.core.clock import FrozenClock
from espace_sante.core.errors import TooManyAttempts, Unauthenticated
from tests.helpers import CAMILLE, DR_DURAND, last_code, person_session

PASSWORD = demo_data.DEMO_PASSWORD
OPERATOR = "operateur@demo.espace-sante.localhost"


def _fail_password(c: Container, email: str, times: int, source: str = "10.0.0.1") -> str:
    message = ""
    for _ in range(times):
        with pytest.raises(Unauthenticated) as err:
            c.authenticator.start_person_login(email, "mauvais mot de passe", source)
        message = err.value.message
    return message


def test_full_person_login_and_actor(demo: Container) -> None:
    token = person_session(demo, CAMILLE)
    actor = demo.authenticator.resolve(token)
    assert actor is not None and actor.own_patient_id is not None
    assert len(actor.grants) == 2  # her own space and Jeanne's, as caregiver


def test_unknown_account_and_wrong_password_answer_alike(demo: Container) -> None:
    wrong = _fail_password(demo, CAMILLE, 1)
    unknown = _fail_password(demo, "personne@nulle.part", 1)
    assert wrong == unknown


def test_lockout_after_repeated_failures(demo: Container) -> None:
    message = _fail_password(demo, CAMILLE, demo.settings.password_max_failures)
    # Now even the right password is refused, with the same message as any failure.
    with pytest.raises(Unauthenticated) as err:
        demo.authenticator.start_person_login(CAMILLE, PASSWORD, "10.0.0.2")
    assert err.value.message == message
    assert isinstance(demo.clock, FrozenClock)
    demo.clock.advance(timedelta(minutes=demo.settings.lockout_minutes, seconds=1))
    demo.authenticator.start_person_login(CAMILLE, PASSWORD, "10.0.0.2")


def test_code_dies_after_five_wrong_tries(demo: Container) -> None:
    challenge = demo.authenticator.start_person_login(CAMILLE, PASSWORD, "10.0.0.3")
    code = last_code(demo, CAMILLE)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        with pytest.raises(Unauthenticated):
            demo.authenticator.finish_person_login(challenge.token, wrong, "10.0.0.3")
    with pytest.raises(Unauthenticated):  # the right code no longer works
        demo.authenticator.finish_person_login(challenge.token, code, "10.0.0.3")


def test_code_expires_and_is_single_use(demo: Container) -> None:
    challenge = demo.authenticator.start_person_login(CAMILLE, PASSWORD, "10.0.0.4")
    code = last_code(demo, CAMILLE)
    assert isinstance(demo.clock, FrozenClock)
    demo.clock.advance(timedelta(minutes=demo.settings.login_code_minutes, seconds=1))
    with pytest.raises(Unauthenticated):
        demo.authenticator.finish_person_login(challenge.token, code, "10.0.0.4")
    challenge = demo.authenticator.start_person_login(CAMILLE, PASSWORD, "10.0.0.4")
    code = last_code(demo, CAMILLE)
    demo.authenticator.finish_person_login(challenge.token, code, "10.0.0.4")
    with pytest.raises(Unauthenticated):
        demo.authenticator.finish_person_login(challenge.token, code, "10.0.0.4")


def test_source_rate_limit(demo: Container) -> None:
    limit = demo.settings.source_max_attempts_per_minute
    _fail_password(demo, "x@y.z", limit, source="10.9.9.9")
    with pytest.raises(TooManyAttempts):
        demo.authenticator.start_person_login(CAMILLE, PASSWORD, "10.9.9.9")
    # Another source is not affected.
    demo.authenticator.start_person_login(CAMILLE, PASSWORD, "10.9.9.8")


def test_each_login_gets_a_new_session_and_logout_kills_it(demo: Container) -> None:
    first, second = person_session(demo, CAMILLE), person_session(demo, CAMILLE)
    assert first != second
    demo.authenticator.logout(first)
    assert demo.authenticator.resolve(first) is None
    assert demo.authenticator.resolve(second) is not None


def test_idle_and_absolute_timeouts(demo: Container) -> None:
    assert isinstance(demo.clock, FrozenClock)
    token = person_session(demo, CAMILLE)
    demo.clock.advance(timedelta(minutes=demo.settings.session_idle_minutes + 1))
    assert demo.authenticator.resolve(token) is None
    token = person_session(demo, CAMILLE)
    for _ in range(demo.settings.session_absolute_hours * 3 + 1):
        demo.clock.advance(timedelta(minutes=20))  # active, never idle
        demo.authenticator.resolve(token)
    assert demo.authenticator.resolve(token) is None


def test_staff_needs_password_and_totp(demo: Container) -> None:
    totp = pyotp.TOTP(demo_data.STAFF_TOTP_SECRETS[OPERATOR])
    code = totp.at(demo.clock.now())
    token = demo.authenticator.staff_login(OPERATOR, PASSWORD, code, "10.0.1.1")
    actor = demo.authenticator.resolve(token)
    assert actor is not None and actor.kind == "operator" and not actor.grants
    with pytest.raises(Unauthenticated):
        demo.authenticator.staff_login(
            OPERATOR, PASSWORD, "000000" if code != "000000" else "111111", "10.0.1.1"
        )
    with pytest.raises(Unauthenticated):  # a person cannot use the staff door
        demo.authenticator.staff_login(CAMILLE, PASSWORD, code, "10.0.1.1")


def test_professional_grants(demo: Container) -> None:
    token = demo.authenticator.professional_login(DR_DURAND)
    actor = demo.authenticator.resolve(token)
    assert actor is not None and actor.profession == "médecin"
    assert set(actor.grants.values()) == {"medecin_traitant"}
    assert len(actor.grants) == 4
    with pytest.raises(Unauthenticated):
        demo.authenticator.professional_login("99999999999")


def test_failed_sign_ins_are_in_the_persons_own_trail(demo: Container) -> None:
    from sqlalchemy import select

    from espace_sante.core.audit import AuditEvent

    _fail_password(demo, CAMILLE, 2, source="10.7.7.7")
    actor = demo.authenticator.resolve(person_session(demo, CAMILLE))
    assert actor is not None
    with demo.factory() as s:
        events = list(s.scalars(select(AuditEvent).where(
            AuditEvent.patient_id == actor.own_patient_id, AuditEvent.action == "login")))
    denied = [e for e in events if e.outcome == "denied"]
    assert len(denied) == 2 and denied[0].actor_id == "ip:10.7.7.7"
    assert any(e.outcome == "success" for e in events)


def test_wrong_codes_across_new_challenges_lock_the_account(demo: Container) -> None:
    """Restarting sign-in for a fresh code does not give a code-guesser endless tries."""
    for _ in range(demo.settings.password_max_failures):
        challenge = demo.authenticator.start_person_login(CAMILLE, PASSWORD, "10.0.2.1")
        code = last_code(demo, CAMILLE)
        with pytest.raises(Unauthenticated):
            demo.authenticator.finish_person_login(
                challenge.token, "000000" if code != "000000" else "111111", "10.0.2.1")
    with pytest.raises(Unauthenticated):  # locked now: even the right password is refused
        demo.authenticator.start_person_login(CAMILLE, PASSWORD, "10.0.2.1")
