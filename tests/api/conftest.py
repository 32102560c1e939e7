"""Fixtures of the API tests: the application with the OAuth, dev IdP and professional
sign-in routes, whether or not ``create_app`` mounts them yet."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from espace_sante.app import create_app
from espace_sante.bootstrap import Container

BASE_URL = "http://127.0.0.1:8000"  # settings.base_url by default


def with_oauth_routes(app: FastAPI) -> FastAPI:
    # The server signs professionals in through its own dev IdP: in process, over ASGI.
    app.state.psc_transport = httpx.ASGITransport(app=app)
    return app


@pytest.fixture
def app(demo: Container) -> FastAPI:
    return with_oauth_routes(create_app(demo))


@pytest.fixture
def api(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, base_url=BASE_URL) as c:
        yield c
