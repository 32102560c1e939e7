"""Proving one is the person of a space created from the insurer's register: the NIR, a
live activation code and a second identifying item (the carte Vitale serial or, when the
register gave none, as for children, the birth date). Activation and opposition share it.

A wrong NIR, code or second item all get one generic answer, so the page cannot be used
to learn who has a space. Every failed attempt counts, against the source address (per
minute, shared with sign-in's mechanism) and against the space's live code, which dies
after ``MAX_CODE_ATTEMPTS``: a new code, sent to the contact on file, must be requested.
"""

from __future__ import annotations

import hmac
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, NoReturn, cast

from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session

from espace_sante.accounts.activation_codes import MAX_CODE_ATTEMPTS, matches, vitale_hash
from espace_sante.accounts.ins import Nir
from espace_sante.accounts.models import ActivationCode, Patient
from espace_sante.accounts.throttle import count_attempt
from espace_sante.core import audit
from espace_sante.core.actors import Actor, ActorKind
from espace_sante.core.context import request_id
from espace_sante.core.errors import InvalidInput
from espace_sante.settings import Settings

NOT_RECOGNISED = InvalidInput(
    "Ces informations ne correspondent à aucun espace en attente d'activation. Vérifiez le "
    "numéro de sécurité sociale, le code d'activation et le second élément d'identification. "
    "Après 5 erreurs, le code est désactivé : il faut alors en demander un nouveau.",
    "This information matches no space awaiting activation. Check the social security "
    "number, the activation code and the second identifying item. After 5 errors the code "
    "is disabled and a new one must be requested.",
)
_DATE_FORMATS = (
    re.compile(r"^(?P<d>\d{1,2})[/.\- ](?P<m>\d{1,2})[/.\- ](?P<y>\d{4})$"),
    re.compile(r"^(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})$"),
    re.compile(r"^(?P<d>\d{2})(?P<m>\d{2})(?P<y>\d{4})$"),
)


@dataclass(frozen=True)
class Attempt:
    """Who tries, from where, for what: enough to count and audit a failure."""

    source: str
    action: str  # the audit action: "activate", "oppose", "new_code"
    actor_name: str  # how the attempt shows in the person's access history


def source_actor(attempt: Attempt) -> Actor:
    # Not signed in: the source address is the only identity an attempt has (as in auth).
    return Actor(ActorKind.ANONYMOUS, f"ip:{attempt.source}"[:128], attempt.actor_name)


def throttle(session: Session, settings: Settings, attempt: Attempt, now: datetime) -> None:
    # Its own key: guessing codes must not eat the budget of the sign-in page, nor the
    # reverse, but both share the per-minute limit of the settings.
    count_attempt(session, f"newcomer:{attempt.source}", now=now,
                  limit=settings.source_max_attempts_per_minute)


def find_space(session: Session, nir: Nir) -> Patient | None:
    """The space of this NIR, locked for the rest of the transaction (PostgreSQL), so two
    concurrent attempts on one space are counted one after the other."""
    return session.scalar(select(Patient).where(Patient.nir == nir.full).with_for_update())


def live_codes(session: Session, patient_id: str, now: datetime) -> list[ActivationCode]:
    return list(session.scalars(select(ActivationCode).where(
        ActivationCode.patient_id == patient_id,
        ActivationCode.used_at.is_(None),
        ActivationCode.revoked_at.is_(None),
        ActivationCode.expires_at > now,
        ActivationCode.attempts < MAX_CODE_ATTEMPTS,
    )))


def identify(session: Session, settings: Settings, attempt: Attempt, *, nir: Nir, code: str,
             second_item: str, now: datetime) -> tuple[Patient, ActivationCode]:
    """The space and the code that the three items designate; on any mismatch, count the
    failure, commit the counts and the audit event, and raise ``NOT_RECOGNISED``."""
    throttle(session, settings, attempt, now)
    patient = find_space(session, nir)
    if patient is None:
        fail(session, attempt, None, "unknown NIR", [], now)
    codes = live_codes(session, patient.id, now)
    matched = next((row for row in codes if matches(settings.secret_key, row, code)), None)
    if matched is None:
        fail(session, attempt, patient.id, "wrong, expired, used or revoked code", codes, now)
    if not second_item_matches(settings, patient, second_item):
        fail(session, attempt, patient.id, "wrong second identifying item", [matched], now)
    return patient, matched


def second_item_matches(settings: Settings, patient: Patient, typed: str) -> bool:
    if patient.vitale_serial_hash:
        typed_hash = vitale_hash(settings.secret_key, typed)
        return hmac.compare_digest(patient.vitale_serial_hash, typed_hash)
    # Why the birth date: children have no carte Vitale of their own; the letter goes to
    # the parent, and the code stays the secret that matters.
    return parse_birth_date(typed) == patient.birth_date


def parse_birth_date(typed: str) -> date | None:
    """``14/05/2019``, ``14-05-2019``, ``14.05.2019``, ``14052019`` or ``2019-05-14``."""
    text = typed.strip()
    for pattern in _DATE_FORMATS:
        found = pattern.match(text)
        if found:
            try:
                return date(int(found["y"]), int(found["m"]), int(found["d"]))
            except ValueError:
                return None
    return None


def fail(session: Session, attempt: Attempt, patient_id: str | None, why: str,
         codes: list[ActivationCode], now: datetime) -> NoReturn:
    """Count the failure on the codes tried, audit it on the space's chain (an unknown NIR
    writes nothing: there is no one to protect, and the shared chain must not fill up),
    commit, and raise the generic answer."""
    detail = why
    if codes and burn(session, [row.id for row in codes], now):
        detail += f"; code disabled after {MAX_CODE_ATTEMPTS} failures"
    if patient_id is not None:
        record(session, source_actor(attempt), attempt.action, patient_id,
               audit.Outcome.DENIED, detail=detail, at=now)
    session.commit()
    raise NOT_RECOGNISED


def burn(session: Session, code_ids: list[str], now: datetime) -> bool:
    """One more failed attempt on these codes (in SQL, so concurrent failures add up);
    returns whether one of them has now died."""
    session.execute(update(ActivationCode).where(ActivationCode.id.in_(code_ids))
                    .values(attempts=ActivationCode.attempts + 1))
    died = cast(CursorResult[Any], session.execute(
        update(ActivationCode)
        .where(ActivationCode.id.in_(code_ids), ActivationCode.revoked_at.is_(None),
               ActivationCode.attempts >= MAX_CODE_ATTEMPTS)
        .values(revoked_at=now)
    ))
    return died.rowcount > 0


def record(session: Session, actor: Actor, action: str, patient_id: str,
           outcome: audit.Outcome, *, at: datetime, detail: str | None = None,
           resource_kind: str = "space", resource_id: str | None = None) -> None:
    entry = audit.Entry(
        action=action, resource_kind=resource_kind, patient_id=patient_id,
        resource_id=resource_id, outcome=outcome,
        legal_basis=actor.basis_for(patient_id), detail=detail,
    )
    audit.append(session, actor, entry, at=at, request_id=request_id.get())
