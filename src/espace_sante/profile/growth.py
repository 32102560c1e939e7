"""Growth curves of a child: the WHO reference centiles drawn behind the child's own
measures (DOMAIN.md 1b: weight and height 0–3 and 1–18 years, BMI 0–18, head
circumference 0–5).

The reference is the WHO's: the Child Growth Standards (2006) up to 5 years and the
Growth Reference (2007) from 5 to 19 years. Its LMS tables and the centile arithmetic come
from ``rcpchgrowth`` (Royal College of Paediatrics and Child Health), a maintained and
tested library, rather than tables copied by hand. WHO 2007 has no weight-for-age beyond
10 years (the WHO recommends BMI-for-age there): the weight curves stop at 10 years.

The curves depend on nothing but the sex and the chart, so they are computed once and
cached; the child's points are placed by age (days since birth / 365.25, as the library
counts decimal age).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from functools import lru_cache
from typing import Any

from espace_sante.accounts.dates import PARIS
from espace_sante.profile.codes import MeasureKind
from espace_sante.profile.views import Point

YEAR_DAYS = 365.25  # rcpchgrowth's decimal age
CENTILES = (3, 15, 50, 85, 97)  # the lines of the WHO's own charts
REFERENCE = "who"  # rcpchgrowth's name of the WHO reference


class Sex(StrEnum):
    MALE = "male"  # rcpchgrowth's names
    FEMALE = "female"


def sex_of(code: str) -> Sex | None:
    """The INS sex (M, F); another value has no WHO reference."""
    return {"M": Sex.MALE, "F": Sex.FEMALE}.get(code.strip().upper())


@dataclass(frozen=True)
class Chart:
    slug: str  # in the page's address
    kind: MeasureKind
    method: str  # rcpchgrowth's measurement method
    start: float  # ages in years, inclusive
    end: float
    months: bool  # ages shown in months (the young child's charts), else in years
    label: tuple[str, str]  # French, English

    def age(self, years: float) -> float:
        """An age in the chart's unit."""
        return round(years * 12, 2) if self.months else round(years, 3)

    def grid(self) -> list[float]:
        """Ages (years) where the curves are sampled: monthly for the young child's
        charts, quarterly for the others (smooth enough at either scale)."""
        step = 1 / 12 if self.months else 0.25
        count = round((self.end - self.start) / step)
        return [round(self.start + i * step, 4) for i in range(count + 1)]


CHARTS: dict[str, Chart] = {c.slug: c for c in (
    Chart("poids-0-3-ans", MeasureKind.WEIGHT, "weight", 0, 3, True,
          ("Poids, de 0 à 3 ans", "Weight, 0 to 3 years")),
    Chart("poids-1-18-ans", MeasureKind.WEIGHT, "weight", 1, 18, False,
          ("Poids, de 1 à 18 ans", "Weight, 1 to 18 years")),
    Chart("taille-0-3-ans", MeasureKind.HEIGHT, "height", 0, 3, True,
          ("Taille, de 0 à 3 ans", "Length and height, 0 to 3 years")),
    Chart("taille-1-18-ans", MeasureKind.HEIGHT, "height", 1, 18, False,
          ("Taille, de 1 à 18 ans", "Height, 1 to 18 years")),
    Chart("imc-0-18-ans", MeasureKind.BMI, "bmi", 0, 18, False,
          ("Indice de masse corporelle, de 0 à 18 ans", "Body mass index, 0 to 18 years")),
    Chart("perimetre-cranien-0-5-ans", MeasureKind.HEAD_CIRCUMFERENCE, "ofc", 0, 5, True,
          ("Périmètre crânien, de 0 à 5 ans", "Head circumference, 0 to 5 years")),
)}


@dataclass(frozen=True)
class CentileLine:
    centile: int
    points: tuple[tuple[float, float], ...]  # (age in the chart's unit, value)


@dataclass(frozen=True)
class ChildPoint:
    at: date
    age_years: float
    age: float  # in the chart's unit
    value: float
    centile: float | None  # where the child stands in the reference (None: no reference)


def default_chart(birth: date, today: date) -> Chart:
    """The weight chart that fits the child's age."""
    young = age_years(birth, today) < 3
    return CHARTS["poids-0-3-ans" if young else "poids-1-18-ans"]


def age_years(birth: date, day: date) -> float:
    return (day - birth).days / YEAR_DAYS


@lru_cache(maxsize=2 * len(CHARTS))
def centile_lines(chart: Chart, sex: Sex) -> tuple[CentileLine, ...]:
    """The reference centiles of one chart for one sex, where the WHO has data."""
    rcpch = _library()
    lines = []
    for centile in CENTILES:
        z = rcpch.sds_for_centile(centile)
        points = tuple((chart.age(age), round(value, 2)) for age in chart.grid()
                       if (value := _measurement(rcpch, chart, sex, age, z)) is not None)
        lines.append(CentileLine(centile, points))
    return tuple(lines)


def reference_ends(chart: Chart, sex: Sex) -> float | None:
    """The last age (years) with reference data, when it stops before the chart's end."""
    lines = centile_lines(chart, sex)
    last = lines[0].points[-1][0] if lines and lines[0].points else chart.age(chart.start)
    last_years = last / 12 if chart.months else last
    return last_years if last_years < chart.end - 1e-6 else None


def child_points(chart: Chart, sex: Sex, birth: date,
                 points: Sequence[Point]) -> list[ChildPoint]:
    """The child's measures within the chart's ages, with the centile of each."""
    rcpch, placed = _library(), []
    for point in points:
        day = point.at.astimezone(PARIS).date()
        years = age_years(birth, day)
        if chart.start <= years <= chart.end:
            placed.append(ChildPoint(day, years, chart.age(years), point.value,
                                     _centile(rcpch, chart, sex, years, point.value)))
    return placed


def _measurement(rcpch: Any, chart: Chart, sex: Sex, age: float, z: float) -> float | None:
    if _absent(rcpch, chart, sex, age):
        return None
    value = rcpch.measurement_from_sds(REFERENCE, round(z, 4), chart.method, sex.value, age)
    return float(value) if value is not None else None


def _centile(rcpch: Any, chart: Chart, sex: Sex, age: float, value: float) -> float | None:
    if _absent(rcpch, chart, sex, age):
        return None
    sds = rcpch.sds_for_measurement(REFERENCE, age, chart.method, value, sex.value)
    return round(float(rcpch.centile(sds)), 1)


def _absent(rcpch: Any, chart: Chart, sex: Sex, age: float) -> bool:
    absent, _ = rcpch.reference_data_absent(age, chart.method, sex.value)
    return bool(absent)


@dataclass(frozen=True)
class _Rcpch:
    sds_for_centile: Any
    measurement_from_sds: Any
    sds_for_measurement: Any
    centile: Any
    reference_data_absent: Any


@lru_cache(maxsize=1)
def _library() -> _Rcpch:
    """Imported on first use: the library loads SciPy and its JSON tables (about a
    second), which only the growth pages need, not every process start."""
    from rcpchgrowth import global_functions as functions
    from rcpchgrowth import who

    return _Rcpch(functions.sds_for_centile, functions.measurement_from_sds,
                  functions.sds_for_measurement, functions.centile, who.reference_data_absent)
