"""The e-mails of invitations: the link sent to the invitee, the news sent to the holder
when it is accepted (French, then English)."""

from __future__ import annotations

from datetime import datetime

from espace_sante.accounts import space_notices as notices
from espace_sante.accounts.models import Account, InvitationKind, Patient
from espace_sante.core.actors import Actor

_ROLES = {
    InvitationKind.CAREGIVER: ("aidant", "caregiver"),
    InvitationKind.SECOND_PARENT: ("second parent (représentant légal)",
                                   "second parent (legal representative)"),
    InvitationKind.TUTOR: ("tuteur (représentant légal)", "tutor (legal representative)"),
}


def invited(kind: InvitationKind, inviter: Actor, patient: Patient, link: str,
            expires_at: datetime) -> notices.Notice:
    fr_role, en_role = _ROLES[kind]
    fr_day, en_day = notices.day(expires_at), notices.day(expires_at, "en")
    return notices.Notice(
        "Invitation à rejoindre un espace santé",
        f"{inviter.display_name} vous invite à devenir {fr_role} de l'espace santé de "
        f"{patient.display_name}.\nPour accepter, connectez-vous à votre propre espace santé "
        f"puis ouvrez ce lien avant le {fr_day} :\n{link}\n"
        "Si vous ne connaissez pas cette personne, ignorez ce message.",
        f"{inviter.display_name} invites you to become {en_role} of the health space of "
        f"{patient.display_name}.\nTo accept, sign in to your own health space, then open "
        f"this link before {en_day}:\n{link}\n"
        "If you do not know this person, ignore this message.",
    )


def accepted(account: Account, kind: str) -> notices.Notice:
    fr_role, en_role = _ROLES[InvitationKind(kind)]
    return notices.Notice(
        "Une invitation a été acceptée",
        f"{account.display_name} a accepté de devenir {fr_role} de l'espace santé. La page "
        "Paramètres de l'espace montre qui agit pour lui ; un aidant peut y être retiré à "
        "tout moment.",
        f"{account.display_name} accepted to become {en_role} of the health space. The "
        "space's settings page shows who acts for it; a caregiver can be removed there at "
        "any time.",
    )
