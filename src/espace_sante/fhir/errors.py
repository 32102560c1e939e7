"""Errors of the FHIR front door; ``gateway.errors`` renders every ``DomainError`` under
/fhir as an OperationOutcome with the class's status and issue-type code."""

from __future__ import annotations

from espace_sante.core.errors import DomainError, NotSupported


class BadRequest(DomainError):
    status = 400
    code = "invalid"


class UnsupportedParameter(DomainError):
    """Strict handling (FHIR R4 §3.1.1.5.7): an unknown search parameter is refused, not
    silently ignored, so a client never mistakes an unfiltered result for a filtered one."""

    status = 400
    code = "not-supported"


class UnknownType(DomainError):
    status = 404
    code = "not-supported"


class NotAcceptable(DomainError):
    status = 406
    code = "not-supported"


def unknown_type(resource_type: str) -> UnknownType:
    return UnknownType(
        f"Type de ressource non pris en charge : {resource_type}.",
        f"Resource type not supported: {resource_type}.",
    )


def method_not_allowed(method: str, what: str) -> NotSupported:
    return NotSupported(
        f"Opération {method} non prise en charge sur {what}.",
        f"{method} is not supported on {what}.",
    )
