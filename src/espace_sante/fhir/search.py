"""Checking request parameters before any use case runs: strict handling of unknown,
repeated, empty and multi-valued parameters, and ``_format``."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from espace_sante.fhir.errors import BadRequest, UnsupportedParameter
from espace_sante.fhir.formats import check_format

Params = Iterable[tuple[str, str]]
# A parameter given twice (only those declared repeatable) comes out as its values joined
# by this separator, both to apply (FHIR: repetition is AND). Commas are refused in values
# (FHIR: a comma is OR, not supported), so the join is unambiguous; ``values`` splits it
# and the searchset's links repeat the parameter again.
AND = ","
MAX_REPEAT = 2


def checked(params: Params, allowed: frozenset[str], context: str,
            repeatable: frozenset[str] = frozenset()) -> dict[str, str]:
    """The parameters as a dict, ``_format`` checked and removed; refuse the rest loudly.

    ``context`` names where the parameters were given (e.g. "Patient") for the message;
    ``repeatable``: parameters that may be given twice (see ``AND``).
    """
    out: dict[str, str] = {}
    for name, value in params:
        if name == "_format":
            check_format(value)
            continue
        if name not in allowed:
            raise _unsupported(name, allowed, context)
        if name in out and (name not in repeatable or len(values(out, name)) >= MAX_REPEAT):
            raise BadRequest(f"Paramètre répété : {name}.", f"Repeated parameter: {name}.")
        if not value:
            raise BadRequest(f"Paramètre vide : {name}.", f"Empty parameter: {name}.")
        if "," in value:
            raise UnsupportedParameter(
                f"Les valeurs multiples (séparées par des virgules) ne sont pas prises en "
                f"charge : {name}.",
                f"Multiple (comma-separated) values are not supported: {name}.",
            )
        out[name] = f"{out[name]}{AND}{value}" if name in out else value
    return out


def values(query: Mapping[str, str], name: str) -> list[str]:
    """Every value of a parameter (two for a repeated one, none when absent)."""
    return query[name].split(AND) if name in query else []


def _unsupported(name: str, allowed: frozenset[str], context: str) -> UnsupportedParameter:
    known = ", ".join(sorted(allowed)) or "aucun"
    known_en = ", ".join(sorted(allowed)) or "none"
    return UnsupportedParameter(
        f"Paramètre non pris en charge sur {context} : {name}. Paramètres pris en charge : "
        f"{known}.",
        f"Parameter not supported on {context}: {name}. Supported parameters: {known_en}.",
    )


DEFAULT_COUNT, MAX_COUNT, MAX_OFFSET = 20, 100, 1_000_000
SORTS = {"date": True, "-date": False}  # → oldest first


def paging(query: Mapping[str, str]) -> tuple[int, int]:
    """``_count`` (1–100, 20 by default) and ``_offset`` (the next/previous links)."""
    return (_integer(query, "_count", DEFAULT_COUNT, 1, MAX_COUNT),
            _integer(query, "_offset", 0, 0, MAX_OFFSET))


def oldest_first(query: Mapping[str, str]) -> bool:
    """``_sort``: ``-date`` (newest first, the default) or ``date``."""
    sort = query.get("_sort", "-date")
    if sort not in SORTS:
        raise BadRequest("Tri pris en charge : date ou -date.", "Supported sort: date or -date.")
    return SORTS[sort]


def token(value: str, default_system: str | None = None) -> tuple[str | None, str]:
    """A token parameter: ``system|code``, ``|code`` (no system) or ``code`` (any system,
    or ``default_system`` when the type has one terminology)."""
    system, sep, code = value.rpartition("|")
    if not code:
        raise BadRequest(f"Code manquant : {value[:40]}.", f"Missing code: {value[:40]}.")
    return (system or None) if sep else default_system, code


def _integer(query: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = query.get(name)
    if raw is None:
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise BadRequest(f"{name} : entier de {low} à {high} attendu.",
                         f"{name}: an integer from {low} to {high} is expected.")
    return int(raw)
