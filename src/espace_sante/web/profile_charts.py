"""What the charts draw, as data for ``static/js/profile-charts.js`` (Chart.js): the page
puts it in a ``<script type="application/json">`` element, which the script reads; no
inline script, as the Content-Security-Policy wants. Every chart has a table of the same
values on its page, for those who do not see it."""

from __future__ import annotations

from typing import Any

from espace_sante.profile import display
from espace_sante.profile.codes import MEASURE_TYPES
from espace_sante.profile.growth import CentileLine, Chart, ChildPoint
from espace_sante.profile.views import Series

Payload = dict[str, Any]
_CENTILE = {"fr": "{n}e centile", "en": "{n}th centile"}
_AGE = {"fr": ("Âge (mois)", "Âge (années)"), "en": ("Age (months)", "Age (years)")}


def measure_chart(series: Series, lang: str) -> Payload | None:
    """One measure type over time (x: milliseconds since 1970, shown as dates); a blood
    pressure draws its systolic and diastolic values as two lines."""
    if not series.points:
        return None
    mtype = MEASURE_TYPES[series.type]
    times = [int(p.at.timestamp() * 1000) for p in series.points]
    lines = [{"label": display.measure_label(series.type, lang), "role": "measure",
              "points": [[t, p.value] for t, p in zip(times, series.points, strict=True)]}]
    if mtype.components:
        high, low = mtype.components
        lines = [{"label": display.pick(part.label, lang), "role": role,
                  "points": [[t, value] for t, value in zip(times, values, strict=True)
                             if value is not None]}
                 for part, role, values in (
                     (high, "measure", [p.value for p in series.points]),
                     (low, "second", [p.value2 for p in series.points]))]
    return {"x": "time", "lang": lang, "y_title": display.unit_label(series.type, lang),
            "series": lines}


def growth_chart(chart: Chart, lines: tuple[CentileLine, ...], points: list[ChildPoint],
                 child: str, lang: str) -> Payload:
    """The reference centiles behind the child's points (x: age in the chart's unit)."""
    reference = [{"label": _CENTILE.get(lang, _CENTILE["fr"]).format(n=line.centile),
                  "role": "median" if line.centile == 50 else "centile",
                  "points": [list(p) for p in line.points]} for line in lines]
    own = {"label": child, "role": "child", "points": [[p.age, p.value] for p in points]}
    months, years = _AGE.get(lang, _AGE["fr"])
    return {"x": "age", "lang": lang, "x_title": months if chart.months else years,
            "y_title": f"{display.measure_label(chart.kind, lang)} "
                       f"({display.unit_label(chart.kind, lang)})",
            "x_min": chart.age(chart.start), "x_max": chart.age(chart.end),
            "series": [*reference, own]}
