"""DocumentView → PDSm DocumentReference, and a client's DocumentReference → what a use
case takes, checked against the PDSm examples (ansforge/IG-FHIR-PDSM4DMP-EEDS)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

import pytest

from espace_sante.accounts.ins import INS_NIR_OID
from espace_sante.dossier.codes import (
    CLASS_SYSTEM,
    LOINC,
    TYPE_COMPLEMENT_SYSTEM,
    Category,
    Format,
    SourceKind,
    Status,
)
from espace_sante.dossier.views import Author, DocumentView, Flags
from espace_sante.fhir.errors import BadRequest
from espace_sante.fhir.mapping.document import (
    CONFIDENTIALITY_SYSTEM,
    IDNPS_SYSTEM,
    MIME_TYPE_SUFFICIENT,
    PDSM_DOCUMENT_REFERENCE,
    VISIBILITY_SYSTEM,
    document_reference,
)
from espace_sante.fhir.mapping.document_in import incoming_document
from espace_sante.fhir.validate import validated
from tests.shared_data import PDSM

DATA = PDSM
BASE = "https://espace-sante.example/fhir"
# The examples' NIR is a placeholder whose key is wrong (it should be 11): the tests give
# the same 13 digits with the right key, and check the placeholder itself is refused.
EXAMPLE_NIR = "123456789012345"
VALID_NIR = "123456789012311"
WHERE = "DocumentReference"


def example(name: str, *, nir: str = VALID_NIR) -> dict[str, Any]:
    text = (DATA / name).read_text(encoding="utf-8").replace(EXAMPLE_NIR, nir)
    data: dict[str, Any] = json.loads(text)
    return data


def doc_x() -> dict[str, Any]:
    return example("DocumentReference-doc-x-id.json")


def view(**changes: Any) -> DocumentView:
    values: dict[str, Any] = dict(
        id="d0c00000-0000-4000-8000-000000000001", patient_id="p-1",
        title="Compte rendu de consultation du 10 juin", category=Category.COMPTES_RENDUS,
        class_code="10", type_code="11488-4", type_display="Compte rendu de consultation",
        act_date=date(2026, 6, 10),
        author=Author(name="Dr Marie DURAND", rpps="99700218896", organisation="CH Demoville",
                      organisation_id="750000001", profession="Médecin"),
        source=SourceKind.PROFESSIONAL, format=Format.PDF, size=1234, sha256="ab" * 32,
        status=Status.CURRENT, flags=Flags(), created_at=datetime(2026, 6, 11, 8, 0, tzinfo=UTC),
        unique_id="urn:uuid:0f0f0f0f-0000-4000-8000-000000000001",
        deposited_by="rpps:99700218896",
    )
    return DocumentView(**{**values, **changes})


def codes(resource: dict[str, Any], system: str) -> list[str]:
    return [c["code"] for label in resource["securityLabel"] for c in label["coding"]
            if c["system"] == system]


# --- Outgoing -------------------------------------------------------------------------------

def test_mapping_validates_and_has_the_pdsm_shape() -> None:
    resource = validated(document_reference(view(), patient_nir=VALID_NIR, fhir_base=BASE))
    assert resource["meta"] == {"profile": [PDSM_DOCUMENT_REFERENCE]}
    assert resource["masterIdentifier"] == {
        "system": "urn:ietf:rfc:3986", "value": "urn:uuid:0f0f0f0f-0000-4000-8000-000000000001"}
    assert (resource["status"], resource["docStatus"]) == ("current", "final")
    assert resource["type"]["coding"] == [{"system": LOINC, "code": "11488-4",
                                           "display": "Compte rendu de consultation"}]
    assert resource["category"] == [{"coding": [
        {"system": CLASS_SYSTEM, "code": "10", "display": "Compte rendu"}]}]
    assert resource["subject"] == {"reference": "Patient/p-1", "identifier": {
        "system": INS_NIR_OID, "value": VALID_NIR}}
    assert resource["date"] == "2026-06-11T08:00:00Z"
    assert resource["context"] == {"period": {"start": "2026-06-10"}}
    assert "relatesTo" not in resource


def test_content_points_at_our_binary_without_a_hash() -> None:
    resource = validated(document_reference(view(), patient_nir=None, fhir_base=BASE + "/"))
    [content] = resource["content"]
    assert content["attachment"] == {
        "contentType": "application/pdf", "url": f"{BASE}/Binary/{view().id}", "size": 1234,
        "title": "Compte rendu de consultation du 10 juin", "creation": "2026-06-10"}
    assert content["format"]["code"] == MIME_TYPE_SUFFICIENT
    assert content["format"] == doc_x()["content"][0]["format"]


def test_format_code_is_mime_type_sufficient_for_cda_too() -> None:
    resource = document_reference(view(format=Format.CDA), patient_nir=None, fhir_base=BASE)
    assert resource["content"][0]["attachment"]["contentType"] == "application/hl7-cda+xml"
    assert resource["content"][0]["format"]["code"] == MIME_TYPE_SUFFICIENT


def test_author_is_contained_like_the_examples() -> None:
    resource = validated(document_reference(view(), patient_nir=None, fhir_base=BASE))
    practitioner, organization = resource["contained"]
    assert practitioner["identifier"] == [{"system": IDNPS_SYSTEM, "value": "899700218896"}]
    assert practitioner["identifier"][0] == doc_x()["contained"][1]["identifier"][0]
    assert practitioner["name"] == [{"text": "Dr Marie DURAND"}]
    assert organization["name"] == "CH Demoville"
    assert organization["identifier"][0]["value"] == "1750000001"
    assert resource["author"] == [{"reference": "#author"}, {"reference": "#author-organisation"}]


def test_a_system_feed_is_authored_by_its_organisation_alone() -> None:
    feed = Author(name="Laboratoire Demo", organisation="Laboratoire Demo",
                  organisation_id="client-lab")
    resource = validated(document_reference(view(author=feed), patient_nir=None, fhir_base=BASE))
    [organization] = resource["contained"]
    assert organization == {"resourceType": "Organization", "id": "author-organisation",
                            "name": "Laboratoire Demo"}


def test_subject_has_no_identifier_without_a_nir() -> None:
    resource = document_reference(view(), patient_nir=None, fhir_base=BASE)
    assert resource["subject"] == {"reference": "Patient/p-1"}


@pytest.mark.parametrize(("status", "fhir"), [(Status.CURRENT, "current"),
                                              (Status.REPLACED, "superseded"),
                                              (Status.DELETED, "entered-in-error")])
def test_status(status: Status, fhir: str) -> None:
    assert document_reference(view(status=status), patient_nir=None,
                              fhir_base=BASE)["status"] == fhir


def test_replacement_relates_to_the_replaced_version() -> None:
    resource = validated(document_reference(view(replaces_id="old-1"), patient_nir=None,
                                            fhir_base=BASE))
    assert resource["relatesTo"] == [{"code": "replaces",
                                      "target": {"reference": "DocumentReference/old-1"}}]


def test_complementary_type_uses_the_ci_sis_system() -> None:
    resource = document_reference(view(type_code="DOCPAT", class_code="90"), patient_nir=None,
                                  fhir_base=BASE)
    assert resource["type"]["coding"][0]["system"] == TYPE_COMPLEMENT_SYSTEM


def test_normal_confidentiality_only_without_flags() -> None:
    resource = document_reference(view(), patient_nir=None, fhir_base=BASE)
    assert resource["securityLabel"] == doc_x()["securityLabel"]
    assert codes(resource, VISIBILITY_SYSTEM) == []


def test_each_flag_adds_its_visibility_code() -> None:
    flags = Flags(masked_from_professionals=True, invisible_to_patient=True,
                  invisible_to_representatives=True)
    resource = validated(document_reference(view(flags=flags), patient_nir=None, fhir_base=BASE))
    assert codes(resource, CONFIDENTIALITY_SYSTEM) == ["N"]
    assert codes(resource, VISIBILITY_SYSTEM) == [
        "MASQUE_PS", "INVISIBLE_PATIENT", "INVISIBLE_REPRESENTANTS_LEGAUX"]


def test_no_act_date_no_context_nor_creation() -> None:
    resource = validated(document_reference(view(act_date=None), patient_nir=None,
                                            fhir_base=BASE))
    assert "context" not in resource
    assert "creation" not in resource["content"][0]["attachment"]


def test_a_non_uri_unique_id_gets_no_uri_system() -> None:
    resource = document_reference(view(unique_id="1.2.250.1.999^42"), patient_nir=None,
                                  fhir_base=BASE)
    assert resource["masterIdentifier"] == {"value": "1.2.250.1.999^42"}


# --- Incoming -------------------------------------------------------------------------------

def test_the_pdsm_document_reference_example_parses() -> None:
    incoming = incoming_document(doc_x(), where=WHERE)
    meta = incoming.metadata
    assert (meta.type_code, meta.title) == ("11488-4", "Compte rendu de consultation (v1)")
    assert meta.act_date == date(2026, 6, 10)
    assert meta.unique_id == "urn:oid:1.2.250.1.213.1.4.8.99999.0"
    assert meta.category == Category.SYNTHESE  # class 11 given, not the type's own 10
    assert meta.flags == Flags()
    assert (incoming.patient_nir, incoming.patient_ref) == (VALID_NIR, None)
    assert incoming.author == Author(name="", rpps="99700218896")
    assert (incoming.content_type, incoming.binary_ref) == (
        "application/xml", "urn:oid:1.2.250.1.213.1.4.8.99999.0")
    assert incoming.inline_data is None
    assert incoming.replaces is None


def test_the_simplified_publish_example_parses_with_inline_data() -> None:
    incoming = incoming_document(
        example("DocumentReference-example-td2-iti105-publication-simplifiee.json"), where=WHERE)
    assert incoming.metadata.title == "Compte rendu de consultation"
    assert incoming.metadata.category is None  # no class: the type's own category
    assert incoming.metadata.act_date is None
    assert incoming.author is not None and incoming.author.rpps == "99700218896"
    assert incoming.inline_data is not None
    assert incoming.inline_data.startswith(b"<?xml") and b"ClinicalDocument" in incoming.inline_data


def test_the_searchset_examples_parse_with_a_practitioner_role_author() -> None:
    bundle = example("Bundle-example-annexe-searchset-documentreferences.json")
    cda, fhir = (incoming_document(e["resource"], where=WHERE) for e in bundle["entry"])
    assert cda.author is not None and cda.author.rpps == "99700218896"
    assert cda.metadata.act_date == date(2024, 11, 20)
    assert fhir.metadata.type_code == "60591-5"
    assert fhir.metadata.category is None  # class 11 is the type's own


def test_our_own_document_reference_reads_back() -> None:
    flags = Flags(masked_from_professionals=True, invisible_to_representatives=True)
    ours = validated(document_reference(view(flags=flags, replaces_id="old-1"),
                                        patient_nir=VALID_NIR, fhir_base=BASE))
    incoming = incoming_document(ours, where=WHERE)
    assert incoming.metadata.flags == flags
    assert incoming.author == view().author
    assert incoming.patient_ref == "Patient/p-1"
    assert incoming.replaces == "old-1"
    assert incoming.metadata.title == view().title


def test_names_are_read_from_their_parts_and_organisation_through_the_role() -> None:
    resource = doc_x()
    resource["contained"][1] = {"resourceType": "Practitioner", "id": "pr",
                                "identifier": [{"system": "https://rpps.esante.gouv.fr",
                                                "value": "10101201234"}],
                                "name": [{"family": "DURAND", "given": ["Marie"],
                                          "prefix": ["Dr"]}]}
    resource["contained"].append({"resourceType": "Organization", "id": "org",
                                  "name": "CH Demoville"})
    resource["contained"].append({"resourceType": "PractitionerRole", "id": "role",
                                  "practitioner": {"reference": "#pr"},
                                  "organization": {"reference": "#org"}})
    resource["author"] = [{"reference": "#role"}]
    resource["authenticator"] = {"reference": "#pr"}
    author = incoming_document(resource, where=WHERE).author
    assert author == Author(name="Dr Marie DURAND", rpps="10101201234",
                            organisation="CH Demoville")


def test_visibility_codes_are_read_in_every_spelling() -> None:
    resource = doc_x()
    resource["securityLabel"] += [
        {"coding": [{"system": VISIBILITY_SYSTEM, "code": "INVISIBLE_PATIENT"}]},
        {"coding": [{"system": VISIBILITY_SYSTEM.replace("Statut", "Status"),
                     "code": "MASQUE_PS"}]},
        {"coding": [{"system": CONFIDENTIALITY_SYSTEM, "code": "V"}]},
    ]
    flags = incoming_document(resource, where=WHERE).metadata.flags
    assert flags == Flags(masked_from_professionals=True, invisible_to_patient=True)


def test_a_literal_patient_reference_and_an_identifier_target() -> None:
    resource = doc_x()
    resource["subject"] = {"reference": "Patient/p-1"}
    resource["relatesTo"] = [{"code": "replaces", "target": {
        "identifier": {"system": "urn:ietf:rfc:3986", "value": "urn:oid:1.2.3"}}}]
    incoming = incoming_document(resource, where=WHERE)
    assert (incoming.patient_nir, incoming.patient_ref) == (None, "Patient/p-1")
    assert incoming.replaces == "DocumentReference?identifier=urn:ietf:rfc:3986|urn:oid:1.2.3"


def bad(resource: dict[str, Any], match: str) -> BadRequest:
    with pytest.raises(BadRequest, match=match) as caught:
        incoming_document(resource, where="entry[1] (DocumentReference)")
    assert str(caught.value).startswith("entry[1] (DocumentReference) : ")
    return caught.value


def test_unknown_type_code() -> None:
    resource = doc_x()
    resource["type"]["coding"][0]["code"] = "99999-9"
    error = bad(resource, r"Type de document inconnu : 99999-9 \(liste JDV_J66 du CI-SIS\)")
    assert error.details == {"field": "DocumentReference.type"}


def test_a_known_code_in_the_wrong_system_is_unknown() -> None:
    resource = doc_x()
    resource["type"]["coding"][0]["system"] = "http://snomed.info/sct"
    bad(resource, "Type de document inconnu : 11488-4")


def test_unknown_class_code() -> None:
    resource = doc_x()
    resource["category"][0]["coding"][0]["code"] = "77"
    bad(resource, "Classe de document inconnue : 77")


def test_the_placeholder_nir_of_the_examples_is_refused() -> None:
    error = bad(example("DocumentReference-doc-x-id.json", nir=EXAMPLE_NIR), "clé")
    assert error.message_en.endswith("The social security number's key does not match: "
                                     "check the number.")
    assert error.details == {"field": "DocumentReference.subject"}


def test_a_subject_given_by_its_ins_identifier_alone() -> None:
    resource = doc_x()
    resource["subject"] = {"identifier": {"system": INS_NIR_OID, "value": VALID_NIR}}
    assert incoming_document(resource, where=WHERE).patient_nir == VALID_NIR


def test_a_subject_we_cannot_read() -> None:
    resource = doc_x()
    resource["subject"] = {"reference": "https://elsewhere.example/Patient/1"}
    bad(resource, "INS-NIR")
    del resource["subject"]
    bad(resource, "INS-NIR")


def test_no_title() -> None:
    resource = doc_x()
    del resource["content"][0]["attachment"]["title"]
    bad(resource, "titre")


def test_a_fhir_fault_names_its_field() -> None:
    resource = doc_x()
    resource["content"][0]["attachment"]["size"] = "large"
    error = bad(resource, r"content\[0\]\.attachment\.size")
    assert error.details == {"field": "DocumentReference.content[0].attachment.size"}


def test_not_a_document_reference() -> None:
    bad({"resourceType": "Binary", "contentType": "text/plain"},
        "ressource DocumentReference est attendue")


def test_inline_data_must_be_base64() -> None:
    resource = doc_x()
    resource["content"][0]["attachment"]["data"] = "!!!"
    bad(resource, "base64")


def test_only_the_replaces_relation() -> None:
    resource = doc_x()
    resource["relatesTo"] = [{"code": "appends", "target": {"reference": "DocumentReference/a"}}]
    bad(resource, "appends")


def test_exactly_one_content() -> None:
    resource = doc_x()
    resource["content"] *= 2
    bad(resource, "exactement un contenu")
