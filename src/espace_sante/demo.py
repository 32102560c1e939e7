"""Demo data: a few people, professionals, two system clients and two staff accounts;
for the served demo, documents in their dossiers and their profils médicaux
(``demo_profile``).

Idempotent: loading twice changes nothing. Passwords are development values, published in
the README; production settings refuse to run with the development keys anyway.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from espace_sante.accounts import code_notices
from espace_sante.accounts.activation_codes import CODE_VALIDITY, issue_code, vitale_hash
from espace_sante.accounts.directory import load_directory
from espace_sante.accounts.grants import person_actor, professional_actor
from espace_sante.accounts.ins import control_key
from espace_sante.accounts.models import (
    Account,
    AccountRole,
    CareRelationship,
    CareRole,
    Delegation,
    DelegationKind,
    Patient,
    Professional,
    SpaceState,
)
from espace_sante.accounts.opposition import WINDOW
from espace_sante.accounts.secrets import hash_password
from espace_sante.bootstrap import Container
from espace_sante.core.actors import Actor
from espace_sante.core.crypto import Keyring
from espace_sante.core.errors import InvalidInput
from espace_sante.core.pdf import new_document
from espace_sante.demo_profile import Cast
from espace_sante.demo_profile import load as load_profiles
from espace_sante.dossier import service as dossier
from espace_sante.dossier.views import Metadata
from espace_sante.oauth.clients import register_system_client
from espace_sante.oauth.models import ClientKind

DEMO_PASSWORD = "Demo-Espace-Sante-2026"  # noqa: S105 - development only, in the README
STAFF_TOTP_SECRETS = {  # development only: base32 secrets, published in the README
    "operateur@demo.espace-sante.localhost": "JBSWY3DPEHPK3PXPOPERATOR",
    "commission@demo.espace-sante.localhost": "JBSWY3DPEHPK3PXPCOMMISSN",
}
DIRECTORY = Path(__file__).parent / "demo_data" / "directory.json"


@dataclass(frozen=True)
class DemoPerson:
    email: str
    nir13: str
    birth_family_name: str
    first_names: str
    birth_date: date
    sex: str
    birth_place_code: str


PEOPLE = (
    DemoPerson(
        "camille.martin@demo.espace-sante.localhost",
        "2850575056123",
        "Martin",
        "Camille Anne",
        date(1985, 5, 14),
        "F",
        "75056",
    ),
    DemoPerson(
        "thomas.bernard@demo.espace-sante.localhost",
        "1800369123045",
        "Bernard",
        "Thomas Louis",
        date(1980, 3, 2),
        "M",
        "69123",
    ),
    DemoPerson(
        "jeanne.dubois@demo.espace-sante.localhost",
        "241052A004017",
        "Dubois",
        "Jeanne Marie",
        date(1941, 5, 30),
        "F",
        "2A004",
    ),
)
CHILD = DemoPerson("", "2190975056088", "Bernard", "Léa Rose", date(2019, 9, 8), "F", "75056")


@lru_cache(maxsize=1)
def _demo_password_hash() -> str:
    # One Argon2 hash for every demo account: they share a published password anyway.
    return hash_password(DEMO_PASSWORD)


def load(c: Container, *, documents: bool = False, profile: bool = False) -> list[str]:
    """Load the demo data; return the lines to print for the person running the demo.
    ``documents``: also fill the dossiers; ``profile``: also fill the profils médicaux
    with entries and months of measures (the served demo; tests start empty)."""
    with c.factory() as session:
        load_directory(session, DIRECTORY)
        patients = {p.email: _person(c, session, p) for p in PEOPLE}
        child = _patient(c, session, CHILD)
        session.flush()
        _delegate(c, session, patients[PEOPLE[1].email], child, DelegationKind.LEGAL_REPRESENTATIVE)
        _delegate(
            c,
            session,
            patients[PEOPLE[0].email],
            _own(session, PEOPLE[2]),
            DelegationKind.CAREGIVER,
            days=365,
        )
        _care(
            c,
            session,
            "10001234567",
            [_own(session, p) for p in PEOPLE] + [child],
            CareRole.MEDECIN_TRAITANT,
        )
        _care(c, session, "10002345678", [_own(session, PEOPLE[2])], CareRole.AUTHORISED)
        _care(c, session, "10004567890", [_own(session, PEOPLE[2])], CareRole.AUTHORISED)
        _newcomer(c, session)
        for email in STAFF_TOTP_SECRETS:
            _staff(c, session, email)
        lines = _clients(c, session)
        session.commit()
    if documents:
        _documents(c)
    if profile:
        load_profiles(c, _cast(c))
    return lines


def _cast(c: Container) -> Cast:
    """The demo's people as the actors they sign in as (policy and audit as in use)."""
    now = c.clock.now()
    with c.factory() as session:
        def person(p: DemoPerson) -> Actor:
            account = session.scalar(select(Account).where(Account.email == p.email))
            assert account is not None
            return person_actor(session, account, now=now)

        durand = session.get(Professional, "10001234567")
        assert durand is not None
        spaces = {p.first_names.split()[0]: _own(session, p).id for p in (*PEOPLE, CHILD)}
        camille, thomas, jeanne = (person(p) for p in PEOPLE)
        return Cast(spaces, camille, thomas, jeanne, professional_actor(session, durand),
                    CHILD.birth_date)


# (owner: index in PEOPLE, 3 for Léa; depositor RPPS, None for the owner; title; type;
# days before today of the act; text)
DEMO_DOCUMENTS = (
    (0, "10001234567", "Compte rendu de consultation", "11488-4", 40,
     "Consultation de suivi. Tension 12/8. Poursuite du traitement."),
    (0, "10001234567", "Ordonnance de renouvellement", "57833-6", 40,
     "Amlodipine 5 mg, un comprimé le matin, pendant trois mois."),
    (0, None, "Photo de mon carnet de santé", "DOCPAT", 120,
     "Pages recopiées du carnet de santé de l'enfance."),
    (2, "10002345678", "Compte rendu d'échographie cardiaque", "18748-4", 15,
     "Fonction ventriculaire gauche conservée. Pas d'anomalie valvulaire."),
    (2, "10001234567", "Synthèse médicale", "60591-5", 60,
     "Hypertension artérielle traitée. Allergie à la pénicilline."),
    (3, "10001234567", "Historique de vaccinations", "11369-6", 200,
     "DTCaP-Hib-HepB à 2, 4 et 11 mois. ROR à 12 mois."),
)


def _documents(c: Container) -> None:
    """A few documents in the demo dossiers, deposited through the dossier's use cases (so
    audited and encrypted like any other). Idempotent: a document's demo identifier is
    unique in its space."""
    today = c.clock.now().date()
    for n, (who, rpps, title, type_code, days, text) in enumerate(DEMO_DOCUMENTS):
        with c.factory() as session:
            patient_id = _own(session, PEOPLE[who] if who < len(PEOPLE) else CHILD).id
            if rpps:
                pro = session.get(Professional, rpps)
                assert pro is not None
                actor = professional_actor(session, pro)
            else:
                account = session.scalar(select(Account).where(
                    Account.email == PEOPLE[who].email))
                assert account is not None
                actor = person_actor(session, account, now=c.clock.now())
        pdf = new_document(title, author=actor.display_name)
        pdf.add_page()
        pdf.multi_cell(0, 8, f"{title}\n\n{text}")
        data = bytes(pdf.output())
        meta = Metadata(title, type_code, today - timedelta(days=days),
                        unique_id=f"urn:demo:espace-sante:{n}")
        try:
            dossier.add_document(c, actor, patient_id, dossier.Upload([data], f"{n}.pdf"), meta)
        except InvalidInput:  # loaded before: its identifier exists in the space
            continue


def _patient(c: Container, session: Session, p: DemoPerson) -> Patient:
    nir = p.nir13 + control_key(p.nir13)
    existing = session.scalar(select(Patient).where(Patient.nir == nir))
    if existing:
        return existing
    patient = Patient(
        nir=nir,
        birth_family_name=p.birth_family_name,
        first_names=p.first_names,
        birth_date=p.birth_date,
        sex=p.sex,
        birth_place_code=p.birth_place_code,
        state="active",
        created_at=c.clock.now(),
    )
    session.add(patient)
    return patient


def _person(c: Container, session: Session, p: DemoPerson) -> Account:
    existing = session.scalar(select(Account).where(Account.email == p.email))
    if existing:
        return existing
    patient = _patient(c, session, p)
    session.flush()
    account = Account(
        email=p.email,
        role=AccountRole.PERSON,
        patient_id=patient.id,
        display_name=f"{p.first_names.split()[0]} {p.birth_family_name}",
        password_hash=_demo_password_hash(),
        created_at=c.clock.now(),
    )
    session.add(account)
    return account


def _own(session: Session, p: DemoPerson) -> Patient:
    patient = session.scalar(select(Patient).where(Patient.nir.startswith(p.nir13)))
    assert patient is not None
    return patient


def _delegate(
    c: Container,
    session: Session,
    account: Account,
    patient: Patient,
    kind: DelegationKind,
    days: int | None = None,
) -> None:
    session.flush()
    exists = session.scalar(
        select(Delegation).where(
            Delegation.account_id == account.id, Delegation.patient_id == patient.id
        )
    )
    if exists:
        return
    until = c.clock.now() + timedelta(days=days) if days else None
    session.add(
        Delegation(
            patient_id=patient.id,
            account_id=account.id,
            kind=kind,
            role_detail="parent" if kind is DelegationKind.LEGAL_REPRESENTATIVE else None,
            valid_until=until,
            created_at=c.clock.now(),
        )
    )


def _care(
    c: Container, session: Session, rpps: str, patients: list[Patient], role: CareRole
) -> None:
    for patient in patients:
        exists = session.scalar(
            select(CareRelationship).where(
                CareRelationship.rpps == rpps, CareRelationship.patient_id == patient.id
            )
        )
        if not exists:
            session.add(
                CareRelationship(
                    patient_id=patient.id,
                    rpps=rpps,
                    role=role,
                    declared_by="patient",
                    created_at=c.clock.now(),
                )
            )


def _staff(c: Container, session: Session, email: str) -> None:
    if session.scalar(select(Account).where(Account.email == email)):
        return
    role = AccountRole.OPERATOR if email.startswith("operateur") else AccountRole.COMMISSION
    account = Account(
        email=email,
        role=role,
        display_name=email.split("@")[0].capitalize(),
        password_hash=_demo_password_hash(),
        created_at=c.clock.now(),
    )
    session.add(account)
    session.flush()
    account.totp_secret = Keyring.seal(
        STAFF_TOTP_SECRETS[email].encode(), c.settings.master_key_bytes, account.id.encode()
    )


def _clients(c: Container, session: Session) -> list[str]:
    keys_dir = c.settings.data_dir / "demo-keys"
    lines = []
    for client_id, name, finess in (
        ("chd-demoville", "Centre hospitalier de Démoville", "750000019"),
        ("labo-biodemo", "Laboratoire BioDémo", "690000027"),
    ):
        key_file = register_system_client(
            session,
            client_id=client_id,
            name=name,
            kind=ClientKind.INSTITUTION,
            finess=finess,
            scopes="system/Patient.rs",
            keys_dir=keys_dir,
            now=c.clock.now(),
        )
        lines.append(f"client {client_id}: private key {key_file}")
    return lines


# A person provisioned from the register who has not activated yet: her code is in the
# outbox (/dev/outbox), her carte Vitale serial below. Development only, in the README.
NEWCOMER_NIR13, NEWCOMER_VITALE = "2920675056050", "100200300"
NEWCOMER_EMAIL = "nadia.leroy@demo.espace-sante.localhost"


def _newcomer(c: Container, session: Session) -> None:
    nir = NEWCOMER_NIR13 + control_key(NEWCOMER_NIR13)
    if session.scalar(select(Patient.id).where(Patient.nir == nir)):
        return
    now = c.clock.now()
    patient = Patient(
        nir=nir, birth_family_name="Leroy", first_names="Nadia Claire",
        birth_date=date(1992, 6, 3), sex="F", birth_place_code="75056",
        state=SpaceState.PENDING, created_at=now, contact_email=NEWCOMER_EMAIL,
        vitale_serial_hash=vitale_hash(c.settings.secret_key, NEWCOMER_VITALE),
        window_ends_at=now + WINDOW,
    )
    session.add(patient)
    session.flush()
    code = issue_code(session, patient.id, secret=c.settings.secret_key, now=now)
    notice, sms = code_notices.new_code(
        c.settings, patient, code, expires=now + CODE_VALIDITY, reopened=False
    )
    code_notices.send(session, patient, notice, sms, now=now)
