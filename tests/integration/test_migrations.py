"""Migrations and models agree: a fresh database migrated to head needs no change."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from espace_sante.core.db import Base, make_engine
from espace_sante.models import import_all


def test_models_match_migrations(db_url: str) -> None:
    import_all()
    engine = make_engine(db_url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    engine.dispose()
    assert diff == [], f"write a migration (espace_sante.migrate.revision): {diff}"
