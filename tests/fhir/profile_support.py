"""Helpers of the FHIR tests of the profile: FR Core and Synthea examples aimed at a demo
space, what is stored, and writes through HTTP."""

from __future__ import annotations

import json
from typing import Any

import httpx2
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from espace_sante.bootstrap import Container
from espace_sante.profile.models import Measure, ProfileItem
from tests.fhir.support import FHIR_JSON
from tests.shared_data import FRCORE, SYNTHEA

FRCORE_OBSERVATIONS = sorted(p.name for p in FRCORE.glob("Observation-*.json"))
LIZ = "Liz_Conn_27c911c6-f045-4ffa-af5d-6eba57ac94b2.json"
GUSTAVO = "Gustavo_Mej303255a_59a8543c-e24f-4a01-b28b-47ccde6bc11d.json"
LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"


def frcore(name: str, space: str) -> dict[str, Any]:
    """An FR Core example whose subject is the demo space ``space``."""
    resource: dict[str, Any] = json.loads((FRCORE / name).read_text(encoding="utf-8"))
    resource["subject"] = {"reference": f"Patient/{space}"}
    return resource


def synthea(name: str = LIZ) -> dict[str, Any]:
    bundle: dict[str, Any] = json.loads((SYNTHEA / name).read_text(encoding="utf-8"))
    return bundle


def weight(space: str, kg: float, when: str, unit: str = "kg") -> dict[str, Any]:
    return {
        "resourceType": "Observation", "status": "final",
        "code": {"coding": [{"system": LOINC, "code": "29463-7"}]},
        "subject": {"reference": f"Patient/{space}"}, "effectiveDateTime": when,
        "valueQuantity": {"value": kg, "unit": unit, "system": "http://unitsofmeasure.org",
                          "code": unit},
    }


def post(client: TestClient, path: str, body: Any,
         headers: dict[str, str] | None = None) -> httpx2.Response:
    return client.post(path, json=body, headers={**(headers or {}), "Content-Type": FHIR_JSON})


def put(client: TestClient, path: str, body: Any,
        headers: dict[str, str] | None = None) -> httpx2.Response:
    return client.put(path, json=body, headers={**(headers or {}), "Content-Type": FHIR_JSON})


def created(response: httpx2.Response) -> dict[str, Any]:
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def stored(c: Container) -> tuple[int, int]:
    """(profile entries, measures) in the database, whoever may see them."""
    with c.factory() as session:
        return (int(session.scalar(select(func.count()).select_from(ProfileItem)) or 0),
                int(session.scalar(select(func.count()).select_from(Measure)) or 0))
