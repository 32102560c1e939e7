"""Professional sign-in through Pro Santé Connect, played in process by the development
identity provider (the server reaches it over an ASGI transport)."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator
from datetime import timedelta
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

from espace_sante.app import create_app
from espace_sante.bootstrap import Container, build
from espace_sante.core.clock import FrozenClock
from espace_sante.core.errors import Unauthenticated
from espace_sante.gateway.actor import SESSION_COOKIE
from espace_sante.oauth import dev_idp, keys, psc
from espace_sante.settings import Settings
from tests.api.conftest import BASE_URL, with_oauth_routes
from tests.helpers import CAMILLE, DR_DURAND, DR_LEFEVRE, PHARMACIST, person_session

ISSUER = BASE_URL + "/dev-idp"
UNKNOWN_RPPS = "19999999999"


class _Forms(HTMLParser):
    """The hidden fields of the first form of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, str] = {}
        self._forms = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "form":
            self._forms += 1
        if tag == "input" and a.get("type") == "hidden" and self._forms == 1:
            self.fields[a["name"] or ""] = a.get("value") or ""


def hidden_fields(html: str) -> dict[str, str]:
    parser = _Forms()
    parser.feed(html)
    return parser.fields


def to_authorize_page(api: TestClient) -> Any:
    start = api.get("/pro/connexion", follow_redirects=False)
    assert start.status_code == 302, start.text
    assert start.headers["location"].startswith(ISSUER + "/authorize?")
    page = api.get(start.headers["location"])
    assert page.status_code == 200, page.text
    return page


def choose(api: TestClient, rpps: str) -> str:
    """Sign in at the dev IdP; return the callback URL it redirects to."""
    fields = hidden_fields(to_authorize_page(api).text)
    chosen = api.post("/dev-idp/authorize", data={**fields, "rpps": rpps},
                      follow_redirects=False)
    assert chosen.status_code == 303, chosen.text
    return str(chosen.headers["location"])


def test_full_psc_flow_opens_a_professional_session(api: TestClient) -> None:
    page = to_authorize_page(api)
    assert "Se connecter en tant que Dr Alain Durand (médecin)" in page.text
    assert page.text.count("<h1") == 1
    callback = choose(api, DR_DURAND)
    assert callback.startswith(BASE_URL + "/pro/callback?")
    done = api.get(callback, follow_redirects=False)
    assert done.status_code == 303, done.text
    assert done.headers["location"] == "/pro"
    cookie = next(h for h in done.headers.get_list("set-cookie") if h.startswith(SESSION_COOKIE))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" not in cookie
    home = api.get("/pro")
    assert home.status_code == 200
    assert "Bonjour Dr Alain Durand" in home.text
    for name in ("Camille Martin", "Thomas Bernard", "Jeanne Dubois", "Léa Bernard"):
        assert name in home.text
    assert api.get("/api/me").json()["subject_id"] == f"rpps:{DR_DURAND}"


def test_a_professional_sees_only_his_patients(api: TestClient) -> None:
    api.get(choose(api, DR_LEFEVRE))
    home = api.get("/pro")
    assert "Bonjour Dr Sophie Lefèvre" in home.text
    assert "Jeanne Dubois" in home.text
    assert "Camille Martin" not in home.text


def test_a_professional_with_no_patient(api: TestClient) -> None:
    api.get(choose(api, PHARMACIST))
    assert "Aucun patient ne vous a encore autorisé" in api.get("/pro").text


def test_tampered_state_is_refused(api: TestClient) -> None:
    callback = choose(api, DR_DURAND)
    tampered = callback.replace("state=", "state=x")
    response = api.get(tampered)
    assert response.status_code == 401
    assert "text/html" in response.headers["content-type"]
    assert "ne vient pas de ce navigateur" in response.text
    assert SESSION_COOKIE not in api.cookies


def test_callback_without_the_flow_cookie_is_refused(api: TestClient) -> None:
    callback = choose(api, DR_DURAND)
    api.cookies.delete("es_psc")
    assert api.get(callback).status_code == 401


def test_forged_flow_cookie_is_refused(api: TestClient, demo: Container) -> None:
    callback = choose(api, DR_DURAND)
    state = parse_qs(urlsplit(callback).query)["state"][0]
    forged = psc.Flow(state, "n", "v" * 43, ISSUER, 2**40).seal("not-the-secret-key")
    api.cookies.delete("es_psc")
    api.cookies.set("es_psc", forged)
    assert api.get(callback).status_code == 401


def test_unknown_rpps_is_refused_with_a_page(api: TestClient) -> None:
    response = api.get(choose(api, UNKNOWN_RPPS))
    assert response.status_code == 401
    assert "RPPS inconnu" in response.text
    assert SESSION_COOKIE not in api.cookies


def test_idp_error_is_refused(api: TestClient) -> None:
    callback = choose(api, DR_DURAND)
    state = parse_qs(urlsplit(callback).query)["state"][0]
    response = api.get("/pro/callback", params={"error": "access_denied", "state": state})
    assert response.status_code == 401
    assert "pas confirmé votre identité" in response.text


def test_expired_code_is_refused(api: TestClient, demo: Container) -> None:
    callback = choose(api, DR_DURAND)
    assert isinstance(demo.clock, FrozenClock)
    demo.clock.advance(timedelta(seconds=61))
    response = api.get(callback)
    assert response.status_code == 401
    assert "Pro Santé Connect a échoué" in response.text


def test_error_page_in_english(api: TestClient) -> None:
    response = api.get(choose(api, UNKNOWN_RPPS), headers={"Accept-Language": "en"})
    assert response.status_code == 401
    assert "unknown RPPS" in response.text


def test_authorize_page_in_english(api: TestClient) -> None:
    start = api.get("/pro/connexion", follow_redirects=False)
    page = api.get(start.headers["location"] + "&lang=en")
    assert "Sign in as Dr Alain Durand (médecin)" in page.text
    assert '<label for="rpps">RPPS number (11 digits)</label>' in page.text


def test_authorize_post_needs_the_csrf_token(api: TestClient) -> None:
    fields = hidden_fields(to_authorize_page(api).text)
    del fields["csrf_token"]
    response = api.post("/dev-idp/authorize", data={**fields, "rpps": DR_DURAND},
                        follow_redirects=False)
    assert response.status_code == 403


def test_authorize_refuses_a_foreign_redirect_uri(api: TestClient) -> None:
    start = api.get("/pro/connexion", follow_redirects=False)
    evil = "redirect_uri=https%3A%2F%2Fevil.example%2F"
    location = start.headers["location"].replace("redirect_uri=", evil)
    response = api.get(location)
    assert response.status_code == 400
    assert "adresse de retour non enregistrée" in response.text


def test_pro_page_needs_a_professional(api: TestClient, demo: Container) -> None:
    assert api.get("/pro").status_code == 401
    api.cookies.set(SESSION_COOKIE, person_session(demo, CAMILLE))
    assert api.get("/pro").status_code == 403


# -- the dev IdP's token endpoint, directly --------------------------------------------------

def _code_for(api: TestClient, rpps: str = DR_DURAND) -> tuple[str, dict[str, str]]:
    """Authorize with our own PKCE pair; return the code and the token request fields."""
    verifier = "v" * 64
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    fields = {"response_type": "code", "client_id": "espace-sante",
              "redirect_uri": BASE_URL + "/pro/callback", "state": "s", "nonce": "n-123",
              "code_challenge": challenge.rstrip(b"=").decode(),
              "code_challenge_method": "S256"}
    api.get("/dev-idp/authorize", params=fields)
    posted = api.post("/dev-idp/authorize", follow_redirects=False, data={
        **fields, "rpps": rpps, "csrf_token": api.cookies["es_csrf"]})
    code = parse_qs(urlsplit(posted.headers["location"]).query)["code"][0]
    return code, {"grant_type": "authorization_code", "code": code, "client_id": "espace-sante",
                  "redirect_uri": BASE_URL + "/pro/callback", "code_verifier": verifier}


def test_dev_idp_issues_psc_claims(api: TestClient, demo: Container) -> None:
    _, form = _code_for(api)
    response = api.post("/dev-idp/token", data=form)
    assert response.status_code == 200, response.text
    body = response.json()
    jwks = api.get("/dev-idp/jwks").json()
    claims = psc.validate_id_token(body["id_token"], jwks, issuer=ISSUER,
                                   client_id="espace-sante", nonce="n-123",
                                   now=int(demo.clock.now().timestamp()))
    assert claims["SubjectNameID"] == "8" + DR_DURAND
    assert claims["SubjectRefPro"]["exercices"][0]["codeProfession"] == "10"
    assert (claims["given_name"], claims["family_name"]) == ("Alain", "Durand")
    info = api.get("/dev-idp/userinfo",
                   headers={"Authorization": f"Bearer {body['access_token']}"})
    assert info.json()["SubjectNameID"] == "8" + DR_DURAND
    assert api.get("/dev-idp/userinfo").status_code == 401


def test_dev_idp_codes_are_single_use(api: TestClient) -> None:
    _, form = _code_for(api)
    assert api.post("/dev-idp/token", data=form).status_code == 200
    again = api.post("/dev-idp/token", data=form)
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_grant"


def test_dev_idp_checks_pkce(api: TestClient) -> None:
    _, form = _code_for(api)
    response = api.post("/dev-idp/token", data={**form, "code_verifier": "w" * 64})
    assert response.json()["error"] == "invalid_grant"


def test_dev_idp_discovery(api: TestClient) -> None:
    doc = api.get("/dev-idp/.well-known/openid-configuration").json()
    assert doc["issuer"] == ISSUER
    assert doc["authorization_endpoint"] == ISSUER + "/authorize"
    assert doc["code_challenge_methods_supported"] == ["S256"]


# -- the id_token validator -------------------------------------------------------------------

@pytest.fixture
def signed(settings: Settings) -> Iterator[tuple[Settings, int]]:
    yield settings, 1_800_000_000


def _id_token(settings: Settings, now: int, **overrides: Any) -> str:
    from datetime import UTC, datetime
    claims = {**dev_idp.Identity(DR_DURAND, "Alain", "Durand", "10", "médecin").claims(),
              "nonce": "good-nonce", **overrides}
    return dev_idp.sign_id_token(settings, claims, datetime.fromtimestamp(now, UTC))


def _validate(settings: Settings, token: str, now: int, *, nonce: str = "good-nonce",
              jwks: dict[str, Any] | None = None) -> dict[str, Any]:
    published = jwks or keys.public_jwks(keys.dev_idp_key(settings))
    return psc.validate_id_token(token, published, issuer=dev_idp.issuer(settings),
                                 client_id=settings.psc_client_id, nonce=nonce, now=now)


def test_validator_accepts_a_good_id_token(signed: tuple[Settings, int]) -> None:
    settings, now = signed
    claims = _validate(settings, _id_token(settings, now), now)
    assert psc.rpps_of(claims) == DR_DURAND


def test_validator_refuses_a_wrong_nonce(signed: tuple[Settings, int]) -> None:
    settings, now = signed
    with pytest.raises(Unauthenticated):
        _validate(settings, _id_token(settings, now), now, nonce="other-nonce")


def test_validator_refuses_a_wrong_signature(signed: tuple[Settings, int]) -> None:
    settings, now = signed
    stranger = RSAKey.generate_key(2048, {"kid": str(keys.dev_idp_key(settings).kid)})
    forged = jwt.encode({"alg": "RS256", "kid": stranger.kid},
                        jwt.decode(_id_token(settings, now),
                                   keys.dev_idp_key(settings)).claims,
                        stranger, algorithms=["RS256"])
    with pytest.raises(Unauthenticated):
        _validate(settings, forged, now)
    other_jwks = dict(KeySet([stranger]).as_dict(private=False))
    with pytest.raises(Unauthenticated):
        _validate(settings, _id_token(settings, now), now, jwks=other_jwks)


@pytest.mark.parametrize("overrides", [
    {"aud": "another-client"}, {"iss": "https://evil.example"}, {"nonce": None},
])
def test_validator_refuses_wrong_claims(signed: tuple[Settings, int],
                                        overrides: dict[str, Any]) -> None:
    settings, now = signed
    claims = jwt.decode(_id_token(settings, now), keys.dev_idp_key(settings)).claims
    claims.update(overrides)
    key = keys.dev_idp_key(settings)
    token = jwt.encode({"alg": "RS256", "kid": key.kid}, claims, key, algorithms=["RS256"])
    with pytest.raises(Unauthenticated):
        _validate(settings, token, now)


def test_validator_refuses_an_expired_id_token(signed: tuple[Settings, int]) -> None:
    settings, now = signed
    token = _id_token(settings, now)
    with pytest.raises(Unauthenticated):
        _validate(settings, token, now + 3600)


@pytest.mark.parametrize("idnat", ["010001234567", "10001234567", "8123", ""])
def test_only_rpps_identifiers_sign_in(idnat: str) -> None:
    with pytest.raises(Unauthenticated):
        psc.rpps_of({"SubjectNameID": idnat})


# -- disabled ------------------------------------------------------------------------------

def test_dev_idp_disabled_answers_404(settings: Settings, clock: FrozenClock) -> None:
    c = build(settings.model_copy(update={"dev_idp_enabled": False}), clock=clock)
    try:
        with TestClient(with_oauth_routes(create_app(c)), base_url=BASE_URL) as api:
            for path in ("/dev-idp/.well-known/openid-configuration", "/dev-idp/jwks",
                         "/dev-idp/authorize", "/dev-idp/userinfo"):
                assert api.get(path).status_code == 404, path
            assert api.post("/dev-idp/token", data={}).status_code == 404
            response = api.get("/pro/connexion")
            assert response.status_code == 503
            assert "pas configurée" in response.text
    finally:
        c.engine.dispose()
