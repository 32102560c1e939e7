"""Another patient's space answers exactly like a missing one, on every route that exists.

The routes are enumerated from the application itself, so a new route is covered the day
it is added; a route that takes no space id must not leak another space's identity.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from starlette.routing import BaseRoute

from espace_sante.bootstrap import Container
from tests.helpers import (
    CAMILLE,
    PHARMACIST,
    THOMAS,
    actor_of,
    person_session,
    professional_session,
)

# Routes whose output is not about patient spaces, with the reason.
NOT_PATIENT_DATA = {
    "/dev/outbox": "development only (404 in production): shows every outgoing notice",
    "/dev-idp/authorize": "lists professionals of the directory, no patient",
}


def _routes(routes: list[BaseRoute]) -> Iterator[APIRoute]:
    for route in routes:
        original = getattr(route, "original_router", None)
        if original is not None:
            yield from _routes(original.routes)
        elif isinstance(route, APIRoute) and "GET" in route.methods:
            yield route


def _fill(path: str, space_id: str) -> str:
    return path.replace("{patient_id}", space_id).replace("{path:path}", f"Patient/{space_id}")


def _signed_in(client: TestClient, c: Container, who: str) -> str:
    token = person_session(c, who) if "@" in who else professional_session(c, who)
    client.cookies.set("es_session", token)
    return token


@pytest.mark.parametrize("who", [CAMILLE, PHARMACIST])
def test_other_space_is_not_found_everywhere(client: TestClient, demo: Container, who: str) -> None:
    thomas = actor_of(demo, person_session(demo, THOMAS)).own_patient_id
    assert thomas is not None
    _signed_in(client, demo, who)
    checked = 0
    for route in _routes(client.app.routes):  # type: ignore[attr-defined]
        if "{" not in route.path:
            continue
        random_id = str(uuid.uuid4())
        other = client.get(_fill(route.path, thomas), follow_redirects=False)
        missing = client.get(_fill(route.path, random_id), follow_redirects=False)
        assert other.status_code == missing.status_code == 404, route.path
        # Same answer, byte for byte, once the requested id (echoed in links) is masked.
        assert other.text.replace(thomas, "ID") == missing.text.replace(random_id, "ID"), route.path
        checked += 1
    assert checked >= 4


@pytest.mark.parametrize("who", [CAMILLE, PHARMACIST])
def test_no_route_lists_another_space(client: TestClient, demo: Container, who: str) -> None:
    thomas = actor_of(demo, person_session(demo, THOMAS))
    _signed_in(client, demo, who)
    for route in _routes(client.app.routes):  # type: ignore[attr-defined]
        if "{" in route.path or route.path in NOT_PATIENT_DATA:
            continue
        body = client.get(route.path, follow_redirects=False).text
        assert str(thomas.own_patient_id) not in body, route.path
        assert "Bernard" not in body, route.path
