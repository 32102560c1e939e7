"""The ASGI application: three front doors (web, JSON API, FHIR) over the same use cases."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Response
from fastapi.openapi.docs import get_swagger_ui_html
from sqlalchemy import text

from espace_sante import __version__, demo
from espace_sante.api import accounts as accounts_api
from espace_sante.api import activation as activation_api
from espace_sante.api import dossier as dossier_api
from espace_sante.api import oauth as oauth_api
from espace_sante.api import profile as profile_api
from espace_sante.api import profile_export as profile_export_api
from espace_sante.api import provisioning as provisioning_api
from espace_sante.api import space as space_api
from espace_sante.bootstrap import Container, build
from espace_sante.fhir.http import router as fhir_router
from espace_sante.gateway import errors
from espace_sante.gateway.middleware import RequestContext
from espace_sante.web import dev_idp, pro_login
from espace_sante.web import routes as web_routes
from espace_sante.web.dev import DemoAccounts


def create_app(container: Container | None = None) -> FastAPI:
    c = container or build()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        scheduler = c.start_worker() if c.settings.run_worker_in_process else None
        # Why: what exists at startup (modules, metadata, templates) lives as long as the
        # process; left in the collected generations, every full collection walks it again
        # (100–150 ms pauses, the list's p99 at 80 ms → 27 ms frozen, bench/dossier.py).
        gc.freeze()
        yield
        if scheduler is not None:
            scheduler.shutdown(wait=False)

    app = FastAPI(
        title="Espace Santé API",
        version=__version__,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        description="API JSON d'Espace Santé (comptes, réglages). Les données de santé sont "
        "aussi exposées en FHIR R4 sous /fhir.",
    )
    app.state.container = c
    errors.install(app)
    app.add_middleware(RequestContext, production=c.settings.is_production)
    _health(app, c)
    _docs(app)
    app.include_router(accounts_api.router)
    app.include_router(oauth_api.router)
    app.include_router(activation_api.router)
    app.include_router(space_api.router)
    app.include_router(provisioning_api.router)
    app.include_router(dossier_api.router)
    # Before the profile's routes: its ``/profile/{section}`` would take ``export.pdf``.
    app.include_router(profile_export_api.router)
    app.include_router(profile_api.router)
    app.include_router(fhir_router)
    app.include_router(pro_login.router)
    app.include_router(dev_idp.router)  # answers 404 unless settings.dev_idp_enabled
    app.include_router(web_routes.router)
    web_routes.mount_static(app)
    if not c.settings.is_production:  # /dev/outbox shows the demo accounts and TOTP codes
        app.state.demo_accounts = DemoAccounts(
            password=demo.DEMO_PASSWORD,
            people=tuple(p.email for p in demo.PEOPLE),
            staff_totp_secrets=demo.STAFF_TOTP_SECRETS,
        )
    return app


def _health(app: FastAPI, c: Container) -> None:
    @app.get("/healthz", tags=["ops"], summary="Liveness: the process answers")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", tags=["ops"], summary="Readiness: the database answers")
    def readyz(response: Response) -> dict[str, str]:
        try:
            with c.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except Exception:
            response.status_code = 503
            return {"status": "unavailable", "database": "down"}
        return {"status": "ok", "database": "up"}


def _docs(app: FastAPI) -> None:
    """OpenAPI documentation with Swagger UI served from our own static files (npm), not
    from a CDN: the service must work without reaching third parties."""

    @app.get("/docs", include_in_schema=False)
    def docs() -> Response:
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="Espace Santé API",
            swagger_js_url="/static/vendor/swagger-ui-bundle.js",
            swagger_css_url="/static/vendor/swagger-ui.css",
            swagger_favicon_url="/static/vendor/favicon-32x32.png",
        )
