"""Fixtures of the FHIR front door: the app with ``/fhir`` mounted, sign-ins, tokens."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from espace_sante.app import create_app
from espace_sante.bootstrap import Container
from espace_sante.oauth.models import OAuthClient
from tests.helpers import person_session, professional_session

BASE = "http://127.0.0.1:8000"
DEMO_CLIENT = "chd-demoville"


@pytest.fixture
def fhir_app(demo: Container) -> FastAPI:
    return create_app(demo)


@pytest.fixture
def fhir_client(fhir_app: FastAPI) -> Iterator[TestClient]:
    with TestClient(fhir_app, base_url=BASE) as c:
        yield c


@pytest.fixture
def sign_in(demo: Container, fhir_client: TestClient) -> Callable[[str], TestClient]:
    """Sign a demo person (by e-mail) or professional (by RPPS) in on ``fhir_client``."""

    def _sign_in(who: str) -> TestClient:
        token = person_session(demo, who) if "@" in who else professional_session(demo, who)
        fhir_client.cookies.set("es_session", token)
        return fhir_client

    return _sign_in


@pytest.fixture
def bearer(demo: Container) -> Callable[[str], dict[str, str]]:
    """Headers carrying a fresh access token of the demo hospital for ``scopes``."""

    def _bearer(scopes: str) -> dict[str, str]:
        with demo.factory() as session:
            client = session.get(OAuthClient, DEMO_CLIENT)
            assert client is not None
            issued = demo.tokens.issue(session, client, scopes)
            session.commit()
        return {"Authorization": f"Bearer {issued.access_token}"}

    return _bearer
