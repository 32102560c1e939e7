"""The CapabilityStatement (``GET /fhir/metadata``), built from the resource registry so it
lists exactly what the router serves."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from espace_sante import __version__
from espace_sante.fhir import smart
from espace_sante.fhir.interactions import Registry, ResourceSupport

OAUTH_URIS = "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris"
SECURITY_SERVICE = "http://terminology.hl7.org/CodeSystem/restful-security-service"
TRANSACTION_DOC = (
    "POST [base] : lot de soumission de documents IHE MHD (ITI-65), ou importation des "
    "mesures et du profil médical d'un patient (POST [base]?patient=Patient/<id>) ; tout ou "
    "rien. / An ITI-65 provide-document bundle, or an import of a patient's measures and "
    "medical profile; all or nothing.")
SESSION_ONLY = (
    "Par une session Espace Santé (le patient, ses représentants et aidants, les "
    "professionnels qu'il a autorisés) : aucun scope SMART ne l'ouvre aux applications ni "
    "aux établissements. / Through an Espace Santé session only: no SMART scope opens it to "
    "apps or institutions.")


def capability_statement(base_url: str, now: datetime, resources: Registry) -> dict[str, Any]:
    return {
        "resourceType": "CapabilityStatement",
        "name": "EspaceSante",
        "title": "Espace Santé — serveur FHIR R4",
        "status": "active",
        # Generated on request: the statement is as of now.
        "date": now.replace(microsecond=0).isoformat(),
        "kind": "instance",
        "software": {"name": "Espace Santé", "version": __version__},
        "implementation": {"description": "Espace Santé, API FHIR R4", "url": f"{base_url}/fhir"},
        "fhirVersion": "4.0.1",
        "format": ["json"],
        "rest": [{
            "mode": "server",
            "security": _security(base_url),
            "resource": [_resource(s) for s in resources.values()],
            "interaction": [{"code": "transaction", "documentation": TRANSACTION_DOC}],
        }],
    }


def _security(base_url: str) -> dict[str, Any]:
    # Only the endpoints that exist: no "authorize" until authorization code + PKCE do.
    uris = smart.oauth_endpoints(base_url)
    return {
        "extension": [{
            "url": OAUTH_URIS,
            "extension": [{"url": name, "valueUri": uri} for name, uri in uris.items()],
        }],
        "service": [{
            "coding": [{"system": SECURITY_SERVICE, "code": "SMART-on-FHIR"}],
            "text": "OAuth2 (SMART on FHIR) : client credentials, private_key_jwt",
        }],
        "description": "Jeton Bearer (OAuth2 SMART Backend Services) ou session Espace Santé.",
    }


def _resource(support: ResourceSupport) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "type": support.type,
        "profile": support.profile,
        **({"supportedProfile": list(support.supported_profiles)}
           if support.supported_profiles else {}),
        "interaction": [{"code": code} for code in support.interactions],
        "versioning": "no-version",
        "readHistory": False,
    }
    if not support.smart_scopes:
        entry["documentation"] = SESSION_ONLY
    if support.search_params:
        entry["searchParam"] = [
            {"name": p.name, "definition": p.definition, "type": p.type,
             "documentation": p.documentation}
            for p in support.search_params
        ]
    return entry
