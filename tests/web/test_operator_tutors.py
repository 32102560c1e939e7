"""The operator's page for tutor invitations: invite a protected adult's tutor by NIR and
e-mail, see the invitations pending; for signed-in operators only, in French and English.
Then the tutor follows the e-mailed link while signed out, signs in and accepts."""

from __future__ import annotations

import html
import re
from urllib.parse import urlencode

import pytest
from fastapi.testclient import TestClient
from httpx2 import Response
from sqlalchemy import func, select

from espace_sante.accounts.models import Delegation, Invitation
from espace_sante.bootstrap import Container
from espace_sante.core.audit import AuditEvent
from espace_sante.core.clock import FrozenClock
from espace_sante.web.render import TEMPLATES, env
from tests.helpers import CAMILLE, JEANNE, last_code
from tests.integration.people import add_person, invitation_token, space_of
from tests.newcomers import nir, space
from tests.web.pages import alert, csrf, send_code, sign_in, start_login
from tests.web.test_labels import english_catalogue
from tests.web.test_operator_console import COMMISSION_EMAIL, OPERATOR_EMAIL, staff_sign_in

PAGE = "/staff/tuteurs"
TUTOR = "marc.tuteur@exemple.fr"


def text(response: Response) -> str:
    return html.unescape(response.text)


def invite(web: TestClient, nir: str, email: str = TUTOR) -> Response:
    return web.post(PAGE, data={"nir": nir, "email": email, "csrf_token": web.cookies["es_csrf"]})


def invitations(c: Container) -> int:
    with c.factory() as session:
        return session.scalar(select(func.count()).select_from(Invitation)) or 0


def test_the_operator_invites_a_tutor_and_sees_it_pending(
    web: TestClient, demo: Container, clock: FrozenClock
) -> None:
    assert web.get(PAGE).headers["location"] == "/staff/connexion"
    staff_sign_in(web, OPERATOR_EMAIL, clock)
    assert 'href="/staff/tuteurs"' in web.get("/staff").text
    empty = text(web.get(PAGE))
    assert "<h1>Invitations de tuteurs</h1>" in empty
    assert "Aucune invitation de tuteur en attente." in empty
    jeanne = space(demo, space_of(demo, JEANNE))
    done = invite(web, jeanne.nir)
    assert done.status_code == 200, done.text
    page = text(done)
    assert f"Invitation envoyée à {TUTOR}." in page and "6 décembre 2026" in page
    row = re.search(r"<tr>\s*<th scope=\"row\">Jeanne Dubois</th>(.*?)</tr>", page, re.S)
    assert row and TUTOR in row.group(1) and "Operateur" in row.group(1)
    assert "22 novembre 2026" in row.group(1)
    assert invitation_token(demo, TUTOR)  # the link is e-mailed to the tutor
    with demo.factory() as session:
        trail = session.scalars(select(AuditEvent).where(
            AuditEvent.patient_id == jeanne.id, AuditEvent.action == "invite")).one()
        listed = session.scalars(select(AuditEvent).where(
            AuditEvent.action == "search", AuditEvent.resource_kind == "invitation")).all()
    assert (trail.actor_kind, trail.legal_basis, trail.detail) == (
        "operator", "operator_mandate", "tutor")
    assert [e.detail for e in listed] == ["pending tutor invitations: 0",
                                          "pending tutor invitations: 1"]
    assert all(e.patient_id is None and e.actor_kind == "operator" for e in listed)


def test_refusals_are_shown_on_the_form(web: TestClient, demo: Container,
                                        clock: FrozenClock) -> None:
    staff_sign_in(web, OPERATOR_EMAIL, clock)
    csrf(web, PAGE)
    jeanne_nir = space(demo, space_of(demo, JEANNE)).nir
    unknown = invite(web, nir("1850375056999"))
    assert unknown.status_code == 422 and "Aucun espace santé ouvert" in alert(unknown)
    assert re.search(r'<input id="tutor-nir"[^>]*aria-invalid="true"', unknown.text, re.S)
    assert f'value="{nir("1850375056999")}"' in unknown.text
    assert f'value="{TUTOR}"' in unknown.text
    bad_email = invite(web, jeanne_nir, "pas-une-adresse")
    assert bad_email.status_code == 422 and alert(bad_email) == "Adresse e-mail invalide."
    assert re.search(r'<input id="tutor-email"[^>]*aria-invalid="true"', bad_email.text, re.S)
    assert invite(web, jeanne_nir).status_code == 200
    twice = invite(web, jeanne_nir)
    assert twice.status_code == 409 and "déjà en attente" in alert(twice)
    forged = web.post(PAGE, data={"nir": jeanne_nir, "email": "x@exemple.fr",
                                  "csrf_token": "not-the-cookie"})
    assert forged.status_code == 403 and invitations(demo) == 1


@pytest.mark.parametrize(("who", "lands_on"), [(CAMILLE, "/accueil"),
                                               (COMMISSION_EMAIL, "/staff")])
def test_only_operators_reach_the_page(web: TestClient, demo: Container, clock: FrozenClock,
                                       who: str, lands_on: str) -> None:
    if who == CAMILLE:
        sign_in(web, demo, CAMILLE)
    else:
        staff_sign_in(web, who, clock)
    assert web.get(PAGE).headers["location"] == lands_on
    refused = invite(web, space(demo, space_of(demo, JEANNE)).nir)
    assert refused.status_code == 303 and invitations(demo) == 0


def test_the_page_in_english(web: TestClient, clock: FrozenClock) -> None:
    staff_sign_in(web, OPERATOR_EMAIL, clock)
    page = text(web.get(f"{PAGE}?lang=en"))
    for words in ("<h1>Tutor invitations</h1>", "Invite a tutor",
                  "Social security number of the protected person",
                  "No tutor invitation pending."):
        assert words in page, words


def test_every_message_of_the_page_has_an_english_translation() -> None:
    found = set()
    for name in ("staff_tutors.html", "staff.html"):
        source = (TEMPLATES / name).read_text()
        for _, _, message in env.extract_translations(source):  # type: ignore[attr-defined]
            msgid = message[0] if isinstance(message, tuple) else message
            if msgid:
                found.add(msgid)
    assert not [m for m in sorted(found) if not english_catalogue().get(m)]


def test_the_tutor_follows_the_link_signs_in_and_accepts(
    web: TestClient, demo: Container, clock: FrozenClock
) -> None:
    add_person(demo, TUTOR, "1700175056302", "Marc", "Tuteur")
    staff_sign_in(web, OPERATOR_EMAIL, clock)
    csrf(web, PAGE)
    jeanne = space_of(demo, JEANNE)
    invite(web, space(demo, jeanne).nir)
    web.post("/deconnexion", data={"csrf_token": web.cookies["es_csrf"]})
    link = f"/invitations/{invitation_token(demo, TUTOR)}"
    opened = web.get(link)
    assert opened.headers["location"] == f"/connexion?{urlencode({'next': link})}"
    start_login(web, demo, TUTOR, back_to=link)
    signed_in = send_code(web, last_code(demo, TUTOR))
    assert signed_in.headers["location"] == link
    accepted = web.post(link, data={"csrf_token": web.cookies["es_csrf"]})
    assert "vous êtes désormais tuteur" in text(accepted)
    with demo.factory() as session:
        role = session.scalar(select(Delegation.role_detail).where(
            Delegation.patient_id == jeanne, Delegation.revoked_at.is_(None),
            Delegation.kind == "legal_representative"))
    assert role == "tutor"
