"""An entry of a section checked against the section's fields (``sections.SPECS``):
unknown fields, missing required ones, wrong types, dates in the future, an end before its
start are refused with a French message (and English) naming the field; text is trimmed;
phones become E.164. What comes out is plain JSON, as stored."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from datetime import date

from espace_sante.accounts.phones import to_e164
from espace_sante.core.errors import InvalidInput
from espace_sante.profile.codes import SECTION_LABELS
from espace_sante.profile.sections import Field, FieldKind, SectionSpec

Json = str | int | bool | None
TEXT_MAX, LONG_TEXT_MAX = 200, 10_000
CODE_MAX, SYSTEM_MAX = 64, 255
EARLIEST = date(1900, 1, 1)
_RPPS = re.compile(r"^\d{11}$")
_SYSTEM = re.compile(r"^(https?://|urn:oid:)\S+$")


def checked_data(spec: SectionSpec, data: Mapping[str, object], today: date, *,
                 with_documents: bool = False) -> dict[str, Json]:
    """``with_documents``: a document linked to the entry stands in for the field the
    section lets one replace (advance directives: the text or a scanned document)."""
    unknown = sorted(set(data) - {f.name for f in spec.fields})
    if unknown:
        raise _error(spec, None, f"champ inconnu : {unknown[0][:40]}",
                     f"unknown field: {unknown[0][:40]}")
    clean: dict[str, Json] = {}
    for field in spec.fields:
        value = _value(spec, field, data.get(field.name), today)
        if value is not None:
            clean[field.name] = value
        elif field.required:
            raise _error(spec, field, "ce champ est requis", "this field is required")
    if not clean and not (with_documents and spec.documents_stand_in):
        raise _error(spec, None, "renseignez au moins un champ",
                     "fill in at least one field")
    _check_periods(spec, clean)
    return clean


def checked_code(code: str | None, system: str | None) -> tuple[str | None, str | None]:
    """A code and its system go together (a bare "J45" means nothing without CIM-10)."""
    code, system = (code or "").strip() or None, (system or "").strip() or None
    if (code is None) != (system is None):
        raise InvalidInput("Un code doit être accompagné de sa terminologie (et inversement).",
                           "A code needs its code system (and the other way round).",
                           {"field": "code_system"})
    if code and (len(code) > CODE_MAX or not code.isprintable()):
        raise InvalidInput(f"Code invalide ({CODE_MAX} caractères au plus).",
                           f"Invalid code ({CODE_MAX} characters at most).", {"field": "code"})
    if system and (len(system) > SYSTEM_MAX or not _SYSTEM.match(system)):
        raise InvalidInput("Terminologie invalide : une URI (http, https ou urn:oid:) est "
                           "attendue.", "Invalid code system: a URI (http, https or urn:oid:) "
                           "is expected.", {"field": "code_system"})
    return code, system


def _value(spec: SectionSpec, field: Field, raw: object, today: date) -> Json:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    checker = _CHECKERS[field.kind]
    value = checker(field, raw, today)
    if value is None:
        raise _error(spec, field, _KIND_HINTS[field.kind][0], _KIND_HINTS[field.kind][1])
    return value


def _text(field: Field, raw: object, today: date) -> Json:
    if not isinstance(raw, str):
        return None
    long = field.kind is FieldKind.LONG_TEXT
    lines = raw.strip().splitlines() if long else [raw]
    text = "\n".join(" ".join(line.split()) for line in lines)
    if len(text) > (LONG_TEXT_MAX if long else TEXT_MAX) or _has_controls(text):
        return None
    return text


def _has_controls(text: str) -> bool:
    return any(unicodedata.category(c) == "Cc" and c != "\n" for c in text)


def _date(field: Field, raw: object, today: date) -> Json:
    if isinstance(raw, date):
        day = raw
    elif isinstance(raw, str):
        try:
            day = date.fromisoformat(raw.strip())
        except ValueError:
            return None
    else:
        return None
    if day < EARLIEST or (field.past and day > today):
        return None
    return day.isoformat()


def _boolean(field: Field, raw: object, today: date) -> Json:
    return raw if isinstance(raw, bool) else None


def _choice(field: Field, raw: object, today: date) -> Json:
    return raw if isinstance(raw, str) and raw in field.choice_codes else None


def _integer(field: Field, raw: object, today: date) -> Json:
    if isinstance(raw, bool) or not isinstance(raw, int):
        return None
    return raw if field.low <= raw <= field.high else None


def _phone(field: Field, raw: object, today: date) -> Json:
    return to_e164(raw) if isinstance(raw, str) else None


def _rpps(field: Field, raw: object, today: date) -> Json:
    return raw.strip() if isinstance(raw, str) and _RPPS.match(raw.strip()) else None


_CHECKERS = {
    FieldKind.TEXT: _text, FieldKind.LONG_TEXT: _text, FieldKind.DATE: _date,
    FieldKind.BOOLEAN: _boolean, FieldKind.CHOICE: _choice, FieldKind.INTEGER: _integer,
    FieldKind.PHONE: _phone, FieldKind.RPPS: _rpps,
}
_KIND_HINTS = {
    FieldKind.TEXT: (f"texte d'une ligne attendu ({TEXT_MAX} caractères au plus)",
                     f"one line of text expected ({TEXT_MAX} characters at most)"),
    FieldKind.LONG_TEXT: (f"texte attendu ({LONG_TEXT_MAX} caractères au plus)",
                          f"text expected ({LONG_TEXT_MAX} characters at most)"),
    FieldKind.DATE: ("date invalide (AAAA-MM-JJ, depuis 1900, pas dans le futur)",
                     "invalid date (YYYY-MM-DD, from 1900, not in the future)"),
    FieldKind.BOOLEAN: ("oui ou non attendu", "yes or no expected"),
    FieldKind.CHOICE: ("valeur hors de la liste proposée", "value not in the list"),
    FieldKind.INTEGER: ("nombre entier hors des bornes", "whole number out of bounds"),
    FieldKind.PHONE: ("numéro de téléphone invalide", "invalid phone number"),
    FieldKind.RPPS: ("numéro RPPS invalide (11 chiffres)", "invalid RPPS number (11 digits)"),
}


def _check_periods(spec: SectionSpec, clean: Mapping[str, Json]) -> None:
    for start, end in spec.periods:
        first, last = clean.get(start), clean.get(end)
        if isinstance(first, str) and isinstance(last, str) and last < first:
            field = spec.field(end)
            raise _error(spec, field, "la date de fin précède la date de début",
                         "the end date is before the start date")


def _error(spec: SectionSpec, field: Field | None, french: str, english: str) -> InvalidInput:
    section = SECTION_LABELS[spec.section]
    if field is None:
        return InvalidInput(f"{section[0]} : {french}.", f"{section[1]}: {english}.")
    return InvalidInput(f"{section[0]}, « {field.label[0]} » : {french}.",
                        f"{section[1]}, \"{field.label[1]}\": {english}.",
                        {"field": f"data.{field.name}"})


def checked_section_code(spec: SectionSpec, code: str | None,
                         system: str | None) -> tuple[str | None, str | None]:
    """An entry's code, for the sections that take one (allergies, diseases…)."""
    code, system = checked_code(code, system)
    if code is not None and not spec.coded:
        label = SECTION_LABELS[spec.section]
        raise InvalidInput(f"La rubrique « {label[0]} » ne prend pas de code.",
                           f"The \"{label[1]}\" section takes no code.", {"field": "code"})
    return code, system
