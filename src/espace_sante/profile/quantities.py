"""A measured value as it was typed (value and unit) made canonical: converted to the
measure's UCUM unit, rounded, checked against plausible bounds. A value outside them is
refused, never clamped: 700 kg or 180 mm of height is a typing mistake the person must
see and fix (the message says the value, the unit and the bounds)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from espace_sante.core.errors import InvalidInput
from espace_sante.profile.codes import Component, MeasureType, Unit


@dataclass(frozen=True)
class Quantity:
    value: float  # canonical unit, rounded
    value2: float | None  # the second value of a pair (diastolic), canonical
    unit: str  # the canonical UCUM code
    original_value: float
    original_value2: float | None
    original_unit: str  # the UCUM code it came in


def canonical(mtype: MeasureType, value: float, unit: str | None = None,
              value2: float | None = None) -> Quantity:
    """Refuses (``InvalidInput``, French and English) an unknown unit, a missing or extra
    second value, a value that is not a finite number, a fraction for a score, and any
    value outside the plausible bounds after conversion."""
    typed = mtype.unit_for(unit)
    if typed is None:
        raise _unknown_unit(mtype, unit or "")
    if mtype.components:
        return _pair(mtype, typed, value, value2)
    if value2 is not None:
        raise InvalidInput(f"{mtype.label[0]} : une seule valeur est attendue.",
                           f"{mtype.label[1]}: a single value is expected.")
    converted = _checked(mtype, typed, value)
    return Quantity(converted, None, mtype.unit.code, value, None, typed.code)


def _pair(mtype: MeasureType, typed: Unit, value: float,
          value2: float | None) -> Quantity:
    high, low = mtype.components
    if value2 is None:
        raise InvalidInput(
            f"{mtype.label[0]} : les pressions systolique et diastolique sont requises.",
            f"{mtype.label[1]}: both the systolic and the diastolic pressures are required.")
    systolic = _checked(mtype, typed, value, high)
    diastolic = _checked(mtype, typed, value2, low)
    if systolic <= diastolic:
        raise InvalidInput(
            f"La pression systolique ({_fr(systolic)}) doit être supérieure à la pression "
            f"diastolique ({_fr(diastolic)}) : les valeurs sont-elles inversées ?",
            f"The systolic pressure ({_en(systolic)}) must be higher than the diastolic "
            f"pressure ({_en(diastolic)}): are the values swapped?")
    return Quantity(systolic, diastolic, mtype.unit.code, value, value2, typed.code)


def _checked(mtype: MeasureType, typed: Unit, value: float,
             part: Component | None = None) -> float:
    label = part.label if part else mtype.label
    if isinstance(value, bool) or not math.isfinite(value):
        raise InvalidInput(f"{label[0]} : la valeur doit être un nombre.",
                           f"{label[1]}: the value must be a number.")
    if mtype.integer and value != int(value):
        raise InvalidInput(f"{label[0]} : la valeur doit être un nombre entier.",
                           f"{label[1]}: the value must be a whole number.")
    converted = round(value * typed.factor + typed.offset, mtype.decimals) + 0.0
    low, high = (part.low, part.high) if part else (mtype.low, mtype.high)
    if not low <= converted <= high:
        raise _implausible(mtype, label, typed, value, converted, (low, high))
    return converted


def _implausible(mtype: MeasureType, label: tuple[str, str], typed: Unit, value: float,
                 converted: float, bounds: tuple[float, float]) -> InvalidInput:
    unit = mtype.unit.display
    typed_fr, typed_en = f"{_fr(value)} {typed.display}", f"{_en(value)} {typed.display}"
    if typed.code != mtype.unit.code:
        typed_fr += f" (soit {_fr(converted)} {unit})"
        typed_en += f" (that is {_en(converted)} {unit})"
    low, high = bounds
    return InvalidInput(
        f"{label[0]} de {typed_fr} : valeur invraisemblable, attendue entre {_fr(low)} et "
        f"{_fr(high)} {unit}. Vérifiez la valeur et l'unité ; rien n'a été enregistré.",
        f"{label[1]} of {typed_en}: implausible value, expected between {_en(low)} and "
        f"{_en(high)} {unit}. Check the value and the unit; nothing was stored.",
        {"field": "value"})


def _unknown_unit(mtype: MeasureType, unit: str) -> InvalidInput:
    accepted = ", ".join(u.code for u in (mtype.unit, *mtype.alternatives))
    return InvalidInput(
        f"{mtype.label[0]} : unité « {unit[:20]} » non reconnue (unités UCUM acceptées : "
        f"{accepted}).",
        f"{mtype.label[1]}: unit \"{unit[:20]}\" not recognised (accepted UCUM units: "
        f"{accepted}).", {"field": "unit"})


def bmi(weight_kg: float, height_cm: float) -> float:
    metres = height_cm / 100
    return round(weight_kg / (metres * metres), 1)


def _en(number: float) -> str:
    return f"{number:g}" if abs(number) < 1e6 else f"{number:.0f}"


def _fr(number: float) -> str:
    return _en(number).replace(".", ",")

