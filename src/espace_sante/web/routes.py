"""The web front door's pages, gathered in one router, and its static files."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.staticfiles import StaticFiles

from espace_sante.web import (
    activation,
    dev,
    dossier,
    dossier_content,
    dossier_pro,
    login,
    operator_opposition,
    opposition,
    patient,
    profile,
    space,
    staff,
)

STATIC = Path(__file__).parent / "static"

router = APIRouter(include_in_schema=False)
router.include_router(patient.router)
router.include_router(login.router)
router.include_router(staff.router)
router.include_router(activation.router)
router.include_router(opposition.router)
router.include_router(operator_opposition.router)
router.include_router(space.router)
router.include_router(dossier_content.router)
router.include_router(dossier.router)
router.include_router(dossier_pro.router)
router.include_router(profile.router)
# Answers "not found" in production (checked per request, since settings are per app).
router.include_router(dev.router)


def mount_static(app: FastAPI) -> None:
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
