"""The code lists of the profile: its sections (Mon Espace Santé, DOMAIN.md 1b), where an
entry comes from, and the measure types with their LOINC code, UCUM unit, plausible
bounds and the other units they may be typed in. Kept as data: the pages, the API, FHIR
and the PDF export read them.

Codes and units follow the FR Core vital-sign profiles (``tests/data/frcore``) and, where
FR Core has none, the ANS "Mesures de santé" guide that feeds Mon Espace Santé (MES,
``interop.esante.gouv.fr/ig/fhir/mesures``): steps per day 41950-7 in ``1/(24.h)``, pain
72514-3 in ``1``, blood glucose 2345-7 and interstitial glucose 99504-3 in ``mg/dL``
(value set JDV_J154 TypeGlucose and JDV_J163 GlucoseUnits), HbA1c 4548-4 in ``%``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
CISIS_TERMINOLOGY = "https://smt.esante.gouv.fr/fhir/CodeSystem/terminologie-cisis"
FR_CORE = "https://hl7.fr/ig/fhir/core/StructureDefinition/"
MES = "https://interop.esante.gouv.fr/ig/fhir/mesures/StructureDefinition/"


class Section(StrEnum):
    ALLERGIES = "allergies"
    DISEASES = "diseases"  # maladies et antécédents
    TREATMENTS = "treatments"
    HOSPITALISATIONS = "hospitalisations"
    FAMILY_HISTORY = "family_history"
    VACCINATIONS = "vaccinations"
    DISABILITIES = "disabilities"
    BLOOD_GROUP = "blood_group"
    LIFESTYLE = "lifestyle"
    TRUSTED_PERSON = "trusted_person"  # personne de confiance
    EMERGENCY_CONTACTS = "emergency_contacts"
    ADVANCE_DIRECTIVES = "advance_directives"  # directives anticipées
    ORGAN_DONATION = "organ_donation"
    HEALTH_PROFESSIONALS = "health_professionals"


SECTION_LABELS: dict[Section, tuple[str, str]] = {
    Section.ALLERGIES: ("Allergies", "Allergies"),
    Section.DISEASES: ("Maladies et antécédents", "Diseases and medical history"),
    Section.TREATMENTS: ("Traitements", "Treatments"),
    Section.HOSPITALISATIONS: ("Hospitalisations", "Hospital stays"),
    Section.FAMILY_HISTORY: ("Antécédents familiaux", "Family history"),
    Section.VACCINATIONS: ("Vaccinations", "Vaccinations"),
    Section.DISABILITIES: ("Handicaps", "Disabilities"),
    Section.BLOOD_GROUP: ("Groupe sanguin", "Blood group"),
    Section.LIFESTYLE: ("Habitudes de vie", "Lifestyle"),
    Section.TRUSTED_PERSON: ("Personne de confiance", "Trusted person"),
    Section.EMERGENCY_CONTACTS: ("Contacts d'urgence", "Emergency contacts"),
    Section.ADVANCE_DIRECTIVES: ("Directives anticipées", "Advance directives"),
    Section.ORGAN_DONATION: ("Don d'organes", "Organ donation"),
    Section.HEALTH_PROFESSIONALS: ("Mes professionnels de santé", "My health professionals"),
}


class SourceKind(StrEnum):
    """Where an entry comes from, shown with it (DOMAIN.md: measures carry their source)."""

    PATIENT = "patient"  # typed by the patient, a representative or a caregiver
    PROFESSIONAL = "professional"
    DOCUMENT = "document"  # extracted from a document of the dossier
    APP = "app"  # a referenced app, typed in it
    DEVICE = "device"  # a connected device (scale, watch), through an app
    IMPORT = "import"  # a system feed (hospital, laboratory)
    COMPUTED = "computed"  # derived here (the BMI), never typed


SOURCE_LABELS: dict[SourceKind, tuple[str, str]] = {
    SourceKind.PATIENT: ("Saisi dans l'espace", "Entered in the space"),
    SourceKind.PROFESSIONAL: ("Professionnel de santé", "Health professional"),
    SourceKind.DOCUMENT: ("Extrait d'un document", "Extracted from a document"),
    SourceKind.APP: ("Application", "App"),
    SourceKind.DEVICE: ("Objet connecté", "Connected device"),
    SourceKind.IMPORT: ("Établissement ou laboratoire", "Hospital or laboratory"),
    SourceKind.COMPUTED: ("Calculé", "Computed"),
}


class Status(StrEnum):
    ACTIVE = "active"
    DELETED = "deleted"  # the row stays: deletion keeps the history


# -- measures -------------------------------------------------------------------------------


class MeasureKind(StrEnum):
    WEIGHT = "weight"
    HEIGHT = "height"
    BMI = "bmi"
    HEART_RATE = "heart_rate"
    WAIST = "waist"
    STEPS = "steps"
    BLOOD_PRESSURE = "blood_pressure"
    HEAD_CIRCUMFERENCE = "head_circumference"
    PAIN = "pain"
    TEMPERATURE = "temperature"
    GLYCAEMIA = "glycaemia"
    INTERSTITIAL_GLUCOSE = "interstitial_glucose"
    HBA1C = "hba1c"
    GMI = "gmi"  # glucose management indicator (indice de gestion de la glycémie)


@dataclass(frozen=True)
class Unit:
    """A UCUM unit; a value typed in it becomes ``value * factor + offset`` in the
    measure's canonical unit (the offset serves °F and HbA1c in mmol/mol)."""

    code: str
    display: str
    factor: float = 1.0
    offset: float = 0.0


@dataclass(frozen=True)
class Coding:
    system: str
    code: str
    display: str


@dataclass(frozen=True)
class Component:
    """One value of a panel (blood pressure: systolic, diastolic)."""

    code: str
    display: str
    label: tuple[str, str]
    low: float
    high: float


@dataclass(frozen=True)
class MeasureType:
    kind: MeasureKind
    code: str  # LOINC
    display: str  # LOINC long common name
    label: tuple[str, str]  # French, English
    unit: Unit  # canonical: what is stored
    low: float  # plausible bounds, in the canonical unit, inclusive
    high: float
    decimals: int  # the canonical value is rounded to this many decimals
    profile: str  # FHIR profile of its Observation
    alternatives: tuple[Unit, ...] = ()
    also: tuple[Coding, ...] = ()  # other codings of the same measure (MES, readers' aliases)
    integer: bool = False  # a score: whole numbers only
    computed: bool = False  # never typed (the BMI)
    components: tuple[Component, ...] = ()

    def unit_for(self, code: str | None) -> Unit | None:
        if code is None or code == self.unit.code:
            return self.unit
        return next((u for u in self.alternatives if u.code == code), None)


KG = Unit("kg", "kg")
CM = Unit("cm", "cm")
LENGTHS = (Unit("m", "m", 100.0), Unit("mm", "mm", 0.1), Unit("[in_i]", "in", 2.54))
MG_DL = Unit("mg/dL", "mg/dL")
# Glucose, 180.16 g/mol: 1 mmol/L = 18.016 mg/dL; French labs often write g/L.
GLUCOSE_UNITS = (Unit("g/L", "g/L", 100.0), Unit("mmol/L", "mmol/L", 18.016))
PERCENT = Unit("%", "%")
SYSTOLIC = Component("8480-6", "Systolic blood pressure", ("Pression systolique",
                     "Systolic pressure"), 40, 300)
DIASTOLIC = Component("8462-4", "Diastolic blood pressure", ("Pression diastolique",
                      "Diastolic pressure"), 20, 200)


def _vital(name: str) -> str:
    return f"{FR_CORE}fr-core-observation-{name}"


def _mes(name: str) -> str:
    return f"{MES}mesures-observation-{name}"


_TYPES = (
    MeasureType(MeasureKind.WEIGHT, "29463-7", "Body weight", ("Poids", "Weight"), KG,
                0.2, 600, 3, _vital("body-weight"),
                (Unit("g", "g", 0.001), Unit("[lb_av]", "lb", 0.45359237))),
    MeasureType(MeasureKind.HEIGHT, "8302-2", "Body height", ("Taille", "Height"), CM,
                20, 272, 1, _vital("body-height"), LENGTHS),
    MeasureType(MeasureKind.BMI, "39156-5", "Body mass index (BMI) [Ratio]",
                ("Indice de masse corporelle (IMC)", "Body mass index (BMI)"),
                Unit("kg/m2", "kg/m²"), 5, 200, 1, _vital("bmi"), computed=True),
    MeasureType(MeasureKind.HEART_RATE, "8867-4", "Heart rate",
                ("Fréquence cardiaque", "Heart rate"), Unit("/min", "battements/min"),
                20, 300, 0, _vital("heartrate"), (Unit("{beats}/min", "battements/min"),)),
    MeasureType(MeasureKind.WAIST, "8280-0", "Waist Circumference at umbilicus by Tape measure",
                ("Tour de taille", "Waist circumference"), CM, 20, 300, 1,
                _mes("waist-circumference"), LENGTHS),
    MeasureType(MeasureKind.STEPS, "41950-7", "Number of steps in 24 hour Measured",
                ("Nombre de pas par jour", "Steps per day"), Unit("1/(24.h)", "pas/jour"),
                0, 100_000, 0, _mes("steps-by-day"),
                (Unit("/d", "pas/jour"), Unit("{steps}/d", "pas/jour")),
                also=(Coding(LOINC, "55423-8", "Number of steps in unspecified time Pedometer"),)),
    MeasureType(MeasureKind.BLOOD_PRESSURE, "85354-9",
                "Blood pressure panel with all children optional",
                ("Tension artérielle", "Blood pressure"), Unit("mm[Hg]", "mmHg"), 20, 300, 0,
                _vital("bp"), (Unit("cm[Hg]", "cmHg", 10.0), Unit("kPa", "kPa", 7.50062)),
                components=(SYSTOLIC, DIASTOLIC)),
    MeasureType(MeasureKind.HEAD_CIRCUMFERENCE, "9843-4", "Head Occipital-frontal circumference",
                ("Périmètre crânien", "Head circumference"), CM, 15, 70, 1,
                _vital("head-circum"), LENGTHS),
    MeasureType(MeasureKind.PAIN, "72514-3", "Pain severity - 0-10 verbal numeric rating "
                "[Score] - Reported", ("Niveau de douleur", "Pain level"), Unit("1", "/10"),
                0, 10, 0, _mes("pain-severity"), (Unit("{score}", "/10"),), integer=True),
    MeasureType(MeasureKind.TEMPERATURE, "8310-5", "Body temperature",
                ("Température", "Body temperature"), Unit("Cel", "°C"), 25, 45, 1,
                _vital("body-temperature"), (Unit("[degF]", "°F", 5 / 9, -160 / 9),)),
    MeasureType(MeasureKind.GLYCAEMIA, "2345-7", "Glucose [Mass/volume] in Serum or Plasma",
                ("Glycémie", "Blood glucose"), MG_DL, 10, 1000, 0, _mes("glucose"),
                GLUCOSE_UNITS,
                also=(Coding(LOINC, "2339-0", "Glucose [Mass/volume] in Blood"),)),
    MeasureType(MeasureKind.INTERSTITIAL_GLUCOSE, "99504-3",
                "Glucose [Mass/volume] in Interstitial fluid",
                ("Glucose interstitiel", "Interstitial glucose"), MG_DL, 10, 1000, 0,
                _mes("glucose"), GLUCOSE_UNITS),
    # IFCC mmol/mol to NGSP %: % = 0.09148 × mmol/mol + 2.152 (NGSP master equation).
    MeasureType(MeasureKind.HBA1C, "4548-4",
                "Hemoglobin A1c/Hemoglobin.total in Blood",
                ("Hémoglobine glyquée (HbA1c)", "Glycated haemoglobin (HbA1c)"), PERCENT,
                3, 20, 1, _mes("hb1ac"), (Unit("mmol/mol", "mmol/mol", 0.09148, 2.152),)),
    MeasureType(MeasureKind.GMI, "97506-0", "Glucose management indicator",
                ("Indicateur de gestion du glucose (IGG)", "Glucose management indicator"),
                PERCENT, 3, 20, 1, _mes("glucose"),
                also=(Coding(CISIS_TERMINOLOGY, "MED-972", "Index de gestion de glycémie (IGG)"),)),
)
MEASURE_TYPES: dict[MeasureKind, MeasureType] = {t.kind: t for t in _TYPES}
BY_CODE: dict[str, MeasureType] = {
    code: t for t in _TYPES for code in (t.code, *(c.code for c in t.also))}

# The HbA1c target a patient (or his doctor) may set: what diabetes guidelines use.
HBA1C_TARGET_RANGE = (5.0, 10.0)
