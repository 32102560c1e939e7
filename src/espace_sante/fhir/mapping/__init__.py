"""Pure mappings from the bricks' views to FHIR resources (dicts, validated by callers)."""
