"""The FHIR R4 front door: resources mapped from the bricks, never a second store.

Everything but ``http.py`` is free of HTTP (STYLE principle 8): ``router.handle`` takes a
method, path segments, query pairs and a body and returns ``(status, resource)``, so
batch bundles, tests and the web pages can reuse it.
"""
