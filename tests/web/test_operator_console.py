"""The operator console: provisioning runs with their refused lines, spaces per state and
pending requests, for operators only, in French and English."""

from __future__ import annotations

from datetime import timedelta

import pyotp
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from espace_sante import demo as demo_data
from espace_sante.accounts.models import Patient
from espace_sante.accounts.provisioning import provision
from espace_sante.accounts.provisioning_console import operator_console
from espace_sante.bootstrap import Container
from espace_sante.core.actors import Actor, ActorKind
from espace_sante.core.clock import FrozenClock
from espace_sante.core.errors import NotFound
from espace_sante.web.render import TEMPLATES, env
from espace_sante.web.staff import STATES
from tests.helpers import CAMILLE
from tests.registers import OPERATOR, SAMPLE
from tests.web.pages import csrf
from tests.web.test_labels import english_catalogue

OPERATOR_EMAIL, COMMISSION_EMAIL = demo_data.STAFF_TOTP_SECRETS


def staff_sign_in(web: TestClient, email: str, clock: FrozenClock) -> None:
    code = pyotp.TOTP(demo_data.STAFF_TOTP_SECRETS[email]).at(clock.now())
    response = web.post("/staff/connexion", data={
        "email": email, "password": demo_data.DEMO_PASSWORD, "totp": code,
        "csrf_token": csrf(web, "/staff/connexion")})
    assert response.headers["location"] == "/staff", response.text


@pytest.fixture
def provisioned(demo: Container, clock: FrozenClock) -> Container:
    provision(demo.factory, demo.settings, demo.clock, SAMPLE, actor=OPERATOR)
    with demo.factory() as session:  # Camille closed her space and asked for its deletion
        session.execute(update(Patient).where(Patient.nir.startswith("2850575056123")).values(
            state="closed", closed_at=clock.now(), purge_due_at=clock.now() + timedelta(days=60)))
        session.commit()
    clock.advance(timedelta(weeks=5, days=1))  # the 11 windows now end within a week
    return demo


def test_the_operator_sees_runs_states_and_pending_requests(
    web: TestClient, provisioned: Container, clock: FrozenClock
) -> None:
    staff_sign_in(web, OPERATOR_EMAIL, clock)
    page = web.get("/staff").text
    console = operator_console(provisioned.factory, clock, Actor(ActorKind.OPERATOR, "o", "o"))
    pending = console.states["pending"]  # the 11 of the sample (and any demo newcomer)
    assert pending >= console.requests.windows_ending >= 11
    for text in (
        "<h1>Console opérateur</h1>", "register-sample.csv", "Opératrice de test",
        "Espaces en attente dont le délai d'opposition se termine dans les 7 jours "
        f"(ou est dépassé) : {console.requests.windows_ending}",
        "Suppressions programmées : 1, dont 0 dans les 7 jours ou en retard",
        f"<th scope=\"row\">en attente (délai d'opposition en cours)</th><td>{pending}</td>",
        "<th scope=\"row\">fermés (archivés)</th><td>1</td>",
        "<td>16</td>", "<td>11</td>", "<td>5</td>", "terminé",
        "Lignes refusées de register-sample.csv (5)",
        "ligne 12 : nir : La clé du numéro de sécurité sociale ne correspond pas",
        "ligne 14 : parent_nir : parent inconnu",
    ):
        assert text in page, text
    assert "aucune donnée médicale" in page
    assert "Sophie" not in page and "290047505612368" not in page  # counts, never people


def test_the_console_in_english(web: TestClient, provisioned: Container,
                                clock: FrozenClock) -> None:
    staff_sign_in(web, OPERATOR_EMAIL, clock)
    page = web.get("/staff?lang=en").text
    for text in ("Pending requests", "Spaces per state", "pending (opt-out window running)",
                 "Refused lines of register-sample.csv (5)",
                 "line 12: nir: The social security number&#39;s key does not match",
                 "Imports of the register of insured persons"):
        assert text in page, text


def test_the_commission_does_not_see_the_console(
    web: TestClient, provisioned: Container, clock: FrozenClock
) -> None:
    staff_sign_in(web, COMMISSION_EMAIL, clock)
    page = web.get("/staff").text
    assert "<h1>Commission de référencement</h1>" in page
    assert "register-sample.csv" not in page and "Demandes en attente" not in page


@pytest.mark.parametrize("kind", [ActorKind.COMMISSION, ActorKind.PATIENT, ActorKind.INSURER])
def test_the_console_does_not_exist_for_anyone_else(demo: Container, kind: ActorKind) -> None:
    with pytest.raises(NotFound):
        operator_console(demo.factory, demo.clock, Actor(kind, "x", "x"))


def test_a_person_is_sent_to_his_own_pages(web: TestClient, demo: Container) -> None:
    from tests.web.pages import sign_in

    sign_in(web, demo, CAMILLE)
    assert web.get("/staff").headers["location"] == "/accueil"


def test_every_console_message_has_an_english_translation() -> None:
    source = (TEMPLATES / "_provisioning_console.html").read_text()
    found = [m[2] for m in env.extract_translations(source)]  # type: ignore[attr-defined]
    messages = {m[0] if isinstance(m, tuple) else m for m in found} - {None}  # None: a variable
    messages |= set(STATES.values())
    missing = [m for m in messages if not english_catalogue().get(m)]
    assert not missing and len(messages) > 20
