"""Dates of the FHIR front door: ``date`` search parameters with their prefixes, and the
dateTimes clients send (``effectiveDateTime``, ``onsetDateTime``…).

A search value is a range at its own precision (FHIR R4 §3.1.1.4.2: ``2026`` is the whole
year, ``2026-11-06`` the whole day); a value without time zone is read in Paris, as the
people and documents of the service are. Prefixes compare that range with the stored
value: an instant (a measure) or a day (an entry of the profile). ``eq ge le gt lt`` are
supported; ``ne sa eb ap`` are refused, never ignored.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from espace_sante.accounts.dates import PARIS
from espace_sante.fhir.errors import BadRequest, UnsupportedParameter

PREFIXES = ("eq", "ge", "le", "gt", "lt")
_SEARCH = re.compile(
    r"^(?P<year>\d{4})(-(?P<month>\d{2})(-(?P<day>\d{2})"
    r"(T(?P<time>\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?)(?P<zone>Z|[+-]\d{2}:\d{2})?)?)?)?$")


@dataclass(frozen=True)
class DateBound:
    """One ``date`` parameter: its prefix and the range of its value, [start, end)."""

    prefix: str
    start: datetime
    end: datetime


@dataclass(frozen=True)
class Interval:
    """Where an instant must lie to match every bound: [since, before)."""

    since: datetime | None = None
    before: datetime | None = None


def parse_bounds(values: Iterable[str], name: str = "date") -> list[DateBound]:
    return [_bound(value, name) for value in values]


def instant_interval(bounds: Iterable[DateBound]) -> Interval:
    """The bounds as one interval for an instant ``t``: ``eq`` start ≤ t < end, ``ge``
    t ≥ start, ``gt`` t ≥ end, ``le`` t < end, ``lt`` t < start."""
    since: datetime | None = None
    before: datetime | None = None
    for b in bounds:
        low = {"eq": b.start, "ge": b.start, "gt": b.end}.get(b.prefix)
        high = {"eq": b.end, "le": b.end, "lt": b.start}.get(b.prefix)
        if low is not None:
            since = low if since is None else max(since, low)
        if high is not None:
            before = high if before is None else min(before, high)
    return Interval(since, before)


def day_matches(day: date | None, bounds: Iterable[DateBound]) -> bool:
    """Whether an entry's day (a range: its Paris day) matches every bound: ``eq`` the
    day lies within the value, ``ge``/``le`` it overlaps the range after/before the value's
    start/end, ``gt``/``lt`` it reaches past the value. An entry without a date never
    matches a date search."""
    if day is None:
        return False
    start = datetime.combine(day, time(0), tzinfo=PARIS)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=PARIS)
    checks = {
        "eq": lambda b: b.start <= start and end <= b.end,
        "ge": lambda b: end > b.start,
        "gt": lambda b: end > b.end,
        "le": lambda b: start < b.end,
        "lt": lambda b: start < b.start,
    }
    return all(checks[b.prefix](b) for b in bounds)


def _bound(value: str, name: str) -> DateBound:
    prefix, text = (value[:2], value[2:]) if value[:2].isalpha() else ("eq", value)
    if prefix not in PREFIXES:
        raise UnsupportedParameter(
            f"Préfixe de date non pris en charge : {prefix} ({', '.join(PREFIXES)}).",
            f"Date prefix not supported: {prefix} ({', '.join(PREFIXES)}).")
    match = _SEARCH.match(text)
    if match is None:
        raise _invalid(value, name)
    try:
        start, end = _range(match)
    except ValueError as exc:
        raise _invalid(value, name) from exc
    return DateBound(prefix, start.astimezone(UTC), end.astimezone(UTC))


def _range(match: re.Match[str]) -> tuple[datetime, datetime]:
    year, month, day = match["year"], match["month"], match["day"]
    if month is None:
        first = date(int(year), 1, 1)
        return _midnight(first), _midnight(date(first.year + 1, 1, 1))
    if day is None:
        first = date(int(year), int(month), 1)
        following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
        return _midnight(first), _midnight(following)
    if match["time"] is None:
        first = date(int(year), int(month), int(day))
        return _midnight(first), _midnight(first + timedelta(days=1))
    zone = match["zone"] or ""
    moment = datetime.fromisoformat(f"{year}-{month}-{day}T{match['time']}{zone}")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=PARIS)
    # The precision of the value: to the minute, the second, or finer.
    step = timedelta(minutes=1) if len(match["time"]) == 5 else timedelta(seconds=1)
    if "." in match["time"]:
        step = timedelta(microseconds=1)
    return moment, moment + step


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=PARIS)


def _invalid(value: str, name: str) -> BadRequest:
    return BadRequest(
        f"{name} : date invalide « {value[:40]} » (AAAA, AAAA-MM, AAAA-MM-JJ ou "
        "AAAA-MM-JJThh:mm:ss+hh:mm, précédée d'un préfixe eq ge le gt lt).",
        f"{name}: invalid date '{value[:40]}' (YYYY, YYYY-MM, YYYY-MM-DD or "
        "YYYY-MM-DDThh:mm:ss+hh:mm, after a prefix eq ge le gt lt).")


# -- dateTimes sent by clients --------------------------------------------------------------

_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2}))?$")


def instant_of(text: object) -> datetime | None:
    """A FHIR dateTime to the day at least: a day alone is midnight in Paris (as a CDA
    date without time); a time needs its zone (FHIR requires it). None if not one."""
    if not isinstance(text, str) or not _DATE_TIME.match(text):
        return None
    try:
        if len(text) == 10:
            return _midnight(date.fromisoformat(text))
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def day_of(text: object) -> date | None:
    """The day of a FHIR date or dateTime, as written at the source (its own calendar day,
    as ``document_in`` reads act dates); None for a year or a month alone."""
    if not isinstance(text, str) or len(text) < 10:
        return None
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        return None
