"""Sign-in: persons (password + one-time code), staff (password + TOTP), professionals
(through Pro Santé Connect), and the browser sessions that follow.

Answers never tell whether an account exists: an unknown e-mail, a wrong password and a
locked account get the same message after the same Argon2 work.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import pyotp
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from espace_sante.accounts import grants
from espace_sante.accounts.models import (
    Account,
    AccountRole,
    LoginChallenge,
    Professional,
    WebSession,
)
from espace_sante.accounts.phones import to_e164
from espace_sante.accounts.secrets import (
    code_hash,
    new_code,
    new_token,
    same,
    token_hash,
    verify_password,
)
from espace_sante.accounts.throttle import TOO_FAST as TOO_FAST  # callers import it here
from espace_sante.accounts.throttle import count_attempt
from espace_sante.core import audit, notify
from espace_sante.core.actors import Actor, ActorKind, LegalBasis
from espace_sante.core.clock import Clock
from espace_sante.core.context import request_id
from espace_sante.core.crypto import Keyring
from espace_sante.core.errors import Unauthenticated
from espace_sante.settings import Settings

BAD_CREDENTIALS = Unauthenticated(
    "Identifiant ou mot de passe incorrect. Après plusieurs erreurs, le compte est bloqué "
    "quelques minutes.",
    "Wrong identifier or password. After several errors the account is locked for a few minutes.",
)
BAD_CODE = Unauthenticated(
    "Code incorrect ou expiré. Recommencez la connexion pour recevoir un nouveau code.",
    "Wrong or expired code. Sign in again to receive a new code.",
)
CODE_MAX_ATTEMPTS = 5
SEEN_GRANULARITY = timedelta(minutes=1)


@dataclass(frozen=True)
class Challenge:
    token: str
    channel: str


class Authenticator:
    def __init__(self, factory: sessionmaker[Session], clock: Clock, settings: Settings) -> None:
        self._factory = factory
        self._clock = clock
        self._settings = settings

    # -- persons: password, then a one-time code ------------------------------------------

    def start_person_login(self, identifier: str, password: str, source: str) -> Challenge:
        """``identifier``: the e-mail address, or the mobile number of an account activated
        by SMS."""
        with self._factory() as session:
            self._throttle(session, source)
            account = _find_account(session, identifier, AccountRole.PERSON)
            if not self._check_password(session, account, password):
                self._audit_failure(session, account, "wrong password or locked", source)
                session.commit()
                raise BAD_CREDENTIALS
            assert account is not None
            challenge = self._send_code(session, account)
            session.commit()
            return challenge

    def finish_person_login(self, challenge_token: str, code: str, source: str) -> str:
        with self._factory() as session:
            self._throttle(session, source)
            challenge = session.get(LoginChallenge, token_hash(challenge_token))
            account = self._check_code(session, challenge, challenge_token, code.strip())
            token = self._open_session(session, account_id=account.id)
            session.commit()
            return token

    def _send_code(self, session: Session, account: Account) -> Challenge:
        now, token, code = self._clock.now(), new_token(), new_code()
        session.add(
            LoginChallenge(
                token_hash=token_hash(token),
                account_id=account.id,
                code_hash=code_hash(self._settings.secret_key, token, code),
                created_at=now,
                expires_at=now + timedelta(minutes=self._settings.login_code_minutes),
            )
        )
        channel, recipient = _code_destination(account)
        notify.enqueue(
            session,
            channel=channel,
            recipient=recipient,
            subject="Votre code de connexion Espace Santé",
            body=(
                f"Votre code de connexion : {code}\nIl est valable "
                f"{self._settings.login_code_minutes} minutes. Ne le communiquez à personne."
            ),
            now=now,
        )
        return Challenge(token, channel)

    def _check_code(
        self, session: Session, challenge: LoginChallenge | None, token: str, code: str
    ) -> Account:
        now = self._clock.now()
        if challenge is None or challenge.consumed or challenge.expires_at <= now:
            session.commit()  # keep the source's attempt counted
            raise BAD_CODE
        challenge.attempts += 1
        account = session.get(Account, challenge.account_id)
        expected = code_hash(self._settings.secret_key, token, code)
        locked = account is not None and account.locked_until is not None and (
            account.locked_until > now
        )
        if account is None or locked or not self._code_matches(account, challenge, expected, code):
            if challenge.attempts >= CODE_MAX_ATTEMPTS:
                challenge.consumed = True  # the code dies: brute force cannot go on
            if account is not None and not locked:
                self._count_failure(account, now)  # new challenges do not reset the count
            session.commit()
            raise BAD_CODE
        challenge.consumed = True
        return account

    def _code_matches(
        self, account: Account, challenge: LoginChallenge, expected: str, code: str
    ) -> bool:
        if same(challenge.code_hash, expected):
            return True
        # Optional TOTP: a person who enrolled an authenticator app may use it instead.
        return account.totp_secret is not None and self._totp_ok(account, code)

    # -- staff: password + TOTP -----------------------------------------------------------

    def staff_login(self, email: str, password: str, totp_code: str, source: str) -> str:
        with self._factory() as session:
            self._throttle(session, source)
            account = _find_account(session, email, None)
            staff = account is not None and account.role != AccountRole.PERSON
            ok = self._check_password(session, account if staff else None, password)
            if not ok or account is None or not self._totp_ok(account, totp_code.strip()):
                session.commit()
                raise BAD_CREDENTIALS
            token = self._open_session(session, account_id=account.id)
            session.commit()
            return token

    def _totp_ok(self, account: Account, code: str) -> bool:
        if account.totp_secret is None:
            return False
        secret = Keyring.open(
            account.totp_secret, self._settings.master_key_bytes, account.id.encode()
        ).decode()
        return bool(pyotp.TOTP(secret).verify(code, for_time=self._clock.now(), valid_window=1))

    # -- professionals: signed in by Pro Santé Connect (or the development IdP) ----------

    def professional_login(self, rpps: str) -> str:
        with self._factory() as session:
            if session.get(Professional, rpps) is None:
                unknown = Actor(ActorKind.PROFESSIONAL, f"rpps:{rpps[:11]}", "RPPS inconnu")
                self._audit(session, unknown, None, "unknown RPPS")
                session.commit()
                raise Unauthenticated(
                    "Ce professionnel n'est pas dans l'annuaire (RPPS inconnu).",
                    "This professional is not in the directory (unknown RPPS).",
                )
            token = self._open_session(session, rpps=rpps)
            session.commit()
            return token

    def _audit_failure(
        self, session: Session, account: Account | None, why: str, source: str
    ) -> None:
        """A failed sign-in on a person's account goes to his own space's trail, where he
        sees it; attempts on unknown accounts are not recorded (nothing to protect, and
        they must not fill the shared chain)."""
        if account is None or account.patient_id is None:
            return
        actor = Actor(ActorKind.ANONYMOUS, f"ip:{source}"[:128], "tentative de connexion")
        self._audit(session, actor, account.patient_id, why)

    def _audit(self, session: Session, actor: Actor, patient_id: str | None, why: str) -> None:
        entry = audit.Entry(
            action="login", resource_kind="session", patient_id=patient_id, resource_id=None,
            outcome=audit.Outcome.DENIED, detail=why,
        )
        audit.append(session, actor, entry, at=self._clock.now(), request_id=request_id.get())

    # -- sessions ---------------------------------------------------------------------------

    def _open_session(
        self, session: Session, *, account_id: str | None = None, rpps: str | None = None
    ) -> str:
        """A fresh token at every sign-in: a session id seen before login is never reused."""
        now, token = self._clock.now(), new_token()
        session.add(
            WebSession(
                token_hash=token_hash(token),
                account_id=account_id,
                rpps=rpps,
                created_at=now,
                last_seen_at=now,
            )
        )
        actor = self._actor_for(session, account_id, rpps)
        audit.append(
            session,
            actor,
            audit.Entry(
                action="login",
                resource_kind="session",
                patient_id=actor.own_patient_id,
                resource_id=None,
                outcome=audit.Outcome.SUCCESS,
                legal_basis=LegalBasis.OWN_SPACE if actor.own_patient_id else None,
            ),
            at=now,
            request_id=request_id.get(),
        )
        if account_id:
            account = session.get(Account, account_id)
            assert account is not None
            account.last_login_at, account.failed_logins = now, 0
        return token

    def resolve(self, token: str) -> Actor | None:
        """The actor of a session cookie, or None if unknown, ended, idle or too old."""
        with self._factory() as session:
            ws = session.get(WebSession, token_hash(token))
            if ws is None or ws.ended_at is not None or self._expired(ws):
                return None
            actor = self._actor_for(session, ws.account_id, ws.rpps)
            now = self._clock.now()
            # Why not every request: a write (and an fsync) per page view costs more than
            # the idle timeout needs; a minute of precision is plenty for 30 minutes.
            if now - ws.last_seen_at >= SEEN_GRANULARITY:
                ws.last_seen_at = now
                session.commit()
            return actor

    def _expired(self, ws: WebSession) -> bool:
        now, s = self._clock.now(), self._settings
        idle = now - ws.last_seen_at > timedelta(minutes=s.session_idle_minutes)
        too_old = now - ws.created_at > timedelta(hours=s.session_absolute_hours)
        return idle or too_old

    def _actor_for(self, session: Session, account_id: str | None, rpps: str | None) -> Actor:
        if rpps is not None:
            professional = session.get(Professional, rpps)
            assert professional is not None
            return grants.professional_actor(session, professional)
        account = session.get(Account, account_id)
        assert account is not None
        return grants.person_actor(session, account, now=self._clock.now())

    def logout(self, token: str) -> None:
        with self._factory() as session:
            ws = session.get(WebSession, token_hash(token))
            if ws is not None and ws.ended_at is None:
                ws.ended_at = self._clock.now()
            session.commit()

    # -- throttles ----------------------------------------------------------------------------

    def _check_password(self, session: Session, account: Account | None, password: str) -> bool:
        now = self._clock.now()
        locked = (
            account is not None
            and account.locked_until is not None
            and (account.locked_until > now)
        )
        ok = verify_password(account.password_hash if account else None, password)
        if account is None:
            return False
        if ok and not locked:
            return True
        if not locked:
            self._count_failure(account, now)
        return False

    def _count_failure(self, account: Account, now: datetime) -> None:
        """Wrong passwords and wrong codes share one per-account counter and lockout."""
        account.failed_logins += 1
        if account.failed_logins >= self._settings.password_max_failures:
            account.locked_until = now + timedelta(minutes=self._settings.lockout_minutes)
            account.failed_logins = 0

    def _throttle(self, session: Session, source: str) -> None:
        count_attempt(session, f"src:{source}", now=self._clock.now(),
                      limit=self._settings.source_max_attempts_per_minute)


def _code_destination(account: Account) -> tuple[str, str]:
    """Where the one-time code goes: the mobile if the person chose SMS (or has no
    address), else the e-mail address."""
    if account.phone and (account.otp_channel == "sms" or account.email is None):
        return "sms", account.phone
    assert account.email is not None, "an account has an e-mail address or a mobile number"
    return "email", account.email


def _find_account(session: Session, identifier: str, role: AccountRole | None) -> Account | None:
    """By e-mail address, or by mobile number for a person who activated by SMS."""
    if "@" in identifier:
        where = func.lower(Account.email) == identifier.strip().lower()
    elif (phone := to_e164(identifier)) is not None:
        where = Account.phone == phone
    else:
        return None
    account = session.scalar(select(Account).where(where))
    if account is not None and role is not None and account.role != role:
        return None
    return account
