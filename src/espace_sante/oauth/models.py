"""OAuth clients and the access tokens issued to them."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from espace_sante.core.db import Base, UTCDateTime


class ClientKind(StrEnum):
    INSTITUTION = "institution"  # hospital, clinic, lab: pushes documents
    INSURER = "insurer"  # the Assurance Maladie: provisioning, reimbursements; no medical read
    BOOKING = "booking"  # booking services: appointments
    APP = "app"  # catalogue apps (SMART App Launch), with the catalogue brick


class OAuthClient(Base):
    __tablename__ = "oauth_clients"

    client_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    finess: Mapped[str | None] = mapped_column(ForeignKey("institutions.finess"))
    jwks: Mapped[str] = mapped_column(Text)  # public keys (JSON Web Key Set) for private_key_jwt
    scopes: Mapped[str] = mapped_column(Text)  # space-separated scopes the client may ask for
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class AccessToken(Base):
    """Opaque bearer tokens: only the SHA-256 is stored, so a database leak yields none, and
    revocation takes effect at once."""

    __tablename__ = "oauth_access_tokens"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    client_id: Mapped[str] = mapped_column(ForeignKey("oauth_clients.client_id"), index=True)
    scopes: Mapped[str] = mapped_column(Text)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class UsedAssertion(Base):
    """JWT ids of client assertions already used: an assertion works once (RFC 7523 §3)."""

    __tablename__ = "oauth_used_assertions"

    jti: Mapped[str] = mapped_column(String(255), primary_key=True)
    client_id: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
