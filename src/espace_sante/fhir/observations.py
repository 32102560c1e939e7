"""Observation: the measures of the profile (weight, height, blood pressure, glycaemia…),
through the profile brick's use cases, which apply the policy and write the audit trail.

- read ``GET /fhir/Observation/{id}``; delete ``DELETE`` (it stays in the history; the
  BMI follows its weight or height; a BMI itself is not deleted: it is computed);
- search ``GET /fhir/Observation?patient=…`` with ``code``, ``category``, ``date`` (one or
  two, prefixes eq ge le gt lt), ``_sort``, ``_count``, ``_offset``;
- create ``POST /fhir/Observation`` (``mapping.observation_in``): stored in the type's
  canonical unit; a typed BMI is refused by the brick, as on the pages;
- no update: a wrong measure is deleted and sent again (405, saying so).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from espace_sante.core.actors import Actor
from espace_sante.fhir.dates import instant_interval, parse_bounds
from espace_sante.fhir.errors import BadRequest
from espace_sante.fhir.interactions import (
    Resource,
    ResourceSupport,
    SearchPage,
    SearchParam,
    Services,
)
from espace_sante.fhir.mapping.coding import LOINC, OBSERVATION_CATEGORY, patient_reference
from espace_sante.fhir.mapping.observation import CATEGORIES, observation
from espace_sante.fhir.mapping.observation_in import incoming_measure, kind_of
from espace_sante.fhir.search import oldest_first, paging, token, values
from espace_sante.fhir.targets import patient_param, space_of
from espace_sante.fhir.validate import validated
from espace_sante.profile import search as measures
from espace_sante.profile import service as profile
from espace_sante.profile.codes import BY_CODE, MEASURE_TYPES, MeasureKind
from espace_sante.profile.search import MeasureQuery

EVERY_TYPE: frozenset[MeasureKind] = frozenset()
# An empty interval: what a search matches when its code or category is no measure's.
_NOWHERE = datetime(1900, 1, 1, tzinfo=UTC)
_CODE_SYSTEMS = {LOINC, *(c.system for t in BY_CODE.values() for c in t.also)}
NO_UPDATE = ("une mesure ne se modifie pas : supprimez-la (DELETE) et envoyez la bonne "
             "valeur (POST).", "a measure is not changed: delete it (DELETE) and send the "
             "right value (POST).")


def read(services: Services, actor: Actor, measure_id: str) -> Resource:
    patient_id = measures.locate_measure(services, actor, measure_id)
    return validated(observation(profile.get_measure(services, actor, patient_id, measure_id)))


def search(services: Services, actor: Actor, params: Mapping[str, str]) -> SearchPage:
    patient_id = patient_param(params)
    kinds = _kinds(params)
    interval = instant_interval(parse_bounds(values(params, "date")))
    count, offset = paging(params)
    query = MeasureQuery(kinds=kinds or EVERY_TYPE, since=interval.since,
                         before=interval.before, oldest_first=oldest_first(params),
                         count=count, offset=offset)
    if kinds is None:  # a code or category no measure has: nothing, the search audited
        query = replace(query, since=_NOWHERE, before=_NOWHERE)
    found = measures.search_measures(services, actor, patient_id, query)
    # Not validated one by one: the router validates the searchset with its first entry.
    return SearchPage([observation(v) for v in found.measures], found.total, offset, count)


def create(services: Services, actor: Actor, body: Any) -> Resource:
    measure = incoming_measure(body, where="Observation")
    patient = space_of(services, actor, patient_reference(body, "subject", where="Observation"),
                       "Observation")
    return validated(observation(profile.add_measure(services, actor, patient, measure)))


def delete(services: Services, actor: Actor, measure_id: str) -> None:
    patient_id = measures.locate_measure(services, actor, measure_id)
    profile.delete_measure(services, actor, patient_id, measure_id)


def _kinds(params: Mapping[str, str]) -> frozenset[MeasureKind] | None:
    """The types ``code`` and ``category`` allow (both apply): empty for every type, None
    when no type can match."""
    kinds = EVERY_TYPE
    if "code" in params:
        by_code = _by_code(params["code"])
        if by_code is None:
            return None
        kinds = by_code
    if "category" in params:
        in_category = _by_category(params["category"])
        kinds = kinds & in_category if kinds else in_category
        if not kinds:
            return None
    return kinds


def _by_category(value: str) -> frozenset[MeasureKind]:
    system, code = token(value)
    if system not in (None, OBSERVATION_CATEGORY):
        raise BadRequest(f"Système de catégorie inconnu : {system[:80]}.",
                         f"Unknown category system: {system[:80]}.")
    return frozenset(k for k, c in CATEGORIES.items() if c == code)


def _by_code(value: str) -> frozenset[MeasureKind] | None:
    system, code = token(value)
    if system is not None and system not in _CODE_SYSTEMS:
        raise BadRequest(f"Terminologie non prise en charge : {system[:80]} (LOINC attendu).",
                         f"Code system not supported: {system[:80]} (LOINC expected).")
    kind = kind_of(system, code)
    return frozenset({kind}) if kind is not None else None


def _param(name: str, kind: str, definition: str, doc: str) -> SearchParam:
    return SearchParam(name, kind, f"http://hl7.org/fhir/SearchParameter/{definition}", doc)


OBSERVATION = ResourceSupport(
    type="Observation",
    profile="http://hl7.org/fhir/StructureDefinition/Observation",
    supported_profiles=tuple(dict.fromkeys(t.profile for t in MEASURE_TYPES.values())),
    read=read,
    search=search,
    create=create,
    delete=delete,
    no_update=NO_UPDATE,
    repeatable=frozenset({"date"}),
    search_params=(
        _param("patient", "reference", "clinical-patient", "Patient/<id> (requis / required)."),
        _param("code", "token", "clinical-code",
               "LOINC : http://loinc.org|<code> ou <code> (alias compris / aliases included)."),
        _param("category", "token", "Observation-category",
               "vital-signs | laboratory | activity | survey."),
        _param("date", "date", "clinical-date",
               "Date de la mesure ; préfixes eq ge le gt lt, une ou deux fois / measure's "
               "date, once or twice."),
        _param("_sort", "string", "Resource-sort", "-date (défaut / default) | date."),
        _param("_count", "number", "Resource-count", "1–100, défaut / default 20."),
        _param("_offset", "number", "Resource-offset", "Pagination (liens next/previous)."),
    ),
)
