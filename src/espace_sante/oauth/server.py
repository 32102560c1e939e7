"""The authorization server for system clients: hospitals, labs, the insurer, booking services.

Authlib's OAuth 2 machinery, adapted to a plain form and one database session per request
(Authlib has no Starlette server integration). One grant, ``client_credentials``
(RFC 6749 §4.4); one client authentication, ``private_key_jwt`` (RFC 7523 §2.2, the SMART
Backend Services profile); plus introspection (RFC 7662) and revocation (RFC 7009).
Tokens are opaque and stored hashed by ``TokenService``. The front door turns an
``OAuthResponse`` into HTTP; nothing here knows Starlette.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, ClassVar

from authlib.oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import (
    ClientCredentialsGrant,
    InvalidClientError,
    InvalidScopeError,
    OAuth2Error,
    OAuth2Request,
)
from authlib.oauth2.rfc6749.requests import BasicOAuth2Payload
from authlib.oauth2.rfc6749.util import scope_to_list
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7523 import JWTBearerClientAssertion
from authlib.oauth2.rfc7662 import IntrospectionEndpoint
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from sqlalchemy import delete
from sqlalchemy import exc as sa_exc
from sqlalchemy.orm import Session, sessionmaker

from espace_sante.core import audit
from espace_sante.core.clock import Clock
from espace_sante.core.context import request_id
from espace_sante.oauth.clients import AUTH_METHOD, RegisteredClient, find_active_client
from espace_sante.oauth.clients import scopes_allowed as _scopes_allowed
from espace_sante.oauth.models import AccessToken, OAuthClient, UsedAssertion
from espace_sante.oauth.tokens import TokenService, client_actor
from espace_sante.settings import Settings

log = logging.getLogger(__name__)

TOKEN, INTROSPECTION, REVOCATION = "token", "introspection", "revocation"
ASSERTION_ALGS = ("RS384", "ES384", "RS256")
SCOPES_SUPPORTED = ("system/Patient.rs", "system/Patient.r", "system/Patient.s")
CLOCK_LEEWAY = 60  # seconds of clock skew tolerated on exp, nbf and iat
# SMART Backend Services: an assertion expires at most 5 minutes after it is made. It also
# bounds how long a used jti must be remembered.
ASSERTION_MAX_LIFETIME = 300
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


@dataclass(frozen=True)
class OAuthCall:
    """What the front door read from the HTTP request."""

    method: str
    path: str
    form: Mapping[str, str]


@dataclass(frozen=True)
class OAuthResponse:
    status: int
    body: dict[str, Any]
    headers: dict[str, str]


def token_endpoint(settings: Settings) -> str:
    return settings.base_url.rstrip("/") + "/oauth/token"


def respond(factory: sessionmaker[Session], settings: Settings, clock: Clock,
            tokens: TokenService, endpoint: str, call: OAuthCall) -> OAuthResponse:
    """Answer one call to the token, introspection or revocation endpoint, in one
    transaction. It commits errors too: a client assertion checked in full is spent even
    when the request then fails (a wrong scope), so it can never be replayed."""
    with factory() as session:
        server = SystemAuthorizationServer(session, settings, clock, tokens)
        try:
            if endpoint == TOKEN:
                response: OAuthResponse = server.create_token_response(call)
            else:
                response = server.create_endpoint_response(endpoint, call)
        except OAuth2Error as error:  # raised while reading the request (insecure transport)
            response = server.handle_error_response(None, error)
        session.commit()
        return response


def purge_used_assertions(session: Session, *, now: datetime) -> int:
    """Forget assertion ids past their expiry (an expired assertion is refused anyway).
    For the periodic jobs; the caller commits."""
    result = session.execute(delete(UsedAssertion).where(UsedAssertion.expires_at < now))
    return int(result.rowcount)  # type: ignore[attr-defined]


class FormRequest(OAuth2Request):  # type: ignore[misc]
    def __init__(self, call: OAuthCall, uri: str) -> None:
        super().__init__(call.method, uri)
        self._form = dict(call.form)
        self.payload = BasicOAuth2Payload(self._form)

    @property
    def form(self) -> dict[str, str]:
        return self._form


class SystemAuthorizationServer(AuthorizationServer):  # type: ignore[misc]
    """Built for one request, bound to its database session."""

    def __init__(self, session: Session, settings: Settings, clock: Clock,
                 tokens: TokenService) -> None:
        super().__init__(scopes_supported=list(SCOPES_SUPPORTED))
        self.session, self.settings, self.clock, self.tokens = session, settings, clock, tokens
        self.register_client_auth_method(AUTH_METHOD, PrivateKeyJwtAssertion(self))
        self.register_grant(ClientCredentials)
        self.register_endpoint(Introspection(self))
        self.register_endpoint(Revocation(self))
        self.register_token_generator("default", self._generate_token)

    def now(self) -> int:
        return int(self.clock.now().timestamp())

    # -- Authlib's framework hooks ---------------------------------------------------------

    def create_oauth2_request(self, request: OAuthCall) -> FormRequest:
        # The public URL, not the one the proxy forwarded: TLS ends before us.
        return FormRequest(request, self.settings.base_url.rstrip("/") + request.path)

    def handle_response(self, status: int, body: Any, headers: Any) -> OAuthResponse:
        merged = {k: v for k, v in headers if k.lower() != "www-authenticate"}
        return OAuthResponse(status, dict(body or {}), {**merged, **NO_STORE})

    def handle_error_response(self, request: Any, error: OAuth2Error) -> OAuthResponse:
        status, body, headers = error(self.get_error_uri(request, error))
        if error.error == "invalid_client":
            # Authentication failed: 401, as RFC 6749 §5.2 allows. No WWW-Authenticate
            # challenge, since a client assertion is not an HTTP authentication scheme.
            status = 401
        return self.handle_response(status, body, headers)

    def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
        return None

    def query_client(self, client_id: str) -> RegisteredClient | None:
        return find_active_client(self.session, client_id)

    def save_token(self, token: dict[str, Any], request: FormRequest) -> None:
        # The token row is already in the session (``_generate_token``); what is left is
        # the audit event, in the same transaction.
        self.record(request.client, "create", f"scope={token.get('scope', '')}")

    # -- our own ---------------------------------------------------------------------------

    def record(self, client: RegisteredClient, action: str, detail: str) -> None:
        row = self.session.get(OAuthClient, client.client_id)
        assert row is not None
        audit.append(self.session, client_actor(self.session, row, " ".join(client.scopes)),
                     audit.Entry(action=action, resource_kind="token", patient_id=None,
                                 resource_id=None, outcome=audit.Outcome.SUCCESS,
                                 detail=detail),
                     at=self.clock.now(), request_id=request_id.get())

    def _generate_token(self, grant_type: str, client: RegisteredClient, user: Any = None,
                        scope: str | None = None, expires_in: int | None = None,
                        include_refresh_token: bool = False) -> dict[str, Any]:
        # No scope asked: the client gets what it registered (RFC 6749 §3.3 default).
        granted = scope or " ".join(sorted(client.scopes))
        row = self.session.get(OAuthClient, client.client_id)
        assert row is not None
        issued = self.tokens.issue(self.session, row, granted)
        return {"token_type": "Bearer", "access_token": issued.access_token,
                "expires_in": issued.expires_in, "scope": issued.scope}


class ClientCredentials(ClientCredentialsGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS: ClassVar[list[str]] = [AUTH_METHOD]

    def validate_requested_scope(self) -> None:
        requested = scope_to_list(self.request.payload.scope) or []
        if not _scopes_allowed(self.client.scopes, requested):
            raise InvalidScopeError("The requested scope exceeds the scopes of this client.")


class PrivateKeyJwtAssertion(JWTBearerClientAssertion):  # type: ignore[misc]
    """RFC 7523 client assertion, checked against the injectable clock and with a fixed
    list of algorithms (joserfc's default list has no RS384, the SMART default)."""

    CLIENT_AUTH_METHOD = AUTH_METHOD

    def __init__(self, server: SystemAuthorizationServer) -> None:
        super().__init__(leeway=CLOCK_LEEWAY)
        self.server = server
        self.claimed: RegisteredClient

    def get_audiences(self) -> list[str]:
        return [token_endpoint(self.server.settings)]

    def resolve_client_public_key(self, client: RegisteredClient) -> KeySet:
        # Authlib found the client by the unverified "sub" and asks for its keys just
        # before checking the assertion: remember whom the claims must then name.
        self.claimed = client
        return client.public_keys()

    def process_assertion_claims(self, assertion: str, key: KeySet) -> dict[str, Any]:
        try:
            token = jwt.decode(assertion, key, algorithms=list(ASSERTION_ALGS))
        except (JoseError, ValueError) as exc:
            # Our own wording: Authlib refuses descriptions with characters an attacker
            # could have put in a header, and would then fail with a 500.
            log.debug("client assertion refused: %r", exc)
            raise InvalidClientError(description="Invalid client assertion signature.") from None
        self.verify_claims(token.claims)
        return token.claims

    def verify_claims(self, claims: dict[str, Any]) -> None:
        client = self.claimed
        registry = jwt.JWTClaimsRegistry(
            now=self.server.now, leeway=self.leeway,
            iss={"essential": True, "value": client.client_id},
            sub={"essential": True, "value": client.client_id},
            aud={"essential": True, "values": self.get_audiences()},
            exp={"essential": True}, jti={"essential": True},
        )
        try:
            registry.validate(claims)
        except JoseError as exc:
            log.debug("client assertion claims refused: %r", exc)
            raise InvalidClientError(description=_claim_problem(exc)) from None
        if claims["exp"] > self.server.now() + ASSERTION_MAX_LIFETIME + self.leeway:
            raise InvalidClientError(description="The client assertion lives too long.")
        if len(claims["jti"]) > 255 or not self.validate_jti(claims, claims["jti"]):
            raise InvalidClientError(description="The client assertion was already used.")

    def validate_jti(self, claims: dict[str, Any], jti: str) -> bool:
        """Remember the id until the assertion expires; a second use is a replay."""
        used = UsedAssertion(jti=jti, client_id=claims["sub"],
                             expires_at=datetime.fromtimestamp(claims["exp"], UTC))
        try:
            with self.server.session.begin_nested():
                self.server.session.add(used)
        except sa_exc.IntegrityError:
            return False
        return True


def _claim_problem(exc: JoseError) -> str:
    claim = str(getattr(exc, "claim", "") or "")
    if claim == "exp":
        return "The client assertion has expired."
    if claim == "aud":
        return "The client assertion audience must be the token endpoint URL."
    if claim in ("iss", "sub", "jti", "nbf", "iat"):
        return f"Invalid or missing claim in the client assertion: {claim}."
    return "Invalid client assertion claims."


@dataclass(frozen=True)
class _Token:
    """A stored token as Authlib's endpoints ask about it."""

    row: AccessToken
    now: datetime

    def is_expired(self) -> bool:
        return self.row.expires_at <= self.now

    def is_revoked(self) -> bool:
        return self.row.revoked_at is not None

    def check_client(self, client: RegisteredClient) -> bool:
        return self.row.client_id == client.client_id


class Introspection(IntrospectionEndpoint):  # type: ignore[misc]
    CLIENT_AUTH_METHODS: ClassVar[list[str]] = [AUTH_METHOD]

    def query_token(self, token_string: str, token_type_hint: str | None) -> _Token | None:
        row = self.server.tokens.find(self.server.session, token_string)
        return _Token(row, self.server.clock.now()) if row is not None else None

    def check_permission(self, token: _Token, client: RegisteredClient, request: Any) -> bool:
        # Why: a client learns about its own tokens only; any other answers "inactive".
        return token.check_client(client)

    def introspect_token(self, token: _Token) -> dict[str, Any]:
        row = token.row
        return {
            "active": True, "client_id": row.client_id, "sub": row.client_id,
            "scope": row.scopes, "token_type": "Bearer",
            "iss": self.server.settings.base_url.rstrip("/"),
            "iat": int(row.issued_at.timestamp()), "exp": int(row.expires_at.timestamp()),
        }


class Revocation(RevocationEndpoint):  # type: ignore[misc]
    CLIENT_AUTH_METHODS: ClassVar[list[str]] = [AUTH_METHOD]

    def query_token(self, token_string: str, token_type_hint: str | None) -> _Token | None:
        row = self.server.tokens.find(self.server.session, token_string)
        return _Token(row, self.server.clock.now()) if row is not None else None

    def revoke_token(self, token: _Token, request: FormRequest) -> None:
        if token.row.revoked_at is None:
            token.row.revoked_at = self.server.clock.now()
            self.server.record(request.client, "delete", "revoked by its client")
