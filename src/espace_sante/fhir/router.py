"""The FHIR REST router, free of HTTP: ``(method, path segments, query pairs, body)`` in,
``(status, resource)`` out, or a ``DomainError`` that the front door renders as an
OperationOutcome. Batch and transaction bundles will call it per entry.

It decides no permission: every interaction calls a brick's use case, whose repository
asks the policy and writes the audit trail.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from espace_sante.core.actors import Actor
from espace_sante.core.errors import NotFound, NotSupported
from espace_sante.fhir.bundles import searchset
from espace_sante.fhir.capability import capability_statement
from espace_sante.fhir.errors import method_not_allowed, unknown_type
from espace_sante.fhir.interactions import (
    RawContent,
    Registry,
    ResourceSupport,
    SearchPage,
    Services,
)
from espace_sante.fhir.registry import RESOURCES, TRANSACTION, TRANSACTION_PARAMS
from espace_sante.fhir.search import Params, checked
from espace_sante.fhir.validate import validated, validated_searchset

Answer = tuple[int, dict[str, Any] | RawContent]
NO_PARAMS: frozenset[str] = frozenset()
# POST [base]: the bundle and the base's parameters (``patient``: the space an import fills).
Transaction = Callable[[Services, Actor, Any, Mapping[str, str]], dict[str, Any]]


def handle(
    services: Services, actor: Actor, method: str, segments: Sequence[str], params: Params,
    body: Any = None, *, resources: Registry = RESOURCES,
    transaction: Transaction = TRANSACTION,
) -> Answer:
    """Serve one interaction. ``body`` is the parsed JSON body of a POST or a PUT."""
    method = method.upper()
    if list(segments) == ["metadata"]:
        return _metadata(services, method, params, resources)
    if not segments:
        if method != "POST":
            raise method_not_allowed(method, "[base]")
        query = checked(params, TRANSACTION_PARAMS, "[base]")
        return 200, transaction(services, actor, body, query)
    support = resources.get(segments[0])
    if support is None:
        raise unknown_type(segments[0])
    if len(segments) == 1:
        return _type_level(services, actor, method, support, params, body)
    if len(segments) == 2:
        return _instance_level(services, actor, method, support, segments[1], params, body)
    raise NotFound.default()


def fhir_base(services: Services) -> str:
    return f"{services.settings.base_url}/fhir"


def _metadata(services: Services, method: str, params: Params, resources: Registry) -> Answer:
    if method != "GET":
        raise method_not_allowed(method, "metadata")
    checked(params, NO_PARAMS, "metadata")
    statement = capability_statement(services.settings.base_url, services.clock.now(), resources)
    return 200, validated(statement)


def _type_level(
    services: Services, actor: Actor, method: str, support: ResourceSupport, params: Params,
    body: Any,
) -> Answer:
    if method == "POST" and support.create is not None:
        checked(params, NO_PARAMS, support.type)
        return 201, support.create(services, actor, body)
    if method != "GET" or support.search is None:
        raise method_not_allowed(method, support.type)
    query = checked(params, support.param_names, support.type, support.repeatable)
    found = support.search(services, actor, query)
    if not isinstance(found, SearchPage):
        found = SearchPage(found, len(found), 0, len(found))
    return 200, validated_searchset(searchset(fhir_base(services), support.type, found, query))


def _instance_level(
    services: Services, actor: Actor, method: str, support: ResourceSupport, rid: str,
    params: Params, body: Any,
) -> Answer:
    where = f"{support.type}/[id]"
    if method == "GET" and support.read is not None:
        checked(params, NO_PARAMS, where)
        return 200, support.read(services, actor, rid)
    if method == "PUT" and support.update is not None:
        checked(params, NO_PARAMS, where)
        return 200, support.update(services, actor, rid, body)
    if method == "DELETE" and support.delete is not None:
        checked(params, NO_PARAMS, where)
        support.delete(services, actor, rid)
        return 200, _deleted(f"{support.type}/{rid}")
    if method in ("PUT", "PATCH") and support.no_update is not None:
        reason, reason_en = support.no_update
        raise NotSupported(f"Opération {method} non prise en charge sur {where} : {reason}",
                           f"{method} is not supported on {where}: {reason_en}")
    raise method_not_allowed(method, where)


def _deleted(reference: str) -> dict[str, Any]:
    """The answer to a delete (FHIR R4 §3.1.0.7.1: 200 with an OperationOutcome). It stays
    in the space's history, as every deletion of the profile does."""
    return validated({"resourceType": "OperationOutcome", "issue": [{
        "severity": "information", "code": "informational",
        "diagnostics": f"{reference} supprimé (conservé dans l'historique) / deleted "
                       "(kept in the history)."}]})
