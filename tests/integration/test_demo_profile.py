"""The served demo fills the profils médicaux through the use cases, once: entries for
Camille, Jeanne and Léa, and months of measures, the same numbers at every load."""

from __future__ import annotations

from datetime import timedelta
from itertools import pairwise

from sqlalchemy import func, select

from espace_sante import demo as demo_data
from espace_sante.bootstrap import Container
from espace_sante.core import audit
from espace_sante.core.actors import Actor
from espace_sante.profile import service as profile
from espace_sante.profile.codes import MeasureKind, Section, SourceKind
from espace_sante.profile.models import Measure, ProfileItem
from tests.dossier_support import person, space_of
from tests.helpers import CAMILLE, JEANNE, THOMAS

K, S = MeasureKind, Section


def counts(c: Container, actor: Actor, space: str) -> dict[K, int]:
    return {k: n for k in K
            if (n := profile.measure_history(c, actor, space, k, count=1).total)}


def sizes(c: Container) -> tuple[int, int]:
    with c.factory() as session:
        return (int(session.scalar(select(func.count()).select_from(ProfileItem)) or 0),
                int(session.scalar(select(func.count()).select_from(Measure)) or 0))


def test_the_demo_profiles_load_once_with_months_of_measures(demo: Container) -> None:
    demo_data.load(demo, profile=True)
    loaded = sizes(demo)
    demo_data.load(demo, profile=True)
    assert sizes(demo) == loaded

    camille, space = person(demo), space_of(demo, CAMILLE)
    assert {s.section: s.entries for s in profile.list_sections(demo, camille, space)
            if s.entries} == {S.ALLERGIES: 1, S.TREATMENTS: 1, S.BLOOD_GROUP: 1,
                              S.TRUSTED_PERSON: 1, S.HEALTH_PROFESSIONALS: 1}
    assert counts(demo, camille, space) == {K.WEIGHT: 26, K.HEIGHT: 1, K.BMI: 26}
    weights = profile.measure_series(demo, camille, space, K.WEIGHT).points
    assert 67 < weights[0].value < 70 and 64 < weights[-1].value < 66.5
    assert weights[1].at - weights[0].at == timedelta(weeks=1)


def test_jeanne_is_followed_for_her_pressure_and_her_diabetes(demo: Container) -> None:
    demo_data.load(demo, profile=True)
    jeanne, space = person(demo, JEANNE), space_of(demo, JEANNE)
    assert counts(demo, jeanne, space) == {K.BLOOD_PRESSURE: 78, K.GLYCAEMIA: 52, K.HBA1C: 6}
    assert profile.get_settings(demo, jeanne, space).hba1c_target == 7.0
    [contact] = profile.list_items(demo, jeanne, space, S.EMERGENCY_CONTACTS)
    assert contact.data["name"] == "Camille Martin"
    assert len(profile.list_items(demo, jeanne, space, S.TREATMENTS)) == 3
    [directives] = profile.list_items(demo, jeanne, space, S.ADVANCE_DIRECTIVES)
    assert "acharnement" in str(directives.data["text"])
    glucose = profile.measure_history(demo, jeanne, space, K.GLYCAEMIA).measures[0]
    assert glucose.original_unit == "g/L" and glucose.unit == "mg/dL"
    assert glucose.recorded_by == person(demo, CAMILLE).subject_id  # her caregiver typed it
    pressures = profile.measure_series(demo, jeanne, space, K.BLOOD_PRESSURE).points
    assert all(p.value2 is not None and p.value > p.value2 for p in pressures)
    [hba1c] = [m for m in profile.latest_measures(demo, jeanne, space) if m.type is K.HBA1C]
    assert hba1c.source is SourceKind.PROFESSIONAL and 6.5 < hba1c.value < 7.3


def test_lea_has_her_vaccinations_and_her_growth_since_birth(demo: Container) -> None:
    demo_data.load(demo, profile=True)
    thomas, space = person(demo, THOMAS), space_of(demo, THOMAS)
    lea = next(pid for pid in thomas.reachable_patient_ids if pid != space)
    vaccinations = profile.list_items(demo, thomas, lea, S.VACCINATIONS)
    assert len(vaccinations) == 11
    assert min(str(v.data["date"]) for v in vaccinations) == "2019-11-08"  # at 2 months
    assert counts(demo, thomas, lea) == {K.WEIGHT: 16, K.HEIGHT: 16, K.BMI: 16,
                                         K.HEAD_CIRCUMFERENCE: 12}
    weights = profile.measure_series(demo, thomas, lea, K.WEIGHT).points
    heights = profile.measure_series(demo, thomas, lea, K.HEIGHT).points
    assert 3.0 < weights[0].value < 3.5 and 47 < heights[0].value < 52  # at birth
    assert 21 < weights[-1].value < 24 and 118 < heights[-1].value < 124  # at 7
    assert all(a.value < b.value for a, b in pairwise(heights))


def test_the_demo_profiles_are_written_through_the_use_cases(demo: Container) -> None:
    demo_data.load(demo, profile=True)
    with demo.factory() as session:
        writes = session.scalar(select(func.count()).select_from(audit.AuditEvent).where(
            audit.AuditEvent.action == "create",
            audit.AuditEvent.resource_kind.in_(("profile", "measure"))))
    assert writes == sizes(demo)[0] + 5  # one per entry, one per import of measures
