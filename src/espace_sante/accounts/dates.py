"""Calendar rules of the lifecycle: years are calendar years, days are Paris days.

Why calendar years: "archived 10 years" and "of age at 18" are civil rules, read on the
calendar (a closure on 3 March 2026 is purged on 3 March 2036), not multiples of 365 days.
Why Paris: a person's "today" and an end date typed in a form are French civil dates.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Final, TypeVar
from zoneinfo import ZoneInfo

PARIS: Final = ZoneInfo("Europe/Paris")
D = TypeVar("D", date, datetime)


def add_years(moment: D, years: int) -> D:
    """The same day ``years`` later (or earlier); 29 February becomes 28 February."""
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:  # 29 February in a common year
        return moment.replace(year=moment.year + years, day=28)


def paris_today(now: datetime) -> date:
    return now.astimezone(PARIS).date()


def end_of_day(day: date) -> datetime:
    """The first instant after ``day`` in Paris, in UTC: an end date "until 31 March"
    includes the whole of 31 March."""
    midnight = datetime.combine(day + timedelta(days=1), time(0), tzinfo=PARIS)
    return midnight.astimezone(UTC)


def last_day(until: datetime) -> date:
    """The inclusive end date shown to people, for an instant made by ``end_of_day``."""
    return (until.astimezone(PARIS) - timedelta(microseconds=1)).date()


def is_minor(birth_date: date, today: date) -> bool:
    return add_years(birth_date, 18) > today
