"""What one batch of register lines writes: rows as plain dicts, ready for bulk insert.

For each new person: a pending ``Patient``, an ``ActivationCode`` (its HMAC only), the
notice in the outbox (the code in clear appears only there) and the first event of the
space's audit chain, hashed exactly as ``audit.append`` would hash it.

Two steps, so that the costly one overlaps the database's work on the previous batch:
``draft_batch`` computes every row a valid line could need (ids, code, hashes, notice, and
on PostgreSQL their COPY text) without the database; ``plan_batch``, given the NIRs found
in the database, keeps the new persons, links children to their parents and refuses
duplicates.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple

from espace_sante.accounts.activation_codes import CODE_VALIDITY
from espace_sante.accounts.models import DelegationKind, SpaceState
from espace_sante.accounts.provisioning_batch import OPPOSITION_WINDOW, Row, Spans, Stamp
from espace_sante.accounts.provisioning_codes import new_codes, new_ids, shown
from espace_sante.accounts.provisioning_notices import Addressee, compose
from espace_sante.accounts.register import LineError
from espace_sante.accounts.register_fields import Person, channel
from espace_sante.core import audit

DUPLICATE = ("nir : personne déjà présente plus haut dans ce fichier.",
             "nir: person already listed earlier in this file.")
UNKNOWN_PARENT = ("parent_nir : parent inconnu ; il doit figurer plus haut dans le fichier ou "
                  "avoir déjà été importé.",
                  "parent_nir: unknown parent; they must be listed earlier in the file or "
                  "already imported.")
NO_CONTACT = ("aucun moyen de prévenir la famille : ni l'enfant ni son parent n'ont de "
              "coordonnées pour ce canal.",
              "no way to notify the family: neither the child nor the parent has contact "
              "details for this channel.")


class Known(NamedTuple):
    """A NIR already in the database (or created earlier in the batch)."""

    patient_id: str
    run_id: str | None
    addressee: Addressee
    account_id: str | None = None  # the person's account, once activated


@dataclass(slots=True)
class Draft:
    """A valid line's rows, computed before knowing whether the person is new."""

    person: Person
    patient: Row
    code: Row
    event: Row
    shown_code: str
    message: Row | None  # None for a child: the parent, known later, reads it
    spans: Spans | None = None  # set when the rows are already formatted for COPY


@dataclass
class Plan:
    patients: list[Row] = field(default_factory=list)
    codes: list[Row] = field(default_factory=list)
    messages: list[Row] = field(default_factory=list)
    events: list[Row] = field(default_factory=list)
    delegations: list[Row] = field(default_factory=list)
    issues: list[Row] = field(default_factory=list)
    copied: list[Spans] = field(default_factory=list)  # new adults already formatted
    unchanged: int = 0

    @property
    def created(self) -> int:
        return len(self.patients) + len(self.copied)

    def refuse(self, run_id: str, line_no: int, message: str, message_en: str) -> None:
        self.issues.append({"id": new_ids(1)[0], "run_id": run_id, "line_no": line_no,
                            "reason": message, "reason_en": message_en})


def draft_batch(records: list[Person | LineError], stamp: Stamp) -> list[Draft | LineError]:
    people = [r for r in records if isinstance(r, Person)]
    ids, codes = iter(new_ids(4 * len(people))), iter(new_codes(len(people)))
    return [r if isinstance(r, LineError) else _draft(r, ids, next(codes), stamp)
            for r in records]


def _draft(p: Person, ids: Any, code: str, stamp: Stamp) -> Draft:
    patient_id, event_id, now = next(ids), next(ids), stamp.now
    patient = {
        "id": patient_id, "nir": p.nir, "birth_family_name": p.birth_family_name,
        "first_names": p.first_names, "used_family_name": p.used_family_name,
        "birth_date": p.birth_date, "sex": p.sex, "birth_place_code": p.birth_place_code,
        "state": SpaceState.PENDING.value, "created_at": now,
        "contact_email": p.email, "contact_phone": p.phone, "postal_address": p.postal_address,
        "vitale_serial_hash": stamp.hashes.vitale(p.vitale_serial) if p.vitale_serial else None,
        "window_ends_at": now + OPPOSITION_WINDOW,
        "provisioning_run_id": stamp.run_id, "declared_by_patient_id": None,
    }
    code_row = {"id": next(ids), "patient_id": patient_id, "created_at": now, "attempts": 0,
                "code_hash": stamp.hashes.code(patient_id, code),
                "expires_at": now + CODE_VALIDITY}
    event = {**stamp.event_base, "id": event_id, "chain": patient_id, "patient_id": patient_id,
             "resource_id": patient_id, "hash": stamp.space_event_hash(event_id, patient_id)}
    draft = Draft(p, patient, code_row, event, shown(code), None)
    if p.parent_nir is None:
        to = Addressee(p.display_name, p.email, p.phone, p.postal_address)
        draft.message = _message(draft, to, next(ids), stamp, child=None)
        if stamp.buffers is not None and draft.message is not None:
            draft.spans = stamp.buffers.add(patient, code_row, draft.message, event)
    return draft


def _message(draft: Draft, to: Addressee, message_id: str, stamp: Stamp,
             child: str | None) -> Row | None:
    way = channel(draft.person.notice, to.email, to.phone, to.address)
    if way is None:
        return None
    notice = compose(way, to, draft.shown_code, stamp.window, child)
    return {"id": message_id, "channel": notice.channel.value, "recipient": notice.recipient,
            "subject": notice.subject, "body": notice.body,
            "patient_id": draft.patient["id"], "created_at": stamp.now, "attempts": 0,
            "next_attempt_at": stamp.now}


def plan_batch(drafts: list[Draft | LineError], known: dict[str, Known],
               stamp: Stamp) -> Plan:
    """The rows to write; ``known`` holds the batch's NIRs (and its children's parents'
    NIRs) found in the database. A parent created earlier in the batch is found too."""
    plan, fresh = Plan(), dict[str, Known]()
    for d in drafts:
        if isinstance(d, LineError):
            plan.refuse(stamp.run_id, d.line_no, d.message, d.message_en)
            continue
        seen = known.get(d.person.nir)
        if d.person.nir in fresh or (seen is not None and seen.run_id == stamp.run_id):
            plan.refuse(stamp.run_id, d.person.line_no, *DUPLICATE)
        elif seen is not None:
            plan.unchanged += 1  # already provisioned (or opposed): nothing changes
        else:
            _plan_new(plan, d, known, fresh, stamp)
    return plan


def _plan_new(plan: Plan, d: Draft, known: dict[str, Known], fresh: dict[str, Known],
              stamp: Stamp) -> None:
    parent = None
    if d.person.parent_nir is not None:  # a child
        parent = _adopt(plan, d, known, fresh, stamp)
        if parent is None:
            return
    assert d.message is not None
    if d.spans is not None:
        plan.copied.append(d.spans)
    else:
        plan.patients.append(d.patient)
        plan.codes.append(d.code)
        plan.messages.append(d.message)
        plan.events.append(d.event)
    if parent is not None and parent.account_id is not None:
        _represent(plan, d, parent.account_id, stamp)
    p = d.person
    fresh[p.nir] = Known(d.patient["id"], stamp.run_id,
                         Addressee(p.display_name, p.email, p.phone, p.postal_address))


def _adopt(plan: Plan, d: Draft, known: dict[str, Known], fresh: dict[str, Known],
           stamp: Stamp) -> Known | None:
    """The parent who declared the child, the child's notice addressed to him; None (and
    the line refused) when the parent is unknown or nobody can be notified."""
    p = d.person
    assert p.parent_nir is not None
    parent = fresh.get(p.parent_nir) or known.get(p.parent_nir)
    if parent is None:
        plan.refuse(stamp.run_id, p.line_no, *UNKNOWN_PARENT)
        return None
    # The parent reads the notice, at the child's contact details when the register gives
    # some (the household's), else at his own; they become the child's contact on file.
    to = parent.addressee
    if p.email or p.phone or p.postal_address:
        to = Addressee(to.name, p.email, p.phone, p.postal_address)
    d.message = _message(d, to, new_ids(1)[0], stamp, child=p.display_name)
    if d.message is None:
        plan.refuse(stamp.run_id, p.line_no, *NO_CONTACT)
        return None
    d.patient.update(contact_email=to.email, contact_phone=to.phone, postal_address=to.address,
                     declared_by_patient_id=parent.patient_id)
    return parent


def _represent(plan: Plan, d: Draft, account_id: str, stamp: Stamp) -> None:
    """A parent who already has an account represents the child at once; one who has not
    gets the delegation when he activates (``Patient.declared_by_patient_id``)."""
    delegation_id, event_id = new_ids(2)
    patient_id = d.patient["id"]
    plan.delegations.append({
        "id": delegation_id, "patient_id": patient_id, "account_id": account_id,
        "kind": DelegationKind.LEGAL_REPRESENTATIVE.value, "role_detail": "parent",
        "created_at": stamp.now,
    })
    event = {**d.event, "id": event_id, "seq": 2, "prev_hash": d.event["hash"],
             "resource_kind": "delegation", "resource_id": delegation_id,
             "detail": "parent declared in the insurer's register"}
    content = {name: event[name] for name in audit.AuditEvent.HASHED}
    content["occurred_at"] = audit.format_instant(stamp.now)
    event["hash"] = audit.content_hash(content)
    plan.events.append(event)
