"""Bundles the router returns (searchset today; batch and transaction later)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode


def searchset(
    fhir_base: str, resource_type: str, resources: list[dict[str, Any]],
    params: Mapping[str, str],
) -> dict[str, Any]:
    """All matches in one page: the result sets of the types served today are small (the
    spaces one actor reaches, or one INS match), so no paging links."""
    query = f"?{urlencode(list(params.items()))}" if params else ""
    bundle: dict[str, Any] = {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": len(resources),
        "link": [{"relation": "self", "url": f"{fhir_base}/{resource_type}{query}"}],
    }
    if resources:  # FHIR JSON forbids empty arrays
        bundle["entry"] = [
            {"fullUrl": f"{fhir_base}/{resource_type}/{r['id']}", "resource": r,
             "search": {"mode": "match"}}
            for r in resources
        ]
    return bundle
