"""The profil médical's pages: the summary (each section with its entries, the latest
measures) and each section's page, with the form built from its fields to add, change
and delete entries. The same pages serve the space's holder and the people acting for
him (``/espaces/…/profil``) and a professional (``/pro/patients/…/profil``), who reads
and adds where the policy lets him. Measures, growth curves and the PDF export have their
own modules, included here first (their addresses come before a section's)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from espace_sante.core.actors import Actor
from espace_sante.core.errors import Conflict, InvalidInput, NotFound
from espace_sante.gateway.actor import MaybeActor, container
from espace_sante.profile import display, service
from espace_sante.profile.codes import Section
from espace_sante.profile.sections import SPECS
from espace_sante.profile.support import today
from espace_sante.profile.views import ItemChanges, ItemInput, ItemView
from espace_sante.web import (
    profile_export,
    profile_growth,
    profile_measures,
    profile_settings,
)
from espace_sante.web.login import see_other
from espace_sante.web.profile_forms import (
    entry_data,
    error_field,
    form_fields,
    inputs,
    stored_values,
)
from espace_sante.web.profile_measures import latest_rows
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
router.include_router(profile_measures.router)
router.include_router(profile_growth.router)
router.include_router(profile_export.router)
router.include_router(profile_settings.router)

FormFields = Annotated[dict[str, str], Depends(form_fields)]
# Refusals a person can fix on the page itself: shown next to the form.
FORM_ERRORS = (InvalidInput, Conflict)


def section_of(name: str) -> Section:
    """An unknown section is a missing page, like another patient's."""
    try:
        return Section(name)
    except ValueError:
        raise NotFound.default() from None


def shown(item: ItemView, side: Side, lang: str) -> dict[str, Any]:
    return {"item": item, "facts": display.facts(item, lang),
            "source": display.source_label(item.source, lang),
            "recorded": display.day(item.recorded_at, lang),
            "deletes": side.deletes_item(item)}


# -- the summary ---------------------------------------------------------------------------


def summary_page(request: Request, actor: Actor, side: Side) -> Response:
    c, lang = container(request), lang_of(request)
    items = service.list_items(c, actor, side.patient_id)
    sections = [{"section": s, "label": display.section_label(s, lang), "single": SPECS[s].single,
                 "entries": [shown(i, side, lang) for i in items if i.section is s]}
                for s in Section]
    patient = patient_of(request, actor, side)
    return page(request, actor, "profile/summary.html", side, patient=patient,
                sections=sections, latest=latest_rows(request, actor, side),
                child=is_child(request, patient))


@router.get(PATIENT)
@router.get(PRO)
def summary(request: Request, actor: MaybeActor, patient_id: str) -> Response:
    return guarded(request, actor, patient_id, lambda side: summary_page(request, actor, side))


# -- a section --------------------------------------------------------------------------------


def section_page(request: Request, actor: Actor, side: Side, section: Section, *,
                 status_code: int = 200, **extra: Any) -> Response:
    c, lang = container(request), lang_of(request)
    entries = [shown(i, side, lang) for i in service.list_items(c, actor, side.patient_id,
                                                                 section)]
    spec = SPECS[section]
    form: dict[str, str] = extra.pop("form", {})
    return page(request, actor, "profile/section.html", side, status_code=status_code,
                section=section, label=display.section_label(section, lang), spec=spec,
                entries=entries, inputs=inputs(spec, lang, form, today(c)),
                can_add=side.offer.add_items and not (spec.single and entries),
                wrong=error_field(extra.get("error")), **extra)


@router.get(PATIENT + "/{section}")
@router.get(PRO + "/{section}")
def section(request: Request, actor: MaybeActor, patient_id: str, section: str) -> Response:
    return guarded(request, actor, patient_id,
                   lambda side: section_page(request, actor, side, section_of(section)))


def _add(request: Request, actor: Actor, side: Side, name: str,
         fields: dict[str, str]) -> Response:
    section = section_of(name)
    item = ItemInput(section, entry_data(SPECS[section], fields))
    try:
        service.add_item(container(request), actor, side.patient_id, item)
    except FORM_ERRORS as error:
        return section_page(request, actor, side, section, status_code=error.status,
                            error=error, form=fields)
    return see_other(f"{side.base}/{section.value}?fait=ajout")


@router.post(PATIENT + "/{section}", dependencies=Checked)
@router.post(PRO + "/{section}", dependencies=Checked)
def add_entry(request: Request, actor: MaybeActor, patient_id: str, section: str,
              fields: FormFields) -> Response:
    return guarded(request, actor, patient_id,
                   lambda side: _add(request, actor, side, section, fields))


# -- changing and deleting an entry -------------------------------------------------------------

ENTRY = "/{section}/{item_id}"


def _entry(request: Request, actor: Actor, side: Side, section: Section,
           item_id: str) -> ItemView:
    """The entry, if it is a current one of this section (else not found)."""
    item = service.get_item(container(request), actor, side.patient_id, item_id)
    if item.section is not section or item.deleted_at is not None:
        raise NotFound.default()
    return item


def edit_page(request: Request, actor: Actor, side: Side, section: Section, item_id: str, *,
              status_code: int = 200, **extra: Any) -> Response:
    c, lang = container(request), lang_of(request)
    item = _entry(request, actor, side, section, item_id)
    form = extra.pop("form", None) or stored_values(item)
    return page(request, actor, "profile/edit.html", side, status_code=status_code,
                section=section, label=display.section_label(section, lang), item=item,
                inputs=inputs(SPECS[section], lang, form, today(c)),
                wrong=error_field(extra.get("error")), **extra)


@router.get(PATIENT + ENTRY + "/modification")
def edit_form(request: Request, actor: MaybeActor, patient_id: str, section: str,
              item_id: str) -> Response:
    return guarded(request, actor, patient_id, lambda side: edit_page(
        request, actor, side, section_of(section), item_id))


def _change(request: Request, actor: Actor, side: Side, name: str, item_id: str,
            fields: dict[str, str]) -> Response:
    section = section_of(name)
    _entry(request, actor, side, section, item_id)
    changes = ItemChanges(entry_data(SPECS[section], fields))
    try:
        service.update_item(container(request), actor, side.patient_id, item_id, changes)
    except FORM_ERRORS as error:
        return edit_page(request, actor, side, section, item_id, status_code=error.status,
                         error=error, form=fields)
    return see_other(f"{side.base}/{section.value}?fait=modification")


@router.post(PATIENT + ENTRY + "/modification", dependencies=Checked)
def change_entry(request: Request, actor: MaybeActor, patient_id: str, section: str,
                 item_id: str, fields: FormFields) -> Response:
    return guarded(request, actor, patient_id,
                   lambda side: _change(request, actor, side, section, item_id, fields))


def _delete(request: Request, actor: Actor, side: Side, name: str, item_id: str) -> Response:
    section = section_of(name)
    service.delete_item(container(request), actor, side.patient_id, item_id)
    return see_other(f"{side.base}/{section.value}?fait=suppression")


@router.post(PATIENT + ENTRY + "/suppression", dependencies=Checked)
@router.post(PRO + ENTRY + "/suppression", dependencies=Checked)
def delete_entry(request: Request, actor: MaybeActor, patient_id: str, section: str,
                 item_id: str) -> Response:
    return guarded(request, actor, patient_id,
                   lambda side: _delete(request, actor, side, section, item_id))
