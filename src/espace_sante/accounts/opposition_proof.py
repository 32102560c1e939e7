"""The PDF proof of opposition: who opposed, when, under which reference, what it means
and how to change one's mind. Built again at each download from the space's identity and
opposition date, so nothing but the reference's hash has to be stored."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from babel.dates import format_date, format_datetime

from espace_sante.accounts.code_notices import PARIS
from espace_sante.accounts.models import Patient
from espace_sante.core.pdf import new_document

TITLES = {
    "fr": "Attestation d'opposition à la création d'un espace Espace Santé",
    "en": "Proof of opposition to the creation of an Espace Santé space",
}
_SEX = {"fr": {"F": "féminin", "M": "masculin"}, "en": {"F": "female", "M": "male"}}


@dataclass(frozen=True)
class Proof:
    reference: str
    opposed_at: datetime
    nir: str
    birth_family_name: str
    used_family_name: str | None
    first_names: str
    birth_date: date
    sex: str

    @classmethod
    def of(cls, patient: Patient, reference: str) -> Proof:
        assert patient.opposed_at is not None
        return cls(reference, patient.opposed_at, patient.nir, patient.birth_family_name,
                   patient.used_family_name, patient.first_names, patient.birth_date,
                   patient.sex)


def spaced_nir(nir: str) -> str:
    """``285057505612345`` → ``2 85 05 75 056 123 45``, as printed on a carte Vitale."""
    cuts = (1, 3, 5, 7, 10, 13, 15)
    return " ".join(nir[a:b] for a, b in zip((0, *cuts), cuts, strict=False))


def identity_lines(proof: Proof, lang: str) -> list[str]:
    en = lang == "en"
    pairs = [
        ("Birth family name" if en else "Nom de naissance", proof.birth_family_name),
        ("Used family name" if en else "Nom d'usage", proof.used_family_name),
        ("First names" if en else "Prénoms", proof.first_names),
        ("Date of birth" if en else "Date de naissance",
         format_date(proof.birth_date, "d MMMM y", locale=lang)),
        ("Sex" if en else "Sexe", _SEX[lang].get(proof.sex, proof.sex)),
        ("Social security number (NIR)" if en else "Numéro de sécurité sociale (NIR)",
         spaced_nir(proof.nir)),
    ]
    colon = ": " if en else " : "  # French puts a space before the colon
    return [f"{label}{colon}{value}" for label, value in pairs if value]


def sections(proof: Proof, site: str, lang: str) -> list[tuple[str, list[str]]]:
    """The proof's text, section by section: what the PDF prints (and tests read)."""
    lang = "en" if lang == "en" else "fr"
    when = format_datetime(proof.opposed_at, "d MMMM y, HH:mm", tzinfo=PARIS, locale=lang)
    text = _EN if lang == "en" else _FR
    return [
        (text["recorded"], [f"{text['reference']} {proof.reference}",
                            f"{text['date']} {when} ({text['paris']})"]),
        (text["identity"], identity_lines(proof, lang)),
        (text["meaning"], [text["meaning_text"]]),
        (text["mind"], [text["mind_text"].format(site=site)]),
    ]


def render(proof: Proof, site: str, lang: str = "fr") -> bytes:
    lang = "en" if lang == "en" else "fr"
    pdf = new_document(TITLES[lang])
    pdf.set_lang(lang)
    pdf.add_page()
    pdf.set_font(style="B", size=15)
    pdf.multi_cell(0, 8, TITLES[lang], new_x="LMARGIN", new_y="NEXT", align="L")
    pdf.ln(4)
    for heading, paragraphs in sections(proof, site, lang):
        pdf.set_font(style="B", size=12)
        pdf.multi_cell(0, 7, heading, new_x="LMARGIN", new_y="NEXT", align="L")
        pdf.set_font(style="", size=11)
        for paragraph in paragraphs:
            pdf.multi_cell(0, 6, paragraph, new_x="LMARGIN", new_y="NEXT", align="L")
        pdf.ln(3)
    pdf.set_font(style="", size=9)
    pdf.multi_cell(0, 5, (_EN if lang == "en" else _FR)["footer"], new_x="LMARGIN", align="L",
                   new_y="NEXT")
    return bytes(pdf.output())


_FR = {
    "recorded": "Opposition enregistrée",
    "reference": "Référence :",
    "date": "Date de l'opposition :",
    "paris": "heure de Paris",
    "identity": "Identité de la personne",
    "meaning": "Ce que cela signifie",
    "meaning_text": (
        "Votre espace Espace Santé n'a pas été créé. Les données préparées pour lui "
        "(codes d'activation, messages en attente, autorisations, clé de chiffrement) ont "
        "été effacées. Aucun professionnel, établissement ni application ne peut y déposer "
        "ou y lire de document. Seules votre identité et la trace de votre opposition sont "
        "conservées, pour que votre choix soit respecté."
    ),
    "mind": "Changer d'avis",
    "mind_text": (
        "Vous pouvez changer d'avis à tout moment : demandez un nouveau code d'activation "
        "sur {site}/activer/nouveau-code avec votre numéro de sécurité sociale et le numéro "
        "de série de votre carte Vitale, ou adressez-vous à votre caisse d'assurance "
        "maladie ou à un espace France services. Le nouveau code vous est envoyé ; sans "
        "nouvelle opposition, votre espace est ouvert six semaines plus tard."
    ),
    "footer": "Conservez cette attestation. Document établi par Espace Santé.",
}
_EN = {
    "recorded": "Opposition recorded",
    "reference": "Reference:",
    "date": "Date of the opposition:",
    "paris": "Paris time",
    "identity": "Identity of the person",
    "meaning": "What this means",
    "meaning_text": (
        "Your Espace Santé space has not been created. The data prepared for it "
        "(activation codes, pending messages, authorisations, encryption key) has been "
        "erased. No professional, institution or app can add or read any document in it. "
        "Only your identity and the record of your opposition are kept, so that your choice "
        "is respected."
    ),
    "mind": "Changing your mind",
    "mind_text": (
        "You may change your mind at any time: ask for a new activation code at "
        "{site}/activer/nouveau-code with your social security number and your carte "
        "Vitale serial number, or contact your health insurance office or a France services "
        "centre. The new code is sent to you; unless you oppose again, your space opens six "
        "weeks later."
    ),
    "footer": "Keep this proof. Document issued by Espace Santé.",
}
