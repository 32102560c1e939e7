"""``POST [base]`` with a transaction Bundle: an IHE MHD provide-document bundle (ITI-65,
``documents.transaction``) when it carries documents, otherwise an import of a patient's
records into his profile (``imports.transaction``). Each is all or nothing."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from espace_sante.core.actors import Actor
from espace_sante.fhir import documents, imports
from espace_sante.fhir.errors import UnsupportedParameter
from espace_sante.fhir.interactions import Resource, Services

PARAMS = frozenset({"patient"})  # the space an import fills
# What makes a provide-document bundle: its SubmissionSet, its documents and their bytes.
_MHD_TYPES = frozenset({"List", "DocumentReference", "Binary"})


def transaction(services: Services, actor: Actor, bundle: Any,
                params: Mapping[str, str]) -> Resource:
    if not _is_import(bundle):
        if params:
            raise UnsupportedParameter(
                "Un lot de soumission de documents (ITI-65) ne prend pas de paramètre : le "
                "patient est celui de la SubmissionSet.",
                "A provide-document bundle (ITI-65) takes no parameter: the patient is the "
                "SubmissionSet's.")
        return documents.transaction(services, actor, bundle)
    return imports.transaction(services, actor, bundle, params)


def _is_import(bundle: Any) -> bool:
    """A transaction whose entries hold no document: anything else is read as ITI-65, whose
    parser says what is wrong with it."""
    entries = bundle.get("entry") if isinstance(bundle, dict) else None
    if bundle is None or not isinstance(entries, list) or not entries:
        return False
    kinds = {(e.get("resource") or {}).get("resourceType") for e in entries
             if isinstance(e, dict) and isinstance(e.get("resource"), dict)}
    return bundle.get("type") == "transaction" and not kinds & _MHD_TYPES
