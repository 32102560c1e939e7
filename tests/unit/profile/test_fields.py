"""An entry checked against its section: what is kept, how it is cleaned, what is refused
and how the refusal names the field."""

from __future__ import annotations

from datetime import date

import pytest

from espace_sante.core.errors import InvalidInput
from espace_sante.profile.codes import Section
from espace_sante.profile.fields import checked_code, checked_data
from espace_sante.profile.sections import SPECS

TODAY = date(2026, 11, 22)


def check(section: Section, data: dict[str, object], **kw: bool) -> dict[str, object]:
    return dict(checked_data(SPECS[section], data, TODAY, **kw))


def test_an_allergy_is_cleaned_and_kept() -> None:
    assert check(Section.ALLERGIES, {"substance": "  Pénicilline   G ", "severity": "severe",
                                     "since": date(2010, 5, 1), "reaction": ""}) == {
        "substance": "Pénicilline G", "severity": "severe", "since": "2010-05-01"}


def test_phones_become_e164_and_rpps_has_11_digits() -> None:
    assert check(Section.TRUSTED_PERSON, {"name": "Paul", "phone": "06 12 34 56 78"}) == {
        "name": "Paul", "phone": "+33612345678"}
    assert check(Section.HEALTH_PROFESSIONALS, {"role": "pharmacien", "name": "M. Roux",
                                                "rpps": "10003456789"})["rpps"] == "10003456789"


def test_long_text_keeps_its_lines() -> None:
    text = "Je refuse l'acharnement.\n\nPas de réanimation  prolongée."
    kept = check(Section.ADVANCE_DIRECTIVES, {"text": text})
    assert kept["text"] == "Je refuse l'acharnement.\n\nPas de réanimation prolongée."


@pytest.mark.parametrize(("section", "data", "french", "field"), [
    (Section.ALLERGIES, {"reaction": "urticaire"}, "« Substance » : ce champ est requis",
     "data.substance"),
    (Section.ALLERGIES, {"substance": "x", "colour": "red"}, "champ inconnu : colour", None),
    (Section.ALLERGIES, {"substance": "x", "severity": "fatal"}, "hors de la liste", None),
    (Section.ALLERGIES, {"substance": "x" * 201}, "200 caractères au plus", None),
    (Section.ALLERGIES, {"substance": "a\x00b"}, "texte d'une ligne attendu", None),
    (Section.VACCINATIONS, {"vaccine": "DTP", "date": "2027-01-01"}, "pas dans le futur",
     "data.date"),
    (Section.VACCINATIONS, {"vaccine": "DTP", "date": "22/11/2026"}, "date invalide", None),
    (Section.VACCINATIONS, {"vaccine": "DTP", "date": "2020-01-01", "dose_number": 0},
     "nombre entier hors des bornes", None),
    (Section.VACCINATIONS, {"vaccine": "DTP", "date": "2020-01-01", "dose_number": True},
     "nombre entier", None),
    (Section.HOSPITALISATIONS, {"place": "CHU", "start": "2024-03-10", "end": "2024-03-01"},
     "la date de fin précède la date de début", "data.end"),
    (Section.TREATMENTS, {"medicine": "x", "since": "2024-01-01", "until": "2023-01-01"},
     "précède", None),
    (Section.EMERGENCY_CONTACTS, {"name": "Paul", "phone": "12"}, "téléphone invalide", None),
    (Section.HEALTH_PROFESSIONALS, {"role": "pharmacien", "name": "x", "rpps": "123"},
     "RPPS invalide", None),
    (Section.LIFESTYLE, {}, "renseignez au moins un champ", None),
    (Section.ADVANCE_DIRECTIVES, {}, "renseignez au moins un champ", None),
    (Section.BLOOD_GROUP, {"abo": "A"}, "« Rhésus » : ce champ est requis", None),
    (Section.DISEASES, {"condition": "asthme", "resolved": "oui"}, "oui ou non", None),
])
def test_refusals_name_the_section_and_the_field(
        section: Section, data: dict[str, object], french: str, field: str | None) -> None:
    with pytest.raises(InvalidInput) as refused:
        check(section, data)
    assert french in refused.value.message
    assert refused.value.message_en and refused.value.message.startswith(
        {Section.ALLERGIES: "Allergies", Section.VACCINATIONS: "Vaccinations"}.get(section, ""))
    if field:
        assert refused.value.details["field"] == field


def test_a_linked_document_may_stand_in_for_the_advance_directives_text() -> None:
    assert check(Section.ADVANCE_DIRECTIVES, {}, with_documents=True) == {}
    with pytest.raises(InvalidInput):
        check(Section.LIFESTYLE, {}, with_documents=True)


def test_a_treatment_may_end_in_the_future() -> None:
    kept = check(Section.TREATMENTS, {"medicine": "Levothyrox", "until": "2027-06-30"})
    assert kept["until"] == "2027-06-30"


@pytest.mark.parametrize(("code", "system", "ok"), [
    ("J45", "http://hl7.org/fhir/sid/icd-10", True),
    ("91936005", "http://snomed.info/sct", True),
    ("3400930000000", "urn:oid:1.2.250.1.213.2.3.1", True),
    (None, None, True),
    ("J45", None, False),
    (None, "http://snomed.info/sct", False),
    ("J45", "snomed", False),
    ("x" * 65, "http://snomed.info/sct", False),
])
def test_codes_come_with_their_system(code: str | None, system: str | None, ok: bool) -> None:
    if ok:
        assert checked_code(code, system) == (code, system)
    else:
        with pytest.raises(InvalidInput):
            checked_code(code, system)
