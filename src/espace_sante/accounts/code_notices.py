"""The notices of a newcomer's space: a new activation code, an opposition recorded.

They go to the contact the insurer's register gave (a child's, else the declaring
parent's): by e-mail, else SMS, else a letter (an outbox row of channel ``letter``,
printed with the others). The person typing on the web page never chooses where a code
goes: whoever knows a NIR and a carte Vitale serial cannot have its code sent elsewhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final
from zoneinfo import ZoneInfo

from babel.dates import format_date
from sqlalchemy.orm import Session

from espace_sante.accounts.activation_codes import display
from espace_sante.accounts.models import Patient
from espace_sante.core import notify
from espace_sante.settings import Settings

# Why Paris: people read dates in metropolitan time; the data itself stays in UTC.
PARIS: Final = ZoneInfo("Europe/Paris")
SIGNATURE = {"fr": "L'équipe Espace Santé", "en": "The Espace Santé team"}


@dataclass(frozen=True)
class Notice:
    subject: str
    french: str
    english: str

    @property
    def body(self) -> str:
        return (f"{self.french}\n{SIGNATURE['fr']}\n\n— English —\n\n{self.english}\n"
                f"{SIGNATURE['en']}")


def day(moment: datetime, lang: str = "fr") -> str:
    """A date as people read it: "3 janvier 2027" / "3 January 2027" (Paris time)."""
    return str(format_date(moment.astimezone(PARIS).date(), "d MMMM y", locale=lang))


@dataclass(frozen=True)
class Contact:
    channel: notify.Channel
    recipient: str


def contact_of(session: Session, patient: Patient) -> Contact | None:
    """E-mail, else SMS, else the postal address: the register's order of preference."""
    for holder in (patient, _declaring_parent(session, patient)):
        if holder is None:
            continue
        for channel, value in ((notify.Channel.EMAIL, holder.contact_email),
                               (notify.Channel.SMS, holder.contact_phone),
                               (notify.Channel.LETTER, holder.postal_address)):
            if value:
                return Contact(channel, value)
    return None


def _declaring_parent(session: Session, patient: Patient) -> Patient | None:
    if patient.declared_by_patient_id is None:
        return None
    return session.get(Patient, patient.declared_by_patient_id)


def send(session: Session, patient: Patient, notice: Notice, sms: str, *,
         now: datetime) -> Contact | None:
    contact = contact_of(session, patient)
    if contact is None:
        return None
    body = sms if contact.channel is notify.Channel.SMS else notice.body
    notify.enqueue(session, channel=contact.channel, recipient=contact.recipient,
                   subject=notice.subject, body=body, patient_id=patient.id, now=now)
    return contact


def _site(settings: Settings) -> str:
    return settings.base_url.rstrip("/")


def new_code(settings: Settings, patient: Patient, code: str, *, expires: datetime,
             reopened: bool) -> tuple[Notice, str]:
    """The notice and the SMS text of a new activation code."""
    site, shown = _site(settings), display(code)
    french = (
        f"Bonjour {patient.first_name},\n\n"
        f"Voici votre nouveau code d'activation Espace Santé : {shown}\n"
        f"Il est valable jusqu'au {day(expires)}. Les codes envoyés auparavant ne "
        f"fonctionnent plus.\n\n"
        f"Pour activer votre espace : {site}/activer (avec votre numéro de sécurité sociale "
        f"et le numéro de série de votre carte Vitale, ou la date de naissance d'un enfant "
        f"qui n'a pas de carte Vitale).\n"
    )
    english = (
        f"Hello {patient.first_name},\n\n"
        f"Here is your new Espace Santé activation code: {shown}\n"
        f"It is valid until {day(expires, 'en')}. Codes sent before no longer work.\n\n"
        f"To activate your space: {site}/activer (with your social security number and "
        f"your carte Vitale serial number, or the birth date of a child who has no carte "
        f"Vitale).\n"
    )
    french, english = _window(patient, site, french, english, reopened)
    french += ("\nNe communiquez ce code à personne. Si vous n'avez rien demandé, ignorez "
               "ce message.")
    english += "\nDo not share this code. If you asked for nothing, ignore this message."
    sms = (f"Espace Santé : votre code d'activation est {shown}, valable jusqu'au "
           f"{day(expires)}. Activez votre espace sur {site}/activer")
    return Notice("Votre nouveau code d'activation Espace Santé", french, english), sms


def _window(patient: Patient, site: str, french: str, english: str,
            reopened: bool) -> tuple[str, str]:
    if patient.window_ends_at is None or patient.state != "pending":
        return french, english
    if reopened:
        french += ("\nVotre demande annule votre opposition : votre espace va être créé.\n")
        english += ("\nYour request cancels your opposition: your space is going to be "
                    "created.\n")
    ends_fr, ends_en = day(patient.window_ends_at), day(patient.window_ends_at, "en")
    french += (f"Sans activation ni opposition de votre part, votre espace sera ouvert le "
               f"{ends_fr}. Vous pouvez vous y opposer jusque-là : {site}/opposition\n")
    english += (f"Unless you activate it or oppose it, your space will open on {ends_en}. "
                f"Until then you may oppose it: {site}/opposition\n")
    return french, english


def opposition_recorded(settings: Settings, patient: Patient, reference: str,
                        opposed_at: datetime) -> tuple[Notice, str]:
    """The confirmation of an opposition, with the reference to download the proof."""
    site = _site(settings)
    proof = f"{site}/opposition/{reference}/preuve.pdf"
    french = (
        f"Bonjour {patient.first_name},\n\n"
        f"Votre opposition à la création de votre espace Espace Santé a été enregistrée le "
        f"{day(opposed_at)} (référence {reference}). Votre espace ne sera pas créé et les "
        f"données préparées pour lui ont été effacées.\n\n"
        f"Votre attestation d'opposition : {proof}\n\n"
        f"Vous pouvez changer d'avis à tout moment : demandez un nouveau code d'activation "
        f"sur {site}/activer/nouveau-code.\n"
    )
    english = (
        f"Hello {patient.first_name},\n\n"
        f"Your opposition to the creation of your Espace Santé space was recorded on "
        f"{day(opposed_at, 'en')} (reference {reference}). Your space will not be created "
        f"and the data prepared for it has been erased.\n\n"
        f"Your proof of opposition: {proof}\n\n"
        f"You may change your mind at any time: ask for a new activation code at "
        f"{site}/activer/nouveau-code.\n"
    )
    sms = (f"Espace Santé : votre opposition est enregistrée (référence {reference}). "
           f"Attestation : {proof}")
    return Notice("Votre opposition à la création d'Espace Santé", french, english), sms
