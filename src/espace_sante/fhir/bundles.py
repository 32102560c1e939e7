"""Bundles the router returns: searchsets, with paging links when a search has more
matches than one page."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from espace_sante.fhir.interactions import SearchPage
from espace_sante.fhir.search import AND


def searchset(
    fhir_base: str, resource_type: str, page: SearchPage, params: Mapping[str, str],
) -> dict[str, Any]:
    bundle: dict[str, Any] = {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": page.total,
        "link": _links(f"{fhir_base}/{resource_type}", page, params),
    }
    if page.resources:  # FHIR JSON forbids empty arrays
        bundle["entry"] = [
            {"fullUrl": f"{fhir_base}/{resource_type}/{r['id']}", "resource": r,
             "search": {"mode": "match"}}
            for r in page.resources
        ]
    return bundle


def _links(url: str, page: SearchPage, params: Mapping[str, str]) -> list[dict[str, str]]:
    def at(offset: int) -> str:
        # A repeated parameter (``date=ge…&date=le…``) is repeated again (``search.AND``).
        query = [(k, v) for k, joined in params.items() if k != "_offset"
                 for v in joined.split(AND)]
        if offset:
            query.append(("_offset", str(offset)))
        return f"{url}?{urlencode(query)}" if query else url

    links = [{"relation": "self", "url": at(page.offset)}]
    if page.count and page.offset + page.count < page.total:
        links.append({"relation": "next", "url": at(page.offset + page.count)})
    if page.offset > 0:
        links.append({"relation": "previous", "url": at(max(page.offset - page.count, 0))})
    return links
