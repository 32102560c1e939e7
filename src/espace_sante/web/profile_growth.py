"""A child's growth curves: the chosen chart (weight, height, BMI or head circumference,
over an age range) with the WHO reference centiles behind the child's own measures, and
the table of those measures with the child's age and centile. For the holder under 18
only; the reference curves are computed by ``profile.growth``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from espace_sante.accounts.dates import paris_today
from espace_sante.accounts.service import PatientView
from espace_sante.core.actors import Actor
from espace_sante.core.errors import NotFound
from espace_sante.gateway.actor import MaybeActor, container
from espace_sante.profile import display, growth, service
from espace_sante.profile.growth import CHARTS, Chart, ChildPoint, Sex
from espace_sante.web.profile_charts import growth_chart
from espace_sante.web.profile_side import (
    PATIENT,
    PRO,
    Side,
    guarded,
    is_child,
    lang_of,
    page,
    patient_of,
)

router = APIRouter(include_in_schema=False)
GROWTH = "/croissance"


def chart_of(request: Request, slug: str, patient: PatientView) -> Chart:
    if not slug:
        return growth.default_chart(patient.birth_date,
                                    paris_today(container(request).clock.now()))
    if slug not in CHARTS:
        raise NotFound.default()
    return CHARTS[slug]


def growth_page(request: Request, actor: Actor, side: Side, slug: str) -> Response:
    lang = lang_of(request)
    patient = patient_of(request, actor, side)
    sex = growth.sex_of(patient.sex)
    context: dict[str, Any] = {"patient": patient, "child": is_child(request, patient),
                               "sex": sex}
    if context["child"] and sex is not None:
        chart = chart_of(request, slug, patient)
        context.update(_curves(request, actor, side, chart, sex, patient, lang))
    return page(request, actor, "profile/growth.html", side, **context)


def _curves(request: Request, actor: Actor, side: Side, chart: Chart, sex: Sex,
            patient: PatientView, lang: str) -> dict[str, Any]:
    series = service.measure_series(container(request), actor, side.patient_id, chart.kind)
    points = growth.child_points(chart, sex, patient.birth_date, series.points)
    lines = growth.centile_lines(chart, sex)
    return {
        "chart": chart, "label": display.pick(chart.label, lang),
        "charts": [(c.slug, display.pick(c.label, lang)) for c in CHARTS.values()],
        "payload": growth_chart(chart, lines, points, patient.first_names.split()[0], lang),
        "rows": [_row(p, chart, lang) for p in points],
        "reference_ends": growth.reference_ends(chart, sex),
        "kind_label": display.measure_label(chart.kind, lang),
        "measure_url": f"{side.base}/mesures/{chart.kind.value}",
    }


def _row(point: ChildPoint, chart: Chart, lang: str) -> dict[str, str]:
    return {"day": display.day(point.at, lang), "iso": point.at.isoformat(),
            "age": _age(point.age_years, lang),
            "value": display.measure_value(chart.kind, point.value, None, lang),
            "centile": display.number(point.centile, lang, 1) if point.centile is not None
            else "—"}


def _age(years: float, lang: str) -> str:
    """"1 an et 3 mois", "18 mois": months up to 3 years, as carnets de santé do."""
    months = int(years * 12 + 1e-6)
    if months < 36:
        return f"{months} mois" if lang != "en" else f"{months} months"
    whole, rest = divmod(months, 12)
    if lang == "en":
        return f"{whole} years" + (f" {rest} months" if rest else "")
    return f"{whole} ans" + (f" et {rest} mois" if rest else "")


@router.get(PATIENT + GROWTH)
@router.get(PRO + GROWTH)
def growth_curves(request: Request, actor: MaybeActor, patient_id: str,
                  courbe: Annotated[str, Query(max_length=40)] = "") -> Response:
    return guarded(request, actor, patient_id,
                   lambda side: growth_page(request, actor, side, courbe))
