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


def validated_searchset(bundle: dict[str, Any]) -> dict[str, Any]:
    """A searchset Bundle: its envelope and its first entry through the R4B models; the
    other entries come from the same mapping function. Why not all: each DocumentReference
    costs ~2.5 ms to validate, 50 ms for a page of 20, the whole of the search's latency
    budget (bench/dossier.py); the mappings are validated entry by entry in the tests."""
    entries = bundle.get("entry") or []
    if len(entries) <= 1:
        return validated(bundle)
    checked = validated({**bundle, "entry": entries[:1]})
    checked["entry"] = [*checked["entry"], *entries[1:]]
    return checked
