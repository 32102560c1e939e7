"""The FastAPI adapter of the FHIR front door: resolve the actor, negotiate JSON, hand the
interaction to ``router.handle`` and write its answer as ``application/fhir+json``.

Errors (``DomainError``, FastAPI's own 404/405/422) are rendered as OperationOutcome for
every path under /fhir by ``gateway.errors``.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse

from espace_sante.core.actors import ANONYMOUS, Actor
from espace_sante.core.errors import TooLarge
from espace_sante.fhir import router as fhir
from espace_sante.fhir import smart
from espace_sante.fhir.errors import BadRequest
from espace_sante.fhir.formats import FHIR_JSON, check_accept
from espace_sante.fhir.interactions import RawContent
from espace_sante.fhir.mhd import binary_resource
from espace_sante.fhir.registry import RESOURCES
from espace_sante.gateway.actor import CurrentActor, container

router = APIRouter(prefix="/fhir", tags=["fhir"])
METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]
# Why no-store: resources carry identity traits; no shared or browser cache may keep them.
NO_STORE = {"Cache-Control": "no-store"}
JSON_NAMES = frozenset({"json", "application/json", FHIR_JSON})
MAX_JSON_BINARY = 20 * 1024 * 1024


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
    binary = len(segments) == 2 and segments[0] == "Binary"
    if not binary:  # a Binary is served in its own type, whatever the client accepts
        check_accept(request.headers.get("accept"))
    status, resource = fhir.handle(
        container(request), actor, request.method, segments,
        request.query_params.multi_items(), body,
    )
    if isinstance(resource, RawContent):
        return _binary(request, resource)
    return JSONResponse(resource, status, NO_STORE, FHIR_JSON)


def _binary(request: Request, content: RawContent) -> Response:
    """Content negotiation of a Binary read (FHIR R4 §2.42.0.2): the bytes as such, or a
    Binary resource when FHIR JSON is asked for (bounded: base64 is built in memory)."""
    accept = request.headers.get("accept", "")
    wants_json = FHIR_JSON in accept or request.query_params.get("_format") in JSON_NAMES
    if not wants_json:
        return StreamingResponse(content.chunks, media_type=content.content_type, headers={
            **NO_STORE, "X-Content-Type-Options": "nosniff",
            "Content-Disposition": "attachment", "Content-Length": str(content.size)})
    if content.size > MAX_JSON_BINARY:
        raise TooLarge(
            "Contenu trop volumineux pour une réponse FHIR JSON : demandez-le tel quel "
            "(en-tête Accept du type du document).",
            "Content too large for a FHIR JSON answer: ask for it as such (Accept the "
            "document's own type).")
    data = b"".join(content.chunks)
    return JSONResponse(binary_resource(content.content_type, data, content.resource_id),
                        200, NO_STORE, FHIR_JSON)
