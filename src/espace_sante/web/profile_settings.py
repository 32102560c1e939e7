"""The profile's settings: the HbA1c target (drawn with the HbA1c measures) and the
choice to keep values found in documents out of the measures (DOMAIN.md: extraction
"unless the patient opted out"). Whoever may change the profile's entries may change
them (``profile.offered().edit_items``); everybody else is shown them read-only."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from espace_sante.core.actors import Actor
from espace_sante.core.errors import InvalidInput
from espace_sante.gateway.actor import MaybeActor, container
from espace_sante.profile import service
from espace_sante.profile.views import SettingsChanges
from espace_sante.web.login import see_other
from espace_sante.web.profile_side import PATIENT, PRO, Checked, Side, guarded, page

router = APIRouter(include_in_schema=False)
SETTINGS = "/reglages"
TARGET_FIELD = "objectif_hba1c"


def settings_page(request: Request, actor: Actor, side: Side, *, typed: str | None = None,
                  error: InvalidInput | None = None) -> Response:
    current = service.get_settings(container(request), actor, side.patient_id)
    target = typed if typed is not None else _shown(current.hba1c_target)
    return page(request, actor, "profile/settings.html", side, settings=current,
                target=target, error=error, status_code=error.status if error else 200)


def _shown(value: float | None) -> str:
    return "" if value is None else f"{value:g}".replace(".", ",")


def _target(typed: str) -> float | None:
    """People type "7,5" as often as "7.5"; empty clears the target."""
    text = typed.strip().replace(",", ".").removesuffix("%").strip()
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        raise InvalidInput("L'objectif d'HbA1c doit être un nombre, par exemple 7 ou 6,5.",
                           "The HbA1c target must be a number, for example 7 or 6.5.",
                           {"field": TARGET_FIELD}) from None


@router.get(PATIENT + SETTINGS)
@router.get(PRO + SETTINGS)
def settings_form(request: Request, actor: MaybeActor, patient_id: str) -> Response:
    return guarded(request, actor, patient_id, lambda side: settings_page(request, actor, side))


def _save(request: Request, actor: Actor, side: Side, typed: str, opt_out: bool) -> Response:
    try:
        target = _target(typed)
        changes = SettingsChanges(hba1c_target=target, clear_hba1c_target=target is None,
                                  extraction_opt_out=opt_out)
        service.update_settings(container(request), actor, side.patient_id, changes)
    except InvalidInput as error:
        return settings_page(request, actor, side, typed=typed, error=error)
    return see_other(f"{side.base}/reglages?fait=reglages")


@router.post(PATIENT + SETTINGS, dependencies=Checked)
@router.post(PRO + SETTINGS, dependencies=Checked)
def save_settings(request: Request, actor: MaybeActor, patient_id: str,
                  objectif_hba1c: Annotated[str, Form(max_length=20)] = "",
                  sans_extraction: Annotated[bool, Form()] = False) -> Response:
    return guarded(request, actor, patient_id,
                   lambda side: _save(request, actor, side, objectif_hba1c, sans_extraction))
