"""Families: a child's space and its legal representatives (both parents, or a guardian),
a protected adult's tutor, and the hand-over of the space to its holder at 18.

The parent who declared the child holds a delegation (legal representative, ``parent``)
and may invite the second parent. A guardian or tutor is named by a court: the
Assurance Maladie's operator, on that decision, sends the invitation. At 18 the parents'
and guardian's representation ends by itself; a protected adult's tutor stays.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import BaseModel
from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session, sessionmaker

from espace_sante.accounts import space_notices as notices
from espace_sante.accounts.dates import add_years, is_minor, paris_today
from espace_sante.accounts.delegations import (
    MINORS_REPRESENTATIVES,
    DelegationRepository,
    InvitationView,
    is_parent,
    live,
    pending,
)
from espace_sante.accounts.ins import parse_nir
from espace_sante.accounts.invitations import MAX_PARENTS, check_email, issue
from espace_sante.accounts.models import (
    Account,
    Delegation,
    DelegationKind,
    Invitation,
    InvitationKind,
    Patient,
    SpaceState,
)
from espace_sante.accounts.repository import space_exists
from espace_sante.core import audit
from espace_sante.core.actors import Actor, ActorKind, LegalBasis, system_actor
from espace_sante.core.clock import Clock
from espace_sante.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from espace_sante.core.policy import Action, Resource
from espace_sante.core.uow import UnitOfWork, UowFactory

MAJORITY = 18


def invite_second_parent(
    uow_factory: UowFactory, actor: Actor, patient_id: str, *, email: str, base_url: str
) -> InvitationView:
    address = check_email(email)
    with uow_factory(actor) as uow:
        repo = DelegationRepository(uow)
        patient = repo.for_invitation(patient_id)
        now = uow.clock.now()
        if not is_minor(patient.birth_date, paris_today(now)):
            raise NOT_A_CHILD
        own = repo.actor_delegation(patient_id)
        if own is None or not is_parent(own):
            raise PARENTS_ONLY
        if repo.count_parents(patient_id) >= MAX_PARENTS:
            raise TWO_PARENTS_ALREADY
        view = issue(uow.session, patient=patient, kind=InvitationKind.SECOND_PARENT,
                     inviter=actor, email=address, until=None, base_url=base_url, now=now)
        repo.record("invite", patient_id, None, InvitationKind.SECOND_PARENT, "invitation")
        uow.commit()
        return view


def invite_tutor(
    uow_factory: UowFactory, actor: Actor, *, nir: str, email: str, base_url: str
) -> InvitationView:
    """An operator, on a court decision, invites a protected adult's tutor or a minor's
    guardian. Why not a policy rule: staff appear in no rule, as they never read health
    data (docs/access-model.md); this use case reads no health data either, only finds
    the space by NIR, and its trail entry names the operator's mandate."""
    if actor.kind is not ActorKind.OPERATOR or actor.account_id is None:
        raise NotFound.default()
    full_nir, address = parse_nir(nir).full, check_email(email)
    with uow_factory(actor) as uow:
        patient = uow.session.scalar(select(Patient).where(Patient.nir == full_nir))
        if patient is None or patient.state != SpaceState.ACTIVE:
            raise NO_OPEN_SPACE
        now = uow.clock.now()
        view = issue(uow.session, patient=patient,
                     kind=InvitationKind.TUTOR, inviter=actor, email=address, until=None,
                     base_url=base_url, now=now)
        uow.record(audit.Entry(
            action="invite", resource_kind="invitation", patient_id=patient.id,
            resource_id=None, outcome=audit.Outcome.SUCCESS,
            legal_basis=LegalBasis.OPERATOR_MANDATE, detail=InvitationKind.TUTOR))
        uow.commit()
        return view


TUTOR_INVITATIONS_SHOWN = 100


class TutorInvitationRow(BaseModel):
    space_name: str  # the protected person, as the operator named him by his NIR
    invitee_email: str
    sent_at: datetime
    expires_at: datetime
    sent_by: str


class PendingTutorInvitations(BaseModel):
    total: int
    rows: list[TutorInvitationRow]  # the most recent first, at most TUTOR_INVITATIONS_SHOWN


def pending_tutor_invitations(
    uow_factory: UowFactory, actor: Actor, *, limit: int = TUTOR_INVITATIONS_SHOWN
) -> PendingTutorInvitations:
    """The tutor invitations still awaiting their tutor, for the operators who send them
    (same check as ``invite_tutor``). Names and addresses, nothing of any space's content;
    the listing itself is audited on the shared chain, as it names protected persons."""
    if actor.kind is not ActorKind.OPERATOR:
        raise NotFound.default()
    with uow_factory(actor) as uow:
        waiting = (Invitation.kind == InvitationKind.TUTOR, *pending(uow.clock.now()))
        total = uow.session.scalar(select(func.count()).select_from(Invitation)
                                   .where(*waiting)) or 0
        found = uow.session.execute(
            select(Invitation, Patient, Account.display_name)
            .join(Patient, Patient.id == Invitation.patient_id)
            .join(Account, Account.id == Invitation.invited_by)
            .where(*waiting).order_by(Invitation.created_at.desc()).limit(limit)
        ).all()
        rows = [TutorInvitationRow(space_name=patient.display_name,
                                   invitee_email=invitation.invitee_email,
                                   sent_at=invitation.created_at,
                                   expires_at=invitation.expires_at, sent_by=sender)
                for invitation, patient, sender in found]
        uow.record(audit.Entry(
            action="search", resource_kind="invitation", patient_id=None, resource_id=None,
            outcome=audit.Outcome.SUCCESS, legal_basis=LegalBasis.OPERATOR_MANDATE,
            detail=f"pending tutor invitations: {total}"))
        uow.commit()
        return PendingTutorInvitations(total=total, rows=rows)


# -- coming of age (a scheduled job) ----------------------------------------------------


def hand_over_at_majority(factory: sessionmaker[Session], clock: Clock) -> int:
    """End the parents' and guardians' representation of every space whose holder has
    turned 18; returns how many spaces were handed over. One transaction per space."""
    today = paris_today(clock.now())
    # A day of margin for those born on 29 February; ``is_minor`` decides exactly.
    born_before = add_years(today, -MAJORITY) + timedelta(days=1)
    with factory() as session:
        candidates = session.execute(
            select(Patient.id, Patient.birth_date)
            .join(Delegation, Delegation.patient_id == Patient.id)
            .where(Patient.birth_date <= born_before, _minors_representation())
            .where(Delegation.revoked_at.is_(None))
            .distinct()
        ).all()
    due = [pid for pid, birth in candidates if not is_minor(birth, today)]
    return sum(_hand_over(factory, clock, patient_id) for patient_id in due)


def _minors_representation() -> ColumnElement[bool]:
    return and_(
        Delegation.kind == DelegationKind.LEGAL_REPRESENTATIVE,
        or_(Delegation.role_detail.is_(None),
            Delegation.role_detail.in_(MINORS_REPRESENTATIVES)),
    )


def _hand_over(factory: sessionmaker[Session], clock: Clock, patient_id: str) -> int:
    with UnitOfWork(factory, system_actor("majority"), clock, space_exists) as uow:
        session, now = uow.session, clock.now()
        uow.authorize(Action.DELETE, Resource.DELEGATION, patient_id)
        # Locked: a second worker finds nothing left to end, and sends no second notice.
        ending = list(session.scalars(select(Delegation).where(
            Delegation.patient_id == patient_id, _minors_representation(), *live(now),
        ).with_for_update()))
        if not ending:
            return 0
        representatives = [a.email for d in ending
                           if (a := session.get(Account, d.account_id)) and a.email]
        for delegation in ending:
            delegation.revoked_at = now
        for invitation in session.scalars(select(Invitation).where(
                Invitation.patient_id == patient_id,
                Invitation.kind == InvitationKind.SECOND_PARENT, *pending(now))):
            invitation.revoked_at = now
        uow.record(audit.Entry(
            action="hand_over", resource_kind=Resource.DELEGATION, patient_id=patient_id,
            resource_id=None, outcome=audit.Outcome.SUCCESS, legal_basis=LegalBasis.SYSTEM_JOB,
            detail=f"{len(ending)} representative(s) ended at {MAJORITY}"))
        _notify_hand_over(session, patient_id, representatives, now)
        uow.commit()
        return 1


def _notify_hand_over(session: Session, patient_id: str, representatives: list[str],
                      now: datetime) -> None:
    patient = session.get(Patient, patient_id)
    assert patient is not None
    notices.send(session, representatives, _representatives_notice(patient),
                 patient_id=patient_id, now=now)
    notices.send(session, notices.holder_emails(session, patient_id, now),
                 _young_adult_notice(), patient_id=patient_id, now=now)


# -- errors and notices ---------------------------------------------------------------

NOT_A_CHILD = InvalidInput(
    "Le second parent ne peut être invité que sur l'espace santé d'un enfant mineur.",
    "The second parent can only be invited to a minor child's health space.",
)
PARENTS_ONLY = Forbidden(
    "Seul un parent de l'enfant peut inviter le second parent.",
    "Only a parent of the child can invite the second parent.",
)
TWO_PARENTS_ALREADY = Conflict(
    "Cet enfant a déjà deux parents représentants légaux (invitations en attente comprises).",
    "This child already has two parents as legal representatives (pending invitations "
    "included).",
)
NO_OPEN_SPACE = InvalidInput(
    "Aucun espace santé ouvert ne correspond à ce numéro de sécurité sociale.",
    "No open health space matches this social security number.",
    {"field": "nir"},
)


def _representatives_notice(patient: Patient) -> notices.Notice:
    name = patient.display_name
    return notices.Notice(
        "Votre accès à l'espace santé de votre enfant a pris fin",
        f"{name} a {MAJORITY} ans : son espace santé lui appartient désormais. Votre accès "
        "de représentant légal a pris fin ; il ou elle peut, s'il le souhaite, vous inviter "
        "comme aidant.",
        f"{name} is now {MAJORITY}: their health space now belongs to them. Your access as "
        "legal representative has ended; they may invite you as a caregiver if they wish.",
    )


def _young_adult_notice() -> notices.Notice:
    return notices.Notice(
        "Votre espace santé est désormais le vôtre",
        f"Vous avez {MAJORITY} ans : vos représentants légaux n'ont plus accès à votre espace "
        "santé. Vous seul décidez désormais qui peut le consulter. Activez-le ou "
        "connectez-vous pour vérifier qui y a accès, dans ses paramètres.",
        f"You are {MAJORITY}: your legal representatives no longer have access to your "
        "health space. From now on you alone decide who may see it. Activate it or sign in "
        "to check who has access, in its settings.",
    )
