"""Labels in plain French, their English translations, and the English catalogue."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache

import pytest
from babel.messages.pofile import read_po

from espace_sante.core.actors import ActorKind, LegalBasis
from espace_sante.core.audit import Outcome
from espace_sante.core.policy import Action, Resource
from espace_sante.web import labels
from espace_sante.web.i18n import CATALOGUES
from espace_sante.web.render import TEMPLATES, env
from espace_sante.web.staff import CONSOLES

OUR_TEMPLATES = (
    "base.html", "_nav.html", "_alert.html", "error.html", "landing.html", "login.html",
    "login_code.html", "home.html", "history.html", "staff_login.html", "staff.html",
    "dev_outbox.html",
)


def template_messages(names: tuple[str, ...] = OUR_TEMPLATES) -> set[str]:
    found: set[str] = set()
    for name in names:
        for _, _, message in env.extract_translations(  # type: ignore[attr-defined]
            (TEMPLATES / name).read_text()
        ):
            # A plural's id is its singular; None is a variable, checked through its table.
            msgid = message[0] if isinstance(message, tuple) else message
            if msgid:
                found.add(msgid)
    return found


def python_messages() -> set[str]:
    tables = (labels.BASES, labels.KINDS, labels.ACTIONS, labels.RESOURCES, labels.OUTCOMES)
    found = {french for table in tables for french in table.values()}
    return found | {text for pair in CONSOLES.values() for text in pair}


@cache
def english_catalogue() -> dict[str, object]:
    entries: dict[str, object] = {}
    for po in sorted((CATALOGUES / "en").glob("*.po")):
        with po.open("rb") as f:
            entries.update({m.id if isinstance(m.id, str) else m.id[0]: m.string
                            for m in read_po(f, locale="en") if m.id})
    return entries


@pytest.mark.parametrize("message", sorted(template_messages() | python_messages()))
def test_every_french_message_has_an_english_translation(message: str) -> None:
    translated = english_catalogue().get(message)
    assert translated, f"no English for {message!r}"
    if isinstance(translated, tuple):
        assert all(translated), f"a plural form is missing for {message!r}"


def test_every_basis_kind_action_and_outcome_has_a_label() -> None:
    # A new basis or actor kind must get its plain-French label in web/labels.py.
    assert set(LegalBasis) - set(labels.BASES) == set()
    assert set(ActorKind) - set(labels.KINDS) == set()
    assert {a.value for a in Action} <= set(labels.ACTIONS)
    assert {o.value for o in Outcome} == set(labels.OUTCOMES)
    assert {r.value for r in Resource} <= set(labels.RESOURCES)


def test_labels_in_both_languages() -> None:
    assert labels.label(labels.BASES, "caregiver_delegation", "fr") == "aidant"
    assert labels.label(labels.BASES, "caregiver_delegation", "en") == "caregiver"
    assert labels.label(labels.BASES, "system_feed", "fr") == "alimentation par un établissement"
    assert labels.label(labels.BASES, None, "fr") == "—"
    assert labels.label(labels.ACTIONS, "teleport", "fr") == "teleport"  # shown, not hidden


def test_role_shows_the_profession_or_the_role_acted_in() -> None:
    assert labels.role("caregiver", "patient", "fr") == "aidant"
    assert labels.role("professional", "Médecin", "fr") == "Médecin"


def test_dates_are_in_paris_time() -> None:
    summer = datetime(2026, 7, 14, 22, 30, tzinfo=UTC)
    assert labels.when(summer, "fr") == "15 juillet 2026 à 00:30"
    assert labels.when(summer, "en") == "15 July 2026, 00:30"


@pytest.mark.parametrize(("email", "masked"), [
    ("camille.martin@demo.fr", "c•••n@demo.fr"),
    ("ab@x.fr", "a•••@x.fr"),
    ("nonsense", "•••"),
])
def test_masked_email(email: str, masked: str) -> None:
    assert labels.mask_email(email) == masked
