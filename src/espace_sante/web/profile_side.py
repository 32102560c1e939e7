"""What the profile's pages share: whose pages they are (the space's holder and the people
acting for him under ``/espaces``, a professional under ``/pro/patients``), which buttons
to offer, and the confirmations shown after a change. Every decision is the profile's use
cases'; ``offered`` only keeps buttons that would be refused off the pages."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from fastapi import Depends, Request
from fastapi.responses import Response

from espace_sante.accounts import service as accounts
from espace_sante.accounts.dates import is_minor, paris_today
from espace_sante.accounts.service import PatientView
from espace_sante.core.actors import Actor, ActorKind
from espace_sante.core.errors import NotFound
from espace_sante.gateway.actor import container
from espace_sante.profile import service
from espace_sante.profile.service import Offered
from espace_sante.profile.views import ItemView, MeasureView
from espace_sante.web import csrf, i18n
from espace_sante.web.labels import translate
from espace_sante.web.login import see_other
from espace_sante.web.patient import to_sign_in
from espace_sante.web.render import render

PATIENT: Final = "/espaces/{patient_id}/profil"
PRO: Final = "/pro/patients/{patient_id}/profil"
Checked = [Depends(csrf.check)]
# Confirmations after a change (the ``fait`` query parameter after a redirect).
DONE: Final[dict[str, str]] = {
    "ajout": "L'information est ajoutée à votre profil.",
    "modification": "L'information est modifiée.",
    "suppression": "L'information est supprimée ; elle reste dans l'historique du profil.",
    "mesure": "La mesure est enregistrée.",
    "mesure-supprimee": "La mesure est supprimée ; elle reste dans l'historique.",
    "reglages": "Les réglages du profil sont enregistrés.",
}


@dataclass(frozen=True)
class Side:
    patient_id: str
    base: str  # the profile's address on this side
    offer: Offered
    subject_id: str  # the reader: a professional deletes what he recorded himself
    pro: bool = False

    @property
    def back(self) -> str:
        return "/pro" if self.pro else "/accueil"

    @property
    def documents(self) -> str:
        return self.base.removesuffix("/profil") + "/documents"

    def deletes_item(self, item: ItemView) -> bool:
        return self.offer.delete_items or self._own(item.recorded_by, self.offer.add_items)

    def deletes_measure(self, measure: MeasureView) -> bool:
        own = self._own(measure.recorded_by, self.offer.add_measures)
        return self.offer.delete_measures or own

    def _own(self, recorded_by: str, may_write: bool) -> bool:
        return self.pro and may_write and recorded_by == self.subject_id


def side_of(request: Request, actor: Actor, patient_id: str) -> Side:
    """A professional has his pages under ``/pro`` (even for his own space's id there is
    nothing for him under ``/espaces``), and nobody else has pages under ``/pro``."""
    pro = request.url.path.startswith("/pro/")
    if pro != (actor.kind is ActorKind.PROFESSIONAL):
        raise NotFound.default()
    base = (PRO if pro else PATIENT).format(patient_id=patient_id)
    return Side(patient_id, base, service.offered(actor, patient_id), actor.subject_id, pro)


def guarded(request: Request, actor: Actor, patient_id: str,
            page: Callable[[Side], Response]) -> Response:
    """Not signed in: to the sign-in form (then back here); else the page of this side."""
    if not actor.is_authenticated:
        if request.url.path.startswith("/pro/"):
            return see_other("/pro/connexion")
        return to_sign_in(request, request.url.path)
    return page(side_of(request, actor, patient_id))


def lang_of(request: Request) -> str:
    return i18n.choose_language(request)


def done(request: Request) -> str | None:
    french = DONE.get(request.query_params.get("fait") or "")
    return translate(lang_of(request), french) if french else None


def patient_of(request: Request, actor: Actor, side: Side) -> PatientView:
    return accounts.get_patient(container(request).uow, actor, side.patient_id)


def is_child(request: Request, patient: PatientView) -> bool:
    """Growth curves are for the holder under 18."""
    return is_minor(patient.birth_date, paris_today(container(request).clock.now()))


def page(request: Request, actor: Actor, name: str, side: Side, *, status_code: int = 200,
         **context: Any) -> Response:
    """Render a profile page with what every one of them shows."""
    context.setdefault("patient", patient_of(request, actor, side))
    return render(request, name, {"side": side, "done": done(request), **context},
                  actor=actor, status_code=status_code)
