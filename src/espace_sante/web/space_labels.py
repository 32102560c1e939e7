"""Plain-language labels and dates of the space settings pages (French message ids,
translated in ``i18n/en/space.po``)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Final

from babel.dates import format_date
from fastapi import Request

from espace_sante.accounts.dates import PARIS, last_day
from espace_sante.web import i18n
from espace_sante.web.labels import translate

# What each person is to the space: a representative's role, else his kind.
ROLES: Final[dict[str, str]] = {
    "parent": "parent",
    "guardian": "tuteur d'un mineur",
    "tutor": "tuteur d'un majeur protégé",
    "legal_representative": "représentant légal",
    "caregiver": "aidant",
}
INVITATION_ROLES: Final[dict[str, str]] = {
    "caregiver": "aidant",
    "second_parent": "second parent",
    "tutor": "tuteur",
}
# Confirmations after a change (the ``fait`` query parameter after a redirect).
DONE: Final[dict[str, str]] = {
    "invitation": "Invitation envoyée. La personne a 14 jours pour l'accepter, connectée à "
                  "son propre espace santé.",
    "retrait": "L'accès de cet aidant a pris fin.",
    "annulation": "L'invitation est annulée : son lien ne fonctionne plus.",
    "fermeture": "L'espace est fermé. Plus personne n'y a accès ; vous pouvez le rouvrir "
                 "pendant la période d'archivage.",
    "suppression": "Votre demande de suppression est enregistrée.",
    "reouverture": "L'espace est rouvert : ses données sont de nouveau accessibles.",
}


def lang_of(request: Request) -> str:
    return i18n.choose_language(request)


def roles(lang: str) -> dict[str, str]:
    return {key: translate(lang, french) for key, french in ROLES.items()}


def invitation_roles(lang: str) -> dict[str, str]:
    return {key: translate(lang, french) for key, french in INVITATION_ROLES.items()}


def invitation_role(kind: str, lang: str) -> str:
    french = INVITATION_ROLES.get(kind)
    return translate(lang, french) if french else kind


def done(key: str | None, lang: str) -> str | None:
    french = DONE.get(key or "")
    return translate(lang, french) if french else None


class Dates:
    """Dates as people read them, in Paris time: "3 mars 2036" / "3 March 2036"."""

    def __init__(self, lang: str) -> None:
        self.lang = lang

    def day(self, moment: datetime | date | None) -> str:
        if moment is None:
            return "—"
        if isinstance(moment, datetime):
            moment = moment.astimezone(PARIS).date()
        return str(format_date(moment, "d MMMM y", locale=self.lang))

    def until(self, moment: datetime | None) -> str:
        """The last day included of a delegation ending at ``moment``."""
        return self.day(last_day(moment)) if moment else "—"
