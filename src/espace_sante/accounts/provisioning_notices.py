"""The activation notice sent to each provisioned person: e-mail, SMS or paper letter.

French first, then English. A notice says the space exists, gives the provisional code,
how to activate it, how to oppose within the window, and that it opens by default after.
For a child, the parent who declared him receives it. The code appears only here, never
in the database; letters are queued in the outbox like the rest and printed in batches
(``accounts/letters.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple
from zoneinfo import ZoneInfo

from babel.dates import format_date

from espace_sante.core.notify import Channel

ACTIVATION_PATH = "/activer"  # the pages of accounts/activation.py (web/activation.py)
OPPOSITION_PATH = "/opposition"
TITLE = "Votre espace santé est prêt"
SUBJECT = f"{TITLE} / Your health space is ready"
PARIS = ZoneInfo("Europe/Paris")


@dataclass(frozen=True)
class Notice:
    channel: Channel
    recipient: str
    subject: str
    body: str


@dataclass(frozen=True)
class Window:
    """What every notice of one batch shares: the end of the window and the addresses."""

    until_fr: str
    until_en: str
    until_short: str
    activate: str
    oppose: str

    @classmethod
    def of(cls, ends_at: datetime, base_url: str) -> Window:
        day = ends_at.astimezone(PARIS).date()
        base = base_url.rstrip("/")
        return cls(
            until_fr=format_date(day, "d MMMM y", locale="fr"),
            until_en=format_date(day, "d MMMM y", locale="en"),
            until_short=day.strftime("%d/%m/%Y"),
            activate=base + ACTIVATION_PATH,
            oppose=base + OPPOSITION_PATH,
        )


class Addressee(NamedTuple):  # a tuple: built once a line, by the million
    name: str  # who reads the notice: the person, or for a child the declaring parent
    email: str | None
    phone: str | None
    address: str | None  # lines separated by "\n"


def compose(channel: Channel, to: Addressee, code: str, window: Window,
            child: str | None = None) -> Notice:
    """``code`` as displayed (``activation_codes.display``); ``child``: the child's name."""
    if channel is Channel.SMS:
        assert to.phone is not None
        return Notice(channel, to.phone, SUBJECT, _sms(code, window, child))
    if channel is Channel.EMAIL:
        assert to.email is not None
        return Notice(channel, to.email, SUBJECT, _text(to.name, code, window, child))
    assert to.address is not None
    # The recipient of a letter is its address block, as printed in the envelope window.
    return Notice(channel, f"{to.name}\n{to.address}", TITLE, _text(to.name, code, window, child))


def _whose(child: str | None) -> tuple[str, str, str]:
    if child is None:
        return "Votre espace santé a été créé.", "Your health space has been created.", "votre"
    return (f"L'espace santé de votre enfant {child} a été créé.",
            f"The health space of your child {child} has been created.", "son")


def _text(name: str, code: str, w: Window, child: str | None) -> str:
    created_fr, created_en, its = _whose(child)
    proof = ("votre numéro de sécurité sociale et le numéro de série de votre carte Vitale"
             if child is None else "son numéro de sécurité sociale et le numéro de série de "
             "sa carte Vitale (ou sa date de naissance s'il n'en a pas)")
    return (
        f"Bonjour {name},\n\n"
        f"{created_fr} Il rassemble documents de santé, échanges avec les professionnels "
        "qui soignent et rendez-vous ; vous décidez qui peut y accéder.\n\n"
        f"Code d'activation provisoire : {code}\n"
        f"Valable jusqu'au {w.until_fr}. Ne le communiquez à personne.\n\n"
        f"Pour activer {its} espace : rendez-vous sur {w.activate} et saisissez ce code, "
        f"{proof} ; choisissez ensuite un mot de passe.\n\n"
        f"Vous n'en voulez pas ? Vous pouvez vous y opposer jusqu'au {w.until_fr} sur "
        f"{w.oppose}, par téléphone ou dans une maison France services. Sans réponse de "
        f"votre part, l'espace sera ouvert automatiquement le {w.until_fr}.\n\n"
        "L'Assurance Maladie — Espace Santé\n\n"
        "—\n"
        f"{created_en} Provisional activation code: {code}, valid until {w.until_en}. "
        f"To activate it: {w.activate}. To oppose it before that date: {w.oppose}. "
        "Without an answer, it opens automatically on that date."
    )


def _sms(code: str, w: Window, child: str | None) -> str:
    whose = "Votre espace santé" if child is None else f"L'espace santé de {child}"
    return (
        f"Espace Santé : {whose} est créé. Code d'activation : {code}, valable jusqu'au "
        f"{w.until_short}. Activer : {w.activate} — S'opposer : {w.oppose} "
        f"/ Health space created: activate or oppose before {w.until_short}."
    )
