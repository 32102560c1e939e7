"""Helpers of the FHIR tests: demo patients, OperationOutcome checks."""

from __future__ import annotations

from typing import Any

import httpx2
from fhir.resources.R4B.operationoutcome import OperationOutcome
from sqlalchemy import select

from espace_sante import demo as demo_data
from espace_sante.accounts.ins import INS_NIR_OID
from espace_sante.accounts.models import Account, Patient
from espace_sante.bootstrap import Container

FHIR_JSON = "application/fhir+json"


def patient_of(c: Container, email: str) -> Patient:
    with c.factory() as session:
        account = session.scalars(select(Account).where(Account.email == email)).one()
        patient = session.get(Patient, account.patient_id)
        assert patient is not None
        return patient


def child(c: Container) -> Patient:
    with c.factory() as session:
        return session.scalars(
            select(Patient).where(Patient.nir.startswith(demo_data.CHILD.nir13))
        ).one()


def ins(nir: str) -> str:
    return f"{INS_NIR_OID}|{nir}"


def outcome(response: httpx2.Response, status: int, code: str | None = None) -> dict[str, Any]:
    """Assert ``response`` is an OperationOutcome with ``status``; return its only issue."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(FHIR_JSON)
    body = response.json()
    OperationOutcome.model_validate(body)
    [issue] = body["issue"]
    assert issue["severity"] == "error"
    if code is not None:
        assert issue["code"] == code
    return dict(issue)
