"""A newcomer's space through its lifecycle: activation by the person, opening by default,
new codes, and the brute-force limits, on a real database."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from espace_sante.accounts import activation
from espace_sante.accounts.activation import activate, check_activation, request_new_code
from espace_sante.accounts.activation_codes import MAX_CODE_ATTEMPTS
from espace_sante.accounts.default_opening import open_expired_windows
from espace_sante.accounts.identification import NOT_RECOGNISED
from espace_sante.accounts.models import Account, ActivationCode, AttemptWindow
from espace_sante.bootstrap import Container
from espace_sante.core import audit
from espace_sante.core.audit import AuditEvent
from espace_sante.core.clock import FrozenClock
from espace_sante.core.errors import Conflict, InvalidInput, TooManyAttempts
from espace_sante.core.notify import OutboxMessage
from tests.helpers import CAMILLE, last_code
from tests.newcomers import CODE, Newcomer, latest_code, latest_message, make_pending, nir, space

PASSWORD = "un mot de passe assez long"
SOURCE = "192.0.2.10"


def _activate(c: Container, n: Newcomer, *, code: str | None = None, second: str | None = None,
              email: str = "nadia.leroy@example.org", source: str = SOURCE
              ) -> activation.Activated:
    return activate(c.factory, c.settings, c.clock, nir=n.nir, code=code or n.code,
                    vitale_serial_or_birth_date=second or n.second_item, email=email,
                    password=PASSWORD, source=source)


def _check(c: Container, n: Newcomer, *, nir_: str | None = None, code: str | None = None,
           second: str | None = None, source: str = SOURCE) -> activation.Newcomer:
    return check_activation(c.factory, c.settings, c.clock, nir=nir_ or n.nir,
                            code=code or n.code,
                            vitale_serial_or_birth_date=second or n.second_item, source=source)


def _new_code(c: Container, n: Newcomer, second: str | None = None,
              source: str = SOURCE) -> None:
    _advance(c, timedelta(seconds=1))  # so "the latest message" is unambiguous
    request_new_code(c.factory, c.settings, c.clock, nir=n.nir,
                     vitale_serial_or_birth_date=second or n.second_item, source=source)


def _events(c: Container, patient_id: str) -> list[AuditEvent]:
    with c.factory() as session:
        return list(session.scalars(select(AuditEvent).where(AuditEvent.chain == patient_id)
                                    .order_by(AuditEvent.seq)))


def _codes(c: Container, patient_id: str) -> list[ActivationCode]:
    with c.factory() as session:
        return list(session.scalars(select(ActivationCode).where(
            ActivationCode.patient_id == patient_id).order_by(ActivationCode.created_at)))


def _accounts(c: Container) -> int:
    with c.factory() as session:
        return session.scalar(select(func.count()).select_from(Account)) or 0


def _advance(c: Container, delta: timedelta) -> None:
    assert isinstance(c.clock, FrozenClock)
    c.clock.advance(delta)


def test_pending_to_active_by_the_person(container: Container) -> None:
    n = make_pending(container)
    seen = _check(container, n, code=n.code.lower())  # case and dashes do not matter
    assert (seen.first_name, seen.state) == ("Nadia", "pending")
    done = _activate(container, n)
    patient = space(container, n.patient_id)
    assert patient.state == "active" and patient.activated_at == container.clock.now()
    [code] = _codes(container, n.patient_id)
    assert code.used_at == container.clock.now()
    last = _events(container, n.patient_id)[-1]
    assert (last.action, last.outcome, last.actor_kind, last.actor_id) == (
        "activate", "success", "patient", done.account_id)
    assert last.legal_basis == "own_space"
    # The first sign-in's one-time code, sent to the new address, confirms it.
    challenge = container.authenticator.start_person_login(done.email, PASSWORD, SOURCE)
    token = container.authenticator.finish_person_login(
        challenge.token, last_code(container, done.email), SOURCE)
    actor = container.authenticator.resolve(token)
    assert actor is not None and actor.own_patient_id == n.patient_id
    with container.factory() as session:
        assert audit.verify(session)[1] is None


def test_pending_to_active_by_default_then_first_activation(container: Container) -> None:
    early, other = make_pending(container), make_pending(container, "1850375056123",
                                                         email="paul@example.org")
    _advance(container, timedelta(days=1))
    late = make_pending(container, "2700175056077", email="lea@example.org")
    _advance(container, timedelta(weeks=6) - timedelta(days=1))
    assert open_expired_windows(container.factory, container.clock, batch=1) == 2
    assert open_expired_windows(container.factory, container.clock) == 0  # idempotent
    opened = space(container, early.patient_id)
    assert (opened.state, opened.activated_at) == ("active", container.clock.now())
    assert space(container, other.patient_id).state == "active"
    assert space(container, late.patient_id).state == "pending"
    event = _events(container, early.patient_id)[-1]
    assert (event.action, event.actor_kind, event.actor_id, event.legal_basis) == (
        "open", "system", "job:default-opening", "system_job")

    with pytest.raises(InvalidInput):  # the letter's code died with the window
        _activate(container, early)
    _new_code(container, early)
    fresh = latest_code(container, "nadia@example.org")
    _advance(container, timedelta(days=3))
    _activate(container, early, code=fresh)
    after = space(container, early.patient_id)
    assert after.state == "active" and after.activated_at == opened.activated_at
    assert _events(container, early.patient_id)[-1].detail == (
        "first activation after the default opening")


@pytest.mark.parametrize("case", ["unknown nir", "wrong code", "code for another nir",
                                  "wrong second item", "expired", "used", "revoked"])
def test_refused_attempts_answer_alike_and_change_nothing_else(
    container: Container, case: str
) -> None:
    n = make_pending(container)
    other = make_pending(container, "1850375056123", email="paul@example.org")
    kwargs: dict[str, str] = {}
    if case == "unknown nir":
        kwargs["nir_"] = nir("1850375056999")
    elif case == "wrong code":
        kwargs["code"] = "AAAA-BBBB-CCCC"
    elif case == "code for another nir":
        kwargs["code"] = other.code
    elif case == "wrong second item":
        kwargs["second"] = "999999999"
    elif case == "expired":
        _advance(container, timedelta(weeks=6, seconds=1))
    elif case == "used":
        _activate(container, n)
    elif case == "revoked":
        _new_code(container, n)
    accounts, before = _accounts(container), space(container, n.patient_id).state
    with pytest.raises(InvalidInput) as refused:
        _check(container, n, **kwargs)
    assert refused.value is NOT_RECOGNISED
    assert (_accounts(container), space(container, n.patient_id).state) == (accounts, before)
    # The other person's space is untouched whatever was typed.
    assert [c.attempts for c in _codes(container, other.patient_id)] == [0]
    if case != "expired":
        _activate(container, other, email="paul@example.org")


def test_a_code_dies_after_too_many_failures_and_a_new_one_works(
    container: Container,
) -> None:
    n = make_pending(container)
    for _ in range(MAX_CODE_ATTEMPTS):
        with pytest.raises(InvalidInput):
            _check(container, n, second="000000000")  # right code, wrong second item
    [dead] = _codes(container, n.patient_id)
    assert dead.attempts == MAX_CODE_ATTEMPTS and dead.revoked_at is not None
    with pytest.raises(InvalidInput):  # even with everything right
        _check(container, n)
    denied = [e for e in _events(container, n.patient_id) if e.outcome == "denied"]
    assert len(denied) == MAX_CODE_ATTEMPTS + 1
    assert denied[0].actor_id == f"ip:{SOURCE}" and denied[0].actor_kind == "anonymous"
    assert "disabled after 5 failures" in (denied[MAX_CODE_ATTEMPTS - 1].detail or "")
    _new_code(container, n)
    _activate(container, n, code=latest_code(container, "nadia@example.org"))


def test_the_source_is_throttled_per_minute(container: Container) -> None:
    n = make_pending(container)
    limit = container.settings.source_max_attempts_per_minute
    for i in range(limit):
        with pytest.raises(InvalidInput):
            _check(container, n, nir_=nir(f"18503750{56000 + i}"), source="198.51.100.7")
    with pytest.raises(TooManyAttempts):
        _check(container, n, source="198.51.100.7")
    _check(container, n, source="198.51.100.8")  # another source is not affected
    _advance(container, timedelta(minutes=1))
    _check(container, n, source="198.51.100.7")
    with container.factory() as session:  # sign-in keeps its own budget
        assert session.get(AttemptWindow, "src:198.51.100.7") is None


def test_unknown_nir_writes_no_audit_but_a_known_one_does(container: Container) -> None:
    n = make_pending(container)
    with container.factory() as session:
        total = session.scalar(select(func.count()).select_from(AuditEvent))
    with pytest.raises(InvalidInput):
        _check(container, n, nir_=nir("1850375056999"))
    with container.factory() as session:
        assert session.scalar(select(func.count()).select_from(AuditEvent)) == total


def test_a_malformed_nir_is_said_plainly(container: Container) -> None:
    n = make_pending(container)
    with pytest.raises(InvalidInput) as bad:
        _check(container, n, nir_=n.nir[:-2] + "00")
    assert "clé" in bad.value.message and bad.value is not NOT_RECOGNISED


def test_nothing_half_created_when_the_address_is_taken(demo: Container) -> None:
    n = make_pending(demo)
    accounts = _accounts(demo)
    with pytest.raises(Conflict):
        _activate(demo, n, email=CAMILLE.upper())
    assert _accounts(demo) == accounts
    assert space(demo, n.patient_id).state == "pending"
    assert [c.used_at for c in _codes(demo, n.patient_id)] == [None]
    _activate(demo, n)


@pytest.mark.parametrize(("email", "password"), [("pas-une-adresse", PASSWORD),
                                                 ("nadia@example.org", "court")])
def test_unfit_credentials_are_refused_before_any_check(
    container: Container, email: str, password: str
) -> None:
    n = make_pending(container)
    with pytest.raises(InvalidInput) as bad:
        activate(container.factory, container.settings, container.clock, nir=n.nir,
                 code=n.code, vitale_serial_or_birth_date=n.second_item, email=email,
                 password=password, source=SOURCE)
    assert bad.value.details["field"] in ("email", "password")
    assert [c.attempts for c in _codes(container, n.patient_id)] == [0]


def test_a_child_without_carte_vitale_uses_the_birth_date(container: Container) -> None:
    parent = make_pending(container)
    _advance(container, timedelta(seconds=1))
    child = make_pending(container, "1190375056077", first_names="Noé", vitale=None,
                         email=None, born=date(2019, 3, 8), declared_by=parent.patient_id)
    # The child's notice went to the declaring parent's address.
    assert latest_code(container, "nadia@example.org").replace("-", "") == child.code
    with pytest.raises(InvalidInput):
        _check(container, child, second="09/03/2019")
    assert _check(container, child, second="2019-03-08").first_name == "Noé"
    _activate(container, child, second="08.03.2019", email="noe@example.org")


def test_new_codes_answer_alike_and_are_limited_per_day(container: Container) -> None:
    n = make_pending(container)

    def messages() -> int:
        with container.factory() as session:
            return session.scalar(select(func.count()).select_from(OutboxMessage)) or 0

    before = messages()
    assert request_new_code(container.factory, container.settings, container.clock,
                            nir=nir("1850375056999"), vitale_serial_or_birth_date="1",
                            source=SOURCE) is None
    _new_code(container, n, second="123")  # wrong second item: nothing sent
    assert messages() == before
    _new_code(container, n)
    _new_code(container, n)  # with the letter's code: three in 24 hours
    _new_code(container, n)
    assert messages() == before + 2
    codes = _codes(container, n.patient_id)
    assert len(codes) == 3 and [c.revoked_at is None for c in codes] == [False, False, True]
    details = [e.detail for e in _events(container, n.patient_id) if e.outcome == "denied"]
    assert details == ["wrong second identifying item", "more than 3 codes in 24 hours"]
    _advance(container, timedelta(days=1))
    _new_code(container, n)
    assert messages() == before + 3


def test_a_mistyped_address_is_replaced_before_the_first_sign_in(
    container: Container,
) -> None:
    n = make_pending(container)
    first = _activate(container, n, email="nadia@exemple.typo")
    _new_code(container, n)
    second = _activate(container, n, code=latest_code(container, "nadia@example.org"))
    assert second.account_id == first.account_id and second.email == "nadia.leroy@example.org"
    assert _accounts(container) == 1
    token = container.authenticator.finish_person_login(
        container.authenticator.start_person_login(second.email, PASSWORD, SOURCE).token,
        last_code(container, second.email), SOURCE)
    assert container.authenticator.resolve(token) is not None
    # Signed in once: the account is confirmed, no new code can be had any more.
    _new_code(container, n)
    assert _events(container, n.patient_id)[-1].detail == (
        "space not awaiting activation (active)")


def test_a_parent_activating_gets_the_children_he_declared(container: Container) -> None:
    from espace_sante.accounts import grants
    from espace_sante.accounts.models import Delegation

    parent = make_pending(container)
    child = make_pending(container, "2200675056012", first_names="Inès", born=date(2020, 6, 1),
                         vitale=None, email=None, declared_by=parent.patient_id)
    done = activate(container.factory, container.settings, container.clock, nir=parent.nir,
                    code=parent.code, vitale_serial_or_birth_date=parent.second_item,
                    email="nadia.parent@example.org", password="un mot de passe solide",
                    source="10.3.3.3")
    with container.factory() as s:
        links = list(s.scalars(select(Delegation).where(Delegation.patient_id == child.patient_id)))
        account = s.get(Account, done.account_id)
        assert account is not None
        actor = grants.person_actor(s, account, now=container.clock.now())
        events = list(s.scalars(select(AuditEvent).where(
            AuditEvent.patient_id == child.patient_id, AuditEvent.resource_kind == "delegation")))
    assert [(d.account_id, d.kind, d.role_detail) for d in links] == [
        (done.account_id, "legal_representative", "parent")]
    assert actor.basis_for(child.patient_id) == "legal_representation"
    assert len(events) == 1 and events[0].actor_id == done.account_id


# -- by SMS: a register line with a phone and no e-mail ---------------------------------

MOBILE = "+33612345678"


def _by_sms(c: Container, n: Newcomer, phone: str = "06 12 34 56 78",
            code: str | None = None) -> activation.Activated:
    return activate(c.factory, c.settings, c.clock, nir=n.nir, code=code or n.code,
                    vitale_serial_or_birth_date=n.second_item, phone=phone,
                    password=PASSWORD, source=SOURCE)


def _sms_code(c: Container) -> str:
    return last_code(c, MOBILE)


def test_a_newcomer_with_a_phone_only_activates_and_signs_in_by_sms(
    container: Container,
) -> None:
    n = make_pending(container, email=None, phone=MOBILE)
    assert CODE.search(latest_message(container, MOBILE).body)  # the notice came by SMS
    assert _check(container, n).sms_suggested
    done = _by_sms(container, n)
    assert (done.email, done.phone, done.identifier) == (None, MOBILE, MOBILE)
    assert space(container, n.patient_id).state == "active"
    assert _events(container, n.patient_id)[-1].detail == "activated by the holder, by SMS"
    _advance(container, timedelta(seconds=1))  # the login code is the latest SMS
    auth = container.authenticator
    challenge = auth.start_person_login("06.12.34.56.78", PASSWORD, SOURCE)
    assert challenge.channel == "sms"
    sms = latest_message(container, MOBILE)
    assert sms.channel == "sms" and "Votre code de connexion" in sms.body
    actor = auth.resolve(auth.finish_person_login(challenge.token, _sms_code(container), SOURCE))
    assert actor is not None and actor.own_patient_id == n.patient_id
    with container.factory() as session:
        account = session.get(Account, done.account_id)
        assert account is not None and account.last_login_at == container.clock.now()
        assert (account.email, account.phone, account.otp_channel) == (None, MOBILE, "sms")
        assert audit.verify(session)[1] is None


def test_sms_codes_have_the_limits_of_e_mailed_ones(container: Container) -> None:
    from espace_sante.accounts.auth import BAD_CODE, BAD_CREDENTIALS, CODE_MAX_ATTEMPTS

    n = make_pending(container, email=None, phone=MOBILE)
    _by_sms(container, n)
    auth = container.authenticator
    with pytest.raises(type(BAD_CREDENTIALS)):  # an unknown number answers like an address
        auth.start_person_login("07 00 00 00 00", PASSWORD, SOURCE)
    _advance(container, timedelta(seconds=1))
    challenge = auth.start_person_login(MOBILE, PASSWORD, SOURCE)
    right = _sms_code(container)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    for _ in range(CODE_MAX_ATTEMPTS):
        with pytest.raises(type(BAD_CODE)):
            auth.finish_person_login(challenge.token, wrong, SOURCE)
    with pytest.raises(type(BAD_CODE)):  # the challenge died: the right code is too late
        auth.finish_person_login(challenge.token, right, SOURCE)


@pytest.mark.parametrize(("email", "phone", "field"), [
    (None, "01 23 45 67 89", "phone"),  # a landline receives no SMS
    (None, "pas un numéro", "phone"),
    ("nadia@example.org", "06 12 34 56 78", "email"),  # one or the other
    (None, None, "email"),
])
def test_unfit_numbers_are_refused_before_any_check(
    container: Container, email: str | None, phone: str | None, field: str
) -> None:
    n = make_pending(container, email=None, phone=MOBILE)
    with pytest.raises(InvalidInput) as bad:
        activate(container.factory, container.settings, container.clock, nir=n.nir,
                 code=n.code, vitale_serial_or_birth_date=n.second_item, email=email,
                 phone=phone, password=PASSWORD, source=SOURCE)
    assert bad.value.details["field"] == field
    assert [c.attempts for c in _codes(container, n.patient_id)] == [0]


def test_a_number_belongs_to_one_account(container: Container) -> None:
    first = make_pending(container, email=None, phone=MOBILE)
    second = make_pending(container, "1850375056123", email=None, phone="+33698765432")
    _by_sms(container, first)
    with pytest.raises(Conflict) as taken:
        _by_sms(container, second, phone="+33 6 12 34 56 78")
    assert taken.value.details["field"] == "phone"
    assert _accounts(container) == 1 and space(container, second.patient_id).state == "pending"


def test_an_unconfirmed_number_is_replaced_by_an_address(container: Container) -> None:
    n = make_pending(container, email=None, phone=MOBILE)
    first = _by_sms(container, n, phone="06 12 34 56 79")  # mistyped
    _new_code(container, n)
    second = _activate(container, n, code=latest_code(container, MOBILE))
    assert second.account_id == first.account_id
    assert (second.email, second.phone) == ("nadia.leroy@example.org", None)
    with container.factory() as session:
        account = session.get(Account, second.account_id)
        assert account is not None and account.otp_channel == "email"
    assert container.authenticator.start_person_login(
        second.email or "", PASSWORD, SOURCE).channel == "email"
