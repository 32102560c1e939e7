"""The profile's entries over FHIR — AllergyIntolerance, Condition, MedicationStatement,
Immunization, FamilyMemberHistory, RelatedPerson: create, read, search, update and delete
through the same use cases and policy as the pages; refusals are OperationOutcomes that
store nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from fhir.resources.R4B import get_fhir_model_class

from espace_sante.bootstrap import Container
from espace_sante.profile import service as profile
from espace_sante.profile.codes import Section, SourceKind
from tests.fhir.profile_support import SNOMED, created, post, put, stored
from tests.fhir.support import outcome, patient_of
from tests.helpers import (
    CAMILLE,
    DR_DURAND,
    JEANNE,
    PHARMACIST,
    THOMAS,
    actor_of,
    person_session,
)

SignIn = Callable[[str], TestClient]
Bearer = Callable[[str], dict[str, str]]
ATC = "http://www.whocc.no/atc"
CVX = "http://hl7.org/fhir/sid/cvx"


def allergy(space: str) -> dict[str, Any]:
    return {"resourceType": "AllergyIntolerance", "patient": {"reference": f"Patient/{space}"},
            "code": {"coding": [{"system": SNOMED, "code": "373270004"}], "text": "Pénicilline"},
            "onsetDateTime": "2010-05-01",
            "reaction": [{"manifestation": [{"text": "Urticaire"}], "severity": "severe"}]}


def condition(space: str) -> dict[str, Any]:
    return {"resourceType": "Condition", "subject": {"reference": f"Patient/{space}"},
            "code": {"coding": [{"system": SNOMED, "code": "38341003",
                                 "display": "Hypertension artérielle"}]},
            "onsetDateTime": "2015-03-02"}


def treatment(space: str) -> dict[str, Any]:
    return {"resourceType": "MedicationStatement", "status": "active",
            "subject": {"reference": f"Patient/{space}"},
            "medicationCodeableConcept": {"coding": [{"system": ATC, "code": "C09AA05"}],
                                          "text": "Ramipril 5 mg"},
            "effectivePeriod": {"start": "2015-03-02"}, "dosage": [{"text": "1 le matin"}]}


def vaccination(space: str) -> dict[str, Any]:
    return {"resourceType": "Immunization", "status": "completed",
            "patient": {"reference": f"Patient/{space}"},
            "vaccineCode": {"coding": [{"system": CVX, "code": "140"}], "text": "Grippe"},
            "occurrenceDateTime": "2025-10-20", "lotNumber": "AB123",
            "protocolApplied": [{"doseNumberPositiveInt": 2}]}


def family(space: str) -> dict[str, Any]:
    return {"resourceType": "FamilyMemberHistory", "status": "completed",
            "patient": {"reference": f"Patient/{space}"},
            "relationship": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/"
                                         "v3-RoleCode", "code": "MTH"}]},
            "condition": [{"code": {"coding": [{"system": SNOMED, "code": "73211009"}],
                                    "text": "Diabète"}}]}


def trusted(space: str) -> dict[str, Any]:
    return {"resourceType": "RelatedPerson", "patient": {"reference": f"Patient/{space}"},
            "relationship": [{"coding": [{
                "system": "https://hl7.fr/ig/fhir/core/CodeSystem/fr-core-cs-contact-relationship",
                "code": "K"}], "text": "sœur"}],
            "name": [{"given": ["Anne"], "family": "Martin"}],
            "telecom": [{"system": "phone", "value": "06 12 34 56 78"}]}


# resource → (section, the field its text fills, what the text is)
CASES: list[tuple[Callable[[str], dict[str, Any]], Section, str, str]] = [
    (allergy, Section.ALLERGIES, "substance", "Pénicilline"),
    (condition, Section.DISEASES, "condition", "Hypertension artérielle"),
    (treatment, Section.TREATMENTS, "medicine", "Ramipril 5 mg"),
    (vaccination, Section.VACCINATIONS, "vaccine", "Grippe"),
    (family, Section.FAMILY_HISTORY, "condition", "Diabète"),
    (trusted, Section.TRUSTED_PERSON, "name", "Anne Martin"),
]


CONCEPTS = {"AllergyIntolerance": "code", "Condition": "code",
            "MedicationStatement": "medicationCodeableConcept", "Immunization": "vaccineCode"}


def _path(resource: dict[str, Any]) -> str:
    return f"/fhir/{resource['resourceType']}"


@pytest.mark.parametrize(("build", "section", "field", "text"), CASES)
def test_create_read_search_update_delete(
        demo: Container, sign_in: SignIn, build: Callable[[str], dict[str, Any]],
        section: Section, field: str, text: str) -> None:
    space, client = patient_of(demo, CAMILLE).id, sign_in(CAMILLE)
    body = build(space)
    answer = created(post(client, _path(body), body))
    get_fhir_model_class(body["resourceType"]).model_validate(answer)
    [item] = profile.list_items(demo, actor_of(demo, person_session(demo, CAMILLE)), space,
                                section)
    assert (item.id, item.data[field], item.source) == (answer["id"], text, SourceKind.PATIENT)
    path = f"{_path(body)}/{answer['id']}"
    assert client.get(path).json() == answer
    found = client.get(_path(body), params={"patient": f"Patient/{space}"}).json()
    assert [e["resource"]["id"] for e in found["entry"]] == [answer["id"]]
    changed = {**answer}
    element = CONCEPTS.get(body["resourceType"])
    if element:  # a new label, no code: the code is cleared
        changed[element] = {"text": "Autre libellé"}
    updated = put(client, path, changed)
    assert updated.status_code == 200, updated.text
    if element:
        assert updated.json()[element] == {"text": "Autre libellé"}
        assert profile.get_item(demo, actor_of(demo, person_session(demo, CAMILLE)), space,
                                answer["id"]).code is None
    assert client.get(path).json() == updated.json()
    deleted = client.delete(path)
    assert deleted.status_code == 200, deleted.text
    outcome(client.get(path), 404, "not-found")
    assert client.get(_path(body), params={"patient": space}).json()["total"] == 0


def test_the_mapping_of_each_type(demo: Container, sign_in: SignIn) -> None:
    space, client = patient_of(demo, CAMILLE).id, sign_in(CAMILLE)
    a = created(post(client, "/fhir/AllergyIntolerance", allergy(space)))
    assert a["code"] == {"coding": [{"system": SNOMED, "code": "373270004"}],
                         "text": "Pénicilline"}
    assert a["reaction"] == [{"manifestation": [{"text": "Urticaire"}], "severity": "severe"}]
    assert (a["onsetDateTime"], a["clinicalStatus"]["coding"][0]["code"]) == (
        "2010-05-01", "active")
    c = created(post(client, "/fhir/Condition", {**condition(space),
                                                  "abatementDateTime": "2020-01-10"}))
    assert c["code"]["text"] == "Hypertension artérielle"  # the display when no text
    assert (c["clinicalStatus"]["coding"][0]["code"], c["abatementDateTime"]) == (
        "resolved", "2020-01-10")
    m = created(post(client, "/fhir/MedicationStatement", treatment(space)))
    assert (m["status"], m["effectivePeriod"], m["dosage"]) == (
        "active", {"start": "2015-03-02"}, [{"text": "1 le matin"}])
    ended = treatment(space)
    ended["effectivePeriod"]["end"] = "2016-01-01"
    assert created(post(client, "/fhir/MedicationStatement", ended))["status"] == "completed"
    i = created(post(client, "/fhir/Immunization", vaccination(space)))
    assert (i["occurrenceDateTime"], i["lotNumber"], i["protocolApplied"]) == (
        "2025-10-20", "AB123", [{"doseNumberPositiveInt": 2}])
    f = created(post(client, "/fhir/FamilyMemberHistory", family(space)))
    assert f["relationship"]["coding"][0]["code"] == "MTH"
    r = created(post(client, "/fhir/RelatedPerson", trusted(space)))
    assert (r["name"], r["telecom"]) == (
        [{"text": "Anne Martin"}], [{"system": "phone", "value": "+33612345678"}])
    assert r["relationship"][0]["text"] == "sœur"
    emergency = trusted(space)
    emergency["relationship"] = [{"coding": [{
        "system": "http://terminology.hl7.org/CodeSystem/v2-0131", "code": "C"}]}]
    e = created(post(client, "/fhir/RelatedPerson", emergency))
    assert e["relationship"][0]["coding"][0]["code"] == "C"
    # One trusted person: a second one is a conflict; the role of a person does not change.
    outcome(post(client, "/fhir/RelatedPerson", trusted(space)), 409, "conflict")
    outcome(put(client, f"/fhir/RelatedPerson/{e['id']}", {**trusted(space), "id": e["id"]}),
            400, "invalid")


def test_an_entry_is_read_only_through_its_own_type(demo: Container, sign_in: SignIn) -> None:
    space, client = patient_of(demo, CAMILLE).id, sign_in(CAMILLE)
    a = created(post(client, "/fhir/AllergyIntolerance", allergy(space)))
    outcome(client.get(f"/fhir/Condition/{a['id']}"), 404, "not-found")
    outcome(client.delete(f"/fhir/Condition/{a['id']}"), 404, "not-found")
    assert client.get(f"/fhir/AllergyIntolerance/{a['id']}").status_code == 200


def test_search_by_code_date_sort_and_pages(demo: Container, sign_in: SignIn) -> None:
    space, client = patient_of(demo, CAMILLE).id, sign_in(CAMILLE)
    for day in ("2023-10-01", "2024-10-01", "2025-10-20"):
        created(post(client, "/fhir/Immunization", {**vaccination(space),
                                                     "occurrenceDateTime": day}))
    covid = {**vaccination(space), "vaccineCode": {
        "coding": [{"system": CVX, "code": "208"}], "text": "Covid-19"}}
    created(post(client, "/fhir/Immunization", covid))

    def dates(**params: Any) -> list[str]:
        response = client.get("/fhir/Immunization", params={"patient": space, **params})
        assert response.status_code == 200, response.text
        return [e["resource"]["occurrenceDateTime"] for e in response.json().get("entry", [])]

    assert dates(code=f"{CVX}|140") == ["2025-10-20", "2024-10-01", "2023-10-01"]
    assert dates(code="208") == ["2025-10-20"]
    assert dates(code=f"{CVX}|140", _sort="date") == ["2023-10-01", "2024-10-01", "2025-10-20"]
    assert dates(code="140", date=["ge2024-01-01", "lt2025-10-20"]) == ["2024-10-01"]
    assert dates(code="140", date="2024") == ["2024-10-01"]
    assert dates(code="140", date="gt2025-10-20") == []
    page = client.get("/fhir/Immunization", params={"patient": space, "_count": 3}).json()
    assert page["total"] == 4 and len(page["entry"]) == 3
    [following] = [link["url"] for link in page["link"] if link["relation"] == "next"]
    rest = client.get(following.removeprefix("http://127.0.0.1:8000")).json()
    assert len(rest["entry"]) == 1
    outcome(client.get("/fhir/Immunization", params={"patient": space,
                                                     "code": "http://example.org|1"}), 400)
    outcome(client.get("/fhir/Condition", params={"patient": space, "date": "2024"}),
            400, "not-supported")  # Condition's date is onset-date
    assert client.get("/fhir/Condition", params={
        "patient": space, "onset-date": "2024"}).status_code == 200


def test_refusals_store_nothing(demo: Container, sign_in: SignIn) -> None:
    space, other = patient_of(demo, CAMILLE).id, patient_of(demo, THOMAS).id
    client = sign_in(CAMILLE)
    unknown = allergy(space)
    unknown["code"] = {"coding": [{"system": "http://example.org/codes", "code": "x"}],
                       "text": "Pollen"}
    outcome(post(client, "/fhir/AllergyIntolerance", unknown), 400, "not-supported")
    outcome(post(client, "/fhir/AllergyIntolerance", allergy(other)), 404, "not-found")
    untitled = condition(space)
    untitled["code"] = {"coding": [{"system": SNOMED, "code": "38341003"}]}
    outcome(post(client, "/fhir/Condition", untitled), 400, "invalid")
    future = vaccination(space)
    future["occurrenceDateTime"] = "2027-01-01"
    assert "date" in outcome(post(client, "/fhir/Immunization", future), 422)["diagnostics"]
    not_done = {**vaccination(space), "status": "not-done"}
    outcome(post(client, "/fhir/Immunization", not_done), 400, "not-supported")
    by_reference = {**treatment(space), "medicationReference": {"reference": "Medication/1"}}
    del by_reference["medicationCodeableConcept"]
    outcome(post(client, "/fhir/MedicationStatement", by_reference), 400, "not-supported")
    roleless = trusted(space)
    roleless["relationship"] = [{"text": "voisin"}]
    outcome(post(client, "/fhir/RelatedPerson", roleless), 400, "not-supported")
    bad_phone = {**trusted(space), "telecom": [{"system": "phone", "value": "12"}]}
    outcome(post(client, "/fhir/RelatedPerson", bad_phone), 422, "invalid")
    outcome(post(client, "/fhir/Condition", {"resourceType": "Patient"}), 400, "invalid")
    assert stored(demo) == (0, 0)


def test_others_are_not_found(demo: Container, sign_in: SignIn, fhir_client: TestClient,
                              bearer: Bearer) -> None:
    space = patient_of(demo, CAMILLE).id
    a = created(post(sign_in(CAMILLE), "/fhir/AllergyIntolerance", allergy(space)))
    for who in (THOMAS, PHARMACIST):
        client = sign_in(who)
        outcome(client.get(f"/fhir/AllergyIntolerance/{a['id']}"), 404, "not-found")
        outcome(client.get("/fhir/AllergyIntolerance", params={"patient": space}), 404)
        outcome(post(client, "/fhir/AllergyIntolerance", allergy(space)), 404)
        outcome(put(client, f"/fhir/AllergyIntolerance/{a['id']}", a), 404)
        outcome(client.delete(f"/fhir/AllergyIntolerance/{a['id']}"), 404)
    fhir_client.cookies.clear()
    # No institution reaches the profile, whatever its scopes (core.policy).
    headers = bearer("system/AllergyIntolerance.cruds system/Observation.crs")
    outcome(fhir_client.get(f"/fhir/AllergyIntolerance/{a['id']}", headers=headers), 404)
    outcome(post(fhir_client, "/fhir/AllergyIntolerance", allergy(space), headers), 404)
    assert stored(demo) == (1, 0)


def test_a_professional_adds_but_does_not_rewrite(demo: Container, sign_in: SignIn) -> None:
    space = patient_of(demo, JEANNE).id
    doctor = sign_in(DR_DURAND)
    c = created(post(doctor, "/fhir/Condition", condition(space)))
    [item] = profile.list_items(demo, actor_of(demo, person_session(demo, JEANNE)), space,
                                Section.DISEASES)
    assert item.source is SourceKind.PROFESSIONAL
    outcome(put(doctor, f"/fhir/Condition/{c['id']}", c), 404, "not-found")
    assert doctor.delete(f"/fhir/Condition/{c['id']}").status_code == 200  # his own
