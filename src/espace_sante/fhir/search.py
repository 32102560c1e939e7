"""Checking request parameters before any use case runs: strict handling of unknown,
repeated, empty and multi-valued parameters, and ``_format``."""

from __future__ import annotations

from collections.abc import Iterable

from espace_sante.fhir.errors import BadRequest, UnsupportedParameter
from espace_sante.fhir.formats import check_format

Params = Iterable[tuple[str, str]]


def checked(params: Params, allowed: frozenset[str], context: str) -> dict[str, str]:
    """The parameters as a dict, ``_format`` checked and removed; refuse the rest loudly.

    ``context`` names where the parameters were given (e.g. "Patient") for the message.
    """
    out: dict[str, str] = {}
    for name, value in params:
        if name == "_format":
            check_format(value)
            continue
        if name not in allowed:
            raise _unsupported(name, allowed, context)
        if name in out:
            raise BadRequest(f"Paramètre répété : {name}.", f"Repeated parameter: {name}.")
        if not value:
            raise BadRequest(f"Paramètre vide : {name}.", f"Empty parameter: {name}.")
        if "," in value:
            raise UnsupportedParameter(
                f"Les valeurs multiples (séparées par des virgules) ne sont pas prises en "
                f"charge : {name}.",
                f"Multiple (comma-separated) values are not supported: {name}.",
            )
        out[name] = value
    return out


def _unsupported(name: str, allowed: frozenset[str], context: str) -> UnsupportedParameter:
    known = ", ".join(sorted(allowed)) or "aucun"
    known_en = ", ".join(sorted(allowed)) or "none"
    return UnsupportedParameter(
        f"Paramètre non pris en charge sur {context} : {name}. Paramètres pris en charge : "
        f"{known}.",
        f"Parameter not supported on {context}: {name}. Supported parameters: {known_en}.",
    )
