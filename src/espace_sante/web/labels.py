"""Plain-language labels for what the access history and the home page show.

The trail stores machine values (``caregiver_delegation``, ``read``); a patient reads
French sentences. The French labels are gettext message ids, translated in
``i18n/en/pages.po``; values with no label (a profession from the directory, a future
action) are shown as stored rather than hidden.
"""

from __future__ import annotations

from datetime import datetime
from typing import Final
from zoneinfo import ZoneInfo

from babel.dates import format_datetime

from espace_sante.core.actors import ActorKind, LegalBasis
from espace_sante.web import i18n

# Why Paris: the service is French and its users read times in metropolitan time; the
# trail itself stays in UTC.
PARIS: Final = ZoneInfo("Europe/Paris")
_DATE_PATTERNS = {"fr": "d MMMM y 'à' HH:mm", "en": "d MMMM y, HH:mm"}

BASES: Final[dict[str, str]] = {
    LegalBasis.OWN_SPACE: "votre propre espace",
    LegalBasis.LEGAL_REPRESENTATION: "représentant légal",
    LegalBasis.CAREGIVER_DELEGATION: "aidant",
    LegalBasis.MEDECIN_TRAITANT: "médecin traitant",
    LegalBasis.ADMINISTRATOR: "professionnel administrateur",
    LegalBasis.PATIENT_CONSENT: "autorisation du patient",
    LegalBasis.EMERGENCY: "accès en urgence",
    LegalBasis.APP_CONSENT: "consentement donné à une application",
    LegalBasis.SYSTEM_FEED: "alimentation par un établissement",
    LegalBasis.OPERATOR_MANDATE: "mission de l'Assurance Maladie",
    LegalBasis.SYSTEM_JOB: "tâche automatique du service",
}

KINDS: Final[dict[str, str]] = {
    ActorKind.PATIENT: "titulaire de l'espace",
    ActorKind.LEGAL_REPRESENTATIVE: "représentant légal",
    ActorKind.CAREGIVER: "aidant",
    ActorKind.PROFESSIONAL: "professionnel de santé",
    ActorKind.INSTITUTION: "établissement de santé",
    ActorKind.INSURER: "Assurance Maladie",
    ActorKind.APP: "application",
    ActorKind.OPERATOR: "opérateur (Assurance Maladie)",
    ActorKind.COMMISSION: "commission de référencement",
    ActorKind.SYSTEM: "service Espace Santé",
    ActorKind.ANONYMOUS: "personne non connectée",
}

ACTIONS: Final[dict[str, str]] = {
    "read": "consultation",
    "search": "recherche",
    "create": "ajout",
    "update": "modification",
    "delete": "suppression",
    "export": "export",
    "login": "connexion",
    # A newcomer's space (accounts/activation.py, opposition.py, default_opening.py).
    "activate": "activation",
    "open": "ouverture par défaut",
    "new_code": "nouveau code d'activation",
    "oppose": "opposition",
    "reopen": "réouverture",
    # Closing a space, and the people acting for it (accounts/closure.py, family.py,
    # caregivers.py, invitations.py).
    "close": "fermeture",
    "request_deletion": "demande de suppression",
    "purge": "suppression définitive",
    "invite": "invitation",
    "accept": "acceptation d'une invitation",
    "cancel_invitation": "annulation d'une invitation",
    "revoke": "retrait d'un accès",
    "withdraw": "fin d'aide à la demande de l'aidant",
    "hand_over": "passage à la majorité",
}

RESOURCES: Final[dict[str, str]] = {
    "patient": "identité",
    "space_summary": "résumé de l'espace",
    "access_history": "historique des accès",
    "session": "session",
    "space": "espace",
    "activation_code": "code d'activation",
    "opposition_proof": "attestation d'opposition",
    "delegation": "représentants et aidants",
    "own_delegation": "son accès d'aidant",
    "invitation": "invitation",
    "document": "document",
    "document_content": "fichier d'un document",
    "folder": "dossier de documents",
    "profile": "profil médical",
    "measure": "mesure",
}

OUTCOMES: Final[dict[str, str]] = {
    "success": "autorisé",
    "denied": "refusé",
    "failure": "échec",
}


def translate(lang: str, french: str) -> str:
    """Translate one French message id into ``lang`` (plain text, escaped by Jinja)."""
    return i18n.translations(lang).gettext(french)


def label(table: dict[str, str], value: str | None, lang: str) -> str:
    if value is None:
        return "—"
    french = table.get(value)
    return translate(lang, french) if french else value


def role(kind: str, role_value: str, lang: str) -> str:
    """The trail's ``role`` is a profession or, for non-professionals, the actor kind:
    show the profession as written and the kind (the role acted in) as a label."""
    if role_value in KINDS:
        return label(KINDS, kind, lang)
    return role_value


def when(moment: datetime, lang: str) -> str:
    pattern = _DATE_PATTERNS.get(lang, _DATE_PATTERNS["fr"])
    return str(format_datetime(moment, pattern, tzinfo=PARIS, locale=lang))


def mask_email(email: str) -> str:
    """Enough to recognise one's own address, not enough to learn someone else's."""
    local, _, domain = email.strip().partition("@")
    if not domain:
        return "•••"
    shown = local[0] + "•••" + (local[-1] if len(local) > 2 else "")
    return f"{shown}@{domain}"
