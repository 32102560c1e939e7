"""Helpers of the dossier tests: actors of the demo, files (PDF, PNG, CI-SIS CDA), the
CI-SIS test patient (the INS every CDA example names)."""

from __future__ import annotations

from datetime import date

from fpdf import FPDF
from sqlalchemy import select

from espace_sante.accounts.models import Account, CareRelationship, CareRole, Patient, SpaceState
from espace_sante.bootstrap import Container
from espace_sante.core.actors import Actor, ActorKind, LegalBasis
from espace_sante.dossier import service as dossier
from espace_sante.dossier.views import DocumentView, Flags, Metadata
from tests.helpers import CAMILLE, DR_DURAND, actor_of, person_session, professional_session
from tests.shared_data import CDA

CDA_DIR = CDA
CISIS_NIR = "279035121518989"  # the CI-SIS examples' test patient
HOSPITAL = "chd-demoville"
DOCUMENT_SCOPES = frozenset({"system/DocumentReference.crs", "system/Binary.r",
                             "system/Patient.rs"})


def pdf_bytes(text: str = "Compte rendu de test") -> bytes:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(text=text)
    return bytes(pdf.output())


def person(c: Container, email: str = CAMILLE) -> Actor:
    return actor_of(c, person_session(c, email))


def professional(c: Container, rpps: str = DR_DURAND) -> Actor:
    return actor_of(c, professional_session(c, rpps))


def hospital(client_id: str = HOSPITAL, scopes: frozenset[str] = DOCUMENT_SCOPES) -> Actor:
    return Actor(kind=ActorKind.INSTITUTION, subject_id=f"client:{client_id}",
                 display_name="Centre hospitalier de Demoville", organisation="CH Demoville",
                 default_basis=LegalBasis.SYSTEM_FEED, scopes=scopes)


def space_of(c: Container, email: str) -> str:
    with c.factory() as session:
        patient_id = session.scalar(select(Account.patient_id).where(Account.email == email))
        assert patient_id is not None
        return patient_id


def cisis_patient(c: Container, *, medecin_traitant: str | None = DR_DURAND) -> str:
    """An active space for the CI-SIS test patient, followed by Dr Durand."""
    now = c.clock.now()
    with c.factory() as session:
        patient = Patient(nir=CISIS_NIR, birth_family_name="CISIS", first_names="Patiente",
                          birth_date=date(1979, 3, 1), sex="F", birth_place_code="51215",
                          state=SpaceState.ACTIVE, created_at=now)
        session.add(patient)
        session.flush()
        if medecin_traitant:
            session.add(CareRelationship(patient_id=patient.id, rpps=medecin_traitant,
                                         role=CareRole.MEDECIN_TRAITANT,
                                         declared_by="patient", created_at=now))
        session.commit()
        return patient.id


def deposit(c: Container, actor: Actor, patient_id: str, data: bytes | None = None, *,
            title: str = "Compte rendu", type_code: str = "11488-4",
            flags: Flags = Flags(), name: str = "cr.pdf") -> DocumentView:
    return dossier.add_document(
        c, actor, patient_id, dossier.Upload([pdf_bytes() if data is None else data], name),
        Metadata(title, type_code, date(2026, 11, 2), flags=flags))
