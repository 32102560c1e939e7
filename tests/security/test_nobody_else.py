"""Complementary insurers (mutuelles), employers and occupational medicine have no way in;
the Assurance Maladie feeds spaces but never reads health data."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from espace_sante.accounts.ins import INS_NIR_OID
from espace_sante.bootstrap import Container
from espace_sante.core.actors import ActorKind
from espace_sante.oauth.models import ClientKind, OAuthClient
from tests.helpers import CAMILLE, actor_of, person_session

OUTSIDERS = ("mutuelle", "employer", "occupational")  # client kind is 16 chars at most


def _token_for(c: Container, kind: str, scopes: str = "system/Patient.rs") -> str:
    with c.factory() as session:
        client = OAuthClient(
            client_id=f"x-{kind}",
            name=kind,
            kind=kind,
            finess=None,
            jwks=json.dumps({"keys": []}),
            scopes=scopes,
            active=True,
            created_at=c.clock.now(),
        )
        session.add(client)
        session.flush()
        token = c.tokens.issue(session, client, scopes).access_token
        session.commit()
    return token


def test_no_actor_or_client_kind_for_outsiders() -> None:
    declared = {k.value for k in ActorKind} | {k.value for k in ClientKind}
    assert declared.isdisjoint(OUTSIDERS)


@pytest.mark.parametrize("kind", OUTSIDERS)
def test_a_smuggled_outsider_client_gets_nothing(
    client: TestClient, demo: Container, kind: str
) -> None:
    token = _token_for(demo, kind)
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/me", headers=headers).status_code == 401
    response = client.get("/fhir/Patient", headers=headers)
    assert response.status_code == 401
    assert response.json()["resourceType"] == "OperationOutcome"


def test_the_insurer_reads_no_patient(client: TestClient, demo: Container) -> None:
    camille = actor_of(demo, person_session(demo, CAMILLE))
    with demo.factory() as session:
        from espace_sante.accounts.models import Patient

        patient = session.get(Patient, camille.own_patient_id)
        assert patient is not None
        nir = patient.nir
    headers = {"Authorization": f"Bearer {_token_for(demo, ClientKind.INSURER.value)}"}
    assert client.get(f"/fhir/Patient/{camille.own_patient_id}", headers=headers).status_code == 404
    bundle = client.get(
        "/fhir/Patient", params={"identifier": f"{INS_NIR_OID}|{nir}"}, headers=headers
    ).json()
    assert bundle["total"] == 0
