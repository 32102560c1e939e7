"""Values extracted from the structured CDA documents that enter the dossier: glycaemia,
HbA1c, height, weight and head circumference become the patient's measures, written by the
extraction job (audited), naming their document, unless the patient opted out."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest
from sqlalchemy import select

from espace_sante.accounts.dates import PARIS
from espace_sante.bootstrap import Container
from espace_sante.core import audit
from espace_sante.core.actors import Actor, ActorKind, LegalBasis
from espace_sante.dossier import service as dossier
from espace_sante.dossier.models import Document
from espace_sante.dossier.views import DocumentView, Flags, Metadata
from espace_sante.profile import extraction, measuring
from espace_sante.profile import service as profile
from espace_sante.profile.codes import MeasureKind, SourceKind, Status
from espace_sante.profile.models import Measure
from espace_sante.profile.views import MeasureView, SettingsChanges
from tests.dossier_support import CDA_DIR, cisis_patient, hospital

K = MeasureKind
PRESCRIPTION = (CDA_DIR / "eP-MED-DM_2024.01_PosoStruct.xml").read_text(encoding="utf-8")
TSH = (CDA_DIR / "BIO-CR-BIO_2024.01_TSH_1.xml").read_text(encoding="utf-8")
PRESCRIPTION_ID = '<id root="1.2.250.1.213.1.1.1.39.2024.2.1"/>'
TSH_ID = '<id root="1.2.250.1.213.1.1.1.55.2024.9.1"/>'
TSH_RESULT = 'value="1.950"\n\t\t\t\t\t\t\t\t\t\t\t\tunit="m[IU]/L"/>'
T4_RESULT = '<value xsi:type="PQ" value="7.67" unit="pg/mL"/>'


def lab_report(hba1c: str = 'value="6.8" unit="%"', glucose: str = 'value="1.05" unit="g/L"',
               version: int = 1) -> bytes:
    """The CI-SIS TSH report turned into a diabetes check-up: its TSH becomes an HbA1c
    (4548-4) and its free T4 a fasting glucose (2345-7), with the values given."""
    assert TSH.count(TSH_RESULT) == 1 and TSH.count(T4_RESULT) == 1
    text = (TSH.replace('code="3016-3"', 'code="4548-4"')
            .replace(TSH_RESULT, f"{hba1c}/>")
            .replace('code="3024-7"', 'code="2345-7"')
            .replace(T4_RESULT, f'<value xsi:type="PQ" {glucose}/>')
            .replace(TSH_ID, f'<id root="1.2.250.1.213.1.1.1.55.2024.9.{version}"/>'))
    return text.encode()


def prescription(weight: str = "55", version: int = 1) -> bytes:
    text = (PRESCRIPTION.replace('value="55" unit="kg"', f'value="{weight}" unit="kg"')
            .replace(PRESCRIPTION_ID, f'<id root="1.2.250.1.213.1.1.1.39.2024.2.{version}"/>'))
    return text.encode()


def holder(space: str) -> Actor:
    """The patient of the CI-SIS examples (she has no account: her actor, as resolved)."""
    return Actor(kind=ActorKind.PATIENT, subject_id="account:cisis", display_name="Patiente",
                 grants={space: LegalBasis.OWN_SPACE})


def send(c: Container, space: str, data: bytes, *, replaces: str | None = None,
         flags: Flags = Flags()) -> DocumentView:
    metadata = Metadata("", "", flags=flags) if flags != Flags() else None
    return dossier.add_document(c, hospital(), space, dossier.Upload([data], "cda.xml"),
                                metadata, replaces_id=replaces)


def active(c: Container, space: str) -> dict[K, list[MeasureView]]:
    return {kind: profile.measure_history(c, holder(space), space, kind).measures
            for kind in K if profile.measure_history(c, holder(space), space, kind).total}


def test_a_prescription_gives_its_weight_and_height_with_its_document(demo: Container) -> None:
    space = cisis_patient(demo)
    document = send(demo, space, prescription())
    found = active(demo, space)
    assert sorted(found) == [K.BMI, K.HEIGHT, K.WEIGHT]
    [weight], [height], [bmi] = found[K.WEIGHT], found[K.HEIGHT], found[K.BMI]
    assert (weight.value, weight.unit, height.value, height.unit, bmi.value) == (
        55.0, "kg", 170.0, "cm", 19.0)
    taken = datetime(2023, 12, 1, tzinfo=PARIS)
    for m in (weight, height):
        assert (m.source, m.source_document_id, m.effective_at) == (
            SourceKind.DOCUMENT, document.id, taken)
        assert m.recorded_by == extraction.EXTRACTOR.subject_id
    # The patient sees the document each value comes from.
    shown = dossier.get_document(demo, holder(space), space, weight.source_document_id or "")
    assert shown.title == document.title
    with demo.factory() as session:  # written by the job, on its own basis, audited
        trail = session.execute(select(
            audit.AuditEvent.action, audit.AuditEvent.resource_kind,
            audit.AuditEvent.legal_basis, audit.AuditEvent.outcome).where(
            audit.AuditEvent.chain == space,
            audit.AuditEvent.actor_id == extraction.EXTRACTOR.subject_id)).all()
    assert trail == [("create", "measure", "system_job", "success")]


def test_a_lab_report_gives_its_hba1c_and_glycaemia(demo: Container) -> None:
    space = cisis_patient(demo)
    document = send(demo, space, lab_report())
    found = active(demo, space)
    assert sorted(found) == [K.GLYCAEMIA, K.HBA1C]
    [hba1c], [glucose] = found[K.HBA1C], found[K.GLYCAEMIA]
    assert (hba1c.value, hba1c.unit) == (6.8, "%")
    assert (glucose.value, glucose.unit, glucose.original_value, glucose.original_unit) == (
        105.0, "mg/dL", 1.05, "g/L")
    assert glucose.effective_at == datetime(2014, 4, 2, 12, 55, 21, tzinfo=UTC)
    assert {m.source_document_id for m in (hba1c, glucose)} == {document.id}


def test_nothing_is_extracted_for_a_patient_who_opted_out(demo: Container) -> None:
    space = cisis_patient(demo)
    profile.update_settings(demo, holder(space), space, SettingsChanges(extraction_opt_out=True))
    send(demo, space, lab_report())
    assert active(demo, space) == {}


def test_an_implausible_value_is_skipped_and_the_others_kept(demo: Container) -> None:
    space = cisis_patient(demo)
    send(demo, space, lab_report(hba1c='value="45" unit="%"', glucose='value="1.05" unit="g/l"'))
    found = active(demo, space)
    assert sorted(found) == [K.GLYCAEMIA]  # 45 % is no HbA1c; "g/l" is read as g/L
    assert found[K.GLYCAEMIA][0].value == 105.0


def test_a_result_without_time_takes_the_act_date(demo: Container) -> None:
    space = cisis_patient(demo)
    untimed = lab_report().replace(
        b'<effectiveTime value="20140402145521+0200"/>\n\t\t\t\t\t\t\t\t\t\t\t\t<value '
        b'xsi:type="PQ" value="6.8"', b'<value xsi:type="PQ" value="6.8"')
    assert untimed != lab_report()
    document = send(demo, space, untimed)
    assert document.act_date is not None
    [hba1c] = active(demo, space)[K.HBA1C]
    assert hba1c.effective_at == datetime.combine(document.act_date, time(0), tzinfo=PARIS)


def test_a_document_hidden_from_the_patient_gives_nothing(demo: Container) -> None:
    space = cisis_patient(demo)
    send(demo, space, lab_report(), flags=Flags(invisible_to_patient=True))
    assert active(demo, space) == {}


def test_a_new_version_replaces_the_values_of_the_old_one(demo: Container) -> None:
    space = cisis_patient(demo)
    first = send(demo, space, prescription())
    same = send(demo, space, prescription(version=2), replaces=first.id)
    found = active(demo, space)  # the same values again: not counted twice
    assert [len(found[k]) for k in (K.WEIGHT, K.HEIGHT, K.BMI)] == [1, 1, 1]
    assert {found[k][0].source_document_id for k in (K.WEIGHT, K.HEIGHT)} == {same.id}
    corrected = send(demo, space, prescription("57", version=3), replaces=same.id)
    found = active(demo, space)
    assert [(m.value, m.source_document_id) for m in found[K.WEIGHT]] == [(57.0, corrected.id)]
    assert [m.value for m in found[K.BMI]] == [19.7]
    with demo.factory() as session:  # the old versions' values stay, deleted, in the history
        statuses = sorted(session.scalars(select(Measure.status).where(
            Measure.source_document_id.in_([first.id, same.id]))))
        assert statuses == [Status.DELETED] * 4
        retired = session.scalars(select(audit.AuditEvent.resource_id).where(
            audit.AuditEvent.chain == space, audit.AuditEvent.action == "delete",
            audit.AuditEvent.actor_id == extraction.EXTRACTOR.subject_id)).all()
    assert len(retired) == 4  # each retirement audited


def test_a_failing_extraction_never_undoes_the_deposit(
        demo: Container, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("extraction bug")

    monkeypatch.setattr(measuring, "add_measures", broken)
    space = cisis_patient(demo)
    document = send(demo, space, lab_report())
    with demo.factory() as session:
        assert session.get(Document, document.id) is not None
        assert session.scalars(select(Measure).where(Measure.patient_id == space)).all() == []
