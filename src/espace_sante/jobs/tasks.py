"""Background tasks. Each is small, idempotent and safe to run in several workers."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import delete, or_
from sqlalchemy.orm import Session

from espace_sante.accounts import closure, family
from espace_sante.accounts.default_opening import open_expired_windows
from espace_sante.accounts.letters import batch_letters
from espace_sante.accounts.models import AttemptWindow, LoginChallenge
from espace_sante.core import blobs, notify
from espace_sante.gateway.ports import Services
from espace_sante.oauth.server import purge_used_assertions

log = logging.getLogger("espace_sante.jobs")


def deliver_outbox(services: Services) -> int:
    s = services.settings
    sent = notify.dispatch_pending(
        services.factory,
        notify.make_mailer(s),
        notify.make_sms_gateway(s),
        now=services.clock.now(),
    )
    if sent:
        log.info("outbox: %d message(s) delivered", sent)
    return sent


def purge_expired_logins(services: Services) -> None:
    now = services.clock.now()
    with services.factory() as session:
        session.execute(
            delete(LoginChallenge).where(
                or_(LoginChallenge.expires_at < now - timedelta(hours=1), LoginChallenge.consumed)
            )
        )
        session.execute(
            delete(AttemptWindow).where(AttemptWindow.window_start < now - timedelta(hours=1))
        )
        purge_used_assertions(session, now=now)
        session.commit()


# Bricks that store blobs register how to tell whether a key has its row.
BLOB_OWNERS: list[Callable[[Session, str], bool]] = []


def sweep_blobs(services: Services) -> int:
    """Remove blobs written more than a day ago whose row never committed. With no owner
    registered nothing is swept: an unclaimed key is never presumed orphan."""
    if not BLOB_OWNERS:
        return 0
    cutoff = services.clock.now() - timedelta(days=1)
    with services.factory() as session:

        def known(key: str) -> bool:
            return any(owner(session, key) for owner in BLOB_OWNERS)

        return blobs.sweep_orphans(services.blobs.store, known, older_than=cutoff)


def open_default_spaces(services: Services) -> int:
    """Spaces whose opt-out window ended without opposition open by default."""
    return open_expired_windows(services.factory, services.clock)


def purge_closed_spaces(services: Services) -> int:
    """Closed spaces past their archive period (or deletion request) are purged."""
    return closure.purge_due_spaces(
        services.factory, services.blobs.keyring, services.blobs.store, services.clock
    )


def hand_over_majorities(services: Services) -> int:
    """At 18 the space passes to its holder: parents and guardians lose access."""
    return family.hand_over_at_majority(services.factory, services.clock)


def print_letters(services: Services) -> int:
    """Pending activation letters are batched into PDF files for the print shop."""
    return len(batch_letters(services.factory, services.settings, services.clock))
