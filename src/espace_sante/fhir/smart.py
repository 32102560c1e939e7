"""SMART on FHIR discovery: the OAuth endpoints and what the server supports, derived from
the resource registry so only what exists is announced.

Backend services only for now (client credentials + private-key JWT, SMART App Launch 2.x
"Backend Services"); the authorization endpoint, PKCE and ``launch-*`` capabilities come
with the app catalogue.
"""

from __future__ import annotations

from typing import Any

from espace_sante.fhir.interactions import Registry, ResourceSupport

# Served by the oauth package (token endpoint, RFC 7009 revocation, RFC 7662 introspection).
OAUTH_PATHS = {"token": "/oauth/token", "revoke": "/oauth/revoke",
               "introspect": "/oauth/introspect"}


def oauth_endpoints(base_url: str) -> dict[str, str]:
    return {name: base_url + path for name, path in OAUTH_PATHS.items()}


def configuration(base_url: str, resources: Registry) -> dict[str, Any]:
    """``/.well-known/smart-configuration`` (SMART App Launch 2.x, §Conformance)."""
    uris = oauth_endpoints(base_url)
    return {
        "token_endpoint": uris["token"],
        "introspection_endpoint": uris["introspect"],
        "revocation_endpoint": uris["revoke"],
        "token_endpoint_auth_methods_supported": ["private_key_jwt"],
        "token_endpoint_auth_signing_alg_values_supported": ["RS384", "ES384"],
        "grant_types_supported": ["client_credentials"],
        "scopes_supported": [s for r in resources.values() for s in scopes_of(r)],
        "capabilities": ["client-confidential-asymmetric"],
    }


def scopes_of(support: ResourceSupport) -> list[str]:
    """SMART v2 scopes for one type: ``.cruds`` (what it has of it) and its parts for
    systems, the whole for apps (permissions in the order SMART v2 requires: c, r, u, d, s)."""
    handlers = (("c", support.create), ("r", support.read), ("u", support.update),
                ("d", support.delete), ("s", support.search))
    perms = "".join(p for p, h in handlers if h)
    if not perms or not support.smart_scopes:
        return []
    parts = [f"system/{support.type}.{p}" for p in perms] if len(perms) > 1 else []
    return [f"system/{support.type}.{perms}", *parts, f"patient/{support.type}.{perms}"]
