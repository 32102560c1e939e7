"""The growth curves: the WHO reference centiles (through rcpchgrowth) against the WHO's
published tables, the charts offered, and a child's points placed by age."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from espace_sante.profile import growth
from espace_sante.profile.codes import MeasureKind
from espace_sante.profile.growth import CHARTS, Sex
from espace_sante.profile.views import Point


def value_at(slug: str, sex: Sex, centile: int, age: float) -> float:
    [line] = [line for line in growth.centile_lines(CHARTS[slug], sex) if line.centile == centile]
    return dict(line.points)[age]


@pytest.mark.parametrize(("slug", "sex", "centile", "age", "expected"), [
    # WHO Child Growth Standards (2006), weight-for-age boys: median 9.6 kg at 12 months.
    ("poids-0-3-ans", Sex.MALE, 50, 12.0, 9.6),
    ("poids-0-3-ans", Sex.MALE, 50, 0.0, 3.3),
    ("poids-0-3-ans", Sex.FEMALE, 50, 12.0, 8.9),
    # Height-for-age girls at 24 months (standing): median 85.7 cm.
    ("taille-0-3-ans", Sex.FEMALE, 50, 24.0, 85.7),
    ("taille-0-3-ans", Sex.MALE, 50, 0.0, 49.9),
    # Head circumference boys at birth: median 34.5 cm; girls at 5 years 49.9 cm.
    ("perimetre-cranien-0-5-ans", Sex.MALE, 50, 0.0, 34.5),
    ("perimetre-cranien-0-5-ans", Sex.FEMALE, 50, 60.0, 49.9),
    # WHO Growth Reference (2007): BMI-for-age boys at 18 years, median 21.7.
    ("imc-0-18-ans", Sex.MALE, 50, 18.0, 21.7),
    # Height-for-age girls at 10 years, median 138.6 cm.
    ("taille-1-18-ans", Sex.FEMALE, 50, 10.0, 138.6),
])
def test_centiles_match_the_who_tables(slug: str, sex: Sex, centile: int, age: float,
                                       expected: float) -> None:
    assert value_at(slug, sex, centile, age) == pytest.approx(expected, abs=0.2)


def test_the_lines_are_ordered_and_grow_with_age() -> None:
    lines = growth.centile_lines(CHARTS["taille-1-18-ans"], Sex.MALE)
    assert [line.centile for line in lines] == [3, 15, 50, 85, 97]
    at_ten = [dict(line.points)[10.0] for line in lines]
    assert at_ten == sorted(at_ten) and at_ten[0] < at_ten[-1] - 15
    median = [value for _, value in lines[2].points]
    assert median == sorted(median)
    # The 3rd centile is about 1.88 standard deviations below the median.
    assert value_at("poids-0-3-ans", Sex.MALE, 3, 12.0) == pytest.approx(7.8, abs=0.2)


def test_the_charts_offered() -> None:
    offered = {(c.kind, c.start, c.end) for c in CHARTS.values()}
    assert offered == {
        (MeasureKind.WEIGHT, 0, 3), (MeasureKind.WEIGHT, 1, 18), (MeasureKind.HEIGHT, 0, 3),
        (MeasureKind.HEIGHT, 1, 18), (MeasureKind.BMI, 0, 18),
        (MeasureKind.HEAD_CIRCUMFERENCE, 0, 5)}
    young = CHARTS["poids-0-3-ans"]
    assert young.months and young.grid()[:3] == [0.0, 0.0833, 0.1667] and len(young.grid()) == 37


def test_the_who_weight_reference_stops_at_ten_years() -> None:
    chart = CHARTS["poids-1-18-ans"]
    assert growth.centile_lines(chart, Sex.FEMALE)[2].points[-1][0] == 10.0
    assert growth.reference_ends(chart, Sex.FEMALE) == 10.0
    assert growth.reference_ends(CHARTS["taille-1-18-ans"], Sex.FEMALE) is None


def test_the_curves_are_cached() -> None:
    chart = CHARTS["imc-0-18-ans"]
    assert growth.centile_lines(chart, Sex.MALE) is growth.centile_lines(chart, Sex.MALE)


def test_a_childs_points_by_age_with_their_centile() -> None:
    birth = date(2025, 1, 10)
    points = [Point(datetime(2025, 1, 10, 9, tzinfo=UTC), 3.3),
              Point(datetime(2026, 1, 10, 9, tzinfo=UTC), 9.6),
              Point(datetime(2028, 6, 1, 9, tzinfo=UTC), 14.0)]  # 3 years 5 months: out
    placed = growth.child_points(CHARTS["poids-0-3-ans"], Sex.MALE, birth, points)
    assert [(p.at, round(p.age), p.value) for p in placed] == [
        (date(2025, 1, 10), 0, 3.3), (date(2026, 1, 10), 12, 9.6)]
    assert [p.centile for p in placed] == [pytest.approx(47, abs=3), pytest.approx(50, abs=3)]


def test_sex_and_default_chart() -> None:
    assert growth.sex_of("M") is Sex.MALE and growth.sex_of("f") is Sex.FEMALE
    assert growth.sex_of("U") is None
    assert growth.default_chart(date(2025, 1, 1), date(2026, 11, 22)).slug == "poids-0-3-ans"
    assert growth.default_chart(date(2019, 9, 8), date(2026, 11, 22)).slug == "poids-1-18-ans"
