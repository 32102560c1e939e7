"""What the dossier tells the bricks above it once a deposit is committed: the profile
turns the coded results of a structured CDA into measures. The dossier cannot import
them (layers), so they register here at start-up (bootstrap.register_bricks)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from espace_sante.core.actors import Actor
from espace_sante.core.services import Services
from espace_sante.dossier.cda_results import LabResult
from espace_sante.dossier.views import DocumentView

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Deposited:
    actor: Actor  # who deposited it
    document: DocumentView
    results: tuple[LabResult, ...]  # the coded results of a structured CDA, else empty


DepositListener = Callable[[Services, Deposited], None]
DEPOSIT_LISTENERS: list[DepositListener] = []


def announce(svc: Services, deposited: list[Deposited]) -> None:
    """After the commit: the documents are stored whatever a listener does, so a failing
    listener is logged, never raised to the depositor."""
    for event in deposited:
        for listener in DEPOSIT_LISTENERS:
            try:
                listener(svc, event)
            except Exception:
                log.exception("deposit listener %s failed for document %s",
                              getattr(listener, "__qualname__", listener), event.document.id)
