"""The profile as people read it, in French or English: an entry's fields with their labels,
a measure's value with its unit, dates in Paris time. Shared by the pages and the PDF
export, so that both say the same thing the same way. The labels come with the codes
(``codes``, ``sections``): no catalogue is needed for them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal

from espace_sante.accounts.dates import PARIS
from espace_sante.profile.codes import (
    MEASURE_TYPES,
    SECTION_LABELS,
    SOURCE_LABELS,
    MeasureKind,
    Section,
    SourceKind,
)
from espace_sante.profile.sections import SPECS, Field, FieldKind, Labels
from espace_sante.profile.views import FieldValue, ItemView

LANGS = ("fr", "en")
_DAY = "d MMMM y"
_MOMENT = {"fr": "d MMMM y 'à' HH:mm", "en": "d MMMM y, HH:mm"}
_YES_NO = {"fr": ("oui", "non"), "en": ("yes", "no")}
# Unit displays written as words in ``codes`` (French): their English.
_UNITS_EN = {"battements/min": "beats/min", "pas/jour": "steps/day"}


def pick(labels: Labels | tuple[str, str], lang: str) -> str:
    return labels[1] if lang == "en" else labels[0]


def section_label(section: Section, lang: str) -> str:
    return pick(SECTION_LABELS[section], lang)


def source_label(source: SourceKind, lang: str) -> str:
    return pick(SOURCE_LABELS[source], lang)


def measure_label(kind: MeasureKind, lang: str) -> str:
    return pick(MEASURE_TYPES[kind].label, lang)


def unit_label(kind: MeasureKind, lang: str) -> str:
    display = MEASURE_TYPES[kind].unit.display
    return _UNITS_EN.get(display, display) if lang == "en" else display


def day(moment: date | datetime | None, lang: str) -> str:
    if moment is None:
        return "—"
    if isinstance(moment, datetime):
        moment = moment.astimezone(PARIS).date()
    return str(format_date(moment, _DAY, locale=lang))


def moment(at: datetime, lang: str) -> str:
    return str(format_datetime(at, _MOMENT.get(lang, _MOMENT["fr"]), tzinfo=PARIS,
                               locale=lang))


def number(value: float, lang: str, decimals: int = 3) -> str:
    """72,5 in French, 72.5 in English; no trailing zeros."""
    pattern = "#,##0" + ("." + "#" * decimals if decimals else "")
    return str(format_decimal(value, format=pattern, locale=lang))


def measure_value(kind: MeasureKind, value: float, value2: float | None, lang: str) -> str:
    """The value in the type's unit: "72,5 kg", "120/80 mmHg"."""
    mtype = MEASURE_TYPES[kind]
    shown = number(value, lang, mtype.decimals)
    if value2 is not None:
        shown += "/" + number(value2, lang, mtype.decimals)
    return f"{shown} {unit_label(kind, lang)}"


@dataclass(frozen=True)
class Fact:
    label: str
    text: str


def field_text(field: Field, value: FieldValue, lang: str) -> str:
    if isinstance(value, bool):
        return _YES_NO.get(lang, _YES_NO["fr"])[0 if value else 1]
    if isinstance(value, date):
        return day(value, lang)
    if field.kind is FieldKind.CHOICE:
        return next((pick(labels, lang) for code, labels in field.choices if code == value),
                    str(value))
    return "" if value is None else str(value)


def facts(item: ItemView, lang: str) -> list[Fact]:
    """The entry's fields that hold a value, in the section's order."""
    shown = []
    for field in SPECS[item.section].fields:
        value = item.data.get(field.name)
        if value is not None and value != "":
            shown.append(Fact(pick(field.label, lang), field_text(field, value, lang)))
    return shown


def headline(item: ItemView, lang: str) -> str:
    """The entry in a few words: its first field that holds a value."""
    found = facts(item, lang)
    return found[0].text if found else "—"
