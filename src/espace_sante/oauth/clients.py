"""System clients (hospitals, labs, the insurer, booking services) and their keys."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

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
