"""Every brick's tables, imported once so metadata is complete (migrations, tests)."""

from __future__ import annotations

import importlib

MODEL_MODULES = (
    "espace_sante.core.audit",
    "espace_sante.core.crypto",
    "espace_sante.core.notify",
    "espace_sante.accounts.models",
    "espace_sante.oauth.models",
    "espace_sante.dossier.models",
    "espace_sante.profile.models",
)


def import_all() -> None:
    for name in MODEL_MODULES:
        importlib.import_module(name)
