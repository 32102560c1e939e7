"""A Synthea transaction Bundle imported into a demo space through ``POST /fhir``: measures,
conditions, treatments and vaccinations land in the profile, what it does not hold is
skipped and reported, and a bundle with one fault stores nothing."""

from __future__ import annotations

import copy
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from espace_sante.accounts.ins import INS_NIR_OID
from espace_sante.bootstrap import Container
from espace_sante.core.actors import Actor
from espace_sante.profile import service as profile
from espace_sante.profile.codes import MeasureKind, Section, SourceKind
from tests.fhir.profile_support import GUSTAVO, LIZ, post, stored, synthea
from tests.fhir.support import outcome, patient_of
from tests.fhir.test_documents import provide_bundle
from tests.helpers import CAMILLE, PHARMACIST, THOMAS, actor_of, person_session

SignIn = Callable[[str], TestClient]
Bearer = Callable[[str], dict[str, str]]


def _import(client: TestClient, space: str | None, bundle: dict[str, Any],
            headers: dict[str, str] | None = None) -> Any:
    path = f"/fhir?patient=Patient/{space}" if space else "/fhir"
    return post(client, path, bundle, headers)


def _camille(demo: Container) -> Actor:
    return actor_of(demo, person_session(demo, CAMILLE))


def _measures(demo: Container, space: str, kind: MeasureKind) -> list[float]:
    return [p.value for p in profile.measure_series(demo, _camille(demo), space, kind).points]


def _outcomes(answer: dict[str, Any]) -> Counter[tuple[str, str]]:
    return Counter((issue["severity"], issue["code"]) for e in answer["entry"]
                   for issue in (e["response"].get("outcome") or {}).get("issue", []))


def test_a_synthea_bundle_fills_the_profile(demo: Container, sign_in: SignIn) -> None:
    space, client = patient_of(demo, CAMILLE).id, sign_in(CAMILLE)
    bundle = synthea(LIZ)
    response = _import(client, space, bundle)
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["type"] == "transaction-response"
    assert len(answer["entry"]) == len(bundle["entry"])
    locations = Counter(e["response"].get("location", "/").split("/")[0]
                        for e in answer["entry"])
    assert locations == {"Observation": 9, "Immunization": 4, "Condition": 1,
                         "MedicationStatement": 1, "": len(bundle["entry"]) - 15}
    assert _measures(demo, space, MeasureKind.WEIGHT) == [64.647, 69.514, 74.235]
    assert _measures(demo, space, MeasureKind.HEIGHT) == [165.1] * 3
    # Synthea's BMIs are not imported: they are computed from the weights and the height.
    assert _measures(demo, space, MeasureKind.BMI) == [23.7, 25.5, 27.2]
    series = profile.measure_series(demo, _camille(demo), space, MeasureKind.BLOOD_PRESSURE)
    assert [(p.value, p.value2) for p in series.points] == [(165, 105), (181, 108), (152, 95)]
    [hypertension] = profile.list_items(demo, _camille(demo), space, Section.DISEASES)
    assert (hypertension.data["condition"], hypertension.code) == ("Hypertension", "38341003")
    [treatment] = profile.list_items(demo, _camille(demo), space, Section.TREATMENTS)
    assert treatment.data["medicine"] == "Hydrochlorothiazide 25 MG"
    assert treatment.source is SourceKind.PATIENT and treatment.source_ref.startswith(
        "MedicationRequest/")
    assert len(profile.list_items(demo, _camille(demo), space, Section.VACCINATIONS)) == 4
    issues = _outcomes(answer)
    assert issues[("information", "informational")] == 4  # the Patient and three BMIs
    assert issues[("warning", "not-supported")] == len(bundle["entry"]) - 15 - 4


def test_the_import_reads_back_through_fhir(demo: Container, sign_in: SignIn) -> None:
    space, client = patient_of(demo, CAMILLE).id, sign_in(CAMILLE)
    assert _import(client, space, synthea(GUSTAVO)).status_code == 200
    params = {"patient": f"Patient/{space}"}
    found = client.get("/fhir/Observation", params={**params, "code": "8310-5"}).json()
    [temperature] = found["entry"]  # sent as an oral temperature (8331-1)
    assert temperature["resource"]["valueQuantity"]["value"] == 37.5
    conditions = client.get("/fhir/Condition", params=params).json()["entry"]
    assert {c["resource"]["clinicalStatus"]["coding"][0]["code"] for c in conditions} == {
        "resolved"}
    assert client.get("/fhir/Immunization", params={
        **params, "date": "ge2020-01-01"}).json()["total"] == 2
    [treatment] = client.get("/fhir/MedicationStatement", params=params).json()["entry"]
    assert treatment["resource"]["medicationCodeableConcept"]["coding"][0]["system"] == (
        "http://www.nlm.nih.gov/research/umls/rxnorm")


def test_a_stopped_prescription_without_end_is_imported_with_a_warning(
        demo: Container, sign_in: SignIn) -> None:
    space, client = patient_of(demo, CAMILLE).id, sign_in(CAMILLE)
    answer = _import(client, space, synthea(GUSTAVO)).json()
    [entry] = [e for e in answer["entry"]
               if e["response"].get("location", "").startswith("MedicationStatement/")]
    [issue] = entry["response"]["outcome"]["issue"]
    assert (issue["severity"], issue["code"]) == ("warning", "incomplete")
    assert "sans date de fin" in issue["diagnostics"]


@pytest.mark.parametrize("fault", ["implausible", "unit", "other_patient", "malformed"])
def test_one_fault_stores_nothing(demo: Container, sign_in: SignIn, fault: str) -> None:
    space, client = patient_of(demo, CAMILLE).id, sign_in(CAMILLE)
    bundle = synthea(LIZ)
    index, resource = next((i, e["resource"]) for i, e in enumerate(bundle["entry"])
                           if e["resource"].get("code", {}).get("coding", [{}])[0].get(
                               "code") == "29463-7")
    if fault == "implausible":
        resource["valueQuantity"]["value"] = 7000
    elif fault == "unit":
        resource["valueQuantity"]["code"] = "[stone_av]"
    elif fault == "other_patient":
        resource["subject"] = {"reference": f"Patient/{patient_of(demo, THOMAS).id}"}
    else:
        resource["valueQuantity"] = {"value": "lourd"}
    response = _import(client, space, bundle)
    assert response.status_code in (400, 422), response.text
    assert f"entry[{index}] (Observation)" in outcome(response, response.status_code)[
        "diagnostics"]
    assert stored(demo) == (0, 0)


def test_the_space_is_given_or_found_by_ins(demo: Container, sign_in: SignIn) -> None:
    camille, client = patient_of(demo, CAMILLE), sign_in(CAMILLE)
    issue = outcome(_import(client, None, synthea(LIZ)), 400, "invalid")
    assert "patient=Patient/<id>" in issue["diagnostics"]
    bundle = synthea(LIZ)
    patient = bundle["entry"][0]["resource"]
    patient["identifier"].append({"system": INS_NIR_OID, "value": camille.nir})
    assert _import(client, None, bundle).status_code == 200
    assert stored(demo)[1] > 0
    two = copy.deepcopy(synthea(LIZ))
    two["entry"].append(copy.deepcopy(two["entry"][0]) | {"fullUrl": "urn:uuid:other"})
    outcome(_import(client, camille.id, two), 400, "invalid")


def test_strangers_and_other_spaces_are_not_found(demo: Container, sign_in: SignIn) -> None:
    space = patient_of(demo, CAMILLE).id
    for who in (THOMAS, PHARMACIST):
        outcome(_import(sign_in(who), space, synthea(LIZ)), 404, "not-found")
    assert stored(demo) == (0, 0)


def test_an_institution_imports_measures_and_is_told_of_the_rest(
        demo: Container, fhir_client: TestClient, bearer: Bearer) -> None:
    space = patient_of(demo, CAMILLE).id
    answer = _import(fhir_client, space, synthea(LIZ), bearer("system/Observation.crs"))
    assert answer.status_code == 200, answer.text
    issues = _outcomes(answer.json())
    assert issues[("warning", "forbidden")] == 6  # a condition, a treatment, 4 vaccinations
    assert stored(demo) == (0, 9 + 3)  # nine measures, three computed BMIs
    outcome(_import(fhir_client, space, synthea(LIZ), bearer("system/Patient.rs")), 404)


def test_a_document_bundle_takes_no_patient_parameter(demo: Container, sign_in: SignIn) -> None:
    space, client = patient_of(demo, CAMILLE).id, sign_in(CAMILLE)
    outcome(_import(client, space, provide_bundle(b"%PDF-1.4")), 400, "not-supported")
    outcome(post(client, "/fhir?other=1", synthea(LIZ)), 400, "not-supported")
