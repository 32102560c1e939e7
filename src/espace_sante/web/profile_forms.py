"""The profile's forms: an entry's form built from its section's fields
(``profile.sections.SPECS``), what a form sends turned into the entry's data, and a
measure's typed value and date. What is typed is kept as typed, so that a refused form
comes back with it; the checks themselves are the use cases' (``profile.fields``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time

from fastapi import Request
from starlette.datastructures import UploadFile

from espace_sante.accounts.dates import PARIS
from espace_sante.core.errors import DomainError, InvalidInput
from espace_sante.profile.display import pick
from espace_sante.profile.fields import LONG_TEXT_MAX, TEXT_MAX
from espace_sante.profile.sections import Field, FieldKind, SectionSpec
from espace_sante.profile.views import ItemView

YES = "oui"  # a ticked box
MAX_FIELD = LONG_TEXT_MAX + 100  # more than any field takes: the check says what is wrong
NOON = time(12, 0)


@dataclass(frozen=True)
class Input:
    """One field of an entry's form, as the template draws it."""

    name: str
    label: str
    kind: str  # FieldKind's value
    required: bool
    value: str  # as typed, or as stored
    choices: tuple[tuple[str, str], ...] = ()
    low: int = 0
    high: int = 0
    max_day: str = ""  # the latest date allowed (a past event: today)
    maxlength: int = TEXT_MAX


def inputs(spec: SectionSpec, lang: str, values: Mapping[str, str], today: date) -> list[Input]:
    return [Input(f.name, pick(f.label, lang), f.kind.value, f.required,
                  values.get(f.name, ""), tuple((c, pick(labels, lang)) for c, labels in f.choices),
                  f.low, f.high, today.isoformat() if f.past else "",
                  LONG_TEXT_MAX if f.kind is FieldKind.LONG_TEXT else TEXT_MAX)
            for f in spec.fields]


def stored_values(item: ItemView) -> dict[str, str]:
    """An entry's data as its form shows it."""
    values = {}
    for name, value in item.data.items():
        if isinstance(value, bool):
            values[name] = YES if value else ""
        elif isinstance(value, date):
            values[name] = value.isoformat()
        elif value is not None:
            values[name] = str(value)
    return values


def entry_data(spec: SectionSpec, form: Mapping[str, str]) -> dict[str, object]:
    """The form's fields as the use case takes them: every field of the section, an empty
    one as None (which clears it when an entry is changed)."""
    return {f.name: _value(f, form.get(f.name, "")) for f in spec.fields}


def _value(field: Field, raw: str) -> object:
    if field.kind is FieldKind.BOOLEAN:
        return True if raw == YES else None
    if not raw.strip():
        return None
    if field.kind is FieldKind.INTEGER:
        # Not a whole number: passed on as text, which the check refuses in words.
        return int(raw.strip()) if raw.strip().lstrip("-").isdigit() else raw
    return raw


async def form_fields(request: Request) -> dict[str, str]:
    """The form's text fields (a FastAPI dependency: an entry's fields depend on its
    section, so they cannot be declared one by one)."""
    form = await request.form()
    return {key: value[:MAX_FIELD] for key, value in form.items()
            if not isinstance(value, UploadFile)}


# -- measures -------------------------------------------------------------------------------

# The use case's field names, as the measure form names them.
MEASURE_FIELDS = {"value": "valeur", "unit": "unite", "effective_at": "date"}


def error_field(error: DomainError | None) -> str | None:
    """The form field a refusal names ("data.substance" → "substance")."""
    field = error.details.get("field") if error else None
    if not isinstance(field, str):
        return None
    return MEASURE_FIELDS.get(field, field.removeprefix("data."))


def number(raw: str, field: str, label: tuple[str, str]) -> float:
    """A number as people type it: "72,5" or "72.5"."""
    try:
        return float(raw.strip().replace(",", ".").replace(" ", "").replace("\u202f", ""))
    except ValueError:
        raise InvalidInput(f"{label[0]} : indiquez un nombre (par exemple 72,5).",
                           f"{label[1]}: enter a number (for example 72.5).",
                           {"field": field}) from None


def measured_at(day: str, hour: str, now: datetime) -> datetime:
    """The day and time typed (Paris); without a time, noon, or now if noon is ahead."""
    try:
        when_day = date.fromisoformat(day.strip())
        when_time = time.fromisoformat(hour.strip()) if hour.strip() else None
    except ValueError:
        raise InvalidInput("Date ou heure invalide (jour, mois, année ; heures et minutes).",
                           "Invalid date or time (day, month, year; hours and minutes).",
                           {"field": "date"}) from None
    at = datetime.combine(when_day, when_time or NOON, tzinfo=PARIS)
    return min(at, now) if when_time is None else at
