"""The demo people's profils médicaux, for the served demo (``espace-sante demo``).

- Camille (41): an allergy to penicillin, her blood-pressure treatment, her blood group,
  her trusted person and her médecin traitant; her weight every week for six months.
- Jeanne (85): hypertension and type 2 diabetes with their treatments, an HbA1c target of
  7 %, Camille as emergency contact, her advance directives; her blood pressure three
  times a week, her fasting glycaemia twice a week (typed by Camille, her caregiver, in
  g/L), an HbA1c every quarter (recorded by Dr Durand).
- Léa (7): the vaccinations of the infant calendar (typed by her father from her carnet
  de santé), and her growth since birth measured by Dr Durand at the mandatory check-ups:
  the WHO girls' medians (Child Growth Standards 0-5 years, Growth Reference 5-19 years)
  with a little noise.

Everything goes through the profile's use cases (checked, audited, with its source and
author) and counts back from today, so the charts are always current; values come from a
seeded generator, so two loads give the same numbers. A space whose profile already holds
something is left alone: loading twice changes nothing, nor does it touch what someone
typed by hand.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import exists, or_, select

from espace_sante.accounts.dates import PARIS, paris_today
from espace_sante.bootstrap import Container
from espace_sante.core.actors import Actor
from espace_sante.profile import service as profile
from espace_sante.profile.codes import MeasureKind, Section
from espace_sante.profile.models import Measure, ProfileItem
from espace_sante.profile.views import ItemInput, MeasureInput, NewMeasure, SettingsChanges

K, S = MeasureKind, Section
SEED = "espace-sante-demo-profile"
SNOMED = "http://snomed.info/sct"
ICD10 = "http://hl7.org/fhir/sid/icd-10"
ATC = "http://www.whocc.no/atc"
WEEKS = 26  # six months of measures


@dataclass(frozen=True)
class Cast:
    """Who is who in the demo: the spaces by first name, and the people who write."""

    spaces: dict[str, str]
    camille: Actor
    thomas: Actor
    jeanne: Actor
    durand: Actor  # médecin traitant of everyone
    lea_birth: date


def load(c: Container, cast: Cast) -> None:
    fills: dict[str, Callable[[Container, Cast, random.Random], None]] = {
        "Camille": _camille, "Jeanne": _jeanne, "Léa": _lea}
    for name, fill in fills.items():
        if _empty(c, cast.spaces[name]):
            fill(c, cast, random.Random(f"{SEED}:{name}"))  # noqa: S311 - demo values


def _empty(c: Container, patient_id: str) -> bool:
    """Read directly, not through a use case: the demo's own check, not an access."""
    with c.factory() as session:
        return not session.scalar(select(or_(
            exists().where(ProfileItem.patient_id == patient_id),
            exists().where(Measure.patient_id == patient_id))))


# -- Camille ---------------------------------------------------------------------------------


def _camille(c: Container, cast: Cast, rng: random.Random) -> None:
    space, me = cast.spaces["Camille"], cast.camille
    _items(c, me, space, [
        ItemInput(S.ALLERGIES, {"substance": "Pénicilline", "reaction": "Urticaire généralisée",
                                "severity": "moderate", "since": "2003-06-15"},
                  "91936005", SNOMED),
        ItemInput(S.TREATMENTS, {"medicine": "Amlodipine 5 mg", "dose": "1 comprimé le matin",
                                 "since": "2025-09-01"}, "C08CA01", ATC),
        ItemInput(S.BLOOD_GROUP, {"abo": "A", "rhesus": "positive"}),
        ItemInput(S.TRUSTED_PERSON, {"name": "Julien Martin", "phone": "+33639980012",
                                     "relationship": "conjoint"}),
        ItemInput(S.HEALTH_PROFESSIONALS, {"role": "medecin_traitant", "name": "Dr Alain Durand",
                                           "rpps": "10001234567", "phone": "+33199001234"}),
    ])
    first = _at(c, days_ago=7 * WEEKS, hour=8)
    measures = [MeasureInput(K.HEIGHT, 166, first)]
    for week in range(WEEKS):  # a slow, steady loss: 68.5 kg down to about 65 kg
        trend = 68.5 - 3.4 * week / (WEEKS - 1)
        measures.append(MeasureInput(K.WEIGHT, round(trend + rng.gauss(0, 0.3), 1),
                                     first + timedelta(weeks=week)))
    _measures(c, me, space, measures)


# -- Jeanne ----------------------------------------------------------------------------------


JEANNE_DIRECTIVES = (
    "Si je ne suis plus en état d'exprimer ma volonté, je ne souhaite pas d'acharnement "
    "thérapeutique : ni réanimation cardio-respiratoire, ni intubation, ni dialyse en cas "
    "de maladie grave et incurable.\n"
    "Je demande à être soulagée de la douleur, même si cela doit abréger ma vie, et à finir "
    "mes jours chez moi si c'est possible.\n"
    "Mes proches, et Camille Martin qui m'aide au quotidien, connaissent ces volontés.")


def _jeanne(c: Container, cast: Cast, rng: random.Random) -> None:
    space = cast.spaces["Jeanne"]
    _items(c, cast.jeanne, space, [
        ItemInput(S.DISEASES, {"condition": "Hypertension artérielle", "since": "2005-03-01"},
                  "I10", ICD10),
        ItemInput(S.DISEASES, {"condition": "Diabète de type 2", "since": "2012-05-01"},
                  "E11", ICD10),
        ItemInput(S.ALLERGIES, {"substance": "Pénicilline", "reaction": "Œdème de Quincke",
                                "severity": "severe", "since": "1975-01-01"},
                  "91936005", SNOMED),
        ItemInput(S.TREATMENTS, {"medicine": "Metformine 1000 mg",
                                 "dose": "1 comprimé matin et soir", "since": "2012-05-15"},
                  "A10BA02", ATC),
        ItemInput(S.TREATMENTS, {"medicine": "Ramipril 5 mg", "dose": "1 comprimé le matin",
                                 "since": "2005-03-15"}, "C09AA05", ATC),
        ItemInput(S.TREATMENTS, {"medicine": "Atorvastatine 20 mg", "dose": "1 comprimé le soir",
                                 "since": "2014-10-01"}, "C10AA05", ATC),
        ItemInput(S.EMERGENCY_CONTACTS, {"name": "Camille Martin", "phone": "+33639980056",
                                         "relationship": "voisine, proche aidante"}),
        ItemInput(S.ADVANCE_DIRECTIVES, {"text": JEANNE_DIRECTIVES, "written_on": "2024-03-12"}),
        ItemInput(S.HEALTH_PROFESSIONALS, {"role": "medecin_traitant", "name": "Dr Alain Durand",
                                           "rpps": "10001234567"}),
        ItemInput(S.HEALTH_PROFESSIONALS, {"role": "other",
                                           "name": "Dr Sophie Lefèvre (cardiologue)",
                                           "rpps": "10002345678"}),
    ])
    profile.update_settings(c, cast.jeanne, space, SettingsChanges(hba1c_target=7.0))
    _measures(c, cast.jeanne, space, list(_pressures(c, rng)))
    _measures(c, cast.camille, space, list(_glycaemias(c, rng)))
    _measures(c, cast.durand, space, list(_hba1cs(c, rng)))


def _pressures(c: Container, rng: random.Random) -> Iterator[MeasureInput]:
    """Monday, Wednesday and Friday mornings: treated hypertension, about 138/78."""
    for day in _days(c, WEEKS * 7, weekdays=(0, 2, 4)):
        systolic = round(rng.gauss(138, 8))
        diastolic = min(round(rng.gauss(78, 6)), systolic - 30)
        yield MeasureInput(K.BLOOD_PRESSURE, systolic, _on(day, 7, 30), "mm[Hg]", diastolic)


def _glycaemias(c: Container, rng: random.Random) -> Iterator[MeasureInput]:
    """Tuesday and Saturday, fasting, typed in g/L as French meters show it."""
    for day in _days(c, WEEKS * 7, weekdays=(1, 5)):
        value = round(max(0.8, rng.gauss(1.32, 0.16)), 2)
        yield MeasureInput(K.GLYCAEMIA, value, _on(day, 7, 45), "g/L")


def _hba1cs(c: Container, rng: random.Random) -> Iterator[MeasureInput]:
    """Every quarter for eighteen months, slowly nearing the 7 % target."""
    for n, base in enumerate((7.8, 7.6, 7.4, 7.2, 7.1, 6.9)):
        day = paris_today(c.clock.now()) - timedelta(days=91 * (5 - n) + 10)
        yield MeasureInput(K.HBA1C, round(base + rng.gauss(0, 0.1), 1), _on(day, 9, 0))


# -- Léa -------------------------------------------------------------------------------------


# (vaccine, ATC code, age in months, dose number, status): the 2019 calendar, when the
# eleven vaccines became mandatory for children born since 2018, then the booster at 6.
HEXA, PNEUMO = ("DTCaP-Hib-HepB (Hexyon)", "J07CA09"), ("Pneumocoque (Prevenar 13)", "J07AL02")
MENC, ROR = ("Méningocoque C (Neisvac)", "J07AH07"), ("ROR (Priorix)", "J07BD52")
LEA_VACCINES = (
    (*HEXA, 2, 1, "mandatory"), (*PNEUMO, 2, 1, "mandatory"),
    (*HEXA, 4, 2, "mandatory"), (*PNEUMO, 4, 2, "mandatory"),
    (*MENC, 5, 1, "mandatory"),
    (*HEXA, 11, 3, "mandatory"), (*PNEUMO, 11, 3, "mandatory"),
    (*ROR, 12, 1, "mandatory"), (*MENC, 12, 2, "mandatory"),
    (*ROR, 16, 2, "mandatory"),
    ("DTCaP (Tetravac)", "J07CA02", 72, 4, "recommended"),
)
# WHO girls' medians by age in months: weight (kg), length or height (cm), head
# circumference (cm, charted to 5 years; measured here until 3).
WHO_GIRLS = {
    0: (3.2, 49.1, 33.9), 1: (4.2, 53.7, 36.5), 2: (5.1, 57.1, 38.3), 3: (5.8, 59.8, 39.5),
    4: (6.4, 62.1, 40.6), 5: (6.9, 64.0, 41.5), 6: (7.3, 65.7, 42.2), 9: (8.2, 70.1, 43.8),
    12: (8.9, 74.0, 44.9), 16: (9.8, 78.6, 45.9), 24: (11.5, 85.7, 47.2),
    36: (13.9, 95.1, 48.4), 48: (16.1, 102.7, 49.3), 60: (18.2, 109.4, 49.9),
    72: (20.2, 115.1, 0.0), 84: (22.4, 120.8, 0.0),
}
HEAD_UNTIL = 36


def _lea(c: Container, cast: Cast, rng: random.Random) -> None:
    space, birth, yesterday = cast.spaces["Léa"], cast.lea_birth, _yesterday(c)
    _items(c, cast.thomas, space, [
        ItemInput(S.VACCINATIONS, {"vaccine": name, "date": _months_after(birth, age),
                                   "dose_number": dose, "status": status}, atc, ATC)
        for name, atc, age, dose, status in LEA_VACCINES
        if _months_after(birth, age) <= yesterday])
    _measures(c, cast.durand, space, list(_growth(birth, yesterday, rng)))


def _growth(birth: date, until: date, rng: random.Random) -> Iterator[MeasureInput]:
    """A child a little above the median (her own offset) with the noise of each visit;
    a height or head circumference never shrinks."""
    offset, height, head = rng.gauss(0.02, 0.01), 0.0, 0.0
    for months, (weight, median_height, median_head) in WHO_GIRLS.items():
        day = _months_after(birth, months)
        if day > until:
            return
        at = _on(day, 10, 0)
        yield MeasureInput(K.WEIGHT, round(weight * (1 + offset + rng.gauss(0, 0.015)), 2), at)
        height = max(height + 0.3, round(median_height * (1 + offset / 3)
                                         + rng.gauss(0, 0.4), 1))
        yield MeasureInput(K.HEIGHT, height, at)
        if months <= HEAD_UNTIL:
            head = max(head + 0.1, round(median_head + rng.gauss(0.3, 0.3), 1))
            yield MeasureInput(K.HEAD_CIRCUMFERENCE, head, at)


# -- helpers ---------------------------------------------------------------------------------


def _items(c: Container, actor: Actor, space: str, items: list[ItemInput]) -> None:
    for item in items:
        profile.add_item(c, actor, space, item)


def _measures(c: Container, actor: Actor, space: str, measures: list[MeasureInput]) -> None:
    """One import per writer and space, all or nothing, like an app's sync."""
    profile.add_measures(c, actor, [NewMeasure(space, m) for m in measures])


def _yesterday(c: Container) -> date:
    return paris_today(c.clock.now()) - timedelta(days=1)


def _at(c: Container, *, days_ago: int, hour: int) -> datetime:
    return _on(paris_today(c.clock.now()) - timedelta(days=days_ago), hour, 0)


def _on(day: date, hour: int, minute: int) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=PARIS)


def _days(c: Container, span: int, weekdays: tuple[int, ...]) -> Iterator[date]:
    """The days of the last ``span`` days (yesterday included) that fall on ``weekdays``."""
    yesterday = _yesterday(c)
    for back in range(span, 0, -1):
        day = yesterday - timedelta(days=back - 1)
        if day.weekday() in weekdays:
            yield day


def _months_after(birth: date, months: int) -> date:
    """The same day ``months`` later (the demo's birthdays fall before the 29th)."""
    year, month = divmod(birth.month - 1 + months, 12)
    return birth.replace(year=birth.year + year, month=month + 1)
