"""The measures' pages: every type with its latest value, and each type's page with the
form to add one (a blood pressure: two values), its chart over time and its history,
a page of 20 at a time, with the delete buttons the policy allows."""

from __future__ import annotations

from typing import Annotated, Any, Final

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response

from espace_sante.accounts.dates import PARIS
from espace_sante.core.actors import Actor
from espace_sante.core.errors import InvalidInput, NotFound
from espace_sante.gateway.actor import MaybeActor, container
from espace_sante.profile import display, service
from espace_sante.profile.codes import MEASURE_TYPES, MeasureKind
from espace_sante.profile.growth import CHARTS
from espace_sante.profile.views import MeasureInput, MeasureView
from espace_sante.web.login import see_other
from espace_sante.web.profile_charts import measure_chart
from espace_sante.web.profile_forms import error_field, measured_at, number
from espace_sante.web.profile_side import (
    PATIENT,
    PRO,
    Checked,
    Side,
    guarded,
    is_child,
    lang_of,
    page,
    patient_of,
)

router = APIRouter(include_in_schema=False)

PER_PAGE = 20
CHART_POINTS = 2_000  # a page draws the latest ones; the API gives up to 10,000
MEASURES: Final = "/mesures"
GROWTH_KINDS = frozenset(c.kind for c in CHARTS.values())


def kind_of(name: str) -> MeasureKind:
    """An unknown type is a missing page, like another patient's."""
    try:
        return MeasureKind(name)
    except ValueError:
        raise NotFound.default() from None


def row(m: MeasureView, side: Side, lang: str) -> dict[str, Any]:
    return {"measure": m, "label": display.measure_label(m.type, lang),
            "value": display.measure_value(m.type, m.value, m.value2, lang),
            "when": display.moment(m.effective_at, lang), "iso": m.effective_at.isoformat(),
            "day": display.day(m.effective_at, lang),
            "source": display.source_label(m.source, lang),
            "deletes": side.deletes_measure(m) and not MEASURE_TYPES[m.type].computed,
            "url": f"{side.base}{MEASURES}/{m.type.value}"}


def latest_rows(request: Request, actor: Actor, side: Side) -> list[dict[str, Any]]:
    lang = lang_of(request)
    latest = service.latest_measures(container(request), actor, side.patient_id)
    order = list(MeasureKind)
    return [row(m, side, lang) for m in sorted(latest, key=lambda m: order.index(m.type))]


# -- every type -----------------------------------------------------------------------------


def measures_page(request: Request, actor: Actor, side: Side) -> Response:
    lang = lang_of(request)
    latest = {r["measure"].type: r for r in latest_rows(request, actor, side)}
    types = [{"kind": k, "label": display.measure_label(k, lang), "latest": latest.get(k),
              "url": f"{side.base}{MEASURES}/{k.value}"} for k in MeasureKind]
    patient = patient_of(request, actor, side)
    return page(request, actor, "profile/measures.html", side, patient=patient, types=types,
                child=is_child(request, patient))


@router.get(PATIENT + MEASURES)
@router.get(PRO + MEASURES)
def measures(request: Request, actor: MaybeActor, patient_id: str) -> Response:
    return guarded(request, actor, patient_id, lambda side: measures_page(request, actor, side))


# -- one type -------------------------------------------------------------------------------


def measure_page(request: Request, actor: Actor, side: Side, kind: MeasureKind,
                 page_number: int = 1, *, status_code: int = 200, **extra: Any) -> Response:
    c, lang = container(request), lang_of(request)
    history = service.measure_history(c, actor, side.patient_id, kind, count=PER_PAGE,
                                      offset=(page_number - 1) * PER_PAGE)
    series = service.measure_series(c, actor, side.patient_id, kind, bound=CHART_POINTS)
    last = max(1, -(-history.total // PER_PAGE))
    url = f"{side.base}{MEASURES}/{kind.value}"
    patient = patient_of(request, actor, side)
    mtype = MEASURE_TYPES[kind]
    return page(
        request, actor, "profile/measure.html", side, status_code=status_code,
        patient=patient, kind=kind, mtype=mtype, label=display.measure_label(kind, lang),
        unit=display.unit_label(kind, lang), url=url, total=history.total,
        rows=[row(m, side, lang) for m in history.measures], current=page_number, last=last,
        chart=measure_chart(series, lang), truncated=series.truncated,
        units=[(u.code, u.display) for u in (mtype.unit, *mtype.alternatives)],
        parts=[display.pick(p.label, lang) for p in mtype.components],
        growth=kind in GROWTH_KINDS and is_child(request, patient),
        form=extra.pop("form", None) or _blank_form(request, kind),
        wrong=error_field(extra.get("error")), **extra)


def _blank_form(request: Request, kind: MeasureKind) -> dict[str, str]:
    now = container(request).clock.now().astimezone(PARIS)
    return {"date": now.date().isoformat(), "heure": now.strftime("%H:%M"),
            "unite": MEASURE_TYPES[kind].unit.code}


@router.get(PATIENT + MEASURES + "/{kind}")
@router.get(PRO + MEASURES + "/{kind}")
def measure(request: Request, actor: MaybeActor, patient_id: str, kind: str,
            page_: Annotated[int, Query(alias="page", ge=1, le=10_000)] = 1) -> Response:
    return guarded(request, actor, patient_id, lambda side: measure_page(
        request, actor, side, kind_of(kind), page_))


def _add(request: Request, actor: Actor, side: Side, kind: MeasureKind,
         form: dict[str, str]) -> Response:
    c, mtype = container(request), MEASURE_TYPES[kind]
    try:
        if mtype.computed:
            raise NotFound.default()  # the BMI is never typed: no form posts here
        second = (number(form["diastolique"], "diastolique", mtype.components[1].label)
                  if mtype.components else None)
        value = number(form["valeur"], "valeur", (mtype.components[0].label if mtype.components
                                                   else mtype.label))
        at = measured_at(form["date"], form["heure"], c.clock.now())
        service.add_measure(c, actor, side.patient_id,
                            MeasureInput(kind, value, at, form["unite"] or None, second))
    except InvalidInput as error:
        return measure_page(request, actor, side, kind, status_code=error.status, error=error,
                            form=form)
    return see_other(f"{side.base}{MEASURES}/{kind.value}?fait=mesure")


@router.post(PATIENT + MEASURES + "/{kind}", dependencies=Checked)
@router.post(PRO + MEASURES + "/{kind}", dependencies=Checked)
def add_measure(
    request: Request, actor: MaybeActor, patient_id: str, kind: str,
    valeur: Annotated[str, Form(max_length=40)] = "",
    diastolique: Annotated[str, Form(max_length=40)] = "",
    unite: Annotated[str, Form(max_length=20)] = "",
    date: Annotated[str, Form(max_length=20)] = "",
    heure: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    form = {"valeur": valeur, "diastolique": diastolique, "unite": unite, "date": date,
            "heure": heure}
    return guarded(request, actor, patient_id,
                   lambda side: _add(request, actor, side, kind_of(kind), form))


def _delete(request: Request, actor: Actor, side: Side, kind: MeasureKind,
            measure_id: str) -> Response:
    service.delete_measure(container(request), actor, side.patient_id, measure_id, kind)
    return see_other(f"{side.base}{MEASURES}/{kind.value}?fait=mesure-supprimee")


@router.post(PATIENT + MEASURES + "/{kind}/{measure_id}/suppression", dependencies=Checked)
@router.post(PRO + MEASURES + "/{kind}/{measure_id}/suppression", dependencies=Checked)
def delete_measure(request: Request, actor: MaybeActor, patient_id: str, kind: str,
                   measure_id: str) -> Response:
    return guarded(request, actor, patient_id,
                   lambda side: _delete(request, actor, side, kind_of(kind), measure_id))
