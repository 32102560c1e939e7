"""Proches aidants: up to 3 per space, each with an end date, invited by the holder or a
legal representative, removable by them at any time; a caregiver may also withdraw.

What a caregiver may do in the space is the policy's business (no rule lets him manage
who acts for the space, close it or delete it); this module only links and unlinks him.
"""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel

from espace_sante.accounts import space_notices as notices
from espace_sante.accounts.dates import add_years, end_of_day, paris_today
from espace_sante.accounts.delegations import DelegationRepository, InvitationView
from espace_sante.accounts.invitations import MAX_CAREGIVERS, check_email, issue
from espace_sante.accounts.models import Account, DelegationKind, InvitationKind, Patient
from espace_sante.core.actors import Actor
from espace_sante.core.errors import Conflict, Forbidden, InvalidInput
from espace_sante.core.policy import Action
from espace_sante.core.uow import UowFactory

# A caregiver's help is reviewed at least every 3 years: a longer delegation is refused,
# a new invitation renews it.
MAX_YEARS = 3


def invite_caregiver(
    uow_factory: UowFactory, actor: Actor, patient_id: str, *, email: str, until: date,
    base_url: str,
) -> InvitationView:
    address = check_email(email)
    with uow_factory(actor) as uow:
        repo = DelegationRepository(uow)
        patient = repo.for_invitation(patient_id)
        now = uow.clock.now()
        check_end_date(until, paris_today(now))
        if repo.count_caregivers(patient_id) >= MAX_CAREGIVERS:
            raise NO_PLACE_LEFT
        view = issue(uow.session, patient=patient, kind=InvitationKind.CAREGIVER,
                     inviter=actor, email=address, until=end_of_day(until),
                     base_url=base_url, now=now)
        repo.record("invite", patient_id, None, InvitationKind.CAREGIVER, "invitation")
        uow.commit()
        return view


def check_end_date(until: date, today: date) -> None:
    if until <= today:
        raise InvalidInput(
            "La date de fin doit être dans le futur.",
            "The end date must be in the future.", {"field": "until"})
    if until > add_years(today, MAX_YEARS):
        raise InvalidInput(
            f"La date de fin ne peut pas dépasser {MAX_YEARS} ans.",
            f"The end date cannot be more than {MAX_YEARS} years away.", {"field": "until"})


def revoke_caregiver(
    uow_factory: UowFactory, actor: Actor, patient_id: str, delegation_id: str
) -> None:
    with uow_factory(actor) as uow:
        repo = DelegationRepository(uow)
        delegation = repo.delegation(patient_id, delegation_id, Action.DELETE)
        if delegation.kind != DelegationKind.CAREGIVER:
            raise NOT_A_CAREGIVER
        now = uow.clock.now()
        delegation.revoked_at = now
        repo.record("revoke", patient_id, delegation.id, DelegationKind.CAREGIVER)
        caregiver = uow.session.get(Account, delegation.account_id)
        if caregiver is not None and caregiver.email:
            notices.send(uow.session, [caregiver.email], _revoked_notice(actor),
                         patient_id=patient_id, now=now)
        uow.commit()


class Help(BaseModel):
    """What a caregiver sees of his own help: whose space, until when."""

    patient_id: str
    space_name: str
    until: datetime | None


def my_help(uow_factory: UowFactory, actor: Actor, patient_id: str) -> Help:
    with uow_factory(actor) as uow:
        delegation = DelegationRepository(uow).own_delegation(patient_id, Action.READ)
        patient = uow.session.get(Patient, patient_id)
        assert patient is not None  # a delegation in force keeps its space
        help_ = Help(patient_id=patient_id, space_name=patient.display_name,
                     until=delegation.valid_until)
        uow.commit()
        return help_


def withdraw_as_caregiver(uow_factory: UowFactory, actor: Actor, patient_id: str) -> None:
    """The caregiver ends his own help; the holder and representatives are told."""
    with uow_factory(actor) as uow:
        repo = DelegationRepository(uow)
        delegation = repo.own_delegation(patient_id)
        now = uow.clock.now()
        delegation.revoked_at = now
        repo.record("withdraw", patient_id, delegation.id, DelegationKind.CAREGIVER)
        notices.send(uow.session, notices.holder_emails(uow.session, patient_id, now),
                     _withdrawn_notice(actor), patient_id=patient_id, now=now)
        uow.commit()


NO_PLACE_LEFT = Conflict(
    f"Cet espace a déjà {MAX_CAREGIVERS} aidants ou invitations en attente, le maximum. "
    "Retirez un aidant ou annulez une invitation pour en inviter un autre.",
    f"This space already has {MAX_CAREGIVERS} caregivers or pending invitations, the "
    "maximum. Remove a caregiver or cancel an invitation to invite another one.",
)
NOT_A_CAREGIVER = Forbidden(
    "Un représentant légal ne peut pas être retiré ici : cela relève d'une décision de "
    "justice, transmise à l'Assurance Maladie.",
    "A legal representative cannot be removed here: that takes a court decision, sent to "
    "the Assurance Maladie.",
)


def _revoked_notice(actor: Actor) -> notices.Notice:
    return notices.Notice(
        "Votre accès d'aidant a pris fin",
        f"{actor.display_name} a mis fin à votre accès d'aidant à son espace santé.",
        f"{actor.display_name} has ended your caregiver access to their health space.",
    )


def _withdrawn_notice(actor: Actor) -> notices.Notice:
    return notices.Notice(
        "Un aidant a cessé d'agir pour l'espace santé",
        f"{actor.display_name} n'est plus aidant de l'espace santé : il a lui-même mis fin "
        "à son accès.",
        f"{actor.display_name} is no longer a caregiver of the health space: they ended "
        "their access themselves.",
    )
