"""dossier search head: the patient's search matches normalised text

Adds ``documents.search_head`` (title, author and organisation, lower case, without
accents) and normalises ``search_text`` the same way, so that the search is a plain
``LIKE`` insensitive to case and accents on SQLite and PostgreSQL. Existing rows are
rewritten in batches.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22 15:37:11.759600
"""

from __future__ import annotations

import unicodedata

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None
BATCH = 1000


def _normalise(text: str) -> str:
    # A copy of dossier.search.normalise as of this revision: a migration must not change
    # meaning when the application's code does.
    folded = text.casefold().replace("œ", "oe").replace("æ", "ae")
    decomposed = unicodedata.normalize("NFKD", folded)
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


def upgrade() -> None:
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("search_head", sa.Text(), server_default="", nullable=False))
    bind = op.get_bind()
    documents = sa.table("documents", sa.column("id"), sa.column("title"),
                         sa.column("author_name"), sa.column("author_organisation"),
                         sa.column("search_text"), sa.column("search_head"))
    last = ""
    while rows := bind.execute(
        sa.select(documents.c.id, documents.c.title, documents.c.author_name,
                  documents.c.author_organisation, documents.c.search_text)
        .where(documents.c.id > last).order_by(documents.c.id).limit(BATCH)
    ).all():
        for row in rows:
            head = _normalise(f"{row.title} {row.author_name} {row.author_organisation or ''}")
            bind.execute(documents.update().where(documents.c.id == row.id).values(
                search_head=head, search_text=_normalise(row.search_text or "")))
        last = rows[-1].id


def downgrade() -> None:
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.drop_column("search_head")
