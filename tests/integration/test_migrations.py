"""Migrations and models agree: a fresh database migrated to head needs no change."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from espace_sante import migrate
from espace_sante.core.db import Base, make_engine
from espace_sante.models import import_all


def test_models_match_migrations(db_url: str) -> None:
    import_all()
    engine = make_engine(db_url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    engine.dispose()
    assert diff == [], f"write a migration (espace_sante.migrate.revision): {diff}"


def test_existing_documents_become_searchable_without_accents(tmp_path: Path) -> None:
    """0006 fills the search head of documents stored before it and normalises their text."""
    url = f"sqlite:///{tmp_path}/m.db"
    config = migrate.alembic_config(url)
    command.upgrade(config, "0005")
    engine = make_engine(url)
    now = "2026-11-22 09:00:00.000000"
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO documents (id, patient_id, unique_id, title, category, class_code, "
            "type_code, author_name, author_organisation, depositor_id, source, format, size, "
            "sha256, status, masked_from_professionals, invisible_to_patient, "
            "invisible_to_representatives, search_text, created_at, updated_at) VALUES "
            "('d1', 'p1', 'u1', 'Échographie cardiaque', 'imagerie', '31', '18748-4', "
            "'Dr Sophie LEFÈVRE', 'Clinique Saint-Étienne', 'rpps:1', 'professional', "
            "'application/pdf', 1, 'x', 'current', 0, 0, 0, 'Fonction VENTRICULAIRE "
            f"gauche', '{now}', '{now}')"))
    command.upgrade(config, "head")
    with engine.connect() as conn:
        head, body = conn.execute(text(
            "SELECT search_head, search_text FROM documents WHERE id = 'd1'")).one()
    engine.dispose()
    assert head == "echographie cardiaque dr sophie lefevre clinique saint-etienne"
    assert body == "fonction ventriculaire gauche"
