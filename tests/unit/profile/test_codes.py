"""The measure types agree with the FR Core examples (tests/data/frcore): same LOINC code,
same UCUM unit, same profile; the example values are plausible and stored unchanged."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from espace_sante.profile.codes import (
    BY_CODE,
    FR_CORE,
    LOINC,
    MEASURE_TYPES,
    MES,
    SECTION_LABELS,
    SOURCE_LABELS,
    UCUM,
    MeasureKind,
    Section,
    SourceKind,
)
from espace_sante.profile.quantities import canonical
from espace_sante.profile.sections import SPECS
from tests.shared_data import FRCORE

EXAMPLES = sorted(FRCORE.glob("Observation-*.json"))


def test_every_frcore_observation_example_is_checked() -> None:
    assert len(EXAMPLES) == 7


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_measure_types_match_frcore(path: Path) -> None:
    example = json.loads(path.read_text(encoding="utf-8"))
    [coding] = example["code"]["coding"]
    assert coding["system"] == LOINC
    mtype = BY_CODE[coding["code"]]
    assert mtype.code == coding["code"]
    assert example["meta"]["profile"] == [mtype.profile]
    if mtype.components:
        values = {c["code"]["coding"][0]["code"]: c["valueQuantity"]
                  for c in example["component"]}
        assert set(values) == {c.code for c in mtype.components}
        quantities = list(values.values())
    else:
        quantities = [example["valueQuantity"]]
    for quantity in quantities:
        assert (quantity["system"], quantity["code"]) == (UCUM, mtype.unit.code)
    if not mtype.computed:  # the example's values are accepted as they are
        first, *second = (q["value"] for q in quantities)
        stored = canonical(mtype, first, quantities[0]["code"], *second)
        assert stored.value == first


def test_mes_measures_use_the_mes_codes_and_units() -> None:
    """Mesures de santé (ANS): JDV_J154 TypeGlucose, JDV_J163 GlucoseUnits, steps and pain."""
    expected = {
        MeasureKind.STEPS: ("41950-7", "1/(24.h)"),
        MeasureKind.PAIN: ("72514-3", "1"),
        MeasureKind.WAIST: ("8280-0", "cm"),
        MeasureKind.GLYCAEMIA: ("2345-7", "mg/dL"),
        MeasureKind.INTERSTITIAL_GLUCOSE: ("99504-3", "mg/dL"),
        MeasureKind.HBA1C: ("4548-4", "%"),
        MeasureKind.GMI: ("97506-0", "%"),
    }
    for kind, (code, unit) in expected.items():
        mtype = MEASURE_TYPES[kind]
        assert (mtype.code, mtype.unit.code) == (code, unit)
        assert mtype.profile.startswith(MES)
    assert MEASURE_TYPES[MeasureKind.GMI].also[0].code == "MED-972"


def test_every_type_every_section_and_every_source_is_described() -> None:
    assert set(MEASURE_TYPES) == set(MeasureKind)
    assert set(SECTION_LABELS) == set(SPECS) == set(Section)
    assert set(SOURCE_LABELS) == set(SourceKind)
    for mtype in MEASURE_TYPES.values():
        assert mtype.low < mtype.high and all(mtype.label)
        assert mtype.profile.startswith((FR_CORE, MES))
    for spec in SPECS.values():
        assert all(all(f.label) for f in spec.fields)
        assert len({f.name for f in spec.fields}) == len(spec.fields)


def test_the_bmi_is_the_only_computed_type() -> None:
    assert [t.kind for t in MEASURE_TYPES.values() if t.computed] == [MeasureKind.BMI]
