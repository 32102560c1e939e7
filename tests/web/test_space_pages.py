"""The space settings pages: who acts for a space, caregiver and second-parent
invitations, closing, reopening, deletion, the invitation link and a caregiver's page."""

from __future__ import annotations

import html
import re
import uuid
from collections.abc import Iterator
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from fastapi.testclient import TestClient
from httpx2 import Response

from espace_sante.accounts.dates import paris_today
from espace_sante.app import create_app
from espace_sante.bootstrap import Container
from espace_sante.core.clock import FrozenClock
from espace_sante.web import space as space_pages
from espace_sante.web.render import TEMPLATES, env
from tests.helpers import CAMILLE, JEANNE, THOMAS, professional_session
from tests.integration.people import (
    add_person,
    child_space,
    invitation_token,
    space_of,
    subjects,
)
from tests.web.conftest import BASE_URL
from tests.web.pages import alert, csrf, include_once, sign_in, with_pages
from tests.web.test_labels import english_catalogue

PAUL = "paul.durand@exemple.fr"
PHARMACIST = "10003456789"


@pytest.fixture
def web(demo: Container) -> Iterator[TestClient]:
    """The application with the settings pages, whether or not app.py includes them."""
    app = with_pages(create_app(demo))
    include_once(app, space_pages.router)
    with TestClient(app, base_url=BASE_URL, follow_redirects=False) as client:
        yield client


def settings_url(c: Container, email: str) -> str:
    return f"/espaces/{space_of(c, email)}/parametres"


def post(web: TestClient, url: str, **data: str) -> Response:
    return web.post(url, data={**data, "csrf_token": web.cookies["es_csrf"]})


def text(response: Response) -> str:
    return html.unescape(response.text)


def next_year(c: Container) -> str:
    return (paris_today(c.clock.now()) + timedelta(days=365)).isoformat()


def test_the_holder_sees_who_acts_for_her_space(web: TestClient, demo: Container) -> None:
    sign_in(web, demo, JEANNE)
    page = web.get(settings_url(demo, JEANNE))
    assert page.status_code == 200
    body = text(page)
    assert "<h1>Paramètres de l'espace</h1>" in body and "Espace santé de Jeanne Dubois" in body
    caregivers = re.search(r'<h3 id="aidants">.*?</table>', body, re.S)
    assert caregivers and "Camille Martin" in caregivers.group(0)
    assert "22 novembre 2027" in caregivers.group(0)  # the demo's 365 days, last day included
    assert "Retirer l'accès<span class=\"visually-hidden\"> — Camille Martin" in body
    assert "Encore 2 places d'aidant sur 3" in body
    assert "Inviter le second parent" not in body  # an adult's space
    assert f'href="{settings_url(demo, JEANNE)}/fermeture"' in body


def test_the_settings_in_english(web: TestClient, demo: Container) -> None:
    sign_in(web, demo, JEANNE)
    body = text(web.get(settings_url(demo, JEANNE) + "?lang=en"))
    assert '<html lang="en"' in body and "<h1>Space settings</h1>" in body
    assert "Who acts for this space" in body and "22 November 2027" in body


def test_inviting_a_caregiver(web: TestClient, demo: Container) -> None:
    url = settings_url(demo, JEANNE)
    sign_in(web, demo, JEANNE)
    csrf(web, url)
    sent = post(web, f"{url}/aidants", email=PAUL, until=next_year(demo))
    assert sent.status_code == 303 and sent.headers["location"] == f"{url}?fait=invitation"
    body = text(web.get(sent.headers["location"]))
    assert '<p class="notice" role="status">Invitation envoyée.' in body
    pending = re.search(r'<h3 id="invitations">.*?</table>', body, re.S)
    assert pending and PAUL in pending.group(0) and "aidant" in pending.group(0)
    assert subjects(demo, PAUL) == ["Invitation à rejoindre un espace santé"]
    assert "Encore 1 place d'aidant sur 3" in body


@pytest.mark.parametrize(("until", "message"), [
    ("", "Indiquez la date de fin"),
    ("2026-11-01", "La date de fin doit être dans le futur."),
    ("2031-01-01", "La date de fin ne peut pas dépasser 3 ans."),
])
def test_a_wrong_end_date_is_explained_next_to_the_form(
    web: TestClient, demo: Container, until: str, message: str
) -> None:
    url = settings_url(demo, JEANNE)
    sign_in(web, demo, JEANNE)
    csrf(web, url)
    refused = post(web, f"{url}/aidants", email=PAUL, until=until)
    assert refused.status_code == 422
    assert alert(refused).startswith(message)
    assert f'value="{PAUL}"' in refused.text  # what was typed stays
    assert 'aria-describedby="until-aide erreur"' in refused.text


def test_a_fourth_caregiver_is_refused_with_a_clear_message(
    web: TestClient, demo: Container
) -> None:
    url = settings_url(demo, JEANNE)
    sign_in(web, demo, JEANNE)
    csrf(web, url)
    for email in ("a@exemple.fr", "b@exemple.fr"):
        assert post(web, f"{url}/aidants", email=email, until=next_year(demo)).status_code == 303
    page = text(web.get(url))
    assert "Cet espace a déjà 3 aidants ou invitations en attente" in page
    refused = post(web, f"{url}/aidants", email="c@exemple.fr", until=next_year(demo))
    assert refused.status_code == 409
    assert alert(refused).startswith("Cet espace a déjà 3 aidants ou invitations en attente")


def test_forms_need_their_csrf_token(web: TestClient, demo: Container) -> None:
    url = settings_url(demo, JEANNE)
    sign_in(web, demo, JEANNE)
    refused = web.post(f"{url}/aidants", data={"email": PAUL, "until": next_year(demo)})
    assert refused.status_code == 403
    assert subjects(demo, PAUL) == []


def test_removing_a_caregiver_and_cancelling_an_invitation(
    web: TestClient, demo: Container
) -> None:
    url = settings_url(demo, JEANNE)
    sign_in(web, demo, JEANNE)
    page = web.get(url).text
    revoke = re.search(r'action="([^"]+/retrait)"', page)
    assert revoke
    assert post(web, revoke.group(1)).headers["location"] == f"{url}?fait=retrait"
    body = text(web.get(f"{url}?fait=retrait"))
    assert "L'accès de cet aidant a pris fin." in body and "Aucun aidant." in body
    post(web, f"{url}/aidants", email=PAUL, until=next_year(demo))
    cancel = re.search(r'action="([^"]+/annulation)"', web.get(url).text)
    assert cancel
    assert post(web, cancel.group(1)).status_code == 303
    assert "Aucune invitation en attente." in text(web.get(url))


def test_closing_needs_an_explicit_confirmation(web: TestClient, demo: Container) -> None:
    url = settings_url(demo, CAMILLE)
    sign_in(web, demo, CAMILLE)
    page = web.get(f"{url}/fermeture")
    assert page.status_code == 200
    body = text(page)
    assert "archivés pendant 10 ans, puis supprimés définitivement" in body
    assert 'type="checkbox" value="oui" required' in body
    refused = post(web, f"{url}/fermeture")
    assert refused.status_code == 422 and alert(refused) == "Cochez la case pour confirmer."
    done = post(web, f"{url}/fermeture", confirme="oui")
    assert done.headers["location"] == f"{url}?fait=fermeture"
    closed = text(web.get(done.headers["location"]))
    assert "<h2 id=\"etat\">Cet espace est fermé</h2>" in closed
    assert "22 novembre 2036" in closed  # ten calendar years
    assert "Qui agit pour cet espace" not in closed
    home = text(web.get("/accueil"))
    assert "Cet espace est fermé : plus personne n'y a accès." in home
    assert f'href="{url}"' in home
    reopened = post(web, f"{url}/reouverture")
    assert reopened.headers["location"] == f"{url}?fait=reouverture"
    assert "Qui agit pour cet espace" in text(web.get(url))
    assert {"Votre espace santé a été fermé", "Votre espace santé a été rouvert"} <= set(
        subjects(demo, CAMILLE))


def test_asking_for_deletion(web: TestClient, demo: Container) -> None:
    url = settings_url(demo, CAMILLE)
    sign_in(web, demo, CAMILLE)
    body = text(web.get(f"{url}/suppression"))
    assert "30 jours après votre demande (la loi impose au plus 3 mois)" in body
    done = post(web, f"{url}/suppression", confirme="oui")
    assert done.status_code == 303
    closed = text(web.get(url))
    assert "Vous avez demandé sa suppression" in closed and "22 décembre 2026" in closed
    assert f"{url}/suppression" not in closed  # already asked


def test_a_parent_may_invite_the_second_parent(web: TestClient, demo: Container) -> None:
    url = f"/espaces/{child_space(demo)}/parametres"
    sign_in(web, demo, THOMAS)
    page = text(web.get(url))
    assert "Inviter le second parent" in page and "Thomas Bernard" in page
    csrf(web, url)
    sent = post(web, f"{url}/second-parent", email=PAUL)
    assert sent.status_code == 303
    assert "second parent" in text(web.get(url))
    refused = post(web, f"{url}/second-parent", email="autre@exemple.fr")
    assert refused.status_code == 409
    assert alert(refused).startswith("Cet enfant a déjà deux parents")


def test_accepting_an_invitation_from_its_link(web: TestClient, demo: Container) -> None:
    add_person(demo, PAUL, "1800175056401", "Paul", "Durand")
    sign_in(web, demo, JEANNE)
    csrf(web, settings_url(demo, JEANNE))
    post(web, f"{settings_url(demo, JEANNE)}/aidants", email=PAUL, until=next_year(demo))
    web.post("/deconnexion", data={"csrf_token": web.cookies["es_csrf"]})
    link = f"/invitations/{invitation_token(demo, PAUL)}"
    # Signed out, the link leads to the sign-in form, which brings the invitee back.
    signed_out = web.get(link)
    assert signed_out.status_code == 303
    assert signed_out.headers["location"] == f"/connexion?{urlencode({'next': link})}"
    form = web.get(signed_out.headers["location"])
    assert f'<input type="hidden" name="next" value="{link}">' in form.text
    assert "vous reviendrez ensuite à la page que vous vouliez ouvrir" in text(form)
    sign_in(web, demo, PAUL, back_to=link, lands_on=link)
    page = text(web.get(link))
    assert "Jeanne Dubois vous invite à devenir aidant de l'espace santé de Jeanne Dubois" in page
    assert "p•••d@exemple.fr" in page and "Accepter l'invitation" in page
    accepted = post(web, link)
    assert accepted.status_code == 200
    assert "C'est fait : vous êtes désormais aidant" in text(accepted)
    again = post(web, link)
    assert again.status_code == 410 and alert(again) == "Cette invitation a déjà été utilisée."
    assert "Jeanne Dubois" in text(web.get("/accueil"))


def test_an_expired_or_unknown_invitation(web: TestClient, demo: Container,
                                          clock: FrozenClock) -> None:
    sign_in(web, demo, JEANNE)
    csrf(web, settings_url(demo, JEANNE))
    post(web, f"{settings_url(demo, JEANNE)}/aidants", email=PAUL, until=next_year(demo))
    clock.advance(timedelta(days=14))
    expired = web.get(f"/invitations/{invitation_token(demo, PAUL)}")
    assert expired.status_code == 410 and "Cette invitation a expiré." in text(expired)
    unknown = web.get("/invitations/pas-une-vraie-invitation-0123456789")
    assert unknown.status_code == 404


def test_a_caregiver_sees_his_end_date_and_may_stop(web: TestClient, demo: Container) -> None:
    jeanne = space_of(demo, JEANNE)
    sign_in(web, demo, CAMILLE)
    home = web.get("/accueil").text
    assert f'href="/espaces/{jeanne}/aidant"' in home
    assert f'href="/espaces/{jeanne}/parametres"' not in home
    page = text(web.get(f"/espaces/{jeanne}/aidant"))
    assert "Vous êtes aidant de cet espace jusqu'au 22 novembre 2027 inclus." in page
    done = post(web, f"/espaces/{jeanne}/aidant/retrait")
    assert done.status_code == 200 and "Vous n'êtes plus aidant de cet espace." in text(done)
    assert "Jeanne Dubois" not in text(web.get("/accueil"))
    assert subjects(demo, JEANNE)[-1] == "Un aidant a cessé d'agir pour l'espace santé"


def test_a_caregiver_has_no_settings_page(web: TestClient, demo: Container) -> None:
    sign_in(web, demo, CAMILLE)
    assert web.get(settings_url(demo, JEANNE)).status_code == 404
    assert web.get(f"{settings_url(demo, JEANNE)}/fermeture").status_code == 404


def test_signed_out_goes_to_sign_in(web: TestClient, demo: Container) -> None:
    assert web.get(settings_url(demo, JEANNE)).headers["location"] == "/connexion"


ROUTES = [
    ("GET", "/espaces/{id}/parametres"),
    ("GET", "/espaces/{id}/parametres/fermeture"),
    ("GET", "/espaces/{id}/parametres/suppression"),
    ("GET", "/espaces/{id}/aidant"),
    ("POST", "/espaces/{id}/parametres/aidants"),
    ("POST", "/espaces/{id}/parametres/second-parent"),
    ("POST", "/espaces/{id}/parametres/aidants/{other}/retrait"),
    ("POST", "/espaces/{id}/parametres/invitations/{other}/annulation"),
    ("POST", "/espaces/{id}/parametres/fermeture"),
    ("POST", "/espaces/{id}/parametres/suppression"),
    ("POST", "/espaces/{id}/parametres/reouverture"),
    ("POST", "/espaces/{id}/aidant/retrait"),
]


@pytest.mark.parametrize("who", [CAMILLE, PHARMACIST])
def test_another_persons_space_is_not_found_on_every_route(
    web: TestClient, demo: Container, who: str
) -> None:
    thomas = space_of(demo, THOMAS)
    if "@" in who:
        sign_in(web, demo, who)
        csrf(web, "/accueil")
    else:
        web.cookies.set("es_session", professional_session(demo, who), domain="127.0.0.1")
        csrf(web, "/connexion")
    form = {"email": PAUL, "until": next_year(demo), "confirme": "oui"}
    for method, path in ROUTES:
        random_id, other_id = str(uuid.uuid4()), str(uuid.uuid4())
        answers = []
        for space in (thomas, random_id):
            url = path.replace("{id}", space).replace("{other}", other_id)
            if method == "GET":
                answers.append(web.get(url))
            else:
                answers.append(post(web, url, **form))
        other, missing = answers
        assert other.status_code == missing.status_code == 404, path
        assert other.text.replace(thomas, "ID") == missing.text.replace(random_id, "ID"), path
    assert subjects(demo, PAUL) == []


OUR_TEMPLATES = ("space/settings.html", "space/_people.html", "space/confirm.html",
                 "space/invitation.html", "space/caregiver.html", "home.html")


def _messages() -> set[str]:
    found: set[str] = set()
    for name in OUR_TEMPLATES:
        for _, _, message in env.extract_translations(  # type: ignore[attr-defined]
            (TEMPLATES / name).read_text()
        ):
            msgid = message[0] if isinstance(message, tuple) else message
            if msgid:
                found.add(msgid)
    return found


@pytest.mark.parametrize("message", sorted(_messages()))
def test_every_french_message_of_the_settings_pages_has_an_english_translation(
    message: str,
) -> None:
    assert english_catalogue().get(message), f"no English for {message!r}"


def test_the_closure_is_in_the_access_history(web: TestClient, demo: Container) -> None:
    url = settings_url(demo, CAMILLE)
    sign_in(web, demo, CAMILLE)
    csrf(web, f"{url}/fermeture")
    post(web, f"{url}/fermeture", confirme="oui")
    history = text(web.get(f"/espaces/{space_of(demo, CAMILLE)}/historique"))
    assert "fermeture · espace" in history and "Camille Martin" in history
    english = text(web.get(f"/espaces/{space_of(demo, CAMILLE)}/historique?lang=en"))
    assert "closure · space" in english
