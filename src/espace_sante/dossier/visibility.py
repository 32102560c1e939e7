"""Which documents of a space an actor sees, as SQL conditions, so that lists, counts,
searches, reads and downloads all apply the same filter (DOMAIN.md, confidentiality).

The policy says whether an actor may read a space's documents at all; this says which:
- the patient (and an app or caregiver acting for him) never sees what a professional made
  invisible to him until an announcement consultation;
- legal representatives, in addition, never see a minor's confidential care;
- the médecin traitant and administrators see everything, masked documents included;
  other professionals do not see masked documents, unless they deposited them ("invisible
  to the patient" does not hide a document from carers);
- an institution's system sees only what it deposited itself (its read-back).
Deleted documents are seen by nobody but the space's holders, in its history.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, false, or_, true

from espace_sante.core.actors import Actor, ActorKind, LegalBasis
from espace_sante.core.policy import acting_kind
from espace_sante.dossier.codes import Status
from espace_sante.dossier.models import Document as D  # noqa: N817 - read as a table alias

_WHOLE_RECORD = frozenset({LegalBasis.MEDECIN_TRAITANT, LegalBasis.ADMINISTRATOR})
HOLDERS = frozenset({ActorKind.PATIENT, ActorKind.LEGAL_REPRESENTATIVE})


def conditions(actor: Actor, patient_id: str, *,
               history: bool = False) -> list[ColumnElement[bool]]:
    """The filter on ``documents`` for this actor in this space. ``history``: include
    replaced and deleted documents (the holders' history page)."""
    basis = actor.basis_for(patient_id)
    kind = acting_kind(actor.kind, basis)
    where = [D.patient_id == patient_id, _confidentiality(actor, kind, basis)]
    if not (history and kind in HOLDERS):
        where.append(D.status != Status.DELETED)
    return where


def _confidentiality(actor: Actor, kind: ActorKind,
                     basis: LegalBasis | None) -> ColumnElement[bool]:
    if kind is ActorKind.LEGAL_REPRESENTATIVE:
        return (D.invisible_to_patient.is_(False)) & (D.invisible_to_representatives.is_(False))
    if kind in (ActorKind.PATIENT, ActorKind.APP):
        return D.invisible_to_patient.is_(False)
    if kind is ActorKind.CAREGIVER:
        # Why both: a caregiver sees what the holder sees, and a minor's confidential care
        # is hidden from anyone acting for the minor but the minor himself.
        return (D.invisible_to_patient.is_(False)) & (D.invisible_to_representatives.is_(False))
    if kind is ActorKind.PROFESSIONAL:
        if basis in _WHOLE_RECORD:
            return true()
        return or_(D.masked_from_professionals.is_(False), D.depositor_id == actor.subject_id)
    if kind is ActorKind.INSTITUTION:
        return D.depositor_id == actor.subject_id
    return false()


def is_author(actor: Actor, depositor_id: str) -> bool:
    return depositor_id == actor.subject_id
