"""Adding, changing and deleting the entries of the profile's sections, and linking them
to documents. Each runs in one unit of work bound to the actor, which asks the policy and
writes the audit trail; the entry is checked against its section (``fields``) first."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from espace_sante.core.actors import Actor
from espace_sante.core.errors import Conflict, InvalidInput, NotFound
from espace_sante.core.policy import Action, Resource
from espace_sante.core.services import Services
from espace_sante.core.uow import UnitOfWork
from espace_sante.profile import links
from espace_sante.profile.codes import SECTION_LABELS, Section, Status
from espace_sante.profile.fields import Json, checked_data, checked_section_code
from espace_sante.profile.models import ProfileItem
from espace_sante.profile.repository import ItemRepository
from espace_sante.profile.sections import SPECS, SectionSpec
from espace_sante.profile.support import checked_ref, item_view, source_for, today
from espace_sante.profile.views import ItemChanges, ItemInput, ItemView
from espace_sante.profile.visibility import is_holder

MAX_LINKS = 20


def add_item(svc: Services, actor: Actor, patient_id: str, item: ItemInput) -> ItemView:
    spec = SPECS[item.section]
    document_ids = _checked_ids(item.document_ids)
    with svc.uow(actor) as uow:
        repo = ItemRepository(uow)
        repo.authorize(Action.CREATE, Resource.PROFILE, patient_id)
        data = checked_data(spec, item.data, today(svc), with_documents=bool(document_ids))
        code, system = checked_section_code(spec, item.code, item.code_system)
        if spec.single and repo.active_in(patient_id, spec.section) is not None:
            label = SECTION_LABELS[spec.section]
            raise Conflict(f"La rubrique « {label[0]} » a déjà une valeur : modifiez-la.",
                           f"The \"{label[1]}\" section already has a value: change it.")
        now = svc.clock.now()
        row = ProfileItem(
            patient_id=patient_id, section=spec.section, data=data, code=code,
            code_system=system, effective_date=None, source=source_for(actor, patient_id, None),
            source_ref=checked_ref(item.source_ref), recorded_by=actor.subject_id,
            status=Status.ACTIVE, recorded_at=now, updated_at=now)
        _date(spec, row)
        repo.add(row)
        target = links.target(spec.section, row.id)
        for document_id in document_ids:
            links.link_document(uow, patient_id, document_id, target)
        view = item_view(row, list(document_ids))
        uow.commit()
        return view


def update_item(svc: Services, actor: Actor, patient_id: str, item_id: str,
                changes: ItemChanges) -> ItemView:
    with svc.uow(actor) as uow:
        row = ItemRepository(uow).item(patient_id, item_id, Action.UPDATE)
        spec = SPECS[Section(row.section)]
        target = links.target(spec.section, row.id)
        documents = documents_of(uow, patient_id, [target]).get(target, [])
        row.data = checked_data(spec, _merged(row.data, changes.data), today(svc),
                                with_documents=bool(documents))
        if changes.code is not None or changes.code_system is not None:
            row.code, row.code_system = checked_section_code(spec, changes.code,
                                                             changes.code_system)
        _date(spec, row)
        row.updated_at = svc.clock.now()
        view = item_view(row, documents)
        uow.commit()
        return view


def delete_item(svc: Services, actor: Actor, patient_id: str, item_id: str) -> None:
    """The holder deletes any entry; a professional only what he recorded. The row stays
    (status deleted, in the history), and so do its links to documents."""
    with svc.uow(actor) as uow:
        row = ItemRepository(uow).item(patient_id, item_id, Action.DELETE)
        if not is_holder(actor, patient_id) and row.recorded_by != actor.subject_id:
            raise NotFound.default()
        now = svc.clock.now()
        row.status, row.deleted_at, row.updated_at = Status.DELETED, now, now
        uow.commit()


def link_document(svc: Services, actor: Actor, patient_id: str, item_id: str,
                  document_id: str, *, linked: bool = True) -> ItemView:
    """Link (or, ``linked=False``, unlink) a document of the dossier to an entry."""
    with svc.uow(actor) as uow:
        row = ItemRepository(uow).item(patient_id, item_id, Action.UPDATE)
        target = links.target(Section(row.section), row.id)
        [document_id] = _checked_ids((document_id,))
        if linked:
            links.link_document(uow, patient_id, document_id, target)
        else:
            links.unlink_document(uow, patient_id, document_id, target)
        view = item_view(row, documents_of(uow, patient_id, [target]).get(target, []))
        uow.commit()
        return view


def documents_of(uow: UnitOfWork, patient_id: str,
                 targets: list[str]) -> dict[str, list[str]]:
    return links.linked_documents(uow, patient_id, targets)


def _merged(data: Mapping[str, Json], changes: Mapping[str, object]) -> dict[str, object]:
    merged: dict[str, object] = dict(data)
    for name, value in changes.items():
        if value is None:
            merged.pop(name, None)
        else:
            merged[name] = value
    return merged


def _date(spec: SectionSpec, row: ProfileItem) -> None:
    value = row.data.get(spec.date_field) if spec.date_field else None
    row.effective_date = date.fromisoformat(value) if isinstance(value, str) else None


def _checked_ids(ids: tuple[str, ...]) -> tuple[str, ...]:
    unique = tuple(dict.fromkeys(i.strip() for i in ids if i.strip()))
    if len(unique) > MAX_LINKS or any(len(i) > 36 for i in unique):
        raise InvalidInput(f"De 0 à {MAX_LINKS} documents liés, par leur identifiant.",
                           f"From 0 to {MAX_LINKS} linked documents, by their id.",
                           {"field": "document_ids"})
    return unique
