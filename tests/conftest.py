"""Shared fixtures. The whole suite runs on SQLite by default and on PostgreSQL when
``ESPACE_SANTE_TEST_PG`` names a server (``make test`` does both)."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from espace_sante import demo as demo_data
from espace_sante import migrate
from espace_sante.app import create_app
from espace_sante.bootstrap import Container, build
from espace_sante.core.clock import FrozenClock
from espace_sante.core.db import Base, make_engine
from espace_sante.models import import_all
from espace_sante.settings import Settings

PG_SERVER = os.environ.get("ESPACE_SANTE_TEST_PG")  # e.g. postgresql://postgres@127.0.0.1:5432
START = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


def pytest_report_header() -> str:
    return f"database: {'PostgreSQL ' + PG_SERVER if PG_SERVER else 'SQLite'}"


@pytest.fixture(scope="session")
def database_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Migrated once per run: a template file (SQLite) or a throw-away database (PostgreSQL)."""
    if not PG_SERVER:
        path = tmp_path_factory.mktemp("template") / "template.db"
        migrate.upgrade(f"sqlite:///{path}")
        yield str(path)
        return
    name = f"es_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = f"{PG_SERVER.replace('postgresql://', 'postgresql+psycopg://')}/{name}"
    migrate.upgrade(url)
    yield url
    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def db_url(database_template: str, tmp_path: Path) -> str:
    if not PG_SERVER:
        target = tmp_path / "espace-sante.db"
        shutil.copyfile(database_template, target)
        return f"sqlite:///{target}"
    import_all()
    engine = make_engine(database_template)
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} CASCADE"))
    engine.dispose()
    return database_template


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(START)


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "var", database_url=db_url, run_worker_in_process=False)


@pytest.fixture
def container(settings: Settings, clock: FrozenClock) -> Iterator[Container]:
    c = build(settings, clock=clock)
    yield c
    c.engine.dispose()


@pytest.fixture(scope="session")
def demo_keys(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo clients' RSA keys, generated once per run (key generation is slow)."""
    return tmp_path_factory.mktemp("demo-keys")


@pytest.fixture
def demo(container: Container, demo_keys: Path) -> Container:
    keys = container.settings.data_dir / "demo-keys"
    shutil.copytree(demo_keys, keys, dirs_exist_ok=True)
    demo_data.load(container)
    shutil.copytree(keys, demo_keys, dirs_exist_ok=True)
    return container


@pytest.fixture
def client(demo: Container) -> Iterator[TestClient]:
    with TestClient(create_app(demo), base_url="http://127.0.0.1:8000") as c:
        yield c
