"""A test client of the whole application with the web pages mounted.

Until ``app.py`` includes the pages itself, ``with_pages`` adds them; once it does, it
adds nothing, so these tests keep testing the real wiring.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from espace_sante.app import create_app
from espace_sante.bootstrap import Container
from tests.web.pages import with_pages

BASE_URL = "http://127.0.0.1:8000"


@pytest.fixture
def web(demo: Container) -> Iterator[TestClient]:
    with TestClient(with_pages(create_app(demo)), base_url=BASE_URL,
                    follow_redirects=False) as client:
        yield client
