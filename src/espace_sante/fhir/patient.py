"""Patient: read and search, through the accounts brick's use cases (which apply the
policy and write the audit trail)."""

from __future__ import annotations

from collections.abc import Mapping

from espace_sante.accounts import service
from espace_sante.accounts.ins import INS_NIR_OID, parse_nir
from espace_sante.accounts.service import PatientView
from espace_sante.core.actors import Actor
from espace_sante.core.errors import InvalidInput
from espace_sante.fhir.errors import BadRequest
from espace_sante.fhir.interactions import Resource, ResourceSupport, SearchParam, Services
from espace_sante.fhir.mapping.patient import FR_CORE_PATIENT, patient_resource
from espace_sante.fhir.validate import validated


def read(services: Services, actor: Actor, patient_id: str) -> Resource:
    return validated(patient_resource(service.get_patient(services.uow, actor, patient_id)))


def search(services: Services, actor: Actor, params: Mapping[str, str]) -> list[Resource]:
    """``identifier`` (INS-NIR), ``_id``, both (intersection), or neither: the spaces the
    actor may reach (own, children, people helped, patients followed)."""
    if "identifier" in params:
        views = service.search_patients_by_ins(services.uow, actor, _nir(params["identifier"]))
        if "_id" in params:
            views = [v for v in views if v.id == params["_id"]]
    elif "_id" in params:
        views = _by_id(services, actor, params["_id"])
    else:
        views = service.my_spaces(services.uow, actor)
    return [validated(patient_resource(v)) for v in views]


def _by_id(services: Services, actor: Actor, patient_id: str) -> list[PatientView]:
    return service.search_patient_by_id(services.uow, actor, patient_id)


def _nir(token: str) -> str:
    """``system|value`` with the INS-NIR system; the NIR is checked (key included) here so
    a typo answers 400 with the reason rather than an empty result."""
    system, sep, value = token.partition("|")
    if not sep or system != INS_NIR_OID:
        raise BadRequest(
            f"Recherche par identifiant : seul le système INS-NIR est pris en charge, sous la "
            f"forme identifier={INS_NIR_OID}|<NIR de 15 caractères>.",
            f"Identifier search: only the INS-NIR system is supported, as "
            f"identifier={INS_NIR_OID}|<15-character NIR>.",
        )
    try:
        return parse_nir(value).full
    except InvalidInput as exc:
        raise BadRequest(exc.message, exc.message_en) from exc


SUPPORT = ResourceSupport(
    type="Patient",
    profile=FR_CORE_PATIENT,
    read=read,
    search=search,
    search_params=(
        SearchParam(
            "_id", "token", "http://hl7.org/fhir/SearchParameter/Resource-id",
            "Identifiant logique de l'espace / logical id of the space.",
        ),
        SearchParam(
            "identifier", "token", "http://hl7.org/fhir/SearchParameter/Patient-identifier",
            f"INS-NIR uniquement / INS-NIR only: {INS_NIR_OID}|<NIR>.",
        ),
    ),
)
