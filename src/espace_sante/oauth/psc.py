"""Sign-in of professionals through Pro Santé Connect: an OpenID Connect client.

Authorization code flow with ``state``, ``nonce`` and PKCE S256. The three values travel
in a signed, short-lived cookie between the redirect and the callback, so no server
state is kept. The id_token is checked against the issuer's published keys, and the RPPS
read from ``SubjectNameID`` (PSC's idNat: "8" + RPPS). PSC itself when
``settings.psc_issuer`` is set; otherwise the development IdP, when enabled.

The HTTP transport is injectable: tests and the in-process demo pass
``httpx.ASGITransport(app=app)`` so the server reaches its own dev IdP without a socket.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from collections.abc import Awaitable
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
from itsdangerous import BadSignature, URLSafeSerializer
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from espace_sante.core.errors import Unauthenticated, Unavailable
from espace_sante.oauth import dev_idp
from espace_sante.settings import Settings

SCOPE = "openid scope_all"  # PSC's scope for the professional's identity and practice
ACR = "eidas1"  # PSC's substantial assurance level (CPS card or e-CPS)
ID_TOKEN_ALGS = ("RS256",)
FLOW_LIFETIME = timedelta(minutes=10)
LEEWAY = 60
_IDNAT_RPPS = re.compile(r"^8(\d{11})$")

LOGIN_FAILED = Unauthenticated(
    "La connexion avec Pro Santé Connect a échoué. Recommencez la connexion.",
    "Signing in with Pro Santé Connect failed. Please sign in again.",
)
EXPIRED_FLOW = Unauthenticated(
    "La demande de connexion a expiré ou ne vient pas de ce navigateur. Recommencez la "
    "connexion.",
    "The sign-in request expired or did not come from this browser. Please sign in again.",
)
REFUSED = Unauthenticated(
    "Pro Santé Connect n'a pas confirmé votre identité.",
    "Pro Santé Connect did not confirm your identity.",
)
NOT_RPPS = Unauthenticated(
    "Votre identifiant n'est pas un numéro RPPS : Espace Santé ne peut pas vous connecter.",
    "Your identifier is not an RPPS number: Espace Santé cannot sign you in.",
)
NOT_CONFIGURED = Unavailable(
    "La connexion des professionnels n'est pas configurée sur ce serveur.",
    "Professional sign-in is not configured on this server.",
)


def issuer(settings: Settings) -> str:
    if settings.psc_issuer:
        return settings.psc_issuer.rstrip("/")
    if settings.dev_idp_enabled:
        return dev_idp.issuer(settings)
    raise NOT_CONFIGURED


def redirect_uri(settings: Settings) -> str:
    return settings.base_url.rstrip("/") + "/pro/callback"


@dataclass(frozen=True)
class Flow:
    """One sign-in in progress, kept by the browser in a signed cookie."""

    state: str
    nonce: str
    verifier: str
    issuer: str
    expires: int

    @classmethod
    def start(cls, issuer: str, now: datetime) -> Flow:
        return cls(secrets.token_urlsafe(24), secrets.token_urlsafe(24),
                   secrets.token_urlsafe(48), issuer,
                   int((now + FLOW_LIFETIME).timestamp()))

    @property
    def challenge(self) -> str:
        digest = hashlib.sha256(self.verifier.encode()).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()

    def seal(self, secret_key: str) -> str:
        return _serializer(secret_key).dumps(asdict(self))

    @classmethod
    def unseal(cls, value: str, secret_key: str, now: datetime) -> Flow:
        try:
            data = _serializer(secret_key).loads(value)
            flow = cls(**data)
        except (BadSignature, TypeError):
            raise EXPIRED_FLOW from None
        if flow.expires <= int(now.timestamp()):
            raise EXPIRED_FLOW
        return flow

    def check_state(self, state: str) -> None:
        if not hmac.compare_digest(state.encode(), self.state.encode()):
            raise EXPIRED_FLOW


def _serializer(secret_key: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret_key, salt="espace-sante.psc-login")


def authorization_url(metadata: dict[str, Any], flow: Flow, settings: Settings) -> str:
    params = {
        "response_type": "code", "client_id": settings.psc_client_id,
        "redirect_uri": redirect_uri(settings), "scope": SCOPE, "acr_values": ACR,
        "state": flow.state, "nonce": flow.nonce,
        "code_challenge": flow.challenge, "code_challenge_method": "S256",
    }
    return str(httpx.URL(str(metadata["authorization_endpoint"]), params=params))


def validate_id_token(id_token: str, jwks: dict[str, Any], *, issuer: str, client_id: str,
                      nonce: str, now: int) -> dict[str, Any]:
    """OpenID Connect Core §3.1.3.7: signature by the issuer's key, iss, aud, exp, nonce."""
    registry = jwt.JWTClaimsRegistry(
        now=now, leeway=LEEWAY, iss={"essential": True, "value": issuer},
        aud={"essential": True, "value": client_id}, exp={"essential": True},
        sub={"essential": True}, nonce={"essential": True, "value": nonce},
    )
    try:
        token = jwt.decode(id_token, KeySet.import_key_set(jwks),  # type: ignore[arg-type]
                           algorithms=list(ID_TOKEN_ALGS))
        registry.validate(token.claims)
    except (JoseError, ValueError, TypeError, KeyError):
        raise LOGIN_FAILED from None
    return dict(token.claims)


def rpps_of(claims: dict[str, Any]) -> str:
    match = _IDNAT_RPPS.match(str(claims.get("SubjectNameID", "")))
    if match is None:
        raise NOT_RPPS
    return match.group(1)


class PscClient:
    """The three calls to the identity provider: discovery, token, keys (+ userinfo)."""

    def __init__(self, settings: Settings, transport: httpx.AsyncBaseTransport | None = None,
                 timeout: float = 10.0) -> None:
        self.settings = settings
        self.transport = transport
        self.timeout = timeout

    async def discover(self, issuer: str) -> dict[str, Any]:
        async with self._http() as http:
            meta = await _get_json(http, issuer + "/.well-known/openid-configuration")
        if meta.get("issuer") != issuer or "authorization_endpoint" not in meta:
            raise LOGIN_FAILED
        return meta

    async def finish(self, flow: Flow, code: str, now: datetime) -> dict[str, Any]:
        """Exchange the code and return the validated identity claims."""
        meta = await self.discover(flow.issuer)
        async with self._http() as http:
            tokens = await self._exchange(http, meta, flow, code)
            jwks = await _get_json(http, str(meta["jwks_uri"]))
            claims = validate_id_token(
                str(tokens.get("id_token", "")), jwks, issuer=flow.issuer,
                client_id=self.settings.psc_client_id, nonce=flow.nonce,
                now=int(now.timestamp()),
            )
            if "SubjectNameID" not in claims and "userinfo_endpoint" in meta:
                claims = await self._userinfo(http, meta, tokens, claims)
        return claims

    async def _exchange(self, http: httpx.AsyncClient, meta: dict[str, Any], flow: Flow,
                        code: str) -> dict[str, Any]:
        form = {"grant_type": "authorization_code", "code": code,
                "redirect_uri": redirect_uri(self.settings),
                "client_id": self.settings.psc_client_id, "code_verifier": flow.verifier}
        if self.settings.psc_client_secret:
            form["client_secret"] = self.settings.psc_client_secret
        return await _send(http.post(str(meta["token_endpoint"]), data=form))

    async def _userinfo(self, http: httpx.AsyncClient, meta: dict[str, Any],
                        tokens: dict[str, Any], claims: dict[str, Any]) -> dict[str, Any]:
        # Some PSC set-ups return the practice claims from userinfo only. Its "sub" must be
        # the id_token's (OpenID Connect Core §5.3.2).
        headers = {"Authorization": f"Bearer {tokens.get('access_token', '')}"}
        info = await _send(http.get(str(meta["userinfo_endpoint"]), headers=headers))
        if info.get("sub") != claims.get("sub"):
            raise LOGIN_FAILED
        return {**info, **claims}

    def _http(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=self.transport, timeout=self.timeout)


async def _get_json(http: httpx.AsyncClient, url: str) -> dict[str, Any]:
    return await _send(http.get(url))


async def _send(pending: Awaitable[httpx.Response]) -> dict[str, Any]:
    """Await one request; any failure (network, status, not JSON) is a failed sign-in."""
    try:
        response = await pending
        response.raise_for_status()
        body = response.json()
    except (httpx.HTTPError, ValueError):
        raise LOGIN_FAILED from None
    if not isinstance(body, dict):
        raise LOGIN_FAILED
    return body
