"""Alembic migrations, run by ``espace-sante migrate`` (and at ``make run``)."""
