"""One line of the insurer's register, checked field by field into a ``Person``.

Every refusal names the column and says why, in French and English, so that the insurer
can fix the line and send it again. INS traits are checked with ``accounts.ins``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from espace_sante.accounts.ins import Nir, check_traits, parse_nir
from espace_sante.accounts.phones import to_e164
from espace_sante.core.errors import InvalidInput
from espace_sante.core.notify import Channel

MAX_ADDRESS_LINES = 5  # + the name line: the 6 lines of a French postal address (AFNOR)
MAX_ADDRESS_LINE = 38  # characters per line, the same standard
ADULT_AGE = 18
OLDEST_YEAR = 1890

_NAME = re.compile(r"^[^\W\d_]+(?:[ '\-.]+[^\W\d_]+)*\.?$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_PLACE = re.compile(r"^(?:\d{5}|2[AB]\d{3})$")
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s.]{2,}$")
_VITALE = re.compile(r"^[0-9A-Z]{6,20}$")


class Bad(Exception):
    """Why one line is refused (never the whole file)."""

    def __init__(self, column: str, message: str, message_en: str) -> None:
        prefix = f"{column} : " if column else ""
        prefix_en = f"{column}: " if column else ""
        super().__init__(prefix + message)
        self.message = prefix + message
        self.message_en = prefix_en + message_en


@dataclass(slots=True)  # not frozen: a frozen dataclass is slower to build, per line
class Person:
    line_no: int
    nir: str
    birth_family_name: str
    first_names: str
    used_family_name: str | None
    birth_date: date
    sex: str
    birth_place_code: str
    email: str | None
    phone: str | None
    postal_address: str | None  # lines separated by "\n"
    vitale_serial: str | None
    notice: Channel | None  # the channel asked for, if any
    parent_nir: str | None
    display_name: str  # first first name and family name in use, as notices greet


def column(name: str) -> str:
    return name.strip().lower()


def from_json(parsed: Mapping[str, object], known: frozenset[str]) -> dict[str, str]:
    """An NDJSON object as text fields: numbers become text, null an empty field."""
    out: dict[str, str] = {}
    for key, value in parsed.items():
        name = column(key)
        if name not in known:
            raise Bad(name, "colonne inconnue.", "unknown column.")
        if value is None:
            out[name] = ""
        elif isinstance(value, str | int) and not isinstance(value, bool):
            out[name] = str(value)
        else:
            raise Bad(name, "valeur texte attendue.", "a text value is expected.")
    return out


def person(line_no: int, raw: Mapping[str, str], *, today: date) -> Person:
    get = raw.get
    nir = _nir(get("nir", ""), "nir")
    born = _birth_date(get("birth_date", "").strip(), today)
    sex = _sex(get("sex", "").strip())
    _traits(nir, sex, born)
    family = _name(get("birth_family_name", ""), "birth_family_name", 100)
    first = _name(get("first_names", ""), "first_names", 200)
    used = _name(get("used_family_name", ""), "used_family_name", 100, required=False)
    email, phone, address, vitale, notice, parent = (
        get(name, "").strip() for name in ("email", "phone", "postal_address",
                                           "vitale_serial", "notice", "parent_nir"))
    p = Person(
        line_no=line_no, nir=nir.full, birth_family_name=family, first_names=first,
        used_family_name=used or None, birth_date=born, sex=sex,
        birth_place_code=_place(get("birth_place_code", "").strip()),
        email=_email(email) if email else None, phone=_phone(phone) if phone else None,
        postal_address=_address(address) if address else None,
        vitale_serial=_vitale(vitale) if vitale else None,
        notice=_notice(notice) if notice else None,
        parent_nir=_nir(parent, "parent_nir").full if parent else None,
        display_name=f"{first.split(' ')[0]} {used or family}",
    )
    _check_person(p, today)
    return p


def channel(notice: Channel | None, email: str | None, phone: str | None,
            address: str | None) -> Channel | None:
    """The channel asked for if its contact is known; by default e-mail, else SMS, else a
    letter. None: no way to reach the person."""
    if notice is None:
        return Channel.EMAIL if email else Channel.SMS if phone else (
            Channel.LETTER if address else None)
    contact = email if notice is Channel.EMAIL else phone if notice is Channel.SMS else address
    return notice if contact else None


def is_minor(born: date, today: date) -> bool:
    try:
        coming_of_age = born.replace(year=born.year + ADULT_AGE)
    except ValueError:  # born on 29 February
        coming_of_age = date(born.year + ADULT_AGE, 3, 1)
    return today < coming_of_age


# -- fields ---------------------------------------------------------------------------------


def _nir(value: str, name: str) -> Nir:
    try:
        return parse_nir(value)
    except InvalidInput as error:
        raise Bad(name, error.message, error.message_en) from None


def _traits(nir: Nir, sex: str, born: date) -> None:
    try:
        check_traits(nir, sex=sex, birth_date=born)
    except InvalidInput as error:
        raise Bad(error.details.get("field", "nir"), error.message, error.message_en) from None


def _name(raw: str, name: str, max_len: int, *, required: bool = True) -> str:
    value = " ".join(raw.split())
    if not value:
        if not required:
            return ""
        raise Bad(name, "obligatoire.", "required.")
    if len(value) > max_len or not _NAME.match(value):
        raise Bad(name, f"lettres, espaces, tirets et apostrophes seulement ({max_len} au plus).",
                  f"letters, spaces, hyphens and apostrophes only (at most {max_len}).")
    return value


def _birth_date(value: str, today: date) -> date:
    try:
        born = date.fromisoformat(value) if _DATE.match(value) else None
    except ValueError:
        born = None
    if born is None:
        raise Bad("birth_date", "date invalide, attendue au format AAAA-MM-JJ.",
                  "invalid date, expected as YYYY-MM-DD.")
    if born > today or born.year < OLDEST_YEAR:
        raise Bad("birth_date", "date de naissance impossible.", "impossible birth date.")
    return born


def _sex(value: str) -> str:
    if value.upper() not in ("M", "F"):
        raise Bad("sex", "M ou F attendu.", "M or F expected.")
    return value.upper()


def _place(value: str) -> str:
    if not _PLACE.match(value.upper()):
        raise Bad("birth_place_code", "code INSEE de 5 caractères attendu.",
                  "a 5-character INSEE code is expected.")
    return value.upper()


def _email(value: str) -> str:
    if len(value) > 254 or not _EMAIL.match(value):
        raise Bad("email", "adresse e-mail invalide.", "invalid e-mail address.")
    return value


def _phone(value: str) -> str:
    e164 = to_e164(value)
    if e164 is None:
        raise Bad("phone", "numéro de téléphone invalide.", "invalid phone number.")
    return e164


def _address(value: str) -> str:
    lines = [" ".join(part.split()) for part in value.split("|")]
    lines = [line for line in lines if line]
    if not 1 <= len(lines) <= MAX_ADDRESS_LINES or any(
        len(line) > MAX_ADDRESS_LINE for line in lines
    ):
        raise Bad("postal_address",
                  f"{MAX_ADDRESS_LINES} lignes de {MAX_ADDRESS_LINE} caractères au plus, "
                  "séparées par « | ».",
                  f"at most {MAX_ADDRESS_LINES} lines of {MAX_ADDRESS_LINE} characters, "
                  "separated by \"|\".")
    return "\n".join(lines)


def _vitale(value: str) -> str:
    compact = "".join(value.split()).upper()
    if not _VITALE.match(compact):
        raise Bad("vitale_serial", "numéro de série de carte Vitale invalide.",
                  "invalid carte Vitale serial number.")
    return compact


def _notice(value: str) -> Channel:
    try:
        return Channel(value.lower())
    except ValueError:
        raise Bad("notice", "email, sms ou letter attendu.",
                  "email, sms or letter expected.") from None


def _check_person(p: Person, today: date) -> None:
    if p.parent_nir is None:
        if p.vitale_serial is None:
            raise Bad("vitale_serial", "obligatoire pour une personne sans parent déclarant "
                      "(second élément d'identification à l'activation).",
                      "required for a person with no declaring parent (second identifying "
                      "item at activation).")
        if channel(p.notice, p.email, p.phone, p.postal_address) is None:
            raise Bad(p.notice or "", "aucun moyen de prévenir la personne (e-mail, téléphone "
                      "ou adresse postale, selon notice).",
                      "no way to notify the person (e-mail, phone or postal address, as "
                      "notice says).")
        return
    if p.parent_nir == p.nir:
        raise Bad("parent_nir", "une personne ne peut pas être son propre parent.",
                  "a person cannot be their own parent.")
    if not is_minor(p.birth_date, today):
        raise Bad("parent_nir", "réservé aux mineurs : un majeur reçoit son propre espace.",
                  "for minors only: an adult gets a space of their own.")
