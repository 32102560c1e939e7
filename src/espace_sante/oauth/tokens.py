"""Issue, resolve and revoke access tokens; turn a token into the ``Actor`` it stands for."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.orm import Session, sessionmaker

from espace_sante.accounts.models import Institution
from espace_sante.core.actors import Actor, ActorKind, LegalBasis
from espace_sante.core.clock import Clock
from espace_sante.oauth.models import AccessToken, ClientKind, OAuthClient

TOKEN_LIFETIME = timedelta(minutes=15)

_ACTOR_KIND = {
    ClientKind.INSTITUTION: ActorKind.INSTITUTION,
    ClientKind.BOOKING: ActorKind.INSTITUTION,
    ClientKind.INSURER: ActorKind.INSTITUTION,
}


@dataclass(frozen=True)
class IssuedToken:
    access_token: str
    expires_in: int
    scope: str


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class TokenService:
    def __init__(self, factory: sessionmaker[Session], clock: Clock) -> None:
        self._factory = factory
        self._clock = clock

    def issue(self, session: Session, client: OAuthClient, scopes: str) -> IssuedToken:
        token, now = secrets.token_urlsafe(32), self._clock.now()
        session.add(
            AccessToken(
                token_hash=_hash(token),
                client_id=client.client_id,
                scopes=scopes,
                issued_at=now,
                expires_at=now + TOKEN_LIFETIME,
            )
        )
        return IssuedToken(token, int(TOKEN_LIFETIME.total_seconds()), scopes)

    def active(self, session: Session, token: str) -> AccessToken | None:
        row = session.get(AccessToken, _hash(token))
        if row is None or row.revoked_at is not None or row.expires_at <= self._clock.now():
            return None
        client = session.get(OAuthClient, row.client_id)
        return row if client is not None and client.active else None

    def revoke(self, session: Session, token: str, client_id: str) -> None:
        row = session.get(AccessToken, _hash(token))
        if row is not None and row.client_id == client_id and row.revoked_at is None:
            row.revoked_at = self._clock.now()

    def resolve(self, token: str) -> Actor | None:
        with self._factory() as session:
            row = self.active(session, token)
            if row is None:
                return None
            client = session.get(OAuthClient, row.client_id)
            assert client is not None
            return _client_actor(session, client, row.scopes)


def _client_actor(session: Session, client: OAuthClient, scopes: str) -> Actor | None:
    kind = _ACTOR_KIND.get(ClientKind(client.kind))
    if kind is None:  # app clients act for one patient with consent: none until the catalogue
        return None
    inst = session.get(Institution, client.finess) if client.finess else None
    # Why: the insurer provisions spaces and feeds reimbursements; it never reads medical
    # data, so it gets no feeding basis for clinical resources (checked in the policy).
    basis = LegalBasis.SYSTEM_FEED
    return Actor(
        kind=kind,
        subject_id=f"client:{client.client_id}",
        display_name=client.name,
        organisation=inst.name if inst else client.name,
        default_basis=basis,
        scopes=frozenset(scopes.split()),
    )
