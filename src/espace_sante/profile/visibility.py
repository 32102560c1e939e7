"""Which entries and measures of a space an actor sees, as SQL conditions, so that lists,
counts, histories, charts and reads all apply the same filter.

The policy says whether an actor may read a space's profile or measures at all; this says
which rows: an institution's system sees only what it recorded itself (its read-back, as
for documents); everyone the policy lets in sees the rest of the space. Deleted rows are
seen by nobody but the space's holders, in its history.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement

from espace_sante.core.actors import Actor, ActorKind
from espace_sante.core.policy import acting_kind
from espace_sante.profile.codes import Status
from espace_sante.profile.models import Measure, ProfileItem

HOLDERS = frozenset({ActorKind.PATIENT, ActorKind.LEGAL_REPRESENTATIVE})


def conditions(table: type[ProfileItem] | type[Measure], actor: Actor, patient_id: str, *,
               history: bool = False) -> list[ColumnElement[bool]]:
    """``history``: include deleted rows (the holders' history)."""
    kind = acting_kind(actor.kind, actor.basis_for(patient_id))
    where = [table.patient_id == patient_id]
    if kind is ActorKind.INSTITUTION:
        where.append(table.recorded_by == actor.subject_id)
    if not (history and kind in HOLDERS):
        where.append(table.status != Status.DELETED)
    return where


def is_holder(actor: Actor, patient_id: str) -> bool:
    return acting_kind(actor.kind, actor.basis_for(patient_id)) in HOLDERS
