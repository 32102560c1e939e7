"""ASGI entry point for uvicorn (``espace_sante.asgi:app``)."""

from espace_sante.app import create_app

app = create_app()
