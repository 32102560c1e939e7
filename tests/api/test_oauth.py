"""The authorization server for system clients: client_credentials with private_key_jwt,
introspection, revocation, discovery."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi.testclient import TestClient
from joserfc import jwt
from joserfc.jwk import RSAKey
from sqlalchemy import select

from espace_sante.bootstrap import Container
from espace_sante.core.audit import AuditEvent
from espace_sante.core.clock import FrozenClock
from espace_sante.oauth.clients import register_system_client
from espace_sante.oauth.models import ClientKind, OAuthClient
from espace_sante.oauth.server import purge_used_assertions
from tests.api.conftest import BASE_URL

TOKEN_URL = BASE_URL + "/oauth/token"
CLIENT = "chd-demoville"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


def client_key(c: Container, client_id: str = CLIENT) -> RSAKey:
    pem = (c.settings.data_dir / "demo-keys" / f"{client_id}.pem").read_bytes()
    return RSAKey.import_key(pem)


def assertion(c: Container, client_id: str = CLIENT, *, key: RSAKey | None = None,
              aud: str = TOKEN_URL, lifetime: int = 120, jti: str | None = None,
              alg: str = "RS384") -> str:
    now = int(c.clock.now().timestamp())
    claims = {"iss": client_id, "sub": client_id, "aud": aud, "iat": now,
              "exp": now + lifetime, "jti": jti or uuid.uuid4().hex}
    header = {"alg": alg, "typ": "JWT", "kid": f"{client_id}-1"}
    return jwt.encode(header, claims, key or client_key(c, client_id), algorithms=[alg])


def auth_fields(signed: str) -> dict[str, str]:
    return {"client_assertion_type": ASSERTION_TYPE, "client_assertion": signed}


def request_token(api: TestClient, signed: str, **extra: str) -> Any:
    return api.post("/oauth/token",
                    data={"grant_type": "client_credentials", **extra, **auth_fields(signed)})


def get_token(api: TestClient, c: Container, **extra: str) -> str:
    response = request_token(api, assertion(c), **extra)
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_client_credentials_flow_then_api_call(api: TestClient, demo: Container) -> None:
    response = request_token(api, assertion(demo), scope="system/Patient.rs")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 900
    assert body["scope"] == "system/Patient.rs"
    assert response.headers["cache-control"] == "no-store"
    me = api.get("/api/me", headers=bearer(body["access_token"]))
    assert me.status_code == 200, me.text
    assert me.json()["kind"] == "institution"
    assert me.json()["organisation"] == "Centre hospitalier de Démoville"


def test_issuance_is_audited(api: TestClient, demo: Container) -> None:
    get_token(api, demo)
    with demo.factory() as session:
        event = session.scalars(select(AuditEvent).where(
            AuditEvent.resource_kind == "token", AuditEvent.action == "create")).one()
    assert event.actor_id == f"client:{CLIENT}"
    assert event.patient_id is None
    assert event.outcome == "success"


def test_no_scope_asked_grants_the_registered_scopes(api: TestClient, demo: Container) -> None:
    response = request_token(api, assertion(demo))
    assert response.json()["scope"] == "system/Patient.rs"


def test_narrower_scope_is_granted(api: TestClient, demo: Container) -> None:
    response = request_token(api, assertion(demo), scope="system/Patient.r")
    assert response.status_code == 200
    assert response.json()["scope"] == "system/Patient.r"


def test_excessive_scope_is_invalid_scope(api: TestClient, demo: Container) -> None:
    response = request_token(api, assertion(demo), scope="system/Patient.rs system/*.cruds")
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_scope"
    assert response.headers["cache-control"] == "no-store"


def _refused(response: Any) -> str:
    assert response.status_code == 401, response.text
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["error"] == "invalid_client"
    return str(body["error_description"])


def test_forged_assertion_is_refused(api: TestClient, demo: Container) -> None:
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = stranger.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                 serialization.NoEncryption())
    _refused(request_token(api, assertion(demo, key=RSAKey.import_key(pem))))


def test_reused_jti_is_refused(api: TestClient, demo: Container) -> None:
    signed = assertion(demo)
    assert request_token(api, signed).status_code == 200
    assert "already used" in _refused(request_token(api, signed))


def test_assertion_spent_even_when_the_request_fails(api: TestClient, demo: Container) -> None:
    signed = assertion(demo)
    assert request_token(api, signed, scope="system/*.cruds").status_code == 400
    _refused(request_token(api, signed))


def test_expired_assertion_is_refused(api: TestClient, demo: Container) -> None:
    signed = assertion(demo, lifetime=60)
    assert isinstance(demo.clock, FrozenClock)
    demo.clock.advance(timedelta(minutes=3))  # past exp and the 60 s leeway
    assert "expired" in _refused(request_token(api, signed))


def test_assertion_living_too_long_is_refused(api: TestClient, demo: Container) -> None:
    _refused(request_token(api, assertion(demo, lifetime=3600)))


def test_wrong_audience_is_refused(api: TestClient, demo: Container) -> None:
    signed = assertion(demo, aud=BASE_URL + "/oauth/introspect")
    assert "audience" in _refused(request_token(api, signed))


def test_unknown_client_is_refused(api: TestClient, demo: Container) -> None:
    signed = assertion(demo, "hopital-inconnu", key=client_key(demo))
    _refused(request_token(api, signed))


def test_inactive_client_is_refused(api: TestClient, demo: Container) -> None:
    with demo.factory() as session:
        row = session.get(OAuthClient, CLIENT)
        assert row is not None
        row.active = False
        session.commit()
    _refused(request_token(api, assertion(demo)))


def test_another_clients_key_is_refused(api: TestClient, demo: Container) -> None:
    signed = assertion(demo, "labo-biodemo", key=client_key(demo, CLIENT))
    _refused(request_token(api, signed))


def test_unsigned_assertion_is_refused(api: TestClient, demo: Container) -> None:
    now = int(demo.clock.now().timestamp())
    claims = {"iss": CLIENT, "sub": CLIENT, "aud": TOKEN_URL, "exp": now + 60, "jti": "x"}
    unsigned = f"{_b64({'alg': 'none'})}.{_b64(claims)}."
    _refused(request_token(api, unsigned))


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def test_missing_client_authentication_is_refused(api: TestClient) -> None:
    response = api.post("/oauth/token", data={"grant_type": "client_credentials"})
    _refused(response)


def test_other_grant_types_are_unsupported(api: TestClient, demo: Container) -> None:
    response = api.post("/oauth/token", data={"grant_type": "password", "username": "x",
                                              **auth_fields(assertion(demo))})
    assert response.status_code == 400
    assert response.json()["error"] == "unsupported_grant_type"


def test_revoked_token_is_refused_by_the_api(api: TestClient, demo: Container) -> None:
    token = get_token(api, demo)
    response = api.post("/oauth/revoke", data={"token": token, **auth_fields(assertion(demo))})
    assert response.status_code == 200, response.text
    assert api.get("/api/me", headers=bearer(token)).status_code == 401
    introspection = api.post("/oauth/introspect",
                             data={"token": token, **auth_fields(assertion(demo))})
    assert introspection.json() == {"active": False}


def test_revocation_needs_client_authentication(api: TestClient, demo: Container) -> None:
    token = get_token(api, demo)
    _refused(api.post("/oauth/revoke", data={"token": token}))
    assert api.get("/api/me", headers=bearer(token)).status_code == 200


def test_revoking_an_unknown_token_is_fine(api: TestClient, demo: Container) -> None:
    response = api.post("/oauth/revoke", data={"token": "nope", **auth_fields(assertion(demo))})
    assert response.status_code == 200


def test_introspection_of_an_active_token(api: TestClient, demo: Container) -> None:
    token = get_token(api, demo)
    response = api.post("/oauth/introspect", data={"token": token, **auth_fields(assertion(demo))})
    assert response.status_code == 200
    body = response.json()
    assert body["active"] is True
    assert body["client_id"] == CLIENT
    assert body["scope"] == "system/Patient.rs"
    assert body["exp"] - body["iat"] == 900
    assert response.headers["cache-control"] == "no-store"


@pytest.mark.parametrize("token", ["", "not-a-token"])
def test_introspection_of_nothing_is_inactive(api: TestClient, demo: Container,
                                              token: str) -> None:
    response = api.post("/oauth/introspect", data={"token": token, **auth_fields(assertion(demo))})
    assert response.json() == {"active": False}


def test_introspection_of_another_clients_token_is_inactive(api: TestClient,
                                                            demo: Container) -> None:
    token = get_token(api, demo)
    response = api.post("/oauth/introspect",
                        data={"token": token, **auth_fields(assertion(demo, "labo-biodemo"))})
    assert response.json() == {"active": False}


def test_introspection_needs_client_authentication(api: TestClient, demo: Container) -> None:
    token = get_token(api, demo)
    forged = assertion(demo, aud="https://elsewhere.example/oauth/token")
    _refused(api.post("/oauth/introspect", data={"token": token, **auth_fields(forged)}))


def test_expired_token_is_refused(api: TestClient, demo: Container) -> None:
    token = get_token(api, demo)
    assert isinstance(demo.clock, FrozenClock)
    demo.clock.advance(timedelta(minutes=16))
    assert api.get("/api/me", headers=bearer(token)).status_code == 401
    response = api.post("/oauth/introspect", data={"token": token, **auth_fields(assertion(demo))})
    assert response.json() == {"active": False}


def test_used_assertions_are_purged_after_expiry(api: TestClient, demo: Container) -> None:
    get_token(api, demo)
    with demo.factory() as session:
        assert purge_used_assertions(session, now=demo.clock.now()) == 0
        later = demo.clock.now() + timedelta(minutes=10)
        assert purge_used_assertions(session, now=later) == 1
        session.commit()


def test_discovery_document(api: TestClient) -> None:
    response = api.get("/.well-known/openid-configuration")
    assert response.status_code == 200
    doc = response.json()
    assert doc["issuer"] == BASE_URL
    assert doc["token_endpoint"] == TOKEN_URL
    assert doc["introspection_endpoint"] == BASE_URL + "/oauth/introspect"
    assert doc["revocation_endpoint"] == BASE_URL + "/oauth/revoke"
    assert doc["jwks_uri"] == BASE_URL + "/.well-known/jwks.json"
    assert doc["grant_types_supported"] == ["client_credentials"]
    assert doc["token_endpoint_auth_methods_supported"] == ["private_key_jwt"]
    assert doc["token_endpoint_auth_signing_alg_values_supported"] == ["RS384", "ES384", "RS256"]
    assert "system/Patient.rs" in doc["scopes_supported"]
    assert api.get("/.well-known/oauth-authorization-server").json() == doc


def test_jwks_publishes_a_stable_public_key(api: TestClient, demo: Container) -> None:
    first = api.get("/.well-known/jwks.json").json()
    assert api.get("/.well-known/jwks.json").json() == first
    (key,) = first["keys"]
    assert key["kty"] == "RSA" and key["alg"] == "RS256" and key["use"] == "sig"
    assert key["kid"]
    assert "d" not in key and "p" not in key
    pem = demo.settings.data_dir / "keys" / "server-signing.pem"
    assert pem.stat().st_mode & 0o777 == 0o600


def test_revoking_another_clients_token_is_refused(api: TestClient, demo: Container) -> None:
    token = get_token(api, demo)
    response = api.post("/oauth/revoke",
                        data={"token": token, **auth_fields(assertion(demo, "labo-biodemo"))})
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"
    assert api.get("/api/me", headers=bearer(token)).status_code == 200


def test_app_clients_cannot_use_client_credentials(api: TestClient, demo: Container) -> None:
    with demo.factory() as session:
        register_system_client(
            session, client_id="appli-demo", name="Appli démo", kind=ClientKind.APP,
            finess=None, scopes="patient/Patient.rs",
            keys_dir=demo.settings.data_dir / "demo-keys", now=demo.clock.now(),
        )
        session.commit()
    response = request_token(api, assertion(demo, "appli-demo"))
    assert response.status_code == 400
    assert response.json()["error"] == "unauthorized_client"
