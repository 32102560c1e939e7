"""Which space a request is about: the ``patient`` search parameter, or the patient a
client's resource names (``Patient/<id>`` or its INS-NIR, found through the accounts
brick's own search, which applies the policy and audits it)."""

from __future__ import annotations

import re
from collections.abc import Mapping

from espace_sante.accounts import service as accounts
from espace_sante.core.actors import Actor
from espace_sante.core.errors import InvalidInput, NotFound
from espace_sante.fhir.errors import BadRequest
from espace_sante.fhir.interactions import Services

_ID = re.compile(r"^[A-Za-z0-9\-.]{1,64}$")


def patient_param(params: Mapping[str, str], name: str = "patient") -> str:
    """``patient=Patient/<id>`` or ``patient=<id>``, required: a search is about one space."""
    value = params.get(name, "").removeprefix("Patient/")
    if not _ID.match(value):
        raise BadRequest(f"Précisez le patient : {name}=Patient/<id>.",
                         f"Give the patient: {name}=Patient/<id>.")
    return value


def space_of(services: Services, actor: Actor, patient: tuple[str | None, str | None],
             where: str) -> str:
    """The space of a (NIR, id) pair read by ``mapping.coding.patient_reference``."""
    nir, patient_id = patient
    if patient_id is not None:
        return patient_id
    try:
        found = accounts.search_patients_by_ins(services.uow, actor, str(nir))
    except InvalidInput as exc:
        raise BadRequest(f"{where} : {exc.message}", f"{where}: {exc.message_en}") from exc
    if len(found) != 1:
        raise NotFound(f"{where} : aucun espace santé accessible pour cet INS.",
                       f"{where}: no reachable health space for this INS.")
    return found[0].id
