"""Tables of the accounts brick. Every patient-scoped row carries ``patient_id``."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Boolean, Date, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from espace_sante.core.db import Base, UTCDateTime, new_id


class SpaceState(StrEnum):
    PENDING = "pending"  # created from the insurer's register, opt-out window running
    ACTIVE = "active"
    OPPOSED = "opposed"
    CLOSED = "closed"


class AccountRole(StrEnum):
    PERSON = "person"  # a patient, who may also represent or help others
    OPERATOR = "operator"
    COMMISSION = "commission"


class DelegationKind(StrEnum):
    LEGAL_REPRESENTATIVE = "legal_representative"
    CAREGIVER = "caregiver"


class CareRole(StrEnum):
    MEDECIN_TRAITANT = "medecin_traitant"
    ADMINISTRATOR = "administrator"
    AUTHORISED = "authorised"
    BLOCKED = "blocked"


class Patient(Base):
    """A patient space and its INS identity traits."""

    __tablename__ = "patients"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    nir: Mapped[str] = mapped_column(String(15), unique=True)
    birth_family_name: Mapped[str] = mapped_column(String(100))
    first_names: Mapped[str] = mapped_column(String(200))
    used_family_name: Mapped[str | None] = mapped_column(String(100))
    birth_date: Mapped[date] = mapped_column(Date)
    sex: Mapped[str] = mapped_column(String(1))
    birth_place_code: Mapped[str] = mapped_column(String(5))
    state: Mapped[str] = mapped_column(String(16), default=SpaceState.ACTIVE)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    @property
    def first_name(self) -> str:
        return self.first_names.split(" ")[0]

    @property
    def display_name(self) -> str:
        return f"{self.first_name} {self.used_family_name or self.birth_family_name}"


class Account(Base):
    __tablename__ = "accounts"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    phone: Mapped[str | None] = mapped_column(String(20))
    role: Mapped[str] = mapped_column(String(16), default=AccountRole.PERSON)
    display_name: Mapped[str] = mapped_column(String(200))
    patient_id: Mapped[str | None] = mapped_column(ForeignKey("patients.id"), index=True)
    password_hash: Mapped[str | None] = mapped_column(String(200))
    totp_secret: Mapped[bytes | None] = mapped_column(LargeBinary)  # sealed by the master key
    otp_channel: Mapped[str] = mapped_column(String(8), default="email")
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Delegation(Base):
    """A person who acts for a patient space: legal representative or caregiver."""

    __tablename__ = "delegations"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.id"), index=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    valid_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Institution(Base):
    """A health institution (FINESS), a lab, a booking service or the insurer."""

    __tablename__ = "institutions"

    finess: Mapped[str] = mapped_column(String(9), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32))
    city: Mapped[str | None] = mapped_column(String(100))


class Professional(Base):
    """The professionals directory (RPPS), a reference table."""

    __tablename__ = "professionals"

    rpps: Mapped[str] = mapped_column(String(11), primary_key=True)
    family_name: Mapped[str] = mapped_column(String(100))
    given_name: Mapped[str] = mapped_column(String(100))
    profession_code: Mapped[str] = mapped_column(String(8))
    profession: Mapped[str] = mapped_column(String(64))
    specialty: Mapped[str | None] = mapped_column(String(100))
    organisation_finess: Mapped[str | None] = mapped_column(ForeignKey("institutions.finess"))
    email: Mapped[str | None] = mapped_column(String(254))

    @property
    def display_name(self) -> str:
        return f"{self.given_name} {self.family_name}"


class CareRelationship(Base):
    """Why a professional may (or may not) reach a patient space."""

    __tablename__ = "care_relationships"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.id"), index=True)
    rpps: Mapped[str] = mapped_column(ForeignKey("professionals.rpps"), index=True)
    role: Mapped[str] = mapped_column(String(32))
    declared_by: Mapped[str] = mapped_column(String(32))  # patient | professional
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class WebSession(Base):
    """A signed-in browser. The cookie holds a random token; only its hash is stored."""

    __tablename__ = "web_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[str | None] = mapped_column(ForeignKey("accounts.id"), index=True)
    rpps: Mapped[str | None] = mapped_column(ForeignKey("professionals.rpps"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class LoginChallenge(Base):
    """The second step of a patient's sign-in: a one-time code sent by e-mail or SMS."""

    __tablename__ = "login_challenges"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    consumed: Mapped[bool] = mapped_column(Boolean, default=False)


class AttemptWindow(Base):
    """Sign-in attempts per source address and minute (rate limit shared by processes)."""

    __tablename__ = "attempt_windows"

    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime())
    count: Mapped[int] = mapped_column(Integer, default=0)
