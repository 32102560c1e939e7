"""The profile as a PDF to hand to a carer: a form to choose the sections, and the
download (``profile.export``: the holders only, audited). A POST, with the form's CSRF
token, since every export is written to the access history."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from espace_sante.core.actors import Actor
from espace_sante.core.errors import InvalidInput
from espace_sante.gateway.actor import MaybeActor, container
from espace_sante.profile import display, export
from espace_sante.profile.codes import Section
from espace_sante.web.labels import translate
from espace_sante.web.profile_side import PATIENT, Checked, Side, guarded, lang_of, page

router = APIRouter(include_in_schema=False)
EXPORT = PATIENT + "/export"
PDF_HEADERS = {
    "Content-Disposition": f'attachment; filename="{export.FILENAME}"',
    "Cache-Control": "no-store",  # health data stays out of caches
}
LATEST = "Dernières mesures"
NOTHING_CHOSEN = InvalidInput("Choisissez au moins une rubrique à exporter.",
                              "Choose at least one section to export.", {"field": "rubriques"})


def export_page(request: Request, actor: Actor, side: Side, chosen: list[str] | None = None,
                error: InvalidInput | None = None) -> Response:
    lang = lang_of(request)
    options: list[dict[str, Any]] = [
        {"value": s.value, "label": display.section_label(s, lang)} for s in Section]
    options.append({"value": export.MEASURES, "label": translate(lang, LATEST)})
    ticked = set(chosen) if chosen is not None else {o["value"] for o in options}
    return page(request, actor, "profile/export.html", side, options=options, ticked=ticked,
                error=error, status_code=error.status if error else 200)


@router.get(EXPORT)
def export_form(request: Request, actor: MaybeActor, patient_id: str) -> Response:
    return guarded(request, actor, patient_id, lambda side: export_page(request, actor, side))


def _download(request: Request, actor: Actor, side: Side, chosen: list[str]) -> Response:
    if not chosen:
        return export_page(request, actor, side, chosen, NOTHING_CHOSEN)
    pdf = export.export_pdf(container(request), actor, side.patient_id,
                            export.choice_of(chosen))
    return Response(pdf, media_type="application/pdf", headers=PDF_HEADERS)


@router.post(EXPORT, dependencies=Checked)
def download(request: Request, actor: MaybeActor, patient_id: str,
             rubriques: Annotated[list[str] | None, Form(max_length=len(Section) + 1)] = None,
             ) -> Response:
    return guarded(request, actor, patient_id,
                   lambda side: _download(request, actor, side, rubriques or []))
