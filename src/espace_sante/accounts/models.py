"""Tables of the accounts brick. Every patient-scoped row carries ``patient_id``."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, LargeBinary, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from espace_sante.core.db import Base, UTCDateTime, new_id


class SpaceState(StrEnum):
    PENDING = "pending"  # created from the insurer's register, opt-out window running
    ACTIVE = "active"  # opened, by the person or by default at the end of the window
    OPPOSED = "opposed"  # the person opposed: nothing kept but the identity and the proof
    CLOSED = "closed"  # closed by its holder: archived, restorable until purge_due_at
    DELETED = "deleted"  # purged: data key shredded, blobs removed, identity kept as tombstone


class InvitationKind(StrEnum):
    SECOND_PARENT = "second_parent"
    TUTOR = "tutor"
    CAREGIVER = "caregiver"


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
    __table_args__ = (
        # Partial: only children declared in the register have one, and an index entry per
        # adult would be written for nothing at every bulk import.
        Index("ix_patients_declared_by_patient_id", "declared_by_patient_id",
              postgresql_where=text("declared_by_patient_id IS NOT NULL"),
              sqlite_where=text("declared_by_patient_id IS NOT NULL")),
        # Partial for the same reason: at most a few spaces ever have these set, and the
        # bulk import would otherwise write a NULL entry per new space in each.
        Index("ix_patients_purge_due_at", "purge_due_at",
              postgresql_where=text("purge_due_at IS NOT NULL"),
              sqlite_where=text("purge_due_at IS NOT NULL")),
        Index("uq_patients_opposition_ref_hash", "opposition_ref_hash", unique=True,
              postgresql_where=text("opposition_ref_hash IS NOT NULL"),
              sqlite_where=text("opposition_ref_hash IS NOT NULL")),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    nir: Mapped[str] = mapped_column(String(15), unique=True)
    birth_family_name: Mapped[str] = mapped_column(String(100))
    first_names: Mapped[str] = mapped_column(String(200))
    used_family_name: Mapped[str | None] = mapped_column(String(100))
    birth_date: Mapped[date] = mapped_column(Date)
    sex: Mapped[str] = mapped_column(String(1))
    birth_place_code: Mapped[str] = mapped_column(String(5))
    # Not indexed: the jobs find spaces by their dates (window end, purge due), and counts
    # per state read the whole table anyway.
    state: Mapped[str] = mapped_column(String(16), default=SpaceState.ACTIVE)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Contact from the insurer's register, for the activation notice.
    contact_email: Mapped[str | None] = mapped_column(String(254))
    contact_phone: Mapped[str | None] = mapped_column(String(20))
    postal_address: Mapped[str | None] = mapped_column(Text)
    # Second identifying item at activation (carte Vitale serial), HMAC-hashed like a secret.
    vitale_serial_hash: Mapped[str | None] = mapped_column(String(64))
    # Lifecycle dates: the opt-out window, and what happened when.
    window_ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    activated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    opposed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The proof of opposition is downloaded with a random reference: only its hash is kept.
    opposition_ref_hash: Mapped[str | None] = mapped_column(String(64))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # When a closed space is purged: closure + 10 years, or request + at most 3 months.
    purge_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Bulk provisioning (accounts/provisioning.py). The run that created the space tells a
    # NIR repeated in one file from one imported before; no foreign key, as it is only
    # provenance written at 10,000+ rows a second. For a child, the space of the parent who
    # declared it: that parent becomes its legal representative when he activates.
    provisioning_run_id: Mapped[str | None] = mapped_column(String(36))
    declared_by_patient_id: Mapped[str | None] = mapped_column(ForeignKey("patients.id"))

    @property
    def first_name(self) -> str:
        return self.first_names.split(" ")[0]

    @property
    def display_name(self) -> str:
        return f"{self.first_name} {self.used_family_name or self.birth_family_name}"


class Account(Base):
    """A person's or a staff member's account. A person signs in with his e-mail address
    or his mobile number (E.164), whichever he verified at activation; at least one is set."""

    __tablename__ = "accounts"
    __table_args__ = (
        # Partial, as most accounts have no phone; unique, as it identifies at sign-in.
        Index("uq_accounts_phone", "phone", unique=True,
              postgresql_where=text("phone IS NOT NULL"),
              sqlite_where=text("phone IS NOT NULL")),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
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
    # For representatives: "parent", "guardian" (end at 18) or "tutor" (protected adult).
    role_detail: Mapped[str | None] = mapped_column(String(16))
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


class ActivationCode(Base):
    """A provisional activation code (6 weeks). Only its HMAC is stored; a new code kills
    the previous ones."""

    __tablename__ = "activation_codes"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ProvisioningRun(Base):
    """One import of a register file; resumable from ``lines_done`` after a crash."""

    __tablename__ = "provisioning_runs"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    file_name: Mapped[str] = mapped_column(String(255))
    file_sha256: Mapped[str] = mapped_column(String(64), index=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    lines_done: Mapped[int] = mapped_column(Integer, default=0)
    created: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[int] = mapped_column(Integer, default=0)
    started_by: Mapped[str] = mapped_column(String(128))


class ProvisioningIssue(Base):
    """A refused line of a register file: its number and the reason, in French."""

    __tablename__ = "provisioning_issues"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    run_id: Mapped[str] = mapped_column(ForeignKey("provisioning_runs.id"), index=True)
    line_no: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text)
    reason_en: Mapped[str | None] = mapped_column(Text)  # for the console in English


class Invitation(Base):
    """An invitation to act for a space: second parent, tutor or caregiver. The link
    carries a random token; only its hash is stored."""

    __tablename__ = "invitations"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    invited_by: Mapped[str] = mapped_column(ForeignKey("accounts.id"))
    invitee_email: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # For caregivers: when the delegation itself ends.
    delegation_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
