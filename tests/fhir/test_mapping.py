"""PatientView → FR Core Patient, checked against the FR Core 2.2 example's shape."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

import pytest
from fhir.resources.R4B.patient import Patient

from espace_sante.accounts.ins import INS_NIR_OID
from espace_sante.accounts.service import PatientView
from espace_sante.fhir.mapping.patient import (
    BIRTH_LIST_GIVEN_NAME,
    BIRTH_PLACE,
    FR_CORE_PATIENT,
    INSEE_CODE,
    patient_resource,
)
from espace_sante.fhir.validate import validated
from tests.shared_data import FRCORE

FR_CORE_EXAMPLE = FRCORE / "Patient-FRCorePatientExample.json"


def view(**changes: Any) -> PatientView:
    values: dict[str, Any] = dict(
        id="0b6c5c4e-0000-4000-8000-000000000001", nir="285057505612345",
        birth_family_name="Martin", used_family_name=None, first_names="Camille Anne",
        birth_date=date(1985, 5, 14), sex="F", birth_place_code="75056", state="active",
        display_name="Camille Martin",
    )
    return PatientView(**{**values, **changes})


@pytest.fixture(scope="module")
def example() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(FR_CORE_EXAMPLE.read_text(encoding="utf-8"))
    Patient.model_validate(data)  # the reference itself parses with the R4B models
    return data


def test_mapping_validates_and_carries_the_ins_traits() -> None:
    resource = validated(patient_resource(view()))
    assert resource["meta"] == {"profile": [FR_CORE_PATIENT]}
    assert resource["gender"] == "female"
    assert resource["birthDate"] == "1985-05-14"
    assert resource["active"] is True
    [official] = resource["name"]
    assert official["use"] == "official"
    assert (official["family"], official["given"]) == ("Martin", ["Camille"])
    assert official["extension"] == [{"url": BIRTH_LIST_GIVEN_NAME, "valueString": "Camille Anne"}]


def test_identifier_has_the_example_system_and_type(example: dict[str, Any]) -> None:
    [expected] = example["identifier"]
    [ours] = patient_resource(view())["identifier"]
    assert ours["system"] == expected["system"] == INS_NIR_OID
    assert ours["type"] == expected["type"]
    assert ours["use"] == expected["use"] == "official"
    assert ours["value"] == "285057505612345"


def test_birth_place_and_name_extensions_have_the_example_shape(example: dict[str, Any]) -> None:
    [expected] = [e for e in example["extension"] if e["url"] == BIRTH_PLACE]
    [ours] = patient_resource(view())["extension"]
    assert ours["url"] == expected["url"]
    [exp_insee] = expected["valueAddress"]["extension"]
    [our_insee] = ours["valueAddress"]["extension"]
    assert our_insee["url"] == exp_insee["url"] == INSEE_CODE
    assert our_insee["valueCoding"]["system"] == exp_insee["valueCoding"]["system"]
    assert our_insee["valueCoding"]["code"] == "75056"
    [exp_name] = example["name"]
    our_name = patient_resource(view())["name"][0]
    assert [e["url"] for e in our_name["extension"]] == [e["url"] for e in exp_name["extension"]]
    assert len(exp_name["given"]) == len(our_name["given"]) == 1


def test_usual_name_only_when_recorded() -> None:
    names = patient_resource(view(used_family_name="Durand"))["name"]
    assert [n["use"] for n in names] == ["official", "usual"]
    assert names[1] == {"use": "usual", "family": "Durand"}


@pytest.mark.parametrize(("sex", "gender"), [("M", "male"), ("F", "female"), ("I", "unknown")])
def test_gender(sex: str, gender: str) -> None:
    assert patient_resource(view(sex=sex))["gender"] == gender


def test_born_abroad_has_no_commune_birth_place() -> None:
    assert "extension" not in patient_resource(view(birth_place_code="99134"))


def test_corsican_commune_code_is_kept() -> None:
    [place] = patient_resource(view(birth_place_code="2A004"))["extension"]
    assert place["valueAddress"]["extension"][0]["valueCoding"]["code"] == "2A004"


@pytest.mark.parametrize(("state", "active"), [("closed", False), ("opposed", False)])
def test_inactive_spaces(state: str, active: bool) -> None:
    assert patient_resource(view(state=state))["active"] is active


def test_pending_space_states_nothing_about_active() -> None:
    assert "active" not in patient_resource(view(state="pending"))


def test_last_updated_only_when_known() -> None:
    assert "lastUpdated" not in patient_resource(view())["meta"]
    at = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
    meta = validated(patient_resource(view(), last_updated=at))["meta"]
    assert meta["lastUpdated"] == "2026-11-22T09:00:00Z"


def test_validation_fails_loudly_on_a_mapping_bug() -> None:
    broken = patient_resource(view())
    broken["name"][0]["given"] = "Camille"  # a string where FHIR wants a list
    with pytest.raises(ValueError, match="given"):
        validated(broken)
