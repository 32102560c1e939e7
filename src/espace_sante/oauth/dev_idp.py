"""A development identity provider that plays Pro Santé Connect for the demo and the tests.

It signs in anyone who clicks a name: settings refuse it in production. It speaks the
same OpenID Connect as PSC (authorization code, PKCE S256, RS256 id_token) and returns
PSC's claim names: ``SubjectNameID`` is the national id ("8" + RPPS for RPPS holders),
``SubjectRefPro.exercices[].codeProfession`` the profession (TRE_G15), ``given_name`` and
``family_name`` the names. Codes and access tokens live in this process's memory, which
suits the one-process development server and nothing else.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from joserfc import jwt
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from espace_sante.accounts.models import Professional
from espace_sante.core.errors import DomainError
from espace_sante.oauth import keys
from espace_sante.settings import Settings

PATH = "/dev-idp"
CODE_LIFETIME = timedelta(seconds=60)
ACCESS_LIFETIME = timedelta(minutes=10)
ID_TOKEN_LIFETIME = timedelta(minutes=5)
RPPS_PREFIX = "8"  # PSC's idNat: type of identifier ("8" = RPPS) followed by the number
_RPPS = re.compile(r"^\d{11}$")
_PKCE = re.compile(r"^[A-Za-z0-9._~-]{43,128}$")


class BadAuthorizationRequest(DomainError):
    status = 400
    code = "invalid"


def _bad(fr: str, en: str) -> BadAuthorizationRequest:
    return BadAuthorizationRequest(
        f"Demande d'autorisation invalide : {fr}.", f"Invalid authorization request: {en}."
    )


class TokenError(Exception):
    """An OAuth error of the token or userinfo endpoint (JSON, not a page)."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(error, description)
        self.error, self.description, self.status = error, description, status


def issuer(settings: Settings) -> str:
    return settings.base_url.rstrip("/") + PATH


def registered_redirect_uri(settings: Settings) -> str:
    # The only client of this provider is this server's professional sign-in.
    return settings.base_url.rstrip("/") + "/pro/callback"


def metadata(settings: Settings) -> dict[str, Any]:
    iss = issuer(settings)
    return {
        "issuer": iss,
        "authorization_endpoint": iss + "/authorize",
        "token_endpoint": iss + "/token",
        "userinfo_endpoint": iss + "/userinfo",
        "jwks_uri": iss + "/jwks",
        "response_types_supported": ["code"],
        "grant_types_supported": ["authorization_code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": [keys.SIGNING_ALG],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": ["client_secret_post", "none"],
        "scopes_supported": ["openid", "scope_all"],
        "acr_values_supported": ["eidas1"],
        "claims_supported": ["sub", "SubjectNameID", "preferred_username", "given_name",
                             "family_name", "SubjectRefPro", "SubjectRole", "otherIds"],
    }


@dataclass(frozen=True)
class AuthorizationRequest:
    client_id: str
    redirect_uri: str
    state: str
    nonce: str
    code_challenge: str
    scope: str

    def fields(self) -> dict[str, str]:
        """The request again, as hidden form fields of the sign-in page."""
        return {"response_type": "code", "client_id": self.client_id,
                "redirect_uri": self.redirect_uri, "state": self.state, "nonce": self.nonce,
                "code_challenge": self.code_challenge, "code_challenge_method": "S256",
                "scope": self.scope}


def parse_request(params: Mapping[str, Any], settings: Settings) -> AuthorizationRequest:
    def get(name: str) -> str:
        value = params.get(name)
        return value if isinstance(value, str) else ""

    if get("response_type") != "code":
        raise _bad("response_type doit valoir « code »", "response_type must be 'code'")
    if get("client_id") != settings.psc_client_id:
        raise _bad("client inconnu", "unknown client")
    if get("redirect_uri") != registered_redirect_uri(settings):
        raise _bad("adresse de retour non enregistrée", "unregistered redirect_uri")
    if get("code_challenge_method") != "S256" or not _PKCE.match(get("code_challenge")):
        raise _bad("PKCE S256 obligatoire", "PKCE S256 is required")
    if not 0 < len(get("state")) <= 512 or not 0 < len(get("nonce")) <= 512:
        raise _bad("state et nonce obligatoires", "state and nonce are required")
    return AuthorizationRequest(get("client_id"), get("redirect_uri"), get("state"),
                                get("nonce"), get("code_challenge"), get("scope") or "openid")


@dataclass(frozen=True)
class Identity:
    rpps: str
    given_name: str
    family_name: str
    profession_code: str
    profession: str

    @property
    def display_name(self) -> str:
        return f"{self.given_name} {self.family_name}"

    def claims(self) -> dict[str, Any]:
        """What PSC says about a professional (its claim names), in userinfo and id_token."""
        idnat = RPPS_PREFIX + self.rpps
        return {
            "sub": idnat, "SubjectNameID": idnat, "preferred_username": idnat,
            "given_name": self.given_name, "family_name": self.family_name,
            "SubjectRefPro": {"codeCivilite": "", "exercices": [{
                "codeProfession": self.profession_code, "codeCategorieProfessionnelle": "C",
                "nomDexercice": self.family_name, "prenomDexercice": self.given_name,
                "codeSavoirFaire": "", "activities": [],
            }]},
            "SubjectRole": [f"{self.profession_code}^1.2.250.1.213.1.1.5.5"],
            "otherIds": [{"identifiant": self.rpps, "origine": "RPPS", "qualite": 1}],
        }


def directory(factory: sessionmaker[Session]) -> list[Identity]:
    with factory() as session:
        rows = session.scalars(select(Professional).order_by(Professional.family_name))
        return [_identity(p) for p in rows]


def identity(factory: sessionmaker[Session], rpps: str) -> Identity:
    """The professional of that RPPS. One outside our directory still gets an identity,
    as PSC knows professionals we do not: refusing them is the relying party's job."""
    rpps = rpps.strip()
    if not _RPPS.match(rpps):
        raise _bad("le numéro RPPS compte 11 chiffres", "an RPPS number has 11 digits")
    with factory() as session:
        found = session.get(Professional, rpps)
        if found is not None:
            return _identity(found)
    return Identity(rpps, "Inconnu", "Inconnu", "", "")


def _identity(p: Professional) -> Identity:
    return Identity(p.rpps, p.given_name, p.family_name, p.profession_code, p.profession)


@dataclass
class _Pending:
    request: AuthorizationRequest
    claims: dict[str, Any]
    expires_at: datetime


@dataclass
class Grants:
    """Codes and access tokens issued, in memory (development only)."""

    _codes: dict[str, _Pending] = field(default_factory=dict)
    _access: dict[str, tuple[dict[str, Any], datetime]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def new_code(self, request: AuthorizationRequest, who: Identity, now: datetime) -> str:
        code = secrets.token_urlsafe(32)
        with self._lock:
            self._forget_expired(now)
            self._codes[code] = _Pending(request, who.claims(), now + CODE_LIFETIME)
        return code

    def take_code(self, code: str, now: datetime) -> _Pending | None:
        """Single use: the code is gone whatever happens next."""
        with self._lock:
            pending = self._codes.pop(code, None)
        return pending if pending is not None and pending.expires_at > now else None

    def new_access_token(self, claims: dict[str, Any], now: datetime) -> str:
        token = secrets.token_urlsafe(32)
        with self._lock:
            self._access[token] = (claims, now + ACCESS_LIFETIME)
        return token

    def userinfo(self, token: str, now: datetime) -> dict[str, Any] | None:
        with self._lock:
            claims, expires_at = self._access.get(token, ({}, now))
        return claims if expires_at > now else None

    def _forget_expired(self, now: datetime) -> None:
        self._codes = {k: v for k, v in self._codes.items() if v.expires_at > now}
        self._access = {k: v for k, v in self._access.items() if v[1] > now}


GRANTS = Grants()


def exchange(form: Mapping[str, str], settings: Settings, now: datetime) -> dict[str, Any]:
    """The token endpoint: an authorization code (+ PKCE verifier) for an id_token."""
    if form.get("grant_type") != "authorization_code":
        raise TokenError("unsupported_grant_type", "Only authorization_code is supported.")
    _authenticate_client(form, settings)
    pending = GRANTS.take_code(form.get("code", ""), now)
    if pending is None or pending.request.client_id != form.get("client_id"):
        raise TokenError("invalid_grant", "Unknown, used or expired code.")
    if pending.request.redirect_uri != form.get("redirect_uri"):
        raise TokenError("invalid_grant", "redirect_uri does not match the request.")
    if not _pkce_ok(form.get("code_verifier", ""), pending.request.code_challenge):
        raise TokenError("invalid_grant", "PKCE verification failed.")
    id_token = sign_id_token(settings, {
        **pending.claims, "nonce": pending.request.nonce, "acr": "eidas1",
    }, now)
    return {"access_token": GRANTS.new_access_token(pending.claims, now),
            "token_type": "Bearer", "expires_in": int(ACCESS_LIFETIME.total_seconds()),
            "id_token": id_token, "scope": pending.request.scope}


def sign_id_token(settings: Settings, claims: dict[str, Any], now: datetime) -> str:
    key = keys.dev_idp_key(settings)
    at = int(now.timestamp())
    payload = {**claims, "iss": issuer(settings), "aud": settings.psc_client_id,
               "iat": at, "auth_time": at, "exp": at + int(ID_TOKEN_LIFETIME.total_seconds())}
    header = {"alg": keys.SIGNING_ALG, "typ": "JWT", "kid": key.kid}
    return jwt.encode(header, payload, key, algorithms=[keys.SIGNING_ALG])


def _authenticate_client(form: Mapping[str, str], settings: Settings) -> None:
    if form.get("client_id") != settings.psc_client_id:
        raise TokenError("invalid_client", "Unknown client.", 401)
    expected = settings.psc_client_secret
    if expected and not hmac.compare_digest(form.get("client_secret", ""), expected):
        raise TokenError("invalid_client", "Wrong client secret.", 401)


def _pkce_ok(verifier: str, challenge: str) -> bool:
    if not _PKCE.match(verifier):
        return False
    digest = hashlib.sha256(verifier.encode()).digest()
    computed = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    return hmac.compare_digest(computed, challenge)
