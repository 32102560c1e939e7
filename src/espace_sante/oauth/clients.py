"""System clients (hospitals, labs, the insurer, booking services) and their keys."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from joserfc.jwk import KeySet, RSAKey
from sqlalchemy.orm import Session

from espace_sante.oauth.models import ClientKind, OAuthClient


def register_system_client(
    session: Session, *, client_id: str, name: str, kind: ClientKind, finess: str | None,
    scopes: str, keys_dir: Path, now: datetime,
) -> Path:
    """Register a client with a fresh RSA key pair; the private key is written to
    ``keys_dir`` (demo and tests only: real clients send us their public JWKS)."""
    key_file = keys_dir / f"{client_id}.pem"
    if session.get(OAuthClient, client_id) is not None and key_file.exists():
        return key_file
    pem = key_file.read_bytes() if key_file.exists() else _new_private_key(key_file)
    jwk = RSAKey.import_key(pem, {"kid": f"{client_id}-1", "use": "sig", "alg": "RS384"})
    jwks = json.dumps(KeySet([jwk]).as_dict(private=False))
    client = session.get(OAuthClient, client_id) or OAuthClient(client_id=client_id)
    client.name, client.kind, client.finess = name, kind, finess
    client.jwks, client.scopes, client.active, client.created_at = jwks, scopes, True, now
    session.add(client)
    return key_file


def _new_private_key(key_file: Path) -> bytes:
    key_file.parent.mkdir(parents=True, exist_ok=True)
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    key_file.write_bytes(pem)
    key_file.chmod(0o600)
    return pem


# -- the client as the authorization server sees it -------------------------------------------

SYSTEM_KINDS = frozenset({ClientKind.INSTITUTION, ClientKind.INSURER, ClientKind.BOOKING})
AUTH_METHOD = "private_key_jwt"


@dataclass(frozen=True)
class RegisteredClient:
    """A client read for one request: what Authlib's grants and endpoints ask of a client.

    Only ``private_key_jwt`` authenticates, at every endpoint: no shared secret exists to
    leak. Only system clients may use ``client_credentials``; catalogue apps act for a
    patient who consented, so they go through the authorization code flow instead.
    """

    client_id: str
    name: str
    kind: ClientKind
    jwks: dict[str, Any]
    scopes: frozenset[str]

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method == AUTH_METHOD

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == "client_credentials" and self.kind in SYSTEM_KINDS

    def public_keys(self) -> KeySet:
        return KeySet.import_key_set(self.jwks)  # type: ignore[arg-type]


def find_active_client(session: Session, client_id: str) -> RegisteredClient | None:
    """The client, or None when unknown or deactivated (both answer ``invalid_client``)."""
    row = session.get(OAuthClient, client_id)
    if row is None or not row.active:
        return None
    return RegisteredClient(
        client_id=row.client_id, name=row.name, kind=ClientKind(row.kind),
        jwks=json.loads(row.jwks), scopes=frozenset(row.scopes.split()),
    )


def scopes_allowed(registered: frozenset[str], requested: list[str]) -> bool:
    """Each requested scope must be one the client registered, or narrower in SMART v2
    terms (``system/Patient.r`` is within ``system/Patient.rs``)."""
    return all(any(_within(want, have) for have in registered) for want in requested)


def _within(want: str, have: str) -> bool:
    if want == have:
        return True
    w_context, _, w_rest = want.partition("/")
    h_context, _, h_rest = have.partition("/")
    w_type, _, w_perms = w_rest.partition(".")
    h_type, _, h_perms = h_rest.partition(".")
    return (
        bool(w_perms) and w_context == h_context and h_type in (w_type, "*")
        and set(w_perms) <= set(h_perms)
    )
