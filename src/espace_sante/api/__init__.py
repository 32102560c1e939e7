"""The JSON API (OpenAPI at /docs) for what FHIR does not model well."""
