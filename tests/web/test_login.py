"""A person's sign-in through the real forms: two steps, throttles, cookies, sign-out."""

from __future__ import annotations

import base64
import html
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from espace_sante import demo as demo_data
from espace_sante.accounts.auth import BAD_CODE, BAD_CREDENTIALS, TOO_FAST
from espace_sante.accounts.models import LoginChallenge
from espace_sante.app import create_app
from espace_sante.bootstrap import Container, build
from espace_sante.core.clock import FrozenClock
from espace_sante.settings import Settings
from tests.helpers import CAMILLE, JEANNE, last_code
from tests.unit.test_redirects import UNSAFE_NEXT
from tests.web.pages import (
    alert,
    csrf,
    send_code,
    set_cookie_header,
    sign_in,
    start_login,
    with_pages,
)

UNKNOWN = "personne@demo.espace-sante.localhost"


def test_two_steps_lead_to_the_home_page(web: TestClient, demo: Container) -> None:
    first = start_login(web, demo, CAMILLE)
    assert first.status_code == 303
    assert first.headers["location"] == "/connexion/code"
    pending = set_cookie_header(first, "es_login")
    assert "HttpOnly" in pending and "SameSite=lax" in pending
    assert "Path=/connexion" in pending and "Max-Age=600" in pending

    page = web.get("/connexion/code")
    assert page.status_code == 200
    assert "par e-mail à l'adresse c•••n@demo.espace-sante.localhost" in page.text
    assert CAMILLE not in page.text  # the address is recognisable, not revealed
    assert 'autocomplete="one-time-code"' in page.text and 'inputmode="numeric"' in page.text

    done = send_code(web, last_code(demo, CAMILLE))
    assert done.status_code == 303 and done.headers["location"] == "/accueil"
    assert "Max-Age=0" in set_cookie_header(done, "es_login")
    assert web.get("/accueil").status_code == 200


def test_session_cookie_is_httponly_and_lax(web: TestClient, demo: Container) -> None:
    cookie = set_cookie_header(sign_in(web, demo, CAMILLE), "es_session")
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie  # development over plain HTTP
    assert "Max-Age" not in cookie and "expires" not in cookie.lower()  # dies with the browser


def test_wrong_password_keeps_the_email_and_empties_the_password(
    web: TestClient, demo: Container
) -> None:
    response = start_login(web, demo, CAMILLE, password="not-the-password")
    assert response.status_code == 401
    assert alert(response) == BAD_CREDENTIALS.message
    assert f'value="{CAMILLE}"' in response.text
    assert "not-the-password" not in response.text
    assert 'aria-describedby="erreur"' in response.text
    assert 'autocomplete="current-password"' in response.text


def test_locked_account_gets_the_message_of_an_unknown_one(
    web: TestClient, demo: Container
) -> None:
    unknown = alert(start_login(web, demo, UNKNOWN))
    for _ in range(demo.settings.password_max_failures):
        assert start_login(web, demo, JEANNE, password="wrong").status_code == 401
    locked = start_login(web, demo, JEANNE)  # the right password, but locked now
    assert locked.status_code == 401
    assert alert(locked) == unknown == BAD_CREDENTIALS.message


def wrong_code(c: Container, email: str) -> str:
    return f"{(int(last_code(c, email)) + 1) % 1_000_000:06d}"


def test_too_many_attempts_from_one_address(web: TestClient, demo: Container) -> None:
    # Attempts on unknown accounts lock no account but fill the source's window.
    for _ in range(demo.settings.source_max_attempts_per_minute):
        assert start_login(web, demo, "inconnu@nulle.part").status_code == 401
    throttled = start_login(web, demo, CAMILLE)
    assert throttled.status_code == 429
    assert alert(throttled) == TOO_FAST.message


def test_five_wrong_codes_kill_the_challenge(web: TestClient, demo: Container) -> None:
    start_login(web, demo, CAMILLE)
    code, wrong = last_code(demo, CAMILLE), wrong_code(demo, CAMILLE)
    for _ in range(5):
        response = send_code(web, wrong)
        assert response.status_code == 401
        assert alert(response) == BAD_CODE.message
        assert 'aria-invalid="true"' in response.text
    late = send_code(web, code)
    assert late.status_code == 401  # the right code comes too late: the challenge is dead
    assert "es_session" not in web.cookies
    with demo.factory() as session:
        assert session.scalar(select(func.count()).select_from(LoginChallenge)
                              .where(LoginChallenge.consumed.is_(False))) == 0


def test_code_typed_with_a_space_is_accepted(web: TestClient, demo: Container) -> None:
    start_login(web, demo, CAMILLE)
    code = last_code(demo, CAMILLE)
    assert send_code(web, f"{code[:3]} {code[3:]}").headers["location"] == "/accueil"


def test_code_page_without_a_pending_login_goes_back_to_step_one(web: TestClient) -> None:
    assert web.get("/connexion/code").headers["location"] == "/connexion"
    token = csrf(web)
    response = web.post("/connexion/code", data={"code": "123456", "csrf_token": token})
    assert response.headers["location"] == "/connexion"


def test_a_form_without_its_csrf_token_is_refused(web: TestClient) -> None:
    csrf(web)
    for data in ({"email": CAMILLE, "password": demo_data.DEMO_PASSWORD},
                 {"email": CAMILLE, "password": demo_data.DEMO_PASSWORD, "csrf_token": "forged"}):
        response = web.post("/connexion", data=data)
        assert response.status_code == 403
        assert response.headers["content-type"].startswith("text/html")
        assert "Le formulaire a expiré" in response.text
    assert web.post("/deconnexion").status_code == 403


def test_sign_out_ends_the_session(web: TestClient, demo: Container) -> None:
    sign_in(web, demo, CAMILLE)
    old = web.cookies["es_session"]
    response = web.post("/deconnexion", data={"csrf_token": web.cookies["es_csrf"]})
    assert response.status_code == 303 and response.headers["location"] == "/"
    assert "Max-Age=0" in set_cookie_header(response, "es_session")
    web.cookies.set("es_session", old, domain="127.0.0.1")  # a copy kept by an attacker
    assert web.get("/accueil").headers["location"] == "/connexion"


def test_idle_session_ends_after_thirty_minutes(
    web: TestClient, demo: Container, clock: FrozenClock
) -> None:
    sign_in(web, demo, CAMILLE)
    clock.advance(timedelta(minutes=29))
    assert web.get("/accueil").status_code == 200  # activity moves the idle deadline
    clock.advance(timedelta(minutes=31))
    response = web.get("/accueil")
    assert response.status_code == 303 and response.headers["location"] == "/connexion"
    assert "Max-Age=0" in set_cookie_header(response, "es_session")


def test_production_cookies_are_secure_and_the_outbox_page_is_gone(
    db_url: str, tmp_path: Path, clock: FrozenClock
) -> None:
    settings = Settings(
        mode="production", data_dir=tmp_path / "prod", database_url=db_url,
        base_url="https://espace-sante.example", secret_key="s" * 48,
        master_key=base64.b64encode(b"p" * 32).decode(), dev_idp_enabled=False,
        smtp_host="127.0.0.1", run_worker_in_process=False,
    )
    c = build(settings, clock=clock)
    demo_data.load(c)
    try:
        with TestClient(with_pages(create_app(c)), base_url="https://espace-sante.example",
                        follow_redirects=False) as web:
            assert web.get("/dev/outbox").status_code == 404
            assert "/dev/outbox" not in web.get("/").text
            assert "Secure" in set_cookie_header(start_login(web, c, CAMILLE), "es_login")
            done = send_code(web, last_code(c, CAMILLE))
            assert "Secure" in set_cookie_header(done, "es_session")
    finally:
        c.engine.dispose()


HISTORY = "/espaces/un-espace/historique?page=2"


def test_next_brings_the_person_back_after_both_steps(
    web: TestClient, demo: Container
) -> None:
    form = web.get(f"/connexion?{urlencode({'next': HISTORY})}")
    assert html.unescape(form.text).count(f'name="next" value="{HISTORY}"') == 1
    start_login(web, demo, CAMILLE, back_to=HISTORY)
    code_page = web.get("/connexion/code").text
    # Starting again keeps the way back.
    assert f'href="/connexion?{urlencode({"next": HISTORY})}"' in code_page
    done = send_code(web, last_code(demo, CAMILLE))
    assert done.status_code == 303 and done.headers["location"] == HISTORY
    assert "es_session" in web.cookies


@pytest.mark.parametrize("target", UNSAFE_NEXT)
def test_an_unsafe_next_is_ignored(web: TestClient, demo: Container, target: str) -> None:
    form = web.get("/connexion", params={"next": target})
    assert form.status_code == 200 and 'name="next"' not in form.text
    start_login(web, demo, CAMILLE, back_to=target)
    done = send_code(web, last_code(demo, CAMILLE))
    assert done.headers["location"] == "/accueil"


def test_a_tampered_pending_login_cannot_redirect_elsewhere(
    web: TestClient, demo: Container
) -> None:
    start_login(web, demo, CAMILLE, back_to=HISTORY)
    token, channel, hint, _ = web.cookies["es_login"].split(".")
    evil = base64.urlsafe_b64encode(b"//evil.example").decode().rstrip("=")
    web.cookies.set("es_login", f"{token}.{channel}.{hint}.{evil}", path="/connexion",
                    domain="127.0.0.1")
    assert send_code(web, last_code(demo, CAMILLE)).headers["location"] == "/accueil"
