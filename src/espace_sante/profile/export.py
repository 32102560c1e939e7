"""The profile as a PDF to hand to a carer (DOMAIN.md 1b): the whole profile or the chosen
sections, with the latest measures, in French.

Exporting is its own action of the policy (``profile`` / ``export``: the holders only, a
download that caregivers may not make); it is checked and audited first, in the same unit
of work as the reads it makes (each audited too), so the access history shows the export
and what it read."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from espace_sante.accounts import service as accounts
from espace_sante.accounts.service import PatientView
from espace_sante.core.actors import Actor
from espace_sante.core.errors import InvalidInput
from espace_sante.core.pdf import FAMILY, new_document
from espace_sante.core.policy import Action, Resource
from espace_sante.core.services import Services
from espace_sante.profile import display
from espace_sante.profile.codes import Section
from espace_sante.profile.repository import ItemRepository, MeasureRepository
from espace_sante.profile.support import item_view, measure_view
from espace_sante.profile.views import ItemView, MeasureView

MEASURES = "measures"  # the latest measures, chosen like a section
FILENAME = "profil-medical.pdf"
LANG = "fr"  # the carer reads French; the page's language does not change the document
GREY = (90, 98, 106)


@dataclass(frozen=True)
class Choice:
    sections: tuple[Section, ...] = tuple(Section)
    measures: bool = True


def choice_of(names: Iterable[str]) -> Choice:
    """Names of sections (and ``measures``), as a form or a query sends them; none means
    the whole profile. An unknown name is refused rather than silently left out."""
    wanted = [n.strip() for raw in names for n in raw.split(",") if n.strip()]
    if not wanted:
        return Choice()
    known = {s.value for s in Section} | {MEASURES}
    unknown = [n for n in wanted if n not in known]
    if unknown:
        raise InvalidInput(f"Rubrique inconnue : {unknown[0][:40]}.",
                           f"Unknown section: {unknown[0][:40]}.", {"field": "sections"})
    return Choice(tuple(s for s in Section if s.value in wanted), MEASURES in wanted)


def export_pdf(svc: Services, actor: Actor, patient_id: str, choice: Choice) -> bytes:
    with svc.uow(actor) as uow:
        entries = ItemRepository(uow)
        entries.authorize(Action.EXPORT, Resource.PROFILE, patient_id, FILENAME)
        rows = entries.items(patient_id, None) if choice.sections else []
        items = [item_view(r) for r in rows if r.section in choice.sections]
        latest = ([measure_view(r) for r in MeasureRepository(uow).latest(patient_id)]
                  if choice.measures else [])
        uow.commit()
    patient = accounts.get_patient(svc.uow, actor, patient_id)
    return render(patient, choice, items, latest, svc.clock.now())


def render(patient: PatientView, choice: Choice, items: list[ItemView],
           latest: list[MeasureView], now: datetime) -> bytes:
    pdf = new_document(f"Profil médical de {patient.display_name}")
    pdf.add_page()
    _heading(pdf, "Profil médical", 18)
    _line(pdf, patient.display_name, bold=True)
    _line(pdf, f"Nom de naissance : {patient.birth_family_name} · Prénoms : "
               f"{patient.first_names}")
    _line(pdf, f"Date de naissance : {display.day(patient.birth_date, LANG)}")
    _line(pdf, f"Exporté le {display.moment(now, LANG)} depuis Espace Santé.", GREY)
    for section in choice.sections:
        _section(pdf, section, [i for i in items if i.section is section])
    if choice.measures:
        _measures(pdf, latest)
    pdf.ln(4)
    _line(pdf, "Informations saisies dans l'espace santé par le patient, ses proches et ses "
               "professionnels de santé ; elles ne remplacent pas un avis médical.", GREY)
    return bytes(pdf.output())


def _section(pdf: FPDF, section: Section, items: list[ItemView]) -> None:
    _heading(pdf, display.section_label(section, LANG), 14)
    if not items:
        _line(pdf, "Aucune information renseignée.", GREY)
    for item in items:
        facts = display.facts(item, LANG)
        _line(pdf, facts[0].text if facts else "—", bold=True)
        for fact in facts[1:]:
            _line(pdf, f"{fact.label} : {fact.text}")
        source = display.source_label(item.source, LANG)
        _line(pdf, f"Source : {source}, le {display.day(item.recorded_at, LANG)}", GREY)
        pdf.ln(1)


def _measures(pdf: FPDF, latest: list[MeasureView]) -> None:
    _heading(pdf, "Dernières mesures", 14)
    if not latest:
        _line(pdf, "Aucune mesure enregistrée.", GREY)
    for m in latest:
        value = display.measure_value(m.type, m.value, m.value2, LANG)
        when = display.day(m.effective_at, LANG)
        source = display.source_label(m.source, LANG)
        _line(pdf, f"{display.measure_label(m.type, LANG)} : {value}, le {when} ({source})")


def _heading(pdf: FPDF, text: str, size: int) -> None:
    if pdf.will_page_break(25):  # a heading never ends a page without what follows it
        pdf.add_page()
    pdf.ln(3)
    pdf.set_font(FAMILY, "B", size)
    pdf.multi_cell(0, size * 0.5, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(1)


def _line(pdf: FPDF, text: str, colour: tuple[int, int, int] = (0, 0, 0), *,
          bold: bool = False) -> None:
    pdf.set_font(FAMILY, "B" if bold else "", 11 if colour == (0, 0, 0) else 9.5)
    pdf.set_text_color(*colour)
    pdf.multi_cell(0, 5.5, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(0, 0, 0)
