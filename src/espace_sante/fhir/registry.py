"""The resource types the FHIR front door implements. Add a type here and the router
serves it and the CapabilityStatement and SMART configuration announce it."""

from __future__ import annotations

from types import MappingProxyType

from espace_sante.fhir import clinical, documents, observations, patient, transactions
from espace_sante.fhir.interactions import Registry

RESOURCES: Registry = MappingProxyType({s.type: s for s in (
    patient.SUPPORT, documents.DOCUMENT_REFERENCE, documents.BINARY,
    observations.OBSERVATION, *clinical.SUPPORTS)})
# POST [base] with a transaction Bundle: the MHD provide-document bundle (ITI-65), or an
# import of a patient's records (measures, profile entries) into his space.
TRANSACTION = transactions.transaction
TRANSACTION_PARAMS = transactions.PARAMS
