"""Helpers of the profile tests: actors with measure scopes, and a date."""

from __future__ import annotations

from datetime import UTC, datetime

from espace_sante.core.actors import Actor, ActorKind, LegalBasis
from tests.dossier_support import hospital

MEASURE_SCOPES = frozenset({"system/Observation.crsd", "system/DocumentReference.crs",
                            "system/Patient.rs"})


def lab(client_id: str = "labo-demoville") -> Actor:
    return hospital(client_id, MEASURE_SCOPES)


def app(patient_id: str, scopes: str = "patient/Observation.crs") -> Actor:
    return Actor(kind=ActorKind.APP, subject_id="client:balance-connectee",
                 display_name="Balance connectée", grants={patient_id: LegalBasis.APP_CONSENT},
                 scopes=frozenset(scopes.split()))


def at(day: str, hour: int = 8) -> datetime:
    """A morning of 2026 (the tests' clock stands on 22 November 2026, 9:00 UTC)."""
    return datetime.fromisoformat(f"{day}T{hour:02d}:00:00").replace(tzinfo=UTC)
