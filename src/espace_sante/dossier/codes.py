"""The code lists of the dossier: patient-facing categories (Mon Espace Santé), DMP class
codes (JDV_J57, TRE_A03 ClasseDocument), document type codes (mostly LOINC, JDV_J66 of the
CI-SIS), formats and confidentiality. Kept as data: the pages, the API and FHIR read them.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

LOINC = "http://loinc.org"
LOINC_OID = "2.16.840.1.113883.6.1"
CLASS_SYSTEM = "https://mos.esante.gouv.fr/NOS/TRE_A03-ClasseDocument/FHIR/TRE-A03-ClasseDocument"
# Non-LOINC type codes of the CI-SIS (TRE_A05 TypeDocComplementaire), e.g. SYNTH, REMB.
TYPE_COMPLEMENT_OID = "1.2.250.1.213.1.1.4.12"
TYPE_COMPLEMENT_SYSTEM = (
    "https://mos.esante.gouv.fr/NOS/TRE_A05-TypeDocComplementaire/FHIR/TRE-A05-TypeDocComplementaire"
)


class Category(StrEnum):
    """The categories a person sees in his space (Mon Espace Santé)."""

    RESUME = "resume"  # Ma santé en résumé
    ORDONNANCES = "ordonnances"
    IMAGERIE = "imagerie"
    BIOLOGIE = "biologie"
    COMPTES_RENDUS = "comptes_rendus"
    PREVENTION = "prevention"
    CERTIFICATS = "certificats"
    SYNTHESE = "synthese"
    ADMINISTRATIF = "administratif"
    DIRECTIVES = "directives"
    VACCINATION = "vaccination"
    REMBOURSEMENTS = "remboursements"
    QUESTIONNAIRE = "questionnaire"
    AUTRES = "autres"


CATEGORY_LABELS: dict[Category, tuple[str, str]] = {
    Category.RESUME: ("Ma santé en résumé", "My health at a glance"),
    Category.ORDONNANCES: ("Ordonnances et soins", "Prescriptions and care"),
    Category.IMAGERIE: ("Radio, écho, scanner, IRM", "X-ray, ultrasound, CT, MRI"),
    Category.BIOLOGIE: ("Biologie", "Laboratory results"),
    Category.COMPTES_RENDUS: ("Comptes rendus", "Reports"),
    Category.PREVENTION: ("Prévention et dépistages", "Prevention and screening"),
    Category.CERTIFICATS: ("Certificats médicaux", "Medical certificates"),
    Category.SYNTHESE: ("Synthèse médicale", "Medical summary"),
    Category.ADMINISTRATIF: ("Pièces administratives", "Administrative papers"),
    Category.DIRECTIVES: ("Directives anticipées", "Advance directives"),
    Category.VACCINATION: ("Carnet de vaccination", "Vaccination record"),
    Category.REMBOURSEMENTS: ("Remboursements", "Reimbursements"),
    Category.QUESTIONNAIRE: ("Questionnaire de santé", "Health questionnaire"),
    Category.AUTRES: ("Autres documents", "Other documents"),
}

# JDV_J57 ClassCode-DMP: code → (French display, the category it falls in by default).
CLASS_CODES: dict[str, tuple[str, Category]] = {
    "10": ("Compte rendu", Category.COMPTES_RENDUS),
    "11": ("Synthèse", Category.SYNTHESE),
    "31": ("Imagerie", Category.IMAGERIE),
    "42": ("Prescription", Category.ORDONNANCES),
    "43": ("Dispensation", Category.ORDONNANCES),
    "44": ("Plan/protocole de soins", Category.ORDONNANCES),
    "45": ("Traitement administré", Category.ORDONNANCES),
    "52": ("Certificat, déclaration", Category.CERTIFICATS),
    "60": ("Données de remboursement", Category.REMBOURSEMENTS),
    "90": ("Autres documents déposés par le patient", Category.AUTRES),
    "95": ("Document de gestion", Category.ADMINISTRATIF),
}


@dataclass(frozen=True)
class DocType:
    code: str
    system: str  # LOINC or the CI-SIS complementary list
    display: str
    class_code: str
    category: Category


def _t(code: str, display: str, class_code: str, category: Category,
       system: str = LOINC) -> DocType:
    return DocType(code, system, display, class_code, category)


C = Category
# The document types of the CI-SIS (JDV_J66 TypeCode-DMP) most seen in the DMP; a type
# outside this list is refused at the door, as the DMP does.
DOC_TYPES: dict[str, DocType] = {t.code: t for t in (
    _t("11488-4", "Compte rendu de consultation", "10", C.COMPTES_RENDUS),
    _t("11490-0", "Lettre de liaison à la sortie d'un établissement de soins", "10",
       C.COMPTES_RENDUS),
    _t("34112-3", "Compte rendu d'hospitalisation", "10", C.COMPTES_RENDUS),
    _t("11504-8", "Compte rendu opératoire", "10", C.COMPTES_RENDUS),
    _t("34133-9", "Synthèse d'épisode de soins", "11", C.SYNTHESE),
    _t("60591-5", "Synthèse médicale", "11", C.SYNTHESE),
    _t("SYNTH", "Synthèse", "11", C.SYNTHESE, TYPE_COMPLEMENT_SYSTEM),
    _t("11502-2", "CR d'examens biologiques", "10", C.BIOLOGIE),
    _t("18748-4", "CR d'imagerie médicale", "31", C.IMAGERIE),
    _t("57833-6", "Prescription de produits de santé", "42", C.ORDONNANCES),
    _t("60593-1", "Dispensation médicamenteuse", "43", C.ORDONNANCES),
    _t("18776-5", "Plan de soins", "44", C.ORDONNANCES),
    _t("11369-6", "Historique de vaccinations", "10", C.VACCINATION),
    _t("87273-9", "Note de vaccination", "10", C.VACCINATION),
    _t("68608-9", "Résultat de dépistage", "10", C.PREVENTION),
    _t("42348-3", "Directives anticipées", "52", C.DIRECTIVES),
    _t("11535-2", "Certificat médical", "52", C.CERTIFICATS),
    _t("REMB", "Données de remboursement", "60", C.REMBOURSEMENTS, TYPE_COMPLEMENT_SYSTEM),
    _t("74465-6", "Questionnaire de santé", "90", C.QUESTIONNAIRE),
    _t("51851-4", "Document administratif", "95", C.ADMINISTRATIF),
    _t("DOCPAT", "Document déposé par le patient", "90", C.AUTRES, TYPE_COMPLEMENT_SYSTEM),
)}
PATIENT_TYPE = "DOCPAT"  # the type of a patient's own upload unless he picks one


class SourceKind(StrEnum):
    PROFESSIONAL = "professional"
    PATIENT = "patient"
    DEVICE = "device"  # an app or a connected device
    ORGANISATION = "organisation"


class Status(StrEnum):
    CURRENT = "current"
    REPLACED = "replaced"
    DELETED = "deleted"


class Format(StrEnum):
    """What the content really is, sniffed from its bytes, never from its name."""

    PDF = "application/pdf"
    JPEG = "image/jpeg"
    PNG = "image/png"
    TIFF = "image/tiff"
    RTF = "application/rtf"
    TXT = "text/plain"
    CDA = "application/hl7-cda+xml"  # HL7 CDA R2, levels 1 and 3


EXTENSIONS = {Format.PDF: "pdf", Format.JPEG: "jpg", Format.PNG: "png", Format.TIFF: "tif",
              Format.RTF: "rtf", Format.TXT: "txt", Format.CDA: "xml"}
PATIENT_FORMATS = frozenset(Format) - {Format.CDA}
PATIENT_MAX_BYTES = 5 * 1024 * 1024  # Mon Espace Santé's limit for a patient's upload
SYSTEM_MAX_BYTES = 200 * 1024 * 1024  # professionals and institutions


class Confidentiality(StrEnum):
    """HL7 v3 Confidentiality of a CDA header or a DocumentReference securityLabel."""

    NORMAL = "N"
    RESTRICTED = "R"
    VERY_RESTRICTED = "V"
