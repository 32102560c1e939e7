"""Provisional activation codes (valid 6 weeks) and the second identifying item.

A code is 12 characters from an alphabet without look-alikes (no 0/O, 1/I/L), shown in
groups of four: about 58 bits, and each space allows only a few tries. Only an HMAC
(keyed with the server secret and bound to the space) is stored, so a database leak
yields no usable code.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.orm import Session

from espace_sante.accounts.models import ActivationCode

CODE_VALIDITY = timedelta(weeks=6)
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 12
MAX_CODE_ATTEMPTS = 5  # per code; a new code must then be requested


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def display(code: str) -> str:
    """``ABCDEFGHJKMN`` → ``ABCD-EFGH-JKMN``, as printed on letters and e-mails."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def normalise(typed: str) -> str:
    """What a person typed, without spaces, dashes or case."""
    return "".join(ch for ch in typed.upper() if ch.isalnum())


def code_hash(secret: str, patient_id: str, code: str) -> str:
    message = f"activation:{patient_id}:{normalise(code)}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def vitale_hash(secret: str, serial: str) -> str:
    """The carte Vitale serial number, kept only as an HMAC (it proves identity)."""
    cleaned = "".join(ch for ch in serial if ch.isalnum()).upper()
    return hmac.new(secret.encode(), f"vitale:{cleaned}".encode(), hashlib.sha256).hexdigest()


def issue_code(session: Session, patient_id: str, *, secret: str, now: datetime) -> str:
    """A new code for the space; every earlier code dies. Returns the clear code, to be
    sent once (e-mail, SMS or letter) and never stored."""
    session.execute(
        update(ActivationCode)
        .where(ActivationCode.patient_id == patient_id, ActivationCode.revoked_at.is_(None),
               ActivationCode.used_at.is_(None))
        .values(revoked_at=now)
    )
    code = new_code()
    session.add(ActivationCode(
        patient_id=patient_id, code_hash=code_hash(secret, patient_id, code),
        created_at=now, expires_at=now + CODE_VALIDITY,
    ))
    return code


def matches(secret: str, row: ActivationCode, typed: str) -> bool:
    return hmac.compare_digest(row.code_hash, code_hash(secret, row.patient_id, typed))
