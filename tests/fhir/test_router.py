"""The FHIR layer without HTTP: what batch bundles and the web pages will call."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from espace_sante.bootstrap import Container
from espace_sante.core.actors import ANONYMOUS
from espace_sante.core.errors import NotFound, NotSupported
from espace_sante.fhir.errors import NotAcceptable, UnknownType
from espace_sante.fhir.router import handle
from espace_sante.fhir.validate import validated_searchset
from tests.fhir.support import ins, patient_of
from tests.helpers import CAMILLE, THOMAS, actor_of, person_session


def test_read_and_search_without_http(demo: Container) -> None:
    camille = patient_of(demo, CAMILLE)
    actor = actor_of(demo, person_session(demo, CAMILLE))
    status, patient = handle(demo, actor, "get", ["Patient", camille.id], [])
    assert (status, patient["id"]) == (200, camille.id)
    status, bundle = handle(
        demo, actor, "GET", ["Patient"], [("identifier", ins(camille.nir)), ("_format", "json")]
    )
    assert (status, bundle["total"]) == (200, 1)
    assert bundle["link"][0]["url"].endswith("/fhir/Patient?identifier=urn%3Aoid%3A1.2.250.1."
                                             f"213.1.4.8%7C{camille.nir}")


def test_refusals_are_domain_errors(demo: Container) -> None:
    thomas = patient_of(demo, THOMAS)
    actor = actor_of(demo, person_session(demo, CAMILLE))
    with pytest.raises(NotFound):
        handle(demo, actor, "GET", ["Patient", thomas.id], [])
    with pytest.raises(NotFound):  # the policy refuses anonymous callers too
        handle(demo, ANONYMOUS, "GET", ["Patient", thomas.id], [])
    with pytest.raises(UnknownType):
        handle(demo, actor, "GET", ["Appointment"], [])
    with pytest.raises(NotSupported):
        handle(demo, actor, "POST", ["Patient"], [], {"resourceType": "Patient"})
    with pytest.raises(NotAcceptable):
        handle(demo, actor, "GET", ["Patient"], [("_format", "xml")])


def test_metadata_without_http(demo: Container) -> None:
    status, statement = handle(demo, ANONYMOUS, "GET", ["metadata"], [])
    assert (status, statement["resourceType"]) == (200, "CapabilityStatement")
    assert statement["date"] == "2026-11-22T09:00:00Z"  # the test clock, not the wall clock


def test_a_searchset_is_validated_by_its_envelope_and_first_entry() -> None:
    good = {"resourceType": "Basic", "id": "a", "code": {"text": "x"}}
    bundle = {"resourceType": "Bundle", "type": "searchset", "total": 2,
              "entry": [{"resource": good}, {"resource": {**good, "id": "b"}}]}
    assert [e["resource"]["id"] for e in validated_searchset(bundle)["entry"]] == ["a", "b"]
    broken = {**bundle, "entry": [{"resource": {**good, "code": "not a concept"}}] * 2}
    with pytest.raises(ValidationError):
        validated_searchset(broken)
