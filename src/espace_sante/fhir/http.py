"""The FastAPI adapter of the FHIR front door: resolve the actor, negotiate JSON, hand the
interaction to ``router.handle`` and write its answer as ``application/fhir+json``.

Errors (``DomainError``, FastAPI's own 404/405/422) are rendered as OperationOutcome for
every path under /fhir by ``gateway.errors``.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response

from espace_sante.core.actors import ANONYMOUS, Actor
from espace_sante.fhir import router as fhir
from espace_sante.fhir import smart
from espace_sante.fhir.errors import BadRequest
from espace_sante.fhir.formats import FHIR_JSON, check_accept
from espace_sante.fhir.registry import RESOURCES
from espace_sante.gateway.actor import CurrentActor, container

router = APIRouter(prefix="/fhir", tags=["fhir"])
METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]
# Why no-store: resources carry identity traits; no shared or browser cache may keep them.
NO_STORE = {"Cache-Control": "no-store"}


async def json_body(request: Request) -> Any:
    if request.method not in ("POST", "PUT", "PATCH"):
        return None
    raw = await request.body()
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError as exc:
        raise BadRequest("Le corps de la requête n'est pas du JSON valide.",
                         "The request body is not valid JSON.") from exc


Body = Annotated[Any, Depends(json_body)]


@router.get("/metadata", summary="CapabilityStatement FHIR R4 (sans authentification)")
def metadata(request: Request) -> Response:
    return _answer(request, ANONYMOUS, ["metadata"], None)


@router.get("/.well-known/smart-configuration",
            summary="Découverte SMART on FHIR : points d'accès OAuth2 et capacités")
def smart_configuration(request: Request) -> JSONResponse:
    return JSONResponse(smart.configuration(container(request).settings.base_url, RESOURCES))


def interaction(request: Request, path: str, actor: CurrentActor, body: Body) -> Response:
    segments = [s for s in path.split("/") if s]
    return _answer(request, actor, segments, body)


# One route per method, so each gets its own OpenAPI operation id (a shared one warns).
for _method in METHODS:
    router.add_api_route(
        "/{path:path}", interaction, methods=[_method], name=f"fhir_{_method.lower()}",
        summary=f"Interactions FHIR R4 en {_method} (voir /fhir/metadata)",
    )


def _answer(request: Request, actor: Actor, segments: list[str], body: Any) -> Response:
    check_accept(request.headers.get("accept"))
    status, resource = fhir.handle(
        container(request), actor, request.method, segments,
        request.query_params.multi_items(), body,
    )
    return JSONResponse(resource, status, NO_STORE, FHIR_JSON)
