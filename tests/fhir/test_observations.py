"""Observation over FHIR: the FR Core examples round-trip through a demo space, measures are
searched by code, category and date with paging, and every refusal is an
OperationOutcome that stores nothing; the policy is the pages' (another space is not
found, an institution needs the Observation scope)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from fhir.resources.R4B.observation import Observation

from espace_sante.bootstrap import Container
from espace_sante.profile import service as profile
from espace_sante.profile.codes import MEASURE_TYPES, MeasureKind
from tests.dossier_support import deposit, professional
from tests.fhir.profile_support import (
    FRCORE_OBSERVATIONS,
    created,
    frcore,
    post,
    put,
    stored,
    weight,
)
from tests.fhir.support import outcome, patient_of
from tests.helpers import CAMILLE, DR_DURAND, JEANNE, PHARMACIST, THOMAS, actor_of, person_session

SignIn = Callable[[str], TestClient]
Bearer = Callable[[str], dict[str, str]]
BMI = "Observation-FRCoreObservationBMIExample.json"
MEASURED = [n for n in FRCORE_OBSERVATIONS if n != BMI]


def _values(resource: dict[str, Any]) -> list[float]:
    if "component" in resource:
        return [c["valueQuantity"]["value"] for c in resource["component"]]
    return [resource["valueQuantity"]["value"]]


def _search(client: TestClient, space: str, **params: str | list[str]) -> dict[str, Any]:
    response = client.get("/fhir/Observation", params={"patient": f"Patient/{space}", **params})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


# -- FR Core round-trips --------------------------------------------------------------------


@pytest.mark.parametrize("name", MEASURED)
def test_each_fr_core_example_round_trips(demo: Container, sign_in: SignIn, name: str) -> None:
    space, client = patient_of(demo, CAMILLE).id, sign_in(CAMILLE)
    example = frcore(name, space)
    answer = created(post(client, "/fhir/Observation", example))
    read = client.get(f"/fhir/Observation/{answer['id']}")
    assert read.status_code == 200 and read.json() == answer
    Observation.model_validate(answer)
    assert answer["meta"]["profile"] == example["meta"]["profile"]
    assert answer["code"]["coding"][0]["code"] == example["code"]["coding"][0]["code"]
    assert answer["subject"] == {"reference": f"Patient/{space}"}
    assert answer["category"][0]["coding"][0]["code"] == "vital-signs"
    assert _values(answer) == _values(example)
    kind = MEASURE_TYPES[next(k for k, t in MEASURE_TYPES.items()
                              if t.code == example["code"]["coding"][0]["code"])].kind
    [view] = profile.measure_history(demo, actor_of(demo, person_session(demo, CAMILLE)),
                                     space, kind).measures
    assert view.unit == MEASURE_TYPES[kind].unit.code  # stored in the canonical unit
    # A day alone is midnight in Paris; the patient typed it (performer: the patient).
    assert answer["effectiveDateTime"].startswith(f"{example['effectiveDateTime']}T00:00:00+")
    assert answer["performer"] == [{"reference": f"Patient/{space}"}]


def test_a_value_is_stored_and_read_back_in_the_canonical_unit(
        demo: Container, sign_in: SignIn) -> None:
    space, client = patient_of(demo, CAMILLE).id, sign_in(CAMILLE)
    answer = created(post(client, "/fhir/Observation",
                          weight(space, 200, "2026-11-20", "[lb_av]")))
    assert answer["valueQuantity"] == {"value": 90.718, "unit": "kg",
                                       "system": "http://unitsofmeasure.org", "code": "kg"}
    bp = frcore("Observation-FRCoreObservationBPExample.json", space)
    for component, value in zip(bp["component"], (16, 9), strict=True):
        component["valueQuantity"] = {"value": value, "system": "http://unitsofmeasure.org",
                                      "code": "cm[Hg]"}
    answer = created(post(client, "/fhir/Observation", bp))
    assert _values(answer) == [160, 90]
    assert answer["component"][0]["valueQuantity"]["code"] == "mm[Hg]"


def test_a_typed_bmi_is_refused_the_bmi_is_computed(demo: Container, sign_in: SignIn) -> None:
    space, client = patient_of(demo, CAMILLE).id, sign_in(CAMILLE)
    issue = outcome(post(client, "/fhir/Observation", frcore(BMI, space)), 422, "invalid")
    assert "L'IMC se calcule" in issue["diagnostics"]
    assert stored(demo) == (0, 0)
    for name in ("BodyWeight", "BodyHeight"):
        created(post(client, "/fhir/Observation",
                     frcore(f"Observation-FRCoreObservation{name}Example.json", space)))
    found = _search(client, space, code="http://loinc.org|39156-5")
    [entry] = found["entry"]  # weight 2022, height 1999: one BMI, at the weight's instant
    bmi = entry["resource"]
    assert bmi["valueQuantity"]["value"] == 28.0 and "Calculé" in bmi["method"]["text"]
    assert bmi["meta"]["profile"] == [MEASURE_TYPES[MeasureKind.BMI].profile]
    outcome(client.delete(f"/fhir/Observation/{bmi['id']}"), 422, "invalid")


def _refusal_cases(space: str, other: str) -> list[tuple[dict[str, Any], int, str]]:
    snomed = weight(space, 70, "2026-11-20")
    snomed["code"] = {"coding": [{"system": "http://snomed.info/sct", "code": "27113001"}]}
    cholesterol = weight(space, 180, "2026-11-20", "mg/dL")
    cholesterol["code"]["coding"][0]["code"] = "2093-3"
    no_zone = weight(space, 70, "2026-11-20T08:00:00")
    not_ucum = weight(space, 70, "2026-11-20")
    not_ucum["valueQuantity"]["system"] = "http://example.org/units"
    void = weight(space, 70, "2026-11-20")
    void["status"] = "entered-in-error"
    return [
        (snomed, 400, "terminologie non prise en charge"),
        (cholesterol, 400, "code LOINC non pris en charge : 2093-3"),
        (weight(space, 70, "2026-11-20", "cm"), 422, "unité « cm » non reconnue"),
        (weight(space, 700, "2026-11-20"), 422, "attendue entre 0,2 et 600 kg"),
        (weight(space, 70, "2026-12-25"), 422, "dans le futur"),
        (weight(other, 70, "2026-11-20"), 404, "introuvable"),
        (no_zone, 400, ""),
        (not_ucum, 400, "hors UCUM"),
        (void, 400, "statut entered-in-error"),
        ({**weight(space, 70, "2026-11-20"), "subject": {"reference": "Group/1"}}, 400,
         "Patient/<id>"),
    ]


def test_refusals_are_operation_outcomes_and_store_nothing(
        demo: Container, sign_in: SignIn) -> None:
    space, other = patient_of(demo, CAMILLE).id, patient_of(demo, THOMAS).id
    client = sign_in(CAMILLE)
    for body, status, message in _refusal_cases(space, other):
        issue = outcome(post(client, "/fhir/Observation", body), status)
        assert message in issue["diagnostics"], (message, issue)
    assert stored(demo) == (0, 0)


def test_a_measure_is_not_updated_it_is_deleted(demo: Container, sign_in: SignIn) -> None:
    space, client = patient_of(demo, CAMILLE).id, sign_in(CAMILLE)
    answer = created(post(client, "/fhir/Observation", weight(space, 70, "2026-11-20")))
    path = f"/fhir/Observation/{answer['id']}"
    issue = outcome(put(client, path, answer), 405, "not-supported")
    assert "supprimez-la" in issue["diagnostics"]
    deleted = client.delete(path)
    assert deleted.status_code == 200 and deleted.json()["issue"][0]["severity"] == "information"
    outcome(client.get(path), 404, "not-found")
    assert _search(client, space)["total"] == 0


# -- search -----------------------------------------------------------------------------------


def _fill(client: TestClient, space: str) -> None:
    for day, kg in (("2026-11-01", 70), ("2026-11-10", 71), ("2026-11-20", 72)):
        created(post(client, "/fhir/Observation", weight(space, kg, day)))
    created(post(client, "/fhir/Observation",
                 frcore("Observation-FRCoreObservationBPExample.json", space)))
    glucose = weight(space, 1.05, "2026-11-15", "g/L")
    glucose["code"]["coding"][0]["code"] = "2345-7"
    created(post(client, "/fhir/Observation", glucose))


def test_search_by_code_category_and_sort(demo: Container, sign_in: SignIn) -> None:
    space, client = patient_of(demo, CAMILLE).id, sign_in(CAMILLE)
    _fill(client, space)
    assert _search(client, space)["total"] == 5
    weights = _search(client, space, code="http://loinc.org|29463-7")
    assert [e["resource"]["valueQuantity"]["value"] for e in weights["entry"]] == [72, 71, 70]
    oldest = _search(client, space, code="29463-7", _sort="date")
    assert [e["resource"]["valueQuantity"]["value"] for e in oldest["entry"]] == [70, 71, 72]
    [glucose] = _search(client, space, category="laboratory")["entry"]
    assert glucose["resource"]["valueQuantity"] == {
        "value": 105, "unit": "mg/dL", "system": "http://unitsofmeasure.org", "code": "mg/dL"}
    vital = _search(client, space, category="vital-signs", code="85354-9")
    assert [e["resource"]["code"]["coding"][0]["code"] for e in vital["entry"]] == ["85354-9"]
    assert _search(client, space, code="http://loinc.org|2093-3")["total"] == 0
    assert _search(client, space, category="laboratory", code="29463-7")["total"] == 0
    outcome(client.get("/fhir/Observation", params={
        "patient": space, "code": "http://snomed.info/sct|27113001"}), 400, "invalid")
    outcome(client.get("/fhir/Observation", params={"patient": space, "_sort": "value"}),
            400, "invalid")
    outcome(client.get("/fhir/Observation"), 400, "invalid")  # the patient is required


@pytest.mark.parametrize(("dates", "expected"), [
    (["ge2026-11-10"], [72, 71]), (["gt2026-11-10"], [72]), (["le2026-11-10"], [71, 70]),
    (["lt2026-11-10"], [70]), (["eq2026-11-10"], [71]), (["2026-11"], [72, 71, 70]),
    (["ge2026-11-05", "le2026-11-15"], [71]), (["gt2026-11-20", "lt2026-11-01"], []),
    (["2026"], [72, 71, 70]), (["ge2026-11-10T00:00:00+01:00"], [72, 71]),
    (["lt2026-11-10T08:00:01Z"], [71, 70]),
])
def test_date_prefixes(demo: Container, sign_in: SignIn, dates: list[str],
                       expected: list[float]) -> None:
    space, client = patient_of(demo, CAMILLE).id, sign_in(CAMILLE)
    for day, kg in (("2026-11-01T08:00:00Z", 70), ("2026-11-10T08:00:00Z", 71),
                    ("2026-11-20T08:00:00Z", 72)):
        created(post(client, "/fhir/Observation", weight(space, kg, day)))
    found = _search(client, space, code="29463-7", date=dates)
    assert [e["resource"]["valueQuantity"]["value"] for e in found.get("entry", [])] == expected


@pytest.mark.parametrize(("dates", "status"), [
    (["ne2026-11-10"], 400), (["2026-13-01"], 400), (["ge2026", "le2027", "eq2026"], 400),
    (["2026-11-10T08:00"], 200), (["26-11-10"], 400),
])
def test_date_refusals(demo: Container, sign_in: SignIn, dates: list[str], status: int) -> None:
    space, client = patient_of(demo, CAMILLE).id, sign_in(CAMILLE)
    response = client.get("/fhir/Observation", params={"patient": space, "date": dates})
    if status == 200:
        assert response.status_code == 200, response.text
    else:
        outcome(response, status)


def test_paging_links(demo: Container, sign_in: SignIn) -> None:
    space, client = patient_of(demo, CAMILLE).id, sign_in(CAMILLE)
    _fill(client, space)
    # The blood pressure example dates from 2012: four measures in 2026.
    page = _search(client, space, _count="2", date=["ge2026-01-01", "le2026-12-31"])
    seen = []
    while True:
        assert page["total"] == 4
        seen += [e["resource"]["id"] for e in page.get("entry", [])]
        following = [link["url"] for link in page["link"] if link["relation"] == "next"]
        if not following:
            break
        assert following[0].count("date=") == 2  # a repeated parameter stays repeated
        response = client.get(following[0].removeprefix("http://127.0.0.1:8000"))
        assert response.status_code == 200, response.text
        page = response.json()
    assert len(seen) == len(set(seen)) == 4
    assert any(link["relation"] == "previous" for link in page["link"])


# -- who may --------------------------------------------------------------------------------


def test_another_patients_measures_are_not_found(demo: Container, sign_in: SignIn) -> None:
    space = patient_of(demo, CAMILLE).id
    answer = created(post(sign_in(CAMILLE), "/fhir/Observation", weight(space, 70, "2026-11-20")))
    for who in (THOMAS, PHARMACIST):
        client = sign_in(who)
        outcome(client.get(f"/fhir/Observation/{answer['id']}"), 404, "not-found")
        outcome(client.get("/fhir/Observation", params={"patient": space}), 404, "not-found")
        outcome(client.delete(f"/fhir/Observation/{answer['id']}"), 404, "not-found")
        outcome(post(client, "/fhir/Observation", weight(space, 71, "2026-11-21")), 404)
    assert stored(demo) == (0, 1)


def test_the_medecin_traitant_reads_and_adds(demo: Container, sign_in: SignIn) -> None:
    space = patient_of(demo, JEANNE).id
    doctor = sign_in(DR_DURAND)
    answer = created(post(doctor, "/fhir/Observation", weight(space, 60, "2026-11-20")))
    assert answer["performer"] == [{"type": "Practitioner", "identifier": {
        "system": "https://rpps.esante.gouv.fr", "value": DR_DURAND}}]
    assert _search(doctor, space)["total"] == 1


def test_a_value_from_a_document_is_derived_from_it(demo: Container, sign_in: SignIn) -> None:
    space = patient_of(demo, JEANNE).id
    document = deposit(demo, professional(demo), space)
    body = weight(space, 60, "2026-11-02")
    body["derivedFrom"] = [{"reference": f"DocumentReference/{document.id}"}]
    answer = created(post(sign_in(DR_DURAND), "/fhir/Observation", body))
    assert answer["derivedFrom"] == [{"reference": f"DocumentReference/{document.id}"}]
    # The patient cannot say a value comes from a document: he typed it.
    issue = outcome(post(sign_in(JEANNE), "/fhir/Observation", body), 422, "invalid")
    assert "Source" in issue["diagnostics"]


def test_an_institution_needs_the_observation_scope(
        demo: Container, fhir_client: TestClient, bearer: Bearer) -> None:
    space = patient_of(demo, CAMILLE).id
    without = bearer("system/DocumentReference.crs system/Patient.rs")
    outcome(post(fhir_client, "/fhir/Observation", weight(space, 70, "2026-11-20"), without),
            404, "not-found")
    assert stored(demo) == (0, 0)
    created(post(sign_in_as_camille(demo, fhir_client), "/fhir/Observation",
                 weight(space, 69, "2026-11-19")))
    fhir_client.cookies.clear()
    headers = bearer("system/Observation.crs")
    answer = created(post(fhir_client, "/fhir/Observation", weight(space, 70, "2026-11-20"),
                          headers))
    assert answer["performer"][0]["identifier"] == {"value": "chd-demoville"}
    found = fhir_client.get("/fhir/Observation", params={"patient": space}, headers=headers)
    # Its read-back: what it sent, not what the patient typed.
    assert [e["resource"]["id"] for e in found.json()["entry"]] == [answer["id"]]


def sign_in_as_camille(demo: Container, client: TestClient) -> TestClient:
    client.cookies.set("es_session", person_session(demo, CAMILLE))
    return client
