"""Conversion to the canonical UCUM unit, plausibility, and the messages that say why a
value is refused (French, with the English translation)."""

from __future__ import annotations

import math

import pytest

from espace_sante.core.errors import InvalidInput
from espace_sante.profile.codes import MEASURE_TYPES, MeasureKind
from espace_sante.profile.quantities import bmi, canonical

K = MeasureKind


def typed(kind: MeasureKind, value: float, unit: str | None = None,
          value2: float | None = None) -> tuple[float, float | None, str]:
    q = canonical(MEASURE_TYPES[kind], value, unit, value2)
    return q.value, q.value2, q.unit


@pytest.mark.parametrize(("kind", "value", "unit", "stored"), [
    (K.WEIGHT, 72.5, None, (72.5, None, "kg")),
    (K.WEIGHT, 3250, "g", (3.25, None, "kg")),
    (K.WEIGHT, 160, "[lb_av]", (72.575, None, "kg")),
    (K.HEIGHT, 1.8, "m", (180.0, None, "cm")),
    (K.HEIGHT, 1805, "mm", (180.5, None, "cm")),
    (K.HEAD_CIRCUMFERENCE, 350, "mm", (35.0, None, "cm")),
    (K.TEMPERATURE, 98.6, "[degF]", (37.0, None, "Cel")),
    (K.GLYCAEMIA, 1.05, "g/L", (105.0, None, "mg/dL")),
    (K.GLYCAEMIA, 5.5, "mmol/L", (99.0, None, "mg/dL")),
    (K.INTERSTITIAL_GLUCOSE, 140, "mg/dL", (140.0, None, "mg/dL")),
    (K.HBA1C, 53, "mmol/mol", (7.0, None, "%")),
    (K.STEPS, 8000, "/d", (8000.0, None, "1/(24.h)")),
    (K.PAIN, 4, "{score}", (4.0, None, "1")),
    (K.HEART_RATE, 72, "/min", (72.0, None, "/min")),
])
def test_values_are_stored_in_the_canonical_unit(
        kind: MeasureKind, value: float, unit: str | None,
        stored: tuple[float, float | None, str]) -> None:
    assert typed(kind, value, unit) == stored


def test_the_original_value_and_unit_are_kept() -> None:
    q = canonical(MEASURE_TYPES[K.HEIGHT], 1.8, "m")
    assert (q.original_value, q.original_unit) == (1.8, "m")


def test_a_blood_pressure_keeps_both_values() -> None:
    assert typed(K.BLOOD_PRESSURE, 120, None, 80) == (120.0, 80.0, "mm[Hg]")
    assert typed(K.BLOOD_PRESSURE, 16, "kPa", 10.7) == (120.0, 80.0, "mm[Hg]")


@pytest.mark.parametrize(("kind", "value", "unit", "value2", "french", "english"), [
    (K.WEIGHT, 700, "kg", None, "Poids de 700 kg : valeur invraisemblable, attendue entre "
     "0,2 et 600 kg", "Weight of 700 kg: implausible value"),
    (K.HEIGHT, 180, "mm", None, "Taille de 180 mm (soit 18 cm) : valeur invraisemblable",
     "Height of 180 mm (that is 18 cm): implausible"),
    (K.TEMPERATURE, 60, None, None, "Température de 60 °C : valeur invraisemblable",
     "Body temperature of 60 °C"),
    (K.WEIGHT, 70, "stone", None, "unité « stone » non reconnue", "not recognised"),
    (K.PAIN, 11, None, None, "Niveau de douleur de 11", "Pain level of 11"),
    (K.PAIN, 3.5, None, None, "nombre entier", "whole number"),
    (K.WEIGHT, math.nan, None, None, "doit être un nombre", "must be a number"),
    (K.WEIGHT, 70, None, 3, "une seule valeur", "a single value"),
    (K.BLOOD_PRESSURE, 120, None, None, "systolique et diastolique sont requises",
     "both the systolic and the diastolic"),
    (K.BLOOD_PRESSURE, 80, None, 120, "doit être supérieure à la pression diastolique",
     "swapped"),
    (K.BLOOD_PRESSURE, 400, None, 80, "Pression systolique de 400 mmHg", "Systolic pressure"),
])
def test_implausible_values_are_refused_with_a_clear_message(
        kind: MeasureKind, value: float, unit: str | None, value2: float | None,
        french: str, english: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        canonical(MEASURE_TYPES[kind], value, unit, value2)
    assert french in refused.value.message
    assert english in refused.value.message_en


def test_bounds_are_inclusive() -> None:
    weight = MEASURE_TYPES[K.WEIGHT]
    assert canonical(weight, weight.high).value == weight.high
    assert canonical(weight, weight.low).value == weight.low


def test_bmi() -> None:
    assert bmi(70, 175) == 22.9
    assert bmi(96, 185) == 28.0
