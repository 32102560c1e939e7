"""The settings of a space, for its holder and legal representatives: who acts for it
(with remove buttons), invite a caregiver or the second parent, close, reopen, ask for
deletion (each with a confirmation step). Every decision is the use cases'; a refused or
unknown space answers "not found"."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from espace_sante.accounts import caregivers, closure, family, invitations
from espace_sante.accounts.dates import add_years, paris_today
from espace_sante.accounts.space_settings import space_settings
from espace_sante.core.actors import Actor
from espace_sante.core.errors import Conflict, DomainError, Forbidden, InvalidInput
from espace_sante.gateway.actor import MaybeActor, container
from espace_sante.web import csrf, space_invitations, space_labels
from espace_sante.web.login import see_other
from espace_sante.web.patient import to_sign_in
from espace_sante.web.render import render

router = APIRouter(include_in_schema=False)
router.include_router(space_invitations.router)

Checked = [Depends(csrf.check)]
# Refusals a person can fix on the page itself: shown next to the form, not as an error page.
FORM_ERRORS = (InvalidInput, Forbidden, Conflict)


def _url(patient_id: str, rest: str = "") -> str:
    return f"/espaces/{patient_id}/parametres{rest}"


def settings_page(
    request: Request, actor: Actor, patient_id: str, *, status_code: int = 200,
    **extra: Any,
) -> Response:
    c = container(request)
    view = space_settings(c.uow, actor, patient_id)
    today = paris_today(c.clock.now())
    lang = space_labels.lang_of(request)
    context = {
        "view": view, "url": _url(patient_id), "dates": space_labels.Dates(lang),
        "roles": space_labels.roles(lang), "invitation_roles": space_labels.invitation_roles(lang),
        "done": space_labels.done(request.query_params.get("fait"), lang),
        "min_until": today + timedelta(days=1),
        "max_until": add_years(today, caregivers.MAX_YEARS), "form": {}, **extra,
    }
    return render(request, "space/settings.html", context, actor=actor,
                  status_code=status_code)


@router.get("/espaces/{patient_id}/parametres")
def settings(request: Request, actor: MaybeActor, patient_id: str) -> Response:
    if not actor.is_authenticated:
        return to_sign_in(request)
    return settings_page(request, actor, patient_id)


def _form_error(request: Request, actor: Actor, patient_id: str, error: DomainError,
                form_name: str, form: dict[str, str]) -> Response:
    return settings_page(request, actor, patient_id, status_code=error.status, error=error,
                         error_form=form_name, form=form)


@router.post("/espaces/{patient_id}/parametres/aidants", dependencies=Checked)
def invite_caregiver(
    request: Request, actor: MaybeActor, patient_id: str,
    email: Annotated[str, Form()] = "", until: Annotated[str, Form()] = "",
) -> Response:
    if not actor.is_authenticated:
        return to_sign_in(request)
    c = container(request)
    try:
        caregivers.invite_caregiver(c.uow, actor, patient_id, email=email,
                                    until=_parse_date(until), base_url=c.settings.base_url)
    except FORM_ERRORS as error:
        return _form_error(request, actor, patient_id, error, "caregiver",
                           {"email": email, "until": until})
    return see_other(_url(patient_id, "?fait=invitation"))


def _parse_date(raw: str) -> date:
    try:
        return date.fromisoformat(raw.strip())
    except ValueError:
        raise InvalidInput("Indiquez la date de fin (jour, mois, année).",
                           "Give the end date (day, month, year).", {"field": "until"}) from None


@router.post("/espaces/{patient_id}/parametres/second-parent", dependencies=Checked)
def invite_second_parent(
    request: Request, actor: MaybeActor, patient_id: str, email: Annotated[str, Form()] = "",
) -> Response:
    if not actor.is_authenticated:
        return to_sign_in(request)
    c = container(request)
    try:
        family.invite_second_parent(c.uow, actor, patient_id, email=email,
                                    base_url=c.settings.base_url)
    except FORM_ERRORS as error:
        return _form_error(request, actor, patient_id, error, "parent", {"parent_email": email})
    return see_other(_url(patient_id, "?fait=invitation"))


@router.post("/espaces/{patient_id}/parametres/aidants/{delegation_id}/retrait",
             dependencies=Checked)
def revoke_caregiver(request: Request, actor: MaybeActor, patient_id: str,
                     delegation_id: str) -> Response:
    if not actor.is_authenticated:
        return to_sign_in(request)
    try:
        caregivers.revoke_caregiver(container(request).uow, actor, patient_id, delegation_id)
    except FORM_ERRORS as error:
        return _form_error(request, actor, patient_id, error, "people", {})
    return see_other(_url(patient_id, "?fait=retrait"))


@router.post("/espaces/{patient_id}/parametres/invitations/{invitation_id}/annulation",
             dependencies=Checked)
def cancel_invitation(request: Request, actor: MaybeActor, patient_id: str,
                      invitation_id: str) -> Response:
    if not actor.is_authenticated:
        return to_sign_in(request)
    invitations.cancel_invitation(container(request).uow, actor, patient_id, invitation_id)
    return see_other(_url(patient_id, "?fait=annulation"))


# -- closing, reopening, deleting -------------------------------------------------------


@router.post("/espaces/{patient_id}/parametres/reouverture", dependencies=Checked)
def reopen(request: Request, actor: MaybeActor, patient_id: str) -> Response:
    if not actor.is_authenticated:
        return to_sign_in(request)
    try:
        closure.reopen_space(container(request).uow, actor, patient_id)
    except FORM_ERRORS as error:
        return _form_error(request, actor, patient_id, error, "state", {})
    return see_other(_url(patient_id, "?fait=reouverture"))


@router.get("/espaces/{patient_id}/parametres/fermeture")
def confirm_close(request: Request, actor: MaybeActor, patient_id: str) -> Response:
    if not actor.is_authenticated:
        return to_sign_in(request)
    return _confirm(request, actor, patient_id, "fermeture")


@router.get("/espaces/{patient_id}/parametres/suppression")
def confirm_deletion(request: Request, actor: MaybeActor, patient_id: str) -> Response:
    if not actor.is_authenticated:
        return to_sign_in(request)
    return _confirm(request, actor, patient_id, "suppression")


def _confirm(request: Request, actor: Actor, patient_id: str, step: str, *,
             error: DomainError | None = None) -> Response:
    c = container(request)
    status = closure.space_status(c.uow, actor, patient_id)
    context = {
        "status": status, "step": step, "url": _url(patient_id),
        "dates": space_labels.Dates(space_labels.lang_of(request)), "error": error,
        "archive_years": closure.ARCHIVE_YEARS, "delay_days": closure.DELETION_DELAY.days,
    }
    return render(request, "space/confirm.html", context, actor=actor,
                  status_code=error.status if error else 200)


NOT_CONFIRMED = InvalidInput(
    "Cochez la case pour confirmer.", "Tick the box to confirm.", {"field": "confirme"})


@router.post("/espaces/{patient_id}/parametres/fermeture", dependencies=Checked)
def close(request: Request, actor: MaybeActor, patient_id: str,
          confirme: Annotated[str, Form()] = "") -> Response:
    return _confirmed(request, actor, patient_id, "fermeture", confirme)


@router.post("/espaces/{patient_id}/parametres/suppression", dependencies=Checked)
def request_deletion(request: Request, actor: MaybeActor, patient_id: str,
                     confirme: Annotated[str, Form()] = "") -> Response:
    return _confirmed(request, actor, patient_id, "suppression", confirme)


def _confirmed(request: Request, actor: Actor, patient_id: str, step: str,
               confirme: str) -> Response:
    if not actor.is_authenticated:
        return to_sign_in(request)
    if confirme != "oui":
        return _confirm(request, actor, patient_id, step, error=NOT_CONFIRMED)
    uow = container(request).uow
    try:
        if step == "fermeture":
            closure.close_space(uow, actor, patient_id)
        else:
            closure.request_deletion(uow, actor, patient_id)
    except FORM_ERRORS as error:
        return _confirm(request, actor, patient_id, step, error=error)
    return see_other(_url(patient_id, f"?fait={step}"))
