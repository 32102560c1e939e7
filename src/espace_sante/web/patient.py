"""The public landing page and the pages of a signed-in person: home and access history."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from espace_sante.accounts import service
from espace_sante.accounts.service import AccessEntry, PatientView, SpaceSummary
from espace_sante.core.actors import Actor, ActorKind
from espace_sante.core.uow import UowFactory
from espace_sante.gateway.actor import SESSION_COOKIE, MaybeActor, container
from espace_sante.profile import service as profile
from espace_sante.web import cookies, i18n, labels
from espace_sante.web.login import see_other
from espace_sante.web.redirects import sign_in_url
from espace_sante.web.render import render

router = APIRouter(include_in_schema=False)

HISTORY_PER_PAGE = 50
_STAFF = (ActorKind.OPERATOR, ActorKind.COMMISSION)


@dataclass(frozen=True)
class SpaceCard:
    patient: PatientView
    summary: SpaceSummary | None  # None for a closed space: its content is out of reach
    basis: str
    history_url: str | None  # None when the basis does not include the history
    settings_url: str | None = None  # holder and representatives: who acts, closure
    help_url: str | None = None  # a caregiver: his end date, and stopping his help
    documents_url: str | None = None  # the dossier (not a professional's: his are /pro)
    profile_url: str | None = None  # the profil médical and the measures


@dataclass(frozen=True)
class HistoryRow:
    iso: str
    when: str
    actor: str
    role: str
    organisation: str
    action: str
    basis: str
    outcome: str
    denied: bool


@router.get("/")
def landing(request: Request, actor: MaybeActor) -> Response:
    return render(request, "landing.html", {"home_url": home_url(actor)}, actor=actor)


def home_url(actor: Actor) -> str | None:
    """Where each kind of signed-in user has his pages (None: not signed in)."""
    if not actor.is_authenticated:
        return None
    if actor.kind is ActorKind.PROFESSIONAL:
        return "/pro"
    return "/staff" if actor.kind in _STAFF else "/accueil"


def to_sign_in(request: Request, back_to: str | None = None) -> Response:
    """Not signed in (or the session ended): straight to the form, not an error page;
    with ``back_to``, the form brings the person back there once signed in."""
    response = see_other(sign_in_url(back_to))
    if request.cookies.get(SESSION_COOKIE):
        cookies.end_session(request, response)  # a dead cookie is of no further use
    return response


@router.get("/accueil")
def home(request: Request, actor: MaybeActor) -> Response:
    target = home_url(actor)
    if target is None:
        return to_sign_in(request)
    if target != "/accueil":
        return see_other(target)
    lang = i18n.choose_language(request)
    uow = container(request).uow
    spaces = service.my_spaces(uow, actor)
    # One's own space first, then those one acts for (in the repository's order).
    spaces.sort(key=lambda space: space.id != actor.own_patient_id)
    cards = [_card(uow, actor, space, lang) for space in spaces]
    return render(request, "home.html", {"cards": cards}, actor=actor)


def _card(uow: UowFactory, actor: Actor, space: PatientView, lang: str) -> SpaceCard:
    patient_id = space.id
    closed = patient_id in actor.closed_spaces
    summary = None if closed else service.space_summary(uow, actor, patient_id)
    links = service.space_links(actor, patient_id)  # e.g. no history link for a caregiver
    base = f"/espaces/{patient_id}"
    return SpaceCard(
        patient=space,
        summary=summary,
        basis=labels.label(labels.BASES, actor.basis_for(patient_id), lang),
        history_url=f"{base}/historique" if links.history else None,
        settings_url=f"{base}/parametres" if links.settings else None,
        help_url=f"{base}/aidant" if links.own_help else None,
        documents_url=f"{base}/documents" if links.documents else None,
        profile_url=f"{base}/profil" if not closed and profile.offered(
            actor, patient_id).profile else None,
    )


@router.get("/espaces/{patient_id}/historique")
def history(
    request: Request, actor: MaybeActor, patient_id: str,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    if not actor.is_authenticated:
        return to_sign_in(request)
    uow = container(request).uow
    entries = service.access_history(uow, actor, patient_id, page=page,
                                     per_page=HISTORY_PER_PAGE)
    patient = service.get_patient(uow, actor, patient_id)
    lang = i18n.choose_language(request)
    context = {
        "patient": patient,
        "rows": [_row(entry, lang) for entry in entries],
        "page": page,
        "has_next": len(entries) == HISTORY_PER_PAGE,
    }
    return render(request, "history.html", context, actor=actor)


def _row(entry: AccessEntry, lang: str) -> HistoryRow:
    action = labels.label(labels.ACTIONS, entry.action, lang)
    resource = labels.label(labels.RESOURCES, entry.resource_kind, lang)
    return HistoryRow(
        iso=entry.occurred_at.isoformat(),
        when=labels.when(entry.occurred_at, lang),
        actor=entry.actor_name,
        role=labels.role(entry.actor_kind, entry.role, lang),
        organisation=entry.organisation or "—",
        action=f"{action} · {resource}",
        basis=labels.label(labels.BASES, entry.legal_basis, lang),
        outcome=labels.label(labels.OUTCOMES, entry.outcome, lang),
        denied=entry.outcome != "success",
    )
