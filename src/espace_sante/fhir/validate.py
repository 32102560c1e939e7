"""Every resource we emit goes through the ``fhir.resources`` R4B models first, so a
mapping bug fails loudly (in tests, and as a 500 in production) instead of reaching a
client as malformed FHIR."""

from __future__ import annotations

from typing import Any

from fhir.resources.R4B import get_fhir_model_class


def validated(resource: dict[str, Any]) -> dict[str, Any]:
    """Parse ``resource`` into its R4B model and dump it back as FHIR JSON."""
    model = get_fhir_model_class(resource["resourceType"]).model_validate(resource)
    dumped: dict[str, Any] = model.model_dump(mode="json")
    return dumped
