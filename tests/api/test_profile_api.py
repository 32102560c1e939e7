"""The JSON API of the profile and the measures: the patient's round trip, French (and
English) refusals, who may do what (caregiver, representative, professionals, software),
another patient's space answering 404, and every access in the audit trail."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from espace_sante.bootstrap import Container
from espace_sante.core import audit
from espace_sante.oauth.models import ClientKind, OAuthClient
from espace_sante.profile.models import Measure, ProfileItem
from tests.dossier_support import space_of
from tests.helpers import (
    CAMILLE,
    DR_DURAND,
    JEANNE,
    PHARMACIST,
    THOMAS,
    person_session,
    professional_session,
)
from tests.security.test_nobody_else import _token_for

WEIGHT = {"type": "weight", "value": 72.5, "effective_at": "2026-11-20T08:00:00+01:00"}
ALLERGY = {"data": {"substance": "Pénicilline", "severity": "severe"}}


def as_person(api: TestClient, c: Container, email: str) -> None:
    api.cookies.set("es_session", person_session(c, email))


def as_professional(api: TestClient, c: Container, rpps: str) -> None:
    api.cookies.set("es_session", professional_session(c, rpps))


def stored(c: Container) -> tuple[int, int]:
    with c.factory() as session:
        return (int(session.scalar(select(func.count()).select_from(ProfileItem)) or 0),
                int(session.scalar(select(func.count()).select_from(Measure)) or 0))


def trail(c: Container, space: str) -> list[tuple[str, str, str, str]]:
    with c.factory() as session:
        rows = session.execute(select(
            audit.AuditEvent.actor_kind, audit.AuditEvent.action,
            audit.AuditEvent.resource_kind, audit.AuditEvent.outcome,
        ).where(audit.AuditEvent.chain == space).order_by(audit.AuditEvent.seq))
        return [(a, b, c_, d) for a, b, c_, d in rows]


def hospital_token(c: Container, scopes: str = "system/Observation.crsd") -> str:
    with c.factory() as session:
        client = session.get(OAuthClient, "chd-demoville")
        assert client is not None
        token = c.tokens.issue(session, client, scopes).access_token
        session.commit()
    return token


def test_a_patient_keeps_his_profile_through_the_api(client: TestClient, demo: Container) -> None:
    space = space_of(demo, CAMILLE)
    as_person(client, demo, CAMILLE)
    base = f"/api/spaces/{space}/profile"
    created = client.post(f"{base}/allergies", json=ALLERGY)
    assert created.status_code == 201, created.text
    item = created.json()
    assert (item["section"], item["source"], item["data"]["severity"]) == (
        "allergies", "patient", "severe")
    [listed] = client.get(f"{base}/allergies").json()
    assert listed["id"] == item["id"]
    sections = {s["section"]: s for s in client.get(base).json()}
    assert sections["allergies"]["entries"] == 1 and sections["allergies"]["label"] == "Allergies"
    patched = client.patch(f"{base}/items/{item['id']}", json={"data": {"reaction": "œdème"}})
    assert patched.json()["data"]["reaction"] == "œdème"
    assert client.delete(f"{base}/items/{item['id']}").status_code == 204
    assert client.get(f"{base}/allergies").json() == []
    [old] = client.get(f"{base}/allergies", params={"history": True}).json()
    assert old["status"] == "deleted"
    assert ("patient", "delete", "profile", "success") in trail(demo, space)


def test_refusals_are_explained_in_french_and_english(client: TestClient,
                                                      demo: Container) -> None:
    space = space_of(demo, CAMILLE)
    as_person(client, demo, CAMILLE)
    url = f"/api/spaces/{space}/profile/allergies"
    refused = client.post(url, json={"data": {"reaction": "urticaire"}})
    assert refused.status_code == 422
    assert refused.json()["title"] == "Allergies, « Substance » : ce champ est requis."
    assert refused.json()["field"] == "data.substance"
    english = client.post(url, json={"data": {"reaction": "hives"}},
                          headers={"Accept-Language": "en"})
    assert english.json()["title"] == 'Allergies, "Substance": this field is required.'
    empty = client.post(f"/api/spaces/{space}/profile/lifestyle", json={"data": {}})
    assert empty.json()["title"] == "Habitudes de vie : renseignez au moins un champ."
    malformed = client.post(url, json={"data": {"substance": ["a"]}})
    assert malformed.status_code == 422 and malformed.json()["title"].startswith(
        "Donnée invalide")
    assert client.post(f"/api/spaces/{space}/profile/unknown", json=ALLERGY).status_code == 404
    assert stored(demo) == (0, 0)


def test_measures_through_the_api(client: TestClient, demo: Container) -> None:
    space = space_of(demo, CAMILLE)
    as_person(client, demo, CAMILLE)
    base = f"/api/spaces/{space}/measures"
    assert client.post(base, json=WEIGHT).status_code == 201
    height = client.post(base, json={"type": "height", "value": 1.7, "unit": "m",
                                     "effective_at": "2026-11-20T09:00:00Z"}).json()
    assert (height["value"], height["unit"], height["original_unit"]) == (170, "cm", "m")
    latest = {m["type"]: m["value"] for m in client.get(base).json()}
    assert latest == {"weight": 72.5, "height": 170, "bmi": 25.1}
    page = client.get(f"{base}/weight", params={"since": "2026-11-01"}).json()
    assert page["total"] == 1 and page["measures"][0]["original_value"] == 72.5
    series = client.get(f"{base}/bmi/series").json()
    assert [p["value"] for p in series["points"]] == [25.1] and series["unit"] == "kg/m2"
    bp = client.post(base, json={"type": "blood_pressure", "value": 12.5, "diastolic": 8,
                                 "unit": "cm[Hg]"}).json()
    assert (bp["value"], bp["value2"], bp["unit"]) == (125, 80, "mm[Hg]")
    assert client.get(f"{base}/blood_pressure/{bp['id']}").json()["id"] == bp["id"]
    assert client.get(f"{base}/weight/{bp['id']}").status_code == 404
    assert client.delete(f"{base}/blood_pressure/{bp['id']}").status_code == 204
    assert client.get(f"{base}/blood_pressure").json()["total"] == 0


@pytest.mark.parametrize(("body", "title"), [
    ({**WEIGHT, "value": 700}, "Poids de 700 kg : valeur invraisemblable"),
    ({"type": "height", "value": 180, "unit": "mm"}, "Taille de 180 mm (soit 18 cm)"),
    ({"type": "temperature", "value": 60}, "Température de 60 °C"),
    ({**WEIGHT, "effective_at": "2026-12-25T08:00:00Z"}, "dans le futur"),
    ({"type": "bmi", "value": 22}, "L'IMC se calcule"),
    ({**WEIGHT, "effective_at": "2026-11-20T08:00:00"}, "Donnée invalide : effective_at"),
])
def test_implausible_measures_are_refused(client: TestClient, demo: Container,
                                          body: dict[str, object], title: str) -> None:
    as_person(client, demo, CAMILLE)
    refused = client.post(f"/api/spaces/{space_of(demo, CAMILLE)}/measures", json=body)
    assert refused.status_code == 422 and title in refused.json()["title"], refused.text
    assert stored(demo) == (0, 0)


def test_a_batch_is_all_or_nothing(client: TestClient, demo: Container) -> None:
    space = space_of(demo, CAMILLE)
    as_person(client, demo, CAMILLE)
    url = f"/api/spaces/{space}/measures/batch"
    bad = client.post(url, json={"measures": [WEIGHT, {**WEIGHT, "value": -1}]})
    assert bad.status_code == 422 and bad.json()["title"].startswith("measures[1] : Poids")
    assert stored(demo) == (0, 0)
    assert len(client.post(url, json={"measures": [WEIGHT, WEIGHT]}).json()) == 2


def test_another_patients_space_answers_404_and_is_audited(client: TestClient,
                                                           demo: Container) -> None:
    jeanne = space_of(demo, JEANNE)
    as_person(client, demo, JEANNE)
    item = client.post(f"/api/spaces/{jeanne}/profile/allergies", json=ALLERGY).json()
    weight = client.post(f"/api/spaces/{jeanne}/measures", json=WEIGHT).json()
    as_person(client, demo, THOMAS)  # a patient with no link to Jeanne
    base = f"/api/spaces/{jeanne}"
    for response in (
        client.get(f"{base}/profile"), client.get(f"{base}/profile/allergies"),
        client.post(f"{base}/profile/allergies", json=ALLERGY),
        client.get(f"{base}/profile/items/{item['id']}"),
        client.patch(f"{base}/profile/items/{item['id']}", json={"data": {}}),
        client.delete(f"{base}/profile/items/{item['id']}"),
        client.get(f"{base}/profile/settings"),
        client.get(f"{base}/measures"), client.post(f"{base}/measures", json=WEIGHT),
        client.get(f"{base}/measures/weight/{weight['id']}"),
        client.delete(f"{base}/measures/weight/{weight['id']}"),
        client.get(f"/api/spaces/{space_of(demo, THOMAS)}/profile/items/{item['id']}"),
    ):
        assert response.status_code == 404, (response.request.url, response.text)
    assert stored(demo) == (1, 1)
    denied = [e for e in trail(demo, jeanne) if e[3] == "denied"]
    assert ("patient", "read", "profile", "denied") in denied
    assert ("patient", "create", "measure", "denied") in denied


def test_a_caregiver_adds_and_edits_but_does_not_delete(client: TestClient,
                                                        demo: Container) -> None:
    jeanne = space_of(demo, JEANNE)
    as_person(client, demo, CAMILLE)  # Jeanne's caregiver
    item = client.post(f"/api/spaces/{jeanne}/profile/allergies", json=ALLERGY)
    assert item.status_code == 201
    item_url = f"/api/spaces/{jeanne}/profile/items/{item.json()['id']}"
    assert client.patch(item_url, json={"data": {"severity": "mild"}}).status_code == 200
    assert client.delete(item_url).status_code == 404
    weight = client.post(f"/api/spaces/{jeanne}/measures", json=WEIGHT).json()
    assert client.delete(f"/api/spaces/{jeanne}/measures/weight/{weight['id']}"
                         ).status_code == 404
    assert client.patch(f"/api/spaces/{jeanne}/profile/settings",
                        json={"hba1c_target": 7.5}).json()["hba1c_target"] == 7.5
    assert ("caregiver", "update", "profile", "success") in trail(demo, jeanne)


def test_a_representative_manages_a_childs_profile(client: TestClient, demo: Container) -> None:
    as_person(client, demo, THOMAS)
    [lea] = [s["id"] for s in client.get("/api/spaces").json()
             if s["id"] != space_of(demo, THOMAS)]
    base = f"/api/spaces/{lea}"
    head = client.post(f"{base}/measures", json={"type": "head_circumference", "value": 44})
    assert head.status_code == 201
    assert client.delete(f"{base}/measures/head_circumference/{head.json()['id']}"
                         ).status_code == 204
    item = client.post(f"{base}/profile/vaccinations",
                       json={"data": {"vaccine": "ROR", "date": "2025-06-01"}}).json()
    assert client.delete(f"{base}/profile/items/{item['id']}").status_code == 204
    assert ("legal_representative", "delete", "measure", "success") in trail(demo, lea)


def test_professionals_read_and_add_with_a_relation_only(client: TestClient,
                                                        demo: Container) -> None:
    jeanne = space_of(demo, JEANNE)
    as_professional(client, demo, PHARMACIST)  # no relation with Jeanne
    assert client.get(f"/api/spaces/{jeanne}/profile").status_code == 404
    assert client.post(f"/api/spaces/{jeanne}/measures", json=WEIGHT).status_code == 404
    as_professional(client, demo, DR_DURAND)  # her médecin traitant
    added = client.post(f"/api/spaces/{jeanne}/measures",
                        json={"type": "blood_pressure", "value": 142, "diastolic": 91})
    assert added.status_code == 201 and added.json()["source"] == "professional"
    disease = client.post(f"/api/spaces/{jeanne}/profile/diseases",
                          json={"data": {"condition": "Hypertension"}})
    assert disease.json()["recorded_by"] == f"rpps:{DR_DURAND}"
    assert client.patch(f"/api/spaces/{jeanne}/profile/items/{disease.json()['id']}",
                        json={"data": {"condition": "HTA"}}).status_code == 404
    assert ("professional", "create", "measure", "success") in trail(demo, jeanne)
    assert ("professional", "search", "profile", "denied") in trail(demo, jeanne)


def test_software_needs_the_observation_scope_and_the_insurer_reads_nothing(
        client: TestClient, demo: Container) -> None:
    space = space_of(demo, CAMILLE)
    url = f"/api/spaces/{space}/measures"
    lab = {"Authorization": f"Bearer {hospital_token(demo)}"}
    sent = client.post(url, json={"type": "hba1c", "value": 53, "unit": "mmol/mol",
                                  "effective_at": "2026-11-19T10:00:00Z"}, headers=lab)
    assert sent.status_code == 201 and sent.json()["source"] == "import"
    assert [m["value"] for m in client.get(url, headers=lab).json()] == [7.0]
    assert client.get(f"/api/spaces/{space}/profile", headers=lab).status_code == 404
    no_scope = {"Authorization": f"Bearer {hospital_token(demo, 'system/Patient.rs')}"}
    assert client.get(url, headers=no_scope).status_code == 404
    insurer = {"Authorization": "Bearer " + _token_for(
        demo, ClientKind.INSURER.value, "system/Observation.crsd")}
    assert client.get(url, headers=insurer).status_code == 404
    assert client.get(f"/api/spaces/{space}/profile", headers=insurer).status_code == 404


def test_settings_round_trip(client: TestClient, demo: Container) -> None:
    url = f"/api/spaces/{space_of(demo, CAMILLE)}/profile/settings"
    as_person(client, demo, CAMILLE)
    assert client.get(url).json() == {"hba1c_target": None, "extraction_opt_out": False,
                                      "updated_at": None}
    assert client.patch(url, json={"hba1c_target": 6.5}).json()["hba1c_target"] == 6.5
    kept = client.patch(url, json={"extraction_opt_out": True}).json()
    assert (kept["hba1c_target"], kept["extraction_opt_out"]) == (6.5, True)
    assert client.patch(url, json={"hba1c_target": None}).json()["hba1c_target"] is None
    assert client.patch(url, json={"hba1c_target": 42}).status_code == 422


def test_reference_data_and_documented_routes(client: TestClient) -> None:
    sections = {s["section"]: s for s in client.get("/api/profile/sections").json()}
    assert sections["blood_group"]["single"] and sections["allergies"]["coded"]
    severity = next(f for f in sections["allergies"]["fields"] if f["name"] == "severity")
    assert severity["choices"] == {"mild": "légère", "moderate": "modérée", "severe": "sévère"}
    types = {t["type"]: t for t in client.get("/api/profile/measure-types").json()}
    assert types["weight"]["code"] == "29463-7" and types["bmi"]["computed"]
    assert types["height"]["units"] == ["cm", "m", "mm", "[in_i]"]
    paths = client.get("/openapi.json").json()["paths"]
    profile_paths = [p for p in paths if "/profile" in p or "/measures" in p]
    assert len(profile_paths) >= 12
    for path in profile_paths:
        for operation in paths[path].values():
            assert operation["summary"], path
