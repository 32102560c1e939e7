"""What each section of the profile holds: its fields (with French and English labels),
whether it holds one value or a list, whether its entries may carry a code, and which
date places an entry in time. ``fields.checked_data`` validates an entry against it."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from espace_sante.profile.codes import Section

Labels = tuple[str, str]  # French, English


class FieldKind(StrEnum):
    TEXT = "text"  # one line, up to 200 characters
    LONG_TEXT = "long_text"  # lines kept, up to 10,000 characters (advance directives)
    DATE = "date"  # ISO 8601 day
    BOOLEAN = "boolean"
    CHOICE = "choice"
    INTEGER = "integer"
    PHONE = "phone"  # stored as E.164
    RPPS = "rpps"  # 11 digits


@dataclass(frozen=True)
class Field:
    name: str
    label: Labels
    kind: FieldKind = FieldKind.TEXT
    required: bool = False
    choices: tuple[tuple[str, Labels], ...] = ()
    past: bool = False  # a date that cannot be after today
    low: int = 0  # bounds of an integer
    high: int = 0

    @property
    def choice_codes(self) -> frozenset[str]:
        return frozenset(code for code, _ in self.choices)


@dataclass(frozen=True)
class SectionSpec:
    section: Section
    fields: tuple[Field, ...]
    single: bool = False  # one entry per space (a blood group, a trusted person)
    coded: bool = False  # entries may carry a code (SNOMED CT, CIM-10, ATC, …)
    date_field: str | None = None  # the entry's date (``effective_date``), for ordering
    periods: tuple[tuple[str, str], ...] = ()  # (start, end) fields: end ≥ start
    documents_stand_in: str | None = None  # a field a linked document may replace

    def field(self, name: str) -> Field | None:
        return next((f for f in self.fields if f.name == name), None)


T, D, B, C, PH = (FieldKind.TEXT, FieldKind.DATE, FieldKind.BOOLEAN, FieldKind.CHOICE,
                  FieldKind.PHONE)

SEVERITY = (("mild", ("légère", "mild")), ("moderate", ("modérée", "moderate")),
            ("severe", ("sévère", "severe")))
RELATIVES = (
    ("mother", ("mère", "mother")), ("father", ("père", "father")),
    ("sibling", ("frère ou sœur", "brother or sister")),
    ("grandparent", ("grand-parent", "grandparent")), ("child", ("enfant", "child")),
    ("other", ("autre membre de la famille", "other relative")))
VACCINE_STATUS = (("mandatory", ("obligatoire", "mandatory")),
                  ("recommended", ("recommandé", "recommended")))
ABO = tuple((g, (g, g)) for g in ("A", "B", "AB", "O"))
RHESUS = (("positive", ("Rhésus positif (+)", "Rh positive (+)")),
          ("negative", ("Rhésus négatif (−)", "Rh negative (−)")))
TOBACCO = (("never", ("non-fumeur", "never smoked")),
           ("former", ("ancien fumeur", "former smoker")),
           ("current", ("fumeur", "smoker")))
ALCOHOL = (("none", ("jamais", "never")), ("occasional", ("occasionnellement", "occasionally")),
           ("regular", ("régulièrement", "regularly")), ("daily", ("tous les jours", "daily")))
# France presumes consent (loi Caillavet); a refusal is written in the national register.
DONATION = (("consent", ("J'accepte de donner mes organes et tissus",
                         "I agree to donate my organs and tissues")),
            ("partial", ("J'accepte, sauf certains organes ou tissus",
                         "I agree, except some organs or tissues")),
            ("refusal", ("Je refuse de donner mes organes et tissus",
                         "I refuse to donate my organs and tissues")))
CARE_ROLES = (
    ("medecin_traitant", ("Médecin traitant", "Regular doctor (médecin traitant)")),
    ("sage_femme_referente", ("Sage-femme référente", "Referring midwife")),
    ("pharmacien", ("Pharmacien", "Pharmacist")),
    ("other", ("Autre professionnel de santé", "Other health professional")))

NAME = Field("name", ("Nom", "Name"), required=True)
PHONE = Field("phone", ("Téléphone", "Phone"), PH, required=True)
RELATIONSHIP = Field("relationship", ("Lien avec vous", "Relationship to you"))

SPECS: dict[Section, SectionSpec] = {s.section: s for s in (
    SectionSpec(Section.ALLERGIES, (
        Field("substance", ("Substance", "Substance"), required=True),
        Field("reaction", ("Réaction", "Reaction")),
        Field("severity", ("Gravité", "Severity"), C, choices=SEVERITY),
        Field("since", ("Depuis", "Since"), D, past=True),
    ), coded=True, date_field="since"),
    SectionSpec(Section.DISEASES, (
        Field("condition", ("Maladie ou antécédent", "Condition"), required=True),
        Field("since", ("Depuis", "Since"), D, past=True),
        Field("resolved", ("Guéri ou terminé", "Resolved"), B),
        Field("resolved_on", ("Terminé le", "Resolved on"), D, past=True),
    ), coded=True, date_field="since", periods=(("since", "resolved_on"),)),
    SectionSpec(Section.TREATMENTS, (
        Field("medicine", ("Médicament", "Medicine"), required=True),
        Field("dose", ("Posologie", "Dose")),
        Field("since", ("Depuis", "Since"), D),
        Field("until", ("Jusqu'au", "Until"), D),
    ), coded=True, date_field="since", periods=(("since", "until"),)),
    SectionSpec(Section.HOSPITALISATIONS, (
        Field("place", ("Établissement", "Hospital"), required=True),
        Field("reason", ("Motif", "Reason")),
        Field("start", ("Entrée le", "Admitted on"), D, required=True, past=True),
        Field("end", ("Sortie le", "Discharged on"), D, past=True),
    ), date_field="start", periods=(("start", "end"),)),
    SectionSpec(Section.FAMILY_HISTORY, (
        Field("relationship", ("Membre de la famille", "Relative"), C, required=True,
              choices=RELATIVES),
        Field("condition", ("Maladie", "Condition"), required=True),
    ), coded=True),
    SectionSpec(Section.VACCINATIONS, (
        Field("vaccine", ("Vaccin", "Vaccine"), required=True),
        Field("date", ("Date", "Date"), D, required=True, past=True),
        Field("dose_number", ("Numéro de dose", "Dose number"), FieldKind.INTEGER,
              low=1, high=20),
        Field("batch", ("Numéro de lot", "Batch number")),
        Field("status", ("Vaccin", "Vaccine status"), C, choices=VACCINE_STATUS),
    ), coded=True, date_field="date"),
    SectionSpec(Section.DISABILITIES, (
        Field("disability", ("Handicap", "Disability"), required=True),
        Field("since", ("Depuis", "Since"), D, past=True),
        Field("recognised", ("Reconnu par la MDPH", "Recognised by the MDPH"), B),
    ), coded=True, date_field="since"),
    SectionSpec(Section.BLOOD_GROUP, (
        Field("abo", ("Groupe (ABO)", "Group (ABO)"), C, required=True, choices=ABO),
        Field("rhesus", ("Rhésus", "Rhesus (Rh)"), C, required=True, choices=RHESUS),
    ), single=True),
    SectionSpec(Section.LIFESTYLE, (
        Field("food", ("Alimentation", "Food")),
        Field("physical_activity", ("Activité physique", "Physical activity")),
        Field("sleep", ("Sommeil", "Sleep")),
        Field("screens", ("Temps d'écran", "Screen time")),
        Field("alcohol", ("Alcool", "Alcohol"), C, choices=ALCOHOL),
        Field("tobacco", ("Tabac", "Tobacco"), C, choices=TOBACCO),
    ), single=True),
    SectionSpec(Section.TRUSTED_PERSON, (NAME, PHONE, RELATIONSHIP), single=True),
    SectionSpec(Section.EMERGENCY_CONTACTS, (NAME, PHONE, RELATIONSHIP)),
    SectionSpec(Section.ADVANCE_DIRECTIVES, (
        Field("text", ("Mes directives", "My directives"), FieldKind.LONG_TEXT),
        Field("written_on", ("Rédigées le", "Written on"), D, past=True),
    ), single=True, date_field="written_on", documents_stand_in="text"),
    SectionSpec(Section.ORGAN_DONATION, (
        Field("wish", ("Ma volonté", "My wish"), C, required=True, choices=DONATION),
        Field("details", ("Précisions", "Details")),
        Field("registered_refusal", ("Inscrit au registre national des refus",
                                     "Listed in the national refusal register"), B),
    ), single=True),
    SectionSpec(Section.HEALTH_PROFESSIONALS, (
        Field("role", ("Rôle", "Role"), C, required=True, choices=CARE_ROLES),
        NAME,
        Field("rpps", ("Numéro RPPS", "RPPS number"), FieldKind.RPPS),
        Field("phone", ("Téléphone", "Phone"), PH),
    )),
)}
