"""Staff accounts (operator, commission): password + TOTP, created from the command line."""

from __future__ import annotations

from datetime import datetime

import pyotp
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from espace_sante.accounts.models import Account, AccountRole
from espace_sante.accounts.secrets import MIN_PASSWORD_LENGTH, hash_password
from espace_sante.core.crypto import Keyring
from espace_sante.core.errors import Conflict, InvalidInput
from espace_sante.settings import Settings


def create_staff_account(
    factory: sessionmaker[Session],
    settings: Settings,
    *,
    email: str,
    role: str,
    name: str,
    password: str,
    now: datetime,
) -> str:
    """Create the account and return its new TOTP secret (shown once, never again)."""
    if role not in (AccountRole.OPERATOR, AccountRole.COMMISSION):
        raise InvalidInput(
            "Rôle inconnu (operator ou commission).", "Unknown role (operator or commission)."
        )
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            f"Mot de passe trop court ({MIN_PASSWORD_LENGTH} caractères minimum).",
            f"Password too short (at least {MIN_PASSWORD_LENGTH} characters).",
        )
    secret = pyotp.random_base32()
    with factory() as session:
        if session.scalar(select(Account).where(func.lower(Account.email) == email.lower())):
            raise Conflict(
                "Un compte existe déjà avec cette adresse.",
                "An account already exists with this address.",
            )
        account = Account(
            email=email.lower(),
            role=role,
            display_name=name,
            password_hash=hash_password(password),
            created_at=now,
        )
        session.add(account)
        session.flush()
        account.totp_secret = Keyring.seal(
            secret.encode(), settings.master_key_bytes, account.id.encode()
        )
        session.commit()
    return secret
