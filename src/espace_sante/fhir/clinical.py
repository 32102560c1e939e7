"""The entries of the profile as FHIR resources — AllergyIntolerance, Condition,
MedicationStatement, Immunization, FamilyMemberHistory, RelatedPerson — through the
profile brick's use cases, which apply the policy and write the audit trail.

Each type has read, search (``patient`` required; ``code``, its date, ``_sort``,
``_count``, ``_offset``), create, update (``PUT``: the fields the resource carries are
replaced, a field left out is cleared) and delete (the entry stays in the history). An
entry read through another type's address (an allergy as a Condition) is not found.

The policy gives apps and institutions no access to the profile (its sections map to many
FHIR types no single SMART scope names, ``core.policy``): the patient, his
representatives and caregivers, and the professionals he authorised use them, signed in.
A section holds few entries: a search reads the section and filters and pages it here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from espace_sante.accounts.dates import paris_today
from espace_sante.core.actors import Actor
from espace_sante.core.errors import NotFound
from espace_sante.fhir.dates import DateBound, day_matches, parse_bounds
from espace_sante.fhir.errors import BadRequest
from espace_sante.fhir.interactions import (
    Resource,
    ResourceSupport,
    SearchPage,
    SearchParam,
    Services,
)
from espace_sante.fhir.mapping.clinical import BASE, clinical_resource
from espace_sante.fhir.mapping.clinical_in import (
    PATIENT_ELEMENTS,
    IncomingEntry,
    incoming_entry,
)
from espace_sante.fhir.mapping.coding import CLINICAL_SYSTEMS, patient_reference
from espace_sante.fhir.search import oldest_first, paging, token, values
from espace_sante.fhir.targets import patient_param, space_of
from espace_sante.fhir.validate import validated
from espace_sante.profile import search as locating
from espace_sante.profile import service as profile
from espace_sante.profile.codes import Section, Status
from espace_sante.profile.views import ItemView


@dataclass(frozen=True)
class Clinical:
    """One resource type over one or two sections. ``date``: its date search parameter
    (name, standard definition, documentation), on the entry's date."""

    type: str
    sections: tuple[Section, ...]
    date: tuple[str, str, str] | None = None
    coded: bool = True

    @property
    def patient_element(self) -> str:
        return PATIENT_ELEMENTS[self.type]

    def read(self, services: Services, actor: Actor, item_id: str) -> Resource:
        return validated(self._resource(services, self._entry(services, actor, item_id)))

    def search(self, services: Services, actor: Actor, params: Mapping[str, str]) -> SearchPage:
        patient_id = patient_param(params)
        code = self._code(params.get("code"))
        bounds = parse_bounds(values(params, self.date[0]) if self.date else [],
                              self.date[0] if self.date else "date")
        count, offset = paging(params)
        entries = [v for s in self.sections
                   for v in profile.list_items(services, actor, patient_id, s)
                   if _matches(v, code, bounds)]
        entries.sort(key=_by_date, reverse=not oldest_first(params))
        page = [self._resource(services, v) for v in entries[offset:offset + count]]
        return SearchPage(page, len(entries), offset, count)

    def create(self, services: Services, actor: Actor, body: Any) -> Resource:
        incoming = incoming_entry(body, self.type, where=self.type)
        patient_id = space_of(services, actor, patient_reference(
            body, self.patient_element, where=self.type), self.type)
        view = profile.add_item(services, actor, patient_id, incoming.item())
        return validated(self._resource(services, view))

    def update(self, services: Services, actor: Actor, item_id: str, body: Any) -> Resource:
        where = f"{self.type}/{item_id}"
        current = self._entry(services, actor, item_id)
        incoming = incoming_entry(body, self.type, where=where)
        self._check_same(services, actor, current, incoming, body, where)
        view = profile.update_item(services, actor, current.patient_id, item_id,
                                   incoming.changes())
        return validated(self._resource(services, view))

    def delete(self, services: Services, actor: Actor, item_id: str) -> None:
        current = self._entry(services, actor, item_id)
        profile.delete_item(services, actor, current.patient_id, item_id)

    def support(self) -> ResourceSupport:
        params = [_param("patient", "reference", "clinical-patient",
                         "Patient/<id> (requis / required).")]
        if self.coded:
            params.append(_param("code", "token", "clinical-code",
                                 "<système>|<code> : SNOMED CT, CIM-10, ATC, CIS, RxNorm, CVX."))
        if self.date:
            params.append(_param(self.date[0], "date", self.date[1], self.date[2]))
        params += [
            _param("_sort", "string", "Resource-sort", "-date (défaut / default) | date."),
            _param("_count", "number", "Resource-count", "1–100, défaut / default 20."),
            _param("_offset", "number", "Resource-offset", "Pagination (liens next/previous)."),
        ]
        return ResourceSupport(
            type=self.type, profile=f"{BASE}{self.type}", read=self.read, search=self.search,
            create=self.create, update=self.update, delete=self.delete,
            search_params=tuple(params), smart_scopes=False,
            repeatable=frozenset({self.date[0]}) if self.date else frozenset())

    # -- helpers ----------------------------------------------------------------------------

    def _entry(self, services: Services, actor: Actor, item_id: str) -> ItemView:
        patient_id = locating.locate_item(services, actor, item_id)
        view = profile.get_item(services, actor, patient_id, item_id)
        # Another type's entry, or a deleted one (kept in its holders' history only).
        if view.section not in self.sections or view.status is Status.DELETED:
            raise NotFound.default()
        return view

    def _resource(self, services: Services, view: ItemView) -> Resource:
        return clinical_resource(view, paris_today(services.clock.now()))

    def _code(self, value: str | None) -> tuple[str | None, str] | None:
        if value is None:
            return None
        system, code = token(value)
        if system is not None and system not in CLINICAL_SYSTEMS:
            raise BadRequest(f"Terminologie non prise en charge : {system[:80]}.",
                             f"Code system not supported: {system[:80]}.")
        return system, code

    def _check_same(self, services: Services, actor: Actor, current: ItemView,
                    incoming: IncomingEntry, body: dict[str, Any], where: str) -> None:
        """An update changes an entry, not its identity: its id, its space, its section."""
        if body.get("id") not in (None, current.id):
            raise BadRequest(f"{where} : l'id de la ressource ne correspond pas à l'adresse.",
                             f"{where}: the resource's id does not match the address.")
        patient = patient_reference(body, self.patient_element, where=where)
        if space_of(services, actor, patient, where) != current.patient_id:
            raise BadRequest(f"{where} : le patient d'une entrée ne change pas.",
                             f"{where}: an entry's patient does not change.")
        if incoming.section is not current.section:
            raise BadRequest(f"{where} : le rôle d'une personne ne change pas (créez-en une "
                             "autre).", f"{where}: a person's role does not change (create "
                             "another one).")


def _matches(view: ItemView, code: tuple[str | None, str] | None,
             bounds: list[DateBound]) -> bool:
    if code is not None and (view.code != code[1] or code[0] not in (None, view.code_system)):
        return False
    return not bounds or day_matches(view.effective_date, bounds)


def _by_date(view: ItemView) -> tuple[bool, str, str]:
    """By the entry's date, then when it was recorded; undated entries sort before the
    dated ones (after them newest first)."""
    day = view.effective_date.isoformat() if view.effective_date else ""
    return bool(day), day, view.recorded_at.isoformat()


def _param(name: str, kind: str, definition: str, doc: str) -> SearchParam:
    return SearchParam(name, kind, f"http://hl7.org/fhir/SearchParameter/{definition}", doc)


TYPES = (
    Clinical("AllergyIntolerance", (Section.ALLERGIES,),
             ("date", "clinical-date", "Depuis (onset : « since » de l'entrée, non la date "
              "d'enregistrement) ; eq ge le gt lt.")),
    Clinical("Condition", (Section.DISEASES,),
             ("onset-date", "Condition-onset-date", "Début (onset) ; eq ge le gt lt.")),
    Clinical("MedicationStatement", (Section.TREATMENTS,),
             ("effective", "MedicationStatement-effective",
              "Début du traitement / start ; eq ge le gt lt.")),
    Clinical("Immunization", (Section.VACCINATIONS,),
             ("date", "clinical-date", "Date de la vaccination ; eq ge le gt lt.")),
    Clinical("FamilyMemberHistory", (Section.FAMILY_HISTORY,)),
    Clinical("RelatedPerson", (Section.TRUSTED_PERSON, Section.EMERGENCY_CONTACTS),
             coded=False),
)
SUPPORTS = tuple(t.support() for t in TYPES)
