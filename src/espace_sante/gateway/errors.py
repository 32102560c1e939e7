"""Typed errors mapped once: FHIR OperationOutcome under /fhir, a JSON problem under the
API, a French (or English) page elsewhere. Nothing ever returns a stack trace."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from espace_sante.core.errors import (
    DomainError,
    InvalidInput,
    NotFound,
    NotSupported,
    Unauthenticated,
)

log = logging.getLogger("espace_sante.errors")

FHIR_JSON = "application/fhir+json"
PROBLEM_JSON = "application/problem+json"
INTERNAL = DomainError(
    "Une erreur interne est survenue. Réessayez plus tard.",
    "An internal error occurred. Try again later.",
)
INTERNAL_CODE = 500

PageRenderer = Callable[[Request, DomainError, int], Response]
_page_renderer: list[PageRenderer] = []


def set_page_renderer(renderer: PageRenderer) -> None:
    """The web front door registers how to draw an error page (it owns the templates)."""
    _page_renderer[:] = [renderer]


def wants_english(request: Request) -> bool:
    lang = request.query_params.get("lang") or request.cookies.get("lang")
    if lang:
        return lang == "en"
    return request.headers.get("accept-language", "fr").lower().startswith("en")


def operation_outcome(error: DomainError, english: bool) -> dict[str, Any]:
    return {
        "resourceType": "OperationOutcome",
        "issue": [
            {
                "severity": "error",
                "code": error.code,
                "diagnostics": error.message_en if english else error.message,
                **({"expression": [error.details["field"]]} if "field" in error.details else {}),
            }
        ],
    }


def render_error(request: Request, error: DomainError, status: int) -> Response:
    english = wants_english(request)
    path = request.url.path
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 and not _is_page(path) else None
    if path == "/fhir" or path.startswith("/fhir/"):
        return JSONResponse(operation_outcome(error, english), status, headers, FHIR_JSON)
    if not _is_page(path):
        body = {
            "title": error.message_en if english else error.message,
            "status": status,
            "type": error.code,
            **error.details,
        }
        return JSONResponse(body, status, headers, PROBLEM_JSON)
    if _page_renderer:
        return _page_renderer[0](request, error, status)
    return JSONResponse({"title": error.message}, status, media_type=PROBLEM_JSON)


def _is_page(path: str) -> bool:
    return not path.startswith(("/api", "/fhir", "/oauth", "/.well-known"))


async def _domain(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DomainError)
    return render_error(request, exc, exc.status)


async def _validation(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    first = exc.errors()[0] if exc.errors() else {}
    field = ".".join(str(p) for p in first.get("loc", ()) if p not in ("body", "query", "path"))
    error = InvalidInput(
        f"Donnée invalide : {field or 'requête'}.",
        f"Invalid input: {field or 'request'}.",
        {"field": field} if field else {},
    )
    return render_error(request, error, 422)


async def _http(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    mapping: dict[int, DomainError] = {
        405: NotSupported("Méthode non prise en charge pour cette adresse.",
                          "Method not supported at this address."),
        404: NotFound.default(),
        401: Unauthenticated("Authentification requise.", "Authentication required."),
    }
    error = mapping.get(exc.status_code) or DomainError(
        "La requête n'a pas pu être traitée.", "The request could not be processed."
    )
    return render_error(request, error, exc.status_code)


async def _unexpected(request: Request, exc: Exception) -> Response:
    log.exception("unexpected error on %s", request.url.path, exc_info=exc)
    return render_error(request, INTERNAL, INTERNAL_CODE)


def install(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, _domain)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(StarletteHTTPException, _http)
    app.add_exception_handler(Exception, _unexpected)
