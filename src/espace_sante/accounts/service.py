"""Use cases of the accounts brick. Each owns its unit of work and commits it."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from espace_sante.accounts.ins import INS_NIR_OID, parse_nir
from espace_sante.accounts.models import Patient, Professional, SpaceState
from espace_sante.accounts.repository import PatientRepository, SpaceRepository
from espace_sante.core import policy
from espace_sante.core.actors import Actor
from espace_sante.core.errors import InvalidInput, NotFound
from espace_sante.core.policy import Action, Resource
from espace_sante.core.uow import UowFactory


class PatientView(BaseModel):
    id: str
    nir: str
    ins_system: str = INS_NIR_OID
    birth_family_name: str
    used_family_name: str | None
    first_names: str
    birth_date: date
    sex: str
    birth_place_code: str
    state: str
    display_name: str

    @classmethod
    def of(cls, p: Patient) -> PatientView:
        return cls(
            id=p.id,
            nir=p.nir,
            birth_family_name=p.birth_family_name,
            used_family_name=p.used_family_name,
            first_names=p.first_names,
            birth_date=p.birth_date,
            sex=p.sex,
            birth_place_code=p.birth_place_code,
            state=p.state,
            display_name=p.display_name,
        )


class SpaceSummary(BaseModel):
    patient: PatientView
    professionals: int
    delegates: int
    accesses: int


class SpaceLinks(BaseModel):
    """What the viewer may open in a space, so pages offer only links that will work."""

    history: bool
    settings: bool
    own_help: bool
    documents: bool  # the space's dossier (its holder, representatives, caregivers)


class AccessEntry(BaseModel):
    occurred_at: datetime
    actor_name: str
    actor_kind: str
    role: str
    organisation: str | None
    action: str
    resource_kind: str
    legal_basis: str | None
    outcome: str


def get_patient(uow_factory: UowFactory, actor: Actor, patient_id: str) -> PatientView:
    with uow_factory(actor) as uow:
        view = PatientView.of(PatientRepository(uow).get(patient_id))
        uow.commit()
        return view


def search_patients_by_ins(uow_factory: UowFactory, actor: Actor, nir: str) -> list[PatientView]:
    """Search by INS-NIR; a malformed NIR is refused before touching anything."""
    parsed = parse_nir(nir)
    with uow_factory(actor) as uow:
        views = [PatientView.of(p) for p in PatientRepository(uow).find_by_nir(parsed.full)]
        uow.commit()
        return views


def search_patient_by_id(
    uow_factory: UowFactory, actor: Actor, patient_id: str
) -> list[PatientView]:
    """``Patient?_id=``: a search (checked and audited as one) that finds nothing where a
    read would answer 404."""
    with uow_factory(actor) as uow:
        try:
            views = [PatientView.of(PatientRepository(uow).get(patient_id, Action.SEARCH))]
        except NotFound:
            views = []
        uow.commit()
        return views


def my_spaces(uow_factory: UowFactory, actor: Actor) -> list[PatientView]:
    with uow_factory(actor) as uow:
        views = [PatientView.of(p) for p in PatientRepository(uow).reachable()]
        uow.commit()
        return views


def space_summary(uow_factory: UowFactory, actor: Actor, patient_id: str) -> SpaceSummary:
    with uow_factory(actor) as uow:
        patient = PatientRepository(uow).get(patient_id)
        counts = SpaceRepository(uow).counts(patient_id)
        summary = SpaceSummary(patient=PatientView.of(patient), **counts)
        uow.commit()
        return summary


def space_links(actor: Actor, patient_id: str) -> SpaceLinks:
    """Asked of the policy registry, not audited: nothing is read here, and each page
    behind a link runs (and audits) its own use case."""

    def allowed(action: Action, resource: Resource) -> bool:
        return policy.decide(actor, action, resource, patient_id).allowed

    return SpaceLinks(
        history=allowed(Action.READ, Resource.ACCESS_HISTORY),
        settings=allowed(Action.READ, Resource.SPACE),
        own_help=allowed(Action.READ, Resource.OWN_DELEGATION),
        documents=allowed(Action.SEARCH, Resource.DOCUMENT),
    )


def access_history(
    uow_factory: UowFactory, actor: Actor, patient_id: str, *, page: int = 1, per_page: int = 50
) -> list[AccessEntry]:
    if page < 1 or not 1 <= per_page <= 200:
        raise InvalidInput("Pagination invalide.", "Invalid pagination.")
    with uow_factory(actor) as uow:
        events = SpaceRepository(uow).history(
            patient_id, limit=per_page, offset=(page - 1) * per_page
        )
        entries = [AccessEntry.model_validate(e, from_attributes=True) for e in events]
        uow.commit()
        return entries


def nir_of(session: Session, patient_id: str) -> str | None:
    """The INS-NIR of a space, for a brick checking that a document addressed to a space
    it was just authorised to write to names the same patient (a CDA header). Not a read
    of the identity on anyone's behalf: nothing is shown, so nothing is audited."""
    return session.scalar(select(Patient.nir).where(Patient.id == patient_id))


def professional_in_directory(session: Session, rpps: str) -> tuple[str, str] | None:
    """Name and profession of a professional of the RPPS directory (reference data, not
    health data), for a brick naming the author of what it stores."""
    found = session.get(Professional, rpps)
    return (found.display_name, found.profession) if found else None


def space_is_open(session: Session, patient_id: str) -> bool:
    """Whether a space takes and shows data (pending or active). For bricks serving actors
    whose basis covers every space (hospitals, labs: no per-space grants), which must not
    reach a closed, opposed or deleted one (decision 0005)."""
    state = session.scalar(select(Patient.state).where(Patient.id == patient_id))
    return state in (SpaceState.PENDING, SpaceState.ACTIVE)


def check_open_for(session: Session, actor: Actor, patient_id: str) -> None:
    """Actors with a default basis (institutions) hold no per-space grants, so the grants
    cannot have left a closed space out for them: the bricks check the space's state
    here (decision 0005), answering "not found". Others reach only what their grants
    allow."""
    if actor.default_basis is not None and not space_is_open(session, patient_id):
        raise NotFound.default()
