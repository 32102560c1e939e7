"""Issue, resolve and revoke access tokens; turn a token into the ``Actor`` it stands for."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.orm import Session, sessionmaker

from espace_sante.accounts.directory import institution_name
from espace_sante.core.actors import Actor, ActorKind, LegalBasis
from espace_sante.core.clock import Clock
from espace_sante.oauth.models import AccessToken, ClientKind, OAuthClient

TOKEN_LIFETIME = timedelta(minutes=15)

_ACTOR_KIND = {
    ClientKind.INSTITUTION: ActorKind.INSTITUTION,
    ClientKind.BOOKING: ActorKind.INSTITUTION,
    ClientKind.INSURER: ActorKind.INSURER,
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

    def find(self, session: Session, token: str) -> AccessToken | None:
        """The stored token whatever its state (revocation must find expired ones too)."""
        return session.get(AccessToken, _hash(token))

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


def client_actor(session: Session, client: OAuthClient, scopes: str) -> Actor:
    """The actor a client is, for the audit of what it does at the authorization server
    (a catalogue app included, though its tokens do not resolve to an actor yet)."""
    return _client_actor(session, client, scopes) or Actor(
        kind=ActorKind.APP, subject_id=f"client:{client.client_id}", display_name=client.name,
        organisation=client.name, scopes=frozenset(scopes.split()),
    )


def _client_kind(value: str) -> ClientKind | None:
    """A row with a kind we do not know (hand-edited, or from a newer version) gets no actor:
    there is no way in but the declared ones."""
    try:
        return ClientKind(value)
    except ValueError:
        return None


def _client_actor(session: Session, client: OAuthClient, scopes: str) -> Actor | None:
    client_kind = _client_kind(client.kind)
    kind = _ACTOR_KIND.get(client_kind) if client_kind else None
    if kind is None:  # app clients act for one patient with consent: none until the catalogue
        return None
    organisation = institution_name(session, client.finess) if client.finess else None
    # Why: the insurer feeds spaces too, but the policy names no rule for its kind on
    # clinical resources: it never reads medical data.
    basis = LegalBasis.SYSTEM_FEED
    return Actor(
        kind=kind,
        subject_id=f"client:{client.client_id}",
        display_name=client.name,
        organisation=organisation or client.name,
        default_basis=basis,
        scopes=frozenset(scopes.split()),
    )
