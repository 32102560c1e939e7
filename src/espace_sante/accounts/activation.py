"""Activation of a space by its holder, and new activation codes.

Activation: the NIR, a live code and the second identifying item (``identification``),
then an e-mail address *or* a mobile number, and a password. The account is created, the
code used, the space ``active``. The address or number is *not* trusted yet: the person
goes on with the ordinary two-step sign-in, whose one-time code, e-mailed or sent by SMS,
proves it (no second mechanism to keep). A person with a mobile and no e-mail (the
register often has only a phone for the elderly) thus signs in with his number and gets
his codes by SMS, under the same limits. Until that first sign-in the account is
"unconfirmed": if the address or number was mistyped, a new code and a new activation
replace it (``last_login_at`` tells).

A space opened by default at the end of its window (``default_opening``) has no account:
activating it works the same, without the state change.

A new code (NIR + second item) kills the old ones and goes to the contact on file, never
to an address typed on the page; the answer is the same whatever happened, so the form
tells nobody whether a NIR has a space. Asked for an opposed space, it lifts the
opposition (``opposition.reopen``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from espace_sante.accounts import code_notices, grants
from espace_sante.accounts.activation_codes import CODE_VALIDITY, issue_code
from espace_sante.accounts.declared_children import link_declared_children
from espace_sante.accounts.identification import (
    Attempt,
    fail,
    find_space,
    identify,
    record,
    second_item_matches,
    source_actor,
    throttle,
)
from espace_sante.accounts.ins import parse_nir
from espace_sante.accounts.models import (
    Account,
    AccountRole,
    ActivationCode,
    LoginChallenge,
    Patient,
    SpaceState,
)
from espace_sante.accounts.opposition import holder_actor, reopen
from espace_sante.accounts.phones import can_receive_sms, to_e164
from espace_sante.accounts.secrets import MIN_PASSWORD_LENGTH, hash_password
from espace_sante.core import audit
from espace_sante.core.clock import Clock
from espace_sante.core.errors import Conflict, InvalidInput
from espace_sante.settings import Settings

MAX_PASSWORD_LENGTH = 256  # Argon2 takes any length; a bound keeps a request cheap
NEW_CODES_PER_DAY = 3  # per space: with 5 tries each, at most 15 guesses a day
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

EMAIL_TAKEN = Conflict(
    "Cette adresse e-mail est déjà celle d'un autre compte : choisissez-en une autre.",
    "This e-mail address already belongs to another account: choose another one.",
    {"field": "email"},
)
BAD_EMAIL = InvalidInput("Adresse e-mail invalide.", "Invalid e-mail address.",
                         {"field": "email"})
PHONE_TAKEN = Conflict(
    "Ce numéro de mobile est déjà celui d'un autre compte : choisissez-en un autre.",
    "This mobile number already belongs to another account: choose another one.",
    {"field": "phone"},
)
BAD_PHONE = InvalidInput(
    "Numéro de mobile invalide : un numéro français en 06 ou 07, ou un numéro étranger "
    "commençant par +.",
    "Invalid mobile number: a French number starting with 06 or 07, or a foreign number "
    "starting with +.",
    {"field": "phone"},
)
ONE_OR_THE_OTHER = InvalidInput(
    "Indiquez soit une adresse e-mail, soit un numéro de mobile.",
    "Give either an e-mail address or a mobile number.",
    {"field": "email"},
)
BAD_PASSWORD = InvalidInput(
    f"Le mot de passe doit compter au moins {MIN_PASSWORD_LENGTH} caractères.",
    f"The password must have at least {MIN_PASSWORD_LENGTH} characters.",
    {"field": "password"},
)


@dataclass(frozen=True)
class Newcomer:
    """A space whose holder has proven who he is."""

    patient_id: str
    first_name: str
    display_name: str
    state: str
    sms_suggested: bool = False  # the register gave a phone and no e-mail address


@dataclass(frozen=True)
class Identifier:
    """What a person signs in with and gets his one-time codes at: an e-mail address or
    a mobile number (E.164), one of the two."""

    email: str | None
    phone: str | None

    @property
    def channel(self) -> str:
        return "email" if self.email else "sms"


@dataclass(frozen=True)
class Activated:
    patient_id: str
    account_id: str
    email: str | None
    phone: str | None

    @property
    def identifier(self) -> str:
        """What to sign in with: the address, or the mobile number."""
        return self.email or self.phone or ""


def check_activation(factory: sessionmaker[Session], settings: Settings, clock: Clock, *,
                     nir: str, code: str, vitale_serial_or_birth_date: str,
                     source: str) -> Newcomer:
    """The first step of the pages: the three items designate a space to activate."""
    parsed = parse_nir(nir)
    attempt = Attempt(source, "activate", "tentative d'activation")
    with factory() as session:
        now = clock.now()
        patient, _ = identify(session, settings, attempt, nir=parsed, code=code,
                              second_item=vitale_serial_or_birth_date, now=now)
        _ensure_activatable(session, attempt, patient, now)
        session.commit()  # the source's attempt stays counted
        sms = patient.contact_email is None and patient.contact_phone is not None
        return Newcomer(patient.id, patient.first_name, patient.display_name, patient.state,
                        sms_suggested=sms)


def activate(factory: sessionmaker[Session], settings: Settings, clock: Clock, *, nir: str,
             code: str, vitale_serial_or_birth_date: str, password: str, source: str,
             email: str | None = None, phone: str | None = None) -> Activated:
    """Check the three items again, then create the account and open the space, all in one
    transaction: a failure leaves nothing half-made. ``email`` or ``phone`` (not both):
    where the first sign-in's code goes, and what the person signs in with."""
    parsed = parse_nir(nir)
    identifier = check_new_identifier(email, phone)
    check_new_password(password)
    password_hash = hash_password(password)  # slow: before the transaction, not inside it
    attempt = Attempt(source, "activate", "tentative d'activation")
    with factory() as session:
        now = clock.now()
        patient, code_row = identify(session, settings, attempt, nir=parsed, code=code,
                                     second_item=vitale_serial_or_birth_date, now=now)
        account = _ensure_activatable(session, attempt, patient, now)
        if _taken(session, identifier, account):
            session.commit()  # only the attempt's count
            raise _taken_error(identifier)
        account, detail = _set_account(session, patient, account, identifier, password_hash,
                                       now)
        code_row.used_at = now
        if patient.state == SpaceState.PENDING:
            patient.state, patient.activated_at = SpaceState.ACTIVE, now
        session.flush()
        link_declared_children(session, patient, account, now)
        actor = grants.person_actor(session, account, now=now)
        record(session, actor, "activate", patient.id, audit.Outcome.SUCCESS, at=now,
               detail=detail)
        _commit(session, identifier)
        return Activated(patient.id, account.id, account.email, account.phone)


def check_new_identifier(email: str | None, phone: str | None) -> Identifier:
    """The address (trimmed, lower-case) or the mobile number (E.164) a person chooses;
    raises if unfit, or if both or neither are given."""
    if (email is None) == (phone is None):
        raise ONE_OR_THE_OTHER
    if phone is not None:
        e164 = to_e164(phone)
        if e164 is None or not can_receive_sms(e164):
            raise BAD_PHONE
        return Identifier(None, e164)
    assert email is not None
    address = email.strip().lower()
    if len(address) > 254 or not _EMAIL.match(address):
        raise BAD_EMAIL
    return Identifier(address, None)


def check_new_password(password: str) -> None:
    if not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
        raise BAD_PASSWORD


def holder_account(session: Session, patient_id: str) -> Account | None:
    return session.scalar(select(Account).where(
        Account.patient_id == patient_id, Account.role == AccountRole.PERSON))


def awaits_activation(session: Session, patient: Patient) -> tuple[bool, Account | None]:
    """Pending, or open (by default) with no account that ever signed in."""
    account = holder_account(session, patient.id)
    if patient.state == SpaceState.PENDING:
        return True, account
    confirmed = account is not None and account.last_login_at is not None
    return patient.state == SpaceState.ACTIVE and not confirmed, account


def _ensure_activatable(session: Session, attempt: Attempt, patient: Patient,
                        now: datetime) -> Account | None:
    ok, account = awaits_activation(session, patient)
    if not ok:
        fail(session, attempt, patient.id, f"space not awaiting activation ({patient.state})",
             [], now)
    return account


def _taken(session: Session, identifier: Identifier, own: Account | None) -> bool:
    same = (Account.phone == identifier.phone if identifier.phone
            else func.lower(Account.email) == identifier.email)
    other = session.scalar(select(Account.id).where(same))
    return other is not None and (own is None or other != own.id)


def _taken_error(identifier: Identifier) -> Conflict:
    return PHONE_TAKEN if identifier.phone else EMAIL_TAKEN


def _set_account(session: Session, patient: Patient, account: Account | None,
                 identifier: Identifier, password_hash: str,
                 now: datetime) -> tuple[Account, str]:
    if account is not None:
        # Never signed in: the address or number may have been mistyped. The new activation
        # wins, and codes sent to the old one die with their challenges.
        session.execute(delete(LoginChallenge).where(LoginChallenge.account_id == account.id))
        account.email, account.phone = identifier.email, identifier.phone
        account.otp_channel, account.password_hash = identifier.channel, password_hash
        return account, "account replaced before its first sign-in"
    detail = "activated by the holder" if patient.state == SpaceState.PENDING else (
        "first activation after the default opening")
    if identifier.phone:
        detail += ", by SMS"
    account = Account(email=identifier.email, phone=identifier.phone, role=AccountRole.PERSON,
                      patient_id=patient.id, display_name=patient.display_name,
                      password_hash=password_hash, otp_channel=identifier.channel,
                      failed_logins=0, created_at=now)
    session.add(account)
    return account, detail


def _commit(session: Session, identifier: Identifier) -> None:
    try:
        session.commit()
    except IntegrityError:
        # Another activation took the address or number between our check and our commit.
        session.rollback()
        raise _taken_error(identifier) from None


def request_new_code(factory: sessionmaker[Session], settings: Settings, clock: Clock, *,
                     nir: str, vitale_serial_or_birth_date: str, source: str) -> None:
    """Send a new code to the contact on file; say nothing of what happened."""
    parsed = parse_nir(nir)
    attempt = Attempt(source, "new_code", "demande de nouveau code")
    with factory() as session:
        now = clock.now()
        throttle(session, settings, attempt, now)
        patient = find_space(session, parsed)
        refusal = _refusal(session, settings, patient, vitale_serial_or_birth_date, now)
        if patient is not None and refusal is not None:
            record(session, source_actor(attempt), "new_code", patient.id,
                   audit.Outcome.DENIED, detail=refusal, at=now,
                   resource_kind="activation_code")
        elif patient is not None:
            _send_new_code(session, settings, patient, attempt, now)
        session.commit()


def _refusal(session: Session, settings: Settings, patient: Patient | None, second_item: str,
             now: datetime) -> str | None:
    if patient is None:
        return "unknown NIR"
    if not second_item_matches(settings, patient, second_item):
        return "wrong second identifying item"
    if patient.state != SpaceState.OPPOSED and not awaits_activation(session, patient)[0]:
        return f"space not awaiting activation ({patient.state})"
    issued = session.scalar(select(func.count()).select_from(ActivationCode).where(
        ActivationCode.patient_id == patient.id,
        ActivationCode.created_at > now - timedelta(days=1)))
    if (issued or 0) >= NEW_CODES_PER_DAY:
        return f"more than {NEW_CODES_PER_DAY} codes in 24 hours"
    if code_notices.contact_of(session, patient) is None:
        return "no contact on file"
    return None


def _send_new_code(session: Session, settings: Settings, patient: Patient, attempt: Attempt,
                   now: datetime) -> None:
    if patient.state == SpaceState.OPPOSED:
        # Why the person may lift his own opposition here: the proof tells him so, and the
        # code goes to the contact on file, with six weeks to oppose again.
        reopen(session, settings, patient, holder_actor(patient, attempt.source), now,
               detail="asked for a new code: opposition lifted")
        return
    code = issue_code(session, patient.id, secret=settings.secret_key, now=now)
    record(session, source_actor(attempt), "new_code", patient.id, audit.Outcome.SUCCESS,
           at=now, resource_kind="activation_code")
    notice, sms = code_notices.new_code(settings, patient, code, expires=now + CODE_VALIDITY,
                                        reopened=False)
    code_notices.send(session, patient, notice, sms, now=now)
