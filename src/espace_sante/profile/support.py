"""What the profile's use cases share: the views of rows, where an entry comes from
(checked against who sends it), the day it is in Paris, and small checks."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta

from espace_sante.accounts.dates import paris_today
from espace_sante.core import policy
from espace_sante.core.actors import Actor, ActorKind
from espace_sante.core.errors import DomainError, InvalidInput, NotFound
from espace_sante.core.services import Services
from espace_sante.profile.codes import MeasureKind, Section, SourceKind, Status
from espace_sante.profile.models import Measure, ProfileItem
from espace_sante.profile.sections import SPECS, FieldKind
from espace_sante.profile.views import FieldValue, ItemView, MeasureView

REF_MAX = 128
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
# A device's clock may run a little ahead of ours; beyond that, a date is in the future.
CLOCK_SKEW = timedelta(minutes=5)

# What each kind of sender may say its data is; the first is the default.
_SOURCES: dict[ActorKind, tuple[SourceKind, ...]] = {
    ActorKind.PATIENT: (SourceKind.PATIENT,),
    ActorKind.LEGAL_REPRESENTATIVE: (SourceKind.PATIENT,),
    ActorKind.CAREGIVER: (SourceKind.PATIENT,),
    ActorKind.PROFESSIONAL: (SourceKind.PROFESSIONAL, SourceKind.DOCUMENT),
    ActorKind.APP: (SourceKind.APP, SourceKind.DEVICE),
    ActorKind.INSTITUTION: (SourceKind.IMPORT, SourceKind.DOCUMENT),
    ActorKind.SYSTEM: (SourceKind.DOCUMENT, SourceKind.IMPORT),
}


def source_for(actor: Actor, patient_id: str, claimed: SourceKind | None) -> SourceKind:
    """A patient's entry is the patient's, whatever he says; an app may say a connected
    device measured it, an institution that it comes from one of its documents."""
    kind = policy.acting_kind(actor.kind, actor.basis_for(patient_id))
    allowed = _SOURCES.get(kind, ())
    if claimed is None and allowed:
        return allowed[0]
    if claimed not in allowed:
        raise InvalidInput(f"Source « {claimed} » non admise pour cet envoi.",
                           f"Source \"{claimed}\" not allowed for this sender.",
                           {"field": "source"})
    return claimed


def checked_ref(ref: str | None, name: str = "source_ref") -> str | None:
    ref = (ref or "").strip() or None
    if ref is not None and (len(ref) > REF_MAX or not ref.isprintable()):
        raise InvalidInput(f"Référence invalide ({REF_MAX} caractères au plus).",
                           f"Invalid reference ({REF_MAX} characters at most).",
                           {"field": name})
    return ref


def checked_instant(at: datetime, now: datetime) -> datetime:
    if at.tzinfo is None:
        raise InvalidInput("La date de la mesure doit préciser son fuseau horaire.",
                           "The measure's date must carry its time zone.",
                           {"field": "effective_at"})
    if at > now + CLOCK_SKEW:
        raise InvalidInput("La date de la mesure est dans le futur : rien n'a été enregistré.",
                           "The measure's date is in the future: nothing was stored.",
                           {"field": "effective_at"})
    if at < EARLIEST:
        raise InvalidInput("La date de la mesure est antérieure à 1900.",
                           "The measure's date is before 1900.", {"field": "effective_at"})
    return at.astimezone(UTC)


def today(svc: Services) -> date:
    return paris_today(svc.clock.now())


def item_view(row: ProfileItem, documents: list[str] | None = None) -> ItemView:
    section = Section(row.section)
    return ItemView(
        id=row.id, patient_id=row.patient_id, section=section,
        data=_typed(section, row.data), code=row.code, code_system=row.code_system,
        effective_date=row.effective_date, source=SourceKind(row.source),
        source_ref=row.source_ref, recorded_by=row.recorded_by, recorded_at=row.recorded_at,
        updated_at=row.updated_at, status=Status(row.status), deleted_at=row.deleted_at,
        documents=tuple(documents or ()))


def _typed(section: Section, data: dict[str, FieldValue]) -> dict[str, FieldValue]:
    """Dates come back as ``date`` (JSON stores them as ISO strings)."""
    spec = SPECS[section]
    typed: dict[str, FieldValue] = {}
    for name, value in data.items():
        field = spec.field(name)
        is_date = field is not None and field.kind is FieldKind.DATE
        typed[name] = date.fromisoformat(value) if is_date and isinstance(value, str) else value
    return typed


def measure_view(row: Measure) -> MeasureView:
    return MeasureView(
        id=row.id, patient_id=row.patient_id, type=MeasureKind(row.type), value=row.value,
        value2=row.value2, unit=row.unit, original_value=row.original_value,
        original_value2=row.original_value2, original_unit=row.original_unit,
        effective_at=row.effective_at, source=SourceKind(row.source),
        source_ref=row.source_ref, source_document_id=row.source_document_id,
        recorded_by=row.recorded_by, recorded_at=row.recorded_at, status=Status(row.status))


@contextmanager
def labelled(label: str | None) -> Iterator[None]:
    """Prefix a refusal's message with the entry's label (an import's "entry[3]")."""
    try:
        yield
    except DomainError as exc:
        if label and not isinstance(exc, NotFound):
            exc.message = f"{label} : {exc.message}"
            exc.message_en = f"{label}: {exc.message_en}"
        raise
