"""Content negotiation (FHIR R4 §3.1.0.1.8): JSON only. ``_format`` wins over ``Accept``;
anything we cannot produce answers 406 rather than JSON the client did not ask for."""

from __future__ import annotations

from espace_sante.fhir.errors import NotAcceptable

FHIR_JSON = "application/fhir+json"
_JSON_FORMATS = frozenset({"json", "application/json", FHIR_JSON, "application/json+fhir"})
_JSON_RANGES = _JSON_FORMATS | {"*/*", "application/*"}

NOT_ACCEPTABLE = NotAcceptable(
    "Seul le format JSON (application/fhir+json) est pris en charge ; XML ne l'est pas.",
    "Only JSON (application/fhir+json) is supported; XML is not.",
)


def check_format(value: str) -> None:
    """The ``_format`` search/read parameter."""
    if _media_type(value) not in _JSON_FORMATS:
        raise NOT_ACCEPTABLE


def check_accept(header: str | None) -> None:
    """The ``Accept`` header: fine if absent or if any range with q > 0 admits JSON."""
    if not header or not header.strip():
        return
    for media_range in header.split(","):
        if _media_type(media_range) in _JSON_RANGES and _quality(media_range) > 0:
            return
    raise NOT_ACCEPTABLE


def _media_type(value: str) -> str:
    return value.split(";", 1)[0].strip().lower()


def _quality(media_range: str) -> float:
    for param in media_range.split(";")[1:]:
        name, _, value = param.partition("=")
        if name.strip().lower() == "q":
            try:
                return float(value)
            except ValueError:
                return 0.0
    return 1.0
