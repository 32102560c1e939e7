"""The profile's use cases on a real database (SQLite, and PostgreSQL in the second run):
entries of the sections, measures with conversion, plausibility and the computed BMI,
history and charts, settings, who may do what, links to documents, audit and purge."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from espace_sante.accounts import closure
from espace_sante.bootstrap import Container
from espace_sante.core import audit
from espace_sante.core.actors import Actor
from espace_sante.core.errors import Conflict, InvalidInput, NotFound
from espace_sante.dossier import service as dossier
from espace_sante.profile import service as profile
from espace_sante.profile.codes import MeasureKind, Section, SourceKind, Status
from espace_sante.profile.models import Measure, ProfileItem
from espace_sante.profile.views import (
    ItemChanges,
    ItemInput,
    MeasureInput,
    MeasureRange,
    NewMeasure,
    SettingsChanges,
)
from tests.dossier_support import deposit, person, professional, space_of
from tests.helpers import CAMILLE, DR_DURAND, DR_LEFEVRE, JEANNE, PHARMACIST, THOMAS
from tests.profile_support import app, at, lab

K = MeasureKind
ALLERGY = ItemInput(Section.ALLERGIES, {"substance": "Pénicilline", "severity": "severe"})


def measure(c: Container, actor: Actor, space: str, kind: MeasureKind, value: float,
            day: str = "2026-11-20", unit: str | None = None,
            source: SourceKind | None = None) -> float:
    m = MeasureInput(kind, value, at(day), unit, source=source)
    return profile.add_measure(c, actor, space, m).value


def values(c: Container, actor: Actor, space: str, kind: MeasureKind) -> list[float]:
    return [p.value for p in profile.measure_series(c, actor, space, kind).points]


def stored(c: Container) -> tuple[int, int]:
    with c.factory() as session:
        return (int(session.scalar(select(func.count()).select_from(ProfileItem)) or 0),
                int(session.scalar(select(func.count()).select_from(Measure)) or 0))


def events(c: Container, space: str) -> list[tuple[str, str, str]]:
    with c.factory() as session:
        rows = session.execute(
            select(audit.AuditEvent.action, audit.AuditEvent.resource_kind,
                   audit.AuditEvent.outcome).where(audit.AuditEvent.chain == space))
        return [(action, kind, outcome) for action, kind, outcome in rows]


# -- entries ------------------------------------------------------------------------------------


def test_a_patient_fills_in_his_profile(demo: Container) -> None:
    camille, space = person(demo), space_of(demo, CAMILLE)
    allergy = profile.add_item(demo, camille, space, ALLERGY)
    assert (allergy.source, allergy.status, allergy.data["severity"]) == (
        SourceKind.PATIENT, Status.ACTIVE, "severe")
    profile.add_item(demo, camille, space, ItemInput(
        Section.VACCINATIONS, {"vaccine": "DTP", "date": "2021-04-02", "dose_number": 3,
                               "status": "mandatory"}, "J07CA01", "http://www.whocc.no/atc"))
    counts = {s.section: s.entries for s in profile.list_sections(demo, camille, space)}
    assert counts[Section.ALLERGIES] == counts[Section.VACCINATIONS] == 1
    assert counts[Section.BLOOD_GROUP] == 0 and len(counts) == len(Section)
    [vaccination] = profile.list_items(demo, camille, space, Section.VACCINATIONS)
    assert vaccination.effective_date == date(2021, 4, 2)
    assert vaccination.data["date"] == date(2021, 4, 2)
    assert profile.get_item(demo, camille, space, allergy.id) == allergy
    assert ("create", "profile", "success") in events(demo, space)
    assert ("search", "profile", "success") in events(demo, space)


def test_a_one_value_section_is_changed_not_added_to(demo: Container) -> None:
    camille, space = person(demo), space_of(demo, CAMILLE)
    group = profile.add_item(demo, camille, space, ItemInput(
        Section.BLOOD_GROUP, {"abo": "A", "rhesus": "positive"}))
    with pytest.raises(Conflict):
        profile.add_item(demo, camille, space, ItemInput(
            Section.BLOOD_GROUP, {"abo": "O", "rhesus": "negative"}))
    changed = profile.update_item(demo, camille, space, group.id,
                                  ItemChanges({"rhesus": "negative"}))
    assert changed.data == {"abo": "A", "rhesus": "negative"}


def test_changes_merge_clear_and_are_checked(demo: Container) -> None:
    camille, space = person(demo), space_of(demo, CAMILLE)
    disease = profile.add_item(demo, camille, space, ItemInput(
        Section.DISEASES, {"condition": "Asthme", "since": "2001-09-01"}, "J45",
        "http://hl7.org/fhir/sid/icd-10"))
    changed = profile.update_item(demo, camille, space, disease.id, ItemChanges(
        {"since": None, "resolved": True}, code="", code_system=""))
    assert changed.data == {"condition": "Asthme", "resolved": True}
    assert (changed.code, changed.effective_date) == (None, None)
    with pytest.raises(InvalidInput, match="ce champ est requis"):
        profile.update_item(demo, camille, space, disease.id, ItemChanges({"condition": None}))
    with pytest.raises(InvalidInput, match="ne prend pas de code"):
        profile.add_item(demo, camille, space, ItemInput(
            Section.TRUSTED_PERSON, {"name": "Paul", "phone": "0612345678"}, "x",
            "http://snomed.info/sct"))
    assert profile.get_item(demo, camille, space, disease.id).data["resolved"] is True


def test_deletion_keeps_the_history_for_the_holder(demo: Container) -> None:
    jeanne, space = person(demo, JEANNE), space_of(demo, JEANNE)
    item = profile.add_item(demo, jeanne, space, ALLERGY)
    profile.delete_item(demo, jeanne, space, item.id)
    assert profile.list_items(demo, jeanne, space, Section.ALLERGIES) == []
    [old] = profile.list_items(demo, jeanne, space, Section.ALLERGIES, history=True)
    assert old.status is Status.DELETED and old.deleted_at == demo.clock.now()
    durand = professional(demo, DR_DURAND)
    assert profile.list_items(demo, durand, space, history=True) == []
    with pytest.raises(NotFound):
        profile.get_item(demo, durand, space, item.id)
    with pytest.raises(NotFound):
        profile.update_item(demo, jeanne, space, item.id, ItemChanges({"reaction": "x"}))
    assert stored(demo)[0] == 1


def test_each_actor_does_what_the_policy_says(demo: Container) -> None:
    """Jeanne's space: Camille her caregiver, Dr Durand her médecin traitant, Dr Lefèvre
    authorised, the pharmacist unrelated."""
    space = space_of(demo, JEANNE)
    camille, durand = person(demo, CAMILLE), professional(demo, DR_DURAND)
    lefevre, pharmacist = professional(demo, DR_LEFEVRE), professional(demo, PHARMACIST)
    mine = profile.add_item(demo, camille, space, ALLERGY)  # caregivers add and edit
    profile.update_item(demo, camille, space, mine.id, ItemChanges({"reaction": "œdème"}))
    with pytest.raises(NotFound):  # caregivers cannot delete data
        profile.delete_item(demo, camille, space, mine.id)
    by_doctor = profile.add_item(demo, durand, space, ItemInput(
        Section.DISEASES, {"condition": "Hypertension artérielle"}))
    assert by_doctor.source is SourceKind.PROFESSIONAL
    assert by_doctor.recorded_by == f"rpps:{DR_DURAND}"
    assert {i.id for i in profile.list_items(demo, lefevre, space)} == {mine.id, by_doctor.id}
    with pytest.raises(NotFound):  # professionals add, they do not rewrite
        profile.update_item(demo, durand, space, mine.id, ItemChanges({"reaction": "x"}))
    with pytest.raises(NotFound):  # a professional deletes only what he wrote
        profile.delete_item(demo, lefevre, space, by_doctor.id)
    profile.delete_item(demo, durand, space, by_doctor.id)
    for call in (lambda: profile.list_items(demo, pharmacist, space),
                 lambda: profile.get_item(demo, pharmacist, space, mine.id),
                 lambda: profile.list_sections(demo, lab(), space)):
        with pytest.raises(NotFound):
            call()


def test_a_legal_representative_keeps_a_childs_profile(demo: Container) -> None:
    thomas = person(demo, THOMAS)
    [lea] = [pid for pid, b in thomas.grants.items() if b.value == "legal_representation"]
    item = profile.add_item(demo, thomas, lea, ItemInput(
        Section.VACCINATIONS, {"vaccine": "ROR", "date": "2025-06-01"}))
    measure(demo, thomas, lea, K.HEAD_CIRCUMFERENCE, 44.5)
    profile.delete_item(demo, thomas, lea, item.id)
    assert profile.latest_measures(demo, thomas, lea)[0].value == 44.5


def test_another_patients_profile_answers_not_found_and_is_audited(demo: Container) -> None:
    jeanne_space = space_of(demo, JEANNE)
    item = profile.add_item(demo, person(demo, JEANNE), jeanne_space, ALLERGY)
    thomas = person(demo, THOMAS)
    for call in (
        lambda: profile.get_item(demo, thomas, jeanne_space, item.id),
        lambda: profile.get_item(demo, thomas, space_of(demo, THOMAS), item.id),
        lambda: profile.list_items(demo, thomas, jeanne_space),
        lambda: profile.add_item(demo, thomas, jeanne_space, ALLERGY),
        lambda: profile.latest_measures(demo, thomas, jeanne_space),
        lambda: measure(demo, thomas, jeanne_space, K.WEIGHT, 70),
    ):
        with pytest.raises(NotFound):
            call()
    assert ("read", "profile", "denied") in events(demo, jeanne_space)
    assert ("create", "measure", "denied") in events(demo, jeanne_space)
    assert stored(demo) == (1, 0)


# -- measures -------------------------------------------------------------------------------------


def test_the_bmi_follows_weights_and_heights(demo: Container) -> None:
    camille, space = person(demo), space_of(demo, CAMILLE)
    measure(demo, camille, space, K.WEIGHT, 70, "2026-01-10")
    assert values(demo, camille, space, K.BMI) == []  # no height yet
    measure(demo, camille, space, K.HEIGHT, 1.75, "2026-01-11", "m")
    assert values(demo, camille, space, K.BMI) == [22.9]  # at the height's instant
    measure(demo, camille, space, K.WEIGHT, 80, "2026-03-01")
    assert values(demo, camille, space, K.BMI) == [22.9, 26.1]
    measure(demo, camille, space, K.HEIGHT, 180, "2026-02-01")  # between: later BMIs change
    assert values(demo, camille, space, K.BMI) == [22.9, 21.6, 24.7]
    [late_weight] = profile.measure_history(demo, camille, space, K.WEIGHT, count=1).measures
    profile.delete_measure(demo, camille, space, late_weight.id)
    assert values(demo, camille, space, K.BMI) == [22.9, 21.6]
    [bmi] = profile.measure_history(demo, camille, space, K.BMI, count=1).measures
    assert (bmi.source, bmi.unit) == (SourceKind.COMPUTED, "kg/m2")
    with pytest.raises(InvalidInput, match="IMC est calculé"):
        profile.delete_measure(demo, camille, space, bmi.id)
    with pytest.raises(InvalidInput, match="ne se saisit pas"):
        measure(demo, camille, space, K.BMI, 22)


def test_values_are_converted_and_the_typed_one_kept(demo: Container) -> None:
    camille, space = person(demo), space_of(demo, CAMILLE)
    view = profile.add_measure(demo, camille, space, MeasureInput(
        K.GLYCAEMIA, 1.05, at("2026-11-21"), "g/L"))
    assert (view.value, view.unit, view.original_value, view.original_unit) == (
        105.0, "mg/dL", 1.05, "g/L")
    assert profile.get_measure(demo, camille, space, view.id) == view
    with pytest.raises(NotFound):  # an address naming another type
        profile.get_measure(demo, camille, space, view.id, K.WEIGHT)


@pytest.mark.parametrize(("kind", "value", "unit", "day", "message"), [
    (K.WEIGHT, 700, "kg", "2026-11-20", "Poids de 700 kg"),
    (K.HEIGHT, 180, "mm", "2026-11-20", "Taille de 180 mm (soit 18 cm)"),
    (K.TEMPERATURE, 60, "Cel", "2026-11-20", "Température de 60 °C"),
    (K.WEIGHT, 70, "kg", "2026-11-23", "dans le futur"),
])
def test_implausible_measures_store_nothing(demo: Container, kind: MeasureKind, value: float,
                                            unit: str, day: str, message: str) -> None:
    camille, space = person(demo), space_of(demo, CAMILLE)
    with pytest.raises(InvalidInput, match=message.replace("(", r"\(").replace(")", r"\)")):
        measure(demo, camille, space, kind, value, day, unit)
    assert stored(demo) == (0, 0)


def test_a_blood_pressure_is_one_measure_of_two_values(demo: Container) -> None:
    camille, space = person(demo), space_of(demo, CAMILLE)
    view = profile.add_blood_pressure(demo, camille, space, 128, 82, at("2026-11-21"))
    assert (view.type, view.value, view.value2, view.unit) == (
        K.BLOOD_PRESSURE, 128, 82, "mm[Hg]")
    with pytest.raises(InvalidInput, match="inversées"):
        profile.add_blood_pressure(demo, camille, space, 82, 128, at("2026-11-21"))
    [point] = profile.measure_series(demo, camille, space, K.BLOOD_PRESSURE).points
    assert (point.value, point.value2) == (128, 82)


def test_history_pages_newest_first_within_a_period(demo: Container) -> None:
    camille, space = person(demo), space_of(demo, CAMILLE)
    for day in range(1, 11):
        measure(demo, camille, space, K.HEART_RATE, 60 + day, f"2026-10-{day:02d}")
    page = profile.measure_history(demo, camille, space, K.HEART_RATE, count=3, offset=1)
    assert page.total == 10 and [m.value for m in page.measures] == [69, 68, 67]
    period = MeasureRange(date(2026, 10, 3), date(2026, 10, 5))
    page = profile.measure_history(demo, camille, space, K.HEART_RATE, period)
    assert [m.value for m in page.measures] == [65, 64, 63]
    series = profile.measure_series(demo, camille, space, K.HEART_RATE, bound=4)
    assert [p.value for p in series.points] == [67, 68, 69, 70] and series.truncated
    assert not profile.measure_series(demo, camille, space, K.HEART_RATE, period).truncated
    with pytest.raises(InvalidInput):
        profile.measure_history(demo, camille, space, K.HEART_RATE, count=500)
    with pytest.raises(InvalidInput):
        profile.measure_series(demo, camille, space, K.HEART_RATE,
                               MeasureRange(date(2026, 10, 5), date(2026, 10, 3)))


def test_the_summary_has_the_latest_of_each_type(demo: Container) -> None:
    camille, space = person(demo), space_of(demo, CAMILLE)
    measure(demo, camille, space, K.WEIGHT, 70, "2026-11-01")
    measure(demo, camille, space, K.WEIGHT, 71, "2026-11-10")
    measure(demo, camille, space, K.WEIGHT, 69, "2026-10-01")  # typed late, older
    measure(demo, camille, space, K.STEPS, 8500, "2026-11-20")
    latest = {m.type: m.value for m in profile.latest_measures(demo, camille, space)}
    assert latest == {K.WEIGHT: 71, K.STEPS: 8500}


def test_an_import_is_all_or_nothing(demo: Container) -> None:
    space = space_of(demo, CAMILLE)
    good = NewMeasure(space, MeasureInput(K.HBA1C, 6.8, at("2026-11-02")), "entry[0]")
    bad = NewMeasure(space, MeasureInput(K.HBA1C, 68, at("2026-11-03")), "entry[1]")
    with pytest.raises(InvalidInput, match=r"^entry\[1\] : "):
        profile.add_measures(demo, lab(), [good, bad])
    assert stored(demo) == (0, 0)
    [view] = profile.add_measures(demo, lab(), [good])
    assert (view.source, view.recorded_by) == (SourceKind.IMPORT, "client:labo-demoville")
    typed_bmi = NewMeasure(space, MeasureInput(K.BMI, 22, at("2026-11-03")), "entry[7]")
    for _ in range(2):  # each refusal names its own entry, once
        with pytest.raises(InvalidInput, match=r"^entry\[7\] : L'IMC se calcule"):
            profile.add_measures(demo, lab(), [typed_bmi])


def test_senders_see_their_own_and_say_where_values_come_from(demo: Container) -> None:
    space, camille = space_of(demo, CAMILLE), person(demo)
    measure(demo, camille, space, K.WEIGHT, 70)
    scale = app(space)
    by_device = profile.add_measure(demo, scale, space, MeasureInput(
        K.WEIGHT, 70.4, at("2026-11-21"), source=SourceKind.DEVICE, source_ref="scale-42"))
    assert by_device.source is SourceKind.DEVICE
    with pytest.raises(InvalidInput, match="non admise"):  # the patient's typing is his
        measure(demo, camille, space, K.WEIGHT, 70, source=SourceKind.DEVICE)
    assert values(demo, scale, space, K.WEIGHT) == [70, 70.4]  # an app with consent reads
    measure(demo, lab(), space, K.GLYCAEMIA, 95)
    assert [m.type for m in profile.latest_measures(demo, lab(), space)] == [K.GLYCAEMIA]
    with pytest.raises(NotFound):  # no Observation scope
        measure(demo, app(space, "patient/DocumentReference.crs"), space, K.WEIGHT, 70)
    with pytest.raises(NotFound):  # an institution deletes only what it sent
        profile.delete_measure(demo, lab(), space, by_device.id)


def test_an_institution_reaches_no_closed_space(demo: Container) -> None:
    camille, space = person(demo), space_of(demo, CAMILLE)
    closure.close_space(demo.uow, camille, space)
    with pytest.raises(NotFound):
        measure(demo, lab(), space, K.GLYCAEMIA, 95)


def test_extracted_values_name_a_visible_document_unless_the_patient_opted_out(
        demo: Container) -> None:
    space, camille = space_of(demo, CAMILLE), person(demo)
    report = deposit(demo, lab(), space, title="Bilan sanguin", type_code="11502-2")
    extracted = MeasureInput(K.HBA1C, 7.1, at("2026-11-18"), source=SourceKind.DOCUMENT,
                             source_document_id=report.id)
    view = profile.add_measure(demo, lab(), space, extracted)
    assert view.source_document_id == report.id
    theirs = deposit(demo, professional(demo), space, title="CR")  # not the lab's own
    with pytest.raises(NotFound):
        profile.add_measure(demo, lab(), space, MeasureInput(
            K.HBA1C, 7.1, at("2026-11-18"), source=SourceKind.DOCUMENT,
            source_document_id=theirs.id))
    with pytest.raises(InvalidInput, match="nommer ce document"):
        profile.add_measure(demo, lab(), space, MeasureInput(
            K.HBA1C, 7.1, at("2026-11-18"), source=SourceKind.DOCUMENT))
    profile.update_settings(demo, camille, space, SettingsChanges(extraction_opt_out=True))
    with pytest.raises(InvalidInput, match="refusé que des valeurs soient extraites"):
        profile.add_measure(demo, lab(), space, extracted)


# -- settings, links, purge ------------------------------------------------------------------------


def test_settings_hold_the_hba1c_target(demo: Container) -> None:
    jeanne, space = person(demo, JEANNE), space_of(demo, JEANNE)
    assert profile.get_settings(demo, jeanne, space).hba1c_target is None
    changed = profile.update_settings(demo, person(demo, CAMILLE), space,
                                      SettingsChanges(hba1c_target=7.04))
    assert (changed.hba1c_target, changed.extraction_opt_out) == (7.0, False)
    with pytest.raises(InvalidInput, match="entre 5 et 10 %"):
        profile.update_settings(demo, jeanne, space, SettingsChanges(hba1c_target=12))
    with pytest.raises(NotFound):  # professionals read the profile, not change its settings
        profile.update_settings(demo, professional(demo), space, SettingsChanges(
            extraction_opt_out=True))
    cleared = profile.update_settings(demo, jeanne, space,
                                      SettingsChanges(clear_hba1c_target=True))
    assert cleared.hba1c_target is None
    assert profile.get_settings(demo, professional(demo), space).updated_at == demo.clock.now()


def test_entries_link_to_documents_the_reader_sees(demo: Container) -> None:
    camille, space = person(demo), space_of(demo, CAMILLE)
    report = deposit(demo, camille, space, title="CR d'hospitalisation", type_code="DOCPAT")
    stay = ItemInput(Section.HOSPITALISATIONS, {"place": "CHU", "start": "2025-02-03"},
                     document_ids=(report.id,))
    item = profile.add_item(demo, camille, space, stay)
    assert item.documents == (report.id,)
    target = f"hospitalisations:{item.id}"
    assert dossier.get_document(demo, camille, space, report.id).links == (target,)
    directives = profile.add_item(demo, camille, space, ItemInput(
        Section.ADVANCE_DIRECTIVES, {}, document_ids=(report.id,)))  # a scan is enough
    assert directives.data == {}
    unlinked = profile.link_document(demo, camille, space, item.id, report.id,
                                     linked=False)
    assert unlinked.documents == ()
    with pytest.raises(NotFound):
        profile.link_document(demo, camille, space, item.id, "no-such-document")
    assert [i.documents for i in profile.list_items(demo, camille, space)] == [
        (), (report.id,)]


def test_pages_offer_only_what_the_policy_allows(demo: Container) -> None:
    space = space_of(demo, JEANNE)
    expected = {  # add, edit, delete entries, export, add and delete measures
        "holder": (person(demo, JEANNE), (True, True, True, True, True, True)),
        "caregiver": (person(demo, CAMILLE), (True, True, False, False, True, False)),
        "médecin traitant": (professional(demo), (True, False, False, False, True, False)),
        "unrelated": (professional(demo, PHARMACIST), (False,) * 6),
    }
    for who, (actor, flags) in expected.items():
        o = profile.offered(actor, space)
        assert (o.add_items, o.edit_items, o.delete_items, o.export, o.add_measures,
                o.delete_measures) == flags, who


def test_the_purge_removes_the_profile_and_the_trail_stays_whole(demo: Container) -> None:
    camille, space = person(demo), space_of(demo, CAMILLE)
    profile.add_item(demo, camille, space, ALLERGY)
    measure(demo, camille, space, K.WEIGHT, 70)
    profile.update_settings(demo, camille, space, SettingsChanges(hba1c_target=7))
    demo.clock.advance(timedelta(seconds=1))  # type: ignore[attr-defined]
    with demo.uow(camille) as uow:
        for purger in closure.SPACE_PURGERS:
            purger(uow.session, space)
        uow.commit()
    assert stored(demo) == (0, 0)
    assert profile.get_settings(demo, camille, space).hba1c_target is None
    with demo.factory() as session:
        assert audit.verify(session)[1] is None
