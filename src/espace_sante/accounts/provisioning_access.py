"""Who may provision spaces and follow imports: the Assurance Maladie only.

Provisioning touches no health data, so it has no rule in the policy registry (which is
about patient spaces, and never names staff). It is decided here, in one place: an
operator acts under his mandate; the insurer's system client under ``system_feed``, and
only with the ``system/Provisioning.c`` scope on its token (``.r`` to follow a run).
Refusals are audited on the shared chain, like every refusal.
"""

from __future__ import annotations

import getpass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from espace_sante.accounts.grants import person_actor
from espace_sante.accounts.models import Account, AccountRole
from espace_sante.core import audit
from espace_sante.core.actors import Actor, ActorKind, LegalBasis
from espace_sante.core.clock import Clock
from espace_sante.core.context import request_id
from espace_sante.core.errors import Forbidden, InvalidInput, NotFound

RESOURCE = "provisioning_run"
SCOPE_TYPE = "Provisioning"

NOT_INSURER = Forbidden(
    "Le provisionnement des espaces est réservé à l'Assurance Maladie (ses opérateurs et son "
    "client système).",
    "Provisioning spaces is reserved to the Assurance Maladie (its operators and its system "
    "client).",
)
NO_SCOPE = Forbidden(
    "Ce jeton n'a pas la portée system/Provisioning.c.",
    "This token lacks the system/Provisioning.c scope.",
)


def has_scope(actor: Actor, permission: str) -> bool:
    """SMART v2 style: ``system/Provisioning.cr`` grants ``c`` and ``r``. Why no wildcard
    (``system/*.c``): a token meant for feeding records must not create spaces by the
    million without naming this operation."""
    for scope in actor.scopes:
        context, _, rest = scope.partition("/")
        kind, _, permissions = rest.partition(".")
        if context == "system" and kind == SCOPE_TYPE and permission in permissions:
            return True
    return False


def authorize_provisioning(factory: sessionmaker[Session], clock: Clock,
                           actor: Actor) -> LegalBasis:
    """The legal basis under which ``actor`` provisions, or ``Forbidden`` (audited)."""
    if actor.kind is ActorKind.OPERATOR:
        return LegalBasis.OPERATOR_MANDATE
    if actor.kind is ActorKind.INSURER and has_scope(actor, "c"):
        return LegalBasis.SYSTEM_FEED
    error = NO_SCOPE if actor.kind is ActorKind.INSURER else NOT_INSURER
    _audit_refusal(factory, actor, clock.now(), "create", error.message_en)
    raise error


def authorize_reading(factory: sessionmaker[Session], clock: Clock, actor: Actor) -> None:
    """Following runs: operators, and the insurer with a provisioning scope. Anyone else
    is told the run does not exist."""
    if actor.kind is ActorKind.OPERATOR:
        return
    if actor.kind is ActorKind.INSURER and (has_scope(actor, "r") or has_scope(actor, "c")):
        return
    _audit_refusal(factory, actor, clock.now(), "read", "not allowed to read provisioning runs")
    raise NotFound.default()


def _audit_refusal(factory: sessionmaker[Session], actor: Actor, now: datetime, action: str,
                   why: str) -> None:
    entry = audit.Entry(action=action, resource_kind=RESOURCE, patient_id=None,
                        resource_id=None, outcome=audit.Outcome.DENIED, detail=why)
    with factory() as session:
        audit.append(session, actor, entry, at=now, request_id=request_id.get())
        session.commit()


def operator_actor(factory: sessionmaker[Session], clock: Clock, email: str | None) -> Actor:
    """The operator on whose behalf a command-line import runs: his staff account, or, when
    none is named, the system user running the command (recorded as such in the trail)."""
    if email is None:
        user = getpass.getuser()
        return Actor(kind=ActorKind.OPERATOR, subject_id=f"cli:{user}"[:128],
                     display_name=f"opérateur {user} (ligne de commande)"[:128])
    with factory() as session:
        account = session.scalar(select(Account).where(
            func.lower(Account.email) == email.strip().lower(),
            Account.role == AccountRole.OPERATOR))
        if account is None:
            raise InvalidInput(f"Aucun compte opérateur pour {email}.",
                               f"No operator account for {email}.")
        return person_actor(session, account, now=clock.now())
