"""Typed errors, mapped once to HTTP status, JSON problem and FHIR OperationOutcome.

Messages are French by default; ``message_en`` carries the English translation. A
forbidden object raises ``NotFound`` exactly like a missing one, so existence never leaks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar


@dataclass
class DomainError(Exception):
    message: str
    message_en: str
    details: dict[str, str] = field(default_factory=dict)

    status: ClassVar[int] = 400
    code: ClassVar[str] = "invalid"  # FHIR issue-type code

    def __str__(self) -> str:
        return self.message


class InvalidInput(DomainError):
    status = 422
    code = "invalid"


class NotFound(DomainError):
    status = 404
    code = "not-found"

    @classmethod
    def default(cls) -> NotFound:
        return cls("Ressource introuvable.", "Resource not found.")


class Unauthenticated(DomainError):
    status = 401
    code = "login"


class Forbidden(DomainError):
    """Only for actions on the actor's *own* objects (e.g. a disabled feature); never for
    another patient's data, which answers ``NotFound``."""

    status = 403
    code = "forbidden"


class NotSupported(DomainError):
    status = 405
    code = "not-supported"


class Conflict(DomainError):
    status = 409
    code = "conflict"


class TooManyAttempts(DomainError):
    status = 429
    code = "throttled"


class Unavailable(DomainError):
    status = 503
    code = "transient"


class TooLarge(DomainError):
    status = 413
    code = "too-costly"


class UnsupportedContent(DomainError):
    """The content is not of an accepted kind (sniffed from its bytes), or is unsafe."""

    status = 415
    code = "not-supported"
