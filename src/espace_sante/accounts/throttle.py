"""Attempts per source address and minute, counted in the database so that every process
of the service shares one budget (sign-in, activation, opposition)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from espace_sante.accounts.models import AttemptWindow
from espace_sante.core.errors import TooManyAttempts

TOO_FAST = TooManyAttempts(
    "Trop de tentatives depuis votre connexion. Réessayez dans une minute.",
    "Too many attempts from your connection. Try again in a minute.",
)


def count_attempt(session: Session, key: str, *, now: datetime, limit: int) -> None:
    """Count one attempt for ``key`` in the current minute; past ``limit``, commit the count
    (so the refusal itself is counted) and raise ``TOO_FAST``."""
    window = now.replace(second=0, microsecond=0)
    key = key[:128]
    row = session.get(AttemptWindow, key)
    if row is None:
        row = AttemptWindow(key=key, window_start=window, count=0)
        session.add(row)
    elif row.window_start != window:
        row.window_start, row.count = window, 0
    row.count += 1
    session.flush()
    if row.count > limit:
        session.commit()
        raise TOO_FAST
